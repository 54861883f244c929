"""LSTM sequence autoencoders in Keras 3, on the PyTorch backend by default.

Importing this package makes `torch` the Keras backend unless one was already
chosen (a `KERAS_BACKEND` variable, or Keras imported earlier).
"""

from keras_lstm_ae._backend import choose_default_backend

choose_default_backend()

__version__ = "0.1.0"

__all__ = []
