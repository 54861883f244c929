"""Specification of `AnomalyDetector`: scores per step, thresholds, files, errors."""

import pickle

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.base import clone

import keras_lstm_ae as lae
from keras_lstm_ae.anomaly.errors import reconstruction_errors
from keras_lstm_ae.anomaly.gaps import fill_missing
from keras_lstm_ae.anomaly.recording import Recording, fill_stretch
from keras_lstm_ae.anomaly.training import held_out_runs
from keras_lstm_ae.anomaly.trend import remove_trend
from keras_lstm_ae.anomaly.windows import (
    cut_windows,
    sampled_window_starts,
    stretch_span,
    stretch_windows,
    window_starts,
    window_starts_between,
)

# The detector's own logic (windows, gaps, errors, thresholds, files,
# messages) is NumPy, the same on every Keras backend, so CI runs these tests
# on torch; those marked `every_backend` take it through each backend's
# training, scoring and saving.
pytestmark = pytest.mark.backend_neutral

QUICK = {"epochs": 3, "units": (8,), "seed": 0}
PERIOD = 25


def periodic(steps=600, features=1, seed=0):
    time = np.arange(steps)
    rng = np.random.default_rng(seed)
    channels = [
        np.sin(2 * np.pi * time / PERIOD + channel) + 0.05 * rng.normal(size=steps)
        for channel in range(features)
    ]
    return np.stack(channels, axis=1) if features > 1 else channels[0]


@pytest.fixture(scope="module")
def fitted():
    return lae.AnomalyDetector(**QUICK).fit(periodic())


# --- Windows and scores ---


def test_window_starts_cover_every_step_and_end_at_the_last():
    starts = window_starts(103, 10, 7)

    assert starts[0] == 0
    assert starts[-1] == 93
    covered = np.zeros(103, bool)
    for start in starts:
        covered[start : start + 10] = True
    assert covered.all()


@pytest.mark.parametrize(
    ("steps", "window", "stride"),
    [(103, 10, 7), (103, 10, 10), (50, 50, 1), (97, 5, 1)],
)
def test_window_starts_between_are_the_starts_of_the_windows_that_reach_in(
    steps, window, stride
):
    every = window_starts(steps, window, stride)
    for first, stop in [(0, steps), (0, 1), (3, 40), (steps - 1, steps), (20, 21)]:
        expected = every[(every <= stop - 1) & (every + window > first)]
        np.testing.assert_array_equal(
            window_starts_between(steps, window, stride, first, stop), expected
        )


def test_sampled_window_starts_keep_the_count_and_reach_every_alignment():
    # 1000 steps, windows of 50, a stride of 2 and a cycle of 80 steps: the
    # fixed grid only starts windows at even steps of the cycle.
    steps, window, stride, period = 1000, 50, 2, 80
    grid = window_starts(steps, window, stride)
    starts = sampled_window_starts(steps, window, stride, np.random.default_rng(0))

    assert len(starts) == len(grid)
    assert len(np.unique(starts)) == len(starts)
    assert np.all(np.diff(starts) > 0)
    assert starts[0] >= 0
    assert starts[-1] <= steps - window
    assert len(np.unique(grid % period)) == period // 2
    assert len(np.unique(starts % period)) == period
    again = sampled_window_starts(steps, window, stride, np.random.default_rng(0))
    np.testing.assert_array_equal(starts, again)
    np.testing.assert_array_equal(
        sampled_window_starts(steps, window, 1, np.random.default_rng(0)),
        np.arange(steps - window + 1),
    )


def test_a_stride_that_divides_the_period_still_trains_every_alignment():
    # Narrow pulses every 20 steps, windows 2 steps apart: on a fixed grid the
    # model would only see pulses at even positions of a window, and rebuild
    # the series shifted by one step far worse than the series itself.
    steps = np.arange(2001)
    pulses = np.exp(-(((steps % 20) - 10.0) ** 2)) + 0.01 * np.sin(steps / 7)
    detector = lae.AnomalyDetector(
        window=20,
        stride=2,
        epochs=60,
        units=(16,),
        validation_split=0,
        time_stretch=0,  # windows as recorded: only their starts vary
        seed=0,
    ).fit(pulses[:2000])

    on_the_grid = detector.score_windows(pulses[:1000]).mean()
    one_step_off = detector.score_windows(pulses[1:1001]).mean()

    assert one_step_off < 1.5 * on_the_grid


def test_stretched_windows_are_read_at_one_speed_each_within_the_bounds():
    # A ramp with a slope of 1 per step: a window read at speed v has a slope
    # of v, and starts where its span put it.
    window, stretch, count = 40, 0.1, 200
    span = stretch_span(window, stretch)
    own_values = 100.0 * np.arange(count)[:, None, None]  # told apart by span
    spans = (np.arange(span)[None, :, None] + own_values).astype(np.float32)

    windows = stretch_windows(spans, window, stretch, np.random.default_rng(0))

    assert windows.shape == (count, window, 1)
    assert windows.dtype == np.float32
    read = windows[:, :, 0] - own_values[:, :, 0]
    speeds = (read[:, -1] - read[:, 0]) / (window - 1)
    expected = read[:, :1] + speeds[:, None] * np.arange(window)[None, :]
    np.testing.assert_allclose(read, expected, atol=5e-3)  # one speed each
    assert speeds.min() >= 1 / (1 + stretch) - 1e-4
    assert speeds.max() <= 1 + stretch + 1e-4
    # Log-uniform: as many slower than recorded as faster, over the range.
    assert abs(np.mean(np.log(speeds))) < 0.015
    assert speeds.min() < 0.92
    assert speeds.max() > 1.08
    # Every window lies within its own span.
    assert read[:, 0].min() >= 0
    assert read[:, -1].max() <= span - 1 + 1e-3


