"""Built-in data sets: small synthetic generators and real UCR/UEA problems.

Nothing is ever downloaded. The synthetic sets are generated on the spot; the
real ones are read from the files that ship inside the `aeon` wheel (install
them with `pip install "keras-lstm-ae[datasets]"`).

Every loader returns batches in this library's convention: float32 arrays
`(samples, timesteps, features)` in which an all-NaN step is padding.
"""

import contextlib
import os

import numpy as np

from keras_lstm_ae.data import pad_sequences
from keras_lstm_ae.validation import check_choice, check_positive_int

# The classification problems that ship inside aeon's wheel, with the longest
# sequence over their train and test splits: both splits are padded to it, so
# that a model built on one split accepts the other.
_UCR_TIMESTEPS = {
    "ACSF1": 1460,
    "ArrowHead": 251,
    "BasicMotions": 100,
    "GunPoint": 150,
    "ItalyPowerDemand": 24,
    "JapaneseVowels": 29,
    "OSULeaf": 427,
    "PickupGestureWiimoteZ": 361,
}

UCR_DATASETS = tuple(_UCR_TIMESTEPS)
"""Names of the real data sets `load_ucr` reads offline."""

_SPLITS = ("train", "test")


def make_moving_ones(n_samples=1000, timesteps=10, features=8, seed=0, padded=True):
    """Generates sequences of a "1" that moves one feature per step.

    The toy data of the StackOverflow question "LSTM autoencoder for
    variable-length input": each sequence has `round(uniform(0, timesteps))`
    steps, so some sequences are empty. Step `t` is one-hot at feature `t`
    when `t < features`, and an all-zero step (a real step, not padding)
    otherwise.

    Args:
        n_samples: The number of sequences. Defaults to 1000.
        timesteps: The most steps a sequence can have. Defaults to 10.
        features: The number of features per step. Defaults to 8.
        seed: The seed of `numpy.random.default_rng`; the same seed gives the
            same data. Defaults to 0.
        padded: Whether to return a NaN-padded batch, or the ragged list of
            sequences. Defaults to `True`.

    Returns:
        With `padded=True`, a float32 array `(n_samples, timesteps,
        features)` whose missing steps are NaN; otherwise a list of
        `n_samples` float32 arrays `(length, features)`.

    Raises:
        TypeError: If `n_samples`, `timesteps` or `features` is not an integer.
        ValueError: If `n_samples`, `timesteps` or `features` is not positive.

    Example:

    >>> x = make_moving_ones(n_samples=4, timesteps=5, features=3)
    >>> x.shape
    (4, 5, 3)
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    timesteps = check_positive_int(timesteps, "timesteps")
    features = check_positive_int(features, "features")
    rng = np.random.default_rng(seed)
    lengths = np.rint(rng.uniform(0, timesteps, size=n_samples)).astype(int)
    sequences = []
    for length in lengths:
        sequence = np.zeros((length, features), dtype=np.float32)
        ones = np.arange(min(length, features))
        sequence[ones, ones] = 1.0
        sequences.append(sequence)
    if padded:
        return pad_sequences(sequences, maxlen=timesteps)
    return sequences


def make_ragged_ramps():
    """Returns four ramps of lengths 9, 8, 4 and 4: a tiny ragged data set.

    The shape of the data in the accepted StackOverflow answer on
    variable-length LSTM autoencoders. The ramps differ in direction, slope
    and offset, so a model that tells them apart has learnt something:

    - `0.1, 0.2, ..., 0.9` (rising by 0.1),
    - `0.8, 0.7, ..., 0.1` (falling by 0.1),
    - `0.2, 0.4, 0.6, 0.8` (rising by 0.2),
    - `0.9, 0.6, 0.3, 0.0` (falling by 0.3).

    Returns:
        A list of four 1-D float32 arrays (one feature per step); pad them
        with `pad_sequences`.

    Example:

    >>> [len(ramp) for ramp in make_ragged_ramps()]
    [9, 8, 4, 4]
    """
    # Integer steps divided once, so every value is the float32 nearest to
    # its decimal (no accumulated rounding).
    tenths = [
        np.arange(1, 10),
        np.arange(8, 0, -1),
        np.arange(2, 10, 2),
        np.arange(9, -1, -3),
    ]
    return [(steps / 10).astype(np.float32) for steps in tenths]


def _import_aeon():
    """aeon's `.ts` file reader, and the folder of the data in its wheel."""
    try:
        import aeon.datasets
        from aeon.datasets import load_from_ts_file
    except ImportError as error:
        raise ImportError(
            "The real data sets are read from the files shipped with `aeon`, "
            'which is not installed. Install it with `pip install "keras-lstm-ae'
            '[datasets]"`.'
        ) from error
    return load_from_ts_file, os.path.join(
        os.path.dirname(aeon.datasets.__file__), "data"
    )


