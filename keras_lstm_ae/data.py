"""Data preparation: pad ragged sequences, scale features, cut long series.

A batch of sequences is a float32 array `(samples, timesteps, features)`. A
step holding NaN (in any of its features) is padding or missing: "no step
here". The helpers in this module build such batches from ragged data and take
them apart again:

- `pad_sequences` turns a list of sequences of different lengths into a
  NaN-padded batch; `sequence_lengths` and `trim_sequences` undo it.
- `StandardScaler` and `MinMaxScaler` scale each feature with statistics that
  skip NaN, so padding never shifts the mean or the range.
- `sliding_windows` cuts one long series into overlapping windows.
"""

import json
import numbers
import os

import numpy as np
import pandas as pd

from keras_lstm_ae.saving import write_atomically
from keras_lstm_ae.validation import (
    CHUNK_ROWS,
    as_float_array,
    check_choice,
    check_positive_int,
    count_infinite,
)

_PADDING_CHOICES = ("post", "pre")
_TRUNCATING_CHOICES = ("post", "pre", "error")

# Written into every saved scaler file, so `load` can tell one from any other
# JSON file.
_FILE_FORMAT = "keras_lstm_ae.scaler"
_FILE_FORMAT_VERSION = 1


# --------------------------------------------------------------------------
# Ragged sequences
# --------------------------------------------------------------------------


def _check_float_dtype(dtype):
    """Returns `dtype` as a NumPy floating dtype, or raises."""
    try:
        dtype = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(
            f"`dtype` must be a floating-point type such as 'float32'; got {dtype!r}."
        ) from error
    if dtype.kind != "f":
        raise ValueError(
            "`dtype` must be a floating-point type such as 'float32' (NaN marks "
            f"padding, and integers have no NaN); got {dtype}."
        )
    return dtype


def _pandas_to_numpy(data, name):
    """Numeric pandas data as a float64 array (pandas' NA becomes NaN)."""
    columns = data.items() if isinstance(data, pd.DataFrame) else [(data.name, data)]
    for column, values in columns:
        if not pd.api.types.is_numeric_dtype(values.dtype):
            raise TypeError(
                f"`{name}` column {column!r} holds {values.dtype} values, not "
                "numbers; convert it with `pandas.to_numeric` or drop it."
            )
    return data.to_numpy(dtype="float64", na_value=np.nan)


def _raise_if_infinite(values, name):
    _raise_for_infinite_count(count_infinite(values), name)


def _raise_for_infinite_count(infinite, name):
    if infinite:
        raise ValueError(
            f"`{name}` holds {infinite} infinite value(s). Mark missing "
            "steps with NaN instead, or clip the data."
        )


def _one_sequence(item, name, dtype):
    """One sequence as a `(steps, features)` array of `dtype`, and its ndim."""
    if isinstance(item, (pd.DataFrame, pd.Series)):
        item = _pandas_to_numpy(item, name)
    values = as_float_array(item, name)  # TypeError for text or ragged items.
    if values.ndim == 0:
        raise ValueError(
            f"`{name}` is a single number, not a sequence. Pass a list of "
            "sequences; for one sequence, wrap it in a list: `[sequence]`."
        )
    if values.ndim > 2:
        raise ValueError(
            f"`{name}` must be 1-D (steps,) or 2-D (steps, features); got shape "
            f"{values.shape}. A 3-D batch is already padded: pass "
            "`list(batch)` to re-pad it."
        )
    if dtype != values.dtype:
        # Convert the caller's data, not the float32 copy, to keep precision.
        values = np.asarray(item, dtype=dtype)
    _raise_if_infinite(values, name)
    if values.ndim == 2 and values.shape[1] == 0:
        raise ValueError(
            f"`{name}` has shape {values.shape}: each step needs at least one feature."
        )
    return values, values.ndim


def _prepare_sequences(sequences, name="sequences", dtype=np.float32):
    """Checks a ragged list and returns its sequences as 2-D arrays.

    Returns:
        A tuple `(arrays, ndims, features)`: each sequence as a `(steps,
        features)` array of `dtype` (possibly a view of the caller's data),
        the number of dimensions each sequence had, and the feature count.
    """
    if isinstance(sequences, (pd.DataFrame, pd.Series, str, bytes, dict)) or not (
        hasattr(sequences, "__iter__")
    ):
        raise TypeError(
            f"`{name}` must be a list of sequences (arrays, nested lists or "
            f"DataFrames of shape (steps,) or (steps, features)); got "
            f"{type(sequences).__name__}. For one sequence, wrap it in a list: "
            "`[sequence]`."
        )
    items = list(sequences)
    if not items:
        raise ValueError(f"`{name}` is empty: it must hold at least one sequence.")
    arrays, ndims = [], []
    features, first = None, None
    for index, item in enumerate(items):
        values, ndim = _one_sequence(item, f"{name}[{index}]", dtype)
        if values.ndim == 1:
            values = values.reshape(-1, 1)
        # An empty 1-D sequence, such as `[]`, says nothing about its features.
        if not (ndim == 1 and len(values) == 0):
            if features is None:
                features, first = values.shape[1], index
            elif values.shape[1] != features:
                raise ValueError(
                    f"`{name}[{index}]` has {values.shape[1]} feature(s) per step "
                    f"but `{name}[{first}]` has {features}; every sequence in "
                    f"`{name}` needs the same features."
                )
        arrays.append(values)
        ndims.append(ndim)
    features = 1 if features is None else features
    arrays = [a.reshape(0, features) if a.shape[1] != features else a for a in arrays]
    return arrays, ndims, features


