"""Bad input, faults and reruns: clear errors before training, nothing lost, same result twice."""

import os
import stat
import zipfile
from pathlib import Path

import hypothesis
import keras
import numpy as np
import pytest
import torch
from hypothesis import strategies as st

import keras_lstm_ae as lae
from tests.helpers import masked_mse, random_sequences, with_nan_after

BASE = {"timesteps": 10, "features": 8, "latent_dim": 4}


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"timesteps": 0}, ValueError, "`timesteps` must be a positive integer"),
        ({"timesteps": -3}, ValueError, "`timesteps` must be a positive integer"),
        ({"timesteps": 2.5}, TypeError, "`timesteps` must be a positive integer"),
        ({"features": "8"}, TypeError, "`features` must be a positive integer"),
        ({"latent_dim": 0}, ValueError, "`latent_dim` must be a positive integer"),
        ({"latent_dim": True}, TypeError, "`latent_dim` must be a positive integer"),
        ({"units": (32, 0)}, ValueError, r"`units\[1\]` must be a positive integer"),
        ({"units": "64"}, TypeError, "`units` must be a tuple of positive integers"),
        ({"decoder_units": (4.5,)}, TypeError, r"`decoder_units\[0\]`"),
        ({"cell": "rnn"}, ValueError, "`cell` must be one of 'lstm', 'gru'"),
        (
            {"decoder": "attention"},
            ValueError,
            "`decoder` must be one of 'repeat', 'reshape'",
        ),
        (
            {"activation": "swishy"},
            ValueError,
            "`activation` must be an activation name",
        ),
        ({"output_activation": "nope"}, ValueError, "`output_activation` must be"),
        ({"dropout": 1.0}, ValueError, r"`dropout` must be in \[0, 1\)"),
        (
            {"recurrent_dropout": -0.1},
            ValueError,
            r"`recurrent_dropout` must be in \[0, 1\)",
        ),
        (
            {"decoder": "reshape", "latent_dim": 7},
            ValueError,
            "must be a multiple of `timesteps`",
        ),
        ({"seed": 1.5}, TypeError, "`seed` must be an integer"),
    ],
)
def test_constructor_rejects_bad_arguments(options, error, message):
    with pytest.raises(error, match=message):
        lae.LSTMAutoencoder(**{**BASE, **options})


@pytest.fixture
def compiled():
    model = lae.LSTMAutoencoder(**BASE, seed=0)
    model.compile(optimizer="adam", loss="mse")
    return model


BAD_DATA = [
    (
        "wrong features",
        np.zeros((4, 10, 3)),
        ValueError,
        "has 3 features per step; the model expects 8",
    ),
    ("2-D", np.zeros((4, 10)), ValueError, r"must be 3-D .* For one feature per step"),
    ("4-D", np.zeros((2, 4, 10, 8)), ValueError, "must be 3-D"),
    (
        "too long",
        np.zeros((4, 12, 8)),
        ValueError,
        "sequences of 12 steps; the model was built for at most 10",
    ),
    ("infinity", np.full((4, 10, 8), np.inf), ValueError, "infinite value"),
    ("text", np.full((2, 10, 8), "1.0"), TypeError, "must hold numbers"),
    ("empty", np.zeros((0, 10, 8)), ValueError, "is empty"),
    ("ragged lengths", [np.zeros((3, 8)), np.zeros((4, 8))], TypeError, "ragged"),
    (
        "mixed features",
        [np.zeros((3, 8)), np.zeros((3, 2))],
        TypeError,
        r"mixes feature counts: `x\[0\]` has 8 .* `x\[1\]` has 2",
    ),
]


@pytest.mark.parametrize(
    ("case", "data", "error", "message"), BAD_DATA, ids=[c[0] for c in BAD_DATA]
)
@pytest.mark.parametrize("method", ["fit", "evaluate", "predict"])
def test_bad_data_is_rejected_before_any_training(
    compiled, method, case, data, error, message
):
    before = [w.copy() for w in compiled.get_weights()]
    with pytest.raises(error, match=message):
        getattr(compiled, method)(data, verbose=0)
    assert int(compiled.optimizer.iterations.numpy()) == 0
    for old, new in zip(before, compiled.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)


def test_bad_validation_data_is_rejected(compiled):
    with pytest.raises(ValueError, match=r"`validation_data\[0\]` has 2 features"):
        compiled.fit(
            random_sequences(4, 10, 8),
            validation_data=(np.zeros((2, 10, 2)),),
            verbose=0,
        )


def test_targets_must_match_the_inputs_count(compiled):
    with pytest.raises(ValueError, match="same number of sequences; got 4 and 3"):
        compiled.fit(random_sequences(4, 10, 8), random_sequences(3, 10, 8), verbose=0)


def test_shorter_sequences_are_nan_padded_to_timesteps(compiled):
    short = random_sequences(3, 6, 8)
    padded = with_nan_after(random_sequences(3, 10, 8), [6, 6, 6])
    padded[:, :6] = short
    np.testing.assert_array_equal(
        compiled.predict(short, verbose=0), compiled.predict(padded, verbose=0)
    )


