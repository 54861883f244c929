"""LSTM sequence autoencoders in Keras 3, on the PyTorch backend by default.

Importing this package makes `torch` the Keras backend unless one was already
chosen (a `KERAS_BACKEND` variable, or Keras imported earlier). The package
itself loads on first use of any of its names (PEP 562), all of it at once,
so that every Keras class it saves is registered from then on; only
`import keras_lstm_ae` alone stays light, which lets `keras-lstm-ae --help`
answer at once. Where Keras was imported first, the package loads at once.
To read a saved file, use `lae.load_model`, `lae.load_encoder` or
`lae.load_detector` (or any `lae` name before `keras.saving.load_model`).

Example:

>>> import keras_lstm_ae as lae
>>> x = lae.pad_sequences([[1.0, 2.0, 3.0], [4.0, 5.0]])
>>> ae = lae.LSTMAutoencoder(timesteps=3, features=1, latent_dim=2)
>>> ae.encoder.predict(x, verbose=0).shape
(2, 2)
"""

import importlib
import sys

from keras_lstm_ae._utils.backend import choose_default_backend

choose_default_backend()

__version__ = "0.1.0"

# Each public name, and the module that defines it.
_EXPORTS = {
    "AnomalyDetector": "keras_lstm_ae.estimators.anomaly_detector",
    "load_detector": "keras_lstm_ae.estimators.anomaly_detector",
    "SequenceEncoder": "keras_lstm_ae.estimators.sequence_encoder",
    "load_encoder": "keras_lstm_ae.estimators.sequence_encoder",
    "NotFittedError": "keras_lstm_ae._utils.validation",
    "TerminateOnNaNKeepBest": "keras_lstm_ae.models.callbacks",
    "FollowSpareCores": "keras_lstm_ae.backend.threads",
    "thread_limit": "keras_lstm_ae.backend.threads",
    "LSTMAutoencoder": "keras_lstm_ae.models.lstm_autoencoder",
    "load_model": "keras_lstm_ae.models.saving",
    "MinMaxScaler": "keras_lstm_ae.preprocessing.scalers",
    "StandardScaler": "keras_lstm_ae.preprocessing.scalers",
    "load_scaler": "keras_lstm_ae.preprocessing.scalers",
    "pad_sequences": "keras_lstm_ae.preprocessing.sequences",
    "sequence_lengths": "keras_lstm_ae.preprocessing.sequences",
    "sliding_windows": "keras_lstm_ae.preprocessing.sequences",
    "trim_sequences": "keras_lstm_ae.preprocessing.sequences",
    **{
        name: "keras_lstm_ae.plotting"
        for name in (
            "plot_anomaly_scores",
            "plot_architecture",
            "plot_detection",
            "plot_error_histogram",
            "plot_latent",
            "plot_loss",
            "plot_reconstructions",
        )
    },
}
# Each public module, by its name here.
_MODULES = {
    "datasets": "keras_lstm_ae.datasets",
    "distributed": "keras_lstm_ae.distributed",
    "layers": "keras_lstm_ae.layers",
    "metrics": "keras_lstm_ae.anomaly.metrics",
    "plotting": "keras_lstm_ae.plotting",
}

__all__ = [
    "AnomalyDetector",
    "FollowSpareCores",
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


def _load():
    """Imports every public module and name, registering the Keras classes."""
    for name, module in _MODULES.items():
        globals()[name] = importlib.import_module(module)
    for name, module in _EXPORTS.items():
        globals()[name] = getattr(importlib.import_module(module), name)


def __getattr__(name):
    if name in _MODULES:
        # A submodule alone (`from keras_lstm_ae import layers` inside the
        # package comes here too, while the package is still loading).
        module = importlib.import_module(_MODULES[name])
        globals()[name] = module
        return module
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    _load()
    return globals()[name]


def __dir__():
    return sorted([*globals(), *__all__])


if "keras" in sys.modules:
    _load()  # Keras is loaded already: its classes are registered at once.