def _class_indices(labels):
    """Labels as ints `0..k-1`, and the class names in that order.

    Class names are sorted numerically when they are all numbers, so "10"
    comes after "9", and alphabetically otherwise.
    """
    names = sorted({str(label) for label in labels})
    with contextlib.suppress(ValueError):  # Not all numbers: stay alphabetical.
        names = sorted(names, key=float)
    index = {name: i for i, name in enumerate(names)}
    y = np.array([index[str(label)] for label in labels], dtype=np.int64)
    return y, tuple(names)


def load_ucr(name, split="train", return_class_names=False):
    """Loads a real UCR/UEA classification data set, offline.

    The data come from the files inside the installed `aeon` package; nothing
    is downloaded. Both splits of a data set are padded with NaN to its longest
    sequence over train and test (for example 29 steps for
    "JapaneseVowels"), so a model fitted on one split accepts the other.

    Args:
        name: One of `UCR_DATASETS`: "ACSF1", "ArrowHead", "BasicMotions",
            "GunPoint", "ItalyPowerDemand", "JapaneseVowels", "OSULeaf",
            "PickupGestureWiimoteZ".
        split: `"train"` or `"test"`. Defaults to `"train"`.
        return_class_names: Whether to also return the class names. Defaults
            to `False`.

    Returns:
        A tuple `(x, y)`, or `(x, y, class_names)` with
        `return_class_names=True`. `x` is a float32 array `(samples,
        timesteps, features)`. `y` is an int64 array `(samples,)` of class
        indices `0..k-1`; `class_names[y[i]]` is the label in the file (a
        string such as "1"). Class names are sorted, numerically when they
        are all numbers: GunPoint's labels "1" and "2" become 0 and 1.

    Raises:
        ImportError: If `aeon` is not installed.
        ValueError: If `name` or `split` is not one of the choices above.
        FileNotFoundError: If the installed `aeon` lacks the data file.

    Example:

    >>> x, y = load_ucr("GunPoint")
    >>> x.shape, sorted(set(y.tolist()))
    ((50, 150, 1), [0, 1])
    """
    check_choice(name, "name", UCR_DATASETS)
    if isinstance(split, str):
        split = split.lower()
    check_choice(split, "split", _SPLITS)
    load_from_ts_file, data_directory = _import_aeon()
    path = os.path.join(data_directory, name, f"{name}_{split.upper()}.ts")
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"The installed aeon has no file for {name!r} ({path}); this library "
            "never downloads data. Install another aeon version."
        )
    series, labels = load_from_ts_file(path)
    # aeon gives (samples, channels, length), or a list of (channels, length)
    # arrays for unequal lengths; this library wants (length, channels).
    sequences = [np.asarray(s, dtype=np.float32).T for s in series]
    timesteps = max(_UCR_TIMESTEPS[name], *(len(s) for s in sequences))
    x = pad_sequences(sequences, maxlen=timesteps)
    y, class_names = _class_indices(labels)
    if return_class_names:
        return x, y, class_names
    return x, y


def load_gunpoint(split="train", return_class_names=False):
    """Loads GunPoint: 150-step hand movements, "gun" or "point" (2 classes).

    A shortcut for `load_ucr("GunPoint", ...)`: 50 train and 150 test
    sequences of shape `(150, 1)`, with no padding.

    Example:

    >>> x, y = load_gunpoint("test")
    >>> x.shape
    (150, 150, 1)
    """
    return load_ucr("GunPoint", split=split, return_class_names=return_class_names)


def load_japanese_vowels(split="train", return_class_names=False):
    """Loads JapaneseVowels: speakers' utterances as 12 LPC cepstrum features.

    A shortcut for `load_ucr("JapaneseVowels", ...)`: 270 train and 370 test
    sequences of 7 to 29 steps with 12 features, NaN-padded to 29 steps; 9
    classes (the speakers).

    Example:

    >>> x, y = load_japanese_vowels()
    >>> x.shape
    (270, 29, 12)
    """
    return load_ucr(
        "JapaneseVowels", split=split, return_class_names=return_class_names
    )
