"""When the torch fast path applies, without importing torch elsewhere."""

import keras


def torch_backend_active():
    """Whether Keras runs on the torch backend."""
    return keras.backend.backend() == "torch"


def tensor(variable):
    """The backend tensor behind a Keras variable (gradients flow through it)."""
    return variable.value
