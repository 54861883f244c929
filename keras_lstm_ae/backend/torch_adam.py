"""Keras's Adam update on torch, without its per-step bookkeeping.

Keras's torch `Adam` updates every variable at once with `torch._foreach_*`
calls, but around them, on every step, `optimizer.apply` filters and checks
gradients, looks up each variable's moments by name, and walks options that
are off (clipping, weight decay, EMA, gradient accumulation, loss scaling,
constraints): about 0.15 ms a step on a CPU (0.52 ms in all, against 0.38 ms
for the same torch calls alone, for a small autoencoder). `apply_plain_adam`
makes the same torch calls on the same tensors, in the same order, with the
moments found once per list of variables: the weights and moments it leaves
are those of `optimizer.apply` to the bit (tested against it), and it
declines (returns `False`) for any optimizer or option it does not reproduce,
which then take `apply`.

This module imports torch, so it is only imported on the torch backend.
"""

import weakref

import keras
import torch

# Keras's torch `Adam` (`keras.optimizers.Adam` on this backend); subclasses,
# which may change the update, are not reproduced.
_KERAS_TORCH_ADAM = type(keras.optimizers.Adam())

# Per optimizer: `(variables, moments, velocities, tensors)` of its last call.
_moments_of = weakref.WeakKeyDictionary()


def _is_plain(optimizer, variables):
    """Whether `optimizer.apply` on `variables` is the plain Adam update."""
    return (
        type(optimizer) is _KERAS_TORCH_ADAM
        and optimizer.built
        and not optimizer.amsgrad
        and not optimizer.clipnorm
        and not optimizer.global_clipnorm
        and not optimizer.clipvalue
        and optimizer.weight_decay is None
        and not optimizer.use_ema
        and not optimizer.gradient_accumulation_steps
        and optimizer.loss_scale_factor is None
        and all(
            variable.constraint is None
            and not getattr(variable, "overwrite_with_gradient", False)
            and variable.dtype == "float32"
            for variable in variables
        )
    )


def _moments(optimizer, variables):
    """The moments' and the variables' tensors, cached per list of variables."""
    cached = _moments_of.get(optimizer)
    if (
        cached is not None
        and len(cached[0]) == len(variables)
        and all(a is b for a, b in zip(cached[0], variables, strict=True))
    ):
        return cached[1:]
    indices = [optimizer._get_variable_index(variable) for variable in variables]
    moments = (
        [optimizer._momentums[i].value for i in indices],
        [optimizer._velocities[i].value for i in indices],
        [variable.value for variable in variables],
    )
    _moments_of[optimizer] = (list(variables), *moments)
    return moments


def apply_plain_adam(optimizer, gradients, variables):
    """Applies `gradients` as `optimizer.apply(gradients, variables)` would.

    Args:
        optimizer: A Keras optimizer; only Keras's own `Adam`, built, with
            no clipping, weight decay, EMA, gradient accumulation, loss
            scaling or variable constraints, is applied here.
        gradients: Torch tensors, one per variable, none `None`.
        variables: The Keras variables the optimizer was built with.

    Returns:
        Whether the update was applied; if not, nothing changed and the
        caller applies the gradients with `optimizer.apply`.
    """
    if any(gradient is None for gradient in gradients) or not _is_plain(
        optimizer, variables
    ):
        return False
    m_list, v_list, tensors = _moments(optimizer, variables)
    beta_1, beta_2 = optimizer.beta_1, optimizer.beta_2
    # As `keras.src.backend.torch.optimizers.torch_adam.Adam`, call for call,
    # with the torch calls that Keras's ops make for these float32 scalars.
    with torch.no_grad():
        dtype = tensors[0].dtype
        learning_rate = optimizer.learning_rate  # A variable, or a schedule's.
        if isinstance(learning_rate, keras.Variable):
            learning_rate = learning_rate.value
        lr = torch.as_tensor(learning_rate).to(dtype)
        iterations = optimizer.iterations.value
        local_step = (iterations + 1).to(dtype)
        beta_1_power = torch.pow(torch.as_tensor(beta_1, dtype=dtype), local_step)
        beta_2_power = torch.pow(torch.as_tensor(beta_2, dtype=dtype), local_step)
        alpha = lr * torch.sqrt(1 - beta_2_power) / (1 - beta_1_power)

        torch._foreach_mul_(m_list, beta_1)
        torch._foreach_add_(m_list, gradients, alpha=1 - beta_1)
        torch._foreach_mul_(v_list, beta_2)
        torch._foreach_add_(
            v_list, torch._foreach_mul(gradients, gradients), alpha=1 - beta_2
        )
        torch._foreach_add_(
            tensors,
            torch._foreach_div(
                torch._foreach_mul(m_list, alpha),
                torch._foreach_add(torch._foreach_sqrt(v_list), optimizer.epsilon),
            ),
            alpha=-1,
        )
        iterations.add_(1)  # `assign_add(1)`, in place.
    return True
