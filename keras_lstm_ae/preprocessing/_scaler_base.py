"""What the scalers share: input structure, the `_Scaler` base, its file format.

`_split_structure` flattens any accepted input (a batch, one sequence, a
DataFrame, a list of sequences) to stacked steps and rebuilds the output in the
input's structure. `_Scaler` checks the fitted state, builds and reads configs,
and writes and reads the JSON files that `load_scaler` opens.
"""

import json
import os

import numpy as np
import pandas as pd

from keras_lstm_ae._utils.saving import write_atomically
from keras_lstm_ae._utils.validation import (
    NotFittedError,
    as_float_array,
    check_positive_int,
    pandas_to_numpy,
    raise_if_infinite,
)
from keras_lstm_ae.preprocessing.sequences import prepare_sequences

# Written into every saved scaler file, so `load` can tell one from any other
# JSON file.
_FILE_FORMAT = "keras_lstm_ae.scaler"
_FILE_FORMAT_VERSION = 1

# The scaler classes a file may name, by class name: those decorated with
# `_register_scaler`.
_SCALERS = {}


def _register_scaler(cls):
    """Class decorator: lets scaler files name `cls` by its class name."""
    _SCALERS[cls.__name__] = cls
    return cls


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
