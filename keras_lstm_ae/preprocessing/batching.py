"""Batches of NaN-padded sequences for `fit`: random or grouped by length.

`SequenceBatches` is the `keras.utils.PyDataset` that `LSTMAutoencoder.fit`
trains on, on the torch backend (and on any backend for memmaps or
`group_by_length=True`). It reads each batch from the arrays when it is
needed, so a NumPy memmap (`np.load(path, mmap_mode="r")`) is read batch by
batch and never loaded whole, and under `torch.distributed` each process
reads only its share of every global batch.

Grouping sequences of similar length into the same batch and cutting each
batch after its longest sequence's last real step skips most of the
padding's work, and changes nothing: an LSTM is causal, so the padding after
a sequence's end affects none of its earlier steps, in the encoder and in the
decoder, and the loss skips padded steps anyway.
"""

import keras
import numpy as np

from keras_lstm_ae._utils.validation import CHUNK_ROWS
from keras_lstm_ae.preprocessing.sequences import sequence_lengths

# Batches per group: sequences are shuffled, cut into groups of this many
# batches, and sorted by length within each group (Hugging Face's
# `LengthGroupedSampler` uses the same 50). Larger groups give batches of
# closer lengths; smaller ones keep more randomness in which sequences meet.
BATCHES_PER_GROUP = 50


def padded_lengths(x, y=None):
    """Steps each sequence needs: up to its last real step in `x` or `y`.

    Args:
        x: NaN-padded inputs `(samples, timesteps, features)`.
        y: Targets of the same number of samples and timesteps, or `None`.

    Returns:
        An int64 array `(samples,)`: one past the last step that holds a
        real value in `x` or in `y` (0 for a sequence with none).

    Example:

    >>> x = np.array([[[1.0], [np.nan], [np.nan]], [[1.0], [2.0], [np.nan]]])
    >>> padded_lengths(x).tolist()
    [1, 2]
    """
    lengths = _lengths_in_chunks(x)
    if y is not None:
        lengths = np.maximum(lengths, _lengths_in_chunks(y))
    return lengths


def _lengths_in_chunks(x, chunk=CHUNK_ROWS):
    """`sequence_lengths` a chunk of sequences at a time (for memmaps)."""
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate(
        [
            sequence_lengths(np.asarray(x[start : start + chunk], dtype=np.float32))
            for start in range(0, len(x), chunk)
        ]
    )