def test_no_time_stretch_reads_the_windows_as_recorded():
    spans = np.random.default_rng(1).normal(size=(20, 30, 2)).astype(np.float32)

    windows = stretch_windows(spans, 30, 0.0, np.random.default_rng(0))

    np.testing.assert_array_equal(windows, spans)
    assert stretch_span(30, 0.0) == 30


def test_time_stretch_rebuilds_a_faster_recording_better():
    # Trained on cycles of 40 steps, scored on the same cycles 8% faster, as a
    # heart rate that drifts: windows read at other tempos in training
    # teach the model the faster cycle too.
    def cycles(steps, period):
        phase = 2 * np.pi * np.arange(steps) / period
        return np.sin(phase) + 0.5 * np.sin(2 * phase + 1.0)

    errors = {}
    for stretch in (0.0, 0.1):
        detector = lae.AnomalyDetector(
            window=40, time_stretch=stretch, epochs=60, units=(16,), seed=0
        ).fit(cycles(1200, 40))
        errors[stretch] = detector.score_windows(cycles(600, 37)).mean()

    assert errors[0.1] < 0.8 * errors[0.0]


def test_errors_around_gaps_count_known_values_and_fill_missing_steps():
    _, starts, windows, reconstructions = random_reconstructions()
    missing = np.zeros((30, 2), dtype=bool)
    missing[10:14, 0] = True  # A gap in feature 0,
    missing[25, 1] = True  # and one missing value in feature 1.
    differences = reconstructions - windows

    step_errors, window_errors = reconstruction_errors(
        windows, reconstructions, starts, 30, missing=missing
    )

    def holding(step):
        held = [k for k, start in enumerate(starts) if start <= step < start + 8]
        gap_free = [k for k in held if not missing[starts[k] : starts[k] + 8].any()]
        return gap_free or held

    def window_rms(k, feature):
        known = ~missing[starts[k] : starts[k] + 8, feature]
        return np.sqrt(np.mean(differences[k, known, feature] ** 2))

    expected_step, expected_window = np.empty((30, 2)), np.empty((30, 2))
    for step in range(30):
        for feature in range(2):
            chosen = holding(step)
            expected_step[step, feature] = np.median(
                [np.abs(differences[k, step - starts[k], feature]) for k in chosen]
            )
            rms = [window_rms(k, feature) for k in chosen]
            expected_window[step, feature] = np.nanmean(rms)
    for expected in (expected_step, expected_window):
        for feature in range(2):
            gap = missing[:, feature]
            expected[gap, feature] = np.interp(
                np.flatnonzero(gap), np.flatnonzero(~gap), expected[~gap, feature]
            )
    np.testing.assert_allclose(step_errors, expected_step, rtol=1e-6)
    np.testing.assert_allclose(window_errors, expected_window, rtol=1e-6)
    # No gap: the errors of `reconstruction_errors` without `missing`.
    for given, plain in zip(
        reconstruction_errors(
            windows, reconstructions, starts, 30, missing=np.zeros((30, 2), bool)
        ),
        reconstruction_errors(windows, reconstructions, starts, 30),
        strict=True,
    ):
        np.testing.assert_array_equal(given, plain)


def test_a_step_rebuilt_alike_by_each_of_its_windows_keeps_that_error():
    series = np.arange(6, dtype=float)[:, None]
    starts = np.array([0, 2])
    reconstructions = np.zeros((2, 4, 1))

    windows = cut_windows(series, 4, starts)
    errors, _ = reconstruction_errors(windows, reconstructions, starts, 6)

    # Steps 2 and 3 lie in both windows, with the same error in each.
    np.testing.assert_allclose(errors[:, 0], series[:, 0])


def random_reconstructions():
    """A (30, 2) series, its windows of 8 steps 3 apart, and random
    reconstructions of them."""
    rng = np.random.default_rng(0)
    series = rng.normal(size=(30, 2))
    starts = window_starts(30, 8, 3)
    windows = cut_windows(series, 8, starts)
    return series, starts, windows, rng.normal(size=windows.shape)


def over_holding_windows(starts, value, reduce):
    """`reduce(..., axis=0)`, for each of the 30 steps, of `value(k, start,
    step)` over the windows `k` (of 8 steps, from `start`) that hold it."""
    return np.array(
        [
            reduce(
                [
                    value(k, start, step)
                    for k, start in enumerate(starts)
                    if start <= step < start + 8
                ],
                axis=0,
            )
            for step in range(30)
        ]
    )


