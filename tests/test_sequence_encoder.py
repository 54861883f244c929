"""Specification of `SequenceEncoder`: forms of input, vectors, estimator API, files."""

import pickle

import joblib
import keras
import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

import keras_lstm_ae as lae
from keras_lstm_ae.preprocessing import segments

# The encoder's own logic (scaling, segments, parameters, files, messages) is
# the same on every Keras backend, so CI runs these tests on torch; those
# marked `every_backend` take it through each backend's training, masking,
# seeding and saving.
pytestmark = pytest.mark.backend_neutral

# Small and quick: the tests check behaviour, not the quality of the defaults
# (benchmarks/bench_encodings.py measures that).
QUICK = {"epochs": 2, "units": (8,), "seed": 0}


def ragged_sines(count=12, seed=0):
    """Sines of two frequencies and lengths 15..30; labels are the frequency."""
    rng = np.random.default_rng(seed)
    sequences, labels = [], []
    for index in range(count):
        label = index % 2
        length = int(rng.integers(15, 31))
        phase = rng.uniform(0, 0.5)
        steps = np.arange(length)
        sequences.append(np.sin(phase + steps * (0.3 if label else 0.8)))
        labels.append(label)
    return sequences, np.array(labels)


@pytest.fixture(scope="module")
def fitted():
    sequences, _ = ragged_sines()
    return lae.SequenceEncoder(latent_dim=4, **QUICK).fit(sequences), sequences


# --- Forms of input ---


@pytest.mark.every_backend
def test_fit_returns_the_encoder_and_transform_gives_one_vector_per_sequence(fitted):
    encoder, sequences = fitted

    vectors = encoder.transform(sequences)

    assert vectors.shape == (12, 4)
    assert vectors.dtype == np.float32
    assert np.isfinite(vectors).all()


def test_a_ragged_list_and_its_nan_padded_array_give_the_same_vectors(fitted):
    encoder, sequences = fitted
    padded = lae.pad_sequences(sequences)

    np.testing.assert_allclose(
        encoder.transform(sequences), encoder.transform(padded), atol=1e-6
    )
    np.testing.assert_allclose(
        encoder.transform(sequences), encoder.transform(padded[..., 0]), atol=1e-6
    )


def test_a_wide_dataframe_is_read_one_sequence_per_row(fitted):
    encoder, sequences = fitted
    padded = lae.pad_sequences(sequences)[..., 0]

    np.testing.assert_allclose(
        encoder.transform(pd.DataFrame(padded)), encoder.transform(padded), atol=1e-6
    )


def test_a_table_is_read_at_any_width_and_its_fitted_width_is_n_features_in(tmp_path):
    sequences, _ = ragged_sines()
    table = lae.pad_sequences(sequences, maxlen=32)[..., 0]  # one step per column
    encoder = lae.SequenceEncoder(latent_dim=2, **QUICK).fit(pd.DataFrame(table))
    # scikit-learn's count of the columns, which here are steps.
    assert (encoder.n_features_in_, encoder.n_features_per_step_) == (32, 1)

    # Narrower and wider tables are sequences of those lengths.
    short = [sequence[:20] for sequence in sequences]
    np.testing.assert_allclose(
        encoder.transform(table[:, :20]), encoder.transform(short), atol=1e-6
    )
    wider = np.c_[table, np.full((len(table), 8), np.nan)]
    np.testing.assert_allclose(
        encoder.transform(wider), encoder.transform(sequences), atol=1e-6
    )
    encoder.save(tmp_path / "encoder.keras")
    loaded = lae.load_encoder(tmp_path / "encoder.keras")
    assert (loaded.n_features_in_, loaded.n_features_per_step_) == (32, 1)


def test_an_encoder_fitted_on_sequences_reads_a_table_of_any_width(fitted):
    encoder, sequences = fitted
    assert encoder.n_features_in_ == encoder.n_features_per_step_ == 1
    table = lae.pad_sequences(sequences, maxlen=40)[..., 0]

    np.testing.assert_allclose(
        encoder.transform(table), encoder.transform(sequences), atol=1e-6
    )


def test_an_object_array_of_numbers_is_read_as_the_numbers(fitted):
    encoder, sequences = fitted
    padded = lae.pad_sequences(sequences)

    np.testing.assert_array_equal(
        encoder.transform(padded.astype(object)), encoder.transform(padded)
    )


