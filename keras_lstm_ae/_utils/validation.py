"""Input checks that run before any training, with messages that say what to change."""

import numbers

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn import exceptions

# Rows (sequences, or steps of one series) per chunk when a whole array is
# scanned (checks, statistics, lengths): a few MB at a time, however large the
# array, so a memmap is never read whole into memory.
CHUNK_ROWS = 4096


def check_positive_int(value, name):
    """Returns `value` as an `int`, or raises if it is not a positive integer.

    Args:
        value: The value to check.
        name: The argument's name, used in the error message.

    Raises:
        TypeError: If `value` is not an integer (booleans included).
        ValueError: If `value` is not positive.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"`{name}` must be a positive integer; got {value!r} "
            f"of type {type(value).__name__}."
        )
    if value <= 0:
        raise ValueError(f"`{name}` must be a positive integer; got {value}.")
    return int(value)


def check_int_tuple(values, name, allow_empty=True):
    """Returns `values` as a tuple of positive ints (a single int is accepted).

    Args:
        values: An int or a sequence of ints.
        name: The argument's name, used in the error message.
        allow_empty: Whether an empty sequence is valid.

    Raises:
        TypeError: If `values` is not an int or a sequence of ints.
        ValueError: If an entry is not positive, or the sequence is empty
            where that is not allowed.
    """
    if isinstance(values, numbers.Integral) and not isinstance(values, bool):
        values = (values,)
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(
            f"`{name}` must be a tuple of positive integers; got {values!r}."
        )
    values = tuple(values)
    if not values and not allow_empty:
        raise ValueError(f"`{name}` must hold at least one layer size; got ().")
    return tuple(check_positive_int(v, f"{name}[{i}]") for i, v in enumerate(values))


def check_rate(value, name):
    """Returns `value` as a float in [0, 1), or raises.

    Raises:
        TypeError: If `value` is not a real number.
        ValueError: If `value` is outside [0, 1).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a number in [0, 1); got {value!r}.")
    if not 0.0 <= value < 1.0:
        raise ValueError(f"`{name}` must be in [0, 1); got {value}.")
    return float(value)


def check_bool(value, name):
    """Returns `value` as a `bool` if it is `True` or `False` (NumPy's
    included), or raises a `TypeError` that names `name`."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"`{name}` must be True or False; got {value!r}.")
    return bool(value)


def check_choice(value, name, choices):
    """Returns `value` if it is one of `choices`, or raises a `ValueError`."""
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"`{name}` must be one of {options}; got {value!r}.")
    return value


def _check_not_ragged(x, name):
    """Raises a `TypeError` that says how a list of sequences is ragged."""
    if not isinstance(x, (list, tuple)) or not x:
        return
    shapes = [np.shape(item) for item in x]
    if len(set(shapes)) == 1:
        return
    features = [shape[-1] if len(shape) >= 2 else 1 for shape in shapes]
    for index, count in enumerate(features):
        if count != features[0]:
            raise TypeError(
                f"`{name}` mixes feature counts: `{name}[0]` has {features[0]} "
                f"feature(s) per step, `{name}[{index}]` has {count}. Every "
                "sequence needs the same features."
            )
    raise TypeError(
        f"`{name}` is ragged: its sequences have different lengths. Pad them "
        "first with `keras_lstm_ae.pad_sequences` (NaN after each sequence)."
    )


def count_infinite(array, chunk=CHUNK_ROWS):
    """Infinite values in `array`, counted a chunk of rows at a time (a
    memmap is never read whole into memory)."""
    if array.ndim == 0 or not np.issubdtype(array.dtype, np.floating):
        return 0
    return sum(
        int(np.isinf(array[start : start + chunk]).sum())
        for start in range(0, len(array), chunk)
    )


class ComplexDataError(TypeError, ValueError):
    """Raised for complex numbers where real ones are needed: a `ValueError`,
    as scikit-learn raises, and the `TypeError` this library raised before,
    so that code catching either keeps working."""


def _check_numeric_dtype(array, name):
    """Raises as `as_float_array` does for an array's dtype; returns it."""
    if array.dtype.kind in "mM":  # NumPy counts timedelta64 as a number.
        raise TypeError(
            f"`{name}` must hold numbers; got dtype {array.dtype} (times or "
            "durations: convert them to numbers of a unit you choose first, "
            "or drop them)."
        )
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
        raise TypeError(
            f"`{name}` must hold numbers; got dtype {array.dtype} "
            "(text? convert it with `astype(float)` or `pandas.to_numeric`)."
        )
    if np.iscomplexobj(array):
        raise ComplexDataError(
            f"`{name}` holds complex numbers: Complex data not supported. Pass "
            f"real values, such as `np.abs({name})` or `{name}.real`."
        )
    return array


