"""scikit-learn's own estimator checks, run on both estimators.

`parametrize_with_checks` runs what `check_estimator` runs, one test per
check, on tiny models (one epoch: seconds). A check whose expectation is
wrong for sequences is listed in `WRONG_FOR_SEQUENCES` with the reason, and
scikit-learn marks it as an expected failure; nothing else is skipped.
`test_a_listed_check_fails_for_its_reason` keeps the list honest: each
listed check must still fail, and for that reason.
"""

import functools
from typing import NamedTuple

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import (
    estimator_checks_generator,
    parametrize_with_checks,
)

import keras_lstm_ae as lae

# scikit-learn's API checks exercise the estimators' own logic, the same on
# every Keras backend: CI runs them on torch.
pytestmark = pytest.mark.backend_neutral

ENCODER = lae.SequenceEncoder(latent_dim=2, epochs=1, seed=0)
DETECTOR = lae.AnomalyDetector(window=4, epochs=1, seed=0)


class Expected(NamedTuple):
    """Why a check cannot pass, and words of its failure that show it failed
    for that reason."""

    reason: str
    failure: str


WRONG_FOR_SEQUENCES = {
    "SequenceEncoder": {
        "check_n_features_in_after_fitting": Expected(
            reason=(
                "A 2-D X is a table of one sequence per row, one step per "
                "column: a table with fewer columns holds shorter sequences, "
                "which `transform` encodes, as it does sequences of any length "
                "(longer than any seen in `fit` included)."
            ),
            failure="does not check for consistency",
        ),
        "check_transformer_general": Expected(
            reason=(
                "As for check_n_features_in_after_fitting: fewer columns are "
                "shorter sequences, encoded, not refused."
            ),
            failure="number of features in transform is different",
        ),
    },
    "AnomalyDetector": {
        "check_fit1d": Expected(
            reason=(
                "A 1-D array is one series of one feature, (steps,): the "
                "detector's commonest input (a pandas Series too), fitted, not "
                "refused."
            ),
            failure="Did not raise",
        ),
        "check_methods_sample_order_invariance": Expected(
            reason=(
                "The rows are the steps of one series, in time order: each "
                "step's score depends on its neighbours, so shuffling the "
                "steps changes the scores."
            ),
            failure="not invariant",
        ),
        "check_methods_subset_invariance": Expected(
            reason=(
                "A step is scored from the windows around it; one step alone "
                "is shorter than a window, and is refused."
            ),
            failure="fewer than the window",
        ),
    },
}


def expected_failed_checks(estimator):
    checks = WRONG_FOR_SEQUENCES[type(estimator).__name__]
    return {name: expected.reason for name, expected in checks.items()}


def check_name(check):
    while isinstance(check, functools.partial):
        check = check.func
    return check.__name__


@parametrize_with_checks(
    [ENCODER, DETECTOR], expected_failed_checks=expected_failed_checks
)
def test_scikit_learn_check(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    ("estimator", "name"),
    [
        (estimator, name)
        for estimator in (ENCODER, DETECTOR)
        for name in WRONG_FOR_SEQUENCES[type(estimator).__name__]
    ],
    ids=lambda value: value if isinstance(value, str) else type(value).__name__,
)
def test_a_listed_check_fails_for_its_reason(estimator, name):
    words = WRONG_FOR_SEQUENCES[type(estimator).__name__][name].failure
    checks = [
        check
        for _, check in estimator_checks_generator(estimator, mark=None)
        if check_name(check) == name
    ]

    assert checks, f"scikit-learn no longer runs {name}"
    for check in checks:
        with pytest.raises((AssertionError, ValueError), match=words):
            check(estimator)


def test_the_encoders_tags_say_nan_float32_and_no_sparse():
    tags = get_tags(ENCODER)

    assert tags.input_tags.allow_nan
    assert not tags.input_tags.sparse
    assert tags.input_tags.two_d_array
    assert tags.input_tags.three_d_array
    assert tags.transformer_tags.preserves_dtype == ["float32"]
    assert tags.requires_fit


def test_the_detectors_tags_say_nan_and_no_sparse():
    tags = get_tags(DETECTOR)

    assert tags.input_tags.allow_nan
    assert not tags.input_tags.sparse
    assert tags.input_tags.two_d_array
    assert tags.requires_fit
    # Not scikit-learn's "outlier_detector": `predict` flags 1 (PyOD's
    # convention), not -1.
    assert tags.estimator_type is None


@pytest.mark.parametrize(
    ("estimator", "method"),
    [(ENCODER, "transform"), (DETECTOR, "predict"), (DETECTOR, "decision_function")],
)
def test_use_before_fit_raises_scikit_learns_not_fitted_error(estimator, method):
    with pytest.raises(NotFittedError, match="Call `fit`"):
        getattr(estimator, method)(np.zeros((20, 3)))
