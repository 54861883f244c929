"""Specification of the built-in data sets (nothing is downloaded)."""

import os
import sys

import numpy as np
import pytest

from keras_lstm_ae.datasets import (
    UCR_DATASETS,
    load_gunpoint,
    load_japanese_vowels,
    load_ucr,
    make_moving_ones,
    make_ragged_ramps,
    make_shapes,
)
from keras_lstm_ae.preprocessing.sequences import pad_sequences, sequence_lengths

# NumPy, pandas and file logic: the same on every Keras backend, so CI runs
# it on torch.
pytestmark = pytest.mark.backend_neutral

# --------------------------------------------------------------------------
# make_moving_ones
# --------------------------------------------------------------------------


def test_moving_ones_padded_shape_and_dtype():
    x = make_moving_ones(n_samples=50, timesteps=12, features=5)
    assert x.shape == (50, 12, 5)
    assert x.dtype == np.float32


def test_moving_ones_step_t_is_one_hot_at_feature_t_then_all_zero():
    timesteps, features = 10, 8
    for sequence in make_moving_ones(padded=False):
        assert sequence.shape[1] == features
        for t, step in enumerate(sequence):
            expected = np.zeros(features)
            if t < features:
                expected[t] = 1.0
            np.testing.assert_array_equal(step, expected)
        assert len(sequence) <= timesteps


def test_moving_ones_default_has_empty_sequences_and_real_all_zero_steps():
    sequences = make_moving_ones(padded=False)
    assert len(sequences) == 1000
    assert any(len(s) == 0 for s in sequences)
    zero_steps = sum(int((~s.any(axis=1)).sum()) for s in sequences)
    assert zero_steps > 0


def test_moving_ones_lengths_cover_zero_to_timesteps():
    lengths = {len(s) for s in make_moving_ones(padded=False)}
    assert lengths == set(range(11))


def test_moving_ones_padded_equals_padding_the_ragged_list():
    sequences = make_moving_ones(n_samples=30, seed=3, padded=False)
    padded = make_moving_ones(n_samples=30, seed=3)
    np.testing.assert_array_equal(padded, pad_sequences(sequences, maxlen=10))
    assert sequence_lengths(padded).tolist() == [len(s) for s in sequences]


def test_moving_ones_same_seed_gives_the_same_data():
    np.testing.assert_array_equal(make_moving_ones(seed=5), make_moving_ones(seed=5))


def test_moving_ones_different_seeds_give_different_data():
    a, b = make_moving_ones(seed=1), make_moving_ones(seed=2)
    assert not np.array_equal(a, b, equal_nan=True)


@pytest.mark.parametrize("argument", ["n_samples", "timesteps", "features"])
def test_moving_ones_rejects_non_positive_sizes(argument):
    with pytest.raises(ValueError, match=f"`{argument}` must be a positive integer"):
        make_moving_ones(**{argument: 0})


# --------------------------------------------------------------------------
# make_ragged_ramps
# --------------------------------------------------------------------------


def test_ragged_ramps_have_lengths_9_8_4_4():
    assert [len(r) for r in make_ragged_ramps()] == [9, 8, 4, 4]


def test_ragged_ramps_are_1d_float32():
    for ramp in make_ragged_ramps():
        assert ramp.ndim == 1
        assert ramp.dtype == np.float32


def test_ragged_ramps_are_straight_lines_with_distinct_slopes():
    slopes = []
    for ramp in make_ragged_ramps():
        differences = np.diff(ramp.astype(np.float64))
        np.testing.assert_allclose(differences, differences[0], atol=1e-6)
        slopes.append(round(float(differences[0]), 6))
    assert slopes == [0.1, -0.1, 0.2, -0.3]


def test_ragged_ramps_values():
    ramps = make_ragged_ramps()
    np.testing.assert_allclose(ramps[0], np.linspace(0.1, 0.9, 9), rtol=1e-6)
    np.testing.assert_allclose(ramps[3], [0.9, 0.6, 0.3, 0.0], rtol=1e-6)


# --------------------------------------------------------------------------
# make_shapes
# --------------------------------------------------------------------------


def test_shapes_are_labelled_float32_sequences_of_one_feature():
    x, y = make_shapes(n_samples=40, timesteps=60, seed=0)

    assert x.shape == (40, 60, 1)
    assert x.dtype == np.float32
    assert y.dtype == np.int64
    assert set(y) == {0, 1, 2, 3}
    assert not np.isnan(x).any()


def test_ragged_shapes_have_lengths_between_the_bounds_and_nan_after():
    x, _ = make_shapes(n_samples=60, timesteps=80, min_timesteps=30, seed=0)
    lengths = sequence_lengths(x)

    assert lengths.min() >= 30
    assert lengths.max() <= 80
    assert len(set(lengths)) > 10
    for sequence, length in zip(x, lengths, strict=True):
        assert not np.isnan(sequence[:length]).any()
        assert np.isnan(sequence[length:]).all()


def event_height(x):
    """The height of each sequence's event above its noisy background."""
    series = x[..., 0]
    return np.nanmax(series, axis=1) - np.nanmedian(series, axis=1)


def test_by_scale_the_classes_are_the_events_sizes():
    x, y = make_shapes(n_samples=300, classes="scale", noise=0.0, seed=0)
    heights = event_height(x)

    assert set(y) == {0, 1, 2}
    # Sizes 0.5, 1 and 2 (+-10%); a chirp also dips below its offset.
    medians = [np.median(heights[y == label]) for label in (0, 1, 2)]
    np.testing.assert_allclose(medians, [0.5, 1.0, 2.0], rtol=0.12)


