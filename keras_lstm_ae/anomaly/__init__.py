"""Anomaly detection helpers that need NumPy only: metrics and thresholds."""

from keras_lstm_ae.anomaly import metrics, thresholds
from keras_lstm_ae.anomaly.thresholds import GaussianErrorModel, resolve_threshold

__all__ = ["GaussianErrorModel", "metrics", "resolve_threshold", "thresholds"]
