"""Feature scalers that skip NaN padding: `StandardScaler`, `MinMaxScaler`.

Each scales every feature with statistics over real steps only, so padding
never shifts the mean or the range, and saves itself as JSON (`save`,
`load_scaler`). `StandardScaler.fit_chunks` merges the moments of chunks read
one at a time, for data larger than memory.
"""

import numbers

import numpy as np

from keras_lstm_ae._utils.validation import (
    CHUNK_ROWS,
    raise_for_infinite_count,
    raise_if_infinite,
)
from keras_lstm_ae.preprocessing._scaler_base import (
    _read_scaler,
    _register_scaler,
    _Scaler,
)


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


@_register_scaler
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


@_register_scaler
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
