"""Input checks shared by the anomaly metrics and threshold rules."""

import numbers

import numpy as np


def as_float64_array(values, name):
    """Returns `values` as a float64 NumPy array, or raises if it is not numeric.

    Float64, not the float32 of the model's inputs: rounding scores to float32
    would create ties that change every threshold-based metric.

    Raises:
        TypeError: If `values` holds something other than real numbers.
    """
    array = np.asarray(values)
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_
    ):
        raise TypeError(
            f"`{name}` must hold real numbers; got dtype {array.dtype} "
            "(ragged lists or text?)."
        )
    if np.iscomplexobj(array):
        raise TypeError(f"`{name}` must hold real numbers; got complex values.")
    return array.astype(np.float64)


def check_finite(array, name, hint=""):
    """Raises a `ValueError` naming `name` if `array` has a NaN or an infinity."""
    bad = np.count_nonzero(~np.isfinite(array))
    if bad:
        raise ValueError(
            f"`{name}` must be finite; got {bad} NaN or infinite value(s){hint}."
        )


def check_real_number(value, name):
    """Returns `value` as a float, or raises if it is not a finite real number.

    Raises:
        TypeError: If `value` is not a real number (booleans included).
        ValueError: If `value` is NaN or infinite.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number; got {value!r}.")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"`{name}` must be finite; got {value}.")
    return value


def check_non_negative_int(value, name):
    """Returns `value` as an `int`, or raises if it is not an integer >= 0.

    Raises:
        TypeError: If `value` is not an integer (booleans included).
        ValueError: If `value` is negative.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"`{name}` must be a non-negative integer; got {value!r} "
            f"of type {type(value).__name__}."
        )
    if value < 0:
        raise ValueError(f"`{name}` must be a non-negative integer; got {value}.")
    return int(value)
