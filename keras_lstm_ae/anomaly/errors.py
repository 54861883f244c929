"""From windows' reconstruction errors back to each step's errors.

Every step lies in one or more windows, and its errors come from its
reconstructions in all of them (see `reconstruction_errors`). So every step
is scored, the first and last included, and a score is never NaN. A gap in
the series is not an error: a missing step takes its errors from the known
steps beside it (see `errors_around_gaps`).
"""

import numpy as np

from keras_lstm_ae.anomaly.gaps import fill_missing


def reconstruction_errors(windows, reconstructions, starts, steps, missing=None):
    """Each step's step error and window error, per feature.

    Both are in the units of the series. A step's step error is the median,
    over the windows that hold it, of its absolute reconstruction error:
    sharp where one value is wrong. An anomaly is rebuilt badly by every
    window that holds it, while a normal step that the model misses at a few
    alignments of the window (a sharp beat whose peak 6 of its 38 windows
    miss, say) is outvoted by the others. Its window error is the mean,
    over those windows, of each window's root mean squared error, so a
    change that spreads small errors over a whole window (a cycle of another
    shape, say) counts as much as one large error. Taking each window's root
    before the mean keeps a window that the model rebuilds very badly (one
    that straddles the edge of a level shift, say) from outweighing the
    other windows of a step, as a distance would.

    Args:
        windows: `(n_windows, window, features)`, cut at `starts`.
        reconstructions: The same shape, one per window.
        starts: `(n_windows,)` distinct window starts that cover every step.
        steps: The series' length.
        missing: `(steps, features)`, True where the series had no value
            (its gaps, filled before the model read them), or `None` for
            none. See `errors_around_gaps`.

    Returns:
        A tuple of two float64 arrays `(steps, features)`: the step errors
        and the window errors.

    Example:

    >>> windows, starts = np.zeros((3, 2, 1)), np.array([0, 1, 2])
    >>> rebuilt = np.array([[[1.0], [7.0]], [[1.0], [7.0]], [[1.0], [7.0]]])
    >>> step, window = reconstruction_errors(windows, rebuilt, starts, steps=4)
    >>> step[:, 0].tolist(), window[:, 0].tolist()
    ([1.0, 4.0, 4.0, 7.0], [5.0, 5.0, 5.0, 5.0])
    """
    differences = reconstructions - windows
    if missing is not None and missing.any():
        return errors_around_gaps(differences, starts, missing)
    window_rms = np.sqrt(
        np.mean(differences**2, axis=1, keepdims=True, dtype=np.float64)
    )
    return (
        median_over_windows(np.abs(differences), starts, steps),
        mean_over_windows(
            np.broadcast_to(window_rms, differences.shape), starts, steps
        ),
    )


def errors_around_gaps(differences, starts, missing):
    """`reconstruction_errors` of a series with gaps: a gap is not an error.

    A gap was filled with a straight line before the model read it, so a
    reconstruction error there says nothing about the series, and a long gap
    would otherwise score as an anomaly. Three rules keep gaps out:

    - Only known values count: a window's root mean squared error is taken
      over its known values, and a step's step error over its windows'
      errors at that step.
    - A known step whose windows include some without a gap is scored from
      those alone, since the straight line in the others changes how the
      model rebuilds the rest of the window. Otherwise (short gaps
      everywhere), from all of its windows.
    - A missing step takes its errors from the known steps either side of
      it, interpolated linearly (the nearest one's past the first or last
      known step). A feature with no known step here has errors of 0.

    Args:
        differences: `(n_windows, window, features)`, reconstructions minus
            windows.
        starts: `(n_windows,)` distinct window starts that cover every step.
        missing: `(steps, features)` booleans, True where a value was
            missing.

    Returns:
        A tuple of two float64 arrays `(steps, features)`: the step errors
        and the window errors.

    Example:

    >>> differences = np.ones((3, 2, 1))  # Windows at steps 0-1, 1-2, 2-3.
    >>> differences[1, 1] = differences[2, 0] = 9.0  # Step 2, filled.
    >>> differences[2, 1] = 3.0  # Step 3.
    >>> missing = np.array([[False], [False], [True], [False]])
    >>> step, window = errors_around_gaps(differences, np.arange(3), missing)
    >>> step[:, 0].tolist(), window[:, 0].tolist()
    ([1.0, 1.0, 2.0, 3.0], [1.0, 1.0, 2.0, 3.0])
    """
    window = differences.shape[1]
    steps = len(missing)
    absolute = np.abs(differences.astype(np.float64))
    missing_in_windows = missing[starts[:, None] + np.arange(window)]
    absolute[missing_in_windows] = np.nan
    known = (~missing_in_windows).sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        window_rms = np.sqrt(np.nansum(absolute**2, axis=1, keepdims=True) / known)
    window_rms = np.broadcast_to(window_rms, absolute.shape)

    def errors_over(chosen):
        return (
            median_over_windows(absolute[chosen], starts[chosen], steps),
            _mean_of_known(window_rms[chosen], starts[chosen], steps),
        )

    gap_free = ~missing_in_windows.any(axis=(1, 2))
    if not gap_free.any():  # Short gaps everywhere: every window counts.
        gap_free[:] = True
    step_errors, window_errors = errors_over(gap_free)
    # Known steps that no window without a gap holds: from all their windows.
    covered = np.zeros(steps, dtype=bool)
    covered[starts[gap_free][:, None] + np.arange(window)] = True
    uncovered = ~covered & ~missing.all(axis=1)
    if uncovered.any():
        every_step, every_window = errors_over(slice(None))
        step_errors[uncovered] = every_step[uncovered]
        window_errors[uncovered] = every_window[uncovered]
    step_errors[missing] = window_errors[missing] = np.nan
    return _fill_from_known_steps(step_errors), _fill_from_known_steps(window_errors)


