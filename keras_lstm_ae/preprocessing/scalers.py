"""Feature scalers that skip NaN padding: `StandardScaler`, `MinMaxScaler`.

Each scales every feature with statistics over real steps only, so padding
never shifts the mean or the range, and saves itself as JSON (`save`,
`load_scaler`). `StandardScaler.fit_chunks` merges the moments of chunks read
one at a time, for data larger than memory.
"""

import json
import numbers
import os

import numpy as np
import pandas as pd

from keras_lstm_ae._utils.saving import write_atomically
from keras_lstm_ae._utils.validation import (
    CHUNK_ROWS,
    NotFittedError,
    as_float_array,
    check_positive_int,
    pandas_to_numpy,
    raise_for_infinite_count,
    raise_if_infinite,
)
from keras_lstm_ae.preprocessing.sequences import prepare_sequences

# Written into every saved scaler file, so `load` can tell one from any other
# JSON file.
_FILE_FORMAT = "keras_lstm_ae.scaler"
_FILE_FORMAT_VERSION = 1


def _split_structure(x, name="x"):
    """Flattens scaler input to stacked steps and says how to rebuild it.

    A `list` or `tuple` is read as a list of sequences (see `pad_sequences`);
    a pandas `DataFrame` as one sequence `(steps, features)`; anything else as
    an array `(steps, features)` or `(samples, timesteps, features)`.

    Returns:
        A tuple `(steps, rebuild)`: an array `(total_steps, features)`,
        float64 for float64 or wide integer arrays and float32 otherwise
        (a list's sequences are float32), and a function that puts an array
        of the same shape back into the structure of `x` (array to array,
        list to list, DataFrame to DataFrame).
    """
    if isinstance(x, (list, tuple)):
        arrays, ndims, _ = prepare_sequences(x, name)
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
    # float64 stays float64 until it is scaled: the output is float32, but a
    # mean far from zero leaves little of the variation in float32.
    if isinstance(x, pd.DataFrame):
        array = as_float_array(pandas_to_numpy(x, name), name, keep_precision=True)
    else:
        array = as_float_array(x, name, keep_precision=True)
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
    raise_if_infinite(array, name)
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
    raise_for_infinite_count(infinite, "x")
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
                raise_if_infinite(np.asarray(chunk), "chunks")
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
