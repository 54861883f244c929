"""Specification of the anomaly metrics: definitions, VUS reference values, errors."""

import numpy as np
import pytest

import keras_lstm_ae as lae
from keras_lstm_ae.anomaly import metrics

# NumPy, pandas and file logic: the same on every Keras backend, so CI runs
# it on torch.
pytestmark = pytest.mark.backend_neutral

# ---------------------------------------------------------------------------
# Inputs. Deterministic formulas rather than random draws, so that the
# reference values below stay valid on any machine.
# ---------------------------------------------------------------------------


def small_case():
    """Two anomalous ranges; scores with ties, some across the classes."""
    labels = np.array([0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0])
    scores = np.array(
        [0.2, 0.9, 0.5, 0.5, 0.1, 0.7, 0.3, 0.3, 0.0, 0.6, 0.2, 0.8, 0.5, 0.9, 0.4, 0.1]
    )
    return labels, scores


def hand_case():
    labels = np.array([0] * 6 + [1] * 3 + [0] * 10 + [1] + [0] * 8 + [1, 1])
    scores = np.array(
        [0.1, 0.3, 0.2, 0.1, 0.6, 0.2, 0.7, 0.9, 0.4, 0.5]
        + [0.3, 0.1, 0.2, 0.1, 0.3, 0.2, 0.1, 0.8, 0.3, 0.6]
        + [0.2, 0.1, 0.3, 0.2, 0.1, 0.4, 0.1, 0.5, 0.9, 0.2]
    )
    return labels, scores


def ties_case():
    """Anomalies at both ends, and two ranges that merge once widened by 2."""
    labels = np.array([1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1])
    scores = np.array([2, 1, 1, 0, 2, 0, 2, 1, 0, 1, 2, 2, 0, 0, 1, 0, 1, 0, 0, 1.0])
    return labels, scores


def long_case():
    """3,000 steps: ranges of 1 to 120 steps, one cut off by the series' end."""
    steps = np.arange(3000)
    labels = np.zeros(3000, dtype=int)
    for start, length in [(200, 40), (900, 1), (1500, 120), (1650, 5), (2990, 10)]:
        labels[start : start + length] = 1
    noise = (steps * 7919 % 1009) / 1009
    bump = np.convolve(labels, np.ones(31) / 31, mode="same")
    return labels, noise + 1.5 * bump


# ---------------------------------------------------------------------------
# Point-wise metrics against their definitions
# ---------------------------------------------------------------------------


def test_roc_auc_is_the_fraction_of_anomaly_normal_pairs_ranked_right():
    labels, scores = small_case()
    anomalous, normal = scores[labels == 1], scores[labels == 0]
    differences = anomalous[:, None] - normal[None, :]
    expected = np.mean((differences > 0) + 0.5 * (differences == 0))

    assert metrics.roc_auc(labels, scores) == pytest.approx(expected, rel=1e-12)


def test_pr_auc_is_precision_weighted_by_recall_gained_at_each_threshold():
    labels, scores = small_case()
    expected, previous_recall = 0.0, 0.0
    for threshold in np.unique(scores)[::-1]:
        predicted = scores >= threshold
        recall = np.sum(predicted & (labels == 1)) / np.sum(labels)
        precision = np.sum(predicted & (labels == 1)) / np.sum(predicted)
        expected += (recall - previous_recall) * precision
        previous_recall = recall

    assert metrics.pr_auc(labels, scores) == pytest.approx(expected, rel=1e-12)


def test_best_f1_matches_a_search_over_every_threshold():
    labels, scores = small_case()
    best = None
    for threshold in np.unique(scores):  # increasing: ties keep the lowest
        predicted = scores >= threshold
        true_positives = np.sum(predicted & (labels == 1))
        precision = true_positives / np.sum(predicted)
        recall = true_positives / np.sum(labels)
        f1 = 2 * precision * recall / (precision + recall) if true_positives else 0.0
        if best is None or f1 > best[0]:
            best = (f1, precision, recall, threshold)

    result = metrics.best_f1(labels, scores)

    assert tuple(result) == pytest.approx(best, rel=1e-12)
    assert result.threshold == 0.5  # fixed by hand: F1 = 2 * 5/8 * 5/6 / (5/8 + 5/6)


def test_best_f1_counts_steps_without_point_adjustment():
    # One detection in a 4-step range: point adjustment would call it 4 of 4
    # (F1 = 1). Lower thresholds add more false alarms than detections.
    labels = np.array([0] * 10 + [1] * 4 + [0] * 10)
    scores = np.array([0.5] * 10 + [0.0, 1.0, 0.0, 0.0] + [0.5] * 10)

    result = metrics.best_f1(labels, scores)

    assert result.f1 == pytest.approx(0.4)  # precision 1, recall 1/4
    assert (result.precision, result.recall, result.threshold) == (1.0, 0.25, 1.0)


def test_metrics_are_reachable_from_the_package():
    labels, scores = small_case()

    assert lae.metrics.roc_auc(labels, scores) == metrics.roc_auc(labels, scores)
    assert "metrics" in lae.__all__


# ---------------------------------------------------------------------------
# VUS against the authors' code
# ---------------------------------------------------------------------------

# Reference values from TSB-AD's own implementation: `generate_curve(labels,
# scores, window, "opt", n_thresholds)` (which calls
# `basic_metricor().RangeAUC_volume_opt`) in TSB_AD/evaluation/basic_metrics.py
# of github.com/TheDatumOrg/TSB-AD at commit 87630099ea8d, run outside this
# repository on the cases above. It returns (VUS-ROC, VUS-PR).
VUS_REFERENCE = [
    (hand_case, 6, 250, 0.9337482392370263, 0.8025282488946643),
    (hand_case, 0, 250, 0.8530092592592593, 0.6565656565656566),
    (hand_case, 6, 5, 0.9218346200833951, 0.7577504967108765),
    (ties_case, 8, 250, 0.9260359767470967, 0.8275252107997896),
    (long_case, 100, 250, 0.9949202785507477, 0.9691760441608391),
    (long_case, 37, 250, 0.9872830227046274, 0.9370609121349666),
]


