"""Batches grouped by length and cut short: exact, and trained on by `fit`."""

import keras
import numpy as np
import pytest

import keras_lstm_ae as lae
from keras_lstm_ae.preprocessing.batching import (
    SequenceBatches,
    group_by_length,
    padded_lengths,
)
from tests.helpers import gradients, random_sequences, with_nan_after

TIMESTEPS = 12


def ragged(samples=20, features=2, seed=0, lengths_from=None):
    """NaN-padded sequences of random lengths 2..9, or drawn from `lengths_from`."""
    rng = np.random.default_rng(seed)
    if lengths_from is None:
        lengths = rng.integers(2, TIMESTEPS - 2, samples)
    else:
        lengths = rng.choice(lengths_from, samples)
    x = with_nan_after(random_sequences(samples, TIMESTEPS, features, seed), lengths)
    return x, lengths


def autoencoder(**options):
    settings = {"latent_dim": 4, "units": (8,), "seed": 0, **options}
    model = lae.LSTMAutoencoder(TIMESTEPS, 2, **settings)
    model.compile(optimizer="adam", loss="mse")
    return model


# --- Grouping ---


def test_padded_lengths_reach_the_last_real_step_of_inputs_or_targets():
    x, lengths = ragged()
    x[0, 1] = np.nan  # A gap inside a sequence does not shorten it.
    assert padded_lengths(x).tolist() == lengths.tolist()
    y = x.copy()
    y[3, : TIMESTEPS - 1] = 1.0  # A target that goes on longer.
    expected = lengths.copy()
    expected[3] = TIMESTEPS - 1
    assert padded_lengths(x, y).tolist() == expected.tolist()


def test_groups_hold_every_sequence_once_with_similar_lengths():
    lengths = np.random.default_rng(0).integers(1, 500, 1000)
    batches = group_by_length(lengths, 8, np.random.default_rng(0))
    members = np.concatenate(batches)
    assert sorted(members.tolist()) == list(range(1000))
    assert [len(b) for b in batches].count(8) == 125
    # Sorted within groups of 50 batches: a batch spans a small part of the
    # range of lengths, where random batches span most of it.
    spans = [np.ptp(lengths[b]) for b in batches]
    assert np.median(spans) < 40


def test_groups_are_shuffled_by_the_seed_and_sorted_without_one():
    lengths = np.arange(100) % 37
    first = group_by_length(lengths, 10, np.random.default_rng(1))
    again = group_by_length(lengths, 10, np.random.default_rng(1))
    other = group_by_length(lengths, 10, np.random.default_rng(2))
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other, strict=True))
    ordered = np.concatenate(group_by_length(lengths, 10))
    assert np.all(np.diff(lengths[ordered]) <= 0)


def test_batches_are_cut_after_their_longest_sequence_with_aligned_targets():
    x, lengths = ragged()
    y = x * 2
    weights = np.arange(len(x), dtype="float32")
    batches = SequenceBatches(
        x, y, weights, batch_size=6, shuffle=False, group_by_length=True
    )
    seen = []
    for index in range(len(batches)):
        bx, by, bw = batches[index]
        members = np.sort(batches.batch(index))
        assert bx.shape == (len(members), lengths[members].max(), 2)
        np.testing.assert_array_equal(bx, x[members, : bx.shape[1]])
        np.testing.assert_array_equal(by, 2 * bx)
        np.testing.assert_array_equal(bw, weights[members])
        seen.extend(members.tolist())
    assert sorted(seen) == list(range(len(x)))


def test_rounded_cuts_are_multiples_up_to_timesteps():
    x, _ = ragged()
    batches = SequenceBatches(
        x, batch_size=4, shuffle=False, group_by_length=True, round_to=7
    )
    steps = [batches[i].shape[1] for i in range(len(batches))]
    assert all(s % 7 == 0 or s == TIMESTEPS for s in steps)


def test_shuffled_batches_change_every_epoch():
    x, _ = ragged(samples=60)
    batches = SequenceBatches(x, batch_size=5, seed=0, group_by_length=True)
    before = [batches.batch(i).copy() for i in range(len(batches))]
    batches.on_epoch_end()
    after = [batches.batch(i) for i in range(len(batches))]
    assert not all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    assert sorted(np.concatenate(after).tolist()) == list(range(60))


# --- Exactness: a cut batch is the start of the full-length batch ---


CUT_MODELS = {
    "lstm": {},
    "bidirectional-stacked": {"bidirectional": True, "units": (8, 6)},
    "reshape": {"decoder": "reshape", "latent_dim": 2 * TIMESTEPS},
    "gru": {"cell": "gru"},
}
if keras.backend.backend() != "torch":
    # There, GRU and LSTM are Keras's own layers, masked by the same RNN code
    # the LSTM cases check; on torch each is its own fused kernel.
    del CUT_MODELS["gru"]


