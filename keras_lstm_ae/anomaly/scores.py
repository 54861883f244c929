"""A recording's errors and scores, a stretch at a time, from a rebuild function.

The model is not imported here: each function takes `rebuild`, a callable
that maps windows `(n, window, features)` (prepared as the recording reads
them) to their reconstructions of the same shape.
"""

from typing import NamedTuple

import numpy as np

from keras_lstm_ae._utils.validation import CHUNK_ROWS
from keras_lstm_ae.anomaly.errors import reconstruction_errors
from keras_lstm_ae.anomaly.gaps import gap_edge_starts
from keras_lstm_ae.anomaly.recording import STRETCH_STEPS
from keras_lstm_ae.anomaly.thresholds import GaussianErrorModel, resolve_threshold
from keras_lstm_ae.anomaly.windows import cut_windows, window_starts_between


def error_stretches(recording, window, stride, rebuild):
    """Yields each stretch's step and window errors, `(steps, features)`
    each, in order, for the whole recording.

    A step's error is the median of its absolute reconstruction errors
    in the windows that hold it: it is sharp where one value is wrong.
    Its window error is the mean root mean squared error of those
    windows: it is high where many values are a little wrong, as in a
    cycle of another shape (see `errors.reconstruction_errors`).
    A stretch holds the steps of at most `CHUNK_ROWS` windows (and at
    most `STRETCH_STEPS` steps), and is rebuilt with every window that
    holds one of its steps, so its errors are those of the whole series.

    Gaps are not errors (see `errors.errors_around_gaps`). The windows
    that end just before a gap and start just after it are rebuilt too
    (`gaps.gap_edge_starts`), so that a known step next to a gap lies
    in a window without one wherever a window's worth of known steps
    fits beside the gap. A missing step's errors are
    interpolated from the known steps either side of it among those
    windows, so a gap that runs past them (one longer than a stretch)
    takes the errors of the nearest known step inside.

    Args:
        recording: A `Recording`, at least `window` steps long.
        window: Steps per window.
        stride: Steps between windows, at most `window`.
        rebuild: A callable from windows to their reconstructions.

    Example:

    >>> from keras_lstm_ae.anomaly.recording import Recording
    >>> recording = Recording(np.zeros((10, 1), dtype=np.float32), window=4)
    >>> stretches = error_stretches(recording, 4, 2, lambda x: x + 1.0)
    >>> [step[:, 0].tolist() for step, _ in stretches]
    [[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]]
    """
    steps = len(recording)
    size = max(min(CHUNK_ROWS * stride, STRETCH_STEPS), stride)
    for first in range(0, steps, size):
        stop = min(first + size, steps)
        starts = window_starts_between(steps, window, stride, first, stop)
        # Every window that holds a step of [first, stop) lies in here.
        low, high = max(0, first - window), min(steps, stop + window)
        missing = recording.missing(low, high)
        gaps = missing.any(axis=1)
        if gaps.any():
            edges = gap_edge_starts(gaps, window, steps, offset=low)
            edges = edges[(edges < stop) & (edges + window > first)]
            starts = np.union1d(starts, edges)
        offset, end = starts[0], starts[-1] + window
        stretch = recording.read(offset, end)
        windows = cut_windows(stretch, window, starts - offset)
        step_errors, window_errors = reconstruction_errors(
            windows,
            rebuild(windows),
            starts - offset,
            len(stretch),
            missing=missing[offset - low : end - low],
        )
        part = slice(first - offset, stop - offset)
        yield step_errors[part], window_errors[part]


def whole_errors(recording, window, stride, rebuild):
    """The step and window errors of a whole recording, `(steps,
    features)` each (see `error_stretches`)."""
    stretches = error_stretches(recording, window, stride, rebuild)
    step_errors, window_errors = zip(*stretches, strict=True)
    return np.concatenate(step_errors), np.concatenate(window_errors)


class Reread:
    """An iterable that calls `read()` afresh for every pass over it."""

    def __init__(self, read):
        self._read = read

    def __iter__(self):
        return iter(self._read())


def reusable_error_stretches(recording, window, stride, rebuild):
    """`error_stretches`, to be passed over more than once.

    A recording in memory keeps its errors, in a list; one on disk is
    rebuilt afresh on every pass (a `Reread`), so that its errors are never
    all held at once.
    """
    if recording.on_disk:
        return Reread(lambda: error_stretches(recording, window, stride, rebuild))
    return list(error_stretches(recording, window, stride, rebuild))


def error_scales(error_stretches):
    """Each feature's largest step error and largest window error.

    Args:
        error_stretches: An iterable of `(step_errors, window_errors)`, as
            `error_stretches` yields.

    Returns:
        A tuple of two arrays `(features,)`, at least float32's smallest
        normal number, so that dividing by them is safe.

    Example:

    >>> step_scale, window_scale = error_scales(
    ...     [(np.array([[1.0, 0.0]]), np.array([[2.0, 3.0]]))]
    ... )
    >>> step_scale.tolist()[0], window_scale.tolist()
    (1.0, [2.0, 3.0])
    """
    step_scale = window_scale = np.finfo(np.float32).tiny
    for step_errors, window_errors in error_stretches:
        step_scale = np.maximum(step_scale, step_errors.max(axis=0))
        window_scale = np.maximum(window_scale, window_errors.max(axis=0))
    return step_scale, window_scale


