"""`NaNMasking`: NaN marks a step that is padding or missing."""

import keras
from keras import ops

from keras_lstm_ae.layers import _fast_path


@keras.saving.register_keras_serializable(package="keras_lstm_ae")
class NaNMasking(keras.layers.Layer):
    """Masks the time steps that hold NaN, so that later layers skip them.

    Like `keras.layers.Masking`, but the marker is NaN instead of a value
    such as 0: with one-hot or standardised data, a real step can be all
    zeros, and it must not be skipped. A step is masked when any of its
    features is NaN; the layer outputs the inputs with NaN replaced by 0, so
    no NaN reaches a weight or a gradient.

    Example:

    >>> import numpy as np
    >>> from keras import ops
    >>> x = np.array([[[1.0], [0.0], [np.nan]]], "float32")
    >>> layer = NaNMasking()
    >>> ops.convert_to_numpy(layer.compute_mask(x)).tolist()
    [[True, True, False]]
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return ops.logical_not(ops.any(ops.isnan(inputs), axis=-1))

    def call(self, inputs):
        # Keras attaches `compute_mask`'s result to the outputs.
        return ops.where(ops.isnan(inputs), 0.0, inputs)

    def call_and_compute_mask(self, inputs):
        """`(call(inputs), compute_mask(inputs))`, finding the NaN once."""
        if _fast_path.torch_backend_active() and ops.is_tensor(inputs):
            # The values of the ops below, without their dispatch.
            missing = inputs.isnan()
            return inputs.masked_fill(missing, 0.0), ~missing.any(dim=-1)
        missing = ops.isnan(inputs)
        outputs = ops.where(missing, 0.0, inputs)
        return outputs, ops.logical_not(ops.any(missing, axis=-1))

    def compute_output_shape(self, input_shape):
        return input_shape
