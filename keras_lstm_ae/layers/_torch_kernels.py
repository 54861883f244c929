"""Torch's fused LSTM and GRU kernels, called with Keras weights and masks.

Keras 3 on the torch backend runs `LSTM` and `GRU` on the CPU as a Python loop
over time steps, and any mask sends them to a slower generic loop on every
device. The functions here call the same fused kernels as `torch.nn.LSTM` and
`torch.nn.GRU` (cuDNN on CUDA) with the Keras layer's own variables, so
gradients reach those variables, and reproduce what the Keras loop returns,
masks included:

- The kernel runs over every step; a sequence's result is read at its last
  real step. An RNN is causal, so for right-padded data the steps after the
  last real one cannot change what came before.
- Masks of any other shape (left padding, holes) are first compacted: a stable
  sort moves each sequence's real steps to the front, in their order, which
  makes the batch right-padded. Skipping a masked step, as the Keras loop does,
  is the same as removing it.
- With `return_sequences`, a masked step repeats the previous output (zeros
  before the first real step), or is zero with `zero_output_for_mask`.
- While torch traces or compiles the layer (`model.export(...,
  format="onnx")`, `torch.jit.trace`, `torch.compile`), the graph cannot
  branch on the data: every batch then takes the masked path, and the
  compaction is a scatter by position (identity for right-padded data), so
  the exported graph computes for any padding what eager mode does.

This module imports torch, so it is only imported on the torch backend.
"""

import torch


def lstm_params(kernel, recurrent_kernel, bias):
    """Keras LSTM weights as `[w_ih, w_hh, b_ih, b_hh]` for `torch._VF.lstm`.

    Both use the gate order input, forget, cell, output; only the layout is
    transposed. Keras has one bias, torch two: the second is zero. The
    transposed weights are copied to contiguous memory: oneDNN's inference
    kernel ran 2% slower on strided views, and training was no faster with
    them.
    """
    units = recurrent_kernel.shape[0]
    w_ih = kernel.T.contiguous()
    w_hh = recurrent_kernel.T.contiguous()
    zeros = kernel.new_zeros(4 * units)
    return [w_ih, w_hh, zeros if bias is None else bias, zeros]


def gru_params(kernel, recurrent_kernel, bias):
    """Keras GRU weights (`reset_after=True`) for `torch._VF.gru`.

    Keras orders the gates update, reset, candidate (z, r, h); torch orders
    them reset, update, candidate. Keras's bias has two rows, input and
    recurrent, like torch's two biases.
    """
    units = recurrent_kernel.shape[0]

    def reorder(weights):
        z, r, h = torch.split(weights, units, dim=-1)
        return torch.cat([r, z, h], dim=-1)

    w_ih = reorder(kernel).T.contiguous()  # As in `lstm_params`.
    w_hh = reorder(recurrent_kernel).T.contiguous()
    if bias is None:
        zeros = kernel.new_zeros(3 * units)
        return [w_ih, w_hh, zeros, zeros]
    return [w_ih, w_hh, reorder(bias[0]), reorder(bias[1])]


def _run_kernel(cell, inputs, states, params):
    """Runs one fused layer over `(batch, time, features)` inputs.

    `states` are `(batch, units)` tensors, or `None` for zeros. Returns the
    outputs and the final states, each `(batch, units)`.
    """
    training = torch.is_grad_enabled()
    if states is None:
        units = params[1].shape[1]
        zeros = params[0].new_zeros((1, inputs.shape[0], units))
        hx = (zeros, zeros) if cell == "lstm" else zeros
    elif cell == "lstm":
        hx = (states[0].unsqueeze(0), states[1].unsqueeze(0))
    else:
        hx = states[0].unsqueeze(0)
    if cell == "lstm":
        outputs, h, c = torch._VF.lstm(
            inputs, hx, params, True, 1, 0.0, training, False, True
        )
        return outputs, [h[0], c[0]]
    outputs, h = torch._VF.gru(inputs, hx, params, True, 1, 0.0, training, False, True)
    return outputs, [h[0]]


def _compact(inputs, mask):
    """Moves each sequence's real steps to the front, keeping their order."""
    order = torch.argsort((~mask).to(torch.uint8), dim=1, stable=True)
    index = order.unsqueeze(-1).expand(-1, -1, inputs.shape[-1])
    return torch.gather(inputs, 1, index)