def test_step_errors_are_the_median_absolute_error_over_each_steps_windows():
    series, starts, windows, reconstructions = random_reconstructions()

    errors, _ = reconstruction_errors(windows, reconstructions, starts, 30)

    expected = over_holding_windows(
        starts,
        lambda k, start, step: np.abs(reconstructions[k, step - start] - series[step]),
        np.median,
    )
    np.testing.assert_allclose(errors, expected, rtol=1e-6)


def test_one_window_that_rebuilds_a_step_badly_is_outvoted_by_the_others():
    windows = np.zeros((5, 5, 1))
    reconstructions = np.full((5, 5, 1), 0.1)
    reconstructions[2, 2] = 10.0  # Window 2 misses step 4, its middle step.

    errors, _ = reconstruction_errors(windows, reconstructions, np.arange(5), 9)

    np.testing.assert_allclose(errors[:, 0], 0.1, rtol=1e-6)


def test_window_errors_spread_each_windows_root_mean_squared_error_over_its_steps():
    series, starts, windows, reconstructions = random_reconstructions()

    _, errors = reconstruction_errors(windows, reconstructions, starts, 30)

    expected = over_holding_windows(
        starts,
        lambda k, start, step: np.sqrt(
            ((reconstructions[k] - series[start : start + 8]) ** 2).mean(axis=0)
        ),
        np.mean,
    )
    np.testing.assert_allclose(errors, expected)


def test_remove_trend_takes_the_level_from_known_values_only():
    cycle = np.sin(2 * np.pi * np.arange(1000) / 25)
    holed = (cycle + 5.0)[:, None]
    holed[400:650] = np.nan  # Ten windows: longer than half the median's span.
    filled, missing = fill_missing(holed), np.isnan(holed)

    detrended = remove_trend(filled, 25, missing=missing)[:, 0]
    from_filled = remove_trend(filled, 25)[:, 0]

    known = ~missing[:, 0]
    np.testing.assert_allclose(detrended[known], cycle[known], atol=1e-5)
    # The straight line across the gap (from 4.75 to 5.0) moves the level
    # of the cycles beside it.
    assert np.abs(from_filled[350:400] - cycle[350:400]).max() > 0.1
    # Deep in the gap, no window of mostly known values is in reach: the
    # filled values give the level.
    np.testing.assert_allclose(detrended[500:550], from_filled[500:550])


def test_remove_trend_keeps_cycles_and_a_short_level_shift_but_not_a_ramp():
    time = np.arange(800)
    cycle = np.sin(2 * np.pi * time / 20)
    shifted = cycle + 2.0 * ((time >= 400) & (time < 440))
    ramp = 0.002 * time  # rises 0.32 over the median's 160 steps

    detrended = remove_trend((shifted + ramp)[:, None], 20)[:, 0]

    # The median over 8 cycles follows the ramp and keeps the 2 shifted
    # cycles, to within a third of the ramp's rise over its span.
    np.testing.assert_allclose(detrended[80:720], shifted[80:720], atol=0.12)
    assert np.abs(detrended[:80] - shifted[:80]).max() < 0.12


def test_held_out_runs_end_each_part_and_need_a_window_each():
    held, kept = held_out_runs(1000, 20, 0.2, blocks=5)

    assert held == [(160, 200), (360, 400), (560, 600), (760, 800), (960, 1000)]
    assert kept == [(0, 160), (200, 360), (400, 560), (600, 760), (800, 960)]
    assert held_out_runs(1000, 100, 0.2, blocks=5) == (
        [(400, 500), (900, 1000)],
        [(0, 400), (500, 900)],
    )
    assert held_out_runs(1000, 300, 0.2) == ([], [(0, 1000)])


def test_the_window_defaults_to_the_dominant_period(fitted):
    assert fitted.window_ == PERIOD
    # Every window of a short series, up to 1000 of them.
    assert fitted.stride_ == 1


@pytest.mark.every_backend
def test_every_step_gets_a_finite_score(fitted):
    series = periodic(seed=1)

    scores = fitted.score(series)

    assert scores.shape == (600,)
    assert np.isfinite(scores).all()
    assert (scores >= 0).all()


def test_a_stride_wider_than_the_window_still_scores_every_step():
    # A long series gets an automatic stride wider than its window; scoring
    # then steps by at most a window, or steps between windows had no score.
    detector = lae.AnomalyDetector(window=PERIOD, stride=2 * PERIOD, **QUICK)
    series = periodic(steps=1000)
    detector.fit(series)
    series[500] += 3.0

    scores = detector.score(series)
    errors, starts = detector.score_windows(series, return_starts=True)

    assert detector.stride_ == 2 * PERIOD
    assert scores.shape == (1000,)
    assert np.isfinite(scores).all()
    assert starts.tolist() == list(range(0, 1000 - PERIOD + 1, PERIOD))
    assert errors.shape == starts.shape
    assert 500 - PERIOD < int(np.argmax(scores)) <= 500


@pytest.mark.every_backend
def test_a_spike_gets_the_highest_score():
    detector = lae.AnomalyDetector(epochs=30, units=(16,), seed=0).fit(periodic())
    series = periodic(seed=1)
    series[300] += 4.0

    scores = detector.score(series)

    assert int(np.argmax(scores)) == 300
    assert detector.predict(series)[300] == 1