def pad_sequences(
    sequences, maxlen=None, padding="post", truncating="post", dtype="float32"
):
    """Pads sequences of different lengths into one NaN-padded batch.

    A padded step is all NaN, which every model and scorer in this library
    reads as "no step here". Missing values inside a sequence may be NaN too.

    Args:
        sequences: A list of sequences. Each is a 1-D array-like `(steps,)` (one
            feature), a 2-D array-like `(steps, features)`, or a pandas
            `Series` / `DataFrame`. An empty sequence (no steps) becomes an
            all-NaN row; `[]` fits any feature count. The caller's data is
            never modified.
        maxlen: The number of steps in the batch, or `None` for the longest
            sequence. Defaults to `None`.
        padding: Where the NaN padding goes: `"post"` (after each sequence)
            or `"pre"` (before). Defaults to `"post"`.
        truncating: What to do with a sequence longer than `maxlen`: `"post"`
            keeps its first `maxlen` steps, `"pre"` keeps its last `maxlen`
            steps, `"error"` raises. Defaults to `"post"`.
        dtype: A floating-point dtype for the result. Defaults to `"float32"`.

    Returns:
        An array of shape `(len(sequences), maxlen, features)`.

    Raises:
        TypeError: If `sequences` is not a list of sequences, or holds text.
        ValueError: If `sequences` is empty, its sequences have different
            feature counts, are 3-D or hold infinities; if `maxlen` is not
            positive; if `padding`, `truncating` or `dtype` is not one of the
            choices above; or, with `truncating="error"`, if a sequence is
            longer than `maxlen`.

    Example:

    >>> x = pad_sequences([[1.0, 2.0, 3.0], [4.0]])
    >>> x.shape
    (2, 3, 1)
    >>> x[1, :, 0].tolist()
    [4.0, nan, nan]
    """
    check_choice(padding, "padding", _PADDING_CHOICES)
    check_choice(truncating, "truncating", _TRUNCATING_CHOICES)
    dtype = _check_float_dtype(dtype)
    if maxlen is not None:
        maxlen = check_positive_int(maxlen, "maxlen")
    arrays, _, features = _prepare_sequences(sequences, "sequences", dtype)
    if maxlen is None:
        maxlen = max(len(a) for a in arrays)
    batch = np.full((len(arrays), maxlen, features), np.nan, dtype=dtype)
    for index, values in enumerate(arrays):
        steps = len(values)
        if steps > maxlen:
            if truncating == "error":
                raise ValueError(
                    f"`sequences[{index}]` has {steps} steps, more than "
                    f"`maxlen={maxlen}`. Pass a larger `maxlen`, or "
                    "`truncating='post'` to keep the first steps or "
                    "`truncating='pre'` to keep the last ones."
                )
            values = values[:maxlen] if truncating == "post" else values[-maxlen:]
            steps = maxlen
        if padding == "post":
            batch[index, :steps] = values
        else:
            batch[index, maxlen - steps :] = values
    return batch


def as_sequence_batch(X, name="X"):
    """Sequences in any form the estimators accept, as one NaN-padded batch.

    Args:
        X: A NaN-padded array `(n, timesteps, features)`; an array or pandas
            `DataFrame` `(n, timesteps)`, one sequence per row and one
            feature (NaN or empty cells after a sequence are padding); or a
            list of sequences of different lengths, each `(steps,)` or
            `(steps, features)` (see `pad_sequences`).
        name: The argument's name, used in error messages.

    Returns:
        A float32 array `(n, timesteps, features)`, NaN-padded after each
        sequence; a floating NumPy memmap is checked in chunks and returned
        as it is (a view, never loaded whole).

    Raises:
        TypeError: If `X` holds something other than numbers, or is not one
            of the forms above.
        ValueError: If `X` is empty, has another number of dimensions, holds
            infinities or mixes feature counts.

    Example:

    >>> as_sequence_batch([[1.0, 2.0], [3.0]]).shape
    (2, 2, 1)
    >>> as_sequence_batch(np.zeros((4, 10))).shape
    (4, 10, 1)
    """
    if isinstance(X, (list, tuple)):
        arrays, _, features = _prepare_sequences(X, name)
        batch = np.full(
            (len(arrays), max(1, *(len(a) for a in arrays)), features),
            np.nan,
            dtype=np.float32,
        )
        for index, values in enumerate(arrays):
            batch[index, : len(values)] = values
        return batch
    if isinstance(X, pd.Series):
        raise TypeError(
            f"`{name}` is a pandas Series: one sequence. Pass a list of sequences, "
            f"`[{name}]`, or a DataFrame with one sequence per row."
        )
    if isinstance(X, pd.DataFrame):
        X = _pandas_to_numpy(X, name)
    elif isinstance(X, (str, bytes, dict)) or not hasattr(X, "__array__"):
        raise TypeError(
            f"`{name}` must be an array (n, timesteps[, features]) or a list of "
            f"sequences; got {type(X).__name__}."
        )
    # A memmap stays on disk, in its own float type: read a chunk at a time.
    mapped = isinstance(X, np.memmap) and X.dtype.kind == "f"
    array = X if mapped else as_float_array(X, name)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3:
        raise ValueError(
            f"`{name}` must be 3-D (n, timesteps, features), 2-D (n, timesteps) "
            f"or a list of sequences; got shape {array.shape}."
        )
    if 0 in array.shape:
        raise ValueError(
            f"`{name}` has shape {array.shape}: it needs at least one sequence, "
            "one step and one feature."
        )
    _raise_if_infinite(array, name)
    return array


