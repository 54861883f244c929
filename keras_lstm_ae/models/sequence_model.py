"""`SequenceModel`: how a model of NaN-padded sequences trains, evaluates and saves.

`LSTMAutoencoder` builds its architecture on this class. What it adds to a
`LayerChain` (the direct forward pass and training step), method by method:

- the loss and metrics over real steps: `compute_loss`, `compute_metrics`
  (a target step with any NaN is padding or missing, `masked_loss`);
- the checked entry points: `fit`, `evaluate`, `predict`, `save`,
  `save_weights` (arguments checked and batched by `fit_arguments`; files
  written atomically);
- data-parallel training under `torch.distributed`, through `LayerChain`'s
  two hooks `_combine_losses` and `_combine_gradients`, and
  `get_metrics_result` (the arithmetic is in `keras_lstm_ae.distributed`).

One piece of state passes between these: the number of real steps of the
batch whose loss was just computed (`_real_steps`), which `compute_loss`
sets and the loss tracker and `_combine_losses` read.
"""

import keras
import numpy as np
from keras import ops
from keras.src.backend import set_keras_mask  # Not exported; stable since Keras 3.6.

from keras_lstm_ae import distributed
from keras_lstm_ae._utils import validation
from keras_lstm_ae._utils.saving import refuse_overwrite, saved_suffix, write_atomically
from keras_lstm_ae.backend.seeding import seeded_shuffling
from keras_lstm_ae.models import fit_arguments, masked_loss
from keras_lstm_ae.models.layer_chain import LayerChain
from keras_lstm_ae.preprocessing.batching import SequenceBatches


