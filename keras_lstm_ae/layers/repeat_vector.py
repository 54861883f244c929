"""`RepeatVector` that repeats by broadcasting instead of copying."""

import keras
from keras import ops

from keras_lstm_ae.layers import _fast_path


@keras.saving.register_keras_serializable(package="keras_lstm_ae")
class RepeatVector(keras.layers.RepeatVector):
    """Repeats its input `n` times: `(batch, features)` to `(batch, n, features)`.

    A drop-in replacement for `keras.layers.RepeatVector` (same arguments and
    config). Keras's layer copies the vector `n` times; this one broadcasts
    it, which on the torch backend is a view: no copy forward, and the
    gradient is one sum over the steps. The values are the same.

    Example:

    >>> import numpy as np
    >>> from keras import ops
    >>> layer = RepeatVector(3)
    >>> ops.convert_to_numpy(layer(np.array([[1.0, 2.0]]))).tolist()
    [[[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]]]
    """

    def call(self, inputs):
        if _fast_path.torch_backend_active() and ops.is_tensor(inputs):
            return inputs.unsqueeze(1).expand(-1, self.n, -1)  # A view.
        batch_size, features = ops.shape(inputs)
        return ops.broadcast_to(
            ops.expand_dims(inputs, axis=1), (batch_size, self.n, features)
        )
