"""Files saved by the 0.1.0 release load and give the outputs they gave then.

`tests/data/make_saved_files.py` wrote them, with the release's code, before
the package was reorganised; the tolerances allow for float rounding across
backends and CPUs, not for a different model.
"""

from pathlib import Path

import numpy as np
import pytest

import keras_lstm_ae as lae

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def saved():
    with np.load(DATA / "saved_outputs.npz") as outputs:
        return dict(outputs)


def test_saved_autoencoder_loads_with_its_encoder_and_gives_the_same_outputs(saved):
    autoencoder = lae.load_model(DATA / "autoencoder.keras")

    assert isinstance(autoencoder, lae.LSTMAutoencoder)
    np.testing.assert_allclose(
        autoencoder.predict(saved["sequences"], verbose=0),
        saved["reconstructions"],
        atol=1e-5,
    )
    np.testing.assert_allclose(
        autoencoder.encoder.predict(saved["sequences"], verbose=0),
        saved["encodings"],
        atol=1e-5,
    )


def test_saved_sequence_encoder_gives_the_same_vectors(saved):
    encoder = lae.load_encoder(DATA / "sequence_encoder.keras")
    ragged = lae.trim_sequences(saved["sequences"])

    np.testing.assert_allclose(encoder.transform(ragged), saved["vectors"], atol=1e-5)


def test_saved_anomaly_detector_gives_the_same_scores_and_flags(saved):
    detector = lae.load_detector(DATA / "anomaly_detector.keras")

    scores = detector.score(saved["series"])
    np.testing.assert_allclose(scores, saved["scores"], rtol=1e-4, atol=1e-5)
    # A step whose score lies within rounding of the threshold may flip.
    decided = np.abs(saved["scores"] - detector.threshold_) > 1e-4 * detector.threshold_
    assert decided.sum() > 390
    np.testing.assert_array_equal(
        detector.predict(saved["series"])[decided], saved["flags"][decided]
    )
