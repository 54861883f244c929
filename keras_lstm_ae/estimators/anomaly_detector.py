"""`AnomalyDetector`: which steps of a recording are abnormal."""

import warnings

import numpy as np
import pandas as pd

from keras_lstm_ae._utils.validation import (
    CHUNK_ROWS,
    as_float_array,
    check_bool,
    check_positive_int,
    check_rate,
    count_infinite,
    pandas_to_numpy,
    raise_for_infinite_count,
)
from keras_lstm_ae.anomaly import scoring, thresholds
from keras_lstm_ae.anomaly._vus import PERIOD_STEPS, dominant_period
from keras_lstm_ae.anomaly.recording import STRETCH_STEPS, Recording, fill_stretch
from keras_lstm_ae.estimators.base import SequenceModelEstimator
from keras_lstm_ae.preprocessing import segments
from keras_lstm_ae.preprocessing.scalers import StandardScaler

# Bounds of the automatic window: long enough to hold a shape, short enough
# that a series of a few thousand steps gives many training windows.
MIN_AUTO_WINDOW = 16
MAX_AUTO_WINDOW = 256
# The automatic trend span, in windows: long enough that the moving median
# follows the level but neither a cycle nor a change of a few windows.
TREND_WINDOWS = 8


class AnomalyDetector(SequenceModelEstimator):
    """Scores every step of a series by how badly an autoencoder rebuilds it.

    `fit` trains an LSTM autoencoder on overlapping windows of a normal
    series. `score` reconstructs the windows of any series of the same
    features and scores each step, per feature, by two errors of its
    windows' reconstructions: its own error, the median over its windows
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
    `scoring.errors_around_gaps`).

    The model trains on windows read a little faster or slower than recorded
    (`time_stretch`: up to 10% by default), since a recording's tempo drifts:
    a heartbeat or a gait whose rate later leaves the training series' range
    is then still rebuilt well, while a cycle 1.5 times as fast stands out.

    Every feature is reconstructed, and `score(series, per_feature=True)`
    gives each feature's own score, so that you can see which channel is
    abnormal.

    Args:
        window: Steps per window, or `None` to use the training series'
            dominant period (the highest peak of its first feature's
            autocorrelation, as TSB-AD's `find_length_rank`), kept between
            16 and 256 steps and at most half the training series. The choice
            is in `window_`.
        stride: Steps between windows, in `fit` and `score` (in `score`, at
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
            (`score(training_series)` after `fit`): `"max"` (the highest),
            `("percentile", q)`, `("std", k)` (mean + k standard deviations),
            a number (used as is), or `"gaussian"`: the rule of EncDec-AD
            (Malhotra et al., 2016). With `"gaussian"`, a Gaussian is fitted
            to the per-feature error vectors of the held-out steps, every
            score is the squared Mahalanobis distance of a step's error
            vector, and the threshold is the highest such score on the
            held-out steps. Defaults to `"max"`, which is 1 for the other
            scores.
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
        **model_options: Passed on to `LSTMAutoencoder` (e.g. `units=(32,)`).

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
            passed to `score` must then have the same columns in the same
            order.

    Example:

    >>> steps = np.arange(800)
    >>> normal = np.sin(2 * np.pi * steps / 40)
    >>> detector = AnomalyDetector(epochs=2, seed=0).fit(normal)
    >>> detector.window_
    40
    >>> test = normal.copy()
    >>> test[400] = 3.0
    >>> scores = detector.score(test)
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
        self._model_options = model_options

    @staticmethod
    def _default_model_options():
        return {"units": (64,), "bidirectional": True}

    # --- Fitting ---

    def fit(self, series, y=None):
        """Trains on a normal series (one without anomalies, or very few).

        Args:
            series: A 1-D array `(steps,)`, a 2-D array `(steps, features)`,
                or a pandas `Series` / `DataFrame`. NaN marks missing values.
                A NumPy memmap (`np.load(path, mmap_mode="r")`) is read a
                stretch at a time, here and in `score`, never whole.
            y: Ignored; there for scikit-learn's API.

        Returns:
            The fitted detector itself.

        Raises:
            TypeError: If `series` holds something other than numbers, or
                an argument has the wrong type.
            ValueError: If `series` is shorter than the window, is all NaN
                (or a feature is), holds infinities, or an argument is out
                of range.
        """
        latent_dim = check_positive_int(self.latent_dim, "latent_dim")
        self._check_training_arguments()
        spec = thresholds.check_threshold_spec(self.threshold)
        options = self._model_options_checked()
        if self.stride is not None:
            check_positive_int(self.stride, "stride")
        check_bool(self.detrend, "detrend")
        time_stretch = check_rate(self.time_stretch, "time_stretch")
        values = _as_series(series, "series")
        names = _feature_names(series)
        window = self._choose_window(values)
        stride = self.stride or _auto_stride(len(values), window)
        raw = Recording(values, window, TREND_WINDOWS if self.detrend else None)
        scaler = StandardScaler().fit_chunks(raw.stretches())
        recording = raw.scaled(scaler)
        segment_length = segments.auto_segment_length(window)

        held_out, training = self._split(recording, window)
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
        inputs = _segmented_windows(training, stride, segment_length, rng, time_stretch)
        validation = _segmented_windows(held_out, stride, segment_length, rng)

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

        # Each feature's errors are measured against the worst of them on the
        # training series, so that a channel the model rebuilds less
        # precisely does not drown out a fault in another one, and a score
        # above 1 is worse than anything seen in training. A series in memory
        # keeps its errors for the scores below; one on disk is read twice.
        if recording.on_disk:
            errors = _Reread(lambda: self._error_stretches(recording))
        else:
            errors = list(self._error_stretches(recording))
        step_scale = window_scale = np.finfo(np.float32).tiny
        for step_errors, window_errors in errors:
            step_scale = np.maximum(step_scale, step_errors.max(axis=0))
            window_scale = np.maximum(window_scale, window_errors.max(axis=0))
        self.step_error_scale_, self.window_error_scale_ = step_scale, window_scale
        self.error_model_ = None
        if spec == "gaussian":
            # Fitted on held-out steps (the training steps' errors are
            # optimistic); without held-out data, on the training series.
            reference = np.concatenate(
                [self._errors(part)[0] for part in held_out]
                if held_out
                else [step_errors for step_errors, _ in errors]
            )
            self.error_model_ = thresholds.GaussianErrorModel().fit(reference)
            self.threshold_ = float(self.error_model_.score(reference).max())
        self.train_scores_ = self._scores_of(errors, len(recording))
        if spec != "gaussian":
            self.threshold_ = thresholds.resolve_threshold(spec, self.train_scores_)
        return self

    def _split(self, recording, window):
        """The held-out parts of a recording, and the parts to train on."""
        held, kept = scoring.held_out_runs(
            len(recording), window, self.validation_split
        )
        training = [recording.part(a, b) for a, b in kept if b - a >= window]
        if not training:  # Too little left to train on: hold nothing out.
            return [], [recording]
        return [recording.part(a, b) for a, b in held], training

    def _choose_window(self, values):
        if self.window is not None:
            window = check_positive_int(self.window, "window")
        else:
            first = fill_stretch(values[:, :1], 0, min(len(values), PERIOD_STEPS))
            first = first[:, 0]
            window = int(
                np.clip(dominant_period(first), MIN_AUTO_WINDOW, MAX_AUTO_WINDOW)
            )
            # A short series keeps at least two windows' worth of steps.
            window = max(1, min(window, len(values) // 2))
        if len(values) < window:
            raise ValueError(
                f"`series` has {len(values)} steps, fewer than the window "
                f"({window}); pass a longer series or a smaller `window`."
            )
        return window

    # --- Scoring ---

    def _score_stride(self):
        """Steps between scored windows: `stride_`, but at most a window, so
        that every step lies in one."""
        return min(self.stride_, self.window_)

    def _error_stretches(self, recording):
        """Yields each stretch's step and window errors, `(steps, features)`
        each, in order, for the whole recording.

        A step's error is the median of its absolute reconstruction errors
        in the windows that hold it: it is sharp where one value is wrong.
        Its window error is the mean root mean squared error of those
        windows: it is high where many values are a little wrong, as in a
        cycle of another shape (see `scoring.reconstruction_errors`).
        A stretch holds the steps of at most `CHUNK_ROWS` windows (and at
        most `STRETCH_STEPS` steps), and is rebuilt with every window that
        holds one of its steps, so its errors are those of the whole series.

        Gaps are not errors (see `scoring.errors_around_gaps`). The windows
        that end just before a gap and start just after it are rebuilt too
        (`scoring.gap_edge_starts`), so that a known step next to a gap lies
        in a window without one wherever a window's worth of known steps
        fits beside the gap. A missing step's errors are
        interpolated from the known steps either side of it among those
        windows, so a gap that runs past them (one longer than a stretch)
        takes the errors of the nearest known step inside.
        """
        steps, window, stride = len(recording), self.window_, self._score_stride()
        size = max(min(CHUNK_ROWS * stride, STRETCH_STEPS), stride)
        for first in range(0, steps, size):
            stop = min(first + size, steps)
            starts = scoring.window_starts_between(steps, window, stride, first, stop)
            # Every window that holds a step of [first, stop) lies in here.
            low, high = max(0, first - window), min(steps, stop + window)
            missing = recording.missing(low, high)
            gaps = missing.any(axis=1)
            if gaps.any():
                edges = scoring.gap_edge_starts(gaps, window, steps, offset=low)
                edges = edges[(edges < stop) & (edges + window > first)]
                starts = np.union1d(starts, edges)
            offset, end = starts[0], starts[-1] + window
            stretch = recording.read(offset, end)
            windows = scoring.cut_windows(stretch, window, starts - offset)
            step_errors, window_errors = scoring.reconstruction_errors(
                windows,
                self._rebuild_windows(windows),
                starts - offset,
                len(stretch),
                missing=missing[offset - low : end - low],
            )
            part = slice(first - offset, stop - offset)
            yield step_errors[part], window_errors[part]

    def _errors(self, recording):
        """The step and window errors of a whole recording, `(steps,
        features)` each (see `_error_stretches`)."""
        step_errors, window_errors = zip(*self._error_stretches(recording), strict=True)
        return np.concatenate(step_errors), np.concatenate(window_errors)

    def _rebuild_windows(self, windows):
        rebuilt = self._rebuild(segments.to_segments(windows, self.segment_length_))
        return segments.from_segments(rebuilt, self.n_features_in_, self.window_)

    def _scores(self, step_errors, window_errors, per_feature=False):
        if self.error_model_ is not None:
            contributions = self.error_model_.contributions(step_errors)
            return contributions if per_feature else contributions.sum(axis=1)
        feature_scores = np.maximum(
            step_errors / self.step_error_scale_,
            window_errors / self.window_error_scale_,
        )
        return feature_scores if per_feature else feature_scores.max(axis=1)

    def _scores_of(self, error_stretches, steps, per_feature=False):
        """The scores of a series from its stretches' errors, written into
        one array as they come (no list of pieces to join)."""
        shape = (steps, self.n_features_in_) if per_feature else (steps,)
        scores = np.empty(shape)
        first = 0
        for step_errors, window_errors in error_stretches:
            stop = first + len(step_errors)
            scores[first:stop] = self._scores(step_errors, window_errors, per_feature)
            first = stop
        return scores

    def _recording(self, series, method):
        """A series checked against the fitted detector, as a `Recording`
        prepared as in `fit`."""
        self._check_fitted(method)
        values = _as_series(series, "series")
        if values.shape[1] != self.n_features_in_:
            raise ValueError(
                f"`series` has {values.shape[1]} feature(s); this detector was "
                f"fitted on {self.n_features_in_}."
            )
        names = _feature_names(series)
        fitted_names = getattr(self, "feature_names_in_", None)
        if names is not None and fitted_names is not None and names != fitted_names:
            raise ValueError(
                f"`series` has the columns {names}; this detector was fitted "
                f"on {fitted_names}, in that order. Select them with "
                "`series[detector.feature_names_in_]`."
            )
        if len(values) < self.window_:
            raise ValueError(
                f"`series` has {len(values)} steps, fewer than the window "
                f"({self.window_}) this detector was fitted with."
            )
        trend = TREND_WINDOWS if self.detrend else None
        return Recording(values, self.window_, trend, scaler=self.scaler_)

    def score(self, series, *, per_feature=False):
        """One anomaly score per step: higher is more abnormal.

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
        recording = self._recording(series, "score")
        return self._scores_of(
            self._error_stretches(recording), len(recording), per_feature
        )

    def score_windows(self, series, return_starts=False):
        """The mean squared reconstruction error of each window.

        This is the model's training loss, window by window, over all
        features (of the scaled series). `score`'s window errors are the
        roots of these, per feature, before dividing by the training maxima.
        Missing values do not count: a window's error is the mean over its
        known values, and a window with none takes it from the windows
        either side.

        Args:
            series: As for `score`.
            return_starts: Whether to also return each window's first step.

        Returns:
            A float64 array `(n_windows,)`; with `return_starts=True`, a tuple
            `(errors, starts)`. Windows are `window_` steps long and
            `stride_` apart (at most `window_`), the last one ending at the
            last step.
        """
        recording, window = self._recording(series, "score_windows"), self.window_
        starts = scoring.window_starts(len(recording), window, self._score_stride())
        errors = []
        for group, windows in recording.windows(starts):
            squared = (self._rebuild_windows(windows) - windows).astype(np.float64) ** 2
            missing = recording.missing(group[0], group[-1] + window)
            if missing.any():
                known = ~missing[(group - group[0])[:, None] + np.arange(window)]
                with np.errstate(invalid="ignore"):
                    errors.append(
                        np.where(known, squared, 0.0).sum(axis=(1, 2))
                        / known.sum(axis=(1, 2))
                    )
            else:
                errors.append(squared.mean(axis=(1, 2)))
        errors = np.concatenate(errors)
        unknown = np.isnan(errors)  # Windows that lie in a gap.
        if unknown.any():
            errors[unknown] = np.interp(
                starts[unknown], starts[~unknown], errors[~unknown]
            )
        return (errors, starts) if return_starts else errors

    def predict(self, series):
        """Flags each step: 1 where its score is above `threshold_`, else 0."""
        return (self.score(series) > self.threshold_).astype(np.int64)

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