@pytest.mark.every_backend
def test_a_vector_does_not_depend_on_the_padding_of_its_batch(fitted):
    encoder, sequences = fitted

    alone = encoder.transform([sequences[0]])
    with_longer = encoder.transform([sequences[0], np.zeros(300)])

    np.testing.assert_allclose(alone[0], with_longer[0], atol=1e-5)


def test_transform_accepts_sequences_longer_than_any_seen_in_fit(fitted):
    encoder, sequences = fitted
    assert encoder.timesteps_ == max(len(s) for s in sequences) < 500

    vectors = encoder.transform([np.sin(np.arange(500) * 0.3)])

    assert vectors.shape == (1, 4)
    assert np.isfinite(vectors).all()


def test_missing_values_inside_a_sequence_are_interpolated(fitted):
    encoder, _ = fitted
    complete = np.sin(np.arange(24) * 0.3)
    holed = complete.copy()
    holed[10] = np.nan
    interpolated = complete.copy()
    interpolated[10] = (complete[9] + complete[11]) / 2

    np.testing.assert_allclose(
        encoder.transform([holed]), encoder.transform([interpolated]), atol=1e-6
    )


def test_multivariate_sequences_keep_their_features():
    rng = np.random.default_rng(0)
    sequences = [rng.normal(size=(length, 3)) for length in (9, 12, 7, 12)]

    encoder = lae.SequenceEncoder(latent_dim=2, segment_length=3, **QUICK).fit(
        sequences
    )

    assert encoder.n_features_in_ == encoder.n_features_per_step_ == 3
    assert encoder.segment_length_ == 3
    assert encoder.model_.features == 9  # 3 steps of 3 features per segment
    assert encoder.transform(sequences).shape == (4, 2)
    assert encoder.inverse_transform(np.zeros((1, 2))).shape == (1, 12, 3)


# --- What the vectors hold ---


def test_inverse_transform_decodes_back_to_front_segments_into_original_units(fitted):
    encoder, sequences = fitted
    vectors = encoder.transform(sequences)

    decoded = encoder.inverse_transform(vectors)

    reversed_segments = encoder.model_.decoder.predict(vectors, verbose=0)
    by_hand = encoder.scaler_.inverse_transform(
        segments.from_segments(reversed_segments[:, ::-1], 1, encoder.timesteps_)
    )
    assert decoded.shape == (12, encoder.timesteps_, 1)
    np.testing.assert_allclose(decoded, by_hand, rtol=1e-5, atol=1e-5)


def test_the_model_is_trained_to_rebuild_scaled_segments_back_to_front():
    sequences, _ = ragged_sines(count=6)
    encoder = lae.SequenceEncoder(latent_dim=3, segment_length=6, **QUICK).fit(
        sequences
    )
    padded = lae.pad_sequences(sequences)
    inputs = segments.to_segments(
        segments.fill_gaps(encoder.scaler_.transform(padded)), encoder.segment_length_
    )

    # The loss the estimator reports is the autoencoder's own loss on
    # reversed targets: evaluating it on forward targets gives another value.
    backwards = encoder.model_.evaluate(inputs, inputs[:, ::-1], verbose=0)
    forwards = encoder.model_.evaluate(inputs, inputs, verbose=0)
    assert backwards != pytest.approx(forwards)
    np.testing.assert_allclose(
        encoder.model_.predict(inputs, verbose=0)[:, ::-1].shape, inputs.shape
    )


def test_trained_vectors_tell_two_kinds_of_sequence_apart():
    sequences, labels = ragged_sines(count=40, seed=1)
    test_sequences, test_labels = ragged_sines(count=20, seed=2)
    encoder = lae.SequenceEncoder(
        latent_dim=4, epochs=60, units=(16,), seed=0, patience=60
    ).fit(sequences)

    nearest = KNeighborsClassifier(n_neighbors=1).fit(
        encoder.transform(sequences), labels
    )

    assert nearest.score(encoder.transform(test_sequences), test_labels) >= 0.9
    assert encoder.history_["val_loss"][-1] < encoder.history_["val_loss"][0]


