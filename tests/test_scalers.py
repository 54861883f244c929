"""Specification of the scalers: statistics over real steps, files, errors."""

import json
import os

import numpy as np
import pandas as pd
import pytest

from keras_lstm_ae._utils.validation import NotFittedError
from keras_lstm_ae.preprocessing.scalers import (
    MinMaxScaler,
    StandardScaler,
    load_scaler,
)
from keras_lstm_ae.preprocessing.sequences import pad_sequences, trim_sequences

# NumPy, pandas and file logic: the same on every Keras backend, so CI runs
# it on torch.
pytestmark = pytest.mark.backend_neutral

NAN = np.nan


def stacked_steps(sequences):
    """The real steps of ragged sequences, one row each, as pandas sees them."""
    return pd.DataFrame(np.concatenate(sequences).astype(np.float64))


def scaling_data():
    rng = np.random.default_rng(7)
    return [
        (rng.normal(size=(length, 3)) * [1.0, 10.0, 0.1] + [0.0, 5.0, -2.0]).astype(
            np.float32
        )
        for length in (5, 9, 1, 0, 7)
    ]


def test_standard_scaler_matches_pandas_mean_and_population_std():
    sequences = scaling_data()
    scaler = StandardScaler().fit(sequences)
    frame = stacked_steps(sequences)
    np.testing.assert_allclose(scaler.mean_, frame.mean(), rtol=1e-12)
    np.testing.assert_allclose(scaler.scale_, frame.std(ddof=0), rtol=1e-12)
    assert scaler.n_features_in_ == 3


def test_standard_scaler_statistics_ignore_nan_padding():
    sequences = scaling_data()
    from_list = StandardScaler().fit(sequences)
    from_padded = StandardScaler().fit(pad_sequences(sequences, maxlen=12))
    np.testing.assert_allclose(from_padded.mean_, from_list.mean_, rtol=1e-12)
    np.testing.assert_allclose(from_padded.scale_, from_list.scale_, rtol=1e-12)


def test_standard_scaler_skips_nan_values_like_pandas():
    data = np.array([[1.0, NAN], [NAN, 2.0], [3.0, 6.0]])
    scaler = StandardScaler().fit(data)
    frame = pd.DataFrame(data)
    np.testing.assert_allclose(scaler.mean_, frame.mean())
    np.testing.assert_allclose(scaler.scale_, frame.std(ddof=0))


def test_standard_scaler_fit_chunks_equals_fit_on_all_at_once():
    rng = np.random.default_rng(0)
    data = rng.normal(3.0, 2.0, size=(1000, 3))
    data[rng.random(data.shape) < 0.1] = NAN
    data[:, 2] = 5.0  # A constant feature keeps a scale of 1.
    data[:7, 1] = NAN  # The first chunk has no values of feature 1.
    whole = StandardScaler().fit(data)

    # Uneven chunks, and the same as 3-D blocks of sequences.
    chunks = [data[:7], data[7:500], data[500:]]
    for parts in (chunks, [part[None] for part in chunks]):
        merged = StandardScaler().fit_chunks(iter(parts))
        np.testing.assert_allclose(merged.mean_, np.nanmean(data, axis=0), rtol=1e-12)
        np.testing.assert_allclose(
            merged.scale_[:2], np.nanstd(data, axis=0)[:2], rtol=1e-12
        )
        assert merged.scale_[2] == 1.0
        np.testing.assert_allclose(merged.mean_, whole.mean_, rtol=1e-6)
        np.testing.assert_allclose(merged.scale_, whole.scale_, rtol=1e-6)


@pytest.mark.parametrize(
    ("chunks", "message"),
    [
        ([], "`chunks` is empty"),
        ([np.zeros((3, 2)), np.zeros((3, 1))], "same features"),
        ([np.array([[1.0], [np.inf]])], "`chunks` holds 1 infinite"),
        ([np.array([[1.0, NAN]]), np.array([[2.0, NAN]])], "no values for feature 1"),
    ],
)
def test_standard_scaler_fit_chunks_refuses_bad_chunks(chunks, message):
    with pytest.raises(ValueError, match=message):
        StandardScaler().fit_chunks(chunks)