def _as_batch(x, name):
    """`x` as a 3-D floating array; a floating array keeps its dtype."""
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        array = x
    else:
        array = as_float_array(x, name)
    if array.ndim != 3:
        raise ValueError(
            f"`{name}` must be a 3-D padded batch (samples, timesteps, features); "
            f"got shape {array.shape}."
        )
    return array


def sequence_lengths(x, padding="post"):
    """Counts the real steps of each sequence in a padded batch.

    A step is missing when any of its values is NaN. With `padding="post"` a
    sequence's length is the index of its last non-missing step plus one, so
    a NaN gap inside a sequence counts towards its length but trailing NaN
    does not. With `padding="pre"` it is the number of steps from the first
    non-missing step to the end, so leading NaN does not count.

    Args:
        x: A padded batch of shape `(samples, timesteps, features)`.
        padding: Where `x` was padded: `"post"` or `"pre"`, as in
            `pad_sequences`. Defaults to `"post"`.

    Returns:
        An int64 array of shape `(samples,)`; 0 for an all-NaN sequence.

    Raises:
        TypeError: If `x` does not hold numbers.
        ValueError: If `x` is not 3-D, or `padding` is not a choice above.

    Example:

    >>> x = pad_sequences([[1.0, 2.0, 3.0], [4.0], []])
    >>> sequence_lengths(x).tolist()
    [3, 1, 0]
    """
    check_choice(padding, "padding", _PADDING_CHOICES)
    array = _as_batch(x, "x")
    samples, timesteps = array.shape[:2]
    if timesteps == 0:
        return np.zeros(samples, dtype=np.int64)
    present = ~np.isnan(array).any(axis=2)
    has_steps = present.any(axis=1)
    if padding == "post":
        lengths = timesteps - np.argmax(present[:, ::-1], axis=1)
    else:
        lengths = timesteps - np.argmax(present, axis=1)
    return np.where(has_steps, lengths, 0).astype(np.int64)


def _check_lengths(lengths, samples, timesteps):
    values = np.asarray(lengths)
    if values.ndim != 1 or len(values) != samples:
        raise ValueError(
            f"`lengths` must hold one length per sequence in `x` ({samples}); got "
            f"shape {values.shape}."
        )
    if values.dtype.kind not in "iu":
        raise TypeError(f"`lengths` must hold integers; got dtype {values.dtype}.")
    bad = np.flatnonzero((values < 0) | (values > timesteps))
    if bad.size:
        raise ValueError(
            f"`lengths` must be between 0 and {timesteps} (the steps in `x`); "
            f"got {values[bad[0]]} at index {bad[0]}."
        )
    return values.astype(np.int64)


