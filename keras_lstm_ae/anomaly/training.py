"""What a detector trains on: the held-out split and the training windows."""

import numpy as np

from keras_lstm_ae.anomaly.gaps import known_share
from keras_lstm_ae.anomaly.windows import (
    sampled_window_starts,
    stretch_span,
    stretch_windows,
)
from keras_lstm_ae.preprocessing import segments

# The most training windows the automatic stride gives: enough to cover a long
# series, few enough that an epoch stays short.
MAX_AUTO_WINDOWS = 1000


def auto_stride(steps, window):
    """1, or wider where that would give over `MAX_AUTO_WINDOWS` windows.

    Example:

    >>> auto_stride(800, 40), auto_stride(100_000, 40)
    (1, 100)
    """
    return max(1, -(-(steps - window + 1) // MAX_AUTO_WINDOWS))


def held_out_runs(steps, window, fraction, blocks=5):
    """Which steps to hold out: the last `fraction` of each of `blocks` parts.

    Holding out the end of every part, instead of the end of the series,
    keeps each regime of a recording (standing, then walking, say) in both
    the training and the held-out windows. Fewer parts are used where a
    held-out block would be shorter than `window`.

    Returns:
        A tuple of two lists of `(start, stop)` steps: the held-out runs
        (none when `fraction * steps` is less than one window) and the runs
        between them, to train on.

    Example:

    >>> held_out_runs(20, 2, 0.2, blocks=2)
    ([(8, 10), (18, 20)], [(0, 8), (10, 18)])
    """
    blocks = min(blocks, int(fraction * steps) // window)
    if blocks < 1:
        return [], [(0, steps)]
    held, kept, start = [], [], 0
    size, longer = divmod(steps, blocks)
    for part in range(blocks):
        # The parts of `np.array_split(np.arange(steps), blocks)`.
        low = part * size + min(part, longer)
        high = low + size + (part < longer)
        cut = high - round(fraction * (high - low))
        if cut > start:
            kept.append((start, cut))
        if high > cut:
            held.append((cut, high))
        start = high
    return held, kept


def split_recording(recording, window, validation_split):
    """The held-out parts of a recording, and the parts to train on.

    Args:
        recording: A `Recording`.
        window: Steps per window.
        validation_split: The fraction of steps to hold out (see
            `held_out_runs`).

    Returns:
        A tuple of two lists of `Recording` parts: the held-out ones (none
        when too little would be left to train on) and the training ones,
        each at least a window long.
    """
    held, kept = held_out_runs(len(recording), window, validation_split)
    training = [recording.part(a, b) for a, b in kept if b - a >= window]
    if not training:  # Too little left to train on: hold nothing out.
        return [], [recording]
    return [recording.part(a, b) for a, b in held], training


def training_windows(parts, stride, segment_length, rng, time_stretch=0.0):
    """The windows of every part of a recording, as model inputs; `None` if
    none. With a stride over 1, about one window in `stride`, at starts drawn
    at random (`windows.sampled_window_starts`). With `time_stretch`, each
    is read at a random tempo from a span a little longer than a window
    (`windows.stretch_windows`). They are held in memory: with the automatic
    stride, at most about `MAX_AUTO_WINDOWS`, however long the recording.

    A window in which at most half the values are known is left out: it is
    mostly a gap's straight line, which the model need not learn to rebuild
    (unless every window is such, as in a series mostly missing).

    Args:
        parts: `Recording` parts, each at least a window long.
        stride: Steps between windows.
        segment_length: Steps per segment of the model's inputs (see
            `preprocessing.segments.to_segments`).
        rng: A `numpy.random.Generator`, for the starts and the tempos.
        time_stretch: The largest relative change of tempo; 0 reads the
            windows as recorded.

    Returns:
        The segmented windows, float32, or `None` without parts.
    """
    if not parts:
        return None
    windows, mostly_known = [], []
    for part in parts:
        span = min(len(part), stretch_span(part.window, time_stretch))
        starts = sampled_window_starts(len(part), span, stride, rng)
        for group, spans in part.windows(starts, length=span):
            missing = part.missing(group[0], group[-1] + span)
            known = known_share(missing, group - group[0], span)
            if time_stretch:
                spans = stretch_windows(spans, part.window, time_stretch, rng)
            windows.append(spans)
            mostly_known.append(known > 0.5)
    windows, mostly_known = np.concatenate(windows), np.concatenate(mostly_known)
    if mostly_known.any() and not mostly_known.all():
        windows = windows[mostly_known]
    return segments.to_segments(windows, segment_length)
