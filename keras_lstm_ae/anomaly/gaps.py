"""Gaps in a series: where they are, how much of a window is known, filling them.

NaN marks a missing value. A gap is filled with a straight line before a
model reads it, and is not scored as data (see `errors.errors_around_gaps`).
"""

import numpy as np


def gap_edge_starts(gaps, window, steps, offset=0):
    """Starts of the windows that end just before a gap or start just after.

    Scored beside the usual windows, they give a known step next to a gap a
    window without one (see `errors_around_gaps`), whatever the stride,
    wherever a window's worth of known steps fits beside the gap.

    Args:
        gaps: `(n,)` booleans, True where a step misses a value, for the
            steps from `offset` on.
        window: Steps per window.
        steps: The series' length: windows lie within it.
        offset: The series step of `gaps[0]`.

    Returns:
        An int64 array of starts, in order.

    Example:

    >>> gaps = np.array([False] * 5 + [True] * 3 + [False] * 5)
    >>> gap_edge_starts(gaps, 4, steps=13).tolist()
    [1, 8]
    """
    edges = np.array(
        [edge for first, stop in runs(gaps) for edge in (first - window, stop)],
        dtype=np.int64,
    )
    edges += offset
    return edges[(edges >= 0) & (edges <= steps - window)]


def known_share(missing, starts, window):
    """The share of known values in each window: 1 where nothing is missing.

    Args:
        missing: `(steps, features)` booleans, True where a value is missing.
        starts: `(n_windows,)` window starts within `missing`.
        window: Steps per window.

    Returns:
        A float64 array `(n_windows,)`.

    Example:

    >>> missing = np.array([[False], [True], [True], [False]])
    >>> known_share(missing, np.array([0, 1, 2]), 2).tolist()
    [0.5, 0.0, 0.5]
    """
    if not missing.any():
        return np.ones(len(starts))
    known = np.concatenate([[0.0], np.cumsum((~missing).mean(axis=1))])
    return (known[starts + window] - known[starts]) / window


def fill_missing(series):
    """A copy of `(steps, features)` with NaN interpolated from neighbours.

    Missing values at either end take the nearest known value of their
    feature. float64 values stay float64 (as in `recording.fill_stretch`);
    others become float32. A feature must have a known value.

    Example:

    >>> fill_missing(np.array([[np.nan], [1.0], [np.nan], [3.0]]))[:, 0].tolist()
    [1.0, 1.0, 2.0, 3.0]
    """
    series = np.asarray(series)
    filled = np.array(series, dtype=np.result_type(series.dtype, np.float32))
    positions = np.arange(len(filled))
    for feature in range(filled.shape[1]):
        values = filled[:, feature]
        known = ~np.isnan(values)
        if not known.all():
            filled[:, feature] = np.interp(positions, positions[known], values[known])
    return filled


def runs(mask):
    """`(start, stop)` of each run of True in a boolean array."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(
        zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True)
    )
