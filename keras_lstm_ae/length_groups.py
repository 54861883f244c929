"""Batches of sequences of similar length, each cut to its longest sequence.

A batch of NaN-padded sequences runs the recurrent kernels over every step,
padding included. Grouping sequences of similar length into the same batch
and cutting each batch after its longest sequence's last real step skips
most of that work, and changes nothing: an LSTM is causal, so the padding
after a sequence's end affects none of its earlier steps, in the encoder and
in the decoder, and the loss skips padded steps anyway.

`LengthGroupedBatches` is the `keras.utils.PyDataset` that
`LSTMAutoencoder.fit(..., group_by_length=True)` trains on.
"""

import keras
import numpy as np

from keras_lstm_ae.data import sequence_lengths

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


def _lengths_in_chunks(x, chunk=4096):
    """`sequence_lengths` a chunk of sequences at a time (for memmaps)."""
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate(
        [
            sequence_lengths(x[start : start + chunk])
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


class LengthGroupedBatches(keras.utils.PyDataset):
    """NaN-padded sequences in batches of similar length, each cut short.

    Each batch holds sequences of similar length (`group_by_length`) and is
    cut after the last step any of them needs: `(batch, steps, features)`
    with `steps` at most `timesteps`. With `shuffle=True`, every epoch draws
    new groups and a new batch order.

    Args:
        x: NaN-padded inputs `(samples, timesteps, features)` (a NumPy
            array or memmap; batches are read as they are needed).
        y: Targets with the same samples and timesteps, or `None` (the model
            then rebuilds `x`).
        sample_weight: `(samples,)` weights, or `None`.
        batch_size: Sequences per batch.
        shuffle: Whether to draw new groups and order every epoch.
        seed: Integer seed of the shuffling, or `None`.
        round_to: Batches are cut at a multiple of this many steps (at
            most `timesteps`). 1 cuts at the exact length.

    Example:

    >>> x = np.full((4, 10, 1), np.nan, "float32")
    >>> for i, length in enumerate([2, 9, 3, 8]):
    ...     x[i, :length] = 1.0
    >>> batches = LengthGroupedBatches(x, batch_size=2, shuffle=False)
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
        round_to=1,
    ):
        super().__init__()
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.round_to = round_to
        self._rng = np.random.default_rng(seed)
        self.lengths = padded_lengths(x, y)
        self._batches = self._draw()

    def _draw(self):
        return group_by_length(
            self.lengths, self.batch_size, self._rng if self.shuffle else None
        )

    @property
    def num_batches(self):
        return len(self._batches)

    def __len__(self):
        return len(self._batches)

    def batch_steps(self, index):
        """Steps of batch `index`: its longest length, rounded up."""
        longest = max(int(self.lengths[self._batches[index]].max()), 1)
        rounded = -(-longest // self.round_to) * self.round_to
        return min(rounded, self.x.shape[1])

    def __getitem__(self, index):
        members = np.sort(self._batches[index])  # Sorted reads: faster on disk.
        steps = self.batch_steps(index)
        x = np.asarray(self.x[members, :steps])
        if self.y is None and self.sample_weight is None:
            return x
        # Keras's datasets take no `None` inside a batch: weights without
        # targets come with the inputs as targets.
        y = x if self.y is None else np.asarray(self.y[members, :steps])
        if self.sample_weight is None:
            return x, y
        return x, y, np.asarray(self.sample_weight[members])

    def on_epoch_end(self):
        if self.shuffle:
            self._batches = self._draw()
