"""Specification of segmenting: gaps filled, steps grouped and split back."""

import numpy as np
import pytest

from keras_lstm_ae import pad_sequences
from keras_lstm_ae.preprocessing import segments

# NumPy, pandas and file logic: the same on every Keras backend, so CI runs
# it on torch.
pytestmark = pytest.mark.backend_neutral


def test_auto_segment_length_gives_at_most_8_steps_of_at_most_64_values():
    assert segments.auto_segment_length(150) == 19  # 8 steps of 19
    assert segments.auto_segment_length(427) == 54  # 8 steps of 54
    assert segments.auto_segment_length(1460) == 64  # 23 steps of 64
    assert segments.auto_segment_length(8) == 1
    assert segments.auto_segment_length(3) == 1


def test_to_segments_groups_consecutive_steps_in_order():
    x = np.arange(12, dtype="float32").reshape(1, 6, 2)

    grouped = segments.to_segments(x, 3)

    assert grouped.shape == (1, 2, 6)
    np.testing.assert_array_equal(grouped[0, 0], [0, 1, 2, 3, 4, 5])
    np.testing.assert_array_equal(grouped[0, 1], [6, 7, 8, 9, 10, 11])


def test_last_partial_segment_repeats_the_last_real_step_and_padding_stays_nan():
    x = pad_sequences([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], [1.0, 2.0]], maxlen=7)

    grouped = segments.to_segments(x, 3)

    assert grouped.shape == (2, 3, 3)
    np.testing.assert_array_equal(grouped[0, 2], [7.0, 7.0, 7.0])
    np.testing.assert_array_equal(grouped[1, 0], [1.0, 2.0, 2.0])
    assert np.isnan(grouped[1, 1:]).all()


def test_from_segments_undoes_to_segments():
    x = np.random.default_rng(0).random((3, 10, 2), dtype="float32")

    back = segments.from_segments(segments.to_segments(x, 4), 2, 10)

    np.testing.assert_array_equal(back, x)


def test_fill_gaps_interpolates_inside_and_keeps_padding():
    x = pad_sequences(
        [[0.0, np.nan, np.nan, 3.0, np.nan], [np.nan, 2.0, 4.0], [5.0]], maxlen=6
    )
    # pad_sequences' padding after each sequence; sequence 0 ends with a gap
    # that is its own (a missing last value, counted as padding here).

    filled = segments.fill_gaps(x)[..., 0]

    np.testing.assert_allclose(filled[0, :4], [0.0, 1.0, 2.0, 3.0])
    assert np.isnan(filled[0, 4:]).all()
    np.testing.assert_allclose(filled[1, :3], [2.0, 2.0, 4.0])
    assert np.isnan(filled[1, 3:]).all()
    assert filled[2, 0] == 5.0


def test_fill_gaps_leaves_the_input_unchanged():
    x = pad_sequences([[0.0, np.nan, 2.0]])
    before = x.copy()

    segments.fill_gaps(x)

    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("segment_length", [1, 2, 5])
def test_segmenting_keeps_every_real_value(segment_length):
    x = pad_sequences([np.arange(1.0, 8.0), np.arange(1.0, 4.0)], maxlen=7)

    grouped = segments.to_segments(x, segment_length)
    back = segments.from_segments(grouped, 1, 7)

    real = ~np.isnan(x)
    np.testing.assert_array_equal(back[real], x[real])
