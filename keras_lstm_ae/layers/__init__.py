"""Layers: fast drop-ins for Keras's recurrent and sequence layers, and NaN masking."""

from keras_lstm_ae.layers.nan_masking import NaNMasking
from keras_lstm_ae.layers.repeat_vector import RepeatVector
from keras_lstm_ae.layers.rnn import GRU, LSTM
from keras_lstm_ae.layers.time_distributed import TimeDistributed

__all__ = ["GRU", "LSTM", "NaNMasking", "RepeatVector", "TimeDistributed"]