def trim_sequences(x, lengths=None, padding="post", squeeze=False):
    """Cuts a padded batch back into a list of sequences: `pad_sequences` undone.

    The typical use is to trim a model's reconstruction `x_hat`, which has a
    value at every step, to the lengths of the original batch `x`:
    `trim_sequences(x_hat, lengths=sequence_lengths(x))`.

    Args:
        x: A padded batch of shape `(samples, timesteps, features)`.
        lengths: The number of real steps of each sequence, or `None` to
            count them in `x` with `sequence_lengths`. Pass them explicitly
            when a sequence ends with missing (NaN) steps of its own.
            Defaults to `None`.
        padding: Where `x` was padded: `"post"` (the real steps come first)
            or `"pre"` (they come last). Defaults to `"post"`.
        squeeze: Whether to return 1-D sequences `(steps,)` for a batch with
            one feature, as `pad_sequences` got them. Defaults to `False`.

    Returns:
        A list of `samples` new arrays, each of shape `(length, features)`
        (or `(length,)` with `squeeze=True`), with the dtype of `x` (float32
        when `x` is not floating).

    Raises:
        TypeError: If `x` does not hold numbers, or `lengths` not integers.
        ValueError: If `x` is not 3-D, `lengths` does not hold one length in
            `[0, timesteps]` per sequence, `padding` is not a choice above,
            or `squeeze=True` while `x` has more than one feature.

    Example:

    >>> x = pad_sequences([[1.0, 2.0, 3.0], [4.0]])
    >>> [s.tolist() for s in trim_sequences(x, squeeze=True)]
    [[1.0, 2.0, 3.0], [4.0]]
    """
    check_choice(padding, "padding", _PADDING_CHOICES)
    array = _as_batch(x, "x")
    samples, timesteps, features = array.shape
    if squeeze and features != 1:
        raise ValueError(
            f"`squeeze=True` needs one feature per step; `x` has {features}."
        )
    if lengths is None:
        lengths = sequence_lengths(array, padding=padding)
    else:
        lengths = _check_lengths(lengths, samples, timesteps)
    sequences = []
    for index, length in enumerate(lengths):
        if padding == "post":
            sequence = array[index, :length]
        else:
            sequence = array[index, timesteps - length :]
        if squeeze:
            sequence = sequence[:, 0]
        sequences.append(sequence.copy())
    return sequences


# --------------------------------------------------------------------------
# Scalers
# --------------------------------------------------------------------------


class NotFittedError(ValueError, AttributeError):
    """Raised when a scaler is used before `fit`.

    It subclasses both `ValueError` and `AttributeError`, like scikit-learn's
    `NotFittedError`, so code that catches either keeps working.
    """


def _split_structure(x, name="x"):
    """Flattens scaler input to stacked steps and says how to rebuild it.

    A `list` or `tuple` is read as a list of sequences (see `pad_sequences`);
    a pandas `DataFrame` as one sequence `(steps, features)`; anything else as
    an array `(steps, features)` or `(samples, timesteps, features)`.

    Returns:
        A tuple `(steps, rebuild)`: a float32 array `(total_steps, features)`
        and a function that puts an array of the same shape back into the
        structure of `x` (array to array, list to list, DataFrame to DataFrame).
    """
    if isinstance(x, (list, tuple)):
        arrays, ndims, _ = _prepare_sequences(x, name)
        splits = np.cumsum([len(a) for a in arrays])[:-1]

        def rebuild(values):
            parts = np.split(values, splits)
            return [
                _like(item, part, ndim)
                for item, part, ndim in zip(x, parts, ndims, strict=True)
            ]

        return np.concatenate(arrays), rebuild
    if isinstance(x, pd.Series):
        raise TypeError(
            f"`{name}` is a 1-D Series. For one feature, pass `{name}.to_frame()`."
        )
    if isinstance(x, pd.DataFrame):
        array = as_float_array(_pandas_to_numpy(x, name), name)
    else:
        array = as_float_array(x, name)
    if array.ndim not in (2, 3):
        hint = ""
        if array.ndim == 1:
            hint = (
                f" For one feature, pass `{name}[:, None]`; for a list of "
                "sequences, pass a Python list."
            )
        raise ValueError(
            f"`{name}` must be 2-D (steps, features), 3-D (samples, timesteps, "
            f"features) or a list of sequences; got shape {array.shape}.{hint}"
        )
    _raise_if_infinite(array, name)
    shape = array.shape

    def rebuild(values):
        values = values.reshape(shape)
        return _like(x, values, len(shape))

    return array.reshape(-1, shape[-1]), rebuild


def _like(template, values, ndim):
    """`values` shaped and typed like `template` (one sequence or an array)."""
    if isinstance(template, pd.DataFrame):
        return pd.DataFrame(values, index=template.index, columns=template.columns)
    if isinstance(template, pd.Series):
        return pd.Series(values[:, 0], index=template.index, name=template.name)
    return values[:, 0] if ndim == 1 else values


def _moments_in_chunks(x, chunk=CHUNK_ROWS):
    """Each feature's count, mean and variance of a 3-D memmap's non-NaN
    values, a chunk of sequences at a time, in one read of the file."""
    infinite = 0

    def chunks():
        nonlocal infinite
        for start in range(0, len(x), chunk):
            values = np.asarray(x[start : start + chunk], dtype=np.float64)
            found = np.isinf(values)
            if found.any():  # Counted for the error below, merged as NaN.
                infinite += int(found.sum())
                values = np.where(found, np.nan, values)
            yield values

    moments = _merged_moments(chunks())
    _raise_for_infinite_count(infinite, "x")
    return moments


