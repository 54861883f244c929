"""The arguments of a sequence model's `fit` and `evaluate`, checked and batched.

Array inputs are checked before Keras sees them (shape, features, length,
numbers, no infinities; a memmap in chunks), and arrays are turned into
`SequenceBatches` where reading batch by batch is what keeps a run seeded or
a memmap on disk. These are plain functions of the arguments; the model's
`fit` (`SequenceModel`) decides when each applies.
"""

import inspect

import keras
import numpy as np

from keras_lstm_ae import distributed
from keras_lstm_ae._utils import validation
from keras_lstm_ae.models.callbacks import TerminateOnNaNKeepBest, restore_only
from keras_lstm_ae.preprocessing.batching import SequenceBatches

# Callbacks that write files: under torch.distributed, rank 0's only.
FILE_CALLBACKS = (
    keras.callbacks.CSVLogger,
    keras.callbacks.TensorBoard,
)


def named_arguments(method, model, *args, **kwargs):
    """A call's arguments to a `keras.Model` method, by name (no `self`)."""
    arguments = inspect.signature(method).bind(model, *args, **kwargs).arguments
    arguments.pop("self")
    arguments.update(arguments.pop("kwargs", {}))
    return arguments


def is_array_like(data):
    """Whether `data` is an array of sequences (not a dataset or generator)."""
    return isinstance(data, (np.ndarray, list)) or (
        hasattr(data, "__array__") and not isinstance(data, keras.utils.PyDataset)
    )


def check_data(data, name, features, timesteps):
    """Checks an array of sequences; datasets and generators pass as they are
    (they are read lazily)."""
    if not is_array_like(data):
        return data
    return validation.check_sequences(
        data, name=name, features=features, timesteps=timesteps
    )


def check_pair(x, y, features, timesteps, x_name="x", y_name="y"):
    """Checks inputs and targets; `y` stays `None` when it is `x` itself.

    The loss then reads the targets from `x`, and Keras slices and moves
    one array per batch instead of two.
    """
    same_targets = y is None or y is x
    x = check_data(x, x_name, features, timesteps)
    if same_targets:
        return x, None
    y = check_data(y, y_name, features, timesteps)
    if is_array_like(x) and is_array_like(y) and len(x) != len(y):
        raise ValueError(
            f"`{x_name}` and `{y_name}` must hold the same number of sequences; "
            f"got {len(x)} and {len(y)}."
        )
    return x, y


def check_validation_data(validation_data, features, timesteps):
    """Checks `fit`'s `validation_data`: arrays, or a tuple of up to three."""
    if isinstance(validation_data, tuple):
        if not 1 <= len(validation_data) <= 3:
            raise ValueError(
                "`validation_data` must be `x_val`, `(x_val,)`, `(x_val, y_val)` "
                f"or `(x_val, y_val, sample_weight)`; got {len(validation_data)} items."
            )
        x_val, y_val = check_pair(
            validation_data[0],
            validation_data[1] if len(validation_data) > 1 else None,
            features,
            timesteps,
            "validation_data[0]",
            "validation_data[1]",
        )
        return (x_val, y_val, *validation_data[2:])
    if is_array_like(validation_data):
        return (check_data(validation_data, "validation_data", features, timesteps),)
    return validation_data


def with_nan_guard(callbacks):
    """`callbacks`, with `TerminateOnNaNKeepBest` added unless a NaN callback
    is there."""
    callbacks = list(callbacks or [])
    if not any(
        isinstance(c, (TerminateOnNaNKeepBest, keras.callbacks.TerminateOnNaN))
        for c in callbacks
    ):
        callbacks.append(TerminateOnNaNKeepBest())
    return callbacks


def for_other_ranks(callbacks):
    """The callbacks of a process other than rank 0 under `torch.distributed`.

    Files and progress are rank 0's (saves are, in `save`); every process
    restores a backup, rank 0 writes it.
    """
    return [
        restore_only(c) if isinstance(c, keras.callbacks.BackupAndRestore) else c
        for c in callbacks
        if not isinstance(c, FILE_CALLBACKS)
    ]


def readable_by_backend(data):
    """`data` as this backend's trainer can read it.

    On TensorFlow, batches grouped by length (`SequenceBatches` with
    `group_by_length=True`) become a `tf.data.Dataset` whose steps axis is
    free (`backend.tf_data`): Keras would fix it to the first two batches'
    steps. Anything else is returned as it is.
    """
    if (
        keras.backend.backend() != "tensorflow"
        or not isinstance(data, SequenceBatches)
        or not data.group_by_length
    ):
        return data
    from keras_lstm_ae.backend import tf_data

    return tf_data.as_dataset(data)


def read_in_batches(arguments, group_by_length, seed):
    """Replaces `fit`'s arrays by `SequenceBatches`, in place.

    Args:
        arguments: `fit`'s arguments by name (`named_arguments`), changed in
            place: `x` becomes the training batches, `validation_data` the
            held-out ones, and `y`, `sample_weight`, `batch_size` and
            `validation_split` are consumed.
        group_by_length: Whether batches group sequences of similar length.
        seed: The shuffling's seed, or `None`.
    """
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
    held_out = arguments.get("validation_data")
    if split and held_out is None:
        # Keras holds out the last sequences, before shuffling.
        cut = int(np.ceil(len(x) * (1 - split)))
        held_out = (
            x[cut:],
            None if y is None else y[cut:],
            None if sample_weight is None else sample_weight[cut:],
        )
        x, y = x[:cut], None if y is None else y[:cut]
        sample_weight = None if sample_weight is None else sample_weight[:cut]
    shards = {"rank": distributed.rank(), "world_size": distributed.world_size()}
    if isinstance(held_out, tuple):
        x_val, y_val, weights_val = (*held_out, None, None)[:3]
        arguments["validation_data"] = SequenceBatches(
            x_val,
            y_val,
            weights_val,
            batch_size=arguments.get("validation_batch_size") or batch_size,
            shuffle=False,
            group_by_length=group_by_length,
            **shards,
        )
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
