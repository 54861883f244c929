"""One Keras backend's half of `test_backends.py`, run in its own process.

Keras picks its backend once per process, so `test_backends.py` runs this
module once per backend, with `KERAS_BACKEND` set:

    python -m tests.backend_worker save FOLDER    # train, save, encode
    python -m tests.backend_worker load FOLDER    # load every file, encode

`save` trains an `LSTMAutoencoder` and a `SequenceEncoder` on NaN-padded
sequences, saves both to `FOLDER/<backend>.keras` and
`FOLDER/<backend>_encoder.keras`, and writes what they give on this backend
to `FOLDER/<backend>_on_<backend>.npz`. `load` loads every saved pair in
`FOLDER` and writes what each gives here to `FOLDER/<saved>_on_<backend>.npz`.
"""

import sys
from pathlib import Path

import keras_lstm_ae as lae

# isort: split
import keras
import numpy as np

from tests.helpers import random_sequences, with_nan_after

LENGTHS = [6, 2, 0, 4, 6, 1, 3, 5]


def sequences():
    """NaN-padded sequences, one of them empty and one with a hole inside."""
    x = with_nan_after(random_sequences(8, 6, 2), LENGTHS)
    x[4, 1] = np.nan
    return x


def outputs(autoencoder, encoder):
    """What a user reads from the two models, as a dict of arrays."""
    x = sequences()
    return {
        "encodings": autoencoder.encoder.predict(x, verbose=0),
        "reconstructions": autoencoder.predict(x, verbose=0),
        "vectors": encoder.transform(non_empty(x)),
    }


def non_empty(x):
    """The sequences with a real step: `SequenceEncoder` refuses empty ones."""
    return x[np.array(LENGTHS) > 0]


def save(folder, backend):
    x = sequences()
    autoencoder = lae.LSTMAutoencoder(
        timesteps=6, features=2, latent_dim=3, units=(8,), seed=0
    )
    autoencoder.compile(optimizer="adam", loss="mse")
    autoencoder.fit(x, epochs=2, batch_size=4, verbose=0)
    autoencoder.save(folder / f"{backend}.keras")
    encoder = lae.SequenceEncoder(latent_dim=3, epochs=2, units=(8,), seed=0)
    encoder.fit(non_empty(x))
    encoder.save(folder / f"{backend}_encoder.keras")
    np.savez(folder / f"{backend}_on_{backend}.npz", **outputs(autoencoder, encoder))


def load(folder, backend):
    for path in sorted(folder.glob("*_encoder.keras")):
        saved_on = path.name.removesuffix("_encoder.keras")
        if saved_on == backend:
            continue
        autoencoder = lae.load_model(folder / f"{saved_on}.keras")
        encoder = lae.load_encoder(path)
        np.savez(
            folder / f"{saved_on}_on_{backend}.npz", **outputs(autoencoder, encoder)
        )


if __name__ == "__main__":
    command, folder = sys.argv[1], Path(sys.argv[2])
    {"save": save, "load": load}[command](folder, keras.backend.backend())