def _merged_moments(chunks):
    """Each feature's count, mean and variance of the non-NaN values of
    `chunks` (arrays whose last axis is the features), merged one chunk at a
    time with Chan et al.'s pairwise update."""
    count = mean = m2 = None
    for chunk in chunks:
        values = np.asarray(chunk, dtype=np.float64)
        features = values.shape[-1]
        values = values.reshape(-1, features)
        if count is None:
            count, mean, m2 = np.zeros(features), np.zeros(features), np.zeros(features)
        elif features != len(count):
            raise ValueError(
                f"Every chunk needs the same features: one has {features}, an "
                f"earlier one {len(count)}."
            )
        n = (~np.isnan(values)).sum(axis=0).astype(np.float64)
        seen = n > 0
        if not seen.any():
            continue
        part_mean = np.zeros(features)
        part_m2 = np.zeros(features)
        part_mean[seen] = np.nanmean(values[:, seen], axis=0)
        part_m2[seen] = np.nanvar(values[:, seen], axis=0) * n[seen]
        total = count + n
        delta = part_mean - mean
        safe = np.maximum(total, 1)
        mean = mean + delta * n / safe
        m2 = m2 + part_m2 + delta**2 * count * n / safe
        count = total
    if count is None:
        raise ValueError("`chunks` is empty: there is nothing to fit on.")
    return count, mean, m2 / np.maximum(count, 1)


def _is_constant(variance, mean, count):
    """Whether a variance is zero up to rounding (scikit-learn's test)."""
    eps = np.finfo(np.float64).eps
    return variance <= count * eps * variance + (count * mean * eps) ** 2


class _Scaler:
    """Shared machinery: input structure, fitted-state checks, config, files."""

    # Names of the constructor arguments, and of the fitted attributes in
    # `get_config` order.
    _constructor_arguments = ()
    _fitted_attributes = ()

    def _constructor_config(self):
        return {}

    def _fit_steps(self, x):
        """Stacked steps of `x` as float64, with every feature seen at least once."""
        steps, _ = _split_structure(x)
        steps = steps.astype(np.float64)
        counts = (~np.isnan(steps)).sum(axis=0)
        self._check_every_feature_seen(counts)
        return steps, counts

    @staticmethod
    def _check_every_feature_seen(counts):
        empty = np.flatnonzero(counts == 0)
        if empty.size:
            raise ValueError(
                f"`x` has no values for feature {empty[0]} (every step is NaN "
                "there), so it cannot be scaled; drop that feature or fit on "
                "more data."
            )

    def _check_fitted(self, method):
        if not hasattr(self, "n_features_in_"):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet. Call `fit` with "
                f"training data before `{method}`."
            )

    def _apply(self, x, function, method):
        self._check_fitted(method)
        steps, rebuild = _split_structure(x)
        if steps.shape[1] != self.n_features_in_:
            raise ValueError(
                f"`x` has {steps.shape[1]} feature(s) per step; this "
                f"{type(self).__name__} was fitted on {self.n_features_in_}."
            )
        values = function(steps.astype(np.float64)).astype(np.float32)
        return rebuild(values)

    def fit_transform(self, x):
        """Fits the scaler on `x`, then returns `x` scaled.

        Equivalent to `fit(x).transform(x)`.
        """
        return self.fit(x).transform(x)

    def get_config(self):
        """Returns the constructor arguments and, once fitted, the fitted state.

        Returns:
            A JSON-serialisable dict: every constructor argument, plus each
            fitted attribute (`n_features_in_` and per-feature lists) when the
            scaler is fitted. `from_config` rebuilds the scaler from it.
        """
        config = self._constructor_config()
        if hasattr(self, "n_features_in_"):
            for attribute in self._fitted_attributes:
                value = getattr(self, attribute)
                config[attribute] = (
                    [float(v) for v in value]
                    if isinstance(value, np.ndarray)
                    else value
                )
        return config

    @classmethod
    def from_config(cls, config):
        """Rebuilds a scaler, fitted or not, from `get_config()`'s dict.

        Raises:
            TypeError: If `config` is not a dict.
            ValueError: If `config` has unknown keys or a partial or
                inconsistent fitted state.
        """
        if not isinstance(config, dict):
            raise TypeError(
                f"`config` must be a dict from `get_config()`; got "
                f"{type(config).__name__}."
            )
        arguments = {k: v for k, v in config.items() if not k.endswith("_")}
        fitted = {k: v for k, v in config.items() if k.endswith("_")}
        known = set(cls._constructor_arguments)
        unknown = sorted(set(arguments) - known)
        if unknown:
            raise ValueError(
                f"`config` has unknown key(s) {unknown} for {cls.__name__}; "
                f"expected {sorted(known)} and, when fitted, "
                f"{list(cls._fitted_attributes)}."
            )
        scaler = cls(**cls._arguments_from_config(arguments))
        if fitted:
            scaler._set_fitted_state(fitted)
        return scaler

    @classmethod
    def _arguments_from_config(cls, arguments):
        return arguments

    def _set_fitted_state(self, fitted):
        expected = set(self._fitted_attributes)
        if set(fitted) != expected:
            raise ValueError(
                f"`config` has a partial fitted state: missing "
                f"{sorted(expected - set(fitted))}, unexpected "
                f"{sorted(set(fitted) - expected)}."
            )
        features = check_positive_int(fitted["n_features_in_"], "n_features_in_")
        state = {}
        for attribute in self._fitted_attributes:
            if attribute == "n_features_in_":
                continue
            try:
                value = np.asarray(fitted[attribute], dtype=np.float64)
            except (TypeError, ValueError) as error:
                raise ValueError(
                    f"`config['{attribute}']` must be a list of numbers."
                ) from error
            if value.shape != (features,) or not np.isfinite(value).all():
                raise ValueError(
                    f"`config['{attribute}']` must hold {features} finite numbers "
                    f"(one per feature); got {fitted[attribute]!r}."
                )
            state[attribute] = value
        self.n_features_in_ = features
        for attribute, value in state.items():
            setattr(self, attribute, value)

    def save(self, path):
        """Writes the fitted scaler to a JSON file.

        The file is written whole or not at all: the JSON goes to a temporary
        file in the same directory, which then replaces `path`.

        Args:
            path: Where to write the file (conventionally ending in `.json`).

        Raises:
            NotFittedError: If the scaler is not fitted.
        """
        self._check_fitted("save")
        document = {
            "format": _FILE_FORMAT,
            "format_version": _FILE_FORMAT_VERSION,
            "class_name": type(self).__name__,
            "config": self.get_config(),
        }
        text = json.dumps(document, indent=2, allow_nan=False) + "\n"
        path = os.fspath(path)

        def write(temporary):
            with open(temporary, "w", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())

        write_atomically(path, write, ".tmp")

    @classmethod
    def load(cls, path):
        """Reads a scaler written by `save`.

        Args:
            path: The file `save` wrote.

        Returns:
            The fitted scaler.

        Raises:
            FileNotFoundError: If `path` does not exist.
            ValueError: If `path` is not a scaler file, is truncated or
                damaged, or holds another kind of scaler.
        """
        return _read_scaler(path, expected=cls)

    def __repr__(self):
        arguments = ", ".join(
            f"{name}={getattr(self, name)!r}" for name in self._constructor_arguments
        )
        return f"{type(self).__name__}({arguments})"


