"""LSTM sequence autoencoders in Keras 3, on the PyTorch backend by default.

Importing this package makes `torch` the Keras backend unless one was already
chosen (a `KERAS_BACKEND` variable, or Keras imported earlier).
"""

from keras_lstm_ae._backend import choose_default_backend

choose_default_backend()

from keras_lstm_ae import layers  # noqa: E402
from keras_lstm_ae.callbacks import TerminateOnNaNKeepBest  # noqa: E402
from keras_lstm_ae.model import LSTMAutoencoder  # noqa: E402
from keras_lstm_ae.saving import load_model  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "LSTMAutoencoder",
    "TerminateOnNaNKeepBest",
    "layers",
    "load_model",
]