def check_not_sparse(x, name):
    """Raises a `TypeError` naming `name` if `x` is a SciPy sparse matrix or
    array: sequences are dense (NaN, not zero, marks a missing step)."""
    if sparse.issparse(x):
        raise TypeError(
            f"`{name}` is a sparse {type(x).__name__}; sparse input is not "
            f"supported. Pass a dense array: `{name}.toarray()`."
        )


def _numbers_from_objects(array, name):
    """An object array of numbers as float64, as scikit-learn reads one;
    raises a `TypeError` if an entry is not a number (None included)."""
    problem = None
    try:
        numbers = array.astype(np.float64)
    except (TypeError, ValueError) as error:
        # NumPy's own words ("float() argument must be a string or a real
        # number, not 'dict'").
        problem = f" ({error})"
    else:
        # NumPy reads None as NaN; here it is refused, so that NaN is the
        # one mark of a missing value.
        missing = array[np.isnan(numbers)]
        if not any(item is None for item in missing):
            return numbers
        problem = " (None)"
    raise TypeError(
        f"`{name}` holds Python objects that are not numbers{problem}: ragged "
        "sequences, mixed types, or None? Pad ragged sequences with "
        "`keras_lstm_ae.pad_sequences`, convert text columns to numbers, "
        "and mark missing values with NaN, not None."
    )


def as_float_array(x, name="x", keep_precision=False):
    """Converts numeric array-like data to a float32 NumPy array.

    Args:
        x: Array-like numbers.
        name: The argument's name, used in error messages.
        keep_precision: Whether to keep float64 (or integers wider than 16
            bits, as float64) instead of rounding them to float32, for data
            that is centred or detrended before it reaches a model: a
            reading of 10,000,000 is only known to within 1 in float32.

    An array of dtype `object` whose entries are all numbers is read as
    numbers, as scikit-learn reads one.

    Raises:
        TypeError: If `x` holds something other than numbers (strings, for
            example from a CSV read without `dtype`), is ragged, or is sparse.
        ComplexDataError: If `x` holds complex numbers (a `ValueError` and
            a `TypeError`).
    """
    check_not_sparse(x, name)
    if isinstance(x, np.ndarray):
        array = x
    else:
        _check_not_ragged(x, name)
        array = np.asarray(x)
    if array.dtype == object:
        array = _numbers_from_objects(array, name)
    _check_numeric_dtype(array, name)
    dtype = np.result_type(array.dtype, np.float32) if keep_precision else np.float32
    return array.astype(dtype, copy=False)


