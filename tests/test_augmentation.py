"""Specification of `time_warp`: random tempo, same ends, padding kept."""

import numpy as np
import pytest

from keras_lstm_ae.preprocessing.augmentation import time_warp
from keras_lstm_ae.preprocessing.sequences import pad_sequences, sequence_lengths

pytestmark = pytest.mark.backend_neutral


def ramps(lengths):
    return pad_sequences([np.arange(float(n)) for n in lengths])


def test_a_warped_ramp_keeps_its_ends_and_runs_forward_at_another_pace():
    x = ramps([50])

    warped = time_warp(x, 0.3, np.random.default_rng(0))[0, :, 0]

    assert warped[0] == 0.0
    assert warped[-1] == 49.0
    assert np.all(np.diff(warped) > 0)
    # A ramp read at one pace is itself; warped, some steps come early.
    assert np.abs(warped - np.arange(50)).max() > 1.0


def test_padding_stays_nan_and_each_sequence_keeps_its_length():
    x = ramps([30, 12, 45])

    warped = time_warp(x, 0.3, np.random.default_rng(1))

    np.testing.assert_array_equal(sequence_lengths(warped), [30, 12, 45])
    assert warped.dtype == np.float32


def test_values_are_read_between_the_recorded_ones():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(8, 60, 3)).astype("float32")

    warped = time_warp(x, 0.5, rng)

    assert np.all(warped <= x.max(axis=1, keepdims=True) + 1e-6)
    assert np.all(warped >= x.min(axis=1, keepdims=True) - 1e-6)


def test_no_strength_no_change_and_more_strength_more_change():
    x = ramps([80, 80, 80, 80])
    moved = [
        np.abs(time_warp(x, strength, np.random.default_rng(3)) - x).mean()
        for strength in (0.0, 0.1, 0.4)
    ]

    assert moved[0] == 0.0
    assert 0 < moved[1] < moved[2]


def test_the_same_generator_state_gives_the_same_warp():
    x = ramps([40, 25])

    first = time_warp(x, 0.3, np.random.default_rng(4))
    again = time_warp(x, 0.3, np.random.default_rng(4))
    other = time_warp(x, 0.3, np.random.default_rng(5))

    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)
