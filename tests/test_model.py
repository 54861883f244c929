"""LSTMAutoencoder: shapes, shared weights, NaN padding, loss, saving, options."""

import gc
import json
import os
import subprocess
import sys
import weakref

import keras
import numpy as np
import pytest

import keras_lstm_ae as lae
from tests.helpers import gradients, masked_mse, random_sequences, with_nan_after


@pytest.fixture
def autoencoder():
    model = lae.LSTMAutoencoder(timesteps=10, features=8, latent_dim=20, seed=0)
    model.compile(optimizer="adam", loss="mse")
    return model


@pytest.mark.cross_backend
def test_backend_defaults_to_torch():
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    code = "import keras_lstm_ae, keras; print(keras.backend.backend())"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "torch", out.stderr


def test_backend_chosen_by_the_user_is_respected(monkeypatch):
    from keras_lstm_ae._utils.backend import choose_default_backend

    monkeypatch.delitem(sys.modules, "keras")
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    assert choose_default_backend() == "jax"
    assert os.environ["KERAS_BACKEND"] == "jax"
    monkeypatch.delenv("KERAS_BACKEND")
    assert choose_default_backend() == "torch"
    assert os.environ["KERAS_BACKEND"] == "torch"


def test_backend_of_an_already_imported_keras_is_kept(monkeypatch):
    from keras_lstm_ae._utils.backend import choose_default_backend

    running = keras.backend.backend()
    monkeypatch.setenv("KERAS_BACKEND", "jax" if running != "jax" else "torch")
    assert choose_default_backend() == running


def test_shapes_of_autoencoder_encoder_and_decoder(autoencoder):
    x = random_sequences(6, 10, 8)
    assert autoencoder.predict(x, verbose=0).shape == (6, 10, 8)
    z = autoencoder.encoder.predict(x, verbose=0)
    assert z.shape == (6, 20)
    assert autoencoder.decoder.predict(z, verbose=0).shape == (6, 10, 8)


def test_encoder_accepts_any_length(autoencoder):
    assert autoencoder.encoder.input_shape == (None, None, 8)
    longer = random_sequences(3, 25, 8)
    assert autoencoder.encoder.predict(longer, verbose=0).shape == (3, 20)


def test_encoder_and_decoder_share_the_autoencoders_weights(autoencoder):
    own = {id(w) for w in autoencoder.weights}
    parts = {id(w) for w in autoencoder.encoder.weights + autoencoder.decoder.weights}
    assert own == parts
    x = random_sequences(16, 10, 8)
    before = autoencoder.encoder.predict(x, verbose=0)
    autoencoder.fit(x, epochs=1, verbose=0)
    after = autoencoder.encoder.predict(x, verbose=0)
    assert not np.allclose(before, after)
    np.testing.assert_array_equal(
        autoencoder.get_layer("encoder").get_layer("latent").kernel.numpy(),
        autoencoder.encoder.get_layer("latent").kernel.numpy(),
    )


def test_decoder_of_encoder_equals_autoencoder(autoencoder):
    x = with_nan_after(random_sequences(8, 10, 8), [10, 3, 7, 0, 10, 1, 5, 9])
    composed = autoencoder.decoder(autoencoder.encoder(x))
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(composed),
        keras.ops.convert_to_numpy(autoencoder(x)),
        atol=1e-6,
    )


def test_masked_loss_equals_numpy_mean_over_real_steps(autoencoder):
    x = with_nan_after(random_sequences(50, 10, 8, seed=1), np.arange(50) % 11)
    x_hat = autoencoder.predict(x, verbose=0)
    expected = masked_mse(x, x_hat)
    # Several batches of unequal real-step counts: still the global mean.
    assert autoencoder.evaluate(x, x, batch_size=7, verbose=0) == pytest.approx(
        expected, rel=1e-5
    )
    assert autoencoder.evaluate(x, verbose=0) == pytest.approx(expected, rel=1e-5)


def test_metrics_count_real_steps_only():
    model = lae.LSTMAutoencoder(timesteps=6, features=2, latent_dim=3, seed=0)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x = with_nan_after(random_sequences(9, 6, 2), [6, 2, 4, 0, 6, 1, 3, 5, 6])
    x_hat = model.predict(x, verbose=0)
    real = ~np.isnan(x).any(axis=-1)
    expected_mae = np.abs(x_hat - np.nan_to_num(x)).mean(axis=-1)[real].mean()
    _, mae = model.evaluate(x, verbose=0)
    assert mae == pytest.approx(expected_mae, rel=1e-5)


def test_encoding_does_not_depend_on_nan_padding(autoencoder):
    x = random_sequences(5, 6, 8)
    padded = np.concatenate([x, np.full((5, 4, 8), np.nan, "float32")], axis=1)
    np.testing.assert_allclose(
        autoencoder.encoder.predict(x, verbose=0),
        autoencoder.encoder.predict(padded, verbose=0),
        atol=1e-6,
    )