def test_per_feature_scores_give_the_score_and_point_at_the_channel():
    normal = periodic(features=3)
    detector = lae.AnomalyDetector(epochs=30, units=(16,), seed=0).fit(normal)
    series = periodic(features=3, seed=1)
    series[200:210, 1] += 3.0

    feature_scores = detector.score(series, per_feature=True)

    assert feature_scores.shape == (600, 3)
    np.testing.assert_allclose(feature_scores.max(axis=1), detector.score(series))
    assert np.argmax(feature_scores[200:210].mean(axis=0)) == 1


def test_decision_function_gives_the_scores_that_score_and_predict_use(fitted):
    normal = periodic(seed=1)
    series = normal.copy()
    series[300] += 4.0

    scores = fitted.decision_function(series)

    assert scores[300] > fitted.decision_function(normal)[300]  # Higher: abnormal.
    np.testing.assert_array_equal(fitted.score(series), scores)
    np.testing.assert_array_equal(fitted.score(series, np.zeros(600)), scores)
    np.testing.assert_array_equal(
        fitted.predict(series), (scores > fitted.threshold_).astype(int)
    )
    np.testing.assert_array_equal(
        fitted.decision_function(series, per_feature=True), scores[:, None]
    )


def test_an_object_array_of_numbers_scores_as_the_numbers(fitted):
    series = periodic(seed=1)

    np.testing.assert_array_equal(
        fitted.decision_function(series.astype(object)),
        fitted.decision_function(series),
    )


def test_scores_are_relative_to_the_worst_training_step(fitted):
    normal = periodic()

    # Each feature's step and window errors are divided by their training
    # maxima, so the worst training step scores exactly 1.
    assert fitted.train_scores_.max() == pytest.approx(1.0)
    assert fitted.threshold_ == pytest.approx(1.0)
    np.testing.assert_allclose(fitted.score(normal), fitted.train_scores_)


def test_a_trend_that_goes_on_is_not_an_anomaly_but_a_spike_on_it_is():
    time = np.arange(1200)
    rising = np.sin(2 * np.pi * time / PERIOD) + 0.01 * time
    rising += 0.05 * np.random.default_rng(0).normal(size=1200)
    train, test = rising[:600], rising[600:].copy()  # test rises from 6 to 12
    test[300] += 2.0

    detrending = lae.AnomalyDetector(epochs=30, units=(16,), seed=0).fit(train)
    level = lae.AnomalyDetector(epochs=30, units=(16,), detrend=False, seed=0).fit(
        train
    )

    assert int(np.argmax(detrending.score(test))) == 300
    # Without detrending, the end of the test series lies beyond every
    # training level and scores higher than the spike.
    assert int(np.argmax(level.score(test))) > 450


def test_missing_values_are_scored_from_their_neighbours(fitted):
    holed = periodic(seed=1)
    holed[[0, 100, 101, 599]] = np.nan

    scores = fitted.score(holed)

    assert np.isfinite(scores).all()
    # Past the first or last known step, a missing step takes its errors.
    assert scores[0] == scores[1]
    assert scores[599] == scores[598]
    # Between known steps, each error is interpolated, so the step scores no
    # more than the larger of the scores either side.
    assert scores[100:102].max() <= max(scores[99], scores[102]) + 1e-12


def test_a_long_gap_is_not_an_anomaly():
    # A model trained well enough to rebuild the cycle, and so to miss the
    # gap's straight line: scored as data, the gap outscored the spike. With
    # a stride of 2, the last step before the gap lies in no window without
    # it but the one that ends there (`gaps.gap_edge_starts`).
    detector = lae.AnomalyDetector(epochs=40, units=(16,), stride=2, seed=0)
    detector.fit(periodic(steps=1000))
    series = periodic(seed=1)
    series[450] += 1.0
    series[151:301] = np.nan  # Six windows with no value.
    normal = np.r_[0:151, 301:425, 475:600]
    # A window or more from the gap, the spike and the last step (few
    # windows hold the steps at the end: their medians vary more).
    far = np.r_[0:126, 326:425, 475:575]

    scores = detector.score(series)

    assert int(np.argmax(scores)) == 450
    # The gap scores as the normal steps around it do, and so do the known
    # steps either side of it.
    assert scores[151:301].max() <= scores[normal].max()
    assert scores[[150, 301, 302]].max() <= scores[far].max()


def test_a_gap_in_the_training_series_is_not_learned_as_normal():
    # Windows that are mostly the gap's straight line are not trained on:
    # a model that learned to rebuild that line rebuilt a frozen sensor too
    # (its lowest step scored 0.20, below normal steps at 1.15).
    train = periodic(steps=1000)
    train[300:600] = np.nan
    detector = lae.AnomalyDetector(epochs=40, units=(16,), seed=0).fit(train)
    test = periodic(seed=1)
    test[300:400] = test[300]  # Frozen for four windows.

    scores = detector.score(test)

    assert scores[300:400].min() > np.r_[scores[:275], scores[425:]].max()


def test_a_series_mostly_missing_still_trains_on_every_window():
    series = periodic()
    series[np.random.default_rng(0).random(600) < 0.8] = np.nan

    detector = lae.AnomalyDetector(**QUICK).fit(series)

    assert np.isfinite(detector.train_scores_).all()
    assert np.isfinite(detector.score(series)).all()