@pytest.mark.parametrize(
    ("case", "window", "n_thresholds", "expected_roc", "expected_pr"),
    VUS_REFERENCE,
    ids=[f"{c.__name__}-w{w}-t{t}" for c, w, t, _, _ in VUS_REFERENCE],
)
def test_vus_reproduces_tsb_ad(case, window, n_thresholds, expected_roc, expected_pr):
    labels, scores = case()

    roc = metrics.vus_roc(labels, scores, window=window, n_thresholds=n_thresholds)
    pr = metrics.vus_pr(labels, scores, window=window, n_thresholds=n_thresholds)

    assert roc == pytest.approx(expected_roc, abs=1e-12)
    assert pr == pytest.approx(expected_pr, abs=1e-12)


def test_vus_gives_a_late_detection_partial_credit():
    # Values from TSB-AD's `generate_curve`, as above; point-wise AP is 0.4.
    labels = np.array([0] * 20 + [1] * 5 + [0] * 25)
    late = np.array([0.0] * 22 + [1.0] * 5 + [0.0] * 23)

    assert metrics.vus_pr(labels, late, window=4) == pytest.approx(
        0.5375082655619561, abs=1e-12
    )
    assert metrics.vus_pr(labels, late, window=10) == pytest.approx(
        0.688799211078979, abs=1e-12
    )
    assert metrics.pr_auc(labels, late) == pytest.approx(0.4)


def test_vus_default_window_is_100():
    labels, scores = long_case()

    assert metrics.vus_pr(labels, scores) == pytest.approx(
        0.9691760441608391, abs=1e-12
    )


def test_vus_depends_only_on_the_order_of_the_scores():
    labels, scores = hand_case()

    assert metrics.vus_pr(labels, np.exp(3 * scores) - 7, window=6) == pytest.approx(
        metrics.vus_pr(labels, scores, window=6), abs=1e-12
    )


# Periods from TSB-AD's `find_length_rank(series.reshape(-1, 1), rank=1)`
# (TSB_AD/utils/slidingWindows.py, same commit, with statsmodels 0.15.0).
def test_estimate_vus_window_reproduces_tsb_ad_periods():
    steps = np.arange(3000)
    noise = (steps * 7919 % 1009) / 1009
    two_periods = (
        np.sin(2 * np.pi * steps / 24)
        + 0.5 * np.sin(2 * np.pi * steps / 7)
        + 0.3 * noise
    )

    assert metrics.estimate_vus_window(np.sin(2 * np.pi * steps[:1000] / 50)) == 50
    assert metrics.estimate_vus_window(two_periods) == 49
    assert metrics.estimate_vus_window(noise) == 33
    assert metrics.estimate_vus_window((np.arange(30000) % 37) / 37) == 37


def test_estimate_vus_window_falls_back_to_125_without_a_period_in_range():
    steps = np.arange(3000)

    assert metrics.estimate_vus_window(np.sin(2 * np.pi * steps / 350)) == 125
    assert metrics.estimate_vus_window(steps * 1.0) == 125
    assert metrics.estimate_vus_window(np.ones((100, 1))) == 125


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------

ALL_METRICS = [
    metrics.roc_auc,
    metrics.pr_auc,
    metrics.best_f1,
    metrics.vus_pr,
    metrics.vus_roc,
]


@pytest.mark.parametrize("metric", ALL_METRICS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    ("labels", "scores", "message"),
    [
        ([0, 1, 0], [0.1, 0.2], r"same length; got 3 and 2"),
        ([[0, 1], [1, 0]], [0.1, 0.2], r"`labels` must be 1-D"),
        ([0, 1], [[0.1], [0.2]], r"`scores` must be 1-D"),
        ([0, 2, 1], [0.1, 0.2, 0.3], r"`labels` must be 0 \(normal\) or 1"),
        ([0, 0, 0], [0.1, 0.2, 0.3], r"`labels` must contain at least one anomalous"),
        ([1, 1], [0.1, 0.2], r"got 2 anomalous of 2"),
        ([0, 1, 0], [0.1, np.nan, 0.3], r"`scores` must be finite; got 1 NaN"),
        ([0, 1, 0], [0.1, np.inf, 0.3], r"`scores` must be finite"),
    ],
)
def test_metrics_reject_invalid_labels_and_scores(metric, labels, scores, message):
    with pytest.raises(ValueError, match=message):
        metric(labels, scores)


def test_metrics_reject_text_scores():
    with pytest.raises(TypeError, match=r"`scores` must hold real numbers"):
        metrics.roc_auc([0, 1], ["a", "b"])


@pytest.mark.parametrize(
    ("keyword", "value", "error", "message"),
    [
        ("window", -1, ValueError, r"`window` must be a non-negative integer; got -1"),
        ("window", 2.5, TypeError, r"`window` must be a non-negative integer"),
        ("window", True, TypeError, r"`window` must be a non-negative integer"),
        ("n_thresholds", 0, ValueError, r"`n_thresholds` must be a positive integer"),
    ],
)
def test_vus_rejects_invalid_window_and_thresholds(keyword, value, error, message):
    labels, scores = hand_case()

    with pytest.raises(error, match=message):
        metrics.vus_pr(labels, scores, **{keyword: value})


def test_estimate_vus_window_rejects_several_channels():
    with pytest.raises(ValueError, match=r"`series` must be one channel"):
        metrics.estimate_vus_window(np.zeros((10, 2)))
