"""Exported models compute what `predict` and `transform` compute.

ONNX export runs on torch (Keras traces the model); onnxruntime runs the
file. NaN-padded inputs are the case that matters: the fused layers must put
their masked path in the graph, not the branch one traced batch took.
"""

import numpy as np
import pytest

import keras_lstm_ae as lae
from keras_lstm_ae.layers import SequencePreparation
from keras_lstm_ae.preprocessing import segments
from keras_lstm_ae.preprocessing.scalers import StandardScaler

ort = pytest.importorskip("onnxruntime")

pytestmark = [
    # Keras exports a graph with a free batch size through torch's
    # TorchScript exporter, which torch now calls legacy, and whose tracer
    # warns about the Python values Keras converts; the tests below check
    # that the graphs hold.
    pytest.mark.filterwarnings("ignore:You are using the legacy TorchScript"),
    pytest.mark.filterwarnings("ignore:.*trace might not generalize"),
    pytest.mark.filterwarnings("ignore:.*registered as constants in the trace"),
    pytest.mark.filterwarnings("ignore:.*batch_size other than 1"),
    # onnxscript, imported by torch's exporter, uses a deprecated
    # typing_extensions feature.
    pytest.mark.filterwarnings("ignore:The feature will be removed"),
]


def padded_batch(samples=17, timesteps=10, features=2, seed=0):
    """Sequences of 3 to `timesteps` steps, one with a hole and one with a
    leading NaN step, so that every masking path is exercised."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(samples, timesteps, features)).astype("float32")
    for sample, length in enumerate(rng.integers(3, timesteps + 1, size=samples)):
        x[sample, length:] = np.nan
    x[1, 1] = np.nan
    x[2, 0] = np.nan
    return x


def run_onnx(path, inputs):
    session = ort.InferenceSession(str(path))
    return session.run(None, {session.get_inputs()[0].name: inputs})[0]


@pytest.mark.parametrize(
    ("timesteps", "features", "segment_length"), [(10, 2, 3), (7, 1, 1), (12, 3, 4)]
)
def test_sequence_preparation_equals_the_numpy_preparation(
    timesteps, features, segment_length
):
    x = padded_batch(samples=9, timesteps=timesteps, features=features) * 3 + 1
    x[4, timesteps - 1, 0] = 2.0  # A last step with only some features known.
    scaler = StandardScaler().fit(np.nan_to_num(x[:, :3]))
    expected = segments.to_segments(
        segments.fill_gaps(scaler.transform(x)), segment_length
    )

    layer = SequencePreparation(scaler.mean_, scaler.scale_, segment_length)
    prepared = np.asarray(layer(x))

    # The encoder masks every segment with a NaN; the others hold the values.
    real = ~np.isnan(expected).any(axis=-1)
    np.testing.assert_array_equal(~np.isnan(prepared).any(axis=-1), real)
    np.testing.assert_allclose(prepared[real], expected[real], atol=1e-5)


def test_sequence_preparation_config_round_trip():
    layer = SequencePreparation([1.0, 2.0], [0.5, 3.0], 4, name="prep")

    restored = SequencePreparation.from_config(layer.get_config())

    assert restored.get_config() == layer.get_config()


@pytest.mark.torch_only
@pytest.mark.parametrize(
    "options", [{}, {"cell": "gru"}, {"bidirectional": True, "units": (6, 5)}]
)
def test_exported_encoder_gives_predicts_vectors_on_padded_and_dense_input(
    tmp_path, options
):
    model = lae.LSTMAutoencoder(
        timesteps=10, features=2, latent_dim=4, seed=0, **options
    )
    path = tmp_path / "encoder.onnx"
    model.encoder.export(path, format="onnx", verbose=False)
    padded = padded_batch()
    dense = np.nan_to_num(padded)

    for x in (padded[:1], padded, dense[:1], dense):
        np.testing.assert_allclose(
            run_onnx(path, x), model.encoder.predict(x, verbose=0), atol=1e-5
        )


@pytest.mark.torch_only
def test_exported_autoencoder_and_decoder_give_what_predict_gives(tmp_path):
    model = lae.LSTMAutoencoder(timesteps=10, features=2, latent_dim=4, seed=0)
    model.export(tmp_path / "autoencoder.onnx", format="onnx", verbose=False)
    model.decoder.export(tmp_path / "decoder.onnx", format="onnx", verbose=False)
    x = padded_batch()
    latents = np.random.default_rng(1).normal(size=(17, 4)).astype("float32")

    np.testing.assert_allclose(
        run_onnx(tmp_path / "autoencoder.onnx", x),
        model.predict(x, verbose=0),
        atol=1e-5,
    )
    np.testing.assert_allclose(
        run_onnx(tmp_path / "decoder.onnx", latents),
        model.decoder.predict(latents, verbose=0),
        atol=1e-5,
    )


@pytest.fixture(scope="module")
def fitted_encoder():
    rng = np.random.default_rng(0)
    sequences = [
        np.stack(
            [np.sin(np.arange(n) / 3 + rng.uniform(0, 6)), np.cos(np.arange(n) / 5)], -1
        )
        * 4
        + 2
        for n in rng.integers(20, 41, size=30)
    ]
    encoder = lae.SequenceEncoder(latent_dim=4, epochs=2, seed=0).fit(sequences)
    return encoder, lae.pad_sequences(sequences)


@pytest.mark.torch_only
def test_exported_sequence_encoder_gives_transforms_vectors_from_raw_sequences(
    tmp_path, fitted_encoder
):
    encoder, x = fitted_encoder
    x = x.copy()
    x[3, 5, 1] = np.nan  # A missing value inside a sequence.
    path = encoder.export(tmp_path / "vectors.onnx")

    for batch in (x[:1], x[:17]):
        np.testing.assert_allclose(
            run_onnx(path, batch), encoder.transform(batch), atol=1e-4
        )


@pytest.mark.torch_only
def test_an_encoder_with_segment_filters_exports_its_vectors(tmp_path, fitted_encoder):
    _, x = fitted_encoder
    sequences = [row[~np.isnan(row).any(axis=1)] for row in x]
    encoder = lae.SequenceEncoder(latent_dim=4, epochs=2, segment_filters=3, seed=0)
    path = encoder.fit(sequences).export(tmp_path / "vectors.onnx")

    np.testing.assert_allclose(run_onnx(path, x), encoder.transform(x), atol=1e-4)


@pytest.mark.torch_only
def test_exported_sequence_encoder_names_its_input_and_sizes(tmp_path, fitted_encoder):
    onnx = pytest.importorskip("onnx")
    encoder, _ = fitted_encoder
    path = encoder.export(tmp_path / "vectors.onnx")

    metadata = {p.key: p.value for p in onnx.load(path).metadata_props}
    session = ort.InferenceSession(path)
    assert metadata["latent_dim"] == "4"
    assert metadata["timesteps"] == str(encoder.timesteps_)
    assert metadata["features"] == "2"
    assert "NaN" in metadata["input"]
    assert session.get_inputs()[0].name == "sequences"
    assert session.get_inputs()[0].shape[1:] == [encoder.timesteps_, 2]


def test_export_refuses_an_unfitted_encoder_and_a_wrong_suffix(
    tmp_path, fitted_encoder
):
    with pytest.raises(lae.NotFittedError, match="before `export`"):
        lae.SequenceEncoder().export(tmp_path / "vectors.onnx")
    encoder, _ = fitted_encoder
    with pytest.raises(ValueError, match=r"\.onnx"):
        encoder.export(tmp_path / "vectors.keras")


@pytest.mark.torch_only
def test_export_keeps_an_existing_file_unless_told_to_overwrite(
    tmp_path, fitted_encoder
):
    encoder, _ = fitted_encoder
    path = tmp_path / "vectors.onnx"
    path.write_bytes(b"kept")

    with pytest.raises(FileExistsError):
        encoder.export(path, overwrite=False)
    assert path.read_bytes() == b"kept"
