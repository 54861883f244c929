"""A series to fit on or to score, checked: its values, names and shape."""

import numpy as np
import pandas as pd

from keras_lstm_ae._utils.validation import (
    CHUNK_ROWS,
    as_float_array,
    check_not_sparse,
    count_infinite,
    pandas_to_numpy,
    raise_for_infinite_count,
)


def as_series(series, name):
    """One series as a `(steps, features)` array, checked: float32, or
    float64 for float64 values (see `as_float_array`'s `keep_precision`)."""
    check_not_sparse(series, name)  # A `dok_array` is a dict, too.
    if isinstance(series, (pd.Series, pd.DataFrame)):
        series = pandas_to_numpy(series, name)
    if series is None or isinstance(series, (str, bytes, dict)):
        raise TypeError(
            f"`{name}` must be an array (steps,) or (steps, features); got "
            f"{type(series).__name__}."
        )
    if isinstance(series, np.memmap):
        # It stays on disk, in its own dtype, and is read a stretch at a time:
        # only its dtype is checked here.
        as_float_array(series[:0], name)
        values = series
    else:
        values = as_float_array(series, name, keep_precision=True)
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2 or len(values) == 0:
        raise ValueError(
            f"`{name}` must be one series, 1-D (steps,) or 2-D (steps, features), "
            f"with at least one step; got shape {values.shape}."
        )
    if values.shape[1] == 0:
        # In the words of scikit-learn's `check_array`.
        raise ValueError(
            f"`{name}` has 0 feature(s) (shape={values.shape}) while a minimum "
            "of 1 is required."
        )
    # One pass, a chunk at a time, so that a memmap is read once.
    infinite, known = 0, np.zeros(values.shape[1], dtype=bool)
    for start in range(0, len(values), CHUNK_ROWS):
        chunk = values[start : start + CHUNK_ROWS]
        infinite += count_infinite(chunk)
        known |= ~np.isnan(chunk).all(axis=0)
    raise_for_infinite_count(infinite, name)
    empty = np.flatnonzero(~known)
    if empty.size:
        what = (
            "is all NaN" if values.shape[1] == 1 else f"feature {empty[0]} is all NaN"
        )
        raise ValueError(
            f"`{name}` {what}: there is nothing to score. NaN marks missing values."
        )
    return values


def feature_names(series):
    """A `DataFrame`'s column names, as a list, when they are all strings
    (scikit-learn's rule); else `None`."""
    if isinstance(series, pd.DataFrame) and all(
        isinstance(name, str) for name in series.columns
    ):
        return list(series.columns)
    return None


def check_like_fit(values, names, features, fitted_names, window, ndim=2):
    """Raises unless a series to score matches the one a detector was
    fitted on: its features, its column names (when both have them), and at
    least a window of steps.

    Args:
        values: The series, checked by `as_series`.
        names: Its `feature_names`, or `None`.
        features: The detector's `n_features_in_`.
        fitted_names: The detector's `feature_names_in_`, or `None`.
        window: The detector's `window_`.
        ndim: The dimensions of the series as passed: 1 for `(steps,)`.

    Raises:
        ValueError: If the features, the columns or the length differ.
    """
    if values.shape[1] != features:
        # The first sentence is scikit-learn's own, which its tools look for.
        hint = ""
        if ndim == 1:
            hint = (
                " A 1-D array is one feature's series (steps,): Reshape your "
                f"data to (steps, {features})."
            )
        raise ValueError(
            f"X has {values.shape[1]} features, but AnomalyDetector is "
            f"expecting {features} features as input: `series` has "
            f"{values.shape[1]} feature(s) per step, and this detector was "
            f"fitted on {features}.{hint}"
        )
    if names is not None and fitted_names is not None and names != fitted_names:
        raise ValueError(
            f"`series` has the columns {names}; this detector was fitted "
            f"on {fitted_names}, in that order. Select them with "
            "`series[detector.feature_names_in_]`."
        )
    check_long_enough(values, window, " this detector was fitted with.")


def check_long_enough(
    values, window, end="; pass a longer series or a smaller `window`."
):
    """Raises a `ValueError` if a series has fewer steps than `window`; the
    message ends with `end`."""
    if len(values) < window:
        # scikit-learn's checks look for "one sample" in this case.
        steps = "one sample (1 step)" if len(values) == 1 else f"{len(values)} steps"
        raise ValueError(f"`series` has {steps}, fewer than the window ({window}){end}")
