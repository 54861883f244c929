"""Threshold rules: from the errors on normal data to an anomaly threshold.

A detector flags a window or step whose error is above a threshold computed
from errors on normal data. The rules, by the spec a user passes:

- `"max"`: the largest normal error (`max_threshold`).
- `("percentile", q)`: the q-th percentile of the normal errors, 0 < q <= 100
  (`percentile_threshold`).
- `("std", k)`: the mean plus k population standard deviations (`std_threshold`).
- `"gaussian"`: EncDec-AD's rule (Malhotra et al., "LSTM-based
  Encoder-Decoder for Multi-sensor Anomaly Detection", ICML workshop 2016). A
  multivariate Gaussian is fitted to the error vectors of held-out normal data
  (`GaussianErrorModel`); a vector's anomaly score is its squared Mahalanobis
  distance, and the threshold is the largest score of that held-out data.
- a number: a fixed threshold.

Example:

>>> from keras_lstm_ae.anomaly.thresholds import resolve_threshold
>>> errors = [0.1, 0.2, 0.3, 0.4]
>>> resolve_threshold("max", errors), resolve_threshold(("percentile", 50), errors)
(0.4, 0.25)
"""

import numbers

import numpy as np

from keras_lstm_ae._utils.validation import (
    NotFittedError,
    as_float64_array,
    check_finite,
    check_real_number,
)

_SPEC_HELP = (
    'a number, "max", "gaussian", ("percentile", q) with 0 < q <= 100, '
    'or ("std", k) with k >= 0'
)


def _check_errors(errors, name="errors"):
    errors = as_float64_array(errors, name)
    if errors.ndim != 1:
        raise ValueError(
            f"`{name}` must be 1-D, one error per window or step; got shape "
            f"{errors.shape}. Flatten per-step errors with `.ravel()`, or fit "
            "a `GaussianErrorModel` to error vectors."
        )
    if len(errors) == 0:
        raise ValueError(f"`{name}` must hold at least one error; got none.")
    check_finite(errors, name, hint=" (drop padded steps first)")
    return errors


def max_threshold(errors):
    """The largest of the normal errors.

    Args:
        errors: Errors on normal data, 1-D, finite.

    Returns:
        A float.

    Example:

    >>> max_threshold([0.1, 0.5, 0.2])
    0.5
    """
    return float(np.max(_check_errors(errors)))


def percentile_threshold(errors, q):
    """The `q`-th percentile of the normal errors (NumPy's linear interpolation).

    Args:
        errors: Errors on normal data, 1-D, finite.
        q: The percentile, 0 < q <= 100; `q=100` is `max_threshold`.

    Returns:
        A float.

    Raises:
        ValueError: If `q` is outside (0, 100].

    Example:

    >>> percentile_threshold([1.0, 2.0, 3.0, 4.0, 5.0], 75)
    4.0
    """
    q = check_real_number(q, "q")
    if not 0 < q <= 100:
        raise ValueError(f"`q` must be in (0, 100]; got {q}.")
    return float(np.percentile(_check_errors(errors), q))


def std_threshold(errors, k):
    """The mean of the normal errors plus `k` standard deviations.

    The standard deviation is the population one (NumPy's default, `ddof=0`).

    Args:
        errors: Errors on normal data, 1-D, finite.
        k: How many standard deviations above the mean, k >= 0.

    Returns:
        A float.

    Raises:
        ValueError: If `k` is negative.

    Example:

    >>> std_threshold([1.0, 3.0], 2)
    4.0
    """
    k = check_real_number(k, "k")
    if k < 0:
        raise ValueError(f"`k` must be >= 0; got {k}.")
    errors = _check_errors(errors)
    return float(np.mean(errors) + k * np.std(errors))


