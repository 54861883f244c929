"""The masked per-step loss in plain torch, for the torch training step.

`LSTMAutoencoder.compute_loss` averages a per-step loss over the real
(non-NaN) steps of a batch. On the torch backend, for the losses below, this
module computes it with a handful of torch operations instead of Keras's
operations, whose dispatch costs more than the arithmetic on a small model.
The values equal Keras's (tested); any other loss takes the Keras path.

This module imports torch, so it is only imported on the torch backend.
"""

import keras
import torch


def _squared_error(y_true, y_pred):
    return (y_pred - y_true).square().mean(dim=-1)


def _absolute_error(y_true, y_pred):
    return (y_pred - y_true).abs().mean(dim=-1)


# Keras's per-step loss functions and their torch twins.
TORCH_TWINS = {
    keras.losses.mean_squared_error: _squared_error,
    keras.losses.mean_absolute_error: _absolute_error,
}

# The twins' mean over every value, in one fused torch call (forward and
# backward), for batches with no NaN and no weights.
_FUSED_MEANS = {
    _squared_error: torch.nn.functional.mse_loss,
    _absolute_error: torch.nn.functional.l1_loss,
}


def masked_step_mean(function, y_true, y_pred, sample_weight=None):
    """The mean of `function`'s per-step values over the real steps.

    Args:
        function: A torch function of `(y_true, y_pred)` giving values of
            shape `(samples, timesteps)`.
        y_true: Targets `(samples, timesteps, features)`; a step with any NaN
            is padding or missing.
        y_pred: Predictions of the same shape.
        sample_weight: `None`, one weight per sequence, or one per step.

    Returns:
        `(loss, real_steps)`: the weighted sum of the real steps' values
        divided by their number (0 when there is none), and that number.
    """
    # Computed in float32, as Keras computes its losses.
    y_true = torch.as_tensor(y_true, dtype=torch.float32)
    y_pred = torch.as_tensor(y_pred, dtype=torch.float32)
    missing = torch.isnan(y_true)
    if (
        sample_weight is None
        and function in _FUSED_MEANS
        # Reading `any()` waits for the forward pass: free on a CPU, a stall
        # on a GPU, which keeps the masked mean.
        and y_true.device.type == "cpu"
        and not missing.any()
    ):
        # Every step is real: the mean over steps of the mean over features
        # is the mean over all values (equal up to rounding, ~1e-7).
        real_steps = y_true.new_tensor(y_true.shape[0] * y_true.shape[1])
        return _FUSED_MEANS[function](y_pred, y_true), real_steps
    present = (~missing.any(dim=-1)).to(torch.float32)
    values = function(torch.where(missing, 0.0, y_true), y_pred)
    real_steps = present.sum()
    weights = present
    if sample_weight is not None:
        sample_weight = torch.as_tensor(sample_weight, dtype=torch.float32)
        if sample_weight.dim() == 1:
            sample_weight = sample_weight.unsqueeze(-1)
        weights = present * sample_weight
    return (values * weights).sum() / real_steps.clamp(min=1.0), real_steps


def add_weighted(total, count, value, weight):
    """Adds `value * weight` to `total` and `weight` to `count`, in place.

    What `keras.metrics.Mean.update_state(value, sample_weight=weight)` does
    for one scalar value and weight, without its conversions.

    Args:
        total: The metric's float32 `total` variable.
        count: Its float32 `count` variable.
        value: A scalar: the batch's loss.
        weight: A scalar: the batch's weight (its real steps), or `None`
            for 1.

    Returns:
        Whether it added them: `False` (nothing done) when `value` or
        `weight` is not a scalar.
    """
    value = torch.as_tensor(value).detach()
    weight = torch.as_tensor(1.0 if weight is None else weight).detach()
    if value.dim() or weight.dim():
        return False
    value = value.to(torch.float32)
    weight = weight.to(torch.float32)
    with torch.no_grad():
        total.value.add_(value * weight)
        count.value.add_(weight)
    return True


def mean_or_zero(total, count):
    """`total / count`, or 0 where `count` is 0 (Keras's `Mean.result`)."""
    total, count = total.value, count.value
    return torch.where(count == 0, torch.zeros_like(total), total / count)
