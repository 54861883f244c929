"""When the torch fast path applies, without importing torch elsewhere."""

import keras


def torch_backend_active():
    """Whether Keras runs on the torch backend."""
    return keras.backend.backend() == "torch"


def tensor(variable):
    """The backend tensor behind a Keras variable (gradients flow through it)."""
    return variable.value


def is_plain_dense(layer):
    """Whether `layer` is a `keras.layers.Dense` that `dense_call` can run.

    That is a float32 `Dense` (not a subclass), without LoRA or quantized
    weights, on the torch backend.
    """
    return (
        type(layer) is keras.layers.Dense
        and torch_backend_active()
        and layer.dtype_policy.name == "float32"
        and not layer.lora_enabled
        and layer.quantization_mode is None
    )


def dense_call(layer, inputs):
    """`layer.call(inputs)` for a plain `Dense` (`is_plain_dense`), in torch.

    The same torch calls as Keras's `ops.matmul` and `ops.add` make for
    float32 tensors, so the outputs are the same to the bit, without their
    dtype bookkeeping (about 0.1 ms a call on a CPU, as much as the product
    itself for the small layers of an autoencoder).
    """
    outputs = inputs @ tensor(layer.kernel)
    if layer.bias is not None:
        outputs = outputs + tensor(layer.bias)
    return layer.activation(outputs)