class StandardScaler(_Scaler):
    """Scales each feature to zero mean and unit variance, ignoring NaN.

    The statistics skip NaN values, so padding and missing steps do not bias
    them, and NaN stays NaN through `transform` and `inverse_transform`. The
    scale is the population standard deviation (`ddof=0`, as in
    scikit-learn); a constant feature gets a scale of 1.

    `fit` and `transform` accept a padded batch `(samples, timesteps,
    features)`, one sequence `(steps, features)` (an array or a pandas
    `DataFrame`), or a ragged `list` of sequences as `pad_sequences` takes
    them; the output has the input's structure, in float32.

    Attributes:
        mean_: The mean of each feature, shape `(features,)`.
        scale_: The standard deviation of each feature, with zeros replaced
            by 1, shape `(features,)`.
        n_features_in_: The number of features seen by `fit`.

    Example:

    >>> scaler = StandardScaler().fit([[1.0, 3.0], [1.0, 3.0, 3.0, 1.0]])
    >>> scaler.mean_.tolist(), scaler.scale_.tolist()
    ([2.0], [1.0])
    >>> scaler.transform([[1.0, 2.0, 3.0, float("nan")]])[0].tolist()
    [-1.0, 0.0, 1.0, nan]
    """

    _constructor_arguments = ()
    _fitted_attributes = ("n_features_in_", "mean_", "scale_")

    def fit(self, x):
        """Computes each feature's mean and standard deviation, skipping NaN.

        Args:
            x: Training sequences (see the class docstring).

        Returns:
            The scaler itself.

        Raises:
            TypeError: If `x` does not hold numbers.
            ValueError: If `x` has the wrong shape, holds infinities, or a
                feature is NaN at every step.
        """
        if isinstance(x, np.memmap) and x.ndim == 3:
            counts, mean, variance = _moments_in_chunks(x)
            self._check_every_feature_seen(counts)
        else:
            steps, counts = self._fit_steps(x)
            mean = np.nanmean(steps, axis=0)
            variance = np.nanvar(steps, axis=0)
        return self._set_moments(counts, mean, variance)

    def fit_chunks(self, chunks):
        """Fits on data read a piece at a time: `fit` on all of it at once.

        Each feature's count, mean and variance are merged chunk by chunk
        (Chan et al.'s pairwise update), so data larger than memory, such as
        a memmap read in stretches, needs one chunk in memory at a time.

        Args:
            chunks: An iterable of arrays `(steps, features)` or `(sequences,
                steps, features)`, all with the same features. NaN is
                skipped.

        Returns:
            The scaler itself.

        Raises:
            ValueError: If `chunks` is empty, a chunk holds infinities or
                other features than the first, or a feature is NaN
                everywhere.

        Example:

        >>> parts = [np.array([[1.0], [2.0]]), np.array([[3.0], [np.nan]])]
        >>> StandardScaler().fit_chunks(parts).mean_.tolist()
        [2.0]
        """

        def checked(chunks):
            for chunk in chunks:
                _raise_if_infinite(np.asarray(chunk), "chunks")
                yield chunk

        counts, mean, variance = _merged_moments(checked(chunks))
        self._check_every_feature_seen(counts)
        return self._set_moments(counts, mean, variance)

    def _set_moments(self, counts, mean, variance):
        scale = np.sqrt(variance)
        scale[_is_constant(variance, mean, counts)] = 1.0
        self.n_features_in_ = len(mean)
        self.mean_ = mean
        self.scale_ = scale
        return self

    def transform(self, x):
        """Returns `(x - mean_) / scale_`, with NaN kept as NaN.

        Raises:
            NotFittedError: If the scaler is not fitted.
            ValueError: If `x` has another number of features than at `fit`.
        """
        return self._apply(x, lambda v: (v - self.mean_) / self.scale_, "transform")

    def inverse_transform(self, x):
        """Returns `x * scale_ + mean_`: `transform` undone.

        Raises:
            NotFittedError: If the scaler is not fitted.
            ValueError: If `x` has another number of features than at `fit`.
        """
        return self._apply(
            x, lambda v: v * self.scale_ + self.mean_, "inverse_transform"
        )