def test_a_gap_in_one_channel_leaves_the_others_scored_as_before():
    series = periodic(steps=800, features=2)
    # Without detrending, the gap's straight line changes no other step of
    # what the model reads.
    detector = lae.AnomalyDetector(**QUICK, detrend=False).fit(series[:500])
    test = series[500:].copy()
    test[100:200, 1] = np.nan

    scores = detector.score(test, per_feature=True)
    gap_free = detector.score(series[500:], per_feature=True)

    assert np.isfinite(scores).all()
    assert scores[100:200, 1].max() <= scores[:50, 1].max() * 1.5
    # Channel 0's steps whose windows all end before the gap score as they
    # did without it.
    np.testing.assert_allclose(scores[:75, 0], gap_free[:75, 0], rtol=1e-6)


def test_pandas_series_and_frames_score_like_arrays(fitted):
    series = periodic(seed=1)

    np.testing.assert_allclose(fitted.score(pd.Series(series)), fitted.score(series))
    np.testing.assert_allclose(
        fitted.score(pd.DataFrame({"value": series})), fitted.score(series)
    )


@pytest.mark.parametrize("detrend", [True, False])
def test_a_large_level_is_scored_as_the_same_series_without_it(detrend):
    # float32 holds 10,000,000 only to within 1, more than the cycle's range.
    normal, test = periodic(), periodic(seed=1)
    test[300] += 3.0
    options = {**QUICK, "detrend": detrend}
    plain = lae.AnomalyDetector(**options).fit(normal)

    raised = lae.AnomalyDetector(**options).fit(normal + 1e7)

    assert raised.window_ == plain.window_ == PERIOD
    scores = raised.score(test + 1e7)
    np.testing.assert_allclose(scores, plain.score(test), rtol=1e-3, atol=1e-4)
    assert int(np.argmax(scores)) == 300


def test_a_frame_must_have_the_training_frames_columns_in_their_order(tmp_path):
    series = periodic(features=2)
    frame = pd.DataFrame(series, columns=["pressure", "flow"])
    detector = lae.AnomalyDetector(**QUICK).fit(frame)
    detector.save(tmp_path / "detector.keras")
    loaded = lae.load_detector(tmp_path / "detector.keras")

    for fitted_detector in (detector, loaded):
        assert fitted_detector.feature_names_in_ == ["pressure", "flow"]
        with pytest.raises(ValueError, match=r"columns \['flow', 'pressure'\]"):
            fitted_detector.score(frame[["flow", "pressure"]])
        with pytest.raises(ValueError, match="columns"):
            fitted_detector.predict(frame.rename(columns={"flow": "speed"}))
    # An array has no names to check: it is scored as the frame.
    np.testing.assert_array_equal(detector.score(series), detector.score(frame))
    np.testing.assert_allclose(loaded.score(frame), detector.score(frame), rtol=1e-6)
    # A later fit on an array forgets the names.
    assert not hasattr(detector.fit(series), "feature_names_in_")


def test_per_feature_is_a_keyword_that_must_be_true_or_false(fitted):
    series = periodic(seed=1)

    with pytest.raises(TypeError, match="`per_feature` must be True or False"):
        fitted.score(series, per_feature="no")
    with pytest.raises(TypeError, match="positional"):
        fitted.score(series, True)


def test_score_windows_gives_each_windows_mean_squared_error(fitted):
    series = periodic(seed=1)
    scaled = fitted.scaler_.transform(remove_trend(series[:, None], fitted.window_))

    errors, starts = fitted.score_windows(series, return_starts=True)

    np.testing.assert_array_equal(
        starts, window_starts(600, fitted.window_, fitted.stride_)
    )
    windows = cut_windows(scaled, fitted.window_, starts)
    squared = (fitted._rebuild_windows(windows) - windows) ** 2
    np.testing.assert_allclose(errors, squared.mean(axis=(1, 2)), rtol=1e-6)


def test_score_windows_counts_known_values_only(fitted):
    holed = periodic(seed=1)
    holed[100:200] = np.nan
    window = fitted.window_

    errors, starts = fitted.score_windows(holed, return_starts=True)

    filled, missing = fill_missing(holed[:, None]), np.isnan(holed[:, None])
    scaled = fitted.scaler_.transform(remove_trend(filled, window, missing=missing))
    windows = cut_windows(scaled, window, starts)
    squared = (fitted._rebuild_windows(windows) - windows)[..., 0] ** 2
    known = ~np.isnan(holed[starts[:, None] + np.arange(window)])
    inside = ~known.any(axis=1)  # Windows that lie in the gap.
    assert inside.sum() > 0
    partly = ~inside
    np.testing.assert_allclose(
        errors[partly],
        (squared * known).sum(axis=1)[partly] / known.sum(axis=1)[partly],
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        errors[inside],
        np.interp(starts[inside], starts[partly], errors[partly]),
        rtol=1e-6,
    )