def group_by_length(lengths, batch_size, rng=None):
    """Sequence indices in batches of similar length.

    With an `rng`, the sequences are shuffled, cut into groups of
    `BATCHES_PER_GROUP` batches, sorted by length within each group (longest
    first) and cut into batches, and the batches are shuffled. Without one,
    all sequences are sorted by length, longest first (for evaluation).

    Args:
        lengths: `(samples,)` lengths (`padded_lengths`).
        batch_size: Sequences per batch.
        rng: A `numpy.random.Generator`, or `None` for no shuffling.

    Returns:
        A list of int64 index arrays, one per batch; every sequence is in
        exactly one.

    Example:

    >>> [b.tolist() for b in group_by_length(np.array([3, 9, 1, 7]), 2)]
    [[1, 3], [0, 2]]
    """
    lengths = np.asarray(lengths)
    if rng is None:
        order = np.argsort(-lengths, kind="stable")
        return _cut(order, batch_size)
    order = rng.permutation(len(lengths))
    group = batch_size * BATCHES_PER_GROUP
    batches = []
    for start in range(0, len(order), group):
        members = order[start : start + group]
        members = members[np.argsort(-lengths[members], kind="stable")]
        batches.extend(_cut(members, batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def _cut(order, batch_size):
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


class SequenceBatches(keras.utils.PyDataset):
    """NaN-padded sequences in batches, read from the arrays as needed.

    Every epoch's batches are drawn at random (`shuffle=True`) or in order;
    with `group_by_length=True`, they hold sequences of similar length
    (`group_by_length`) and each is cut after the last step any of them
    needs: `(batch, steps, features)`, `steps` at most the arrays'. Batches
    are float32, whatever the arrays' float type.

    With `world_size` processes, every process draws the same global
    batches of `batch_size` sequences (the same seed) and reads its own
    share of each (`rank`); a process whose share is empty (a last batch
    smaller than `world_size`) gets one empty sequence (all NaN, weight 0),
    so that every process runs the same number of steps.

    Args:
        x: NaN-padded inputs `(samples, timesteps, features)`: a NumPy
            array or memmap.
        y: Targets with the same samples, or `None` (the model then rebuilds
            `x`).
        sample_weight: `(samples,)` weights, `(samples, timesteps)` (one per
            step), or `None`.
        batch_size: Sequences per (global) batch.
        shuffle: Whether to draw new batches every epoch.
        seed: Integer seed of the shuffling, or `None`. Processes of one
            distributed run must pass the same seed.
        group_by_length: Whether to group sequences of similar length and cut
            each batch short.
        round_to: With `group_by_length`, batches are cut at a multiple of
            this many steps (at most the arrays' timesteps). 1 cuts at the
            exact length.
        rank: This process's index, from 0.
        world_size: The number of processes sharing every batch.
        indices: The sequences of `x` to batch (a training split, say), or
            `None` for all.
        transform: A function of a read batch of `x` that returns the
            batch `(inputs, targets)` to train on (scaling and cutting into
            segments, say), or `None`.

    Example:

    >>> x = np.full((4, 10, 1), np.nan, "float32")
    >>> for i, length in enumerate([2, 9, 3, 8]):
    ...     x[i, :length] = 1.0
    >>> batches = SequenceBatches(x, batch_size=2, shuffle=False, group_by_length=True)
    >>> [batches[i].shape for i in range(len(batches))]
    [(2, 9, 1), (2, 3, 1)]
    """

    def __init__(
        self,
        x,
        y=None,
        sample_weight=None,
        *,
        batch_size=32,
        shuffle=True,
        seed=None,
        group_by_length=False,
        round_to=1,
        rank=0,
        world_size=1,
        indices=None,
        transform=None,
    ):
        super().__init__()
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.indices = None if indices is None else np.asarray(indices)
        self.transform = transform
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.group_by_length = group_by_length
        self.round_to = round_to
        self.rank, self.world_size = rank, world_size
        self._rng = np.random.default_rng(seed)
        self.lengths = None
        if group_by_length:
            if self.indices is not None or transform is not None:
                raise ValueError(
                    "`group_by_length` batches whole arrays: pass neither "
                    "`indices` nor `transform` with it."
                )
            self.lengths = padded_lengths(x, y)
        self._draw()

    def _draw(self):
        """This epoch's batches: `_order[_bounds[i]:_bounds[i + 1]]` is batch
        `i`. One index array for all batches (4 bytes a sequence), and none
        at all for batches in order."""
        rng = self._rng if self.shuffle else None
        samples = len(self.x) if self.indices is None else len(self.indices)
        index_type = np.int32 if samples < 2**31 else np.int64
        if self.group_by_length:
            batches = group_by_length(self.lengths, self.batch_size, rng)
            self._order = np.concatenate(batches).astype(index_type)
            sizes = [len(batch) for batch in batches]
            self._bounds = np.concatenate([[0], np.cumsum(sizes)])
            return
        self._order = None
        if rng is not None:
            self._order = np.arange(samples, dtype=index_type)
            rng.shuffle(self._order)  # In place: one index array, not two.
        self._bounds = np.append(np.arange(0, samples, self.batch_size), samples)

    @property
    def num_batches(self):
        return len(self._bounds) - 1

    def __len__(self):
        return self.num_batches

    def batch(self, index):
        """The sequences of global batch `index` (every process's share)."""
        start, stop = self._bounds[index], self._bounds[index + 1]
        if self._order is None:
            return np.arange(start, stop)
        return self._order[start:stop]

    def members(self, index):
        """This process's sequences of batch `index`, in increasing order."""
        members = self.batch(index)
        if self.indices is not None:
            members = self.indices[members]
        members = np.sort(members)  # Sorted reads: faster on disk.
        if self.world_size == 1:
            return members
        return np.array_split(members, self.world_size)[self.rank]

    def batch_steps(self, index, members=None):
        """Steps of batch `index`: its longest length, rounded up (grouped),
        or all the arrays' steps."""
        if not self.group_by_length:
            return self.x.shape[1]
        members = self.batch(index) if members is None else members
        longest = max(int(self.lengths[members].max()), 1) if len(members) else 1
        rounded = -(-longest // self.round_to) * self.round_to
        return min(rounded, self.x.shape[1])

    def __getitem__(self, index):
        members = self.members(index)
        if len(members) == 0:
            return self._empty_batch()
        steps = self.batch_steps(index, members)
        x = _read(self.x, members, steps)
        if self.transform is not None:
            return self.transform(x)
        if self.y is None and self.sample_weight is None:
            return x
        # Keras's datasets take no `None` inside a batch: weights without
        # targets come with the inputs as targets.
        y = x if self.y is None else _read(self.y, members, steps)
        if self.sample_weight is None:
            return x, y
        weights = self.sample_weight[members]
        if weights.ndim == 2:  # One weight per step: cut like the steps.
            weights = weights[:, :steps]
        return x, y, np.asarray(weights, dtype=np.float32)

    def _empty_batch(self):
        if self.transform is not None:
            inputs, targets = self.transform(
                np.full((1,) + self.x.shape[1:], np.nan, "float32")
            )
            return inputs, targets, np.zeros(1, dtype=np.float32)
        x = np.full((1, 1, self.x.shape[2]), np.nan, dtype=np.float32)
        y = x if self.y is None else np.full((1, 1, self.y.shape[2]), np.nan, "float32")
        if self.y is None and self.sample_weight is None:
            return x
        return x, y, np.zeros(1, dtype=np.float32)

    def on_epoch_end(self):
        if self.shuffle:
            self._draw()


def _read(array, members, steps):
    """`array[members, :steps]` as a float32 array (read from disk if mapped)."""
    if steps == array.shape[1]:
        return np.asarray(array[members], dtype=np.float32)
    return np.asarray(array[members, :steps], dtype=np.float32)
