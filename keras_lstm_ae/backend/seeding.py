"""Seeded shuffling on every backend, without changing the caller's random state.

Keras shuffles in-memory training data with the backend's global random
state: torch's CPU generator (torch's data loader), NumPy's global state
(JAX's and NumPy's iterators) or TensorFlow's global seed
(`tf.random.shuffle` inside `tf.data`). `seeded_shuffling` seeds that state
for the length of a `fit` and puts the caller's back afterwards.

On TensorFlow a seeded shuffle starts over with each epoch's iterator, so a
seeded `fit` there draws one order and keeps it for all its epochs, as
`keras.utils.set_random_seed` does.
"""

import contextlib

import keras
import numpy as np


@contextlib.contextmanager
def seeded_shuffling(seed):
    """Seeds the shuffling of the backend's data iterators inside the block.

    Args:
        seed: An integer, or `None` to leave the shuffling as it is.
    """
    if seed is None:
        yield
        return
    seeders = {"torch": _torch_generator, "tensorflow": _tensorflow_global_seed}
    with seeders.get(keras.backend.backend(), _numpy_global_state)(seed):
        yield


@contextlib.contextmanager
def _torch_generator(seed):
    import torch

    with torch.random.fork_rng(devices=[]):
        # The CPU generator only, as forked (`torch.manual_seed` also queues
        # seeds for CUDA, which costs a stack trace per call).
        torch.default_generator.manual_seed(seed)
        yield


@contextlib.contextmanager
def _numpy_global_state(seed):
    # The legacy global state, because it is what Keras's iterators draw from.
    state = np.random.get_state()  # noqa: NPY002
    np.random.seed(seed % 2**32)  # noqa: NPY002
    try:
        yield
    finally:
        np.random.set_state(state)  # noqa: NPY002


@contextlib.contextmanager
def _tensorflow_global_seed(seed):
    import tensorflow as tf
    from tensorflow.python.eager import context  # No public getter of the seed.

    previous = context.global_seed()
    tf.random.set_seed(seed)
    try:
        yield
    finally:
        tf.random.set_seed(previous)