@pytest.mark.every_backend
def test_the_same_seed_gives_the_same_vectors():
    sequences, _ = ragged_sines()

    first = lae.SequenceEncoder(latent_dim=3, **QUICK).fit_transform(sequences)
    second = lae.SequenceEncoder(latent_dim=3, **QUICK).fit_transform(sequences)

    np.testing.assert_array_equal(first, second)


# --- Training ---


def batches_read_by_fit(encoder, sequences, monkeypatch):
    """The first training and held-out batches that `fit` prepares."""
    from keras_lstm_ae.estimators import base

    seen = {}
    original = base.SequenceModelEstimator._prepared_batches

    def spy(self, *args, **kwargs):
        training, held_out = original(self, *args, **kwargs)
        seen["training"], seen["held_out"] = training[0], held_out[0]
        return training, held_out

    monkeypatch.setattr(base.SequenceModelEstimator, "_prepared_batches", spy)
    encoder.fit(sequences)
    return seen["training"], seen["held_out"]


def test_time_warp_changes_training_inputs_not_their_targets(monkeypatch):
    sequences = [np.sin(np.linspace(0, 6, 40)) + k for k in range(20)]
    encoder = lae.SequenceEncoder(
        latent_dim=2, time_warp=0.3, segment_length=1, **QUICK
    )

    (inputs, targets), (held_in, held_targets) = batches_read_by_fit(
        encoder, sequences, monkeypatch
    )

    # The targets are the sequences as recorded, back to front: each one's
    # first and last values are kept by the warp, the middle moves.
    np.testing.assert_allclose(inputs[:, 0], targets[:, -1], rtol=1e-6)
    np.testing.assert_allclose(inputs[:, -1], targets[:, 0], rtol=1e-6)
    assert not np.allclose(inputs, targets[:, ::-1], atol=1e-3)
    np.testing.assert_array_equal(held_in, held_targets[:, ::-1])


def test_without_time_warp_the_inputs_are_the_targets_reversed(monkeypatch):
    sequences = [np.sin(np.linspace(0, 6, 40)) + k for k in range(20)]
    encoder = lae.SequenceEncoder(latent_dim=2, time_warp=0.0, **QUICK)
    recorded = []
    original = lae.LSTMAutoencoder.fit

    def spy(self, x=None, y=None, **kwargs):
        recorded.append((x, y))
        return original(self, x, y, **kwargs)

    monkeypatch.setattr(lae.LSTMAutoencoder, "fit", spy)
    encoder.fit(sequences)

    ((inputs, targets),) = recorded
    np.testing.assert_array_equal(inputs, targets[:, ::-1])


def test_segment_filters_add_shift_tolerant_features_that_save_and_load(tmp_path):
    sequences, _ = ragged_sines()
    encoder = lae.SequenceEncoder(latent_dim=4, segment_filters=3, **QUICK)
    encoder.fit(sequences)
    layer = encoder.model_.encoder.get_layer("segment_convolution")
    assert isinstance(layer, lae.layers.SegmentConvolution)
    assert (layer.filters, layer.kernel_size, layer.channels) == (3, 7, 1)
    # The LSTM reads each segment's values and the 3 features.
    assert layer.output.shape[-1] == encoder.segment_length_ + 3
    vectors = encoder.transform(sequences)
    path = tmp_path / "encoder.keras"
    encoder.save(path)
    loaded = lae.load_encoder(path)
    assert loaded.get_params()["segment_filters"] == 3
    np.testing.assert_allclose(loaded.transform(sequences), vectors, atol=1e-6)


def test_history_has_held_out_loss_and_stops_early():
    sequences, _ = ragged_sines(count=20)
    encoder = lae.SequenceEncoder(
        latent_dim=2, epochs=200, patience=1, learning_rate=0.5, units=(4,), seed=0
    ).fit(sequences)

    assert set(encoder.history_) == {"loss", "val_loss"}
    assert len(encoder.history_["loss"]) < 200


def test_without_held_out_data_the_training_loss_decides():
    sequences, _ = ragged_sines()

    encoder = lae.SequenceEncoder(latent_dim=2, validation_split=0.0, **QUICK).fit(
        sequences
    )

    assert set(encoder.history_) == {"loss"}


def test_verbose_shows_keras_progress(capsys):
    sequences, _ = ragged_sines()

    lae.SequenceEncoder(latent_dim=2, verbose=2, **QUICK).fit(sequences)

    assert "Epoch 2/2" in capsys.readouterr().out


