"""`AnomalyDetector`: which steps of a recording are abnormal."""

import warnings

import numpy as np

from keras_lstm_ae._utils.validation import check_bool, check_positive_int, check_rate
from keras_lstm_ae.anomaly import scores, thresholds
from keras_lstm_ae.anomaly.period import choose_window
from keras_lstm_ae.anomaly.recording import Recording
from keras_lstm_ae.anomaly.series import (
    as_series,
    check_like_fit,
    check_long_enough,
    feature_names,
)
from keras_lstm_ae.anomaly.training import (
    auto_stride,
    split_recording,
    training_windows,
)
from keras_lstm_ae.anomaly.trend import TREND_WINDOWS
from keras_lstm_ae.anomaly.windows import window_starts
from keras_lstm_ae.estimators.base import SequenceModelEstimator, uses_threads
from keras_lstm_ae.preprocessing import segments
from keras_lstm_ae.preprocessing.scalers import StandardScaler


class AnomalyDetector(SequenceModelEstimator):
    """Scores every step of a series by how badly an autoencoder rebuilds it.

    `fit` trains an LSTM autoencoder on overlapping windows of a normal
    series. `decision_function` reconstructs the windows of any series of
    the same features and scores each step, per feature, by two errors of
    its windows' reconstructions: its own error, the median over its windows
    (sharp where one value is wrong: a spike; a normal step that a few
    windows happen to rebuild badly is outvoted by the others), and the
    root mean squared error of its windows (high where many values are a
    little wrong: a cycle of another shape). Each error is divided by its
    largest value on the training series, a feature's score is the larger
    of the two, and a step's score is the largest over its features. So a
    score above 1 is worse than anything seen in training.
    One score per step, higher is more abnormal, never NaN, the first and
    last steps included; `predict` flags the steps above `threshold_`.

    Before modelling, each feature's slowly varying level is removed
    (`detrend=True`): the centred moving median, over 8 windows, of the
    moving mean over one window. A trend or drift that goes on after the
    training series is then not an anomaly, while a spike, a changed cycle
    or a level shift of up to a few windows still is. Features are then
    standardised with the training series' statistics. NaN values are
    missing values. The model reads them interpolated from their neighbours,
    but a gap is not scored as data, so a sensor that drops out is not an
    anomaly: the trend is taken from the known values, windows mostly
    missing are not trained on, errors count only at known values, a step
    next to a gap is scored from its windows without one, and a missing step
    takes its errors from the known steps either side (see
    `errors.errors_around_gaps`).

    The model trains on windows read a little faster or slower than recorded
    (`time_stretch`: up to 10% by default), since a recording's tempo drifts:
    a heartbeat or a gait whose rate later leaves the training series' range
    is then still rebuilt well, while a cycle 1.5 times as fast stands out.

    Every feature is reconstructed, and `decision_function(series,
    per_feature=True)` gives each feature's own score, so that you can see
    which channel is abnormal.

    For scikit-learn, the rows of `series` are its samples and its columns
    its features. The detector's tags (`__sklearn_tags__`) say that it takes
    NaN (missing values) and no sparse input; `score(series, y=None)` takes
    the `y` that `Pipeline` passes. Three of scikit-learn's checks expect
    rows that do not depend on each other and refuse a 1-D array; see
    `tests/test_sklearn_checks.py`.

    Args:
        window: Steps per window, or `None` to use the training series'
            dominant period (the highest peak of its first feature's
            autocorrelation, as TSB-AD's `find_length_rank`), kept between
            16 and 256 steps and at most half the training series. The choice
            is in `window_`.
        stride: Steps between windows, in `fit` and in scoring (there, at
            most `window`, so that every step lies in a window). `fit` trains
            on as many windows, but at starts drawn at random, so that the
            model sees every alignment of the series' cycles. Defaults to
            `None`: 1 (every window), widened where the training series would
            give more than 1000 windows.
        latent_dim: Size of each window's encoding. Defaults to 8.
        epochs: The most passes over the training windows. Defaults to 300.
        batch_size: Windows per gradient step. Defaults to 64.
        validation_split: Fraction of the training series held out to decide
            when to stop and to fit the `"gaussian"` rule: the end of each of
            5 equal parts (fewer where a part's end would be shorter than a
            window), so that every regime of the recording is in both.
            Defaults to 0.2.
        patience: Epochs without improvement of the held-out loss before
            training stops. Defaults to 30.
        threshold: How `threshold_` is set from the training series' scores
            (`decision_function(training_series)` after `fit`): `"max"` (the
            highest), `("percentile", q)`, `("std", k)` (mean + k standard
            deviations), a number (used as is), or `"gaussian"`: the rule of
            EncDec-AD (Malhotra et al., 2016). With `"gaussian"`, a Gaussian
            is fitted to the per-feature error vectors of the held-out
            steps, every score is the squared Mahalanobis distance of a
            step's error vector, and the threshold is the highest such score
            on the held-out steps. Defaults to `"max"`, which is 1 for the
            other scores.
        detrend: Whether to remove each feature's slowly varying level
            before modelling (see above). Set it to `False` where the level
            itself can be abnormal for longer than about 4 windows. Defaults
            to `True`.
        time_stretch: How much faster or slower than recorded the training
            windows may be read: each is read at a random speed between
            `1 / (1 + time_stretch)` and `1 + time_stretch` times the
            recording's (window warping), so that cycles that later come a
            little faster or slower than in the training series (a heart
            rate, a walking pace that drifts) are not flagged for their
            tempo alone. Held-out windows are read as recorded. 0 trains on
            the windows as recorded. Defaults to 0.1.
        learning_rate: Adam's learning rate. Defaults to 0.001.
        seed: Integer seed for the initial weights, the training windows
            and their tempos, and the shuffling, or `None`.
        verbose: Keras's progress output: 0, 1 (progress bars) or 2.
            Defaults to 0.
        n_jobs: CPU threads for training and scoring, for each call only
            (`keras_lstm_ae.thread_limit`): a count, or `-1` for every core.
            Defaults to `None`, the cores that other programs leave spare,
            measured as the call runs (at most `OMP_NUM_THREADS` where
            set): all of an idle machine's, fewer beside busy programs.
        **model_options: Passed on to `LSTMAutoencoder` (e.g. `units=(32,)`),
            each a parameter of its own; or as one dict,
            `model_options={"units": (32,)}` (a keyword wins over the dict).

    Attributes:
        window_: Steps per window.
        stride_: Steps between windows.
        threshold_: Scores above it are flagged by `predict`.
        train_scores_: The scores of the training series, one per step.
        model_: The trained `LSTMAutoencoder` (it reads scaled windows cut
            into `segment_length_`-step segments and rebuilds them back to
            front).
        scaler_: The `StandardScaler` of the training series.
        step_error_scale_: Each feature's largest step error on the
            training series, which step errors are divided by.
        window_error_scale_: The same for window errors.
        error_model_: With `threshold="gaussian"`, the fitted
            `GaussianErrorModel`; else `None`.
        history_: The training history (`loss`, `val_loss`).
        n_features_in_: Features per step.
        feature_names_in_: The column names of a training `DataFrame`,
            when they are all strings (as in scikit-learn). A `DataFrame`
            to score must then have the same columns in the same order.

    Example:

    >>> steps = np.arange(800)
    >>> normal = np.sin(2 * np.pi * steps / 40)
    >>> detector = AnomalyDetector(epochs=2, seed=0).fit(normal)
    >>> detector.window_
    40
    >>> test = normal.copy()
    >>> test[400] = 3.0
    >>> scores = detector.decision_function(test)
    >>> scores.shape, int(np.argmax(scores))
    ((800,), 400)
    """

    def __init__(
        self,
        window=None,
        *,
        stride=None,
        latent_dim=8,
        epochs=300,
        batch_size=64,
        validation_split=0.2,
        patience=30,
        threshold="max",
        detrend=True,
        time_stretch=0.1,
        learning_rate=0.001,
        seed=None,
        verbose=0,
        n_jobs=None,
        **model_options,
    ):
        self.window = window
        self.stride = stride
        self.latent_dim = latent_dim
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_split = validation_split
        self.patience = patience
        self.threshold = threshold
        self.detrend = detrend
        self.time_stretch = time_stretch
        self.learning_rate = learning_rate
        self.seed = seed
        self.verbose = verbose
        self.n_jobs = n_jobs
        self._model_options = model_options

    @staticmethod
    def _default_model_options():
        return {"units": (64,), "bidirectional": True}

    # --- Fitting ---

    @uses_threads
    def fit(self, series, y=None):
        """Trains on a normal series (one without anomalies, or very few).

        Args:
            series: A 1-D array `(steps,)`, a 2-D array `(steps, features)`,
                or a pandas `Series` / `DataFrame`. NaN marks missing values.
                A NumPy memmap (`np.load(path, mmap_mode="r")`) is read a
                stretch at a time, here and when scoring, never whole.
            y: Ignored; there for scikit-learn's API.

        Returns:
            The fitted detector itself.

        Raises:
            TypeError: If `series` holds something other than numbers, is
                sparse, or an argument has the wrong type.
            ValueError: If `series` is shorter than the window, is all NaN
                (or a feature is), holds complex numbers or infinities, or an
                argument is out of range.
        """
        latent_dim = check_positive_int(self.latent_dim, "latent_dim")
        self._check_training_arguments()
        spec = thresholds.check_threshold_spec(self.threshold)
        options = self._model_options_checked()
        if self.stride is not None:
            check_positive_int(self.stride, "stride")
        check_bool(self.detrend, "detrend")
        time_stretch = check_rate(self.time_stretch, "time_stretch")
        values = as_series(series, "series")
        names = feature_names(series)
        if self.window is not None:
            check_long_enough(values, check_positive_int(self.window, "window"))
        window = choose_window(values, self.window)
        stride = self.stride or auto_stride(len(values), window)
        raw = Recording(values, window, TREND_WINDOWS if self.detrend else None)
        scaler = StandardScaler().fit_chunks(raw.stretches())
        recording = raw.scaled(scaler)
        segment_length = segments.auto_segment_length(window)

        held_out, training = split_recording(recording, window, self.validation_split)
        if spec == "gaussian" and not held_out:
            warnings.warn(
                f"The series has too few steps ({len(values)}) to hold out a "
                f"window ({window} steps) with validation_split="
                f'{self.validation_split}: the "gaussian" rule is fitted on '
                "the training steps' errors, which are lower than on new "
                "normal data, so expect more false alarms. Pass a longer "
                "series or a larger `validation_split`.",
                stacklevel=2,
            )
        rng = np.random.default_rng(self.seed)
        inputs = training_windows(training, stride, segment_length, rng, time_stretch)
        validation = training_windows(held_out, stride, segment_length, rng)

        model = self._build_model(inputs.shape[1], inputs.shape[2], latent_dim, options)
        self.history_ = self._train(model, inputs, validation)
        self.model_ = model
        self.scaler_ = scaler
        self.window_ = window
        self.stride_ = stride
        self.segment_length_ = segment_length
        self.n_features_in_ = values.shape[1]
        if names is not None:
            self.feature_names_in_ = names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_  # From an earlier fit.
        score_stride = self._score_stride()
        calibration = scores.calibrate(
            recording, held_out, window, score_stride, self._rebuild_windows, spec
        )
        self.step_error_scale_ = calibration.step_error_scale
        self.window_error_scale_ = calibration.window_error_scale
        self.error_model_ = calibration.error_model
        self.train_scores_ = calibration.train_scores
        self.threshold_ = calibration.threshold
        return self

    # --- Scoring ---

    def _score_stride(self):
        """Steps between scored windows: `stride_`, but at most a window, so
        that every step lies in one."""
        return min(self.stride_, self.window_)

    def _errors(self, recording):
        """The step and window errors of a whole recording, `(steps,
        features)` each (see `scores.error_stretches`)."""
        return scores.whole_errors(
            recording, self.window_, self._score_stride(), self._rebuild_windows
        )

    def _rebuild_windows(self, windows):
        rebuilt = self._rebuild(segments.to_segments(windows, self.segment_length_))
        return segments.from_segments(rebuilt, self.n_features_in_, self.window_)

    def _recording(self, series, method):
        """A series checked against the fitted detector, as a `Recording`
        prepared as in `fit`."""
        self._check_fitted(method)
        values = as_series(series, "series")
        check_like_fit(
            values,
            feature_names(series),
            self.n_features_in_,
            getattr(self, "feature_names_in_", None),
            self.window_,
            ndim=np.ndim(series),
        )
        trend = TREND_WINDOWS if self.detrend else None
        return Recording(values, self.window_, trend, scaler=self.scaler_)

    @uses_threads
    def decision_function(self, series, *, per_feature=False):
        """One anomaly score per step: higher is more abnormal.

        The direction is PyOD's (`decision_function`, higher is more
        abnormal, `predict` 1 above `threshold_`); scikit-learn's outlier
        detectors point theirs the other way.

        Args:
            series: A series with the training series' features, at least
                `window_` steps long (see `fit`).
            per_feature: Whether to return each feature's score instead of
                the step's.

        Returns:
            A float64 array `(steps,)`, or `(steps, features)` with
            `per_feature=True`. A feature's score is the larger of its step
            error and its window error, each divided by its largest value on
            the training series; a step's score is the largest of its
            features'. With `threshold="gaussian"`, a step's score is the
            squared Mahalanobis distance of its step errors, and
            `per_feature=True` gives each feature's contribution to it (the
            rows sum to the scores).

        Raises:
            NotFittedError: If the detector is not fitted.
            ValueError: If `series` has other features than in `fit`, is
                shorter than the window, or is all NaN.
        """
        per_feature = check_bool(per_feature, "per_feature")
        recording = self._recording(series, "decision_function")
        window, stride = self.window_, self._score_stride()
        stretches = scores.error_stretches(
            recording, window, stride, self._rebuild_windows
        )
        return scores.scores_of(
            stretches,
            len(recording),
            self.n_features_in_,
            self.step_error_scale_,
            self.window_error_scale_,
            self.error_model_,
            per_feature,
        )

    @uses_threads
    def score(self, series, y=None, *, per_feature=False):
        """The scores of `decision_function`, one per step, kept for
        compatibility.

        In scikit-learn, `score(X, y)` is one number, higher for a better
        model. This `score` returns one score per step, higher is more
        abnormal, as it did before `decision_function` existed, so that
        code calling `score(series)` keeps its results. Prefer
        `decision_function`; to compare detectors in `GridSearchCV`, pass
        a `scoring` function.

        Args:
            series: As for `decision_function`.
            y: Ignored; there for `Pipeline`, which passes it on. Not a
                bool: `per_feature` is a keyword argument.
            per_feature: As for `decision_function`.

        Returns:
            What `decision_function` returns.
        """
        if isinstance(y, (bool, np.bool_)):
            raise TypeError(
                "The second positional argument of `score` is `y`, which is "
                "ignored; pass `per_feature=True` as a keyword."
            )
        return self.decision_function(series, per_feature=per_feature)

    @uses_threads
    def score_windows(self, series, return_starts=False):
        """The mean squared reconstruction error of each window.

        This is the model's training loss, window by window, over all
        features (of the scaled series). The scores' window errors are the
        roots of these, per feature, before dividing by the training maxima.
        Missing values do not count: a window's error is the mean over its
        known values, and a window with none takes it from the windows
        either side.

        Args:
            series: As for `decision_function`.
            return_starts: Whether to also return each window's first step.

        Returns:
            A float64 array `(n_windows,)`; with `return_starts=True`, a tuple
            `(errors, starts)`. Windows are `window_` steps long and
            `stride_` apart (at most `window_`), the last one ending at the
            last step.
        """
        recording = self._recording(series, "score_windows")
        starts = window_starts(len(recording), self.window_, self._score_stride())
        errors = scores.window_mean_squared_errors(
            recording, starts, self._rebuild_windows
        )
        return (errors, starts) if return_starts else errors

    @uses_threads
    def predict(self, series):
        """Flags each step: 1 where its score (`decision_function`) is above
        `threshold_`, else 0."""
        return (self.decision_function(series) > self.threshold_).astype(np.int64)

    # --- Files ---

    def _fitted_state(self):
        return {
            "scaler": self.scaler_.get_config(),
            "history": self.history_,
            "window": self.window_,
            "stride": self.stride_,
            "segment_length": self.segment_length_,
            "n_features_in": self.n_features_in_,
            "feature_names_in": getattr(self, "feature_names_in_", None),
            "threshold": self.threshold_,
            "train_scores": self.train_scores_,
            "step_error_scale": self.step_error_scale_,
            "window_error_scale": self.window_error_scale_,
            "error_model": (
                None if self.error_model_ is None else self.error_model_.get_config()
            ),
        }

    def _set_fitted_state(self, state):
        self.scaler_ = StandardScaler.from_config(state["scaler"])
        self.history_ = state["history"]
        self.window_ = state["window"]
        self.stride_ = state["stride"]
        self.segment_length_ = state["segment_length"]
        self.n_features_in_ = state["n_features_in"]
        if state.get("feature_names_in") is not None:
            self.feature_names_in_ = list(state["feature_names_in"])
        self.threshold_ = state["threshold"]
        self.train_scores_ = np.asarray(state["train_scores"], dtype=np.float64)
        self.step_error_scale_ = np.asarray(state["step_error_scale"], dtype=np.float64)
        self.window_error_scale_ = np.asarray(
            state["window_error_scale"], dtype=np.float64
        )
        self.error_model_ = (
            None
            if state["error_model"] is None
            else thresholds.GaussianErrorModel.from_config(state["error_model"])
        )


def load_detector(filepath):
    """Loads an `AnomalyDetector` written by its `save`.

    Args:
        filepath: The `.keras` file.

    Returns:
        The fitted `AnomalyDetector`: scaler, window and threshold included.

    Raises:
        FileNotFoundError: If there is no file at `filepath`.
        ValueError: If the file is damaged, or holds no `AnomalyDetector`.
    """
    return AnomalyDetector._load(filepath)
