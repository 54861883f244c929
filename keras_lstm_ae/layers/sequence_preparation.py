"""`SequencePreparation`: raw NaN-padded sequences as `SequenceEncoder`'s model reads them.

`SequenceEncoder.transform` prepares sequences with NumPy (scale, fill gaps,
group steps into segments; `keras_lstm_ae.preprocessing`) before its encoder
reads them. This layer computes the same with Keras ops, so that an exported
graph (`SequenceEncoder.export`) takes sequences in the user's own units.
Every step is a tensor operation with no branch on the data (gathers, cumulative
sums, one sort of distinct keys), so a traced graph holds for any padding.
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_lstm_ae")
class SequencePreparation(keras.layers.Layer):
    """Scales, fills gaps and groups steps into segments, like `SequenceEncoder`.

    For a post-padded batch `(batch, timesteps, features)` in which NaN marks
    padding or a missing value:

    1. scales each feature: `(x - mean) / scale` (NaN stays NaN);
    2. fills each feature's NaN inside a sequence (up to its last step with
       every feature known) by linear interpolation between its known
       neighbours, or with the nearest known value at either end, as
       `keras_lstm_ae.preprocessing.segments.fill_gaps`;
    3. groups every `segment_length` steps into one wider step, the last
       segment of a sequence completed with its last real step and later
       segments NaN, as `keras_lstm_ae.preprocessing.segments.to_segments`.

    Args:
        mean: Per-feature means, a list of `features` numbers.
        scale: Per-feature scales (standard deviations), the same length.
        segment_length: Steps per segment.
        **kwargs: Passed to `keras.layers.Layer`.

    Call arguments:
        inputs: `(batch, timesteps, features)` floats, NaN-padded.

    Returns:
        `(batch, ceil(timesteps / segment_length), segment_length * features)`.

    Example:

    >>> import numpy as np
    >>> layer = SequencePreparation(mean=[1.0], scale=[2.0], segment_length=2)
    >>> x = np.array([[[1.0], [np.nan], [5.0], [np.nan]]], "float32")
    >>> ops.convert_to_numpy(layer(x))[0].tolist()
    [[0.0, 1.0], [2.0, 2.0]]
    """

    def __init__(self, mean, scale, segment_length, **kwargs):
        super().__init__(**kwargs)
        self.mean = [float(value) for value in mean]
        self.scale = [float(value) for value in scale]
        self.segment_length = int(segment_length)

    def call(self, inputs):
        x = (inputs - ops.convert_to_tensor(self.mean, inputs.dtype)) / (
            ops.convert_to_tensor(self.scale, inputs.dtype)
        )
        timesteps = ops.shape(x)[1]
        steps = ops.expand_dims(ops.arange(timesteps, dtype="int32"), 0)
        known = ops.logical_not(ops.isnan(x))
        lengths = _lengths(ops.all(known, axis=-1), steps)
        filled = _fill_gaps(x, known, steps, lengths)
        return _to_segments(filled, steps, lengths, self.segment_length)

    def compute_output_shape(self, input_shape):
        batch, timesteps, features = input_shape
        steps = None if timesteps is None else -(-timesteps // self.segment_length)
        return (batch, steps, self.segment_length * features)

    def get_config(self):
        return {
            **super().get_config(),
            "mean": self.mean,
            "scale": self.scale,
            "segment_length": self.segment_length,
        }


def _lengths(present, steps):
    """`(batch, 1)`: each sequence's last step with every feature known, plus 1."""
    return ops.max(ops.where(present, steps + 1, 0), axis=1, keepdims=True)


def _fill_gaps(x, known, steps, lengths):
    """Each feature's NaN before `lengths` interpolated from its known values."""
    timesteps = ops.shape(x)[1]
    inside = ops.expand_dims(steps < lengths, -1)
    known = ops.logical_and(known, inside)
    counts = ops.cumsum(ops.cast(known, "int32"), axis=1)  # Known up to t.
    total = counts[:, -1:, :]
    # The known steps first, in order: the keys are distinct, so any sort
    # agrees; `top_k` of their negatives is one that ONNX holds (TopK).
    position = ops.expand_dims(steps, -1)
    keys = ops.where(known, position, position + timesteps)
    _, known_steps = ops.top_k(-ops.transpose(keys, (0, 2, 1)), k=timesteps)
    known_steps = ops.transpose(ops.cast(known_steps, "int32"), (0, 2, 1))
    own = ops.cast(known, "int32")
    previous_rank = ops.maximum(counts - 1, 0)
    next_rank = ops.minimum(counts - own, ops.maximum(total - 1, 0))
    previous = _take_along_axis(known_steps, previous_rank, axis=1)
    following = _take_along_axis(known_steps, next_rank, axis=1)
    clean = ops.where(known, x, 0.0)
    before = _take_along_axis(clean, previous, axis=1)
    after = _take_along_axis(clean, following, axis=1)
    span = ops.cast(following - previous, x.dtype)
    offset = ops.cast(position - previous, x.dtype)
    slope = (after - before) / ops.where(span > 0, span, 1.0)
    between = before + offset * slope
    value = ops.where(counts == 0, after, between)  # Before the first known.
    value = ops.where(counts == total, before, value)  # After the last known.
    value = ops.where(known, x, value)
    return ops.where(inside, value, x)


def _to_segments(x, steps, lengths, segment_length):
    """Steps grouped `segment_length` at a time; a sequence's last segment
    completed with its last real step, later steps NaN."""
    _, timesteps, features = ops.shape(x)
    segments = (timesteps + segment_length - 1) // segment_length
    padding = segments * segment_length - timesteps
    x = ops.pad(x, ((0, 0), (0, padding), (0, 0)), constant_values=float("nan"))
    steps = ops.expand_dims(ops.arange(segments * segment_length, dtype="int32"), 0)
    # Rounded up on non-negative numbers: ONNX divides integers toward zero.
    end = (lengths + segment_length - 1) // segment_length * segment_length
    source = ops.where(steps < lengths, steps, ops.maximum(lengths - 1, 0))
    values = _take_along_axis(x, ops.expand_dims(source, -1), axis=1)
    values = ops.where(ops.expand_dims(steps < end, -1), values, float("nan"))
    # -1: an exported graph keeps its batch size free.
    return ops.reshape(values, (-1, segments, segment_length * features))


def _take_along_axis(x, indices, axis):
    """`ops.take_along_axis` along an axis before the last, with `indices`
    broadcast over the last (features).

    On torch, as `torch.gather` on indices expanded to full size: ONNX holds
    `gather` (GatherElements), not the `take_along_dim` Keras calls.
    """
    if keras.backend.backend() != "torch":
        return ops.take_along_axis(x, indices, axis=axis)
    import torch

    # Only the feature axis is broadcast; -1 keeps the batch size free in a
    # traced graph.
    shape = [-1] * (indices.dim() - 1) + [x.shape[-1] if axis != -1 else -1]
    return torch.gather(x, axis, indices.to(torch.int64).expand(shape))
