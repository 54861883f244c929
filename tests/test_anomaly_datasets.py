"""Specification of the anomaly data sets: real labelled series and generators."""

import sys

import numpy as np
import pytest

from keras_lstm_ae.datasets import (
    ANOMALY_KINDS,
    DAPHNET_CHANNELS,
    load_daphnet,
    load_yahoo,
    make_anomalies,
)

# NumPy, pandas and file logic: the same on every Keras backend, so CI runs
# it on torch.
pytestmark = pytest.mark.backend_neutral

YAHOO_ANOMALIES = [431, 478, 610, 681, 718, 732, 846]


def fake_package(monkeypatch, tmp_path, name, files=()):
    """Makes `name` resolve to an empty package under `tmp_path`."""
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    for relative, text in files:
        path = package / relative
        path.parent.mkdir(parents=True)
        path.write_text(text)
    monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))


def in_segment(labels):
    """The (start, stop) of the one run of 1s in `labels`; fails otherwise."""
    steps = np.flatnonzero(labels)
    assert len(steps) > 0
    np.testing.assert_array_equal(steps, np.arange(steps[0], steps[-1] + 1))
    return steps[0], steps[-1] + 1


# --------------------------------------------------------------------------
# load_yahoo
# --------------------------------------------------------------------------


def test_yahoo_is_a_1d_float32_series_of_1000_steps_with_int64_labels(no_network):
    series, labels = load_yahoo()
    assert series.shape == (1000,)
    assert series.dtype == np.float32
    assert labels.shape == (1000,)
    assert labels.dtype == np.int64
    assert np.isfinite(series).all()


def test_yahoo_labels_the_seven_documented_steps():
    _, labels = load_yahoo()
    assert set(np.unique(labels).tolist()) == {0, 1}
    assert np.flatnonzero(labels).tolist() == YAHOO_ANOMALIES


def test_yahoo_anomalies_stand_further_from_their_neighbours_than_any_normal_step():
    series, labels = load_yahoo()
    jump = np.abs(series[1:-1] - (series[:-2] + series[2:]) / 2)
    anomalous = labels[1:-1] == 1
    assert jump[anomalous].min() > jump[~anomalous].max()


def test_yahoo_does_not_import_sktime(monkeypatch):
    monkeypatch.delitem(sys.modules, "sktime", raising=False)
    load_yahoo()
    assert "sktime" not in sys.modules


def test_yahoo_without_sktime_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sktime", None)
    with pytest.raises(ImportError, match=r"`sktime`.*not installed.*\[datasets\]"):
        load_yahoo()


def test_yahoo_from_an_sktime_without_the_file_names_the_file(monkeypatch, tmp_path):
    fake_package(monkeypatch, tmp_path, "sktime")
    with pytest.raises(FileNotFoundError, match=r"yahoo\.csv.*never downloads"):
        load_yahoo()


# --------------------------------------------------------------------------
# load_daphnet
# --------------------------------------------------------------------------


def test_daphnet_is_9_float32_channels_of_7040_steps_with_int64_labels(no_network):
    series, labels = load_daphnet()
    assert series.shape == (7040, len(DAPHNET_CHANNELS)) == (7040, 9)
    assert series.dtype == np.float32
    assert labels.shape == (7040,)
    assert labels.dtype == np.int64
    assert np.isfinite(series).all()


def test_daphnet_excerpt_has_no_anomalous_step():
    _, labels = load_daphnet()
    assert int(labels.sum()) == 0
    assert set(np.unique(labels).tolist()) == {0}


def test_daphnet_vertical_channels_carry_gravity_in_mg():
    series, _ = load_daphnet()
    means = dict(zip(DAPHNET_CHANNELS, series.mean(axis=0), strict=True))
    for name, mean in means.items():
        if name.endswith("_vert"):
            assert 900 < mean < 1200, name  # 1 g = 1000 mg
        else:
            assert abs(mean) < 400, name


def test_daphnet_without_aeon_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "aeon", None)
    with pytest.raises(ImportError, match=r"`aeon`.*not installed"):
        load_daphnet()


def test_daphnet_file_without_a_channel_names_it(monkeypatch, tmp_path):
    header = ",".join(["timestamp", *DAPHNET_CHANNELS[:-1], "is_anomaly"])
    fake_package(
        monkeypatch,
        tmp_path,
        "aeon",
        [
            (
                "datasets/data/Daphnet_S06R02E0/S06R02E0.csv",
                header + "\n0," + ",".join(["1"] * 9) + "\n",
            )
        ],
    )
    with pytest.raises(ValueError, match="trunk_horiz_lateral"):
        load_daphnet()