def check_threshold_spec(spec, name="threshold"):
    """Returns a threshold spec in canonical form, or raises.

    Call it when a detector is built, so that a bad spec fails before
    training.

    Args:
        spec: A number, `"max"`, `"gaussian"`, `("percentile", q)` or
            `("std", k)` (a list works too).
        name: The argument's name, used in the error message.

    Returns:
        `"max"`, `"gaussian"`, `("percentile", float(q))`, `("std", float(k))`
        or `float(spec)`.

    Raises:
        ValueError: If `spec` is none of these.

    Example:

    >>> check_threshold_spec(["percentile", 99])
    ('percentile', 99.0)
    """
    if isinstance(spec, str) and spec in ("max", "gaussian"):
        return spec
    if isinstance(spec, numbers.Real) and not isinstance(spec, bool):
        if np.isfinite(spec):
            return float(spec)
    elif (
        isinstance(spec, (tuple, list))
        and len(spec) == 2
        and isinstance(spec[0], str)
        and spec[0] in ("percentile", "std")
        and isinstance(spec[1], numbers.Real)
        and not isinstance(spec[1], bool)
    ):
        rule, value = spec[0], float(spec[1])
        if (rule == "percentile" and 0 < value <= 100) or (
            rule == "std" and 0 <= value < np.inf
        ):
            return (rule, value)
    raise ValueError(f"`{name}` must be {_SPEC_HELP}; got {spec!r}.")


def resolve_threshold(spec, errors, name="threshold"):
    """Computes the threshold a spec describes from errors on normal data.

    Args:
        spec: A number (returned as it is), `"max"`, `"gaussian"`,
            `("percentile", q)` or `("std", k)`; see the module docstring.
        errors: Errors on normal data, 1-D, finite. For `"gaussian"`, the
            anomaly scores (`GaussianErrorModel.score`) of the held-out normal
            error vectors the model was fitted to: the threshold is their
            maximum. Ignored when `spec` is a number.
        name: The spec's argument name, used in error messages.

    Returns:
        The threshold, a float: a score above it is anomalous.

    Raises:
        ValueError: If `spec` is not a valid spec, or `errors` is not 1-D,
            empty, or not finite.

    Example:

    >>> resolve_threshold(("std", 1), [1.0, 3.0])
    3.0
    """
    spec = check_threshold_spec(spec, name)
    if isinstance(spec, float):
        return spec
    if spec in ("max", "gaussian"):
        return max_threshold(errors)
    rule, value = spec
    if rule == "percentile":
        return percentile_threshold(errors, value)
    return std_threshold(errors, value)


