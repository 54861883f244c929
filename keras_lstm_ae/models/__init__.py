"""The Keras models: `LSTMAutoencoder` and what it is built from.

- `lstm_autoencoder`: `LSTMAutoencoder`, its arguments, config and forward
  pass.
- `architecture`: its encoder and decoder, built layer by layer.
- `sequence_model`: `SequenceModel`, how a model of NaN-padded sequences
  trains, evaluates and saves (masked loss, checked entry points,
  data-parallel hooks).
- `layer_chain`: `LayerChain`, a functional model whose forward pass and
  training step call its layers directly on torch.
- `masked_loss`, `fit_arguments`: the loss over real steps, and `fit`'s
  arguments checked and batched.
- `callbacks`: `TerminateOnNaNKeepBest`; `saving`: `load_model`.
"""

from keras_lstm_ae.models.callbacks import TerminateOnNaNKeepBest
from keras_lstm_ae.models.layer_chain import LayerChain
from keras_lstm_ae.models.lstm_autoencoder import LSTMAutoencoder
from keras_lstm_ae.models.saving import load_model
from keras_lstm_ae.models.sequence_model import SequenceModel

__all__ = [
    "LSTMAutoencoder",
    "LayerChain",
    "SequenceModel",
    "TerminateOnNaNKeepBest",
    "load_model",
]
