"""The Volume Under the Surface (VUS), vectorised.

This reproduces `basic_metricor.RangeAUC_volume_opt` of TSB-AD (Paparrizos et
al., VLDB 2022; github.com/TheDatumOrg/TSB-AD, `TSB_AD/evaluation/
basic_metrics.py`; the same function is in github.com/TheDatumOrg/VUS).
For every buffer length `w` in 0..window, each anomalous range is widened by
`w // 2` steps on each side; a step `d` steps outside a range is worth
`sqrt(1 - d / w)` of a positive. A range-based ROC curve and a range-based
precision-recall curve are then traced over `n_thresholds` thresholds (scores
at evenly spaced ranks), and their areas are averaged over the buffer lengths.

Where the reference loops over buffer lengths, thresholds and ranges, this
computes each threshold's sums with one cumulative sum over the steps, so a
10,000-step series with `window=100` takes milliseconds.
"""

import numpy as np


def anomaly_ranges(labels):
    """Returns the first and last index of each run of 1s in `labels` (0/1 ints)."""
    edges = np.diff(np.concatenate([[0], labels, [0]]))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1


def _merged_ranges(starts, ends, half, length):
    """The ranges widened by `half` steps each side, overlapping ones merged.

    Ranges merge unless `end + half < next_start - half`, as in the reference's
    `new_sequence`.
    """
    apart = ends[:-1] + half < starts[1:] - half
    first = np.concatenate([[0], np.flatnonzero(apart) + 1])
    last = np.concatenate([np.flatnonzero(apart), [len(starts) - 1]])
    merged_starts = np.maximum(starts[first] - half, 0)
    merged_ends = np.minimum(ends[last] + half, length - 1)
    return merged_starts, merged_ends


def _range_maxima(scores, starts, ends):
    """The largest score in each of the disjoint, sorted ranges [start, end]."""
    bounds = np.stack([starts, ends + 1], axis=1).ravel()
    if bounds[-1] == len(scores):
        bounds = bounds[:-1]
    return np.maximum.reduceat(scores, bounds)[::2]


def _buffer_weights(labels, starts, ends, window):
    """How much each normal step counts as a positive for buffer length `window`.

    Steps within `window // 2` of a range get `sqrt(1 - d / window)` for each
    range they are `d` steps from, capped at 1 (the reference's `sequencing`);
    anomalous steps get 0 here, as they are counted in full elsewhere.
    """
    length = len(labels)
    half = min(window // 2, length)
    if half == 0:
        return np.zeros(length)
    offsets = np.arange(1, half + 1)
    values = np.tile(np.sqrt(1.0 - offsets / window), 2 * len(starts))
    indices = np.concatenate(
        [(starts[:, None] - offsets).ravel(), (ends[:, None] + offsets).ravel()]
    )
    inside = (indices >= 0) & (indices < length)
    weights = np.bincount(indices[inside], weights=values[inside], minlength=length)
    weights = np.minimum(weights, 1.0)
    weights[labels == 1] = 0.0
    return weights


def _counts_at_thresholds(first_threshold, weights, n_thresholds):
    """Sums `weights` over the steps at or above each threshold.

    `first_threshold[i]` is the index of the first (highest) threshold that
    step `i`'s score reaches; thresholds are in decreasing order, so a step
    counts for that threshold and every later one.
    """
    per_threshold = np.bincount(
        first_threshold, weights=weights, minlength=n_thresholds + 1
    )
    return np.cumsum(per_threshold)[:n_thresholds]


def volume_under_surface(labels, scores, window, n_thresholds):
    """Returns `(vus_roc, vus_pr)` for checked 0/1 `labels` and finite `scores`.

    Args:
        labels: int array of 0/1, with at least one of each.
        scores: float array of the same length; higher is more abnormal.
        window: int >= 0, the largest buffer length.
        n_thresholds: int >= 1, the number of thresholds on each curve.
    """
    length = len(labels)
    positives = float(labels.sum())
    starts, ends = anomaly_ranges(labels)

    # The reference's thresholds: the scores at evenly spaced ranks, from the
    # highest down to the lowest, with `score >= threshold` predicted abnormal.
    scores_descending = np.sort(scores)[::-1]
    ranks = np.linspace(0, length - 1, n_thresholds).astype(int)
    thresholds = scores_descending[ranks]
    # Searching the negated (increasing) thresholds gives, for each score, the
    # first threshold it reaches.
    first_threshold = np.searchsorted(-thresholds, -scores, side="left")
    predicted = _counts_at_thresholds(first_threshold, np.ones(length), n_thresholds)
    anomalies_found = _counts_at_thresholds(
        first_threshold, labels.astype(float), n_thresholds
    )

    windows = np.arange(window + 1)
    buffer_found = np.empty((len(windows), n_thresholds))
    ranges_found = np.empty((len(windows), n_thresholds))
    ranges_total = np.empty(len(windows))
    existence_by_half = {}
    for w in windows:
        weights = _buffer_weights(labels, starts, ends, w)
        buffer_found[w] = _counts_at_thresholds(first_threshold, weights, n_thresholds)
        half = w // 2
        if half not in existence_by_half:
            merged_starts, merged_ends = _merged_ranges(starts, ends, half, length)
            maxima = _range_maxima(scores, merged_starts, merged_ends)
            first = np.searchsorted(-thresholds, -maxima, side="left")
            existence_by_half[half] = (
                _counts_at_thresholds(first, np.ones(len(maxima)), n_thresholds),
                len(maxima),
            )
        ranges_found[w], ranges_total[w] = existence_by_half[half]

    # Rows are buffer lengths, columns thresholds (as in the reference).
    true_positives = anomalies_found + buffer_found
    # The reference averages the plain and the buffered positive counts, "so
    # TPR is neither large nor small".
    positives_new = positives + buffer_found / 2.0
    recall = np.minimum(true_positives / positives_new, 1.0)
    true_positive_rate = recall * ranges_found / ranges_total[:, None]
    false_positive_rate = (predicted - true_positives) / (length - positives_new)
    precision = true_positives / predicted

    zeros = np.zeros((len(windows), 1))
    ones = np.ones((len(windows), 1))
    tpr_curve = np.hstack([zeros, true_positive_rate, ones])
    fpr_curve = np.hstack([zeros, false_positive_rate, ones])
    roc_areas = np.sum(
        np.diff(fpr_curve, axis=1) * (tpr_curve[:, 1:] + tpr_curve[:, :-1]) / 2.0,
        axis=1,
    )
    pr_areas = np.sum(np.diff(tpr_curve[:, :-1], axis=1) * precision, axis=1)
    return float(np.mean(roc_areas)), float(np.mean(pr_areas))
