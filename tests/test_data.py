"""Specification of data preparation: padding, trimming, windows."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from keras_lstm_ae.preprocessing.sequences import (
    pad_sequences,
    sequence_lengths,
    sliding_windows,
    trim_sequences,
)

# NumPy, pandas and file logic: the same on every Keras backend, so CI runs
# it on torch.
pytestmark = pytest.mark.backend_neutral

NAN = np.nan


def ragged_2d():
    """Three sequences with two features, one of them empty."""
    return [
        np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=np.float32),
        np.zeros((0, 2), dtype=np.float32),
        np.array([[7.0, 8.0]], dtype=np.float32),
    ]


def ragged_1d():
    return [
        np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32),
        np.array([], dtype=np.float32),
        np.array([5.0, 6.0], dtype=np.float32),
    ]


# --------------------------------------------------------------------------
# pad_sequences
# --------------------------------------------------------------------------


def test_pad_post_equals_hand_built_array():
    expected = np.array(
        [
            [[1, 2], [3, 4], [5, 6]],
            [[NAN, NAN], [NAN, NAN], [NAN, NAN]],
            [[7, 8], [NAN, NAN], [NAN, NAN]],
        ],
        dtype=np.float32,
    )
    padded = pad_sequences(ragged_2d())
    assert padded.dtype == np.float32
    np.testing.assert_array_equal(padded, expected)


def test_pad_pre_puts_the_padding_first():
    expected = np.array(
        [[[1], [2], [3], [4]], [[NAN]] * 4, [[NAN], [NAN], [5], [6]]],
        dtype=np.float32,
    )
    np.testing.assert_array_equal(pad_sequences(ragged_1d(), padding="pre"), expected)


def test_pad_treats_1d_sequences_as_one_feature():
    assert pad_sequences([[1, 2, 3], [4, 5]]).shape == (2, 3, 1)


def test_pad_maxlen_longer_than_every_sequence_adds_padding():
    padded = pad_sequences([[1.0, 2.0]], maxlen=4)
    np.testing.assert_array_equal(padded[0, :, 0], [1.0, 2.0, NAN, NAN])


def test_truncating_post_keeps_the_first_steps():
    padded = pad_sequences([[1, 2, 3, 4, 5], [6]], maxlen=3, truncating="post")
    np.testing.assert_array_equal(padded[0, :, 0], [1, 2, 3])


def test_truncating_pre_keeps_the_last_steps():
    padded = pad_sequences([[1, 2, 3, 4, 5], [6]], maxlen=3, truncating="pre")
    np.testing.assert_array_equal(padded[0, :, 0], [3, 4, 5])


def test_truncating_pre_with_padding_pre_keeps_short_sequences_at_the_end():
    padded = pad_sequences(
        [[1, 2, 3, 4, 5], [6]], maxlen=3, padding="pre", truncating="pre"
    )
    np.testing.assert_array_equal(padded[:, :, 0], [[3, 4, 5], [NAN, NAN, 6]])


def test_truncating_error_names_the_sequence_and_its_length():
    with pytest.raises(ValueError, match=r"`sequences\[1\]` has 5 steps.*maxlen=3"):
        pad_sequences([[1], [1, 2, 3, 4, 5]], maxlen=3, truncating="error")


def test_truncating_error_accepts_sequences_that_fit():
    padded = pad_sequences([[1, 2, 3]], maxlen=3, truncating="error")
    assert padded.shape == (1, 3, 1)


def test_pad_accepts_pandas_dataframes_and_series():
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})
    padded = pad_sequences([frame, frame.iloc[:1]])
    np.testing.assert_array_equal(padded, [[[1, 3], [2, 4]], [[1, 3], [NAN, NAN]]])
    series = pad_sequences([pd.Series([1.0, 2.0]), pd.Series([3.0])])
    np.testing.assert_array_equal(series[:, :, 0], [[1, 2], [3, NAN]])


def test_pad_turns_pandas_na_into_nan():
    frame = pd.DataFrame({"a": pd.array([1, None], dtype="Int64")})
    np.testing.assert_array_equal(pad_sequences([frame])[0, :, 0], [1.0, NAN])


def test_pad_keeps_nan_inside_a_sequence():
    padded = pad_sequences([[1.0, NAN, 3.0]])
    np.testing.assert_array_equal(padded[0, :, 0], [1.0, NAN, 3.0])


def test_pad_does_not_modify_the_callers_arrays():
    sequences = ragged_2d()
    padded = pad_sequences(sequences)
    padded[0, 0, 0] = 100.0
    np.testing.assert_array_equal(sequences[0], ragged_2d()[0])


def test_pad_with_float64_dtype_keeps_precision():
    value = 0.1  # Not exactly representable in float32.
    padded = pad_sequences([[value]], dtype="float64")
    assert padded.dtype == np.float64
    assert padded[0, 0, 0] == value


def test_pad_empty_list_is_rejected():
    with pytest.raises(ValueError, match="`sequences` is empty"):
        pad_sequences([])


def test_pad_mixed_feature_counts_name_the_index_and_both_counts():
    with pytest.raises(
        ValueError, match=r"`sequences\[2\]` has 3 feature.*`sequences\[0\]` has 2"
    ):
        pad_sequences([np.zeros((2, 2)), np.zeros((1, 2)), np.zeros((4, 3))])


def test_pad_empty_list_sequence_fits_any_feature_count():
    padded = pad_sequences([[], np.ones((2, 3))])
    assert padded.shape == (2, 2, 3)
    assert np.isnan(padded[0]).all()


def test_pad_rejects_text():
    with pytest.raises(TypeError, match=r"`sequences\[1\]`.*numbers"):
        pad_sequences([[1.0, 2.0], ["a", "b"]])


def test_pad_rejects_a_text_column_of_a_dataframe():
    frame = pd.DataFrame({"value": [1.0, 2.0], "label": ["a", "b"]})
    with pytest.raises(TypeError, match=r"`sequences\[0\]` column 'label'"):
        pad_sequences([frame])


def test_pad_rejects_infinite_values():
    with pytest.raises(ValueError, match=r"`sequences\[0\]` holds 1 infinite"):
        pad_sequences([[1.0, np.inf]])


def test_pad_rejects_3d_sequences():
    with pytest.raises(ValueError, match=r"`sequences\[0\]` must be 1-D.*or 2-D"):
        pad_sequences([np.zeros((2, 3, 4))])


def test_pad_rejects_a_list_of_numbers():
    with pytest.raises(ValueError, match=r"`sequences\[0\]` is a single number"):
        pad_sequences(np.array([1.0, 2.0]))


def test_pad_rejects_a_dataframe_instead_of_a_list():
    with pytest.raises(TypeError, match="`sequences` must be a list"):
        pad_sequences(pd.DataFrame({"a": [1.0]}))


@pytest.mark.parametrize("argument", ["padding", "truncating"])
def test_pad_rejects_unknown_padding_and_truncating(argument):
    with pytest.raises(ValueError, match=f"`{argument}` must be one of"):
        pad_sequences([[1.0]], **{argument: "middle"})


@pytest.mark.parametrize("maxlen", [0, -3])
def test_pad_rejects_non_positive_maxlen(maxlen):
    with pytest.raises(ValueError, match="`maxlen` must be a positive integer"):
        pad_sequences([[1.0]], maxlen=maxlen)


def test_pad_rejects_integer_dtype():
    with pytest.raises(ValueError, match="`dtype` must be a floating-point"):
        pad_sequences([[1.0]], dtype="int32")


# --------------------------------------------------------------------------
# sequence_lengths and trim_sequences
# --------------------------------------------------------------------------


def test_sequence_lengths_count_to_the_last_real_step():
    x = pad_sequences([[1.0, NAN, 3.0], [1.0, 2.0], []], maxlen=4)
    np.testing.assert_array_equal(sequence_lengths(x), [3, 2, 0])


def test_sequence_lengths_treat_a_step_with_any_nan_as_missing():
    x = np.array([[[1.0, 2.0], [3.0, NAN]]])
    np.testing.assert_array_equal(sequence_lengths(x), [1])


def test_sequence_lengths_pre_count_from_the_first_real_step():
    x = pad_sequences([[1.0, NAN, 3.0], [1.0], []], maxlen=4, padding="pre")
    np.testing.assert_array_equal(sequence_lengths(x, padding="pre"), [3, 1, 0])


def test_sequence_lengths_reject_2d_input():
    with pytest.raises(ValueError, match="`x` must be a 3-D padded batch"):
        sequence_lengths(np.zeros((3, 4)))


@pytest.mark.parametrize("padding", ["post", "pre"])
def test_pad_then_trim_round_trip_is_exact_for_2d_sequences(padding):
    sequences = ragged_2d()
    trimmed = trim_sequences(pad_sequences(sequences, padding=padding), padding=padding)
    assert len(trimmed) == len(sequences)
    for original, restored in zip(sequences, trimmed, strict=True):
        assert restored.dtype == np.float32
        np.testing.assert_array_equal(restored, original)


@pytest.mark.parametrize("padding", ["post", "pre"])
def test_pad_then_trim_with_squeeze_round_trip_is_exact_for_1d_sequences(padding):
    sequences = ragged_1d()
    padded = pad_sequences(sequences, padding=padding)
    trimmed = trim_sequences(padded, padding=padding, squeeze=True)
    for original, restored in zip(sequences, trimmed, strict=True):
        assert restored.shape == original.shape
        assert restored.dtype == np.float32
        np.testing.assert_array_equal(restored, original)


def test_trim_a_reconstruction_to_the_lengths_of_the_original():
    x = pad_sequences([[1.0, 2.0, 3.0], [4.0]])
    x_hat = np.arange(6, dtype=np.float32).reshape(2, 3, 1)  # No NaN anywhere.
    trimmed = trim_sequences(x_hat, lengths=sequence_lengths(x))
    np.testing.assert_array_equal(trimmed[0], [[0.0], [1.0], [2.0]])
    np.testing.assert_array_equal(trimmed[1], [[3.0]])


def test_trim_with_explicit_lengths_keeps_trailing_missing_steps():
    sequences = [np.array([1.0, NAN], dtype=np.float32)]
    padded = pad_sequences(sequences, maxlen=3)
    trimmed = trim_sequences(padded, lengths=[2], squeeze=True)
    np.testing.assert_array_equal(trimmed[0], sequences[0])


def test_trim_returns_copies_not_views():
    x = pad_sequences([[1.0, 2.0]])
    trim_sequences(x)[0][0, 0] = 100.0
    assert x[0, 0, 0] == 1.0


def test_trim_rejects_lengths_of_the_wrong_count():
    with pytest.raises(ValueError, match="`lengths` must hold one length per"):
        trim_sequences(np.zeros((2, 3, 1)), lengths=[1])


def test_trim_rejects_lengths_longer_than_the_batch():
    with pytest.raises(ValueError, match=r"`lengths` must be between 0 and 3"):
        trim_sequences(np.zeros((2, 3, 1)), lengths=[1, 4])


def test_trim_rejects_squeeze_with_several_features():
    with pytest.raises(ValueError, match="`squeeze=True` needs one feature"):
        trim_sequences(np.zeros((2, 3, 2)), squeeze=True)


ragged_lists = st.integers(1, 3).flatmap(
    lambda features: st.lists(
        hnp.arrays(
            np.float32,
            st.tuples(st.integers(0, 6), st.just(features)),
            elements=st.floats(allow_infinity=False, width=32),
        ),
        min_size=1,
        max_size=5,
    )
)


@settings(max_examples=50, deadline=None)
@given(sequences=ragged_lists, padding=st.sampled_from(["post", "pre"]))
def test_pad_then_trim_round_trip_holds_for_any_ragged_list(sequences, padding):
    padded = pad_sequences(sequences, padding=padding)
    trimmed = trim_sequences(
        padded, lengths=[len(s) for s in sequences], padding=padding
    )
    for original, restored in zip(sequences, trimmed, strict=True):
        assert restored.dtype == np.float32
        np.testing.assert_array_equal(restored, original)


# --------------------------------------------------------------------------
# sliding_windows
# --------------------------------------------------------------------------


def windows_by_loop(series, window, stride):
    series = np.asarray(series, dtype=np.float32)
    if series.ndim == 1:
        series = series[:, None]
    starts = range(0, len(series) - window + 1, stride)
    return np.stack([series[s : s + window] for s in starts]), list(starts)


@pytest.mark.parametrize("stride", [1, 2, 3])
def test_sliding_windows_equal_a_hand_built_loop(stride):
    series = np.arange(22, dtype=np.float64).reshape(11, 2)
    expected, expected_starts = windows_by_loop(series, 4, stride)
    windows, starts = sliding_windows(series, 4, stride=stride, return_starts=True)
    assert windows.dtype == np.float32
    np.testing.assert_array_equal(windows, expected)
    assert starts.tolist() == expected_starts


def test_sliding_windows_of_a_1d_series_have_one_feature():
    windows = sliding_windows([0.0, 1.0, 2.0, 3.0], window=2)
    np.testing.assert_array_equal(windows[:, :, 0], [[0, 1], [1, 2], [2, 3]])


def test_sliding_windows_count_is_steps_minus_window_over_stride_plus_one():
    assert sliding_windows(np.zeros(10), window=3, stride=4).shape == (2, 3, 1)


def test_sliding_windows_are_a_writable_copy():
    series = np.zeros(5, dtype=np.float32)
    windows = sliding_windows(series, window=2)
    windows[0, 0, 0] = 1.0
    assert series[0] == 0.0


def test_sliding_windows_accept_a_dataframe():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [4.0, 5.0, 6.0]})
    np.testing.assert_array_equal(sliding_windows(frame, window=3)[0], frame.to_numpy())


def test_sliding_windows_reject_a_window_longer_than_the_series():
    with pytest.raises(ValueError, match=r"`window` \(6\) is longer than `series`"):
        sliding_windows(np.zeros(5), window=6)


@pytest.mark.parametrize("argument", ["window", "stride"])
@pytest.mark.parametrize("value", [0, -1])
def test_sliding_windows_reject_non_positive_window_and_stride(argument, value):
    arguments = {"window": 2, "stride": 1, argument: value}
    with pytest.raises(ValueError, match=f"`{argument}` must be a positive integer"):
        sliding_windows(np.zeros(5), **arguments)


def test_sliding_windows_reject_a_3d_batch():
    with pytest.raises(ValueError, match="`series` must be 1-D"):
        sliding_windows(np.zeros((2, 5, 1)), window=2)
