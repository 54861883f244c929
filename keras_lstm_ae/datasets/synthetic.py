"""Synthetic data sets, generated on the spot: moving ones, ragged ramps,
labelled event shapes, anomalies."""

import numpy as np

from keras_lstm_ae._utils.validation import (
    check_choice,
    check_non_negative_number,
    check_positive_int,
)
from keras_lstm_ae.preprocessing.sequences import pad_sequences

ANOMALY_KINDS = ("spike", "level_shift", "shape", "frequency", "channel")
"""The kinds of anomaly `make_anomalies` injects."""


def make_moving_ones(n_samples=1000, timesteps=10, features=8, seed=0, padded=True):
    """Generates sequences of a "1" that moves one feature per step.

    The toy data of the StackOverflow question "LSTM autoencoder for
    variable-length input": each sequence has `round(uniform(0, timesteps))`
    steps, so some sequences are empty. Step `t` is one-hot at feature `t`
    when `t < features`, and an all-zero step (a real step, not padding)
    otherwise.

    Args:
        n_samples: The number of sequences. Defaults to 1000.
        timesteps: The most steps a sequence can have. Defaults to 10.
        features: The number of features per step. Defaults to 8.
        seed: The seed of `numpy.random.default_rng`; the same seed gives the
            same data. Defaults to 0.
        padded: Whether to return a NaN-padded batch, or the ragged list of
            sequences. Defaults to `True`.

    Returns:
        With `padded=True`, a float32 array `(n_samples, timesteps,
        features)` whose missing steps are NaN; otherwise a list of
        `n_samples` float32 arrays `(length, features)`.

    Raises:
        TypeError: If `n_samples`, `timesteps` or `features` is not an integer.
        ValueError: If `n_samples`, `timesteps` or `features` is not positive.

    Example:

    >>> x = make_moving_ones(n_samples=4, timesteps=5, features=3)
    >>> x.shape
    (4, 5, 3)
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    timesteps = check_positive_int(timesteps, "timesteps")
    features = check_positive_int(features, "features")
    rng = np.random.default_rng(seed)
    lengths = np.rint(rng.uniform(0, timesteps, size=n_samples)).astype(int)
    sequences = []
    for length in lengths:
        sequence = np.zeros((length, features), dtype=np.float32)
        ones = np.arange(min(length, features))
        sequence[ones, ones] = 1.0
        sequences.append(sequence)
    if padded:
        return pad_sequences(sequences, maxlen=timesteps)
    return sequences


def make_ragged_ramps():
    """Returns four ramps of lengths 9, 8, 4 and 4: a tiny ragged data set.

    The shape of the data in the accepted StackOverflow answer on
    variable-length LSTM autoencoders. The ramps differ in direction, slope
    and offset, so a model that tells them apart has learnt something:

    - `0.1, 0.2, ..., 0.9` (rising by 0.1),
    - `0.8, 0.7, ..., 0.1` (falling by 0.1),
    - `0.2, 0.4, 0.6, 0.8` (rising by 0.2),
    - `0.9, 0.6, 0.3, 0.0` (falling by 0.3).

    Returns:
        A list of four 1-D float32 arrays (one feature per step); pad them
        with `pad_sequences`.

    Example:

    >>> [len(ramp) for ramp in make_ragged_ramps()]
    [9, 8, 4, 4]
    """
    # Integer steps divided once, so every value is the float32 nearest to
    # its decimal (no accumulated rounding).
    tenths = [
        np.arange(1, 10),
        np.arange(8, 0, -1),
        np.arange(2, 10, 2),
        np.arange(9, -1, -3),
    ]
    return [(steps / 10).astype(np.float32) for steps in tenths]


SHAPE_CLASSES = ("shape", "scale")
"""What tells `make_shapes`'s classes apart: the event's shape, or its size."""

_EVENTS = ("bump", "square", "triangle", "chirp")
_SCALE_LEVELS = (0.5, 1.0, 2.0)


def _event(kind, u):
    """An event of height 1 at positions `u` in [0, 1] (0 outside)."""
    inside = (u >= 0) & (u <= 1)
    if kind == "bump":
        wave = np.sin(np.pi * u)
    elif kind == "square":
        wave = np.ones_like(u)
    elif kind == "triangle":
        wave = 1 - np.abs(2 * u - 1)
    else:  # chirp: a cycle that speeds up.
        wave = np.sin(2 * np.pi * 2 * u**2)
    return np.where(inside, wave, 0.0)


def make_shapes(
    n_samples=200,
    timesteps=100,
    *,
    min_timesteps=None,
    classes="shape",
    noise=0.1,
    seed=0,
):
    """Generates labelled sequences of one event each, moved, stretched and
    scaled at random: a classification set with known nuisances.

    Each sequence is Gaussian noise around an offset, with one event in it:
    a bump (half a sine), a square pulse, a triangle or a chirp. The event
    starts anywhere (shift), lasts 20% to 50% of the sequence (stretch),
    and is scaled and lifted at random. With `classes="shape"` the label is
    the event's kind (4 classes) and its size (0.5 to 2) and the offset
    (-1 to 1) say nothing; with `classes="scale"` the label is the size
    (0.5, 1 or 2, each within 10%: 3 classes) and the kind says nothing,
    as in data sets whose classes differ in amplitude rather than shape.
    With `min_timesteps`, lengths are drawn between it and `timesteps`, so
    the set is ragged.

    Args:
        n_samples: The number of sequences. Defaults to 200.
        timesteps: The length of every sequence, or the longest with
            `min_timesteps`. Defaults to 100.
        min_timesteps: The shortest length, or `None` for sequences of
            `timesteps` steps each. Defaults to `None`.
        classes: `"shape"` or `"scale"` (`SHAPE_CLASSES`). Defaults to
            `"shape"`.
        noise: The standard deviation of the Gaussian noise. Defaults to
            0.1.
        seed: The seed of `numpy.random.default_rng`. Defaults to 0.

    Returns:
        `(x, y)`: a float32 array `(n_samples, timesteps, 1)`, NaN after a
        shorter sequence's end, and the int64 labels `(n_samples,)`.

    Raises:
        TypeError: If a count is not an integer, or `noise` not a number.
        ValueError: If a count is not positive, `min_timesteps` exceeds
            `timesteps` or is under 10, `classes` is unknown, or `noise` is
            negative.

    Example:

    >>> x, y = make_shapes(n_samples=6, timesteps=40, min_timesteps=20, seed=0)
    >>> x.shape, sorted(set(y)) <= [0, 1, 2, 3]
    ((6, 40, 1), True)
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    timesteps = check_positive_int(timesteps, "timesteps")
    check_choice(classes, "classes", SHAPE_CLASSES)
    noise = check_non_negative_number(noise, "noise")
    shortest = timesteps
    if min_timesteps is not None:
        shortest = check_positive_int(min_timesteps, "min_timesteps")
        if not 10 <= shortest <= timesteps:
            raise ValueError(
                "`min_timesteps` must be between 10 and `timesteps` "
                f"({timesteps}), so that an event has steps to show it; got "
                f"{shortest}."
            )
    elif timesteps < 10:
        raise ValueError(
            f"`timesteps` must be at least 10, so that an event has steps to "
            f"show it; got {timesteps}."
        )
    rng = np.random.default_rng(seed)
    n_classes = len(_EVENTS) if classes == "shape" else len(_SCALE_LEVELS)
    y = rng.integers(n_classes, size=n_samples)
    x = np.full((n_samples, timesteps, 1), np.nan, dtype=np.float32)
    for i, label in enumerate(y):
        length = int(rng.integers(shortest, timesteps + 1))
        width = rng.uniform(0.2, 0.5)
        start = rng.uniform(0, 1 - width)
        if classes == "shape":
            kind, size = _EVENTS[label], rng.uniform(0.5, 2.0)
        else:
            kind = _EVENTS[rng.integers(len(_EVENTS))]
            size = _SCALE_LEVELS[label] * rng.uniform(0.9, 1.1)
        u = (np.linspace(0, 1, length) - start) / width
        offset = rng.uniform(-1, 1)
        x[i, :length, 0] = offset + size * _event(kind, u)
        x[i, :length, 0] += noise * rng.standard_normal(length)
    return x, y.astype(np.int64)


