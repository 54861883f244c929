"""Sequences as the estimators feed them to an LSTM: gaps filled, steps grouped.

An LSTM that reads one value per step must carry what it saw hundreds of steps
back through its state; one that reads a few dozen wider steps need not. The
estimators therefore group `segment_length` consecutive steps into one wider
step (the Q&A's Reshape idea, applied to the input): a batch `(samples,
timesteps, features)` becomes `(samples, ceil(timesteps / segment_length),
segment_length * features)`.

Two details keep the grouping exact for NaN-padded data:

- A sequence's last segment is usually part padding. Its missing steps repeat
  the sequence's last value, so the segment stays a real step instead of being
  masked away with the values it holds.
- A NaN gap inside a sequence (a missing value, not padding) would mask the
  whole segment that holds it. `fill_gaps` interpolates such gaps linearly
  from their neighbours first.
"""

import numpy as np

from keras_lstm_ae.preprocessing.sequences import sequence_lengths

# The automatic segment length: few enough steps that the LSTM's state
# summarises a whole sequence, segments narrow enough that an event shifted a
# little in time still falls into a similar part of a segment.
TARGET_STEPS = 8
MAX_SEGMENT_LENGTH = 64


def auto_segment_length(timesteps):
    """The segment length the estimators choose for sequences of `timesteps`.

    The smallest length that cuts `timesteps` into at most `TARGET_STEPS` (8)
    steps, but no more than `MAX_SEGMENT_LENGTH` (64) values: 150 steps become
    8 of 19, 1460 steps 23 of 64, and sequences of 8 steps or fewer are read
    one step at a time.

    Example:

    >>> auto_segment_length(150), auto_segment_length(1460), auto_segment_length(6)
    (19, 64, 1)
    """
    return min(max(1, -(-int(timesteps) // TARGET_STEPS)), MAX_SEGMENT_LENGTH)


def fill_gaps(x):
    """Interpolates NaN values inside each sequence from their neighbours.

    Leading NaN take the first real value of their feature and trailing NaN
    up to the sequence's end (its last real step) the last one; the padding
    after a sequence stays NaN.

    Args:
        x: A padded batch `(samples, timesteps, features)`, post-padded.

    Returns:
        A new float32 array of the same shape.

    Example:

    >>> x = np.array([[[1.0], [np.nan], [3.0], [np.nan]]], dtype="float32")
    >>> fill_gaps(x)[0, :, 0].tolist()
    [1.0, 2.0, 3.0, nan]
    """
    x = np.array(x, dtype=np.float32)
    lengths = sequence_lengths(x)
    missing = np.isnan(x)
    positions = np.arange(x.shape[1])
    for sample in np.flatnonzero(missing.any(axis=(1, 2))):
        length = lengths[sample]
        for feature in range(x.shape[2]):
            values = x[sample, :length, feature]
            known = ~np.isnan(values)
            if known.all() or not known.any():
                continue
            x[sample, :length, feature] = np.interp(
                positions[:length], positions[:length][known], values[known]
            )
    return x


def to_segments(x, segment_length):
    """Groups every `segment_length` consecutive steps into one wider step.

    The padding inside a sequence's last segment repeats its last real step
    (see the module docstring); steps after that stay NaN, so the result is
    NaN-padded like `x`.

    Args:
        x: A post-padded batch `(samples, timesteps, features)`.
        segment_length: Steps per segment.

    Returns:
        A float32 array `(samples, ceil(timesteps / segment_length),
        segment_length * features)`; segment `s` of a sequence holds its steps
        `s * segment_length` to `(s + 1) * segment_length - 1`, one after the
        other.

    Example:

    >>> x = np.arange(5, dtype="float32").reshape(1, 5, 1)
    >>> to_segments(x, 2)[0].tolist()
    [[0.0, 1.0], [2.0, 3.0], [4.0, 4.0]]
    """
    samples, timesteps, features = x.shape
    steps = -(-timesteps // segment_length)
    padded = np.full(
        (samples, steps * segment_length, features), np.nan, dtype=np.float32
    )
    padded[:, :timesteps] = x
    lengths = sequence_lengths(x)
    for sample in np.flatnonzero(lengths % segment_length):
        length = lengths[sample]
        end = -(-length // segment_length) * segment_length
        padded[sample, length:end] = padded[sample, length - 1]
    return padded.reshape(samples, steps, segment_length * features)


def from_segments(segments, features, timesteps=None):
    """Splits wider steps back into single steps: `to_segments` undone.

    Args:
        segments: An array `(samples, steps, segment_length * features)`.
        features: Features per original step.
        timesteps: Steps to keep, or `None` for all of them.

    Returns:
        A float32 array `(samples, timesteps, features)`.

    Example:

    >>> from_segments(np.array([[[0.0, 1.0], [2.0, 3.0]]]), 1, 3)[0, :, 0].tolist()
    [0.0, 1.0, 2.0]
    """
    samples, steps, width = segments.shape
    x = np.asarray(segments, dtype=np.float32).reshape(
        samples, steps * (width // features), features
    )
    return x if timesteps is None else x[:, :timesteps]
