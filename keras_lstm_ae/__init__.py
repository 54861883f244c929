"""LSTM sequence autoencoders in Keras 3, on the PyTorch backend by default.

Importing this package makes `torch` the Keras backend unless one was already
chosen (a `KERAS_BACKEND` variable, or Keras imported earlier).

Example:

>>> import keras_lstm_ae as lae
>>> x = lae.pad_sequences([[1.0, 2.0, 3.0], [4.0, 5.0]])
>>> ae = lae.LSTMAutoencoder(timesteps=3, features=1, latent_dim=2)
>>> ae.encoder.predict(x, verbose=0).shape
(2, 2)
"""

from keras_lstm_ae._utils.backend import choose_default_backend

choose_default_backend()

from keras_lstm_ae import datasets, distributed, layers, plotting
from keras_lstm_ae._utils.validation import NotFittedError
from keras_lstm_ae.anomaly import metrics
from keras_lstm_ae.backend.threads import thread_limit
from keras_lstm_ae.estimators.anomaly_detector import AnomalyDetector, load_detector
from keras_lstm_ae.estimators.sequence_encoder import SequenceEncoder, load_encoder
from keras_lstm_ae.models.callbacks import TerminateOnNaNKeepBest
from keras_lstm_ae.models.lstm_autoencoder import LSTMAutoencoder
from keras_lstm_ae.models.saving import load_model
from keras_lstm_ae.plotting import (
    plot_anomaly_scores,
    plot_architecture,
    plot_detection,
    plot_error_histogram,
    plot_latent,
    plot_loss,
    plot_reconstructions,
)
from keras_lstm_ae.preprocessing.scalers import (
    MinMaxScaler,
    StandardScaler,
    load_scaler,
)
from keras_lstm_ae.preprocessing.sequences import (
    pad_sequences,
    sequence_lengths,
    sliding_windows,
    trim_sequences,
)

__version__ = "0.1.0"

__all__ = [
    "AnomalyDetector",
    "LSTMAutoencoder",
    "MinMaxScaler",
    "NotFittedError",
    "SequenceEncoder",
    "StandardScaler",
    "TerminateOnNaNKeepBest",
    "datasets",
    "distributed",
    "layers",
    "load_detector",
    "load_encoder",
    "load_model",
    "load_scaler",
    "metrics",
    "pad_sequences",
    "plot_anomaly_scores",
    "plot_architecture",
    "plot_detection",
    "plot_error_histogram",
    "plot_latent",
    "plot_loss",
    "plot_reconstructions",
    "plotting",
    "sequence_lengths",
    "sliding_windows",
    "thread_limit",
    "trim_sequences",
]
