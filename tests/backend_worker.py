"""One Keras backend's half of `test_backends.py`, run in its own process.

Keras picks its backend once per process, so `test_backends.py` runs this
module once per backend, with `KERAS_BACKEND` set, all at once:

    python -m tests.backend_worker FOLDER torch jax tensorflow

Each process trains an `LSTMAutoencoder` and a `SequenceEncoder` on NaN-padded
sequences, saves both to `FOLDER/<backend>.keras` and
`FOLDER/<backend>_encoder.keras`, and writes what they give on its backend to
`FOLDER/<backend>_on_<backend>.npz` (last, so that the file says the models
are saved). It then waits for the other backends' files, loads each saved
pair and writes what it gives here to `FOLDER/<saved>_on_<backend>.npz`.
One process per backend imports Keras once, for both halves.
"""

import os
import sys
import time
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
    # Written aside and renamed: the others read it as soon as it is there.
    partial = folder / f"{backend}_on_{backend}.partial.npz"
    np.savez(partial, **outputs(autoencoder, encoder))
    os.replace(partial, folder / f"{backend}_on_{backend}.npz")


def wait_for(paths, timeout=240):
    deadline = time.monotonic() + timeout
    while not all(path.exists() for path in paths):
        if time.monotonic() > deadline:
            missing = [str(path) for path in paths if not path.exists()]
            raise TimeoutError(f"no file from the other backends: {missing}")
        time.sleep(0.2)


def load(folder, backend, others):
    wait_for([folder / f"{other}_on_{other}.npz" for other in others])
    for saved_on in others:
        path = folder / f"{saved_on}_encoder.keras"
        autoencoder = lae.load_model(folder / f"{saved_on}.keras")
        encoder = lae.load_encoder(path)
        np.savez(
            folder / f"{saved_on}_on_{backend}.npz", **outputs(autoencoder, encoder)
        )


if __name__ == "__main__":
    folder, backends = Path(sys.argv[1]), sys.argv[2:]
    backend = keras.backend.backend()
    save(folder, backend)
    load(folder, backend, [other for other in backends if other != backend])