# --------------------------------------------------------------------------
# make_anomalies
# --------------------------------------------------------------------------


def make_channel_or_univariate(kind, **kwargs):
    """`make_anomalies` with 3 features for "channel", 1 otherwise."""
    kwargs.setdefault("features", 3 if kind == "channel" else 1)
    return make_anomalies(kind, **kwargs)


@pytest.mark.parametrize("kind", ANOMALY_KINDS)
def test_anomalies_shapes_and_dtypes(kind):
    train, test, labels = make_channel_or_univariate(kind, length=800, features=2)
    assert train.shape == test.shape == (800, 2)
    assert train.dtype == test.dtype == np.float32
    assert labels.shape == (800,)
    assert labels.dtype == np.int64
    assert set(np.unique(labels).tolist()) == {0, 1}


def test_anomalies_one_feature_is_still_2d():
    train, test, _ = make_anomalies("spike")
    assert train.shape == test.shape == (2000, 1)


@pytest.mark.parametrize(
    ("kind", "anomalous"),
    [("spike", 5), ("level_shift", 100), ("shape", 50), ("frequency", 200)],
)
def test_anomalies_label_the_documented_number_of_steps(kind, anomalous):
    _, _, labels = make_anomalies(kind)
    assert int(labels.sum()) == anomalous


def test_anomaly_sizes_scale_with_the_period():
    _, _, labels = make_anomalies("frequency", length=1000, period=20)
    assert int(labels.sum()) == 4 * 20


@pytest.mark.parametrize("kind", ANOMALY_KINDS)
def test_anomalies_keep_a_normal_period_at_either_end(kind):
    # The shortest series leaves the least room: 8 periods of 50 steps.
    for seed in range(30):
        _, _, labels = make_channel_or_univariate(kind, length=400, seed=seed)
        assert labels[:50].sum() == labels[-50:].sum() == 0, seed


@pytest.mark.parametrize("kind", ANOMALY_KINDS)
def test_anomalies_same_seed_same_data(kind):
    first = make_channel_or_univariate(kind, seed=7)
    second = make_channel_or_univariate(kind, seed=7)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind", ANOMALY_KINDS)
def test_anomalies_other_seed_other_data(kind):
    train, test, _ = make_channel_or_univariate(kind, seed=1)
    other_train, other_test, _ = make_channel_or_univariate(kind, seed=2)
    assert not np.allclose(train, other_train)
    assert not np.allclose(test, other_test)


def test_anomalies_train_and_normal_test_steps_do_not_depend_on_kind():
    train, test, labels = make_anomalies("spike", features=3, seed=5)
    for kind in ANOMALY_KINDS[1:]:
        other_train, other_test, other_labels = make_anomalies(kind, features=3, seed=5)
        np.testing.assert_array_equal(other_train, train)
        normal = (labels == 0) & (other_labels == 0)
        np.testing.assert_array_equal(other_test[normal], test[normal])


def test_anomalies_without_noise_train_repeats_every_period_within_range():
    train, _, _ = make_anomalies("spike", features=4, period=40, noise=0.0)
    np.testing.assert_allclose(train[40:], train[:-40], atol=1e-5)
    assert np.abs(train).max() <= 1.6


def test_anomalies_without_noise_test_equals_train_outside_the_anomaly():
    # With `length` a multiple of `period`, step i of both is at the same phase.
    for kind in ANOMALY_KINDS:
        train, test, labels = make_channel_or_univariate(kind, noise=0.0)
        np.testing.assert_allclose(test[labels == 0], train[labels == 0], atol=1e-5)


def test_spikes_are_isolated_and_beyond_the_range_of_train():
    train, test, labels = make_anomalies("spike", features=2, seed=4)
    steps = np.flatnonzero(labels)
    assert np.diff(steps).min() > 1
    assert (np.abs(test[steps]) >= 2.0).all()
    assert np.abs(train).max() < 2.0
    assert np.abs(test[labels == 0]).max() < 2.0