# --- Thresholds ---


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [
        ("max", lambda s: s.max()),
        (("percentile", 90), lambda s: np.percentile(s, 90)),
        (("std", 3), lambda s: s.mean() + 3 * s.std()),
        (0.25, lambda s: 0.25),
    ],
)
def test_threshold_rules_follow_their_definitions(threshold, expected):
    normal = periodic()
    detector = lae.AnomalyDetector(threshold=threshold, **QUICK).fit(normal)

    train_scores = detector.score(normal)

    np.testing.assert_allclose(detector.train_scores_, train_scores)
    assert detector.threshold_ == pytest.approx(expected(train_scores))
    np.testing.assert_array_equal(
        detector.predict(normal), (train_scores > detector.threshold_).astype(int)
    )


def test_gaussian_threshold_is_the_held_out_mahalanobis_maximum():
    normal = periodic(features=2)
    detector = lae.AnomalyDetector(threshold="gaussian", **QUICK).fit(normal)
    scaled = detector.scaler_.transform(remove_trend(normal, detector.window_))
    held, _ = held_out_runs(600, detector.window_, 0.2)
    errors = np.concatenate(
        [detector._errors(Recording(scaled[a:b], detector.window_))[0] for a, b in held]
    )

    mean = errors.mean(axis=0)
    covariance = np.cov(errors.T, bias=True)
    covariance += 1e-6 * np.mean(np.diag(covariance)) * np.eye(2)
    inverse = np.linalg.inv(covariance)
    centred = errors - mean
    mahalanobis = np.einsum("ij,jk,ik->i", centred, inverse, centred)

    assert sum(b - a for a, b in held) == 120
    assert detector.threshold_ == pytest.approx(mahalanobis.max(), rel=1e-6)
    training = detector._errors(Recording(scaled, detector.window_))[0] - mean
    np.testing.assert_allclose(
        detector.score(normal),
        np.einsum("ij,jk,ik->i", training, inverse, training),
        rtol=1e-5,
    )


# --- Estimator API and files ---


def test_the_gaussian_rule_warns_when_nothing_can_be_held_out():
    detector = lae.AnomalyDetector(threshold="gaussian", validation_split=0.0, **QUICK)

    with pytest.warns(UserWarning, match="fitted on the training steps' errors"):
        detector.fit(periodic(steps=200))
    # Fitted on the training steps' errors, its largest score is the threshold.
    assert detector.threshold_ == pytest.approx(detector.train_scores_.max())


def test_set_params_refuses_a_name_that_is_no_parameter():
    detector = lae.AnomalyDetector()

    with pytest.raises(ValueError, match="no parameter 'threshhold'"):
        detector.set_params(threshhold=("std", 3))
    assert detector.get_params()["threshold"] == "max"  # Nothing was set.
    detector.set_params(threshold=("std", 3), units=(4,))
    assert detector.get_params()["threshold"] == ("std", 3)
    assert detector.get_params()["units"] == (4,)


def test_params_and_clone_keep_model_options():
    detector = lae.AnomalyDetector(window=30, threshold=("std", 3), units=(4,))

    copy = clone(detector)

    assert copy.get_params() == detector.get_params()
    assert copy.get_params()["units"] == (4,)


@pytest.mark.every_backend
def test_save_and_load_detector_keep_scores_and_threshold(fitted, tmp_path):
    path = tmp_path / "detector.keras"
    series = periodic(seed=1)

    fitted.save(path)
    loaded = lae.load_detector(path)

    np.testing.assert_allclose(loaded.score(series), fitted.score(series), rtol=1e-6)
    assert loaded.threshold_ == fitted.threshold_
    assert loaded.window_ == fitted.window_


def test_gaussian_detector_survives_save_and_pickle(tmp_path):
    detector = lae.AnomalyDetector(threshold="gaussian", **QUICK).fit(periodic())
    series = periodic(seed=1)
    detector.save(tmp_path / "detector.keras")

    for copy in (
        lae.load_detector(tmp_path / "detector.keras"),
        pickle.loads(pickle.dumps(detector)),
    ):
        np.testing.assert_allclose(
            copy.score(series), detector.score(series), rtol=1e-6
        )


def test_load_detector_refuses_an_encoder_file(tmp_path):
    encoder = lae.SequenceEncoder(latent_dim=2, epochs=1, units=(4,)).fit(
        [np.arange(5.0), np.arange(4.0)]
    )
    encoder.save(tmp_path / "encoder.keras")

    with pytest.raises(
        ValueError, match="saved SequenceEncoder, not the AnomalyDetector"
    ):
        lae.load_detector(tmp_path / "encoder.keras")


def test_load_detector_refuses_a_file_of_a_newer_format(fitted, tmp_path):
    import json
    import zipfile

    from keras_lstm_ae.estimators.files import STATE_ENTRY

    fitted.save(tmp_path / "detector.keras")
    newer = tmp_path / "newer.keras"
    with (
        zipfile.ZipFile(tmp_path / "detector.keras") as source,
        zipfile.ZipFile(newer, "w") as copy,
    ):
        for entry in source.namelist():
            content = source.read(entry)
            if entry == STATE_ENTRY:
                document = json.loads(content)
                document["format_version"] = 99
                content = json.dumps(document)
            copy.writestr(entry, content)

    with pytest.raises(ValueError, match="format version 99.*reads versions up to 1"):
        lae.load_detector(newer)


# --- Bad input, refused before any training ---