def check_sequences(x, name="x", features=None, timesteps=None):
    """Validates a batch of sequences and returns it as float32.

    NaN marks a step that is padding or missing, so it is allowed; infinities
    are not.

    Args:
        x: Array-like of shape `(samples, timesteps, features)`.
        name: The argument's name, used in error messages.
        features: The number of features per step the model expects, or
            `None` to accept any.
        timesteps: The most steps a sequence may have, or `None` for any.
            Shorter sequences are padded after with NaN to this length.

    Returns:
        A float32 array of shape `(samples, timesteps, features)`; a NumPy
        memmap is checked a chunk at a time and returned as it is (neither
        converted nor padded, so that it is never loaded whole).

    Raises:
        TypeError: If `x` does not hold numbers.
        ValueError: If `x` is not 3-D, is empty, holds complex numbers or
            infinities, has the wrong number of features or more steps than
            `timesteps`.

    Example:

    >>> check_sequences(np.zeros((4, 10, 2)), features=2).shape
    (4, 10, 2)
    """
    mapped = isinstance(x, np.memmap)
    # A memmap is checked in chunks and left on disk: converted and padded
    # batch by batch by the reader (`batching.SequenceBatches`).
    array = _check_numeric_dtype(x, name) if mapped else as_float_array(x, name)
    if array.ndim != 3:
        hint = ""
        if array.ndim == 2:
            hint = (
                " For one feature per step, add an axis: `x[..., None]`;"
                " for one sequence, add a batch axis: `x[None]`."
            )
        raise ValueError(
            f"`{name}` must be 3-D (samples, timesteps, features); "
            f"got shape {array.shape}.{hint}"
        )
    if array.shape[0] == 0:
        raise ValueError(f"`{name}` is empty: it holds no sequences.")
    if array.shape[1] == 0 or array.shape[2] == 0:
        raise ValueError(
            f"`{name}` has shape {array.shape}: sequences need at least one step "
            "and one feature."
        )
    if features is not None and array.shape[2] != features:
        raise ValueError(
            f"`{name}` has {array.shape[2]} features per step; the model expects "
            f"{features}."
        )
    if timesteps is not None and array.shape[1] > timesteps:
        raise ValueError(
            f"`{name}` has sequences of {array.shape[1]} steps; the model was "
            f"built for at most {timesteps}. Build it with "
            f"`timesteps={array.shape[1]}`, or cut the sequences (for example "
            "with `keras_lstm_ae.pad_sequences(..., maxlen=..., truncating=...)`)."
            " The encoder alone accepts any length."
        )
    raise_if_infinite(array, name)
    if mapped:
        return array
    if timesteps is not None and array.shape[1] < timesteps:
        padding = np.full(
            (array.shape[0], timesteps - array.shape[1], array.shape[2]),
            np.nan,
            dtype="float32",
        )
        array = np.concatenate([array, padding], axis=1)
    return array


def pandas_to_numpy(data, name):
    """Numeric pandas data as a float64 array (pandas' NA becomes NaN)."""
    columns = data.items() if isinstance(data, pd.DataFrame) else [(data.name, data)]
    for column, values in columns:
        if not pd.api.types.is_numeric_dtype(values.dtype):
            raise TypeError(
                f"`{name}` column {column!r} holds {values.dtype} values, not "
                "numbers; convert it with `pandas.to_numeric` or drop it."
            )
    return data.to_numpy(dtype="float64", na_value=np.nan)


def raise_if_infinite(values, name):
    """Raises a `ValueError` naming `name` if `values` holds an infinity."""
    raise_for_infinite_count(count_infinite(values), name)


def raise_for_infinite_count(infinite, name):
    """Raises a `ValueError` naming `name` if `infinite` (a count) is not 0."""
    if infinite:
        raise ValueError(
            f"`{name}` holds {infinite} infinite value(s). Mark missing "
            "steps with NaN instead, or clip the data."
        )


class NotFittedError(exceptions.NotFittedError):
    """Raised when an estimator or scaler is used before `fit`.

    It is a scikit-learn `NotFittedError`, so a `ValueError` and an
    `AttributeError` too: code that catches any of them keeps working.
    """


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


def check_non_negative_number(value, name):
    """Returns `value` as a float, or raises if it is not a finite number >= 0.

    Raises:
        TypeError: If `value` is not a real number (booleans included).
        ValueError: If `value` is negative, NaN or infinite.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a number >= 0; got {value!r}.")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"`{name}` must be a finite number >= 0; got {value}.")
    return float(value)


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