# --- The scikit-learn estimator API ---


def test_params_include_the_model_options_and_clone_keeps_them():
    encoder = lae.SequenceEncoder(latent_dim=8, epochs=5, units=(32,), cell="gru")

    params = encoder.get_params()
    copy = clone(encoder)

    assert params["latent_dim"] == 8
    assert params["units"] == (32,)
    assert params["cell"] == "gru"
    assert copy.get_params() == params
    assert not hasattr(copy, "model_")


def test_set_params_sets_estimator_and_model_options():
    encoder = lae.SequenceEncoder()

    encoder.set_params(latent_dim=3, units=(4,), bidirectional=False)

    assert encoder.latent_dim == 3
    assert encoder.get_params()["units"] == (4,)
    assert encoder.get_params()["bidirectional"] is False


def test_model_options_may_come_as_one_dict_where_keywords_take_precedence(
    tmp_path,
):
    sequences, _ = ragged_sines()
    encoder = lae.SequenceEncoder(
        latent_dim=2,
        epochs=1,
        seed=0,
        model_options={"units": (5,), "cell": "gru"},
        units=(3,),
    )

    copy = clone(encoder).fit(sequences)

    assert copy.get_params() == encoder.get_params()
    assert copy.get_params()["model_options"] == {"units": (5,), "cell": "gru"}
    assert copy.model_.units == (3,)
    assert copy.model_.cell == "gru"
    copy.save(tmp_path / "encoder.keras")
    loaded = lae.load_encoder(tmp_path / "encoder.keras")
    assert loaded.get_params()["model_options"] == {"units": [5], "cell": "gru"}
    assert loaded.get_params()["units"] == [3]
    encoder.set_params(model_options={"bidirectional": False})
    assert encoder.get_params()["model_options"] == {"bidirectional": False}


def test_model_options_reach_the_autoencoder():
    sequences, _ = ragged_sines()

    encoder = lae.SequenceEncoder(
        latent_dim=2, epochs=1, seed=0, units=(5, 3), bidirectional=False
    ).fit(sequences)

    assert encoder.model_.units == (5, 3)
    assert encoder.model_.bidirectional is False
    assert encoder.model_.latent_dim == 2


def test_pipeline_before_a_classifier():
    sequences, labels = ragged_sines()
    padded = lae.pad_sequences(sequences)

    pipeline = make_pipeline(
        lae.SequenceEncoder(latent_dim=2, **QUICK), KNeighborsClassifier(1)
    )
    pipeline.fit(padded, labels)

    assert pipeline.predict(padded).shape == (12,)
    assert pipeline[:-1].get_feature_names_out().tolist() == [
        "sequenceencoder0",
        "sequenceencoder1",
    ]


def test_fit_transform_equals_fit_then_transform():
    sequences, _ = ragged_sines()

    once = lae.SequenceEncoder(latent_dim=2, **QUICK).fit_transform(sequences)
    encoder = lae.SequenceEncoder(latent_dim=2, **QUICK).fit(sequences)

    np.testing.assert_allclose(once, encoder.transform(sequences), atol=1e-6)


# --- Files ---


@pytest.mark.every_backend
def test_save_and_load_encoder_give_the_same_vectors_and_reconstructions(
    fitted, tmp_path
):
    encoder, sequences = fitted
    path = tmp_path / "encoder.keras"

    encoder.save(path)
    loaded = lae.load_encoder(path)

    np.testing.assert_allclose(
        loaded.transform(sequences), encoder.transform(sequences), atol=1e-6
    )
    z = encoder.transform(sequences[:2])
    np.testing.assert_allclose(
        loaded.inverse_transform(z), encoder.inverse_transform(z), atol=1e-5
    )
    np.testing.assert_array_equal(loaded.scaler_.mean_, encoder.scaler_.mean_)
    assert loaded.get_params() == {**encoder.get_params(), "units": [8]}
    assert loaded.history_ == encoder.history_


def test_the_saved_file_is_a_keras_archive_of_the_autoencoder(fitted, tmp_path):
    encoder, _ = fitted
    path = tmp_path / "encoder.keras"
    encoder.save(path)

    model = keras.saving.load_model(path)

    assert isinstance(model, lae.LSTMAutoencoder)
    assert model.encoder.output_shape == (None, 4)