def test_nan_step_inside_a_sequence_is_skipped(autoencoder):
    x = random_sequences(1, 6, 8)
    with_hole = x.copy()
    with_hole[0, 2] = np.nan
    without_step = np.delete(x, 2, axis=1)
    np.testing.assert_allclose(
        autoencoder.encoder.predict(with_hole, verbose=0),
        autoencoder.encoder.predict(without_step, verbose=0),
        atol=1e-6,
    )


def test_real_all_zero_step_is_not_skipped(autoencoder):
    x = random_sequences(1, 5, 8)
    with_zero_step = x.copy()
    with_zero_step[0, 4] = 0.0
    shorter = with_nan_after(x, [4])
    z_zero = autoencoder.encoder.predict(with_zero_step, verbose=0)
    z_short = autoencoder.encoder.predict(shorter, verbose=0)
    assert np.abs(z_zero - z_short).max() > 1e-4


def test_empty_sequence_leaves_encoding_loss_and_gradients_finite(autoencoder):
    x = random_sequences(4, 10, 8)
    x[1] = np.nan
    assert np.isfinite(autoencoder.encoder.predict(x, verbose=0)).all()
    only_empty = np.full((2, 10, 8), np.nan, "float32")
    assert np.isfinite(autoencoder.evaluate(only_empty, verbose=0))
    history = autoencoder.fit(x, epochs=2, batch_size=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert all(np.isfinite(w).all() for w in autoencoder.get_weights())


def test_gradients_stay_finite_with_nan_inputs(autoencoder):
    x = with_nan_after(random_sequences(4, 10, 8), [10, 0, 3, 6])
    x[0, 4, 2] = np.nan  # A hole inside a sequence.
    x = keras.ops.convert_to_tensor(x)

    def loss():
        y_pred = autoencoder(x, training=True)
        return autoencoder.compute_loss(x=x, y=x, y_pred=y_pred)

    grads = gradients(loss, variables=autoencoder.trainable_weights)
    assert len(grads) == len(autoencoder.trainable_weights)
    assert all(np.isfinite(g).all() for g in grads)


def test_save_and_load_give_the_same_model(autoencoder, tmp_path):
    x = with_nan_after(random_sequences(6, 10, 8), [10, 4, 0, 7, 10, 2])
    autoencoder.fit(x, epochs=1, verbose=0)
    path = tmp_path / "ae.keras"
    autoencoder.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, lae.LSTMAutoencoder)
    np.testing.assert_array_equal(
        loaded.predict(x, verbose=0), autoencoder.predict(x, verbose=0)
    )
    np.testing.assert_array_equal(
        loaded.encoder.predict(x, verbose=0), autoencoder.encoder.predict(x, verbose=0)
    )
    assert loaded.get_layer("encoder") is loaded.encoder
    assert loaded.get_layer("decoder") is loaded.decoder
    assert loaded.evaluate(x, verbose=0) == pytest.approx(
        autoencoder.evaluate(x, verbose=0)
    )


def test_loading_keeps_alive_every_layer_keras_matches_by_id(tmp_path, monkeypatch):
    # While a file loads, Keras matches the objects it serializes by `id()`;
    # one freed before the load ends can pass its id on to another, and a
    # bidirectional encoder then came back with the wrong layers (1 load in
    # 40).
    from keras.src.saving import serialization_lib

    model = lae.LSTMAutoencoder(
        timesteps=6, features=2, latent_dim=4, units=(5, 3), bidirectional=True
    )
    model.save(tmp_path / "ae.keras")
    recorded = []
    record = serialization_lib.record_object_after_serialization

    def record_while_all_alive(obj, config):
        if isinstance(obj, keras.layers.Layer):
            # Layers hold reference cycles: only the collector frees them.
            gc.collect()
            assert all(ref() is not None for ref in recorded), "a layer was freed"
            recorded.append(weakref.ref(obj))
        return record(obj, config)

    monkeypatch.setattr(
        serialization_lib, "record_object_after_serialization", record_while_all_alive
    )
    loaded = lae.load_model(tmp_path / "ae.keras")
    assert len(recorded) >= 4  # Each wrapped layer is serialized twice.
    assert loaded.encoder.get_layer("encoder_bilstm_2").backward_layer.go_backwards


