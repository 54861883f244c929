"""Specification of the threshold rules and of EncDec-AD's Gaussian error model."""

import json

import numpy as np
import pytest

from keras_lstm_ae._utils.validation import NotFittedError
from keras_lstm_ae.anomaly import GaussianErrorModel, resolve_threshold
from keras_lstm_ae.anomaly.thresholds import (
    check_threshold_spec,
    max_threshold,
    percentile_threshold,
    std_threshold,
)

# NumPy, pandas and file logic: the same on every Keras backend, so CI runs
# it on torch.
pytestmark = pytest.mark.backend_neutral

ERRORS = np.array([0.3, 0.1, 0.7, 0.2, 0.4, 0.9, 0.15, 0.25, 0.5, 0.05])


def error_vectors():
    """Correlated 3-feature error vectors (deterministic, non-singular)."""
    steps = np.arange(40)
    base = (steps * 7919 % 1009) / 1009
    other = (steps * 104729 % 1013) / 1013
    return np.stack([base, 0.5 * base + other, (steps % 7) / 7 + 0.2 * other], axis=1)


# ---------------------------------------------------------------------------
# Scalar rules against NumPy
# ---------------------------------------------------------------------------


def test_max_threshold_is_the_largest_error():
    assert max_threshold(ERRORS) == 0.9


@pytest.mark.parametrize("q", [50, 90, 99.5, 100])
def test_percentile_threshold_is_numpys_percentile(q):
    assert percentile_threshold(ERRORS, q) == np.percentile(ERRORS, q)


def test_percentile_threshold_interpolates_between_errors():
    assert percentile_threshold([1.0, 2.0, 3.0, 4.0], 50) == 2.5


@pytest.mark.parametrize("k", [0, 1, 3.5])
def test_std_threshold_is_mean_plus_k_population_standard_deviations(k):
    mean = ERRORS.sum() / len(ERRORS)
    population_std = np.sqrt(np.sum((ERRORS - mean) ** 2) / len(ERRORS))

    assert std_threshold(ERRORS, k) == pytest.approx(
        mean + k * population_std, rel=1e-12
    )


# ---------------------------------------------------------------------------
# Specs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("max", 0.9),
        (("percentile", 90), np.percentile(ERRORS, 90)),
        (["percentile", 25.0], np.percentile(ERRORS, 25)),
        (("std", 2), np.mean(ERRORS) + 2 * np.std(ERRORS)),
        (0.42, 0.42),
        (3, 3.0),
    ],
)
def test_resolve_threshold_applies_the_rule_the_spec_names(spec, expected):
    assert resolve_threshold(spec, ERRORS) == pytest.approx(expected, rel=1e-12)


def test_a_fixed_threshold_ignores_the_errors():
    assert resolve_threshold(0.5, None) == 0.5


def test_check_threshold_spec_returns_a_canonical_spec():
    assert check_threshold_spec(["std", 3]) == ("std", 3.0)
    assert check_threshold_spec(np.float32(0.25)) == 0.25
    assert check_threshold_spec("gaussian") == "gaussian"


BAD_SPECS = [
    "min",
    "MAX",
    ("percentile", 0),
    ("percentile", 100.5),
    ("percentile", float("nan")),
    ("std", -1),
    ("std", float("inf")),
    ("std", "3"),
    ("std", True),
    ("percentile",),
    ("max", 5),
    (np.array(["std", "std"]), 1),
    True,
    None,
    float("nan"),
    {"rule": "max"},
]


@pytest.mark.parametrize("spec", BAD_SPECS, ids=repr)
def test_invalid_specs_raise_a_message_listing_the_valid_ones(spec):
    message = (
        r'`threshold` must be a number, "max", "gaussian", \("percentile", q\) with '
        r'0 < q <= 100, or \("std", k\) with k >= 0; got '
    )
    with pytest.raises(ValueError, match=message):
        resolve_threshold(spec, ERRORS)


def test_spec_errors_name_the_callers_argument():
    with pytest.raises(ValueError, match=r"^`detector_threshold` must be"):
        check_threshold_spec("min", name="detector_threshold")


@pytest.mark.parametrize(
    ("errors", "message"),
    [
        (np.ones((3, 2)), r"`errors` must be 1-D, one error per window or step"),
        ([], r"`errors` must hold at least one error"),
        ([0.1, np.nan], r"`errors` must be finite; got 1 NaN or infinite"),
        ([0.1, np.inf, np.inf], r"got 2 NaN or infinite value\(s\)"),
    ],
)
def test_rules_reject_errors_that_are_not_a_finite_vector(errors, message):
    with pytest.raises(ValueError, match=message):
        resolve_threshold("max", errors)


