"""The torch calls of `LayerChain`'s direct training step, and inference.

Keras's torch trainer differentiates the loss with `loss.backward()` and
applies the gradients under `torch.no_grad()`; the direct step does the
same, with one hook between the two for data-parallel training, and applies
a plain Adam update without `optimizer.apply`'s bookkeeping (`torch_adam`).
"""

import contextlib

import keras


def no_gradients():
    """A context without gradient tracking on torch; nothing elsewhere."""
    if keras.backend.backend() == "torch":
        import torch

        return torch.no_grad()
    return contextlib.nullcontext()


def apply_gradients(optimizer, loss, trainable_weights, combine_gradients):
    """Differentiates `loss` and applies its gradients with `optimizer`.

    The variables' gradients are cleared first (Keras's `zero_grad()`,
    without walking every torch module: only trainable variables take
    gradients), so they hold this loss's alone.

    Args:
        optimizer: A built Keras optimizer.
        loss: The scalar torch tensor to differentiate.
        trainable_weights: The Keras variables to update.
        combine_gradients: Called with the list of gradients (torch tensors,
            in the order of `trainable_weights`) before they are applied;
            it may change them in place (sum them across processes).
    """
    import torch

    from keras_lstm_ae.backend import torch_adam

    tensors = [variable.value for variable in trainable_weights]
    for tensor in tensors:
        tensor.grad = None
    loss.backward()
    gradients = [tensor.grad for tensor in tensors]
    combine_gradients(gradients)
    if not torch_adam.apply_plain_adam(optimizer, gradients, trainable_weights):
        with torch.no_grad():
            optimizer.apply(gradients, trainable_weights)