def test_config_round_trip():
    model = lae.LSTMAutoencoder(
        timesteps=3,
        features=3,
        latent_dim=6,
        units=(16, 8),
        decoder_units=(10,),
        cell="gru",
        activation="relu",
        output_activation="sigmoid",
        dropout=0.1,
        recurrent_dropout=0.2,
        bidirectional=True,
        decoder="reshape",
        seed=3,
    )
    config = model.get_config()
    json.dumps(config)
    rebuilt = lae.LSTMAutoencoder.from_config(config)
    assert rebuilt.get_config() == config
    assert rebuilt.count_params() == model.count_params()
    assert {
        "timesteps",
        "features",
        "latent_dim",
        "units",
        "decoder_units",
        "cell",
        "activation",
        "output_activation",
        "dropout",
        "recurrent_dropout",
        "bidirectional",
        "decoder",
        "front_end",
        "seed",
    } <= set(config)


def test_a_front_end_reads_every_step_and_round_trips_in_config_and_file(tmp_path):
    model = lae.LSTMAutoencoder(
        timesteps=4,
        features=6,
        latent_dim=3,
        units=(5,),
        front_end=lae.layers.SegmentConvolution(2, 3, channels=2, seed=0),
        seed=0,
    )
    front_end = model.encoder.get_layer(model.front_end.name)
    assert front_end is model.front_end  # Between the masking and the LSTM.
    x = with_nan_after(random_sequences(3, 4, 6), [4, 2, 3])
    encodings = model.encoder.predict(x, verbose=0)
    np.testing.assert_allclose(
        model.encoder.predict(x[:, :3], verbose=0)[[1, 2]], encodings[[1, 2]], atol=1e-6
    )  # Padding changes nothing: the front end passes the mask on.
    config = model.get_config()
    json.dumps(config)
    rebuilt = lae.LSTMAutoencoder.from_config(config)
    assert rebuilt.get_config() == config
    plain = lae.LSTMAutoencoder(timesteps=4, features=6, latent_dim=3, units=(5,))
    # The filters' kernels and biases, and the LSTM's weights of one more
    # input (per filter) in each of its 4 gates.
    added = 3 * 2 * 2 + 2 + 2 * 4 * 5
    assert (
        rebuilt.count_params() == model.count_params() == plain.count_params() + added
    )
    model.compile(optimizer="adam", loss="mse")
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(
        loaded.encoder.predict(x, verbose=0), encodings, atol=1e-6
    )


@pytest.mark.parametrize(
    ("front_end", "error", "message"),
    [
        ("conv", TypeError, "`front_end` must be a Keras layer"),
        (
            keras.layers.Flatten(),
            ValueError,
            "`front_end` .Flatten. must pass the mask",
        ),
    ],
)
def test_a_front_end_must_be_a_layer_that_passes_masks_on(front_end, error, message):
    with pytest.raises(error, match=message):
        lae.LSTMAutoencoder(timesteps=4, features=2, latent_dim=3, front_end=front_end)


def test_question_model_has_41333_parameters():
    model = lae.LSTMAutoencoder(
        timesteps=9,
        features=1,
        latent_dim=2,
        units=(),
        decoder_units=(100,),
        activation="relu",
    )
    assert model.count_params() == 41333
    assert model.encoder.output_shape == (None, 2)
    assert [type(layer).__name__ for layer in model.decoder.layers[1:]] == [
        "RepeatVector",
        "LSTM",
        "TimeDistributed",
    ]


def test_units_default_mirrors_into_decoder():
    model = lae.LSTMAutoencoder(timesteps=5, features=2, latent_dim=3, units=(16, 8))
    assert model.decoder_units == (8, 16)
    sizes = [layer.units for layer in model.decoder.layers if hasattr(layer, "units")]
    assert sizes == [8, 16]


OPTIONS = [
    {"cell": "gru"},
    {"bidirectional": True},
    {"bidirectional": True, "units": ()},
    {"units": (12, 8), "dropout": 0.2},
    {"recurrent_dropout": 0.2},
    {"activation": "relu"},
    {"decoder": "reshape", "latent_dim": 12, "decoder_units": (5,)},
    {"units": (), "latent_dim": 2},
    {"output_activation": "sigmoid", "loss": "binary_crossentropy"},
]


@pytest.mark.parametrize(
    "options", OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items())
)
def test_every_option_builds_and_trains(options):
    options = dict(options)
    loss = options.pop("loss", "mse")
    latent_dim = options.pop("latent_dim", 4)
    model = lae.LSTMAutoencoder(
        timesteps=6, features=3, latent_dim=latent_dim, seed=0, **options
    )
    model.compile(optimizer="adam", loss=loss)
    x = with_nan_after(random_sequences(8, 6, 3), [6, 3, 0, 5, 6, 2, 4, 1])
    before = model.evaluate(x, verbose=0)  # Without dropout's noise.
    history = model.fit(x, epochs=3, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert model.evaluate(x, verbose=0) < before
    assert model.encoder.predict(x, verbose=0).shape == (8, latent_dim)
    assert model.predict(x, verbose=0).shape == (8, 6, 3)
