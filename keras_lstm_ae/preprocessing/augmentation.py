"""Random changes of tempo, for training on sequences played a little
faster here and slower there than recorded, and the interpolation that
reads a sequence between its steps (`read_between_steps`), which window
warping (`keras_lstm_ae.anomaly.windows.stretch_windows`) shares."""

import numpy as np

from keras_lstm_ae.preprocessing.batching import padded_lengths

# Parts of a sequence that each get a tempo of their own.
WARP_PARTS = 4


def time_warp(x, strength, rng, parts=WARP_PARTS):
    """Each sequence played at a tempo that changes from part to part.

    A sequence's time axis is cut into `parts` equal parts; each is played at
    a random speed, log-normal with standard deviation `strength` (a speed
    and its inverse are as likely), and the whole is stretched back to the
    sequence's own length, by linear interpolation between steps: the
    time warping of Um et al. (2017). Its start and end stay where they
    are; what happens in between comes a little earlier or later, and
    faster or slower. Padding after a sequence's end stays NaN; a NaN gap
    inside one stays NaN around the warped steps it touches.

    Args:
        x: A NaN-padded batch `(samples, timesteps, features)`.
        strength: The standard deviation of each part's log speed; 0 leaves
            the sequences as they are. 0.2 plays most parts (95%) between
            0.67x and 1.5x as fast as recorded.
        rng: A `numpy.random.Generator`.
        parts: The number of parts with a tempo of their own.

    Returns:
        A float32 array of `x`'s shape.

    Example:

    >>> ramp = np.arange(10.0)[None, :, None]
    >>> warped = time_warp(ramp, 0.3, np.random.default_rng(0))
    >>> float(warped[0, 0, 0]), float(warped[0, -1, 0])  # ends stay
    (0.0, 9.0)
    >>> bool(np.all(np.diff(warped[0, :, 0]) > 0))  # time runs forward
    True
    """
    x = np.asarray(x, dtype=np.float32)
    out = np.array(x, dtype=np.float32)
    if strength == 0:
        return out
    knots = np.linspace(0.0, 1.0, parts + 1)
    for i, length in enumerate(padded_lengths(x)):
        if length < 3:
            continue
        speeds = rng.lognormal(0.0, strength, parts)
        reached = np.concatenate([[0.0], np.cumsum(1.0 / speeds)])
        # Where each knot of the recording is reached in the warped time,
        # and so which time of the recording each warped step reads.
        source = np.interp(
            np.linspace(0.0, 1.0, length), reached / reached[-1], knots
        ) * (length - 1)
        out[i, :length] = read_between_steps(x[i : i + 1, :length], source[None])[0]
    return out


def read_between_steps(sequences, positions):
    """Sequences read at fractional steps, by linear interpolation.

    Args:
        sequences: `(n, steps, features)`, at least 2 steps.
        positions: `(n, k)`: where to read each sequence, between 0 and
            `steps - 1`.

    Returns:
        A float32 array `(n, k, features)`.

    Example:

    >>> ramp = np.arange(4.0)[None, :, None] * 10
    >>> read_between_steps(ramp, np.array([[0.0, 1.5, 3.0]]))[0, :, 0].tolist()
    [0.0, 15.0, 30.0]
    """
    below = np.minimum(np.floor(positions).astype(np.int64), sequences.shape[1] - 2)
    weights = (positions - below)[..., None]
    rows = np.arange(len(sequences))[:, None]
    return (
        sequences[rows, below] * (1.0 - weights) + sequences[rows, below + 1] * weights
    ).astype(np.float32)
