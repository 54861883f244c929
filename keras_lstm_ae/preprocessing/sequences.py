"""Data preparation: pad ragged sequences, cut long series into windows.

A batch of sequences is a float32 array `(samples, timesteps, features)`. A
step holding NaN (in any of its features) is padding or missing: "no step
here". The helpers in this module build such batches from ragged data and take
them apart again:

- `pad_sequences` turns a list of sequences of different lengths into a
  NaN-padded batch; `sequence_lengths` and `trim_sequences` undo it.
- `sliding_windows` cuts one long series into overlapping windows.

The scalers, which skip that padding, are in `keras_lstm_ae.preprocessing.scalers`.
"""

import numpy as np
import pandas as pd

from keras_lstm_ae._utils.validation import (
    as_float_array,
    check_choice,
    check_positive_int,
    pandas_to_numpy,
    raise_if_infinite,
)

_PADDING_CHOICES = ("post", "pre")
_TRUNCATING_CHOICES = ("post", "pre", "error")


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


def _one_sequence(item, name, dtype):
    """One sequence as a `(steps, features)` array of `dtype`, and its ndim."""
    if isinstance(item, (pd.DataFrame, pd.Series)):
        item = pandas_to_numpy(item, name)
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
    raise_if_infinite(values, name)
    if values.ndim == 2 and values.shape[1] == 0:
        raise ValueError(
            f"`{name}` has shape {values.shape}: each step needs at least one feature."
        )
    return values, values.ndim


def prepare_sequences(sequences, name="sequences", dtype=np.float32):
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
    arrays, _, features = prepare_sequences(sequences, "sequences", dtype)
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
        arrays, _, features = prepare_sequences(X, name)
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
        X = pandas_to_numpy(X, name)
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
    raise_if_infinite(array, name)
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
        series = pandas_to_numpy(series, "series")
    array = as_float_array(series, "series")
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2:
        raise ValueError(
            "`series` must be 1-D (steps,) or 2-D (steps, features); got shape "
            f"{array.shape}. For a batch of sequences, cut each one separately."
        )
    raise_if_infinite(array, "series")
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
