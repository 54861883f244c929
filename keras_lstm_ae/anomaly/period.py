"""A series' dominant period, and the automatic window drawn from it."""

import numpy as np

from keras_lstm_ae._utils.validation import check_positive_int
from keras_lstm_ae.anomaly.recording import fill_stretch

# The steps `dominant_period` reads: TSB-AD's 20,000.
PERIOD_STEPS = 20_000


def dominant_period(series, max_steps=PERIOD_STEPS, max_lag=400):
    """TSB-AD's `find_length_rank(series, rank=1)`: a period from the ACF.

    The lag, between 6 and 303, of the highest local maximum of the
    autocorrelation of the first `max_steps` steps (lags 3..`max_lag`), or 125
    when there is none.
    """
    fallback = 125
    smallest_shift, largest_shift = 3, 300  # the reference's bounds
    values = series[:max_steps] - np.mean(series[:max_steps])
    count = len(values)
    # Biased autocovariance through the FFT, as statsmodels' `acf(fft=True)`.
    spectrum = np.fft.rfft(values, n=2 * count)
    autocovariance = np.fft.irfft(spectrum * np.conj(spectrum), n=2 * count)[:count]
    if autocovariance[0] <= 0:
        return fallback  # a constant series has no period
    autocorrelation = autocovariance[: max_lag + 1] / autocovariance[0]
    shifted = autocorrelation[3:]
    inner = shifted[1:-1]
    peaks = np.flatnonzero((inner > shifted[:-2]) & (inner > shifted[2:])) + 1
    if len(peaks) == 0:
        return fallback
    best = peaks[np.argmax(shifted[peaks])]
    if best < smallest_shift or best > largest_shift:
        return fallback
    return int(best) + 3


# Bounds of the automatic window: long enough to hold a shape, short enough
# that a series of a few thousand steps gives many training windows.
MIN_AUTO_WINDOW = 16
MAX_AUTO_WINDOW = 256


def choose_window(values, window=None):
    """The detector's window: `window`, checked, or the series' period.

    Args:
        values: The training series, `(steps, features)`; NaN marks missing
            values.
        window: Steps per window, or `None` for the dominant period of the
            first feature (`dominant_period` of its first `PERIOD_STEPS`
            steps, gaps filled), kept between `MIN_AUTO_WINDOW` and
            `MAX_AUTO_WINDOW` and at most half the series.

    Returns:
        An int.

    Raises:
        TypeError: If `window` is not an integer.
        ValueError: If `window` is not positive, or longer than the series.

    Example:

    >>> steps = np.arange(800)
    >>> choose_window(np.sin(2 * np.pi * steps / 40)[:, None])
    40
    >>> choose_window(np.zeros((100, 1)), 10)
    10
    """
    if window is not None:
        window = check_positive_int(window, "window")
    else:
        first = fill_stretch(values[:, :1], 0, min(len(values), PERIOD_STEPS))
        first = first[:, 0]
        window = int(np.clip(dominant_period(first), MIN_AUTO_WINDOW, MAX_AUTO_WINDOW))
        # A short series keeps at least two windows' worth of steps.
        window = max(1, min(window, len(values) // 2))
    if len(values) < window:
        raise ValueError(
            f"`series` has {len(values)} steps, fewer than the window "
            f"({window}); pass a longer series or a smaller `window`."
        )
    return window