class GaussianErrorModel:
    """EncDec-AD's anomaly score: a Gaussian over reconstruction-error vectors.

    Fit it to the error vectors of held-out normal data (not the data the
    autoencoder was trained on), e.g. each window's absolute errors per step
    and feature, flattened. The mean `mu` and covariance `Sigma` are the
    maximum-likelihood estimates, as in Malhotra et al. (2016); a vector `e`
    then scores `(e - mu)^T Sigma^-1 (e - mu)`, its squared Mahalanobis
    distance.

    When some errors never vary (a feature reconstructed perfectly) or vary
    together, `Sigma` is singular. A ridge on its diagonal keeps it
    invertible, so a deviation along such a direction scores high. A
    pseudo-inverse would instead ignore that direction and miss the anomaly.

    Args:
        ridge: Added to the covariance's diagonal, as a fraction of the mean
            variance of the errors (the absolute value `ridge` when every
            variance is 0). Defaults to `1e-6`. With `ridge=0` a singular
            covariance raises an error.

    Attributes:
        mean_: The mean error vector, shape `(d,)`, after `fit`.
        covariance_: The covariance, shape `(d, d)`, without the ridge.

    Example:

    >>> import numpy as np
    >>> normal = np.array([[0.1, 0.2], [0.2, 0.1], [0.1, 0.1], [0.2, 0.2]])
    >>> model = GaussianErrorModel().fit(normal)
    >>> model.score([[0.15, 0.15], [0.9, 0.9]]).round(2)
    array([  0., 450.])
    """

    def __init__(self, ridge=1e-6):
        ridge = check_real_number(ridge, "ridge")
        if ridge < 0:
            raise ValueError(f"`ridge` must be >= 0; got {ridge}.")
        self.ridge = ridge

    def _check_vectors(self, error_vectors):
        vectors = as_float64_array(error_vectors, "error_vectors")
        if vectors.ndim != 2:
            raise ValueError(
                "`error_vectors` must be 2-D (vectors, features); got shape "
                f"{vectors.shape}. Reshape one feature with `.reshape(-1, 1)`."
            )
        check_finite(vectors, "error_vectors")
        return vectors

    def fit(self, error_vectors):
        """Estimates the mean and covariance of normal error vectors.

        Args:
            error_vectors: Shape `(n, d)`, at least 2 vectors, finite.

        Returns:
            The model itself.

        Raises:
            ValueError: If `error_vectors` is not 2-D, has fewer than 2
                vectors, is not finite, or has a singular covariance with
                `ridge=0`.
        """
        vectors = self._check_vectors(error_vectors)
        if len(vectors) < 2:
            raise ValueError(
                "`error_vectors` must hold at least 2 vectors to estimate a "
                f"covariance; got {len(vectors)}."
            )
        mean = vectors.mean(axis=0)
        centred = vectors - mean
        self._set_parameters(mean, centred.T @ centred / len(vectors))
        return self

    def _set_parameters(self, mean, covariance):
        scale = np.mean(np.diag(covariance))
        ridge = self.ridge * scale if scale > 0 else self.ridge
        regularised = covariance + ridge * np.eye(len(mean))
        try:
            cholesky = np.linalg.cholesky(regularised)
        except np.linalg.LinAlgError:
            raise ValueError(
                "The covariance of `error_vectors` is singular; use a "
                f"`ridge` > 0 (got ridge={self.ridge})."
            ) from None
        self.mean_ = mean
        self.covariance_ = covariance
        # Whitened vectors L^-1 (e - mu) have squared norm (e - mu)^T Sigma^-1
        # (e - mu) that is never negative, unlike a product with an inverse.
        self._whitening = np.linalg.inv(cholesky).T

    def score(self, error_vectors):
        """The squared Mahalanobis distance of each vector from the normal mean.

        Args:
            error_vectors: Shape `(n, d)`, with the `d` of `fit`.

        Returns:
            A float64 array of shape `(n,)`; higher is more abnormal.

        Raises:
            NotFittedError: If the model has not been fitted.
            ValueError: If `error_vectors` has the wrong shape or is not
                finite.
        """
        centred = self._centred(error_vectors)
        whitened = centred @ self._whitening
        return np.sum(whitened**2, axis=1)

    def contributions(self, error_vectors):
        """Each feature's share of `score`: `(e - mu)_j [Sigma^-1 (e - mu)]_j`.

        The shares of a vector sum to its score, so they tell which features
        make it abnormal. A share can be negative when errors are correlated.

        Args:
            error_vectors: Shape `(n, d)`, with the `d` of `fit`.

        Returns:
            A float64 array of shape `(n, d)` whose rows sum to `score`.

        Example:

        >>> model = GaussianErrorModel().fit([[0.0, 0.0], [2.0, 2.0], [0.0, 2.0]])
        >>> shares = model.contributions([[4.0, 1.0]])
        >>> bool(np.isclose(shares.sum(), model.score([[4.0, 1.0]])[0]))
        True
        """
        centred = self._centred(error_vectors)
        precision = self._whitening @ self._whitening.T
        return centred * (centred @ precision)

    def _centred(self, error_vectors):
        if not hasattr(self, "mean_"):
            raise NotFittedError(
                "This GaussianErrorModel is not fitted yet; call `fit` first."
            )
        vectors = self._check_vectors(error_vectors)
        if vectors.shape[1] != len(self.mean_):
            raise ValueError(
                f"`error_vectors` must have {len(self.mean_)} features, as in "
                f"`fit`; got {vectors.shape[1]}."
            )
        return vectors - self.mean_

    def get_config(self):
        """Returns the model as a JSON-serialisable dict of floats and lists.

        Example:

        >>> GaussianErrorModel().fit([[0.0], [2.0]]).get_config()
        {'ridge': 1e-06, 'mean': [1.0], 'covariance': [[1.0]]}
        """
        fitted = hasattr(self, "mean_")
        return {
            "ridge": self.ridge,
            "mean": self.mean_.tolist() if fitted else None,
            "covariance": self.covariance_.tolist() if fitted else None,
        }

    @classmethod
    def from_config(cls, config):
        """Rebuilds a model, fitted or not, from `get_config`'s dict."""
        model = cls(ridge=config["ridge"])
        if config.get("mean") is not None:
            mean = as_float64_array(config["mean"], "mean")
            covariance = as_float64_array(config["covariance"], "covariance")
            if mean.ndim != 1 or covariance.shape != (len(mean), len(mean)):
                raise ValueError(
                    "`config` must hold a 1-D `mean` of length d and a (d, d) "
                    f"`covariance`; got shapes {mean.shape} and {covariance.shape}."
                )
            model._set_parameters(mean, covariance)
        return model