def test_rule_functions_check_their_parameter():
    with pytest.raises(ValueError, match=r"`q` must be in \(0, 100\]; got 0.0"):
        percentile_threshold(ERRORS, 0)
    with pytest.raises(ValueError, match=r"`k` must be >= 0; got -0.5"):
        std_threshold(ERRORS, -0.5)
    with pytest.raises(TypeError, match=r"`q` must be a real number"):
        percentile_threshold(ERRORS, "99")


# ---------------------------------------------------------------------------
# GaussianErrorModel
# ---------------------------------------------------------------------------


def test_gaussian_scores_are_squared_mahalanobis_distances():
    vectors = error_vectors()
    mean = vectors.mean(axis=0)
    covariance = np.cov(vectors, rowvar=False, bias=True)  # maximum likelihood
    new = vectors[:5] * 1.7 + 0.1
    expected = np.array(
        [(e - mean) @ np.linalg.inv(covariance) @ (e - mean) for e in new]
    )

    model = GaussianErrorModel(ridge=0).fit(vectors)

    np.testing.assert_allclose(model.mean_, mean, rtol=1e-12)
    np.testing.assert_allclose(model.covariance_, covariance, rtol=1e-12)
    np.testing.assert_allclose(model.score(new), expected, rtol=1e-9)


def test_the_default_ridge_barely_changes_a_well_conditioned_model():
    vectors = error_vectors()

    np.testing.assert_allclose(
        GaussianErrorModel().fit(vectors).score(vectors),
        GaussianErrorModel(ridge=0).fit(vectors).score(vectors),
        rtol=1e-4,
    )


def test_in_sample_scores_average_to_the_number_of_features():
    # With maximum-likelihood estimates, the mean in-sample squared
    # Mahalanobis distance is exactly d (the trace of the identity).
    vectors = error_vectors()

    scores = GaussianErrorModel(ridge=0).fit(vectors).score(vectors)

    assert scores.mean() == pytest.approx(3.0, rel=1e-10)


def test_a_feature_that_never_varies_makes_any_deviation_in_it_anomalous():
    vectors = error_vectors()
    vectors[:, 1] = 0.25  # reconstructed identically on all normal data
    model = GaussianErrorModel().fit(vectors)
    deviating = model.mean_ + np.array([0.0, 0.01, 0.0])

    scores = model.score(np.stack([model.mean_, deviating]))

    # The ridge is 1e-6 of the mean variance; a pseudo-inverse would score 0.
    ridge = 1e-6 * np.mean(np.diag(model.covariance_))
    assert scores[0] == pytest.approx(0.0, abs=1e-9)
    assert scores[1] == pytest.approx(0.01**2 / ridge, rel=1e-6)
    assert scores[1] > 100 * model.score(vectors).max()


def test_a_singular_covariance_without_ridge_says_what_to_change():
    vectors = error_vectors()
    vectors[:, 2] = vectors[:, 0] + vectors[:, 1]  # linearly dependent

    with pytest.raises(ValueError, match=r"singular; use a `ridge` > 0"):
        GaussianErrorModel(ridge=0).fit(vectors)


def test_gaussian_threshold_is_the_largest_held_out_score():
    vectors = error_vectors()
    model = GaussianErrorModel().fit(vectors)
    scores = model.score(vectors)

    assert resolve_threshold("gaussian", scores) == scores.max()


def test_config_round_trips_through_json():
    model = GaussianErrorModel(ridge=1e-3).fit(error_vectors())
    new = error_vectors()[::3] + 0.05

    config = json.loads(json.dumps(model.get_config()))
    restored = GaussianErrorModel.from_config(config)

    assert restored.ridge == 1e-3
    np.testing.assert_array_equal(restored.score(new), model.score(new))


def test_an_unfitted_config_round_trips_unfitted():
    config = json.loads(json.dumps(GaussianErrorModel(ridge=0.5).get_config()))

    restored = GaussianErrorModel.from_config(config)

    assert config == {"ridge": 0.5, "mean": None, "covariance": None}
    with pytest.raises(NotFittedError, match=r"call `fit` first"):
        restored.score([[0.0]])


@pytest.mark.parametrize(
    ("vectors", "message"),
    [
        (np.zeros(5), r"`error_vectors` must be 2-D \(vectors, features\)"),
        (np.zeros((1, 3)), r"at least 2 vectors to estimate a covariance; got 1"),
        ([[0.1, np.nan], [0.2, 0.3]], r"`error_vectors` must be finite"),
    ],
)
def test_fit_rejects_invalid_error_vectors(vectors, message):
    with pytest.raises(ValueError, match=message):
        GaussianErrorModel().fit(vectors)


def test_score_rejects_a_different_number_of_features():
    model = GaussianErrorModel().fit(error_vectors())

    with pytest.raises(ValueError, match=r"must have 3 features, as in `fit`; got 2"):
        model.score(np.zeros((4, 2)))


def test_ridge_must_be_non_negative():
    with pytest.raises(ValueError, match=r"`ridge` must be >= 0; got -1.0"):
        GaussianErrorModel(ridge=-1)