# Sizes of the injected anomalies, in units of the normal series: its cycles
# have an amplitude of 1 plus a harmonic of 0.3 to 0.6, so they stay within
# about [-1.6, 1.6].
_SPIKE_COUNT = 5
_SPIKE_HEIGHT = 2.0  # Added away from zero: every spike lies beyond +-2.
_LEVEL_SHIFT = 1.0
_LEVEL_SHIFT_PERIODS = 2
_FREQUENCY_PERIODS = 4  # Run as 6 cycles: 1.5 times as fast.
_FREQUENCY_CYCLES = 6
_STUCK_PERIODS = 2
_MIN_PERIOD = 8
_MIN_PERIODS_PER_SERIES = 8


def _check_anomaly_arguments(kind, length, features, period, noise):
    """`make_anomalies`'s arguments, checked: `(length, features, period, noise)`."""
    check_choice(kind, "kind", ANOMALY_KINDS)
    length = check_positive_int(length, "length")
    features = check_positive_int(features, "features")
    period = check_positive_int(period, "period")
    noise = check_non_negative_number(noise, "noise")
    if kind == "channel" and features < 2:
        raise ValueError(
            'kind="channel" changes one channel while the others stay normal, '
            f"so it needs `features` >= 2; got features={features}. Use another "
            "kind for a univariate series."
        )
    if period < _MIN_PERIOD:
        raise ValueError(
            f"`period` must be at least {_MIN_PERIOD} steps, so that a cycle "
            f"has a shape; got {period}."
        )
    if length < _MIN_PERIODS_PER_SERIES * period:
        raise ValueError(
            f"`length` must be at least {_MIN_PERIODS_PER_SERIES} periods "
            f"({_MIN_PERIODS_PER_SERIES * period} steps with period={period}), "
            f"so an anomaly has normal steps around it; got {length}."
        )
    return length, features, period, noise


