"""Small data builders, gradients on any backend, and processes run with a log, shared by the tests."""

import subprocess

import keras
import numpy as np


def random_sequences(samples, timesteps, features, seed=0):
    """Float32 data in [0, 1)."""
    return np.random.default_rng(seed).random(
        (samples, timesteps, features), dtype="float32"
    )


def with_nan_after(x, lengths):
    """`x` with every step from each sequence's length on set to NaN."""
    x = x.copy()
    steps = np.arange(x.shape[1])[None, :]
    x[steps >= np.asarray(lengths)[:, None]] = np.nan
    return x


def masked_mse(x, x_hat):
    """The mean squared error over the steps of `x` that hold no NaN (NumPy)."""
    real = ~np.isnan(x).any(axis=-1)
    errors = ((x_hat - np.nan_to_num(x)) ** 2).mean(axis=-1)
    return errors[real].mean()


def gradients(function, inputs=(), variables=()):
    """Gradients of a scalar `function(*inputs)` on the current Keras backend.

    Args:
        function: Takes one tensor per input and returns a scalar tensor.
        inputs: NumPy arrays to differentiate with respect to.
        variables: Keras variables to differentiate with respect to; the
            function reads them as usual (through layers or models).

    Returns:
        NumPy gradients: one per input, then one per variable.
    """
    backend = keras.backend.backend()
    values = [variable.value for variable in variables]
    if backend == "jax":
        return _jax_gradients(function, inputs, variables, values)
    tensors = [keras.ops.convert_to_tensor(x) for x in inputs]
    if backend == "torch":
        import torch

        tensors = [tensor.requires_grad_(True) for tensor in tensors]
        grads = torch.autograd.grad(function(*tensors), [*tensors, *values])
    elif backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(tensors)
            total = function(*tensors)
        grads = tape.gradient(total, [*tensors, *values])
    else:
        raise NotImplementedError(f"no gradients on the {backend!r} backend")
    return [keras.ops.convert_to_numpy(grad) for grad in grads]


def _jax_gradients(function, inputs, variables, values):
    import jax

    def stateless(input_values, variable_values):
        # JAX differentiates pure functions: the variables read the traced
        # values instead of their own.
        mapping = list(zip(variables, variable_values, strict=True))
        with keras.StatelessScope(state_mapping=mapping):
            return function(*input_values)

    input_grads, variable_grads = jax.grad(stateless, argnums=(0, 1))(
        [keras.ops.convert_to_tensor(x) for x in inputs], values
    )
    return [np.asarray(grad) for grad in (*input_grads, *variable_grads)]


def start_process(arguments, log, **kwargs):
    """Starts `arguments` (a command line), its output written to the file `log`.

    Several can run at once: `process_failure` waits for each.
    """
    with open(log, "w") as file:
        return subprocess.Popen(
            arguments, stdout=file, stderr=subprocess.STDOUT, **kwargs
        )


def process_failure(process, log, timeout=300):
    """Waits for `process` (killed after `timeout` seconds): `None` if it
    exited with 0, else its exit status and the end of its `log` file."""
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        code = process.wait()
    return None if code == 0 else f"exit status {code}:\n{log.read_text()[-4000:]}"
