"""Chooses the Keras backend before anything imports Keras.

Keras reads `KERAS_BACKEND` once, on its first import, and otherwise falls back
to TensorFlow. This library is built for the PyTorch backend, so it makes
`torch` the default while respecting a backend the user already chose: an
existing `KERAS_BACKEND` variable, or a Keras that was imported earlier.
"""

import os
import sys

DEFAULT_BACKEND = "torch"


def choose_default_backend():
    """Sets `KERAS_BACKEND=torch` unless a backend was already chosen.

    Returns:
        The name of the backend Keras will use (or already uses).
    """
    if "keras" in sys.modules:
        return sys.modules["keras"].backend.backend()
    return os.environ.setdefault("KERAS_BACKEND", DEFAULT_BACKEND)
