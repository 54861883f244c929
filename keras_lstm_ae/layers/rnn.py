"""`LSTM` and `GRU`: drop-in Keras layers that run torch's fused kernels.

On the torch backend these layers call the kernels behind `torch.nn.LSTM` and
`torch.nn.GRU` (cuDNN on CUDA, the fused CPU kernel otherwise) with their own
Keras variables, masks included (see `_torch_kernels`). Where the fused kernels
cannot reproduce the layer, they take the stock Keras path: on other backends,
with `recurrent_dropout`, with activations other than tanh and sigmoid, with
`unroll=True`, with `use_cudnn=False`, with a GRU whose `reset_after` is
`False`, and for an LSTM that must return or keep its states while masked.

Weights, `get_config` and saved files are those of `keras.layers.LSTM` and
`keras.layers.GRU`: weights load from one into the other.
"""

import keras
from keras import activations

from keras_lstm_ae.layers import _fast_path


class _FusedRNNMixin:
    """Routes `inner_loop` to the fused torch kernel where it is exact."""

    _cell_kind = None

    def uses_fused_kernel(self, mask=None):
        """Whether a call with this mask runs torch's fused kernel.

        Args:
            mask: The mask the layer would receive, or `None`.

        Returns:
            `True` when the call takes the fused path, `False` when it takes
            the stock Keras loop.
        """
        cell = self.cell
        return (
            _fast_path.torch_backend_active()
            and self.use_cudnn in ("auto", True)
            and not cell.recurrent_dropout
            and not self.unroll
            and cell.activation in (activations.tanh, keras.ops.tanh)
            and cell.recurrent_activation in (activations.sigmoid, keras.ops.sigmoid)
            and self._cell_supports_fused_kernel()
            and not (mask is not None and self._needs_exact_states_with_mask())
        )

    def _cell_supports_fused_kernel(self):
        return True

    def _needs_exact_states_with_mask(self):
        return False

    def _input_dropout(self, sequences, training):
        # The same dropout mask for every step, as Keras's cuDNN path does.
        if not (training and self.cell.dropout):
            return sequences
        dropout_mask = self.cell.get_dropout_mask(sequences[:, 0, :])
        return sequences * keras.ops.expand_dims(dropout_mask, axis=1)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        # The common case goes straight to the kernel: `RNN.call`'s own
        # bookkeeping (state casts, dropout-mask caches) costs as much as the
        # kernel for short sequences.
        if (
            initial_state is None
            and not self.stateful
            and not self.return_state
            and not (training and self.cell.dropout)
            and not isinstance(mask, (list, tuple))
            and self.uses_fused_kernel(mask)
        ):
            last_output, outputs, _ = self._fused_loop(sequences, None, mask)
            output = outputs if self.return_sequences else last_output
            if self.compute_dtype != self.variable_dtype:
                output = keras.ops.cast(output, self.compute_dtype)
            return output
        return super().call(
            sequences, initial_state=initial_state, mask=mask, training=training
        )

    def _fused_loop(self, sequences, initial_state, mask):
        """`fused_rnn` with this layer's weights; `None` states start at zero."""
        from keras_lstm_ae.layers import _torch_kernels

        cell = self.cell
        # The fused kernel checks no shape: it would read past the weights
        # or states (a crash, or wrong outputs) where Keras's loop raises.
        expected = cell.kernel.shape[0]
        if sequences.shape[-1] != expected:
            raise ValueError(
                f"Layer '{self.name}' was built for {expected} features per "
                f"step; got inputs of shape {tuple(sequences.shape)}."
            )
        state_shape = (sequences.shape[0], cell.units)
        for state in initial_state or ():
            if tuple(state.shape) != state_shape:
                raise ValueError(
                    f"Layer '{self.name}' takes initial states of shape "
                    f"{state_shape} for these inputs; got {tuple(state.shape)}."
                )
        params_fn = getattr(_torch_kernels, f"{self._cell_kind}_params")
        params = params_fn(
            _fast_path.tensor(cell.kernel),
            _fast_path.tensor(cell.recurrent_kernel),
            _fast_path.tensor(cell.bias) if cell.use_bias else None,
        )
        return _torch_kernels.fused_rnn(
            self._cell_kind,
            sequences,
            None if initial_state is None else list(initial_state),
            mask,
            params,
            return_sequences=self.return_sequences,
            go_backwards=self.go_backwards,
            zero_output_for_mask=self.zero_output_for_mask,
        )

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if not self.uses_fused_kernel(mask):
            return super().inner_loop(
                sequences, initial_state, mask=mask, training=training
            )
        if not isinstance(initial_state, (list, tuple)):
            initial_state = [initial_state]
        return self._fused_loop(
            self._input_dropout(sequences, training), initial_state, mask
        )


@keras.saving.register_keras_serializable(package="keras_lstm_ae")
class LSTM(_FusedRNNMixin, keras.layers.LSTM):
    """Long Short-Term Memory layer that runs torch's fused kernel.

    A drop-in replacement for `keras.layers.LSTM`: same arguments, weights and
    config. On the torch backend it runs the kernel behind `torch.nn.LSTM`,
    masked (padded) sequences included, and gives the stock layer's outputs.
    It falls back to the stock layer where the kernel cannot do the same
    computation (see the module docstring). Masking: a masked step is skipped,
    as in the stock layer.

    Example:

    >>> import numpy as np
    >>> layer = LSTM(20)
    >>> tuple(layer(np.zeros((4, 10, 8), "float32")).shape)
    (4, 20)
    """

    _cell_kind = "lstm"

    def _needs_exact_states_with_mask(self):
        # The fused kernel gives each sequence's last `h`, not its last `c`.
        return self.return_state or self.stateful


@keras.saving.register_keras_serializable(package="keras_lstm_ae")
class GRU(_FusedRNNMixin, keras.layers.GRU):
    """Gated Recurrent Unit layer that runs torch's fused kernel.

    A drop-in replacement for `keras.layers.GRU` (with the default
    `reset_after=True`, which is torch's formulation): same arguments, weights
    and config, masked sequences included. Masking: a masked step is skipped.

    Example:

    >>> import numpy as np
    >>> layer = GRU(20)
    >>> tuple(layer(np.zeros((4, 10, 8), "float32")).shape)
    (4, 20)
    """

    _cell_kind = "gru"

    def _cell_supports_fused_kernel(self):
        return self.cell.reset_after
