"""From one long series to windows, and from windows' errors back to steps.

A detector reconstructs overlapping windows of a series. Every step lies in
one or more windows, and its errors come from its reconstructions in all of
them (see `reconstruction_errors`). So every step is scored, the first and
last included, and a score is never NaN. A gap in the series is not an
error: a missing step takes its errors from the known steps beside it (see
`errors_around_gaps`).
"""

import numpy as np
import pandas as pd


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
    below = np.minimum(np.floor(positions).astype(np.int64), span - 2)
    weights = (positions - below)[..., None]
    rows = np.arange(count)[:, None]
    return (
        spans[rows, below] * (1.0 - weights) + spans[rows, below + 1] * weights
    ).astype(np.float32)


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


def cut_windows(series, window, starts):
    """The windows `series[start:start + window]`, as a new `(n, window, features)`
    float32 array."""
    index = starts[:, None] + np.arange(window)[None, :]
    return np.asarray(series, dtype=np.float32)[index]


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


def remove_trend(series, window, windows=8, missing=None):
    """`series` minus its slowly varying level, per feature.

    The level is a centred moving median, over `windows` windows, of the
    centred moving mean over one `window`. Over one cycle the mean follows
    the level but not the cycle, and the median of many such means ignores
    an anomaly that lasts less than half of them, so what is left keeps both
    the cycles and the anomalies, while a drift or a trend is gone.

    Args:
        series: A gap-free `(steps, features)` array.
        window: Steps of the moving mean: the series' period, or the window.
        windows: Windows of the moving median. Defaults to 8.
        missing: `(steps, features)` booleans, True where a value of
            `series` fills a gap, or `None`. The level is then the median of
            the means of the known values, over windows in which most values
            are known, so that a long gap's straight line, which follows no
            cycle, does not shift the cycles next to it. Where no such window
            is in reach (inside a long gap), the filled values' level.

    Returns:
        An array of the same shape: float64 for float64 values, else
        float32.

    Example:

    >>> cycle = np.tile([0.0, 3.0, -3.0], 10)
    >>> rising = (np.arange(30.0) + cycle)[:, None]  # a cycle of 3 on a ramp
    >>> remove_trend(rising, 3, windows=3)[12:18, 0].round(3).tolist()
    [0.0, 3.0, -3.0, 0.0, 3.0, -3.0]
    """
    series = np.asarray(series)
    dtype = np.result_type(series.dtype, np.float32)
    window, span = int(window), int(windows * window)
    frame = pd.DataFrame(series.astype(np.float64))
    means = frame.rolling(window, center=True, min_periods=1).mean()
    level = means.rolling(span, center=True, min_periods=1).median()
    if missing is not None and missing.any():
        known_share = (
            pd.DataFrame((~missing).astype(np.float64))
            .rolling(window, center=True, min_periods=1)
            .mean()
        )
        known_means = (
            frame.mask(missing)
            .rolling(window, center=True, min_periods=1)
            .mean()
            .mask(known_share <= 0.5)
        )
        known_level = known_means.rolling(span, center=True, min_periods=1).median()
        level = known_level.fillna(level)
    return (series - level.to_numpy()).astype(dtype)


def held_out_runs(steps, window, fraction, blocks=5):
    """Which steps to hold out: the last `fraction` of each of `blocks` parts.

    Holding out the end of every part, instead of the end of the series,
    keeps each regime of a recording (standing, then walking, say) in both
    the training and the held-out windows. Fewer parts are used where a
    held-out block would be shorter than `window`.

    Returns:
        A tuple of two lists of `(start, stop)` steps: the held-out runs
        (none when `fraction * steps` is less than one window) and the runs
        between them, to train on.

    Example:

    >>> held_out_runs(20, 2, 0.2, blocks=2)
    ([(8, 10), (18, 20)], [(0, 8), (10, 18)])
    """
    blocks = min(blocks, int(fraction * steps) // window)
    if blocks < 1:
        return [], [(0, steps)]
    held, kept, start = [], [], 0
    size, longer = divmod(steps, blocks)
    for part in range(blocks):
        # The parts of `np.array_split(np.arange(steps), blocks)`.
        low = part * size + min(part, longer)
        high = low + size + (part < longer)
        cut = high - round(fraction * (high - low))
        if cut > start:
            kept.append((start, cut))
        if high > cut:
            held.append((cut, high))
        start = high
    return held, kept


def runs(mask):
    """`(start, stop)` of each run of True in a boolean array."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(
        zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True)
    )
