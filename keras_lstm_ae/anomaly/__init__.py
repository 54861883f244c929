"""Anomaly detection helpers that need NumPy only (no Keras, no torch, no model).

- `recording`: a series read a stretch at a time, gaps filled, trend removed, scaled.
- `series`: a series to fit on or to score, checked.
- `period`: the dominant period, and the automatic window drawn from it.
- `windows`: where windows start, cutting them, reading them at another tempo.
- `gaps`: where values are missing, the known share of a window, filling gaps.
- `trend`: removing a series' slowly varying level.
- `training`: the held-out split, the automatic stride and the training windows.
- `errors`: from windows' reconstruction errors back to each step's errors.
- `scores`: a recording's errors and scores, stretch by stretch, and calibration.
- `thresholds`: the threshold rules and the Gaussian error model.
- `metrics`: ROC-AUC, PR-AUC, best F1 and VUS, with `_vus` computing the VUS.
"""

from keras_lstm_ae.anomaly import metrics, thresholds
from keras_lstm_ae.anomaly.thresholds import GaussianErrorModel, resolve_threshold

__all__ = ["GaussianErrorModel", "metrics", "resolve_threshold", "thresholds"]
