"""`SegmentConvolution`: shift-tolerant features of steps that are segments."""

import keras
from keras import ops

from keras_lstm_ae._utils.validation import check_positive_int


@keras.saving.register_keras_serializable(package="keras_lstm_ae")
class SegmentConvolution(keras.layers.Layer):
    """Appends shift-tolerant features to each step that is a segment of a series.

    A step of `(batch, steps, segment_length * channels)` inputs holds
    `segment_length` consecutive values of a longer series, `channels` at
    a time (`keras_lstm_ae.preprocessing.segments.to_segments`). A
    recurrent layer reads such a step through a weight per position, so a
    pattern a few values earlier or later reads as something else. This
    layer runs one `Conv1D(filters, kernel_size, activation="relu")` along
    every segment's values and keeps each filter's largest response in the
    segment: the same pattern anywhere in a segment gives the same feature.
    The step's values are kept in front of them:
    `(batch, steps, segment_length * channels + filters)`.

    The mask is passed on unchanged; masked steps (zeros after
    `NaNMasking`) get features too, which the masked layers after it skip.

    Args:
        filters: Number of convolution filters, the features added per step.
        kernel_size: Width of each filter, in values of the series.
        channels: Features per value of the series (the series' own
            features, before they were grouped into segments).
        seed: Integer seed of the initial weights, or `None`.
        **kwargs: Passed to `keras.layers.Layer` (e.g. `name`).

    Example:

    >>> import numpy as np
    >>> layer = SegmentConvolution(filters=4, kernel_size=3, channels=1, seed=0)
    >>> x = np.zeros((2, 8, 19), "float32")  # 8 segments of 19 values
    >>> tuple(layer(x).shape)
    (2, 8, 23)
    """

    def __init__(self, filters, kernel_size, channels=1, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = check_positive_int(filters, "filters")
        self.kernel_size = check_positive_int(kernel_size, "kernel_size")
        self.channels = check_positive_int(channels, "channels")
        self.seed = seed
        self.convolution = keras.layers.Conv1D(
            self.filters,
            self.kernel_size,
            padding="same",
            activation="relu",
            kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
            name="convolution",
        )
        self.supports_masking = True

    def build(self, input_shape):
        width = input_shape[-1]
        if width is None or width % self.channels:
            raise ValueError(
                f"`SegmentConvolution` needs steps of `segment_length * channels` "
                f"values with `channels={self.channels}`; got steps of {width}."
            )
        self.convolution.build((None, width // self.channels, self.channels))

    def call(self, inputs):
        batch, steps, width = ops.shape(inputs)
        values = ops.reshape(inputs, (-1, width // self.channels, self.channels))
        responses = ops.max(self.convolution(values), axis=1)
        features = ops.reshape(responses, (batch, steps, self.filters))
        return ops.concatenate([inputs, features], axis=-1)

    def compute_output_shape(self, input_shape):
        width = input_shape[-1]
        return (*input_shape[:-1], None if width is None else width + self.filters)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "channels": self.channels,
            "seed": self.seed,
        }
