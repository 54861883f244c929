"""The moving-ones demo's figures: one-hot heatmaps, encodings by length."""

import numpy as np

from keras_lstm_ae.plotting.latent import plot_latent


def plot_one_hot_reconstructions(x, x_hat, samples, axes=None):
    """Draws one-hot sequences and their reconstructions as heatmaps.

    One row per sample: the original on the left, the reconstruction on the
    right, with time steps across and features down. Padding steps (NaN in
    the original) are hatched grey in both panels: they are not part of the
    sequence, so the model's outputs there mean nothing.

    Args:
        x: NaN-padded sequences, shape `(samples, timesteps, features)`.
        x_hat: Their reconstructions, same shape.
        samples: Indices of the samples to draw.
        axes: A `(len(samples), 2)` array of Axes. Defaults to a new figure.

    Returns:
        The `(len(samples), 2)` array of Axes.
    """
    import matplotlib.pyplot as plt

    samples = list(samples)
    if axes is None:
        _, axes = plt.subplots(
            len(samples),
            2,
            figsize=(7, 2.2 * len(samples) + 0.6),
            squeeze=False,
            sharex=True,
            sharey=True,
            layout="constrained",
        )
    cmap = plt.get_cmap("Blues").with_extremes(bad="#d9d9d9")
    timesteps, features = x.shape[1:]
    for row, index in zip(axes, samples, strict=True):
        padding = np.isnan(x[index]).any(axis=-1)
        length = int(np.sum(~padding))
        for ax, values, name in zip(
            row, (x[index], x_hat[index]), ("original", "reconstruction"), strict=True
        ):
            shown = np.where(padding[:, None], np.nan, values).T
            image = ax.imshow(
                shown,
                cmap=cmap,
                vmin=0,
                vmax=1,
                aspect="auto",
                origin="lower",
                extent=(-0.5, timesteps - 0.5, -0.5, features - 0.5),
            )
            if padding.any():
                first = int(np.argmax(padding))
                ax.axvspan(
                    first - 0.5,
                    timesteps - 0.5,
                    fill=False,
                    hatch="//",
                    edgecolor="#9a9a9a",
                    linewidth=0,
                )
            ax.set_title(f"sample {index} ({length} steps): {name}", fontsize=10)
            ax.set_ylabel("feature")
            ax.set_xticks(range(timesteps))
            ax.set_yticks(range(features))
    for ax in axes[-1]:
        ax.set_xlabel("time step")
    colorbar = axes[0, 0].figure.colorbar(image, ax=axes, shrink=0.6, aspect=30)
    colorbar.set_label("value (hatched grey: padding)")
    return axes


def plot_latent_by_length(encodings, lengths, ax=None):
    """`lae.plot_latent` with the points coloured and labelled by length.

    Identical sequences have identical encodings, so each distinct length is
    written once, next to its first point, where it overlaps no other label.

    Returns:
        The matplotlib Axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm

    lengths = np.asarray(lengths)
    longest = int(lengths.max())
    cmap = plt.get_cmap("viridis", longest + 1)
    norm = BoundaryNorm(np.arange(-0.5, longest + 1), cmap.N)
    # `c=` colours each point by its sequence's length.
    ax = plot_latent(
        encodings,
        annotate=False,
        ax=ax,
        c=lengths,
        cmap=cmap,
        norm=norm,
        s=40,
        edgecolors="black",
        linewidths=0.4,
    )
    colorbar = plt.colorbar(ax.collections[0], ax=ax, ticks=range(longest + 1))
    colorbar.set_label("sequence length (steps)")

    _label_points(ax, ax.collections[0].get_offsets(), lengths)
    return ax


def _label_points(ax, points, labels):
    """Writes each distinct label once, next to its first point.

    A label goes in the first place that covers no point and no other label:
    beside its point when there is room (where no other point is nearer),
    else farther out with a thin line to its point; failing both, where it
    covers the fewest.
    """
    from matplotlib.transforms import Bbox

    ax.figure.canvas.draw()  # Fixes the axis limits that place the labels.
    renderer = ax.figure.canvas.get_renderer()
    firsts = [int(np.argmax(labels == label)) for label in np.unique(labels)]
    anchors = ax.transData.transform(points[firsts])
    markers = [Bbox.from_extents(x - 5, y - 5, x + 5, y + 5) for x, y in anchors]
    gaps = np.linalg.norm(anchors[:, None] - anchors[None], axis=-1)
    np.fill_diagonal(gaps, np.inf)
    angles = np.deg2rad([45, 135, 225, 315, 0, 180, 90, 270, 22, 158, 202, 338])
    places = [
        (r, r * np.cos(a), r * np.sin(a)) for r in (9, 22, 34, 48, 64) for a in angles
    ]
    leader = {"arrowstyle": "-", "color": "0.45", "lw": 0.7, "shrinkB": 5}

    def annotate(index, dx, dy, with_leader):
        return ax.annotate(
            str(labels[index]),
            points[index],
            xytext=(dx, dy),
            textcoords="offset points",
            ha="center",
            va="center",
            fontsize=10,
            arrowprops=leader if with_leader else None,
        )

    taken = []
    for own in np.argsort(gaps.min(axis=1)):  # The most crowded first.
        index = firsts[own]
        others = [box for i, box in enumerate(markers) if i != own] + taken
        fallback = None
        for radius, dx, dy in places:
            text = annotate(index, dx, dy, with_leader=radius >= 15)
            box = text.get_window_extent(renderer)
            centre = np.array([(box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2])
            nearest = int(np.argmin(np.linalg.norm(anchors - centre, axis=1)))
            covered = sum(box.overlaps(other) for other in others)
            inside = ax.bbox.contains(*centre)
            if (radius >= 15 or nearest == own) and inside and not covered:
                taken.append(box)
                break
            text.remove()
            if radius >= 15 and inside and (fallback is None or covered < fallback[0]):
                fallback = (covered, dx, dy)
        else:
            _, dx, dy = fallback
            text = annotate(index, dx, dy, with_leader=True)
            taken.append(text.get_window_extent(renderer))