@pytest.mark.parametrize("options", list(CUT_MODELS.values()), ids=list(CUT_MODELS))
def test_cut_batch_gives_the_same_reconstructions_loss_and_gradients(options):
    model = autoencoder(**options)
    x, lengths = ragged(samples=8)
    x[0, 1, 0] = np.nan  # A missing value inside a sequence.
    cut = x[:, : lengths.max()]

    def loss(inputs):
        return model.compute_loss(x=inputs, y_pred=model(inputs, training=True))

    full_out = keras.ops.convert_to_numpy(model(x))
    cut_out = keras.ops.convert_to_numpy(model(cut))
    assert cut_out.shape == cut.shape
    np.testing.assert_allclose(cut_out, full_out[:, : cut.shape[1]], atol=1e-5)
    np.testing.assert_allclose(
        float(keras.ops.convert_to_numpy(loss(x))),
        float(keras.ops.convert_to_numpy(loss(cut))),
        rtol=1e-5,
    )
    variables = model.trainable_variables
    full_grads = gradients(lambda: loss(x), variables=variables)
    cut_grads = gradients(lambda: loss(cut), variables=variables)
    for variable, full, short in zip(variables, full_grads, cut_grads, strict=True):
        np.testing.assert_allclose(short, full, atol=1e-5, err_msg=variable.path)


# The tests that train on grouped batches draw lengths from two values: JAX and
# TensorFlow compile a training step for each new batch shape (1-2 s each).
FEW_LENGTHS = (4, 9)


def test_an_epoch_on_cut_batches_trains_the_weights_of_full_length_ones():
    x, _ = ragged(samples=24, lengths_from=FEW_LENGTHS)
    grouped = SequenceBatches(x, batch_size=5, shuffle=False, group_by_length=True)

    class FullLength(keras.utils.PyDataset):
        def __len__(self):
            return len(grouped)

        def __getitem__(self, index):
            return x[np.sort(grouped.batch(index))]

    cut_model, full_model = autoencoder(), autoencoder()
    cut_model.fit(grouped, epochs=2, shuffle=False, verbose=0)
    full_model.fit(FullLength(), epochs=2, shuffle=False, verbose=0)
    for cut, full in zip(
        cut_model.get_weights(), full_model.get_weights(), strict=True
    ):
        np.testing.assert_allclose(cut, full, atol=1e-5)


def test_longer_inputs_than_timesteps_are_refused():
    model = autoencoder()
    with pytest.raises(ValueError, match=f"up to {TIMESTEPS} steps; got 30"):
        model(np.zeros((2, 30, 2), "float32"))


# --- fit(group_by_length=True) ---


def test_fit_grouped_is_seeded_and_holds_out_the_last_sequences():
    x, _ = ragged(samples=40, lengths_from=FEW_LENGTHS)
    models = [autoencoder(), autoencoder()]
    histories = [
        model.fit(
            x, epochs=2, batch_size=8, validation_split=0.25, group_by_length=True
        ).history
        for model in models
    ]
    assert histories[0] == histories[1]
    assert histories[0]["loss"][-1] < histories[0]["loss"][0]
    # The validation loss is the real-step mean over the last quarter.
    np.testing.assert_allclose(
        histories[0]["val_loss"][-1],
        models[0].evaluate(x[30:], verbose=0, batch_size=40),
        rtol=1e-5,
    )


def test_fit_grouped_takes_targets_weights_and_validation_data():
    x, _ = ragged(samples=30, lengths_from=FEW_LENGTHS)
    weights = np.linspace(0.5, 2.0, len(x)).astype("float32")
    history = autoencoder().fit(
        x,
        x,
        sample_weight=weights,
        validation_data=(x[:10], x[:10]),
        epochs=2,
        batch_size=8,
        group_by_length=True,
        verbose=0,
    )
    assert len(history.history["val_loss"]) == 2
    assert np.isfinite(history.history["loss"]).all()


def test_grouped_batches_train_whatever_steps_the_first_two_have():
    # Keras on TensorFlow fixed every batch's steps to the first two batches'
    # (9 here); the third, cut at 4, stopped training.
    x, _ = ragged(samples=24, lengths_from=FEW_LENGTHS)  # 16 of 9 steps, 8 of 4.
    batches = SequenceBatches(x, batch_size=8, shuffle=False, group_by_length=True)
    assert [batches[i].shape[1] for i in range(len(batches))] == [9, 9, 4]
    model = autoencoder()

    history = model.fit(
        x,
        validation_data=x,
        batch_size=8,
        epochs=2,
        shuffle=False,
        group_by_length=True,
        verbose=0,
    )

    assert len(history.history["val_loss"]) == 2
    assert np.isfinite(history.history["loss"]).all()
    # The real-step mean over grouped batches is the mean over all real steps.
    np.testing.assert_allclose(
        model.evaluate(batches, verbose=0),
        model.evaluate(x, batch_size=len(x), verbose=0),
        rtol=1e-5,
    )


def test_fit_grouped_rejects_bad_arguments_before_training():
    model = autoencoder()
    x, _ = ragged()
    with pytest.raises(TypeError, match="`group_by_length` must be True or False"):
        model.fit(x, group_by_length="yes")
    with pytest.raises(TypeError, match="`x` must be a NumPy array"):
        model.fit(SequenceBatches(x, batch_size=4), group_by_length=True)
    with pytest.raises(
        ValueError, match=r"one weight per sequence, shape \(20,\), or one per step"
    ):
        model.fit(x, sample_weight=np.ones((20, 3)), group_by_length=True)
    assert int(model.optimizer.iterations.numpy()) == 0