def test_encoder_alone_accepts_longer_sequences(compiled):
    assert compiled.encoder.predict(random_sequences(2, 40, 8), verbose=0).shape == (
        2,
        4,
    )


def test_nan_in_the_middle_never_makes_encoding_or_loss_nan(compiled):
    x = random_sequences(6, 10, 8)
    x[:, 3] = np.nan
    x[2, 5, 1] = np.nan  # A partly missing step counts as missing.
    assert np.isfinite(compiled.encoder.predict(x, verbose=0)).all()
    history = compiled.fit(x, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert compiled.evaluate(x, verbose=0) == pytest.approx(
        masked_mse(x, compiled.predict(x, verbose=0)), rel=1e-5
    )


def test_nan_loss_stops_training_and_keeps_the_best_weights():
    model = lae.LSTMAutoencoder(**BASE, seed=0)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="mse")
    best = {}

    class ExplodeAfterFirstEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                best["weights"] = [w.copy() for w in self.model.get_weights()]
                self.model.optimizer.learning_rate.assign(1e30)

    x = random_sequences(16, 10, 8)
    with pytest.warns(
        RuntimeWarning,
        match=r"training stopped and the weights of epoch 1 .* were restored",
    ):
        history = model.fit(
            x, epochs=50, batch_size=4, callbacks=[ExplodeAfterFirstEpoch()], verbose=0
        )
    assert len(history.history["loss"]) < 5
    for kept, restored in zip(best["weights"], model.get_weights(), strict=True):
        np.testing.assert_array_equal(kept, restored)
    assert np.isfinite(model.predict(x, verbose=0)).all()


def test_interrupted_save_leaves_the_earlier_file_intact(
    compiled, tmp_path, monkeypatch
):
    path = tmp_path / "ae.keras"
    compiled.save(path)
    good = path.read_bytes()

    def interrupted_save(self, filepath, **kwargs):
        with open(filepath, "wb") as handle:
            handle.write(b"PK\x03\x04 half a model")
        raise KeyboardInterrupt

    monkeypatch.setattr(keras.Model, "save", interrupted_save)
    with pytest.raises(KeyboardInterrupt):
        compiled.save(path)
    assert path.read_bytes() == good
    assert os.listdir(tmp_path) == ["ae.keras"]


@pytest.mark.backend_neutral
def test_a_saved_file_is_on_disk_before_its_name_is(tmp_path, monkeypatch):
    from keras_lstm_ae._utils.saving import write_atomically

    events = []
    fsync, replace = os.fsync, os.replace

    def recorded_fsync(descriptor):
        events.append(("fsync", os.fstat(descriptor).st_ino))
        fsync(descriptor)

    def recorded_replace(source, target):
        events.append(("replace", os.stat(source).st_ino))
        replace(source, target)

    monkeypatch.setattr(os, "fsync", recorded_fsync)
    monkeypatch.setattr(os, "replace", recorded_replace)
    target = tmp_path / "notes.txt"

    write_atomically(target, lambda path: Path(path).write_text("saved"), ".txt")

    assert target.read_text() == "saved"
    # The new file is flushed, then renamed (a rename keeps the inode), then
    # the folder that now names it is flushed.
    file, folder = target.stat().st_ino, tmp_path.stat().st_ino
    assert events == [("fsync", file), ("replace", file), ("fsync", folder)]


def test_save_refuses_to_overwrite_when_asked(compiled, tmp_path):
    path = tmp_path / "ae.keras"
    compiled.save(path)
    with pytest.raises(FileExistsError, match="pass `overwrite=True`"):
        compiled.save(path, overwrite=False)
    with pytest.raises(ValueError, match=r"`filepath` must end in \.keras"):
        compiled.save(tmp_path / "ae.h5")


def test_weights_save_atomically_and_reload(compiled, tmp_path):
    path = tmp_path / "ae.weights.h5"
    compiled.save_weights(path)
    other = lae.LSTMAutoencoder(**BASE, seed=1)
    other.load_weights(path)
    x = random_sequences(2, 10, 8)
    np.testing.assert_array_equal(
        other.predict(x, verbose=0), compiled.predict(x, verbose=0)
    )
    assert os.listdir(tmp_path) == ["ae.weights.h5"]


def test_loading_a_truncated_or_foreign_file_names_it(compiled, tmp_path):
    path = tmp_path / "ae.keras"
    compiled.save(path)
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with pytest.raises(ValueError, match="truncated.keras"):
        lae.load_model(truncated)
    foreign = tmp_path / "notes.keras"
    foreign.write_text("not a model")
    with pytest.raises(ValueError, match="notes.keras"):
        lae.load_model(foreign)
    empty_zip = tmp_path / "empty.keras"
    with zipfile.ZipFile(empty_zip, "w"):
        pass
    with pytest.raises(ValueError, match="empty.keras"):
        lae.load_model(empty_zip)
    with pytest.raises(FileNotFoundError, match="missing.keras"):
        lae.load_model(tmp_path / "missing.keras")
    assert isinstance(lae.load_model(path), lae.LSTMAutoencoder)