def _mean_of_known(values, starts, steps):
    """`mean_over_windows`, skipping NaN values; NaN where a step has none."""
    known = ~np.isnan(values)
    with np.errstate(invalid="ignore"):
        return mean_over_windows(
            np.where(known, values, 0.0), starts, steps
        ) / mean_over_windows(known.astype(np.float64), starts, steps)


def _fill_from_known_steps(errors):
    """`errors` `(steps, features)` with NaN interpolated linearly from the
    steps either side, per feature (`fill_missing`); 0 for a feature that is
    all NaN."""
    errors[:, np.isnan(errors).all(axis=0)] = 0.0
    return fill_missing(errors)


def mean_over_windows(values, starts, steps):
    """Per-window values averaged, for each step, over the windows that hold it.

    Args:
        values: `(n_windows, window, features)`, a value per step of each
            window.
        starts: `(n_windows,)` distinct window starts that cover every step.
        steps: The series' length.

    Returns:
        A float64 array `(steps, features)`.
    """
    window, features = values.shape[1:]
    sums = np.zeros((steps, features))
    counts = np.zeros(steps)
    # Starts are distinct, so within one offset no step is hit twice and a
    # plain indexed add is exact; no (n_windows * window) index is built.
    for offset in range(window):
        sums[starts + offset] += values[:, offset]
        counts[starts + offset] += 1
    return sums / counts[:, None]


def median_over_windows(values, starts, steps):
    """As `mean_over_windows`, with the median over a step's windows instead
    of the mean (the mean of the two middle values for an even count).

    Example:

    >>> values = np.array([[[1.0], [9.0]], [[2.0], [4.0]], [[3.0], [5.0]]])
    >>> median_over_windows(values, np.array([0, 1, 2]), 4)[:, 0].tolist()
    [1.0, 5.5, 3.5, 5.0]
    """
    window, features = values.shape[1:]
    # Each window's column, at each of its offsets, among the windows that
    # hold that step; the counts are then the windows per step. Starts are
    # distinct, so within one offset no step is hit twice.
    counts = np.zeros(steps, dtype=np.int64)
    columns = np.empty((window, len(starts)), dtype=np.int64)
    for offset in range(window):
        columns[offset] = counts[starts + offset]
        counts[starts + offset] += 1
    rows = np.arange(steps)
    lower, upper = (counts - 1) // 2, counts // 2
    medians = np.empty((steps, features))
    dtype = np.result_type(values.dtype, np.float32)
    # One feature at a time, so that a stretch of steps by the windows that
    # hold each of them stays a few MB however many features there are.
    for feature in range(features):
        held = np.full((steps, counts.max()), np.inf, dtype=dtype)
        for offset in range(window):
            held[starts + offset, columns[offset]] = values[:, offset, feature]
        held.sort(axis=1)  # The padding (inf) last.
        medians[:, feature] = (
            held[rows, lower].astype(np.float64) + held[rows, upper]
        ) / 2
    return medians
