"""Layers: fast drop-ins for Keras's recurrent and sequence layers, NaN masking,
`SegmentConvolution` (shift-tolerant features of segment steps), and
`SequencePreparation` (what `SequenceEncoder` does to raw sequences, in a
graph)."""

from keras_lstm_ae.layers.nan_masking import NaNMasking
from keras_lstm_ae.layers.repeat_vector import RepeatVector
from keras_lstm_ae.layers.rnn import GRU, LSTM
from keras_lstm_ae.layers.segment_convolution import SegmentConvolution
from keras_lstm_ae.layers.sequence_preparation import SequencePreparation
from keras_lstm_ae.layers.time_distributed import TimeDistributed

__all__ = [
    "GRU",
    "LSTM",
    "NaNMasking",
    "RepeatVector",
    "SegmentConvolution",
    "SequencePreparation",
    "TimeDistributed",
]