def test_save_refuses_to_overwrite_when_asked(fitted, tmp_path):
    encoder, _ = fitted
    path = tmp_path / "encoder.keras"
    path.write_bytes(b"keep me")

    with pytest.raises(FileExistsError, match="overwrite=True"):
        encoder.save(path, overwrite=False)
    assert path.read_bytes() == b"keep me"


def test_save_needs_a_keras_suffix_and_a_fitted_encoder(fitted, tmp_path):
    encoder, _ = fitted
    with pytest.raises(ValueError, match=r"must end in \.keras"):
        encoder.save(tmp_path / "encoder.h5")
    with pytest.raises(lae.NotFittedError, match="Call `fit`"):
        lae.SequenceEncoder().save(tmp_path / "encoder.keras")


def test_load_encoder_names_a_file_that_holds_no_encoder(tmp_path):
    model = lae.LSTMAutoencoder(timesteps=4, features=1, latent_dim=2)
    path = tmp_path / "plain.keras"
    model.save(path)

    with pytest.raises(ValueError, match="no SequenceEncoder"):
        lae.load_encoder(path)
    with pytest.raises(FileNotFoundError):
        lae.load_encoder(tmp_path / "missing.keras")


@pytest.mark.parametrize(
    ("dumps", "loads"), [(pickle.dumps, pickle.loads), (None, None)]
)
def test_pickle_and_joblib_round_trips(fitted, tmp_path, dumps, loads):
    encoder, sequences = fitted
    if dumps is None:
        joblib.dump(encoder, tmp_path / "encoder.joblib")
        copy = joblib.load(tmp_path / "encoder.joblib")
    else:
        copy = loads(dumps(encoder))

    np.testing.assert_allclose(
        copy.transform(sequences), encoder.transform(sequences), atol=1e-6
    )


# --- Bad input, refused before any training ---


@pytest.mark.parametrize(
    ("X", "error", "message"),
    [
        ([np.zeros((5, 2)), np.zeros((4, 3))], ValueError, r"`X\[1\]` has 3 feature"),
        ([["a", "b"], ["c"]], TypeError, "numbers"),
        (np.array([["a", "b"]]), TypeError, "numbers"),
        ([], ValueError, "`X` is empty"),
        ("abc", TypeError, "`X` must be"),
        (np.zeros((3, 4, 5, 6)), ValueError, "`X` must be 3-D"),
        ([np.ones(4), np.full(4, np.nan)], ValueError, r"`X\[1\]` has no real step"),
        (np.array([[1.0, np.inf]]), ValueError, "infinite"),
        (np.zeros(5), ValueError, "Reshape your data"),
        (np.zeros((3, 4), complex), ValueError, "Complex data not supported"),
        (sparse.csr_array(np.ones((3, 4))), TypeError, "sparse input is not"),
        (np.zeros((3, 0)), ValueError, r"0 feature\(s\) \(shape=\(3, 0\)\)"),
        (
            np.array([[1.0, {}]], dtype=object),
            TypeError,
            "argument must be a string or a real number",
        ),
    ],
)
def test_bad_sequences_are_refused_before_training(X, error, message):
    encoder = lae.SequenceEncoder(**QUICK)

    with pytest.raises(error, match=message):
        encoder.fit(X)
    assert not hasattr(encoder, "model_")


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"latent_dim": 0}, ValueError, "`latent_dim` must be a positive integer"),
        ({"epochs": 2.5}, TypeError, "`epochs` must be a positive integer"),
        (
            {"validation_split": 1.0},
            ValueError,
            r"`validation_split` must be in \[0, 1\)",
        ),
        ({"segment_length": -1}, ValueError, "`segment_length` must be a positive"),
        ({"seed": "zero"}, TypeError, "`seed` must be an integer"),
        ({"unit": (8,)}, TypeError, "unknown option 'unit'"),
        ({"learning_rate": 0.0}, ValueError, "`learning_rate` must be a positive"),
        ({"learning_rate": "fast"}, TypeError, "`learning_rate` must be a positive"),
        ({"cell": "rnn"}, ValueError, "`cell` must be one of"),
        ({"time_warp": -0.1}, ValueError, "`time_warp` must be a finite number >= 0"),
        ({"time_warp": "some"}, TypeError, "`time_warp` must be a number >= 0"),
        (
            {"segment_filters": -1},
            ValueError,
            "`segment_filters` must be a non-negative integer",
        ),
        (
            {"segment_filters": 2.5},
            TypeError,
            "`segment_filters` must be a non-negative integer",
        ),
        ({"front_end": "conv"}, TypeError, "unknown option 'front_end'"),
        ({"model_options": -1}, TypeError, "`model_options` must be a dict"),
        ({"model_options": {"unit": 8}}, TypeError, "unknown option 'unit'"),
    ],
)
def test_bad_arguments_are_refused_before_training(arguments, error, message):
    sequences, _ = ragged_sines()
    encoder = lae.SequenceEncoder(**{**QUICK, **arguments})

    with pytest.raises(error, match=message):
        encoder.fit(sequences)
    assert not hasattr(encoder, "model_")


