"""A series' slowly varying level, removed before it is modelled."""

import numpy as np
import pandas as pd

# The automatic trend span, in windows: long enough that the moving median
# follows the level but neither a cycle nor a change of a few windows.
TREND_WINDOWS = 8


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