def step_scores(
    step_errors,
    window_errors,
    step_scale,
    window_scale,
    error_model=None,
    per_feature=False,
):
    """The scores of steps from their errors, `(steps, features)` each.

    A feature's score is the larger of its step error over `step_scale`
    and its window error over `window_scale`; a step's, the largest of its
    features'. With an `error_model` (a fitted `GaussianErrorModel`), a
    step's score is the squared Mahalanobis distance of its step errors,
    and a feature's its contribution to it.

    Returns:
        A float64 array `(steps,)`, or `(steps, features)` with
        `per_feature=True`.

    Example:

    >>> errors = np.array([[1.0, 4.0]])
    >>> step_scores(errors, errors / 2, np.array([2.0, 2.0]), 1.0).tolist()
    [2.0]
    """
    if error_model is not None:
        contributions = error_model.contributions(step_errors)
        return contributions if per_feature else contributions.sum(axis=1)
    feature_scores = np.maximum(
        step_errors / step_scale,
        window_errors / window_scale,
    )
    return feature_scores if per_feature else feature_scores.max(axis=1)


def scores_of(
    error_stretches,
    steps,
    features,
    step_scale,
    window_scale,
    error_model=None,
    per_feature=False,
):
    """The scores of a series from its stretches' errors, written into
    one array as they come (no list of pieces to join).

    Args:
        error_stretches: An iterable of `(step_errors, window_errors)`, as
            `error_stretches` yields, for `steps` steps in all.
        steps: The series' length.
        features: Features per step.
        step_scale: Each feature's step error scale (see `step_scores`).
        window_scale: Each feature's window error scale.
        error_model: A fitted `GaussianErrorModel`, or `None`.
        per_feature: Whether to keep each feature's score.

    Returns:
        A float64 array `(steps,)`, or `(steps, features)` with
        `per_feature=True`.
    """
    shape = (steps, features) if per_feature else (steps,)
    scores = np.empty(shape)
    first = 0
    for step_errors, window_errors in error_stretches:
        stop = first + len(step_errors)
        scores[first:stop] = step_scores(
            step_errors,
            window_errors,
            step_scale,
            window_scale,
            error_model,
            per_feature,
        )
        first = stop
    return scores


class Calibration(NamedTuple):
    """How a fitted detector scores, as `calibrate` finds it.

    Attributes:
        step_error_scale: Each feature's largest step error on the training
            series.
        window_error_scale: The same for window errors.
        error_model: The fitted `GaussianErrorModel` of the `"gaussian"`
            rule, or `None`.
        train_scores: The training series' scores, one per step.
        threshold: Scores above it are abnormal.
    """

    step_error_scale: np.ndarray
    window_error_scale: np.ndarray
    error_model: GaussianErrorModel | None
    train_scores: np.ndarray
    threshold: float


def calibrate(recording, held_out, window, stride, rebuild, spec):
    """The error scales, error model, training scores and threshold of a
    detector, from its training series' errors.

    Args:
        recording: The training series, as a `Recording`, prepared and
            scaled.
        held_out: Its held-out parts (see `training.split_recording`),
            which the `"gaussian"` rule is fitted on; an empty list for
            none.
        window: Steps per window.
        stride: Steps between scored windows, at most `window`.
        rebuild: A callable from windows to their reconstructions.
        spec: A checked threshold rule (`thresholds.check_threshold_spec`).

    Returns:
        A `Calibration`.
    """
    # Each feature's errors are measured against the worst of them on the
    # training series, so that a channel the model rebuilds less
    # precisely does not drown out a fault in another one, and a score
    # above 1 is worse than anything seen in training. A series in memory
    # keeps its errors for the scores below; one on disk is read twice.
    errors = reusable_error_stretches(recording, window, stride, rebuild)
    step_scale, window_scale = error_scales(errors)
    error_model = threshold = None
    if spec == "gaussian":
        # Fitted on held-out steps (the training steps' errors are
        # optimistic); without held-out data, on the training series.
        reference = np.concatenate(
            [whole_errors(part, window, stride, rebuild)[0] for part in held_out]
            if held_out
            else [step_errors for step_errors, _ in errors]
        )
        error_model = GaussianErrorModel().fit(reference)
        threshold = float(error_model.score(reference).max())
    features = recording.values.shape[1]
    train_scores = scores_of(
        errors, len(recording), features, step_scale, window_scale, error_model
    )
    if spec != "gaussian":
        threshold = resolve_threshold(spec, train_scores)
    return Calibration(step_scale, window_scale, error_model, train_scores, threshold)


def window_mean_squared_errors(recording, starts, rebuild):
    """The mean squared reconstruction error of each window, over its
    known values.

    A window with no known value (one that lies in a gap) takes its error
    from the windows either side, interpolated linearly.

    Args:
        recording: A `Recording`.
        starts: Increasing window starts, within the recording.
        rebuild: A callable from windows to their reconstructions.

    Returns:
        A float64 array `(len(starts),)`.

    Example:

    >>> from keras_lstm_ae.anomaly.recording import Recording
    >>> recording = Recording(np.zeros((6, 1), dtype=np.float32), window=2)
    >>> window_mean_squared_errors(recording, np.array([0, 2, 4]), lambda x: x + 2)
    array([4., 4., 4.])
    """
    window = recording.window
    errors = []
    for group, windows in recording.windows(starts):
        squared = (rebuild(windows) - windows).astype(np.float64) ** 2
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
        errors[unknown] = np.interp(starts[unknown], starts[~unknown], errors[~unknown])
    return errors