def test_transform_before_fit_says_to_call_fit():
    with pytest.raises(lae.NotFittedError, match="not fitted yet. Call `fit`"):
        lae.SequenceEncoder().transform([np.zeros(5)])


def test_transform_refuses_another_feature_count_and_empty_sequences(fitted):
    encoder, _ = fitted

    with pytest.raises(ValueError, match="2 feature.*fitted on 1"):
        encoder.transform([np.zeros((5, 2))])
    with pytest.raises(ValueError, match=r"`X\[1\]` has no real step"):
        encoder.transform([np.ones(5), np.full(5, np.nan)])


def test_inverse_transform_refuses_vectors_of_another_size(fitted):
    encoder, _ = fitted

    with pytest.raises(ValueError, match=r"`Z` must have shape \(n, 4\)"):
        encoder.inverse_transform(np.zeros((2, 3)))


# --- Sequences on disk ---


def test_a_memmap_trains_batch_by_batch_to_the_encoder_of_the_same_array(tmp_path):
    import tracemalloc

    rng = np.random.default_rng(0)
    x = rng.standard_normal((80_000, 40, 2)) + np.linspace(0, 3, 40)[None, :, None]
    x = x.astype("float32")
    x[::3, 30:] = np.nan  # Ragged: a third of the sequences end at step 30.
    x[1, 5, 0] = np.nan  # A gap.
    np.save(tmp_path / "x.npy", x)  # 26 MB: any copy of it would show.
    mapped = np.load(tmp_path / "x.npy", mmap_mode="r")
    # A small model: what is measured is how the data is read.
    settings = {"latent_dim": 4, "epochs": 1, "batch_size": 1024, "seed": 0}
    settings.update(units=(4,), bidirectional=False)
    lae.SequenceEncoder(**settings).fit(mapped[:2000])  # Imports, first builds.
    tracemalloc.start()
    try:
        on_disk = lae.SequenceEncoder(**settings).fit(mapped)
        vectors = on_disk.transform(mapped)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Chunks of 4096 sequences (1.3 MB; 2.6 as float64), batches of 1024, and
    # Keras's own objects: a copy of the data, or its segments, would not fit.
    # (On TensorFlow the peak was 25 MB: it traces each new model's graph in
    # Python objects, which tracemalloc counts too.)
    if keras.backend.backend() != "tensorflow":
        assert peak < 0.6 * mapped.nbytes, (peak, mapped.nbytes)
    in_memory_scaler = lae.StandardScaler().fit(x)
    np.testing.assert_allclose(on_disk.scaler_.mean_, in_memory_scaler.mean_)
    np.testing.assert_allclose(on_disk.scaler_.scale_, in_memory_scaler.scale_)
    np.testing.assert_allclose(vectors, on_disk.transform(x), atol=1e-5)
    if keras.backend.backend() != "torch":
        # Elsewhere Keras shuffles arrays in memory its own way, so training
        # on `x` would be another run: there is no same training to compare.
        return
    # On torch, arrays in memory take the same batches in the same order: the
    # same training.
    in_memory = lae.SequenceEncoder(**settings).fit(x)
    np.testing.assert_allclose(
        on_disk.history_["val_loss"], in_memory.history_["val_loss"], rtol=1e-5
    )
    np.testing.assert_allclose(vectors, in_memory.transform(x), atol=1e-5)