def test_standard_scaler_output_has_zero_mean_and_unit_std():
    padded = pad_sequences(scaling_data())
    scaled = StandardScaler().fit_transform(padded)
    np.testing.assert_allclose(np.nanmean(scaled, axis=(0, 1)), 0.0, atol=1e-6)
    np.testing.assert_allclose(np.nanstd(scaled, axis=(0, 1)), 1.0, atol=1e-6)


@pytest.mark.parametrize("scaler_class", [StandardScaler, MinMaxScaler])
def test_a_large_level_keeps_its_variation_through_scaling(scaler_class):
    # float32 holds 10,000,000 only to within 1: the variation would be gone.
    small = np.random.default_rng(0).normal(0.0, 0.1, size=(200, 2))
    large = small + 1e7

    np.testing.assert_allclose(
        scaler_class().fit(large).transform(large),
        scaler_class().fit(small).transform(small),
        atol=1e-5,
    )
    frame = pd.DataFrame(large, columns=["a", "b"])
    np.testing.assert_allclose(
        scaler_class().fit(frame).transform(frame).to_numpy(),
        scaler_class().fit(small).transform(small),
        atol=1e-5,
    )


def test_standard_scaler_constant_feature_gets_scale_one():
    data = np.array([[0.1, 1.0], [0.1, 2.0], [0.1, 3.0]])
    scaler = StandardScaler().fit(data)
    assert scaler.scale_[0] == 1.0
    np.testing.assert_allclose(scaler.transform(data)[:, 0], 0.0, atol=1e-7)


@pytest.mark.parametrize("scaler_class", [StandardScaler, MinMaxScaler])
def test_transform_then_inverse_transform_round_trip(scaler_class):
    padded = pad_sequences(scaling_data())
    scaler = scaler_class().fit(padded)
    restored = scaler.inverse_transform(scaler.transform(padded))
    np.testing.assert_allclose(restored, padded, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("scaler_class", [StandardScaler, MinMaxScaler])
def test_scaling_keeps_nan_as_nan(scaler_class):
    padded = pad_sequences(scaling_data())
    padded[0, 1, 2] = NAN
    scaler = scaler_class().fit(padded)
    scaled = scaler.transform(padded)
    np.testing.assert_array_equal(np.isnan(scaled), np.isnan(padded))
    np.testing.assert_array_equal(
        np.isnan(scaler.inverse_transform(scaled)), np.isnan(padded)
    )


@pytest.mark.parametrize("scaler_class", [StandardScaler, MinMaxScaler])
def test_scaling_a_list_returns_a_list_of_the_same_shapes(scaler_class):
    # 1-D sequences of 4, 0 and 2 steps.
    sequences = [np.arange(1.0, 5.0), np.array([]), np.array([5.0, 6.0])]
    scaled = scaler_class().fit_transform(sequences)
    assert isinstance(scaled, list)
    assert [s.shape for s in scaled] == [s.shape for s in sequences]
    assert all(s.dtype == np.float32 for s in scaled)


def test_scaling_a_list_equals_scaling_its_padded_batch():
    sequences = scaling_data()
    scaler = StandardScaler().fit(sequences)
    from_list = scaler.transform(sequences)
    from_batch = trim_sequences(
        scaler.transform(pad_sequences(sequences)),
        lengths=[len(s) for s in sequences],
    )
    for a, b in zip(from_list, from_batch, strict=True):
        np.testing.assert_array_equal(a, b)


def test_scaling_a_dataframe_returns_a_dataframe_with_its_labels():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [4.0, NAN, 6.0]}, index=[5, 6, 7])
    scaled = MinMaxScaler().fit_transform(frame)
    assert isinstance(scaled, pd.DataFrame)
    assert list(scaled.columns) == ["a", "b"]
    assert list(scaled.index) == [5, 6, 7]
    np.testing.assert_array_equal(scaled["b"], [0.0, NAN, 1.0])


def test_scaling_keeps_the_shape_of_a_2d_array():
    data = np.arange(12.0).reshape(6, 2)
    assert StandardScaler().fit_transform(data).shape == (6, 2)