# The most training windows the automatic stride gives: enough to cover a long
# series, few enough that an epoch stays short.
MAX_AUTO_WINDOWS = 1000


def _segmented_windows(parts, stride, segment_length, rng, time_stretch=0.0):
    """The windows of every part of a recording, as model inputs; `None` if
    none. With a stride over 1, about one window in `stride`, at starts drawn
    at random (`scoring.sampled_window_starts`). With `time_stretch`, each
    is read at a random tempo from a span a little longer than a window
    (`scoring.stretch_windows`). They are held in memory: with the automatic
    stride, at most about `MAX_AUTO_WINDOWS`, however long the recording.

    A window in which at most half the values are known is left out: it is
    mostly a gap's straight line, which the model need not learn to rebuild
    (unless every window is such, as in a series mostly missing)."""
    if not parts:
        return None
    windows, mostly_known = [], []
    for part in parts:
        span = min(len(part), scoring.stretch_span(part.window, time_stretch))
        starts = scoring.sampled_window_starts(len(part), span, stride, rng)
        for group, spans in part.windows(starts, length=span):
            missing = part.missing(group[0], group[-1] + span)
            known = scoring.known_share(missing, group - group[0], span)
            if time_stretch:
                spans = scoring.stretch_windows(spans, part.window, time_stretch, rng)
            windows.append(spans)
            mostly_known.append(known > 0.5)
    windows, mostly_known = np.concatenate(windows), np.concatenate(mostly_known)
    if mostly_known.any() and not mostly_known.all():
        windows = windows[mostly_known]
    return segments.to_segments(windows, segment_length)


