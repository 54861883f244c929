"""A one-minute demo: an LSTM autoencoder on ragged "moving ones" sequences.

Run it with `python -m keras_lstm_ae.demo [--output-dir DIR] [--epochs N]`.
It trains `LSTMAutoencoder` on the built-in data of the StackOverflow question
"LSTM autoencoder for variable-length input", prints what the encoder and the
decoder do, and writes four figures (training loss, latent space,
reconstructions, architecture) to `demo_figures/` in the current directory.

The helpers `reconstruction_accuracy`, `plot_one_hot_reconstructions` and
`plot_latent_by_length` are shared with `examples/moving_ones.py`.
"""

import argparse
import time
from pathlib import Path

import numpy as np

import keras_lstm_ae as lae

TIMESTEPS = 10
FEATURES = 8
LATENT_DIM = 20
DEFAULT_EPOCHS = 20


def reconstruction_accuracy(x, x_hat):
    """The fraction of real steps of one-hot data that are reconstructed right.

    Padding steps (NaN in `x`) are not counted. A real step holding a 1 is
    right when the reconstruction's largest value is at the same feature
    (its argmax); a real all-zero step is right when every reconstructed
    value is below 0.5.

    Args:
        x: NaN-padded one-hot sequences, shape `(samples, timesteps, features)`.
        x_hat: Their reconstructions (e.g. `model.predict(x)`), same shape.

    Returns:
        A float in [0, 1].

    Raises:
        ValueError: If the shapes differ or `x` has no real step.

    Example:

    >>> x = np.array([[[1.0, 0.0], [0.0, 0.0], [np.nan, np.nan]]])
    >>> x_hat = np.array([[[0.9, 0.2], [0.1, 0.7], [0.0, 0.0]]])
    >>> reconstruction_accuracy(x, x_hat)
    0.5
    """
    x = np.asarray(x, dtype=float)
    x_hat = np.asarray(x_hat, dtype=float)
    if x.shape != x_hat.shape:
        raise ValueError(f"`x` has shape {x.shape} but `x_hat` has {x_hat.shape}.")
    real = ~np.isnan(x).any(axis=-1)
    if not real.any():
        raise ValueError("`x` has no real (non-NaN) step to score.")
    values = np.nan_to_num(x)
    all_zero = ~values.any(axis=-1)
    right = np.where(
        all_zero,
        (x_hat < 0.5).all(axis=-1),
        x_hat.argmax(axis=-1) == values.argmax(axis=-1),
    )
    return float(right[real].mean())


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
    ax = lae.plot_latent(
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


def _save(fig, path):
    fig.savefig(path, dpi=120, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    print(f"  wrote {path}")


def main(argv=None, save_model=False):
    """Trains the demo autoencoder and writes its figures; returns 0.

    With `save_model=True` (`keras-lstm-ae demo`), the output folder also
    gets the model (`model.keras`) and the encodings (`encodings.csv`).
    """
    parser = argparse.ArgumentParser(
        prog="python -m keras_lstm_ae.demo",
        description="Train an LSTM autoencoder on ragged one-hot sequences "
        "and plot what it learnt.",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=Path("demo_figures"),
        help="folder for the figures (default: ./demo_figures)",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=DEFAULT_EPOCHS,
        help=f"training epochs (default: {DEFAULT_EPOCHS})",
    )
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error("--epochs must be at least 1")

    import keras
    import matplotlib

    matplotlib.use("Agg")  # Files only: no window opens.
    import matplotlib.pyplot as plt

    keras.utils.set_random_seed(0)
    start = time.perf_counter()

    x = lae.datasets.make_moving_ones(2000, timesteps=TIMESTEPS, features=FEATURES)
    lengths = lae.sequence_lengths(x)
    print(
        f"Data: {len(x)} one-hot sequences of 0 to {TIMESTEPS} steps, "
        f"NaN-padded to {x.shape} ({int(np.sum(lengths == 0))} are empty)."
    )

    ae = lae.LSTMAutoencoder(
        timesteps=TIMESTEPS,
        features=FEATURES,
        latent_dim=LATENT_DIM,
        output_activation="sigmoid",
        seed=0,
    )
    ae.compile(optimizer="adam", loss="binary_crossentropy")
    print(f"Model: LSTMAutoencoder with {ae.count_params():,} parameters.")
    history = ae.fit(
        x, epochs=args.epochs, batch_size=32, validation_split=0.2, verbose=0
    )
    print(
        f"Trained {args.epochs} epochs: loss {history.history['loss'][-1]:.4f}, "
        f"validation loss {history.history['val_loss'][-1]:.4f}."
    )

    z = ae.encoder.predict(x, verbose=0)
    x_hat = ae.decoder.predict(z, verbose=0)
    print(
        f"encoder.predict(x) -> {z.shape}: one {z.shape[1]}-number vector per "
        "sequence, whatever its length."
    )
    print(f"decoder.predict(z) -> {x_hat.shape}: a full-length sequence per vector.")
    print(
        f"Reconstruction accuracy over real steps: "
        f"{reconstruction_accuracy(x, x_hat):.1%}"
    )

    output_dir = args.output_dir
    output_dir.mkdir(parents=True, exist_ok=True)
    print(f"Figures in {output_dir}/:")

    fig, ax = plt.subplots(figsize=(6, 4))
    lae.plot_loss(history, ax=ax)
    ax.set_title("Training the autoencoder")
    _save(fig, output_dir / "loss.png")

    fig, ax = plt.subplots(figsize=(6.5, 5))
    plot_latent_by_length(z, lengths, ax=ax)
    ax.set_title(f"{LATENT_DIM}-d encodings, projected on 2 principal components")
    _save(fig, output_dir / "latent.png")

    samples = [int(np.argmax(lengths == n)) for n in (3, 7, 10)]
    axes = plot_one_hot_reconstructions(x, x_hat, samples)
    axes[0, 0].figure.suptitle("One-hot sequences and their reconstructions")
    _save(axes[0, 0].figure, output_dir / "reconstructions.png")

    if save_model:
        import pandas as pd

        ae.save(output_dir / "model.keras")
        print(f"  wrote {output_dir / 'model.keras'}")
        columns = [f"latent_{i}" for i in range(z.shape[1])]
        pd.DataFrame(z, columns=columns).rename_axis("id").to_csv(
            output_dir / "encodings.csv"
        )
        print(f"  wrote {output_dir / 'encodings.csv'}")

    try:
        path = lae.plot_architecture(ae, output_dir / "architecture.png")
    except ImportError as error:  # No Graphviz renderer installed.
        print(f"  skipped architecture.png: {error}")
    else:
        print(f"  wrote {path}")
    print(f"Done in {time.perf_counter() - start:.0f} s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