def _compact_by_position(inputs, mask):
    """`_compact` without a sort or a branch, for traced graphs (ONNX).

    Each real step goes to the position after the real steps before it; each
    masked step after all of its sequence's real steps, in order. A scatter
    by those positions is the same permutation as `_compact`'s stable sort.
    """
    real = mask.to(torch.int64)
    before_real = torch.cumsum(real, dim=1) - real
    before_masked = torch.cumsum(1 - real, dim=1) - (1 - real)
    lengths = real.sum(dim=1, keepdim=True)
    position = torch.where(mask, before_real, lengths + before_masked)
    index = position.unsqueeze(-1).expand(-1, -1, inputs.shape[-1])
    return torch.zeros_like(inputs).scatter(1, index, inputs)


def _traced():
    """Whether torch is recording a graph rather than running eagerly."""
    return torch.jit.is_tracing() or torch.compiler.is_compiling()


def _output_after(outputs, counts):
    """The output after `counts` real steps (zeros after none), per sequence.

    Args:
        outputs: `(batch, time, units)` outputs of compacted sequences.
        counts: `(batch,)` or `(batch, k)` numbers of real steps.
    """
    squeeze = counts.dim() == 1
    counts = counts.view(counts.shape[0], -1)
    index = (counts - 1).clamp(min=0).unsqueeze(-1).expand(-1, -1, outputs.shape[-1])
    selected = torch.gather(outputs, 1, index)
    selected = torch.where((counts > 0).unsqueeze(-1), selected, 0.0)
    return selected.squeeze(1) if squeeze else selected


def fused_rnn(
    cell,
    inputs,
    initial_states,
    mask,
    params,
    return_sequences=False,
    go_backwards=False,
    zero_output_for_mask=False,
):
    """Runs an LSTM or GRU layer with torch's fused kernel, Keras semantics.

    Args:
        cell: `"lstm"` or `"gru"`.
        inputs: Float tensor `(batch, time, features)`.
        initial_states: List of `(batch, units)` tensors: `[h, c]` for an
            LSTM, `[h]` for a GRU; or `None` for zeros.
        mask: Boolean tensor `(batch, time)`, `True` for real steps, or `None`.
        params: `lstm_params(...)` or `gru_params(...)`.
        return_sequences: Whether to return the output of every step.
        go_backwards: Whether to read each sequence from its end.
        zero_output_for_mask: Whether masked steps output zeros (instead of
            the previous output) when `return_sequences` is set.

    Returns:
        `(last_output, outputs, states)` as Keras's `backend.rnn` returns them.
        With a mask, an LSTM's final cell state is not read at each sequence's
        last real step: callers that need states with a mask must not use
        this function for an LSTM (the final `h` is exact for both cells).
    """
    if go_backwards:
        inputs = torch.flip(inputs, dims=[1])
        mask = None if mask is None else torch.flip(mask, dims=[1])
    inputs = inputs.to(params[0].dtype)

    traced = _traced()
    if mask is not None:
        mask = mask.to(torch.bool)
        if not traced and bool(mask.all()):
            mask = None  # Nothing is masked: the dense path is exact.

    if mask is None:
        outputs, states = _run_kernel(cell, inputs, initial_states, params)
        last_output = states[0]
        if not return_sequences:
            outputs = last_output.unsqueeze(1)
        return last_output, outputs, states

    lengths = mask.sum(dim=1)
    if traced:
        inputs = _compact_by_position(inputs, mask)
    elif bool((mask[:, 1:] & ~mask[:, :-1]).any()):
        # Right padded means no real step after a padded one.
        inputs = _compact(inputs, mask)
    outputs, states = _run_kernel(cell, inputs, initial_states, params)

    last_output = _output_after(outputs, lengths)
    has_steps = (lengths > 0).unsqueeze(1)
    first_h = 0.0 if initial_states is None else initial_states[0]
    states = [torch.where(has_steps, last_output, first_h), *states[1:]]

    if return_sequences:
        # Step t repeats the output after the real steps up to t (Keras's loop
        # carries the previous output over a masked step).
        outputs = _output_after(outputs, torch.cumsum(mask.to(torch.int64), dim=1))
        if zero_output_for_mask:
            outputs = outputs * mask.unsqueeze(-1).to(outputs.dtype)
    else:
        outputs = last_output.unsqueeze(1)
    return last_output, outputs, states
