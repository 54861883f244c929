"""
Title: An LSTM autoencoder for four ragged ramps
Author: keras_lstm_ae developers
Date created: 2026-11-21
Description: The accepted StackOverflow answer on variable-length LSTM
autoencoders: standardise, NaN-pad, encode four ramps into two numbers each.
"""

"""
## Introduction

The accepted answer to "LSTM autoencoder for variable-length input" works
through a tiny example: four sequences of lengths 9, 8, 4 and 4, standardised
with statistics that skip the padding (a pandas trick), padded after the end,
and an autoencoder with a 2-unit LSTM encoder and a 100-unit LSTM decoder. Its
reward is a picture: the four 2-number encodings, each its own point.

This example follows the answer with `keras_lstm_ae`:

- `lae.StandardScaler` computes the mean and standard deviation over real
  values only, like the answer's pandas trick, and takes the ragged list as is;
- `lae.pad_sequences` pads with NaN, which the encoder skips and the loss
  ignores, so no value has to be reserved for padding;
- `lae.LSTMAutoencoder(units=(), ...)` makes the encoder a single LSTM whose
  2-number output is the encoding, as in the answer.
"""

"""
## Setup
"""

import argparse
import time
from pathlib import Path

import keras_lstm_ae as lae  # Chooses the torch backend before Keras loads.

# isort: split

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

parser = argparse.ArgumentParser(description="Four ragged ramps, encoded in 2-d.")
parser.add_argument(
    "--output-dir",
    type=Path,
    default=Path(__file__).resolve().parent.parent / "figures",
    help="folder for the figures (default: the repository's figures/)",
)
parser.add_argument("--epochs", type=int, default=1000, help="training epochs")
args = parser.parse_args()
args.output_dir.mkdir(parents=True, exist_ok=True)

start = time.perf_counter()


def rounded(values):
    return "[" + ", ".join(f"{value:.2f}" for value in np.ravel(values)) + "]"


"""
## Load data

Four ramps that differ in direction, slope and offset.
"""

ramps = lae.datasets.make_ragged_ramps()
for number, ramp in enumerate(ramps, start=1):
    print(f"ramp {number} ({len(ramp)} steps): {rounded(ramp)}")

"""
Standardise with one mean and one standard deviation over the 25 real values,
then pad after the end with NaN to the longest length, 9 steps.
"""

scaler = lae.StandardScaler().fit(ramps)
print(f"mean {scaler.mean_[0]:.3f}, standard deviation {scaler.scale_[0]:.3f}")
x = lae.pad_sequences(scaler.transform(ramps), maxlen=9, padding="post")
lengths = lae.sequence_lengths(x)
print(f"x: {x.shape}, lengths {lengths.tolist()}")
print(np.round(x[..., 0], 2))

"""
With four sequences, `validation_split` would hold out one or two of the four
ramps: the model could never reconstruct a ramp it has not seen, and would have
one ramp fewer to learn from. Instead we train on all four and validate on a
slightly noisy copy (Gaussian noise with a standard deviation of 0.02, in the
units of the data): the validation loss then says how well the model copes with
small changes of its input, not how it generalises to new ramps.
"""

rng = np.random.default_rng(0)
noisy = [ramp + rng.normal(0.0, 0.02, ramp.shape).astype("float32") for ramp in ramps]
x_val = lae.pad_sequences(scaler.transform(noisy), maxlen=9)

"""
## Build

The answer's model: a 2-unit LSTM encoder (its output is the encoding), the
encoding repeated at each of the 9 steps, a 100-unit LSTM decoder and a linear
output; ReLU activations in both LSTMs.
"""

ae = lae.LSTMAutoencoder(
    timesteps=9,
    features=1,
    latent_dim=2,
    units=(),
    decoder_units=(100,),
    activation="relu",
    seed=0,
)
ae.summary(expand_nested=True)
print(f"parameters: {ae.count_params():,}")

"""
## Train

Four sequences fit in one batch, so an epoch is a single step: many epochs are
cheap.
"""

