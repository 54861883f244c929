"""Sequences drawn over their reconstructions."""

import math

import numpy as np

from keras_lstm_ae.plotting._common import _pyplot


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