def _check_feature_range(feature_range):
    try:
        low, high = feature_range
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"`feature_range` must be a pair (min, max); got {feature_range!r}."
        ) from error
    for bound in (low, high):
        if isinstance(bound, bool) or not isinstance(bound, numbers.Real):
            raise TypeError(
                f"`feature_range` must hold two numbers; got {feature_range!r}."
            )
        if not np.isfinite(bound):
            raise ValueError(
                f"`feature_range` must hold finite numbers; got {feature_range!r}."
            )
    if not low < high:
        raise ValueError(
            f"`feature_range` must be (min, max) with min < max; got {feature_range!r}."
        )
    return float(low), float(high)


class MinMaxScaler(_Scaler):
    """Scales each feature to `feature_range`, ignoring NaN.

    The minimum and maximum skip NaN values, so padding and missing steps do
    not affect them, and NaN stays NaN through `transform` and
    `inverse_transform`. A constant feature maps to the range's minimum.

    `fit` and `transform` accept a padded batch `(samples, timesteps,
    features)`, one sequence `(steps, features)` (an array or a pandas
    `DataFrame`), or a ragged `list` of sequences as `pad_sequences` takes
    them; the output has the input's structure, in float32.

    Args:
        feature_range: The `(min, max)` the training data is mapped to.
            Defaults to `(0, 1)`.

    Attributes:
        data_min_: Each feature's minimum in the training data.
        data_max_: Each feature's maximum in the training data.
        data_range_: `data_max_ - data_min_`.
        scale_: The factor applied to each feature.
        min_: The offset added to each feature after scaling.
        n_features_in_: The number of features seen by `fit`.

    Example:

    >>> scaler = MinMaxScaler().fit([[1.0, 2.0, 3.0], [5.0]])
    >>> scaler.transform([[1.0, 5.0]])[0].tolist()
    [0.0, 1.0]
    """

    _constructor_arguments = ("feature_range",)
    _fitted_attributes = (
        "n_features_in_",
        "data_min_",
        "data_max_",
        "data_range_",
        "scale_",
        "min_",
    )

    def __init__(self, feature_range=(0, 1)):
        self.feature_range = feature_range

    def _constructor_config(self):
        feature_range = self.feature_range
        if isinstance(feature_range, (list, tuple)):
            feature_range = list(feature_range)
        return {"feature_range": feature_range}

    @classmethod
    def _arguments_from_config(cls, arguments):
        arguments = dict(arguments)
        if isinstance(arguments.get("feature_range"), list):
            arguments["feature_range"] = tuple(arguments["feature_range"])
        return arguments

    def fit(self, x):
        """Computes each feature's minimum and maximum, skipping NaN.

        Args:
            x: Training sequences (see the class docstring).

        Returns:
            The scaler itself.

        Raises:
            TypeError: If `x` does not hold numbers.
            ValueError: If `feature_range` is not `(min, max)` with
                `min < max`, `x` has the wrong shape, holds infinities, or a
                feature is NaN at every step.
        """
        low, high = _check_feature_range(self.feature_range)
        steps, _ = self._fit_steps(x)
        data_min = np.nanmin(steps, axis=0)
        data_max = np.nanmax(steps, axis=0)
        data_range = data_max - data_min
        scale = (high - low) / np.where(data_range == 0, 1.0, data_range)
        self.n_features_in_ = steps.shape[1]
        self.data_min_ = data_min
        self.data_max_ = data_max
        self.data_range_ = data_range
        self.scale_ = scale
        self.min_ = low - data_min * scale
        return self

    def transform(self, x):
        """Returns `x * scale_ + min_`, with NaN kept as NaN.

        Raises:
            NotFittedError: If the scaler is not fitted.
            ValueError: If `x` has another number of features than at `fit`.
        """
        return self._apply(x, lambda v: v * self.scale_ + self.min_, "transform")

    def inverse_transform(self, x):
        """Returns `(x - min_) / scale_`: `transform` undone.

        Raises:
            NotFittedError: If the scaler is not fitted.
            ValueError: If `x` has another number of features than at `fit`.
        """
        return self._apply(
            x, lambda v: (v - self.min_) / self.scale_, "inverse_transform"
        )