def train_once(seed):
    model = lae.LSTMAutoencoder(**BASE, dropout=0.2, seed=seed)
    model.compile(optimizer="adam", loss="mse")
    x = with_nan_after(random_sequences(24, 10, 8), np.arange(24) % 11)
    model.fit(x, epochs=2, batch_size=5, verbose=0)
    return model.get_weights(), model.encoder.predict(x, verbose=0)


def test_same_seed_gives_identical_weights_and_encodings():
    weights_a, z_a = train_once(seed=7)
    weights_b, z_b = train_once(seed=7)
    for a, b in zip(weights_a, weights_b, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(z_a, z_b)
    weights_c, _ = train_once(seed=8)
    assert not all(
        np.array_equal(a, c) for a, c in zip(weights_a, weights_c, strict=True)
    )


def global_random_states():
    """The global random states Keras may shuffle with: torch's, NumPy's, and
    TensorFlow's global seed on that backend."""
    numpy_state = np.random.get_state()[1:]  # noqa: NPY002  (Keras's, on JAX)
    states = [torch.random.get_rng_state().numpy(), *numpy_state]
    if keras.backend.backend() == "tensorflow":
        from tensorflow.python.eager import context

        states.append(context.global_seed())
    return states


def test_seeded_training_leaves_the_global_random_state_alone():
    before = global_random_states()
    train_once(seed=7)
    for a, b in zip(before, global_random_states(), strict=True):
        np.testing.assert_array_equal(a, b)


@st.composite
def padded_batches(draw):
    timesteps = draw(st.integers(2, 7))
    features = draw(st.integers(1, 3))
    samples = draw(st.integers(1, 5))
    lengths = draw(
        st.lists(st.integers(0, timesteps), min_size=samples, max_size=samples)
    )
    seed = draw(st.integers(0, 2**16))
    x = with_nan_after(
        random_sequences(samples, timesteps, features, seed=seed), lengths
    )
    holes = draw(
        st.lists(
            st.tuples(st.integers(0, samples - 1), st.integers(0, timesteps - 1)),
            max_size=3,
        )
    )
    for sample, step in holes:
        x[sample, step] = np.nan
    options = draw(
        st.fixed_dictionaries(
            {
                "cell": st.sampled_from(["lstm", "gru"]),
                "bidirectional": st.booleans(),
                "units": st.sampled_from([(), (6,), (5, 3)]),
            }
        )
    )
    return x, options


# On JAX and TensorFlow every example compiles new models (about 5 s each);
# torch runs the full sample, the other backends a smaller one of it.
@hypothesis.settings(
    max_examples=20 if keras.backend.backend() == "torch" else 6, deadline=None
)
@hypothesis.given(padded_batches(), st.integers(1, 4))
def test_property_padding_loss_and_saving(tmp_path_factory, batch, extra_padding):
    x, options = batch
    samples, timesteps, features = x.shape
    model = lae.LSTMAutoencoder(
        timesteps + extra_padding, features, 4, seed=0, **options
    )
    model.compile(optimizer="adam", loss="mse")
    nan_tail = np.full((samples, extra_padding, features), np.nan, "float32")
    padded = np.concatenate([x, nan_tail], axis=1)
    # Padding never changes an encoding.
    np.testing.assert_allclose(
        model.encoder.predict(x, verbose=0),
        model.encoder.predict(padded, verbose=0),
        atol=1e-5,
    )
    # The loss is NumPy's mean over real steps (0 when there is none).
    expected = (
        masked_mse(padded, model.predict(padded, verbose=0))
        if (~np.isnan(padded).any(-1)).any()
        else 0.0
    )
    assert model.evaluate(padded, batch_size=2, verbose=0) == pytest.approx(
        expected, rel=1e-4, abs=1e-7
    )
    # Saving and loading is exact.
    path = tmp_path_factory.mktemp("saved") / "model.keras"
    model.save(path)
    np.testing.assert_array_equal(
        lae.load_model(path).predict(padded, verbose=0),
        model.predict(padded, verbose=0),
    )


def test_saved_files_get_the_usual_permissions(compiled, tmp_path):
    umask = os.umask(0)
    os.umask(umask)
    expected = 0o666 & ~umask
    model_path = tmp_path / "ae.keras"
    compiled.save(model_path)
    scaler_path = tmp_path / "scaler.json"
    lae.StandardScaler().fit(random_sequences(3, 4, 2)).save(scaler_path)
    diagram_path = tmp_path / "ae.png"
    lae.plot_architecture(compiled, diagram_path)
    for path in (model_path, scaler_path, diagram_path):
        assert stat.S_IMODE(os.stat(path).st_mode) == expected, path