def test_scaling_rejects_a_1d_array_with_a_hint():
    with pytest.raises(ValueError, match=r"`x` must be 2-D.*\[:, None\]"):
        StandardScaler().fit(np.arange(5.0))


def test_min_max_scaler_maps_non_nan_values_onto_the_feature_range():
    padded = pad_sequences(scaling_data())
    scaled = MinMaxScaler(feature_range=(-1, 2)).fit_transform(padded)
    np.testing.assert_allclose(np.nanmin(scaled, axis=(0, 1)), -1.0, atol=1e-6)
    np.testing.assert_allclose(np.nanmax(scaled, axis=(0, 1)), 2.0, atol=1e-6)


def test_min_max_scaler_statistics_match_pandas():
    sequences = scaling_data()
    scaler = MinMaxScaler().fit(sequences)
    frame = stacked_steps(sequences)
    np.testing.assert_array_equal(scaler.data_min_, frame.min())
    np.testing.assert_array_equal(scaler.data_max_, frame.max())
    np.testing.assert_array_equal(scaler.data_range_, frame.max() - frame.min())


def test_min_max_scaler_maps_a_constant_feature_to_the_range_minimum():
    scaled = MinMaxScaler(feature_range=(2, 3)).fit_transform(np.full((4, 1), 7.0))
    np.testing.assert_array_equal(scaled, 2.0)


@pytest.mark.parametrize("feature_range", [(1, 0), (0, 0), (0,), "ab", (0, np.inf)])
def test_min_max_scaler_rejects_a_bad_feature_range(feature_range):
    with pytest.raises((ValueError, TypeError), match="`feature_range`"):
        MinMaxScaler(feature_range=feature_range).fit(np.ones((2, 1)))


@pytest.mark.parametrize("method", ["transform", "inverse_transform", "save"])
def test_using_an_unfitted_scaler_raises_not_fitted_error_naming_fit(method, tmp_path):
    argument = tmp_path / "s.json" if method == "save" else np.ones((2, 1))
    with pytest.raises(NotFittedError, match="Call `fit`"):
        getattr(StandardScaler(), method)(argument)


def test_not_fitted_error_is_a_value_error_and_an_attribute_error():
    assert issubclass(NotFittedError, ValueError)
    assert issubclass(NotFittedError, AttributeError)


@pytest.mark.parametrize("method", ["transform", "inverse_transform"])
def test_feature_count_mismatch_names_both_counts(method):
    scaler = MinMaxScaler().fit(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"`x` has 3 feature.*fitted on 2"):
        getattr(scaler, method)(np.ones((4, 3)))


def test_fit_rejects_a_feature_that_is_nan_everywhere():
    data = np.array([[1.0, NAN, 2.0], [3.0, NAN, 4.0]])
    with pytest.raises(ValueError, match="no values for feature 1"):
        StandardScaler().fit(data)


def test_fit_rejects_infinite_values():
    with pytest.raises(ValueError, match="`x` holds 1 infinite"):
        MinMaxScaler().fit(np.array([[1.0], [np.inf]]))


def test_standard_scaler_fits_a_memmap_as_the_array_and_counts_all_its_infinities(
    tmp_path,
):
    mapped = np.lib.format.open_memmap(
        tmp_path / "x.npy", mode="w+", dtype="float32", shape=(9000, 3, 2)
    )
    mapped[:] = np.random.default_rng(0).normal(size=mapped.shape)
    expected = StandardScaler().fit(np.asarray(mapped))
    scaler = StandardScaler().fit(mapped)
    np.testing.assert_allclose(scaler.mean_, expected.mean_, rtol=1e-6)
    np.testing.assert_allclose(scaler.scale_, expected.scale_, rtol=1e-6)

    mapped[10, 0, 1] = np.inf  # In the first chunk of 4096 sequences,
    mapped[8500, 2, 0] = -np.inf  # and in the third.
    with pytest.raises(ValueError, match="`x` holds 2 infinite value"):
        StandardScaler().fit(mapped)


def test_refitting_replaces_the_statistics():
    scaler = StandardScaler().fit(np.ones((3, 2)))
    scaler.fit(np.array([[1.0], [3.0]]))
    assert scaler.n_features_in_ == 1
    np.testing.assert_array_equal(scaler.mean_, [2.0])