class _Reread:
    """An iterable that calls `read()` afresh for every pass over it."""

    def __init__(self, read):
        self._read = read

    def __iter__(self):
        return iter(self._read())


def _auto_stride(steps, window):
    """1, or wider where that would give over `MAX_AUTO_WINDOWS` windows."""
    return max(1, -(-(steps - window + 1) // MAX_AUTO_WINDOWS))


def _as_series(series, name):
    """One series as a `(steps, features)` array, checked: float32, or
    float64 for float64 values (see `as_float_array`'s `keep_precision`)."""
    if isinstance(series, (pd.Series, pd.DataFrame)):
        series = pandas_to_numpy(series, name)
    if series is None or isinstance(series, (str, bytes, dict)):
        raise TypeError(
            f"`{name}` must be an array (steps,) or (steps, features); got "
            f"{type(series).__name__}."
        )
    if isinstance(series, np.memmap):
        # It stays on disk, in its own dtype, and is read a stretch at a time:
        # only its dtype is checked here.
        as_float_array(series[:0], name)
        values = series
    else:
        values = as_float_array(series, name, keep_precision=True)
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2 or 0 in values.shape:
        raise ValueError(
            f"`{name}` must be one series, 1-D (steps,) or 2-D (steps, features), "
            f"with at least one step; got shape {values.shape}."
        )
    # One pass, a chunk at a time, so that a memmap is read once.
    infinite, known = 0, np.zeros(values.shape[1], dtype=bool)
    for start in range(0, len(values), CHUNK_ROWS):
        chunk = values[start : start + CHUNK_ROWS]
        infinite += count_infinite(chunk)
        known |= ~np.isnan(chunk).all(axis=0)
    raise_for_infinite_count(infinite, name)
    empty = np.flatnonzero(~known)
    if empty.size:
        what = (
            "is all NaN" if values.shape[1] == 1 else f"feature {empty[0]} is all NaN"
        )
        raise ValueError(
            f"`{name}` {what}: there is nothing to score. NaN marks missing values."
        )
    return values


def _feature_names(series):
    """A `DataFrame`'s column names, as a list, when they are all strings
    (scikit-learn's rule); else `None`."""
    if isinstance(series, pd.DataFrame) and all(
        isinstance(name, str) for name in series.columns
    ):
        return list(series.columns)
    return None


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
