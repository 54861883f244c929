"""Accuracy of anomaly scores against 0/1 labels, one per time step.

Every function takes `labels` (1 = anomalous step, 0 = normal) and `scores`
(one float per step, higher = more abnormal) of the same length, and needs at
least one anomalous and one normal step.

- `roc_auc`, `pr_auc`: point-wise areas under the ROC and precision-recall
  curves (scikit-learn's `roc_auc_score` and `average_precision_score`).
- `best_f1`: the best point-wise F1 over all thresholds, without point
  adjustment, which inflates scores so much that random scores can look good
  (Kim et al., "Towards a Rigorous Evaluation of Time-Series Anomaly
  Detection", AAAI 2022).
- `vus_pr`, `vus_roc`: the Volume Under the Surface of Paparrizos et al.
  ("Volume Under the Surface: A New Accuracy Evaluation Measure for
  Time-Series Anomaly Detection", VLDB 2022). It gives partial credit to
  detections just before or after an anomalous range, and averages over
  buffer lengths 0..`window` so that no single length has to be chosen.
  TSB-AD recommends VUS-PR as the most reliable measure.

`roc_auc`, `pr_auc` and `best_f1` need scikit-learn (`pip install
scikit-learn`); the VUS functions need NumPy only.

Example:

>>> import keras_lstm_ae as lae
>>> labels = [0, 0, 0, 1, 1, 0, 0, 0]
>>> scores = [0.1, 0.2, 0.1, 0.9, 0.8, 0.3, 0.1, 0.2]
>>> lae.metrics.roc_auc(labels, scores)
1.0
"""

from typing import NamedTuple

import numpy as np

from keras_lstm_ae._utils.validation import (
    as_float64_array,
    check_finite,
    check_non_negative_int,
    check_positive_int,
)
from keras_lstm_ae.anomaly import _vus
from keras_lstm_ae.anomaly.period import dominant_period

DEFAULT_VUS_WINDOW = 100
"""The default largest buffer length of `vus_pr` and `vus_roc`: TSB-AD's
`get_metrics(..., slidingWindow=100)` default."""

DEFAULT_VUS_THRESHOLDS = 250
"""The default number of thresholds on each VUS curve, as in TSB-AD."""


class BestF1(NamedTuple):
    """The result of `best_f1`.

    Attributes:
        f1: The best point-wise F1 score.
        precision: The precision at that threshold.
        recall: The recall at that threshold.
        threshold: The threshold: steps with `score >= threshold` are predicted
            anomalous.
    """

    f1: float
    precision: float
    recall: float
    threshold: float


def _sklearn_metrics(function_name):
    try:
        from sklearn import metrics as sklearn_metrics
    except ImportError as error:
        raise ImportError(
            f"`{function_name}` needs scikit-learn; install it with "
            "`pip install scikit-learn`."
        ) from error
    return sklearn_metrics


def _check_labels_and_scores(labels, scores):
    """Returns `(labels, scores)` as int and float64 arrays, or raises.

    Raises:
        TypeError: If either holds something other than numbers.
        ValueError: If either is not 1-D, their lengths differ, `labels` is not
            0/1 or lacks one of the two classes, or `scores` is not finite.
    """
    labels = as_float64_array(labels, "labels")
    scores = as_float64_array(scores, "scores")
    for array, name in ((labels, "labels"), (scores, "scores")):
        if array.ndim != 1:
            raise ValueError(
                f"`{name}` must be 1-D, one value per time step; got shape "
                f"{array.shape}."
            )
    if len(labels) != len(scores):
        raise ValueError(
            "`labels` and `scores` must have the same length; got "
            f"{len(labels)} and {len(scores)}."
        )
    not_binary = (labels != 0) & (labels != 1)
    if not_binary.any():
        raise ValueError(
            "`labels` must be 0 (normal) or 1 (anomalous); got "
            f"{labels[not_binary][:5].tolist()} among others."
        )
    anomalous = int(labels.sum())
    if anomalous == 0 or anomalous == len(labels):
        raise ValueError(
            "`labels` must contain at least one anomalous step (1) and one "
            f"normal step (0); got {anomalous} anomalous of {len(labels)}."
        )
    check_finite(scores, "scores")
    return labels.astype(np.int64), scores