@pytest.mark.parametrize(
    "scaler", [StandardScaler(), MinMaxScaler(feature_range=(-2, 5))]
)
def test_get_config_is_json_and_from_config_rebuilds_an_identical_scaler(scaler):
    padded = pad_sequences(scaling_data())
    scaler.fit(padded)
    config = json.loads(json.dumps(scaler.get_config()))
    rebuilt = type(scaler).from_config(config)
    assert rebuilt.get_config() == scaler.get_config()
    np.testing.assert_array_equal(rebuilt.transform(padded), scaler.transform(padded))


def test_get_config_of_an_unfitted_scaler_holds_only_arguments():
    assert MinMaxScaler(feature_range=(-1, 1)).get_config() == {
        "feature_range": [-1, 1]
    }
    assert not hasattr(MinMaxScaler.from_config({"feature_range": [0, 1]}), "scale_")


def test_from_config_rejects_a_partial_fitted_state():
    config = StandardScaler().fit(np.ones((2, 1))).get_config()
    del config["scale_"]
    with pytest.raises(ValueError, match="partial fitted state"):
        StandardScaler.from_config(config)


def test_from_config_rejects_unknown_arguments():
    with pytest.raises(ValueError, match="unknown key"):
        StandardScaler.from_config({"with_mean": True})


@pytest.mark.parametrize(
    "scaler", [StandardScaler(), MinMaxScaler(feature_range=(-2, 5))]
)
def test_save_then_load_gives_identical_transforms(scaler, tmp_path):
    padded = pad_sequences(scaling_data())
    scaler.fit(padded)
    path = tmp_path / "scaler.json"
    scaler.save(path)
    loaded = type(scaler).load(path)
    assert type(loaded) is type(scaler)
    np.testing.assert_array_equal(loaded.transform(padded), scaler.transform(padded))
    assert type(load_scaler(str(path))) is type(scaler)


def test_save_leaves_no_temporary_file_behind(tmp_path):
    StandardScaler().fit(np.ones((2, 1))).save(tmp_path / "scaler.json")
    assert os.listdir(tmp_path) == ["scaler.json"]


def test_save_replaces_an_existing_file(tmp_path):
    path = tmp_path / "scaler.json"
    StandardScaler().fit(np.ones((2, 1))).save(path)
    StandardScaler().fit(np.ones((2, 3))).save(path)
    assert StandardScaler.load(path).n_features_in_ == 3


def test_load_rejects_a_truncated_file_naming_it(tmp_path):
    path = tmp_path / "scaler.json"
    StandardScaler().fit(np.ones((2, 1))).save(path)
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    with pytest.raises(ValueError, match=r"scaler\.json.*truncated"):
        StandardScaler.load(path)


def test_load_rejects_a_json_file_that_is_not_a_scaler(tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"hello": 1}))
    with pytest.raises(ValueError, match=r"other\.json.*not a keras_lstm_ae scaler"):
        MinMaxScaler.load(path)


def test_load_rejects_a_binary_file(tmp_path):
    path = tmp_path / "weights.bin"
    path.write_bytes(bytes(range(256)))
    with pytest.raises(ValueError, match=r"weights\.bin.*not a keras_lstm_ae scaler"):
        load_scaler(path)


def test_load_rejects_a_file_of_another_scaler_class(tmp_path):
    path = tmp_path / "scaler.json"
    StandardScaler().fit(np.ones((2, 1))).save(path)
    with pytest.raises(ValueError, match="holds a StandardScaler, not a MinMaxScaler"):
        MinMaxScaler.load(path)


def test_load_rejects_a_damaged_fitted_state(tmp_path):
    path = tmp_path / "scaler.json"
    StandardScaler().fit(np.ones((2, 2))).save(path)
    document = json.loads(path.read_text())
    document["config"]["mean_"] = [0.0]
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match=r"scaler\.json.*damaged.*mean_"):
        StandardScaler.load(path)


def test_repr_shows_the_constructor_arguments():
    assert repr(MinMaxScaler(feature_range=(-1, 1))) == (
        "MinMaxScaler(feature_range=(-1, 1))"
    )
