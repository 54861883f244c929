"""Specification of `AnomalyDetector`: scores per step, thresholds, files, errors."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import keras_lstm_ae as lae
from keras_lstm_ae.anomaly import scoring

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
    starts = scoring.window_starts(103, 10, 7)

    assert starts[0] == 0
    assert starts[-1] == 93
    covered = np.zeros(103, bool)
    for start in starts:
        covered[start : start + 10] = True
    assert covered.all()


def test_step_errors_average_each_steps_windows():
    series = np.arange(6, dtype=float)[:, None]
    starts = np.array([0, 2])
    reconstructions = np.zeros((2, 4, 1))

    errors = scoring.step_errors(series, reconstructions, starts)[:, 0]

    # Steps 2 and 3 lie in both windows, with the same error in each.
    np.testing.assert_allclose(errors, series[:, 0] ** 2)


def test_the_window_defaults_to_the_dominant_period(fitted):
    assert fitted.window_ == PERIOD
    assert fitted.stride_ == PERIOD // 8


def test_every_step_gets_a_finite_score(fitted):
    series = periodic(seed=1)

    scores = fitted.score(series)

    assert scores.shape == (600,)
    assert np.isfinite(scores).all()
    assert (scores >= 0).all()


def test_a_spike_gets_the_highest_score():
    detector = lae.AnomalyDetector(epochs=30, units=(16,), seed=0).fit(periodic())
    series = periodic(seed=1)
    series[300] += 4.0

    scores = detector.score(series)

    assert int(np.argmax(scores)) == 300
    assert detector.predict(series)[300] == 1


def test_per_feature_contributions_sum_to_the_score_and_point_at_the_channel():
    normal = periodic(features=3)
    detector = lae.AnomalyDetector(epochs=30, units=(16,), seed=0).fit(normal)
    series = periodic(features=3, seed=1)
    series[200:210, 1] += 3.0

    contributions = detector.score(series, per_feature=True)

    assert contributions.shape == (600, 3)
    np.testing.assert_allclose(contributions.sum(axis=1), detector.score(series))
    assert np.argmax(contributions[200:210].sum(axis=0)) == 1


def test_missing_values_are_scored_from_their_neighbours(fitted):
    series = periodic(seed=1)
    holed = series.copy()
    holed[[0, 100, 101, 599]] = np.nan
    filled = series.copy()
    filled[0], filled[599] = series[1], series[598]
    filled[100:102] = np.interp([100, 101], [99, 102], series[[99, 102]])

    scores = fitted.score(holed)

    assert np.isfinite(scores).all()
    np.testing.assert_allclose(scores, fitted.score(filled), rtol=1e-5, atol=1e-7)


def test_pandas_series_and_frames_score_like_arrays(fitted):
    series = periodic(seed=1)

    np.testing.assert_allclose(fitted.score(pd.Series(series)), fitted.score(series))
    np.testing.assert_allclose(
        fitted.score(pd.DataFrame({"value": series})), fitted.score(series)
    )


def test_score_windows_gives_each_windows_mean_squared_error(fitted):
    series = periodic(seed=1)

    errors, starts = fitted.score_windows(series, return_starts=True)

    np.testing.assert_array_equal(
        starts, scoring.window_starts(600, fitted.window_, fitted.stride_)
    )
    assert errors.shape == starts.shape
    # Each step's score averages the squared errors of its windows, so the
    # mean score of the steps of non-overlapping windows is their mean error.
    assert np.all(errors >= 0)
    np.testing.assert_allclose(
        errors.mean(),
        np.mean(
            [
                fitted.score(series)[start : start + fitted.window_].mean()
                for start in starts
            ]
        ),
        rtol=0.2,
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
    held_out = detector.scaler_.transform(normal)[480:]

    errors = detector._step_errors(held_out)
    mean = errors.mean(axis=0)
    covariance = np.cov(errors.T, bias=True)
    covariance += 1e-6 * np.mean(np.diag(covariance)) * np.eye(2)
    centred = errors - mean
    mahalanobis = np.einsum("ij,jk,ik->i", centred, np.linalg.inv(covariance), centred)

    assert detector.threshold_ == pytest.approx(mahalanobis.max(), rel=1e-6)
    np.testing.assert_allclose(
        detector.score(normal[480:]),
        np.einsum(
            "ij,jk,ik->i",
            detector._step_errors(held_out) - mean,
            np.linalg.inv(covariance),
            detector._step_errors(held_out) - mean,
        ),
        rtol=1e-6,
    )


# --- Estimator API and files ---


def test_params_and_clone_keep_model_options():
    detector = lae.AnomalyDetector(window=30, threshold=("std", 3), units=(4,))

    copy = clone(detector)

    assert copy.get_params() == detector.get_params()
    assert copy.get_params()["units"] == (4,)


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


# --- Bad input, refused before any training ---


@pytest.mark.parametrize(
    ("series", "arguments", "error", "message"),
    [
        (np.zeros(10), {"window": 20}, ValueError, "10 steps, fewer than the window"),
        (np.array(["a", "b"] * 50), {}, TypeError, "numbers"),
        (pd.Series(["a", "b"] * 50), {}, TypeError, "not numbers"),
        (np.full(100, np.nan), {}, ValueError, "all NaN"),
        (np.zeros((100, 2, 2)), {}, ValueError, "one series"),
        (np.r_[np.zeros(99), np.inf], {}, ValueError, "infinite"),
        (np.zeros(100), {"threshold": "median"}, ValueError, "`threshold` must be"),
        (np.zeros(100), {"stride": 0}, ValueError, "`stride`"),
        (np.zeros(100), {"window": 2.5}, TypeError, "`window`"),
    ],
)
def test_bad_input_is_refused_before_training(series, arguments, error, message):
    detector = lae.AnomalyDetector(**{**QUICK, **arguments})

    with pytest.raises(error, match=message):
        detector.fit(series)
    assert not hasattr(detector, "model_")


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
    contributions = np.zeros((50, 2))
    contributions[20:23, 1] = 4.0

    axes = lae.plot_detection(
        series, contributions, threshold=1.0, labels=(series[:, 1] > 0).astype(int)
    )

    assert len(axes) == 3
    flagged = [p for p in axes[0].patches if p.get_label().startswith("flagged")]
    assert flagged[0].get_label() == "flagged: score above threshold (3 steps)"
    twins = [ax for ax in axes[0].figure.axes if ax not in axes]
    assert twins[0].get_ylim() == twins[1].get_ylim()  # one contribution scale
    np.testing.assert_allclose(axes[-1].lines[0].get_ydata(), contributions.sum(axis=1))
    plt.close("all")


def test_plot_error_histogram_counts_the_scores_above_the_threshold():
    import matplotlib.pyplot as plt

    ax = lae.plot_error_histogram(np.r_[np.zeros(98), 5.0, 6.0], threshold=1.0)

    assert ax.get_legend_handles_labels()[1][-1] == "threshold 1 (2 above)"
    plt.close("all")


def test_plot_detection_refuses_scores_of_another_length():
    with pytest.raises(ValueError, match=r"`scores` must have shape \(10,\)"):
        lae.plot_detection(np.zeros(10), np.zeros(9))