def test_by_shape_the_size_says_nothing_of_the_class():
    x, y = make_shapes(n_samples=400, noise=0.0, seed=0)
    heights = event_height(x)

    medians = [np.median(heights[y == label]) for label in range(4)]
    assert max(medians) - min(medians) < 0.35  # Sizes drawn from 0.5 to 2.


def test_a_square_event_is_flat_at_its_height():
    x, y = make_shapes(n_samples=100, noise=0.0, seed=1)
    square = x[np.flatnonzero(y == 1)[0], :, 0]
    top = square > np.median(square) + 0.2

    assert top.sum() >= 20  # At least 20% of 100 steps.
    np.testing.assert_allclose(square[top], square[top][0], atol=1e-6)


def test_shapes_same_seed_same_data_other_seed_other_data():
    first, labels = make_shapes(n_samples=10, seed=4)
    again, labels_again = make_shapes(n_samples=10, seed=4)
    other, _ = make_shapes(n_samples=10, seed=5)

    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(labels, labels_again)
    assert not np.allclose(first, other)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"classes": "size"}, ValueError, "`classes` must be one of 'shape', 'scale'"),
        ({"min_timesteps": 120}, ValueError, "`min_timesteps` must be between 10"),
        ({"min_timesteps": 5}, ValueError, "`min_timesteps` must be between 10"),
        ({"timesteps": 8}, ValueError, "`timesteps` must be at least 10"),
        ({"noise": -0.1}, ValueError, "`noise` must be a finite number >= 0"),
        ({"n_samples": 2.5}, TypeError, "`n_samples`"),
    ],
)
def test_shapes_refuse_wrong_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        make_shapes(**kwargs)


# --------------------------------------------------------------------------
# Real data sets
# --------------------------------------------------------------------------


def test_gunpoint_train_has_50_sequences_of_150_steps_and_2_classes(no_network):
    x, y = load_gunpoint()
    assert x.shape == (50, 150, 1)
    assert x.dtype == np.float32
    assert not np.isnan(x).any()
    assert y.shape == (50,)
    assert y.dtype == np.int64
    assert sorted(set(y.tolist())) == [0, 1]


def test_gunpoint_test_split_has_150_sequences(no_network):
    x, y = load_gunpoint(split="test")
    assert x.shape == (150, 150, 1)
    assert len(y) == 150


def test_class_names_map_indices_back_to_the_labels_in_the_file(no_network):
    import aeon.datasets
    from aeon.datasets import load_from_ts_file

    path = os.path.join(
        os.path.dirname(aeon.datasets.__file__), "data", "GunPoint", "GunPoint_TRAIN.ts"
    )
    _, file_labels = load_from_ts_file(path)
    _, y, class_names = load_gunpoint(return_class_names=True)
    assert class_names == ("1", "2")
    assert [class_names[i] for i in y] == file_labels.tolist()


def test_japanese_vowels_is_nan_padded_with_12_features(no_network):
    x, y = load_japanese_vowels()
    assert x.shape == (270, 29, 12)
    assert x.dtype == np.float32
    assert np.isnan(x).any()
    assert sorted(set(y.tolist())) == list(range(9))


def test_japanese_vowels_lengths_vary_and_padding_is_whole_steps(no_network):
    x, _ = load_japanese_vowels()
    lengths = sequence_lengths(x)
    assert lengths.min() == 7
    assert lengths.max() == 26
    for sequence, length in zip(x, lengths, strict=True):
        assert not np.isnan(sequence[:length]).any()
        assert np.isnan(sequence[length:]).all()


def test_japanese_vowels_train_and_test_share_the_number_of_steps(no_network):
    train, _ = load_japanese_vowels("train")
    test, _ = load_japanese_vowels("test")
    assert train.shape[1:] == test.shape[1:] == (29, 12)
    assert sequence_lengths(test).max() == 29


@pytest.mark.parametrize("name", UCR_DATASETS)
def test_every_supported_data_set_loads_both_splits_with_one_shape(name, no_network):
    (x_train, y_train), (x_test, y_test) = (
        load_ucr(name, "train"),
        load_ucr(name, "test"),
    )
    assert x_train.shape[1:] == x_test.shape[1:]
    assert x_train.ndim == 3
    assert len(x_train) == len(y_train)
    assert len(x_test) == len(y_test)
    # The padded length is the longest sequence over both splits, no more.
    longest = max(sequence_lengths(x_train).max(), sequence_lengths(x_test).max())
    assert longest == x_train.shape[1]


def test_class_names_with_numbers_sort_numerically(no_network):
    _, y, class_names = load_ucr("PickupGestureWiimoteZ", return_class_names=True)
    assert class_names == tuple(str(i) for i in range(1, 11))
    assert sorted(set(y.tolist())) == list(range(10))


def test_class_names_with_words_sort_alphabetically(no_network):
    _, _, class_names = load_ucr("BasicMotions", return_class_names=True)
    assert class_names == ("badminton", "running", "standing", "walking")


def test_split_is_case_insensitive(no_network):
    np.testing.assert_array_equal(load_gunpoint("TEST")[0], load_gunpoint("test")[0])


def test_unknown_data_set_lists_the_supported_names():
    with pytest.raises(ValueError, match="`name` must be one of.*'GunPoint'"):
        load_ucr("Gunpoint")


def test_unknown_split_is_rejected():
    with pytest.raises(ValueError, match="`split` must be one of 'train', 'test'"):
        load_ucr("GunPoint", split="validation")


def test_missing_aeon_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "aeon", None)
    monkeypatch.setitem(sys.modules, "aeon.datasets", None)
    with pytest.raises(ImportError, match=r'pip install "keras-lstm-ae\[datasets\]"'):
        load_gunpoint()
