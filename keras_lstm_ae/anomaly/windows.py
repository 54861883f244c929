"""Where the windows of a series start, and how they are cut and stretched.

A detector reconstructs overlapping windows of a series; these functions say
where those windows start (every step covered, the first and last included),
cut them out of a stretch, and read them at a random tempo for training.
"""

import numpy as np

from keras_lstm_ae.preprocessing.augmentation import read_between_steps


def window_starts(steps, window, stride):
    """Starts of windows of `window` steps, `stride` apart, covering every step.

    The last window ends at the last step, even when the stride does not
    land there.

    Example:

    >>> window_starts(10, 4, 3).tolist()
    [0, 3, 6]
    >>> window_starts(11, 4, 3).tolist()
    [0, 3, 6, 7]
    """
    starts = np.arange(0, steps - window + 1, stride, dtype=np.int64)
    if starts[-1] != steps - window:
        starts = np.append(starts, steps - window)
    return starts


def sampled_window_starts(steps, window, stride, rng):
    """As many window starts as `window_starts` gives, drawn at random.

    They are drawn without replacement among all `steps - window + 1` starts
    and sorted. A model trained on them sees every alignment of a cycle with
    the window, where a fixed stride that divides the cycle's period shows it
    only some (a stride of 2 and a period of 80 steps: half of them), and the
    windows at the other alignments are then rebuilt much worse.

    Args:
        steps: The series' length.
        window: Steps per window.
        stride: 1 for every start; `s` for one start in about `s`.
        rng: A `numpy.random.Generator`.

    Returns:
        An increasing int64 array of distinct starts.

    Example:

    >>> starts = sampled_window_starts(100, 10, 3, np.random.default_rng(0))
    >>> len(starts) == len(window_starts(100, 10, 3)), bool(starts[-1] <= 90)
    (True, True)
    >>> sampled_window_starts(6, 4, 1, np.random.default_rng(0)).tolist()
    [0, 1, 2]
    """
    count = len(window_starts(steps, window, stride))
    every = steps - window + 1
    if count >= every:
        return np.arange(every, dtype=np.int64)
    return np.sort(rng.choice(every, size=count, replace=False)).astype(np.int64)


def window_starts_between(steps, window, stride, first, stop):
    """The starts, among `window_starts(steps, window, stride)`, of the
    windows that hold a step of `[first, stop)`; computed, not filtered, so
    a long series never needs all its starts at once.

    Example:

    >>> window_starts(11, 4, 3).tolist()
    [0, 3, 6, 7]
    >>> window_starts_between(11, 4, 3, 8, 11).tolist()
    [6, 7]
    """
    last = steps - window
    low, high = max(0, first - window + 1), min(stop - 1, last)
    starts = np.arange(-(-low // stride), high // stride + 1, dtype=np.int64) * stride
    if last % stride and low <= last <= high:
        starts = np.append(starts, last)
    return starts


def cut_windows(series, window, starts):
    """The windows `series[start:start + window]`, as a new `(n, window, features)`
    float32 array."""
    index = starts[:, None] + np.arange(window)[None, :]
    return np.asarray(series, dtype=np.float32)[index]


def stretch_span(window, stretch):
    """How many steps of a recording a `window`-step window covers when it
    is read at up to `1 + stretch` times the recording's speed.

    Example:

    >>> stretch_span(50, 0.1), stretch_span(50, 0.0)
    (55, 50)
    """
    return int(np.ceil((window - 1) * (1 + stretch) - 1e-9)) + 1


def stretch_windows(spans, window, stretch, rng):
    """Each span read as a `window`-step window at a random tempo.

    A window is read at a speed between `1 / (1 + stretch)` and
    `1 + stretch` times the recording's, drawn log-uniformly (a speed and
    its inverse are as likely), from a random offset within its span, by
    linear interpolation between steps: the window warping of Le Guennec et
    al. (2016). A model trained on such windows has seen each cycle a little
    faster and a little slower than the training series holds it, as a
    recording that drifts in tempo later shows it.

    Args:
        spans: `(n, span, features)`, each at least `window` steps, as
            `cut_windows` of `stretch_span(window, stretch)` steps gives.
        window: Steps per output window.
        stretch: The largest relative change of tempo, at least 0.
        rng: A `numpy.random.Generator`.

    Returns:
        A float32 array `(n, window, features)`.

    Example:

    >>> ramp = np.arange(12.0)[None, :, None]  # one span of 12 steps
    >>> windows = stretch_windows(ramp, 10, 0.2, np.random.default_rng(0))
    >>> steps = np.diff(windows[0, :, 0])  # the speed, the same at every step
    >>> bool(np.allclose(steps, steps[0])), bool(1 / 1.2 <= steps[0] <= 1.2)
    (True, True)
    """
    count, span = spans.shape[:2]
    if window < 2:
        return np.asarray(spans[:, :window], dtype=np.float32)
    largest = np.log1p(stretch)
    speeds = np.exp(rng.uniform(-largest, largest, count))
    speeds = np.minimum(speeds, (span - 1) / (window - 1))  # within the span
    offsets = rng.uniform(0.0, 1.0, count) * (span - 1 - speeds * (window - 1))
    positions = offsets[:, None] + speeds[:, None] * np.arange(window)[None, :]
    return read_between_steps(spans, positions)