# --- Generating a chosen number of steps ---


@pytest.mark.parametrize("decoder", ["repeat", "reshape"])
def test_generate_gives_the_first_steps_of_the_full_decoding(decoder):
    latent_dim = 2 * TIMESTEPS if decoder == "reshape" else 4
    model = autoencoder(decoder=decoder, latent_dim=latent_dim)
    z = np.random.default_rng(0).standard_normal((5, latent_dim)).astype("float32")
    full = model.decoder.predict(z, verbose=0)
    assert full.shape == (5, TIMESTEPS, 2)
    np.testing.assert_allclose(model.generate(z), full, atol=1e-6)
    short = model.generate(z, steps=7, batch_size=2)
    assert short.shape == (5, 7, 2)
    np.testing.assert_allclose(short, full[:, :7], atol=1e-6)


def test_generate_rejects_bad_steps_and_latents():
    model = autoencoder()
    with pytest.raises(ValueError, match=f"at most `timesteps` \\({TIMESTEPS}\\)"):
        model.generate(np.zeros((2, 4)), steps=TIMESTEPS + 1)
    with pytest.raises(ValueError, match="`steps` must be a positive integer"):
        model.generate(np.zeros((2, 4)), steps=0)
    with pytest.raises(ValueError, match=r"shape \(samples, 4\); got \(2, 3\)"):
        model.generate(np.zeros((2, 3)))


# --- Memmaps: read batch by batch, never whole ---


@pytest.fixture
def mapped(tmp_path):
    """A 7.7 MB float64 memmap of NaN-padded sequences (float64: any copy of
    it, even a float32 conversion, would show)."""
    rng = np.random.default_rng(0)
    array = np.lib.format.open_memmap(
        tmp_path / "x.npy", mode="w+", dtype="float64", shape=(40_000, TIMESTEPS, 2)
    )
    for start in range(0, len(array), 10_000):
        chunk = rng.standard_normal((10_000, TIMESTEPS, 2))
        chunk[:, -2:] = np.nan
        array[start : start + 10_000] = chunk
    array.flush()
    return np.load(tmp_path / "x.npy", mmap_mode="r")


def numpy_peak(function):
    """The most memory NumPy held at once while `function` ran, in bytes."""
    import tracemalloc

    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_fit_evaluate_and_predict_read_a_memmap_batch_by_batch(mapped):
    model = autoencoder()
    size = mapped.nbytes
    calls = {
        "fit": lambda: model.fit(
            mapped, epochs=1, steps_per_epoch=3, batch_size=64, verbose=0
        ),
        "evaluate": lambda: model.evaluate(mapped, steps=3, batch_size=64, verbose=0),
        "predict": lambda: model.predict(mapped[:500], batch_size=64, verbose=0),
    }
    for call in calls.values():
        call()  # JAX and TensorFlow compile first: Python objects, not data.
    peaks = {name: numpy_peak(call) for name, call in calls.items()}
    # The checks scan the memmap in chunks of 4096 sequences (0.8 MB here).
    assert all(peak < size / 6 for peak in peaks.values()), (peaks, size)
    in_memory = np.asarray(mapped[:500], dtype="float32")
    np.testing.assert_allclose(
        model.predict(mapped[:500], verbose=0),
        model.predict(in_memory, verbose=0),
        atol=1e-6,
    )
    np.testing.assert_allclose(
        model.evaluate(mapped[:500], verbose=0, batch_size=500),
        model.evaluate(in_memory, verbose=0, batch_size=500),
        rtol=1e-5,
    )


def test_a_memmap_is_checked_in_chunks(tmp_path):
    model = autoencoder()
    bad = np.lib.format.open_memmap(
        tmp_path / "bad.npy", mode="w+", dtype="float32", shape=(9000, TIMESTEPS, 2)
    )
    bad[8500, 3, 1] = np.inf  # In the third chunk.
    with pytest.raises(ValueError, match="`x` holds 1 infinite value"):
        model.fit(bad, epochs=1, verbose=0)
    wrong = np.lib.format.open_memmap(
        tmp_path / "wrong.npy", mode="w+", dtype="float32", shape=(10, TIMESTEPS, 3)
    )
    with pytest.raises(ValueError, match="has 3 features per step"):
        model.fit(wrong, epochs=1, verbose=0)


def test_per_step_weights_are_cut_with_their_batch_and_train():
    x, _ = ragged()
    weights = np.random.default_rng(1).random((len(x), TIMESTEPS)).astype("float32")
    batches = SequenceBatches(
        x, sample_weight=weights, batch_size=6, shuffle=False, group_by_length=True
    )
    for index in range(len(batches)):
        bx, by, bw = batches[index]
        members = batches.members(index)
        np.testing.assert_array_equal(bw, weights[members, : bx.shape[1]])
        np.testing.assert_array_equal(by, bx)
    history = autoencoder().fit(x, sample_weight=weights, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
