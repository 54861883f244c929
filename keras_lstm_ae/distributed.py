"""Data-parallel training on `torch.distributed`, launched by `torchrun`.

Keras 3.15 has no data-parallel distribution on the torch backend; torch's
own `torch.distributed` is the engine. Under `torchrun`, call `initialize()`
(or `torch.distributed.init_process_group` yourself) before training, and
`LSTMAutoencoder.fit` (and the estimators built on it) trains data-parallel
with no other change:

- `batch_size` is the global batch: every process draws the same batches
  and computes its share of each, so the run is the one a single process
  makes with the same batch size, whatever the number of processes.
- The masked loss counts real steps over the whole global batch; gradients
  are summed across processes, so each step applies the single-process
  gradient, and every process ends with the same weights.
- Logged losses are global; files (`save`, `save_weights`, checkpoints,
  logs) are written by rank 0 only; progress bars show on rank 0.

Keras's development branch adds the same to its torch trainer (it detects an
initialised process group too, and takes `batch_size` per process); this
module keeps to the entry points it is adding (`initialize()`), so that a
script needs no change beyond the batch size when it lands.

Example (`train.py`, run with `torchrun --nproc_per_node 2 train.py`):

    import keras_lstm_ae as lae

    lae.distributed.initialize()
    ae = lae.LSTMAutoencoder(timesteps=100, features=1, latent_dim=16, seed=0)
    ae.compile(optimizer="adam", loss="mse")
    ae.fit(x, batch_size=64, epochs=10)  # 32 sequences per process per step
    ae.save("ae.keras")  # written once, by rank 0
"""

import contextlib
import os

import keras


def initialize(backend=None):
    """Joins the process group that `torchrun` set up, if there is one.

    Reads `torchrun`'s environment (`WORLD_SIZE`, `RANK`, `LOCAL_RANK`,
    `MASTER_ADDR`, `MASTER_PORT`) and calls
    `torch.distributed.init_process_group`: NCCL where CUDA is available
    (each process then uses the GPU of its `LOCAL_RANK`), gloo otherwise. In
    a plain single process (no `WORLD_SIZE`, on any backend), or when the
    group is already initialised, it does nothing.

    Args:
        backend: `"gloo"`, `"nccl"`, or `None` to choose as above.

    Returns:
        `(rank, world_size)` of this process.

    Raises:
        RuntimeError: If `torchrun` launched several processes and Keras does
            not run on the torch backend.
    """
    launched = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if keras.backend.backend() != "torch":
        if launched:
            raise RuntimeError(
                "keras_lstm_ae.distributed trains on torch.distributed: set "
                f"KERAS_BACKEND=torch (the backend is {keras.backend.backend()!r})."
            )
        return 0, 1
    import torch
    import torch.distributed as dist

    if not dist.is_initialized() and launched:
        if backend is None:
            backend = "nccl" if torch.cuda.is_available() else "gloo"
        if backend == "nccl":
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        dist.init_process_group(backend)
    return rank(), world_size()


def is_active():
    """Whether this process trains with others: torch, an initialised group of
    more than one process."""
    if keras.backend.backend() != "torch":
        return False
    import torch.distributed as dist

    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def rank():
    """This process's rank (0 when not distributed)."""
    if not is_active():
        return 0
    import torch.distributed as dist

    return dist.get_rank()


def world_size():
    """The number of processes training together (1 when not distributed)."""
    if not is_active():
        return 1
    import torch.distributed as dist

    return dist.get_world_size()


def is_main_process():
    """Whether this process writes files and prints progress: rank 0."""
    return rank() == 0


def all_reduce_sum(tensors):
    """The sums over processes of tensors of any shape, as new tensors of
    the same shapes and dtypes (the inputs are left unchanged), in one
    float64 `all_reduce`."""
    import torch
    import torch.distributed as dist

    flat = torch.cat([t.detach().reshape(-1).to(torch.float64) for t in tensors])
    dist.all_reduce(flat, op=dist.ReduceOp.SUM)
    sums = torch.split(flat, [t.numel() for t in tensors])
    return [
        value.reshape(t.shape).to(t.dtype)
        for value, t in zip(sums, tensors, strict=True)
    ]


def sum_gradients(gradients):
    """Sums gradients across processes, in place, in one flat buffer."""
    import torch
    import torch.distributed as dist

    present = [g for g in gradients if g is not None]
    if not present:
        return
    flat = torch.cat([g.reshape(-1) for g in present])
    dist.all_reduce(flat, op=dist.ReduceOp.SUM)
    offset = 0
    for gradient in present:
        size = gradient.numel()
        gradient.copy_(flat[offset : offset + size].view_as(gradient))
        offset += size


def broadcast_variables(variables):
    """Copies rank 0's values of Keras variables to every process."""
    import torch
    import torch.distributed as dist

    with torch.no_grad():
        for variable in variables:
            dist.broadcast(variable.value.data, src=0)


def _device():
    """Where collective operations' own tensors live: CUDA under NCCL."""
    import torch.distributed as dist

    return "cuda" if dist.get_backend() == "nccl" else "cpu"


def shared_seed(seed):
    """`seed`, or where it is `None`, one seed drawn by rank 0 for all."""
    if seed is not None or not is_active():
        return seed
    import numpy as np
    import torch
    import torch.distributed as dist

    value = torch.tensor(
        [int(np.random.default_rng().integers(2**31))], device=_device()
    )
    dist.broadcast(value, src=0)
    return int(value.item())


def combine_losses(loss, real_steps):
    """The global batch's loss from every process's share of it.

    A process's loss is the mean over its real steps. The global loss is the
    sum of every process's per-step values over all real steps;
    differentiating this process's part of it (its sum over the global
    count), then summing gradients across processes (`sum_gradients`), gives
    the gradient of the global loss.

    Args:
        loss: This process's batch loss (a torch scalar), a mean over its
            real steps.
        real_steps: This process's number of real steps in the batch.

    Returns:
        `(loss to differentiate, global loss to log, global real steps)`.
    """
    import torch

    local_steps = torch.as_tensor(real_steps, dtype=loss.dtype)
    local_sum = loss * local_steps
    total_sum, total_steps = all_reduce_sum([local_sum, local_steps])
    total_steps = total_steps.clamp(min=1.0)
    return local_sum / total_steps, total_sum / total_steps, total_steps


@contextlib.contextmanager
def summed_metric_states(metrics):
    """Inside the block, each metric's state holds its sum over processes.

    Keras's metrics keep totals and counts, so summing their variables across
    processes gives the result over every process's batches. This process's
    own values are put back on leaving, so that the next batch adds to them.
    """
    variables = [variable for metric in metrics for variable in metric.variables]
    if not variables:
        yield
        return
    own = [variable.value.detach().clone() for variable in variables]
    for variable, total in zip(variables, all_reduce_sum(own), strict=True):
        variable.assign(total)
    try:
        yield
    finally:
        for variable, value in zip(variables, own, strict=True):
            variable.assign(value)