_SCALERS = {"StandardScaler": StandardScaler, "MinMaxScaler": MinMaxScaler}


def load_scaler(path):
    """Reads a scaler of any kind written by `save`.

    Args:
        path: The file `StandardScaler.save` or `MinMaxScaler.save` wrote.

    Returns:
        The fitted scaler, of the class that saved it.

    Raises:
        FileNotFoundError: If `path` does not exist.
        ValueError: If `path` is not a scaler file, or is truncated or damaged.
    """
    return _read_scaler(path)


def _read_scaler(path, expected=None):
    """`load_scaler`, checking the class when `expected` is a scaler class."""
    name = os.fspath(path)
    try:
        with open(name, encoding="utf-8") as file:
            document = json.load(file)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(
            f"`{name}` is not a keras_lstm_ae scaler file: it is not valid JSON "
            f"(truncated or damaged?): {error}"
        ) from error
    if not isinstance(document, dict) or document.get("format") != _FILE_FORMAT:
        raise ValueError(
            f"`{name}` is not a keras_lstm_ae scaler file: it lacks "
            f'"format": "{_FILE_FORMAT}". Write one with `scaler.save(path)`.'
        )
    version = document.get("format_version")
    if version != _FILE_FORMAT_VERSION:
        raise ValueError(
            f"`{name}` has scaler file format version {version!r}; this version "
            f"of keras_lstm_ae reads version {_FILE_FORMAT_VERSION}."
        )
    class_name = document.get("class_name")
    cls = _SCALERS.get(class_name)
    if cls is None:
        raise ValueError(
            f"`{name}` holds an unknown scaler {class_name!r}; expected one of "
            f"{sorted(_SCALERS)}."
        )
    if expected is not None and not issubclass(cls, expected):
        raise ValueError(
            f"`{name}` holds a {class_name}, not a {expected.__name__}; load it "
            f"with `{class_name}.load` or `load_scaler`."
        )
    try:
        scaler = cls.from_config(document.get("config"))
    except (TypeError, ValueError) as error:
        raise ValueError(f"`{name}` is a damaged scaler file: {error}") from error
    if not hasattr(scaler, "n_features_in_"):
        raise ValueError(f"`{name}` is a damaged scaler file: it has no fitted state.")
    return scaler


# --------------------------------------------------------------------------
# Windows
# --------------------------------------------------------------------------


def sliding_windows(series, window, stride=1, return_starts=False):
    """Cuts one long series into overlapping windows of equal length.

    Args:
        series: One series: a 1-D array-like `(steps,)` (one feature), a 2-D
            array-like `(steps, features)`, or a pandas `Series` / `DataFrame`.
            NaN (missing) values are kept.
        window: The number of steps in each window.
        stride: The number of steps between the starts of consecutive
            windows. Defaults to 1.
        return_starts: Whether to also return the step at which each window
            starts, to map per-window scores back to time. Defaults to
            `False`.

    Returns:
        A new float32 array `(n_windows, window, features)` with
        `n_windows = (steps - window) // stride + 1`; with
        `return_starts=True`, a tuple `(windows, starts)` where `starts` is an
        int64 array `(n_windows,)` and `windows[i] == series[starts[i]:
        starts[i] + window]`.

    Raises:
        TypeError: If `series` does not hold numbers, or `window` or `stride`
            is not an integer.
        ValueError: If `series` is not 1-D or 2-D or holds infinities, if
            `window` or `stride` is not positive, or if `window` is longer
            than `series`.

    Example:

    >>> windows, starts = sliding_windows(
    ...     [0.0, 1.0, 2.0, 3.0, 4.0], window=3, stride=2, return_starts=True)
    >>> windows.shape, starts.tolist()
    ((2, 3, 1), [0, 2])
    """
    window = check_positive_int(window, "window")
    stride = check_positive_int(stride, "stride")
    if isinstance(series, (pd.DataFrame, pd.Series)):
        series = _pandas_to_numpy(series, "series")
    array = as_float_array(series, "series")
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2:
        raise ValueError(
            "`series` must be 1-D (steps,) or 2-D (steps, features); got shape "
            f"{array.shape}. For a batch of sequences, cut each one separately."
        )
    _raise_if_infinite(array, "series")
    steps = array.shape[0]
    if window > steps:
        raise ValueError(
            f"`window` ({window}) is longer than `series` ({steps} steps); "
            "pass a smaller `window`."
        )
    view = np.lib.stride_tricks.sliding_window_view(array, window, axis=0)
    # The view is read-only and shares memory with `series`: copy it.
    windows = np.array(view[::stride].transpose(0, 2, 1), dtype=np.float32)
    if return_starts:
        starts = np.arange(0, steps - window + 1, stride, dtype=np.int64)
        return windows, starts
    return windows
