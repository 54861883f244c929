"""From one long series to windows, and from windows' errors back to steps.

A detector reconstructs overlapping windows of a series. Every step lies in
one or more windows; its error is the mean, over those windows, of the squared
difference between the step and its reconstruction. So every step is scored,
the first and last included, and a score is never NaN.
"""

import numpy as np


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


def cut_windows(series, window, starts):
    """The windows `series[start:start + window]`, as a new `(n, window, features)`
    float32 array."""
    index = starts[:, None] + np.arange(window)[None, :]
    return np.asarray(series, dtype=np.float32)[index]


def step_errors(series, reconstructions, starts):
    """Each step's squared error per feature, averaged over its windows.

    Args:
        series: `(steps, features)`.
        reconstructions: `(n_windows, window, features)`, one per start.
        starts: `(n_windows,)` window starts that cover every step.

    Returns:
        A float64 array `(steps, features)`.

    Example:

    >>> series = np.zeros((3, 1))
    >>> reconstructions = np.array([[[1.0], [1.0]], [[3.0], [3.0]]])
    >>> step_errors(series, reconstructions, np.array([0, 1]))[:, 0].tolist()
    [1.0, 5.0, 9.0]
    """
    steps, features = series.shape
    window = reconstructions.shape[1]
    index = (starts[:, None] + np.arange(window)[None, :]).ravel()
    squared = (reconstructions - cut_windows(series, window, starts)) ** 2
    sums = np.zeros((steps, features))
    np.add.at(sums, index, squared.reshape(-1, features).astype(np.float64))
    counts = np.bincount(index, minlength=steps)
    return sums / counts[:, None]


def fill_missing(series):
    """A copy of `(steps, features)` with NaN interpolated from neighbours.

    Missing values at either end take the nearest known value of their
    feature.

    Example:

    >>> fill_missing(np.array([[np.nan], [1.0], [np.nan], [3.0]]))[:, 0].tolist()
    [1.0, 1.0, 2.0, 3.0]
    """
    filled = np.array(series, dtype=np.float32)
    positions = np.arange(len(filled))
    for feature in range(filled.shape[1]):
        values = filled[:, feature]
        known = ~np.isnan(values)
        if not known.all():
            filled[:, feature] = np.interp(positions, positions[known], values[known])
    return filled
