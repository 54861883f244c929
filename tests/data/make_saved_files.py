"""Writes the files in `tests/data/` that `tests/test_saved_files.py` loads.

Run once, with the release whose files must keep loading:

    OMP_NUM_THREADS=1 KERAS_BACKEND=torch python tests/data/make_saved_files.py

It saves a small `LSTMAutoencoder`, `SequenceEncoder` and `AnomalyDetector`,
the inputs they were given and what they returned, so that a later release
can check that it loads them and returns the same.
"""

import os
from pathlib import Path

import numpy as np

import keras_lstm_ae as lae

HERE = Path(__file__).parent


def main():
    rng = np.random.default_rng(0)
    steps = np.linspace(0, 2 * np.pi, 12, dtype="float32")
    phases = rng.uniform(0, 2 * np.pi, size=(24, 1)).astype("float32")
    waves = np.sin(steps + phases)[..., None]
    ragged = [wave[: 6 + i % 7] for i, wave in enumerate(waves)]
    sequences = lae.pad_sequences(ragged)

    autoencoder = lae.LSTMAutoencoder(
        timesteps=12, features=1, latent_dim=3, units=(8,), seed=0
    )
    autoencoder.compile(optimizer="adam", loss="mse")
    autoencoder.fit(sequences, epochs=2, batch_size=8, verbose=0)
    autoencoder.save(HERE / "autoencoder.keras")

    encoder = lae.SequenceEncoder(latent_dim=3, epochs=2, seed=0, units=(8,))
    encoder.fit(ragged)
    encoder.save(HERE / "sequence_encoder.keras")

    series = np.sin(np.arange(400, dtype="float32") * 2 * np.pi / 25)
    series[300:305] += 3.0
    detector = lae.AnomalyDetector(window=25, epochs=2, seed=0, units=(8,))
    detector.fit(series[:200])
    detector.save(HERE / "anomaly_detector.keras")

    np.savez(
        HERE / "saved_outputs.npz",
        sequences=sequences,
        reconstructions=autoencoder.predict(sequences, verbose=0),
        encodings=autoencoder.encoder.predict(sequences, verbose=0),
        vectors=encoder.transform(ragged),
        series=series,
        scores=detector.score(series),
        flags=detector.predict(series),
    )


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