ae.compile(optimizer="adam", loss="mse")
history = ae.fit(x, epochs=args.epochs, batch_size=4, validation_data=x_val, verbose=0)
for epoch in sorted({1, 10, 100, args.epochs // 2, args.epochs}):
    if epoch <= args.epochs:
        print(
            f"epoch {epoch:5d}: loss {history.history['loss'][epoch - 1]:.4f}, "
            f"validation loss {history.history['val_loss'][epoch - 1]:.4f}"
        )
best = int(np.argmin(history.history["val_loss"]))
print(
    f"lowest validation loss {history.history['val_loss'][best]:.4f} "
    f"at epoch {best + 1}"
)

"""
The training loss keeps falling, but the loss on the noisy copy is lowest
after about 300 epochs and then rises: with 41,333 parameters for 25 numbers
the model memorises the four ramps, and a small change of a ramp moves its
encoding to where the decoder has learnt nothing. That is fine for the
answer's purpose (four distinct encodings, see below); for real data, hold out
real sequences and stop at the best validation epoch, e.g. with
`keras.callbacks.EarlyStopping(restore_best_weights=True)`.
"""

"""
## Use

Each ramp becomes two numbers. The decoder rebuilds 9 steps from them; we
cut each reconstruction to its ramp's length and undo the standardisation.
"""

z = ae.encoder.predict(x, verbose=0)
for number, code in enumerate(z, start=1):
    print(f"ramp {number} -> encoding [{code[0]:.3f}, {code[1]:.3f}]")

x_hat = ae.predict(x, verbose=0)
reconstructions = scaler.inverse_transform(lae.trim_sequences(x_hat, lengths=lengths))
reconstructions = [r[:, 0] for r in reconstructions]
for number, (ramp, rebuilt) in enumerate(
    zip(ramps, reconstructions, strict=True), start=1
):
    error = np.abs(rebuilt - ramp).max()
    print(f"ramp {number}: {rounded(rebuilt)} (largest error {error:.3f})")

"""
The reconstructions follow the ramps; the largest errors are at the first
step, where the decoder's LSTM starts from a zero state and has read the
encoding only once.
"""

"""
## Plot

The model's architecture, the loss curves, the four encodings (the answer's
picture) and the reconstructions next to the ramps, in the data's units.
"""


def save(fig, name):
    path = args.output_dir / name
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {path}")


path = args.output_dir / "ragged_ramps_architecture.png"
try:
    lae.plot_architecture(ae, path, show_shapes=True, expand_nested=True)
except ImportError as error:  # Needs Graphviz: pip install "keras-lstm-ae[diagram]"
    print(f"skipped {path.name}: {error}")
else:
    print(f"wrote {path}")

fig, ax = plt.subplots(figsize=(6, 4))
lae.plot_loss(history, ax=ax, log_scale=True)
ax.lines[1].set_label("validation (noisy copy)")
ax.legend()
ax.set_title("Ragged ramps: training loss and noisy-copy validation loss")
save(fig, "ragged_ramps_loss.png")

fig, ax = plt.subplots(figsize=(5, 4.5))
lae.plot_latent(z, ax=ax, s=60)
for text in ax.texts:
    text.set_fontsize(12)
ax.set_title("The four ramps' 2-number encodings")
ax.margins(0.15)
save(fig, "ragged_ramps_latent.png")

fig, axes = plt.subplots(2, 2, figsize=(8, 5.5), layout="constrained")
lae.plot_reconstructions(ramps, reconstructions, samples=range(4), axes=axes)
for number, (ax, ramp) in enumerate(zip(axes.ravel(), ramps, strict=True), start=1):
    ax.set_title(f"ramp {number} ({len(ramp)} steps)")
    ax.set_ylabel("value")
    ax.set_xticks(range(len(ramp)))
fig.suptitle("Ragged ramps and their reconstructions (original units)")
save(fig, "ragged_ramps_reconstructions.png")

print(f"done in {time.perf_counter() - start:.0f} s")