@pytest.mark.parametrize(
    ("series", "arguments", "error", "message"),
    [
        (np.zeros(10), {"window": 20}, ValueError, "10 steps, fewer than the window"),
        (np.array(["a", "b"] * 50), {}, TypeError, "numbers"),
        (None, {}, TypeError, "must be an array .* got NoneType"),
        (pd.Series(["a", "b"] * 50), {}, TypeError, "not numbers"),
        (np.full(100, np.nan), {}, ValueError, "all NaN"),
        (np.zeros((100, 2, 2)), {}, ValueError, "one series"),
        (np.r_[np.zeros(99), np.inf], {}, ValueError, "infinite"),
        (np.zeros(100), {"threshold": "median"}, ValueError, "`threshold` must be"),
        (np.zeros(100), {"stride": 0}, ValueError, "`stride`"),
        (np.zeros(100), {"window": 2.5}, TypeError, "`window`"),
        (np.zeros(100), {"detrend": "yes"}, TypeError, "`detrend` must be True"),
        (np.zeros(100), {"time_stretch": "a"}, TypeError, "`time_stretch` must be"),
        (np.zeros(100), {"time_stretch": -0.1}, ValueError, "`time_stretch` must be"),
        (np.zeros(100), {"time_stretch": 1.0}, ValueError, "`time_stretch` must be"),
        (np.arange(100).astype("m8[s]"), {}, TypeError, "durations"),
        ([1.0, None] * 50, {}, TypeError, "NaN, not None"),
        (
            np.array([[1.0], [{}]] * 50, dtype=object),
            {},
            TypeError,
            "argument must be a string or a real number",
        ),
        (np.zeros(100, complex), {}, ValueError, "Complex data not supported"),
        (sparse.csr_array(np.ones((100, 2))), {}, TypeError, "sparse input is not"),
        (np.zeros((100, 0)), {}, ValueError, r"0 feature\(s\) \(shape=\(100, 0\)\)"),
        (np.zeros((1, 3)), {"window": 4}, ValueError, "one sample .* fewer than"),
        (np.zeros(100), {"model_options": 8}, TypeError, "`model_options` must be"),
    ],
)
def test_bad_input_is_refused_before_training(series, arguments, error, message):
    detector = lae.AnomalyDetector(**{**QUICK, **arguments})

    with pytest.raises(error, match=message):
        detector.fit(series)
    assert not hasattr(detector, "model_")


def test_another_feature_count_is_refused_in_scikit_learns_words_too(fitted):
    message = "X has 2 features, but AnomalyDetector is expecting 1 features as input"

    for method in (fitted.decision_function, fitted.predict, fitted.score):
        with pytest.raises(ValueError, match=message):
            method(np.zeros((100, 2)))


def test_score_refuses_other_features_short_series_and_unfitted(fitted):
    with pytest.raises(ValueError, match="2 feature.*fitted on 1"):
        fitted.score(np.zeros((100, 2)))
    with pytest.raises(ValueError, match="fewer than the window"):
        fitted.score(np.zeros(5))
    with pytest.raises(lae.NotFittedError, match="Call `fit`"):
        lae.AnomalyDetector().score(np.zeros(100))


# --- Plots ---


def test_plot_detection_draws_each_feature_and_shades_flagged_steps():
    import matplotlib.pyplot as plt

    series = np.zeros((50, 2))
    series[20:23, 1] = 5.0
    feature_scores = np.zeros((50, 2))
    feature_scores[20:23, 1] = 4.0

    axes = lae.plot_detection(
        series,
        feature_scores.max(axis=1),
        threshold=1.0,
        labels=(series[:, 1] > 0).astype(int),
        feature_scores=feature_scores,
    )

    assert len(axes) == 3
    flagged = [p for p in axes[0].patches if p.get_label().startswith("flagged")]
    assert flagged[0].get_label() == "flagged: score above threshold (3 steps)"
    twins = [ax for ax in axes[0].figure.axes if ax not in axes]
    assert twins[0].get_ylim() == twins[1].get_ylim()  # one scale for all
    np.testing.assert_allclose(twins[1].lines[0].get_ydata(), feature_scores[:, 1])
    np.testing.assert_allclose(axes[-1].lines[0].get_ydata(), feature_scores[:, 1])
    plt.close("all")


def test_plot_error_histogram_counts_the_scores_above_the_threshold():
    import matplotlib.pyplot as plt

    ax = lae.plot_error_histogram(np.r_[np.zeros(98), 5.0, 6.0], threshold=1.0)

    assert ax.get_legend_handles_labels()[1][-1] == "threshold 1 (2 above)"
    plt.close("all")


def test_plot_detection_refuses_scores_of_another_shape():
    with pytest.raises(ValueError, match=r"`scores` must have shape \(10,\)"):
        lae.plot_detection(np.zeros(10), np.zeros(9))
    with pytest.raises(ValueError, match="`feature_scores=`"):
        lae.plot_detection(np.zeros((10, 2)), np.zeros((10, 2)))
    with pytest.raises(ValueError, match=r"`feature_scores` must have shape"):
        lae.plot_detection(np.zeros((10, 2)), np.zeros(10), feature_scores=np.zeros(10))
    with pytest.raises(ValueError, match=r"`labels` must have shape \(10,\)"):
        lae.plot_detection(np.zeros(10), np.zeros(10), labels=np.zeros(9))
    with pytest.raises(ValueError, match=r"`labels` must have shape \(10,\)"):
        lae.plot_anomaly_scores(np.zeros(10), labels=np.zeros(11))


