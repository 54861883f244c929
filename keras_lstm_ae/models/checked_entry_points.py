"""`LSTMAutoencoder`'s checked entry points: `fit`, `evaluate`, `predict`, `save`.

Each checks its arrays before Keras sees them (shape, features, length,
numbers, no infinities; a memmap in chunks), reads arrays batch by batch
where that is what keeps a run seeded or a memmap on disk
(`batching.SequenceBatches`), and writes files atomically, on rank 0 only
under `torch.distributed`.
"""

import inspect

import keras
import numpy as np

from keras_lstm_ae import distributed
from keras_lstm_ae._utils import validation
from keras_lstm_ae._utils.saving import refuse_overwrite, saved_suffix, write_atomically
from keras_lstm_ae.backend.seeding import seeded_shuffling
from keras_lstm_ae.models.callbacks import TerminateOnNaNKeepBest, restore_only
from keras_lstm_ae.preprocessing.batching import SequenceBatches

# Callbacks that write files: under torch.distributed, rank 0's only.
FILE_CALLBACKS = (
    keras.callbacks.CSVLogger,
    keras.callbacks.TensorBoard,
)


def _is_array_like(data):
    return isinstance(data, (np.ndarray, list)) or (
        hasattr(data, "__array__") and not isinstance(data, keras.utils.PyDataset)
    )


