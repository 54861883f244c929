"""
Title: A fixed-size vector from a variable-length sequence
Author: keras_lstm_ae developers
Date created: 2026-11-21
Description: An LSTM autoencoder turns ragged one-hot "moving ones" sequences
into 20-number vectors, and its decoder turns the vectors back into sequences.
"""

"""
## Introduction

A well-known StackOverflow question ("LSTM autoencoder: fixed-size vector from
a sequence") asks how to get one vector of fixed length out of sequences of
different lengths, so that the vectors can feed a classifier or a clustering
method. The question's toy data are "moving ones": at step `t` a single 1
sits at feature `t`, so a sequence of 5 steps is the first 5 rows of an
identity matrix. Sequences have 0 to 10 steps and 8 features, so steps 8 and
9, when present, are real steps with no 1 in them (all zeros), and some
sequences are empty.

An LSTM autoencoder answers the question: its encoder reads the sequence and
ends in a `latent_dim`-number vector, and its decoder must rebuild the whole
sequence from that vector alone. `lae.LSTMAutoencoder` builds both as Keras
models that share weights with the autoencoder.

Shorter sequences are padded with NaN. The encoder skips NaN steps (a real
all-zero step is *not* skipped, which is why NaN rather than 0 marks the
padding), and the loss counts real steps only.
"""

"""
## Setup
"""

import argparse
import tempfile
import time
from pathlib import Path

import keras_lstm_ae as lae  # Chooses the torch backend before Keras loads.

# isort: split

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from keras_lstm_ae.demo import reconstruction_accuracy
from keras_lstm_ae.plotting import (
    plot_latent_by_length,
    plot_one_hot_reconstructions,
)

parser = argparse.ArgumentParser(
    description="Moving ones: a fixed-size vector from a variable-length sequence."
)
parser.add_argument(
    "--output-dir",
    type=Path,
    default=Path(__file__).resolve().parent.parent / "figures",
    help="folder for the figures (default: the repository's figures/)",
)
parser.add_argument("--epochs", type=int, default=30, help="training epochs")
args = parser.parse_args()
args.output_dir.mkdir(parents=True, exist_ok=True)

start = time.perf_counter()

"""
## Load data

`make_moving_ones` returns the sequences already padded with NaN to
`(samples, 10, 8)`; `padded=False` would give the ragged list, which
`lae.pad_sequences` pads the same way.
"""

x = lae.datasets.make_moving_ones(n_samples=1500, timesteps=10, features=8, seed=0)
lengths = lae.sequence_lengths(x)
print(f"x: {x.shape}, lengths 0 to {lengths.max()}; {np.sum(lengths == 0)} empty")
print("A sequence of 5 steps (rows: steps; NaN rows: padding):")
print(x[np.argmax(lengths == 5)])

"""
A sequence is fully determined by its length, so the 1500 sequences are 11
distinct sequences (lengths 0 to 10), many times over. That makes the task easy
to check: a working encoder must give 11 distinct vectors.
"""

"""
## Build

The question's model: an LSTM encoder, a 20-number latent vector, a decoder
that repeats the vector at each of the 10 steps, and a sigmoid output, since
every value is 0 or 1.
"""

ae = lae.LSTMAutoencoder(
    timesteps=10, features=8, latent_dim=20, output_activation="sigmoid", seed=0
)
ae.summary(expand_nested=True)

"""
## Train

Binary cross-entropy suits 0/1 targets. We also tried mean squared error with
the same data, split and seed: both end at 100% accuracy on the validation
sequences, binary cross-entropy after 6 epochs and mse after 7, so binary
cross-entropy it is. `fit(x)` uses `x` as its own target, and
`validation_split=0.2` holds out the last 300 sequences.
"""

ae.compile(optimizer="adam", loss="binary_crossentropy")
history = ae.fit(x, epochs=args.epochs, batch_size=32, validation_split=0.2, verbose=2)

"""
## Use

The encoder gives one fixed-size vector per sequence, whatever its length; the
decoder turns any such vector into a full 10-step sequence. The autoencoder is
exactly the encoder followed by the decoder.
"""

z = ae.encoder.predict(x, verbose=0)
x_hat = ae.decoder.predict(z, verbose=0)
print(f"encoder.predict(x): {z.shape}")
print(f"decoder.predict(z): {x_hat.shape}")
print(
    "max |ae.predict(x) - decoder(encoder(x))|: "
    f"{np.abs(ae.predict(x, verbose=0) - x_hat).max():.1e}"
)
print(f"distinct encodings: {len(np.unique(z.round(4), axis=0))}")

"""
How good are the reconstructions? We count real steps only (padding has no
target). A step holding a 1 is right when the reconstruction's largest value
is at the same feature (argmax); an all-zero step is right when every
reconstructed value is below 0.5.
"""

real = ~np.isnan(x).any(axis=-1)
all_zero = real & (np.nan_to_num(x).sum(axis=-1) == 0)
one_hot_steps_only = np.where(all_zero[..., None], np.nan, x)
zero_steps_only = np.where(all_zero[..., None], x, np.nan)
print(
    f"reconstruction accuracy, all {real.sum()} real steps: "
    f"{reconstruction_accuracy(x, x_hat):.2%}"
)
print(
    f"  {(real & ~all_zero).sum()} steps with a 1: "
    f"{reconstruction_accuracy(one_hot_steps_only, x_hat):.2%}"
)
print(
    f"  {all_zero.sum()} all-zero steps: "
    f"{reconstruction_accuracy(zero_steps_only, x_hat):.2%}"
)

"""
The decoder always writes 10 steps: it does not know where a sequence ends,
and the loss never looked at its outputs after the end. Decoding a sequence of
5 steps shows it: the 1 keeps moving after step 4, as if the sequence went on.
Keep the lengths, and cut the reconstructions with `trim_sequences`:
"""

index = int(np.argmax(lengths == 5))
print("decoded sequence of 5 steps, rounded:")
print(np.round(x_hat[index], 2))
trimmed = lae.trim_sequences(x_hat, lengths=lengths)
print(f"trimmed to its length: {trimmed[index].shape}")

"""
The encoder is saved and reloaded with the autoencoder:
"""

with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "moving_ones.keras"
    ae.save(path)
    reloaded = lae.load_model(path)
    difference = np.abs(reloaded.encoder.predict(x, verbose=0) - z).max()
print(f"reloaded encoder, max difference: {difference:.1e}")

"""
## Plot

The loss curves, a few sequences next to their reconstructions, and the
encodings (20 numbers each, projected on their first two principal
components) coloured by sequence length.
"""


def save(fig, name):
    path = args.output_dir / name
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {path}")


fig, ax = plt.subplots(figsize=(6, 4))
lae.plot_loss(history, ax=ax)
ax.set_title("Moving ones: training the autoencoder")
save(fig, "moving_ones_loss.png")

samples = [int(np.argmax(lengths == n)) for n in (2, 5, 8, 10)]
axes = plot_one_hot_reconstructions(x, x_hat, samples)
axes[0, 0].figure.suptitle("Moving ones: sequences (left) and reconstructions (right)")
save(axes[0, 0].figure, "moving_ones_reconstructions.png")

fig, ax = plt.subplots(figsize=(6.5, 5))
plot_latent_by_length(z, lengths, ax=ax)
ax.set_title(f"Encodings of {len(x)} sequences: one point per distinct sequence")
save(fig, "moving_ones_latent.png")

print(f"done in {time.perf_counter() - start:.0f} s")