class SequenceModel(LayerChain):
    """A functional model of NaN-padded sequences, with checked entry points.

    Built like a `LayerChain` (`inputs`, `outputs`), with the sequences'
    shape and the seed that shuffles them. Subclasses build their layers and
    call `super().__init__(inputs=..., outputs=..., timesteps=...,
    features=..., seed=...)`.

    Args:
        inputs: The functional model's input.
        outputs: Its output.
        timesteps: Steps per sequence (shorter ones are NaN-padded).
        features: Features per step.
        seed: Integer seed for the shuffling, or `None`.
        **kwargs: Passed to `keras.Model` (e.g. `name`).
    """

    def __init__(self, inputs, outputs, *, timesteps, features, seed, **kwargs):
        super().__init__(inputs, outputs, **kwargs)
        self.timesteps = timesteps
        self.features = features
        self.seed = seed
        self._real_steps = masked_loss.BatchRealSteps()

    # --- The loss and metrics over real steps ---

    def _use_real_step_loss_tracker(self):
        # Set without Keras's attribute tracking, which would list the
        # tracker twice among the metrics (Keras sets its own untracked).
        tracker = getattr(self, "_loss_tracker", None)
        if tracker is not None and not isinstance(
            tracker, masked_loss.RealStepWeightedMean
        ):
            object.__setattr__(
                self,
                "_loss_tracker",
                masked_loss.RealStepWeightedMean(self._real_steps),
            )

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        """The compiled loss over real (non-NaN) steps only.

        A target step with any NaN is padding or missing: its weight is 0,
        and the loss is the mean over the batch's real steps (0 when there is
        none, so a batch of empty sequences leaves the loss finite).
        """
        y = x if y is None else y
        step_loss = self._per_step_loss()
        # The first call builds Keras's compiled loss, which `fit` checks.
        use_step_loss = step_loss is not None and self._compile_loss.built
        if use_step_loss and step_loss[2] is not None:
            from keras_lstm_ae.backend import torch_loss

            loss, self._real_steps.value = torch_loss.masked_step_mean(
                step_loss[2], y, y_pred, sample_weight
            )
            return loss
        y, weights, real_steps = masked_loss.mask_missing_steps(y, sample_weight)
        self._real_steps.value = real_steps
        if use_step_loss:
            values = masked_loss.step_values(step_loss, y, y_pred)
            if tuple(values.shape) == tuple(weights.shape):
                return ops.sum(values * weights) / ops.maximum(real_steps, 1.0)
        # Keras divides by every step; scaling makes it a mean over real ones.
        total_steps = ops.cast(ops.shape(weights)[0] * ops.shape(weights)[1], y.dtype)
        weights = weights * (total_steps / ops.maximum(real_steps, 1.0))
        return super().compute_loss(
            x=x, y=y, y_pred=y_pred, sample_weight=weights, training=training
        )

    def _per_step_loss(self):
        """The compiled loss as `(function, dtype, torch_twin)` giving per-step
        values (see `masked_loss.as_step_loss`), or `None` where Keras's own
        reduction must run.

        Weighting the per-step values by hand gives what Keras's compiled loss
        gives with the same weights (for a single loss that averages over the
        batch) without its general bookkeeping, which on a small model costs
        as much as the loss itself. Resolved once per `compile`; a model with
        additional losses (weight regularizers) keeps Keras's reduction, which
        adds them.
        """
        compile_loss = getattr(self, "_compile_loss", None)
        cached = self.__dict__.get("_step_loss_cache")
        if cached is not None and cached[0] is compile_loss:
            return cached[1]
        step_loss = None
        if not self.losses:
            step_loss = masked_loss.as_step_loss(
                self.loss, getattr(compile_loss, "_user_loss_weights", "unknown")
            )
        # Untracked: Keras would otherwise list the loss among the layers.
        object.__setattr__(self, "_step_loss_cache", (compile_loss, step_loss))
        return step_loss

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Updates the compiled metrics over real (non-NaN) steps only."""
        y = x if y is None else y
        if self._compile_metrics is None:
            return super().compute_metrics(x, y, y_pred, sample_weight=sample_weight)
        missing = ops.isnan(y)
        y = ops.where(missing, 0.0, y)
        # Keras applies a prediction's mask to every metric, weighted or not
        # (`metrics=` ignore sample weights).
        set_keras_mask(y_pred, ops.logical_not(ops.any(missing, axis=-1)))
        return super().compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    # --- Data-parallel training (LayerChain's hooks) ---

    def _combine_losses(self, loss):
        """Under `torch.distributed`, the global batch's loss; the loss
        tracker then weights it by the global batch's real steps."""
        if not distributed.is_active():
            return loss, loss
        local, logged, total_steps = distributed.combine_losses(
            loss, self._real_steps.value
        )
        self._real_steps.value = total_steps
        return local, logged

    def _combine_gradients(self, gradients):
        if distributed.is_active():
            distributed.sum_gradients(gradients)

    def get_metrics_result(self):
        """The metrics' results; under `torch.distributed`, over every
        process's batches (the loss is combined batch by batch)."""
        if not distributed.is_active():
            return super().get_metrics_result()
        metrics = [m for m in self.metrics if m is not self._loss_tracker]
        with distributed.summed_metric_states(metrics):
            return super().get_metrics_result()

    # --- Checked entry points ---

    def _shuffling_seed(self):
        # A seeded model shuffles the same way every run, on every backend,
        # without changing the caller's random state; a resumed run (later
        # optimizer step) draws new orders.
        if self.seed is None:
            return None
        step = int(self.optimizer.iterations.numpy()) if self.optimizer else 0
        return self.seed + step

    def fit(self, x=None, y=None, *args, group_by_length=False, **kwargs):
        """Trains the model; `y` defaults to `x`.

        Arguments are those of `keras.Model.fit`, and `group_by_length`.
        Array inputs are checked first (shape, features, length, numbers, no
        infinities; a memmap in chunks), arrays in memory with fewer steps
        than `timesteps` are NaN-padded, and training stops at the first
        non-finite loss with the best weights restored
        (`TerminateOnNaNKeepBest`, added unless a NaN callback is given).

        Arrays are read batch by batch (`SequenceBatches`) on the torch
        backend, and on any backend for a memmap or with `group_by_length`:
        a memmap is never loaded whole. Shuffling is then seeded by the
        model's `seed`; with `validation_split`, the held-out sequences are
        the last ones, as in Keras.

        Under `torch.distributed` (see `keras_lstm_ae.distributed`), it
        trains data-parallel: `batch_size` is the global batch, each process
        computes its share of it, and every process ends with the weights
        one process would get.

        Args:
            group_by_length: Whether to put sequences of similar length in
                the same batch and cut each batch after the last real step
                any of its sequences has, which skips most of the padding's
                work. The batches' losses and gradients are those of the
                same batches at full length; only which sequences share a
                batch changes (shuffled groups of 50 batches, sorted by
                length within each). It needs array inputs; validation
                batches are grouped too. Defaults to `False`.
        """
        arguments = fit_arguments.named_arguments(
            keras.Model.fit, self, x, y, *args, **kwargs
        )
        group_by_length = validation.check_bool(group_by_length, "group_by_length")
        shape = {"features": self.features, "timesteps": self.timesteps}
        arguments["x"], arguments["y"] = fit_arguments.check_pair(
            arguments.get("x"), arguments.get("y"), **shape
        )
        if arguments.get("validation_data") is not None:
            arguments["validation_data"] = fit_arguments.check_validation_data(
                arguments["validation_data"], **shape
            )
        parallel = distributed.is_active()
        if parallel and self.chained_layers is None:
            raise ValueError(
                "Data-parallel training needs the direct torch path: float32 "
                "layers (no mixed precision policy)."
            )
        x = arguments["x"]
        if fit_arguments.is_array_like(x) and (
            keras.backend.backend() == "torch"
            or group_by_length
            or isinstance(x, np.memmap)
        ):
            fit_arguments.read_in_batches(
                arguments, group_by_length, self._shuffling_seed()
            )
        elif group_by_length or (parallel and not isinstance(x, SequenceBatches)):
            raise TypeError(
                "`group_by_length=True` and data-parallel training batch arrays "
                "themselves: `x` must be a NumPy array (or memmap) of sequences; "
                f"got {type(x).__name__}."
            )
        elif isinstance(x, SequenceBatches):
            # It shuffles itself, seeded; Keras would reorder its batches with
            # Python's unseeded `random`.
            arguments["shuffle"] = False
        arguments["x"] = fit_arguments.readable_by_backend(arguments["x"])
        arguments["validation_data"] = fit_arguments.readable_by_backend(
            arguments.get("validation_data")
        )
        callbacks = fit_arguments.with_nan_guard(arguments.get("callbacks"))
        if parallel:
            distributed.broadcast_variables(self.variables)
            if not distributed.is_main_process():
                callbacks = fit_arguments.for_other_ranks(callbacks)
                arguments["verbose"] = 0
        arguments["callbacks"] = callbacks
        self._use_real_step_loss_tracker()
        with seeded_shuffling(self._shuffling_seed()):
            return super().fit(**arguments)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        """Evaluates the loss over real steps; `y` defaults to `x`."""
        arguments = fit_arguments.named_arguments(
            keras.Model.evaluate, self, x, y, *args, **kwargs
        )
        x, y = fit_arguments.check_pair(
            arguments.get("x"),
            arguments.get("y"),
            features=self.features,
            timesteps=self.timesteps,
        )
        if isinstance(x, np.memmap):
            # Read batch by batch, never whole.
            x = SequenceBatches(
                x,
                y,
                arguments.pop("sample_weight", None),
                batch_size=arguments.pop("batch_size", None) or 32,
                shuffle=False,
            )
            y = None
        arguments["x"], arguments["y"] = fit_arguments.readable_by_backend(x), y
        self._use_real_step_loss_tracker()
        return super().evaluate(**arguments)

    def predict(self, x, *args, **kwargs):
        """Runs the model on checked sequences: `(samples, timesteps, features)`."""
        x = fit_arguments.check_data(x, "x", self.features, self.timesteps)
        return super().predict(x, *args, **kwargs)

    def save(self, filepath, overwrite=True, **kwargs):
        """Saves to a `.keras` file, atomically: a failed save loses nothing.

        Under `torch.distributed`, only rank 0 writes.

        Raises:
            FileExistsError: If the file exists and `overwrite=False`.
        """
        suffix = saved_suffix(filepath, (".keras",))
        if not distributed.is_main_process():
            return  # Under torch.distributed, rank 0 writes the file.
        refuse_overwrite(filepath, overwrite)
        optimizer = getattr(self, "optimizer", None)
        if optimizer is not None and not optimizer.built:
            # Otherwise the file holds an unbuilt optimizer, and loading it
            # warns that its variables could not be restored.
            optimizer.build(self.trainable_variables)
        write_atomically(
            filepath, lambda path: keras.Model.save(self, path, **kwargs), suffix
        )

    def save_weights(self, filepath, overwrite=True, **kwargs):
        """Saves the weights to a `.weights.h5` file, atomically (rank 0 only,
        under `torch.distributed`)."""
        suffix = saved_suffix(filepath, (".weights.h5",))
        if not distributed.is_main_process():
            return  # Under torch.distributed, rank 0 writes the file.
        refuse_overwrite(filepath, overwrite)
        write_atomically(
            filepath,
            lambda path: keras.Model.save_weights(self, path, **kwargs),
            suffix,
        )