def _cycles(phase, shapes):
    """The normal waveform of every channel at the given phases (radians)."""
    first, second, harmonic = shapes
    phase = np.asarray(phase, dtype=np.float64)[:, None]
    return np.sin(phase + first) + harmonic * np.sin(2 * phase + second)


def make_anomalies(kind, length=2000, features=1, period=50, noise=0.05, seed=0):
    """Generates a normal series to fit on and a series with an anomaly in it.

    The normal series is periodic: channel `c` at step `t` is
    `sin(2 pi t / period + a_c) + h_c sin(4 pi t / period + b_c)` plus
    Gaussian noise, with phases `a_c`, `b_c` and a harmonic `h_c` in
    [0.3, 0.6] drawn per channel, so every channel has its own shape and
    all stay within about [-1.6, 1.6]. `test` continues `train` in time
    (step `i` of `test` is step `length + i` of the same process); with
    `length` a multiple of `period`, as by default, step `i` of both is at
    the same point of the cycle. One or a few anomalies are then injected
    into `test`, at least one period from either end; with the defaults:

    - `"spike"`: 5 isolated steps, one in each fifth of the series, pushed
      2.0 further from zero, beyond the normal range (all channels).
    - `"level_shift"`: 2 periods (100 steps) offset by +1.0 or -1.0 (all
      channels).
    - `"shape"`: one period (50 steps) drawn with straight lines through the
      cycle's start, its maximum, its minimum and the next cycle's start: a
      triangle wave with the same range and no jumps (all channels).
    - `"frequency"`: 4 periods (200 steps) that hold 6 cycles, 1.5 times as
      fast, and rejoin the normal cycle without a jump (all channels).
    - `"channel"` (needs `features >= 2`): one channel, drawn by the seed,
      is stuck at its value at the start of 2 periods (100 steps), like a
      frozen sensor, while the other channels go on normally.

    Args:
        kind: One of `ANOMALY_KINDS`: "spike", "level_shift", "shape",
            "frequency", "channel".
        length: The number of steps of `train`, and of `test`; at least 8
            periods. Defaults to 2000.
        features: The number of channels. Defaults to 1.
        period: The number of steps per cycle; at least 8. Defaults to 50.
        noise: The standard deviation of the Gaussian noise added to every
            step (not to a stuck channel). Defaults to 0.05.
        seed: The seed of `numpy.random.default_rng`; the same seed gives the
            same data. `train` and the normal steps of `test` do not depend on
            `kind`. Defaults to 0.

    Returns:
        A tuple `(train, test, labels)`: `train` and `test` are float32
        arrays `(length, features)`, 2-D even for one feature; `train` holds
        no anomaly. `labels` is an int64 array `(length,)`, 1 at the
        anomalous steps of `test` and 0 elsewhere.

    Raises:
        TypeError: If `length`, `features` or `period` is not an integer, or
            `noise` is not a number.
        ValueError: If `kind` is not one of `ANOMALY_KINDS`, `"channel"` is
            asked for with one feature, `length` is shorter than 8 periods,
            `period` is shorter than 8 steps, or `noise` is negative.

    Example:

    >>> train, test, labels = make_anomalies("level_shift")
    >>> train.shape, test.shape, int(labels.sum())
    ((2000, 1), (2000, 1), 100)
    """
    length, features, period, noise = _check_anomaly_arguments(
        kind, length, features, period, noise
    )

    # Draw in a fixed order: the shapes and both noises first, so that `train`
    # and the normal part of `test` are the same for every kind.
    rng = np.random.default_rng(seed)
    shapes = (
        rng.uniform(0, 2 * np.pi, features),
        rng.uniform(0, 2 * np.pi, features),
        rng.uniform(0.3, 0.6, features),
    )
    train_noise = rng.normal(0.0, noise, (length, features))
    test_noise = rng.normal(0.0, noise, (length, features))
    angular_step = 2 * np.pi / period
    train_steps = np.arange(length)
    test_steps = np.arange(length, 2 * length)
    train = _cycles(angular_step * train_steps, shapes) + train_noise
    clean = _cycles(angular_step * test_steps, shapes)
    test = clean + test_noise
    labels = np.zeros(length, dtype=np.int64)

    def segment(periods):
        start = int(rng.integers(period, length - (periods + 1) * period + 1))
        return start, start + periods * period

    if kind == "spike":
        bounds = np.linspace(period, length - period, _SPIKE_COUNT + 1)
        quarter = (bounds[1] - bounds[0]) / 4
        positions = rng.uniform(bounds[:-1] + quarter, bounds[1:] - quarter)
        positions = positions.astype(np.int64)
        direction = np.where(test[positions] >= 0, 1.0, -1.0)
        test[positions] += _SPIKE_HEIGHT * direction
        labels[positions] = 1
    elif kind == "level_shift":
        start, stop = segment(_LEVEL_SHIFT_PERIODS)
        test[start:stop] += _LEVEL_SHIFT * rng.choice([-1.0, 1.0])
        labels[start:stop] = 1
    elif kind == "shape":
        start, stop = segment(1)
        cycle = clean[start : stop + 1]  # With the next cycle's first step.
        for channel in range(features):
            knots = sorted(
                {
                    0,
                    period,
                    int(cycle[:period, channel].argmax()),
                    int(cycle[:period, channel].argmin()),
                }
            )
            triangle = np.interp(np.arange(period), knots, cycle[knots, channel])
            test[start:stop, channel] = triangle + test_noise[start:stop, channel]
        labels[start:stop] = 1
    elif kind == "frequency":
        start, stop = segment(_FREQUENCY_PERIODS)
        speed = _FREQUENCY_CYCLES / _FREQUENCY_PERIODS
        phase = angular_step * (test_steps[start] + speed * np.arange(stop - start))
        test[start:stop] = _cycles(phase, shapes) + test_noise[start:stop]
        labels[start:stop] = 1
    else:  # "channel"
        start, stop = segment(_STUCK_PERIODS)
        channel = int(rng.integers(features))
        test[start:stop, channel] = test[start, channel]
        labels[start:stop] = 1
    return train.astype(np.float32), test.astype(np.float32), labels