class CheckedEntryPoints:
    """`fit`, `evaluate`, `predict` and `save` of a sequence model, checked.

    A mixin for a `keras.Model` with `features`, `timesteps` and `seed`
    attributes (`LSTMAutoencoder`).
    """

    def _check(self, data, name):
        if not _is_array_like(data):
            return data  # Datasets and generators are read lazily.
        return validation.check_sequences(
            data, name=name, features=self.features, timesteps=self.timesteps
        )

    def _check_pair(self, x, y, x_name="x", y_name="y"):
        """Checks inputs and targets; `y` stays `None` when it is `x` itself.

        The loss then reads the targets from `x`, and Keras slices and moves
        one array per batch instead of two.
        """
        same_targets = y is None or y is x
        x = self._check(x, x_name)
        if same_targets:
            return x, None
        y = self._check(y, y_name)
        if _is_array_like(x) and _is_array_like(y) and len(x) != len(y):
            raise ValueError(
                f"`{x_name}` and `{y_name}` must hold the same number of sequences; "
                f"got {len(x)} and {len(y)}."
            )
        return x, y

    def _check_validation_data(self, validation_data):
        if isinstance(validation_data, tuple):
            if not 1 <= len(validation_data) <= 3:
                raise ValueError(
                    "`validation_data` must be `x_val`, `(x_val,)`, `(x_val, y_val)` "
                    f"or `(x_val, y_val, sample_weight)`; got {len(validation_data)} items."
                )
            x_val, y_val = self._check_pair(
                validation_data[0],
                validation_data[1] if len(validation_data) > 1 else None,
                "validation_data[0]",
                "validation_data[1]",
            )
            return (x_val, y_val, *validation_data[2:])
        if _is_array_like(validation_data):
            x_val = self._check(validation_data, "validation_data")
            return (x_val,)
        return validation_data

    def _seeded_shuffling(self):
        # A seeded model shuffles the same way every run, on every backend,
        # without changing the caller's random state; a resumed run (later
        # optimizer step) draws new orders.
        if self.seed is None:
            return seeded_shuffling(None)
        step = int(self.optimizer.iterations.numpy()) if self.optimizer else 0
        return seeded_shuffling(self.seed + step)

    def fit(self, x=None, y=None, *args, group_by_length=False, **kwargs):
        """Trains the autoencoder; `y` defaults to `x`.

        Arguments are those of `keras.Model.fit`, and `group_by_length`.
        Array inputs are checked first (shape, features, length, numbers, no
        infinities; a memmap in chunks), arrays in memory with fewer steps
        than `timesteps` are NaN-padded, and training stops at the first
        non-finite loss with the best weights restored
        (`TerminateOnNaNKeepBest`, added unless a NaN callback is given).

        Arrays are read batch by batch (`batching.SequenceBatches`) on the
        torch backend, and on any backend for a memmap or with
        `group_by_length`: a memmap is never loaded whole. Shuffling is then
        seeded by the model's `seed`; with `validation_split`, the held-out
        sequences are the last ones, as in Keras.

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
        arguments = _named_arguments(keras.Model.fit, self, x, y, *args, **kwargs)
        group_by_length = validation.check_bool(group_by_length, "group_by_length")
        arguments["x"], arguments["y"] = self._check_pair(
            arguments.get("x"), arguments.get("y")
        )
        if arguments.get("validation_data") is not None:
            arguments["validation_data"] = self._check_validation_data(
                arguments["validation_data"]
            )
        parallel = distributed.is_active()
        if parallel and self._direct_chain is None:
            raise ValueError(
                "Data-parallel training needs the direct torch path: float32 "
                "layers (no mixed precision policy)."
            )
        x = arguments["x"]
        if _is_array_like(x) and (
            keras.backend.backend() == "torch"
            or group_by_length
            or isinstance(x, np.memmap)
        ):
            self._read_in_batches(arguments, group_by_length)
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
        callbacks = list(arguments.get("callbacks") or [])
        if not any(
            isinstance(c, (TerminateOnNaNKeepBest, keras.callbacks.TerminateOnNaN))
            for c in callbacks
        ):
            callbacks.append(TerminateOnNaNKeepBest())
        if parallel:
            distributed.broadcast_variables(self.variables)
            if not distributed.is_main_process():
                # Files and progress are rank 0's (saves are, in `save`);
                # every process restores a backup, rank 0 writes it.
                callbacks = [
                    restore_only(c)
                    if isinstance(c, keras.callbacks.BackupAndRestore)
                    else c
                    for c in callbacks
                    if not isinstance(c, FILE_CALLBACKS)
                ]
                arguments["verbose"] = 0
        arguments["callbacks"] = callbacks
        self._use_real_step_loss_tracker()
        with self._seeded_shuffling():
            return super().fit(**arguments)

    def _read_in_batches(self, arguments, group_by_length):
        """Replaces `fit`'s arrays by `SequenceBatches`, in place."""
        x, y = arguments.get("x"), arguments.get("y")
        sample_weight = arguments.pop("sample_weight", None)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight)
            if sample_weight.shape not in ((len(x),), (len(x), x.shape[1])):
                raise ValueError(
                    "`sample_weight` must be one weight per sequence, shape "
                    f"({len(x)},), or one per step, shape ({len(x)}, {x.shape[1]}); "
                    f"got {sample_weight.shape}."
                )
        batch_size = arguments.pop("batch_size", None) or 32
        split = arguments.pop("validation_split", 0.0) or 0.0
        validation = arguments.get("validation_data")
        if split and validation is None:
            # Keras holds out the last sequences, before shuffling.
            cut = int(np.ceil(len(x) * (1 - split)))
            validation = (
                x[cut:],
                None if y is None else y[cut:],
                None if sample_weight is None else sample_weight[cut:],
            )
            x, y = x[:cut], None if y is None else y[:cut]
            sample_weight = None if sample_weight is None else sample_weight[:cut]
        shards = {"rank": distributed.rank(), "world_size": distributed.world_size()}
        if isinstance(validation, tuple):
            x_val, y_val, weights_val = (*validation, None, None)[:3]
            arguments["validation_data"] = SequenceBatches(
                x_val,
                y_val,
                weights_val,
                batch_size=arguments.get("validation_batch_size") or batch_size,
                shuffle=False,
                group_by_length=group_by_length,
                **shards,
            )
        step = int(self.optimizer.iterations.numpy()) if self.optimizer else 0
        seed = None if self.seed is None else self.seed + step
        arguments["x"] = SequenceBatches(
            x,
            y,
            sample_weight,
            batch_size=batch_size,
            shuffle=bool(arguments.get("shuffle", True)),
            seed=distributed.shared_seed(seed),
            group_by_length=group_by_length,
            **shards,
        )
        arguments["y"] = None
        arguments["shuffle"] = False  # The batches shuffle themselves, seeded.

    def evaluate(self, x=None, y=None, *args, **kwargs):
        """Evaluates the reconstruction loss over real steps; `y` defaults to `x`."""
        arguments = _named_arguments(keras.Model.evaluate, self, x, y, *args, **kwargs)
        x, y = self._check_pair(arguments.get("x"), arguments.get("y"))
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
        arguments["x"], arguments["y"] = x, y
        self._use_real_step_loss_tracker()
        return super().evaluate(**arguments)

    def predict(self, x, *args, **kwargs):
        """Reconstructs sequences: `(samples, timesteps, features)`."""
        return super().predict(self._check(x, "x"), *args, **kwargs)

    # --- Saving ---

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


def _named_arguments(method, model, *args, **kwargs):
    """A call's arguments to a `keras.Model` method, by name (no `self`)."""
    arguments = inspect.signature(method).bind(model, *args, **kwargs).arguments
    arguments.pop("self")
    arguments.update(arguments.pop("kwargs", {}))
    return arguments
