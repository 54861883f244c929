"""Backend-specific helpers that are not layers, as Keras keeps `backend/torch/`.

- `torch_loss`: the masked loss's per-step values in plain torch.
- `torch_step`: the torch calls of the direct training step and of inference
  without gradients.
- `torch_adam`: Keras's Adam update, call for call, without `apply`'s
  per-step bookkeeping.
- `seeding`: seeded shuffling of the backend's data iterators (every backend).
- `tf_data`: batches grouped by length as a `tf.data.Dataset` whose steps
  axis is free (TensorFlow only).

The fused recurrent kernels live beside their layers, in `layers/`.
"""
