"""Batches cut at varying lengths, as a `tf.data.Dataset`, for TensorFlow.

Keras reads a `keras.utils.PyDataset` on the TensorFlow backend through
`tf.data`, with a signature taken from the dataset's first two batches: an
axis is fixed wherever those two agree. Batches grouped by length
(`SequenceBatches(..., group_by_length=True)`) are cut at different numbers
of steps, so when the first two were cut alike, a later batch stopped
training ("`generator` yielded an element of shape (4, 4, 2) where an element
of shape (None, 9, 2) was expected"). `as_dataset` declares every axis free
but the features'; TensorFlow then also traces the training step once for
all lengths.

This module imports TensorFlow, so it is only imported on that backend.
"""

import numpy as np
import tensorflow as tf


def _free_spec(array):
    """A spec of `array`'s rank and dtype; only a last axis of features
    (rank 3: samples, steps, features) is fixed."""
    shape = [None] * array.ndim
    if array.ndim == 3:
        shape[-1] = array.shape[-1]
    return tf.TensorSpec(shape, tf.as_dtype(array.dtype))


def as_dataset(batches):
    """The batches of a `PyDataset` as a `tf.data.Dataset`, in the same order.

    Args:
        batches: A finite `keras.utils.PyDataset` (`SequenceBatches`) whose
            items are arrays, or tuples of arrays (inputs, targets, weights).

    Returns:
        A dataset of `len(batches)` batches: each pass reads `batches[0]`,
        `batches[1]`, ... and, after the last, calls `batches.on_epoch_end()`
        as Keras does after an epoch (a shuffling `PyDataset` draws new
        batches for the next pass).

    Example:

    >>> from keras_lstm_ae.preprocessing.batching import SequenceBatches
    >>> x = np.full((4, 10, 1), np.nan, "float32")
    >>> for i, length in enumerate([9, 8, 3, 2]):
    ...     x[i, :length] = 1.0
    >>> batches = SequenceBatches(x, batch_size=2, shuffle=False, group_by_length=True)
    >>> dataset = as_dataset(batches)
    >>> dataset.element_spec.shape.as_list()
    [None, None, 1]
    >>> [tuple(batch.shape) for batch in dataset.as_numpy_iterator()]
    [(2, 9, 1), (2, 3, 1)]
    """
    first = batches[0]
    if isinstance(first, tuple):
        signature = tuple(_free_spec(np.asarray(part)) for part in first)
    else:
        signature = _free_spec(np.asarray(first))

    def read_pass():
        for index in range(len(batches)):
            yield batches[index]
        batches.on_epoch_end()

    dataset = tf.data.Dataset.from_generator(read_pass, output_signature=signature)
    return dataset.apply(tf.data.experimental.assert_cardinality(len(batches)))
