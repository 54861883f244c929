"""A series read a stretch at a time: gaps filled, trend removed, scaled.

`AnomalyDetector` fills the gaps of a series, removes its slowly varying
level, scales it and cuts it into windows. A recording on disk (a NumPy
memmap, `np.load(path, mmap_mode="r")`) can be longer than memory, so a
`Recording` prepares any stretch on demand from the raw steps around that
stretch: the same values as preparing the whole series and slicing, without
ever reading the whole of it. A long series in memory is prepared the same
way, so that its prepared copy is never built whole either.
"""

import copy

import numpy as np

from keras_lstm_ae._utils.validation import CHUNK_ROWS
from keras_lstm_ae.anomaly.trend import remove_trend
from keras_lstm_ae.anomaly.windows import cut_windows

# The most steps prepared (and scored) at once: a few MB per feature.
STRETCH_STEPS = 16_384


class Recording:
    """A `(steps, features)` series, prepared stretch by stretch.

    Args:
        values: The raw series, `(steps, features)`: an array in memory, or a
            NumPy memmap, which is then never read whole. NaN marks missing
            values; a feature must have at least one known value.
        window: The detector's window: the moving mean's span when the trend
            is removed.
        trend_windows: The moving median's span, in windows, or `None` to
            keep the trend (see `trend.remove_trend`).
        scaler: A fitted `StandardScaler` applied last, or `None`.

    Example:

    >>> values = np.array([[0.0], [np.nan], [2.0], [3.0]], dtype=np.float32)
    >>> Recording(values, window=2).read(1, 3)[:, 0].tolist()
    [1.0, 2.0]
    """

    def __init__(self, values, window, trend_windows=None, scaler=None):
        self.values = values
        self.window = int(window)
        self.trend_windows = trend_windows
        self.scaler = scaler
        self.on_disk = isinstance(values, np.memmap)
        self._start, self._stop = 0, len(values)

    def __len__(self):
        return self._stop - self._start

    def scaled(self, scaler):
        """The same recording, scaled by `scaler` after it is prepared."""
        return self._copy(scaler=scaler)

    def part(self, start, stop):
        """Steps `[start, stop)` of this recording, as a recording.

        A part is prepared from the whole series around it (its trend from
        the steps on either side), as slicing the prepared series would give.
        """
        return self._copy(start=self._start + start, stop=self._start + stop)

    def _copy(self, scaler=None, start=None, stop=None):
        other = copy.copy(self)
        if scaler is not None:
            other.scaler = scaler
        if start is not None:
            other._start, other._stop = start, stop
        return other

    def read(self, start, stop):
        """Prepared steps `[start, stop)`, `(stop - start, features)`: float32
        once scaled; before, in the precision of the series (float64 for
        float64 values, so that a large level does not round its variation
        away before the trend or the mean is taken off)."""
        stretch = self._prepare(self._start + start, self._start + stop)
        if self.scaler is None:
            return stretch
        return np.asarray(self.scaler.transform(stretch), dtype=np.float32)

    def missing(self, start, stop):
        """Where steps `[start, stop)` had no value: `(stop - start,
        features)` booleans, read from the raw series."""
        return np.isnan(self.values[self._start + start : self._start + stop])

    def stretches(self, steps=STRETCH_STEPS):
        """Yields the whole recording, prepared, `steps` at a time."""
        for start in range(0, len(self), steps):
            yield self.read(start, min(start + steps, len(self)))

    def windows(self, starts, length=None):
        """Yields `(starts, windows)` for consecutive groups of window starts:
        each group's windows `(n, length, features)`, cut from one stretch
        read at once (a stretch of at most `STRETCH_STEPS` steps, or one
        window, and at most `CHUNK_ROWS` windows).

        Args:
            starts: Increasing window starts, within the recording.
            length: Steps per window; defaults to `window`.
        """
        starts = np.asarray(starts)
        length = self.window if length is None else int(length)
        group_start = 0
        while group_start < len(starts):
            first = starts[group_start]
            # The starts whose windows end within STRETCH_STEPS of `first`.
            reach = np.searchsorted(starts, first + STRETCH_STEPS - length, "right")
            stop = max(group_start + 1, min(group_start + CHUNK_ROWS, reach))
            group = starts[group_start:stop]
            stretch = self.read(first, group[-1] + length)
            yield group, cut_windows(stretch, length, group - first)
            group_start = stop

    def _prepare(self, first, last):
        """Steps `[first, last)` of the series, gaps filled and trend removed,
        computed from the raw steps the moving mean and median reach."""
        if self.trend_windows is None:
            return fill_stretch(self.values, first, last)
        # Each moving statistic reaches at most half its span either side.
        reach = (self.trend_windows + 2) * self.window
        low, high = max(0, first - reach), min(len(self.values), last + reach)
        filled = fill_stretch(self.values, low, high)
        detrended = remove_trend(
            filled,
            self.window,
            self.trend_windows,
            missing=np.isnan(self.values[low:high]),
        )
        return detrended[first - low : last - low]


def fill_stretch(values, start, stop):
    """`values[start:stop]` as floats, its NaN interpolated from neighbours.

    float32 values stay float32; float64 values (and integers wider than 16
    bits) become float64.

    The same as `gaps.fill_missing(values)[start:stop]`: a gap at either
    end of the stretch is filled from the nearest known values outside it,
    found by reading the series a chunk at a time, so a memmap is never read
    whole.

    Example:

    >>> values = np.array([[0.0], [np.nan], [np.nan], [3.0]])
    >>> fill_stretch(values, 1, 3)[:, 0].tolist()
    [1.0, 2.0]
    """
    dtype = np.result_type(values.dtype, np.float32)
    stretch = np.array(values[start:stop], dtype=dtype)
    missing = np.isnan(stretch)
    if not missing.any():
        return stretch
    positions = np.arange(start, stop)
    for feature in np.flatnonzero(missing.any(axis=0)):
        known = ~missing[:, feature]
        known_positions = list(positions[known])
        known_values = list(stretch[known, feature])
        if missing[0, feature]:
            before = _nearest_known(values, feature, start, backwards=True)
            if before is not None:
                known_positions.insert(0, before[0])
                known_values.insert(0, before[1])
        if missing[-1, feature]:
            after = _nearest_known(values, feature, stop, backwards=False)
            if after is not None:
                known_positions.append(after[0])
                known_values.append(after[1])
        stretch[:, feature] = np.interp(
            positions,
            np.asarray(known_positions),
            np.asarray(known_values, dtype=dtype),
        )
    return stretch


def _nearest_known(values, feature, edge, backwards):
    """`(step, value)` of the known value of `feature` nearest to `edge`,
    before it (`backwards`) or from it on; `None` if there is none."""
    if backwards:
        bounds = ((max(0, e - CHUNK_ROWS), e) for e in range(edge, 0, -CHUNK_ROWS))
    else:
        bounds = (
            (s, min(s + CHUNK_ROWS, len(values)))
            for s in range(edge, len(values), CHUNK_ROWS)
        )
    for low, high in bounds:
        column = np.asarray(values[low:high, feature], dtype=np.float64)
        known = np.flatnonzero(~np.isnan(column))
        if known.size:
            step = known[-1] if backwards else known[0]
            return low + int(step), column[step]
    return None
