"""A one-minute demo: an LSTM autoencoder on ragged "moving ones" sequences.

Run it with `python -m keras_lstm_ae.demo [--output-dir DIR] [--epochs N]`.
It trains `LSTMAutoencoder` on the built-in data of the StackOverflow question
"LSTM autoencoder for variable-length input", prints what the encoder and the
decoder do, and writes four figures (training loss, latent space,
reconstructions, architecture) to `demo_figures/` in the current directory.

`reconstruction_accuracy` is shared with the examples; the figures' helpers,
`plot_one_hot_reconstructions` and `plot_latent_by_length`, are in
`keras_lstm_ae.plotting.one_hot`.
"""

import argparse
import time
from pathlib import Path

import numpy as np

import keras_lstm_ae as lae
from keras_lstm_ae.plotting.one_hot import (
    plot_latent_by_length,
    plot_one_hot_reconstructions,
)

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


def _save(fig, path):
    fig.savefig(path, dpi=120, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    print(f"  wrote {path}")


def _parse_arguments(argv):
    """The demo's command line: `--output-dir` and `--epochs`."""
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
    return args


def _plot_results(output_dir, history, x, x_hat, z, lengths):
    """Writes the loss, latent and reconstruction figures to `output_dir`."""
    import matplotlib.pyplot as plt

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


def main(argv=None, save_model=False):
    """Trains the demo autoencoder and writes its figures; returns 0.

    With `save_model=True` (`keras-lstm-ae demo`), the output folder also
    gets the model (`model.keras`) and the encodings (`encodings.csv`).
    """
    args = _parse_arguments(argv)

    import matplotlib

    matplotlib.use("Agg")  # Files only: no window opens.

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
    _plot_results(output_dir, history, x, x_hat, z, lengths)

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