def test_spikes_push_each_value_2_away_from_zero():
    train, test, labels = make_anomalies("spike", noise=0.0, seed=6)
    steps = labels == 1
    np.testing.assert_allclose(
        test[steps], train[steps] + 2.0 * np.sign(train[steps]), atol=1e-5
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_level_shift_offsets_100_steps_by_plus_or_minus_1(seed):
    train, test, labels = make_anomalies("level_shift", features=2, seed=seed)
    start, stop = in_segment(labels)
    assert stop - start == 100
    offset = (test[start:stop] - train[start:stop]).mean(axis=0)
    np.testing.assert_allclose(np.abs(offset), 1.0, atol=0.05)
    assert offset[0] == pytest.approx(offset[1], abs=0.05)  # All channels.


def test_level_shift_goes_both_ways_over_seeds():
    signs = set()
    for seed in range(10):
        train, test, labels = make_anomalies("level_shift", seed=seed)
        signs.add(float(np.sign((test - train)[labels == 1].mean())))
    assert signs == {-1.0, 1.0}


def test_shape_anomaly_is_one_cycle_of_straight_lines_with_the_same_range():
    train, test, labels = make_anomalies("shape", features=3, noise=0.0, seed=2)
    start, stop = in_segment(labels)
    assert stop - start == 50
    cycle, normal = test[start:stop], train[start:stop]
    np.testing.assert_allclose(cycle.max(axis=0), normal.max(axis=0), atol=1e-5)
    np.testing.assert_allclose(cycle.min(axis=0), normal.min(axis=0), atol=1e-5)
    # Straight between the maximum and the minimum: at most 2 bends inside.
    bends = (np.abs(np.diff(cycle, n=2, axis=0)) > 1e-4).sum(axis=0)
    assert (bends <= 2).all()
    assert (np.abs(cycle - normal).max(axis=0) > 0.1).all()


def test_shape_anomaly_differs_more_than_the_noise():
    train, test, labels = make_anomalies("shape", seed=0)
    difference = np.abs(test - train)[:, 0]
    assert difference[labels == 1].mean() > 2 * difference[labels == 0].mean()


def test_frequency_anomaly_runs_6_cycles_in_4_periods():
    train, test, labels = make_anomalies("frequency", features=2)
    start, stop = in_segment(labels)
    assert stop - start == 200

    def cycles(segment):
        centred = segment - segment.mean(axis=0)
        return np.abs(np.fft.rfft(centred, axis=0)).argmax(axis=0).tolist()

    assert cycles(train[start:stop]) == [4, 4]
    assert cycles(test[start:stop]) == [6, 6]


def test_frequency_anomaly_rejoins_the_normal_cycle_without_a_jump():
    _, test, labels = make_anomalies("frequency", noise=0.0)
    start, stop = in_segment(labels)
    steps = np.abs(np.diff(test[start - 1 : stop + 1, 0]))
    # 1.5 times as fast: steps up to about 1.5 times the normal ones.
    normal_steps = np.abs(np.diff(test[: start - 1, 0]))
    assert steps.max() <= 1.6 * normal_steps.max()


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_channel_anomaly_freezes_exactly_one_channel(seed):
    train, test, labels = make_anomalies("channel", features=4, seed=seed)
    start, stop = in_segment(labels)
    assert stop - start == 100
    segment = test[start:stop]
    frozen = np.ptp(segment, axis=0) == 0
    assert frozen.sum() == 1
    difference = np.abs(segment - train[start:stop]).mean(axis=0)
    assert (difference[~frozen] < 0.1).all()  # The noise only.
    assert difference[frozen][0] > 0.3


def test_channel_anomaly_picks_different_channels_over_seeds():
    picked = set()
    for seed in range(10):
        _, test, labels = make_anomalies("channel", features=3, seed=seed)
        picked.add(int(np.argmin(np.ptp(test[labels == 1], axis=0))))
    assert len(picked) > 1


def test_channel_anomaly_needs_two_features():
    with pytest.raises(ValueError, match=r'kind="channel".*features.*>= 2'):
        make_anomalies("channel", features=1)


def test_anomalies_unknown_kind():
    with pytest.raises(ValueError, match=r"`kind` must be one of 'spike'"):
        make_anomalies("drift")


def test_anomalies_length_shorter_than_8_periods():
    with pytest.raises(ValueError, match=r"at least 8 periods \(400 steps"):
        make_anomalies("spike", length=399)


def test_anomalies_period_shorter_than_8_steps():
    with pytest.raises(ValueError, match="`period` must be at least 8"):
        make_anomalies("spike", period=7)


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"length": 100.0}, TypeError, "`length` must be a positive integer"),
        ({"features": 0}, ValueError, "`features` must be a positive integer"),
        ({"period": True}, TypeError, "`period` must be a positive integer"),
        ({"noise": -0.1}, ValueError, "`noise` must be a finite number >= 0"),
        ({"noise": float("nan")}, ValueError, "`noise` must be a finite number"),
        ({"noise": "0.1"}, TypeError, "`noise` must be a number"),
    ],
)
def test_anomalies_bad_arguments(arguments, error, message):
    with pytest.raises(error, match=message):
        make_anomalies("spike", **arguments)