# --- Recordings on disk, read a stretch at a time ---


def with_gaps(steps, features, seed=0):
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(steps, features)).astype(np.float32)
    values[rng.random((steps, features)) < 0.05] = np.nan
    values[:7, 0] = np.nan  # Missing at the start, then a long gap, and at the end.
    values[100:5000, 0] = np.nan
    values[-3:, -1] = np.nan
    return values


def test_fill_stretch_fills_a_stretch_as_filling_the_whole_series():
    values = with_gaps(9000, 2)
    whole = fill_missing(values)

    for start, stop in [(0, 9000), (0, 5), (150, 4900), (4990, 5010), (8000, 9000)]:
        np.testing.assert_array_equal(
            fill_stretch(values, start, stop), whole[start:stop]
        )


def test_a_recording_on_disk_is_prepared_as_the_same_series_in_memory(tmp_path):
    values = with_gaps(60_000, 3)
    np.save(tmp_path / "series.npy", values.astype(np.float64))
    on_disk = Recording(np.load(tmp_path / "series.npy", mmap_mode="r"), 40, 8)
    in_memory = Recording(values, 40, 8)
    scaler = lae.StandardScaler().fit_chunks(on_disk.stretches())

    assert on_disk.on_disk
    assert not in_memory.on_disk
    whole = in_memory.read(0, 60_000)
    np.testing.assert_allclose(scaler.mean_, whole.mean(axis=0), atol=1e-6)
    np.testing.assert_allclose(scaler.scale_, whole.std(axis=0), rtol=1e-5)
    part = on_disk.part(10, 60_000)  # Prepared with the steps before it.
    for start, stop in [(10, 300), (20_000, 40_000), (59_000, 60_000)]:
        np.testing.assert_allclose(
            on_disk.read(start, stop), whole[start:stop], atol=1e-5
        )
        np.testing.assert_allclose(
            part.read(start - 10, stop - 10), whole[start:stop], atol=1e-5
        )
    windows = [w for _, w in on_disk.windows(np.array([0, 17, 30_000, 59_960]))]
    assert [len(w) for w in windows] == [2, 1, 1]  # 0 and 17 from one stretch.
    np.testing.assert_allclose(windows[-1][0], whole[59_960:], atol=1e-5)


def test_a_recording_on_disk_with_gaps_scores_as_in_memory(fitted, tmp_path):
    series = np.tile(periodic(seed=1), 70)  # 42,000 steps: three stretches.
    rng = np.random.default_rng(0)
    series[rng.random(len(series)) < 0.02] = np.nan
    series[16_000:17_000] = np.nan  # Across the end of the first stretch.
    np.save(tmp_path / "series.npy", series)

    scores = fitted.score(np.load(tmp_path / "series.npy", mmap_mode="r"))

    assert np.isfinite(scores).all()
    np.testing.assert_allclose(scores, fitted.score(series), rtol=1e-6)
    assert scores[16_000:17_000].max() <= scores[:15_000].max()


def test_a_detector_scores_a_recording_on_disk_a_stretch_at_a_time(tmp_path):
    import tracemalloc

    train = periodic(steps=600, features=4)
    test = np.tile(train, (2000, 1))  # 1,200,000 steps, 19.2 MB.
    test[600_000, 2] += 3.0
    np.save(tmp_path / "train.npy", train)
    np.save(tmp_path / "test.npy", test.astype(np.float32))
    mapped = np.load(tmp_path / "test.npy", mmap_mode="r")
    settings = {"window": PERIOD, "stride": PERIOD, **QUICK}
    in_memory = lae.AnomalyDetector(**settings).fit(train)
    on_disk = lae.AnomalyDetector(**settings).fit(
        np.load(tmp_path / "train.npy", mmap_mode="r")
    )

    np.testing.assert_allclose(
        on_disk.train_scores_, in_memory.train_scores_, rtol=1e-5
    )
    assert on_disk.threshold_ == pytest.approx(in_memory.threshold_, rel=1e-5)
    on_disk.score(mapped[:30_000])  # Every shape compiles before the count.
    tracemalloc.start()
    try:
        scores = on_disk.score(mapped)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # The scores (9.6 MB) and one stretch of 16,384 steps at a time: a
    # prepared copy of the recording (19.2 MB; 38.4 as float64) would not fit.
    assert peak < scores.nbytes + 0.4 * mapped.nbytes, (peak, mapped.nbytes)
    assert 600_000 - PERIOD < int(np.argmax(scores)) <= 600_000
    # The same scores as the array in memory: checked on its first 100,000
    # steps, which do not depend on what comes 10 windows after them.
    np.testing.assert_allclose(
        scores[:99_000], in_memory.score(test[:100_000])[:99_000], rtol=1e-4, atol=1e-6
    )
    np.testing.assert_allclose(
        scores[-99_000:],
        in_memory.score(test[-100_000:])[-99_000:],
        rtol=1e-4,
        atol=1e-6,
    )
