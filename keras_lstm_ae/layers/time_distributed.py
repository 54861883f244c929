"""`TimeDistributed` that applies its layer to all steps at once."""

import keras
from keras import ops

from keras_lstm_ae.layers import _fast_path


@keras.saving.register_keras_serializable(package="keras_lstm_ae")
class TimeDistributed(keras.layers.TimeDistributed):
    """Applies a layer to every time step, in one call instead of a loop.

    A drop-in replacement for `keras.layers.TimeDistributed` (same arguments,
    weights and config). Keras 3 calls the wrapped layer once per time step (a
    Python loop, or `vmap` when the length is unknown); for a layer that
    treats each sample on its own, like `Dense`, folding time into the batch
    axis and calling it once gives the same result much faster; a `Dense`
    layer, which acts on the last axis of any input, is called on the
    sequences as they are. Layers that take a mask, and batch normalization
    (whose statistics would mix steps), keep the stock per-step path.

    Example:

    >>> import numpy as np
    >>> layer = TimeDistributed(keras.layers.Dense(3))
    >>> tuple(layer(np.zeros((4, 10, 8), "float32")).shape)
    (4, 10, 3)
    """

    def folds_time_into_batch(self):
        """Whether calls fold time into the batch axis (the fast path)."""
        return not (
            self.layer._call_has_mask_arg
            or isinstance(self.layer, keras.layers.BatchNormalization)
        )

    def call(self, inputs, training=None, mask=None):
        if not self.folds_time_into_batch():
            return super().call(inputs, training=training, mask=mask)
        if _fast_path.is_plain_dense(self.layer):
            return _fast_path.dense_call(self.layer, inputs)
        if type(self.layer) is keras.layers.Dense:
            return self.layer.call(inputs)
        batch_size, timesteps = ops.shape(inputs)[0], ops.shape(inputs)[1]
        folded = ops.reshape(inputs, (-1, *inputs.shape[2:]))
        kwargs = {"training": training} if self.layer._call_has_training_arg else {}
        outputs = self.layer.call(folded, **kwargs)
        return ops.reshape(outputs, (batch_size, timesteps, *outputs.shape[1:]))