def roc_auc(labels, scores):
    """The point-wise area under the ROC curve.

    Args:
        labels: 0/1 per time step, 1-D (1 = anomalous).
        scores: One float per time step, higher = more abnormal.

    Returns:
        A float in [0, 1]: the chance that a random anomalous step scores
        higher than a random normal one (ties count half); 0.5 is chance.

    Raises:
        ValueError: See the module docstring for what the inputs must be.

    Example:

    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    labels, scores = _check_labels_and_scores(labels, scores)
    return float(_sklearn_metrics("roc_auc").roc_auc_score(labels, scores))


def pr_auc(labels, scores):
    """The point-wise area under the precision-recall curve (average precision).

    Args:
        labels: 0/1 per time step, 1-D (1 = anomalous).
        scores: One float per time step, higher = more abnormal.

    Returns:
        A float in [0, 1]: scikit-learn's `average_precision_score`, the mean
        of the precisions at each threshold weighted by the gain in recall.
        Chance level is the fraction of anomalous steps.

    Example:

    >>> pr_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.8333333333333333
    """
    labels, scores = _check_labels_and_scores(labels, scores)
    return float(_sklearn_metrics("pr_auc").average_precision_score(labels, scores))


def best_f1(labels, scores):
    """The best point-wise F1 over all thresholds, without point adjustment.

    Each step counts on its own: a detection inside an anomalous range does
    not mark the whole range as found. The threshold is chosen with the
    labels, so this is an upper bound on what a threshold fixed in advance
    reaches.

    Args:
        labels: 0/1 per time step, 1-D (1 = anomalous).
        scores: One float per time step, higher = more abnormal.

    Returns:
        A `BestF1(f1, precision, recall, threshold)`, where steps with
        `score >= threshold` are predicted anomalous. Of thresholds with equal
        F1, the lowest is returned.

    Example:

    >>> result = best_f1([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> round(result.f1, 3), result.threshold
    (0.8, 0.35)
    """
    labels, scores = _check_labels_and_scores(labels, scores)
    sklearn_metrics = _sklearn_metrics("best_f1")
    precision, recall, thresholds = sklearn_metrics.precision_recall_curve(
        labels, scores
    )
    # The curve's last point (precision 1, recall 0) has no threshold.
    precision, recall = precision[:-1], recall[:-1]
    total = precision + recall
    f1 = np.divide(
        2 * precision * recall, total, out=np.zeros_like(total), where=total > 0
    )
    best = int(np.argmax(f1))
    return BestF1(
        f1=float(f1[best]),
        precision=float(precision[best]),
        recall=float(recall[best]),
        threshold=float(thresholds[best]),
    )


def _volume_under_surface(labels, scores, window, n_thresholds):
    labels, scores = _check_labels_and_scores(labels, scores)
    window = check_non_negative_int(window, "window")
    n_thresholds = check_positive_int(n_thresholds, "n_thresholds")
    return _vus.volume_under_surface(labels, scores, window, n_thresholds)


def vus_pr(
    labels, scores, window=DEFAULT_VUS_WINDOW, n_thresholds=DEFAULT_VUS_THRESHOLDS
):
    """The Volume Under the range-based precision-recall Surface (VUS-PR).

    For each buffer length `w` in 0, 1, ..., `window`, every anomalous range
    is widened by `w // 2` steps on each side, where a step `d` steps outside
    the range counts as `sqrt(1 - d / w)` of an anomaly. A range-based
    precision-recall curve is traced (its recall is also scaled by the
    fraction of ranges detected at all) and its area taken; VUS-PR is the
    mean of these areas over the buffer lengths. This is TSB-AD's
    `get_metrics(...)["VUS-PR"]`, whose values it reproduces.

    Args:
        labels: 0/1 per time step, 1-D (1 = anomalous).
        scores: One float per time step, higher = more abnormal. Only their
            order matters.
        window: The largest buffer length `L`, in steps (an int >= 0).
            Defaults to 100, TSB-AD's default. TSB-AD's benchmark instead uses
            the series' period, which `estimate_vus_window(series)` computes;
            use the same window for every detector you compare.
        n_thresholds: The number of thresholds on each curve: the scores at
            evenly spaced ranks. Defaults to 250, as in TSB-AD.

    Returns:
        A float in [0, 1]; higher is better.

    Raises:
        TypeError: If `window` or `n_thresholds` is not an integer.
        ValueError: If `window` is negative, `n_thresholds` is not positive,
            or the labels or scores are invalid (see the module docstring).

    Example:

    A detection two steps late gets partial credit, where point-wise
    average precision sees half the detections as false alarms:

    >>> labels = [0] * 20 + [1] * 5 + [0] * 25
    >>> scores = [0.0] * 22 + [1.0] * 5 + [0.0] * 23
    >>> round(pr_auc(labels, scores), 4), round(vus_pr(labels, scores, window=10), 4)
    (0.4, 0.6888)
    """
    return _volume_under_surface(labels, scores, window, n_thresholds)[1]


def vus_roc(
    labels, scores, window=DEFAULT_VUS_WINDOW, n_thresholds=DEFAULT_VUS_THRESHOLDS
):
    """The Volume Under the range-based ROC Surface (VUS-ROC).

    The ROC counterpart of `vus_pr`: for each buffer length `w` in 0..`window`
    the area under a range-based ROC curve (true positives include the
    buffers' partial credit, false positives exclude it), averaged over the
    buffer lengths. This is TSB-AD's `get_metrics(...)["VUS-ROC"]`.

    Args:
        labels: 0/1 per time step, 1-D (1 = anomalous).
        scores: One float per time step, higher = more abnormal.
        window: The largest buffer length `L`, in steps (an int >= 0).
            Defaults to 100, TSB-AD's default; see `vus_pr`.
        n_thresholds: The number of thresholds on each curve. Defaults to 250.

    Returns:
        A float in [0, 1]; higher is better.

    Example:

    >>> labels = [0] * 20 + [1] * 5 + [0] * 25
    >>> scores = [0.0] * 22 + [1.0] * 5 + [0.0] * 23
    >>> round(roc_auc(labels, scores), 4), round(vus_roc(labels, scores, window=10), 4)
    (0.7778, 0.8711)
    """
    return _volume_under_surface(labels, scores, window, n_thresholds)[0]


def estimate_vus_window(series):
    """The VUS window TSB-AD's benchmark uses: the series' dominant period.

    This is TSB-AD's `find_length_rank(series, rank=1)`: the lag (6 to 303
    steps) of the highest local maximum of the autocorrelation of the first
    20,000 steps, or 125 when there is none. TSB-AD applies it to the first
    channel of a multivariate series.

    Args:
        series: The time series the scores were computed on, one channel:
            shape `(steps,)` or `(steps, 1)`.

    Returns:
        An int, to pass as `window` to `vus_pr` and `vus_roc`.

    Raises:
        ValueError: If `series` has more than one channel, is empty, or is
            not finite.

    Example:

    >>> import numpy as np
    >>> estimate_vus_window(np.sin(2 * np.pi * np.arange(1000) / 50))
    50
    """
    series = as_float64_array(series, "series")
    if series.ndim == 2 and series.shape[1] == 1:
        series = series[:, 0]
    if series.ndim != 1:
        raise ValueError(
            "`series` must be one channel, shape (steps,) or (steps, 1); got "
            f"shape {series.shape}. TSB-AD uses the first channel, series[:, 0]."
        )
    if len(series) == 0:
        raise ValueError("`series` must have at least one step; got 0.")
    check_finite(series, "series")
    return dominant_period(series)
