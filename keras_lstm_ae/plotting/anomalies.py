"""Anomaly scores: a series with its scores, flagged steps and threshold."""

import numpy as np

from keras_lstm_ae.anomaly.gaps import runs
from keras_lstm_ae.plotting._common import _get_ax, _pyplot


def plot_anomaly_scores(
    scores, threshold=None, labels=None, ax=None, time=None, *, xlabel=None
):
    """Plots anomaly scores (higher means more abnormal) with a threshold.

    Args:
        scores: 1-D array of scores, one per time step or one per sequence.
            NaN scores (e.g. padding) leave gaps in the line.
        threshold: Scores strictly above it are highlighted; it is drawn as a
            dashed horizontal line labelled "threshold". Defaults to none.
        labels: Optional boolean array of true anomalies, same length as
            `scores`; they are shaded and labelled "labelled anomaly".
        ax: The matplotlib Axes to draw into. Defaults to a new figure.
        time: Optional x values (numbers or datetimes), same length as
            `scores`. Defaults to `0, 1, ..., len(scores) - 1`.
        xlabel: Label of the x axis. Defaults to "time" when `time` is given,
            else "index".

    Returns:
        The matplotlib Axes.

    Example:

    >>> ax = plot_anomaly_scores([0.1, 0.2, 3.0, 0.1], threshold=1.0)
    >>> ax.collections[0].get_offsets().shape[0]
    1
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 1:
        raise ValueError(f"scores must be 1-D, got shape {scores.shape}.")
    n = scores.size
    x = np.arange(n) if time is None else np.asarray(time)
    if x.shape != (n,):
        raise ValueError(f"time has shape {x.shape}, expected ({n},).")

    ax = _get_ax(ax)
    ax.plot(x, scores, color="C0", label="anomaly score")
    if threshold is not None:
        ax.axhline(threshold, color="C3", linestyle="--", label="threshold")
        above = scores > threshold
        ax.scatter(
            x[above],
            scores[above],
            color="C3",
            zorder=3,
            label=f"above threshold ({int(above.sum())})",
        )
    if labels is not None:
        labels = np.asarray(labels, dtype=bool)
        if labels.shape != (n,):
            raise ValueError(
                f"`labels` must have shape ({n},), one per score; got {labels.shape}."
            )
        _shade_labelled(ax, x, labels)

    if np.issubdtype(x.dtype, np.datetime64):
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

        locator = AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.set_xlabel(xlabel or ("index" if time is None else "time"))
    ax.set_ylabel("anomaly score (higher = more abnormal)")
    ax.legend()
    return ax


def _shade_labelled(ax, x, labels):
    """Shades each run of labelled anomalies, half a step beyond its ends."""
    n = x.size
    if n == 1:
        half = [0.5]
    else:
        gaps = x[1:] - x[:-1]
        # The half step left of each point; the first reuses the first gap.
        half = [gaps[0] / 2] + [gap / 2 for gap in gaps]
        half.append(gaps[-1] / 2)
    label = "labelled anomaly"
    for start, stop in runs(labels):
        ax.axvspan(
            x[start] - half[start],
            x[stop - 1] + half[stop],
            color="C1",
            alpha=0.25,
            linewidth=0,
            label=label,
        )
        label = "_nolegend_"


def plot_detection(
    series,
    scores,
    threshold=None,
    labels=None,
    feature_names=None,
    axes=None,
    feature_scores=None,
):
    """Plots a series above its anomaly scores, with the flagged steps shaded.

    One panel per feature shows its values; the steps whose score is above
    `threshold` are shaded red in every panel ("flagged"), and true anomalies,
    when given, orange. The last panel shows the scores and the threshold
    (`plot_anomaly_scores`). With `feature_scores`
    (`AnomalyDetector.decision_function(series, per_feature=True)`), each feature's panel
    also shows its own score, on one scale for all, so that you can see
    which channel is abnormal.

    Args:
        series: The scored series, `(steps,)` or `(steps, features)`.
        scores: `(steps,)` scores (`AnomalyDetector.decision_function(series)`).
        threshold: The detector's `threshold_`, or `None`.
        labels: Optional 0/1 true anomalies per step.
        feature_names: Optional names of the features, for the panels.
        axes: A sequence of `features + 1` Axes to draw into. Defaults to a
            new figure.
        feature_scores: Optional `(steps, features)` scores of each feature.

    Returns:
        The list of Axes: one per feature, then the scores.

    Example:

    >>> axes = plot_detection([0.0, 0.1, 5.0, 0.0], [0.1, 0.2, 9.0, 0.1], threshold=1)
    >>> len(axes), axes[-1].get_ylabel()
    (2, 'anomaly score')
    """
    values = np.asarray(series, dtype=float)
    values = values[:, None] if values.ndim == 1 else values
    total = np.asarray(scores, dtype=float)
    if values.ndim != 2:
        raise ValueError(
            f"`series` must be (steps,) or (steps, features); got {values.shape}."
        )
    steps, features = values.shape
    if total.shape == (steps, features) and features > 1:
        raise ValueError(
            f"`scores` must have shape ({steps},), one score per step; pass "
            "each feature's scores as `feature_scores=`."
        )
    if total.shape != (steps,):
        raise ValueError(
            f"`scores` must have shape ({steps},), one per step; got {total.shape}."
        )
    if feature_scores is not None:
        feature_scores = np.asarray(feature_scores, dtype=float)
        if feature_scores.shape != (steps, features):
            raise ValueError(
                f"`feature_scores` must have shape ({steps}, {features}); got "
                f"{feature_scores.shape}."
            )
    names = list(feature_names) if feature_names is not None else None
    if names is not None and len(names) != features:
        raise ValueError(
            f"`feature_names` must hold {features} names; got {len(names)}."
        )
    if labels is not None:
        labels = np.asarray(labels, dtype=bool)
        if labels.shape != (steps,):
            raise ValueError(
                f"`labels` must have shape ({steps},), one per step; got "
                f"{labels.shape}."
            )
    if axes is None:
        plt = _pyplot()
        _, axes = plt.subplots(
            features + 1,
            1,
            sharex=True,
            figsize=(10, 1.8 * features + 2.5),
            squeeze=False,
        )
        axes = list(axes[:, 0])
    axes = list(axes)
    if len(axes) != features + 1:
        raise ValueError(f"`axes` must hold {features + 1} Axes; got {len(axes)}.")
    flagged = total > threshold if threshold is not None else np.zeros(steps, bool)
    time = np.arange(steps)
    twins = []
    for feature, ax in enumerate(axes[:-1]):
        handles = ax.plot(
            time, values[:, feature], color="C0", linewidth=1, label="series"
        )
        ax.set_ylabel(names[feature] if names else f"feature {feature}")
        if feature_scores is not None and features > 1:
            twin = ax.twinx()
            handles += twin.plot(
                time,
                feature_scores[:, feature],
                color="C2",
                linewidth=1,
                alpha=0.8,
                label="this feature's score (right axis)",
            )
            twin.set_ylabel("feature score", color="C2")
            twins.append(twin)
        label = f"flagged: score above threshold ({int(flagged.sum())} steps)"
        for start, stop in runs(flagged):
            handles.append(
                ax.axvspan(
                    start - 0.5,
                    stop - 0.5,
                    color="C3",
                    alpha=0.3,
                    linewidth=0,
                    label=label,
                )
            )
            label = "_nolegend_"
        if labels is not None:
            _shade_labelled(ax, time.astype(float), labels)
        if feature == 0:
            # One legend, above the panels, for what every panel shows.
            handles += [p for p in ax.patches if p.get_label() == "labelled anomaly"]
            ax.legend(
                handles=[h for h in handles if not h.get_label().startswith("_")],
                loc="lower left",
                bbox_to_anchor=(0.0, 1.02),
                ncol=2,
                fontsize="small",
                frameon=False,
            )
    if twins:
        # One scale for every feature's score, so that the abnormal feature
        # stands out.
        top = max(twin.get_ylim()[1] for twin in twins)
        for twin in twins:
            twin.set_ylim(0, top)
    plot_anomaly_scores(total, threshold=threshold, ax=axes[-1])
    axes[-1].set_xlabel("step")
    axes[-1].set_ylabel("anomaly score")
    return axes


def plot_error_histogram(scores, threshold=None, ax=None, bins=50):
    """Plots the distribution of anomaly scores, with the threshold.

    Typically the training series' scores (`AnomalyDetector.train_scores_`),
    to see where the threshold falls among normal errors. The count axis is
    logarithmic, so that the rare large scores stay visible.

    Args:
        scores: 1-D scores.
        threshold: Drawn as a dashed vertical line, or `None`.
        ax: The Axes to draw into. Defaults to a new figure.
        bins: Number of histogram bins. Defaults to 50.

    Returns:
        The Axes.

    Example:

    >>> ax = plot_error_histogram([0.1, 0.2, 0.2, 0.3, 2.0], threshold=1.0)
    >>> ax.get_xlabel()
    'anomaly score (higher = more abnormal)'
    """
    values = np.asarray(scores, dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"`scores` must be 1-D and non-empty; got {values.shape}.")
    ax = _get_ax(ax)
    ax.hist(values, bins=bins, color="C0", alpha=0.8, label=f"{values.size} steps")
    ax.set_yscale("log")
    if threshold is not None:
        above = int(np.sum(values > threshold))
        ax.axvline(
            threshold,
            color="C3",
            linestyle="--",
            label=f"threshold {threshold:.3g} ({above} above)",
        )
    ax.set_xlabel("anomaly score (higher = more abnormal)")
    ax.set_ylabel("steps (log scale)")
    ax.legend()
    return ax
