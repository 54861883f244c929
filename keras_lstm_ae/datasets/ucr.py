"""Real UCR/UEA classification problems, read offline from the files in aeon's wheel."""

import contextlib
import os

import numpy as np

from keras_lstm_ae._utils.validation import check_choice
from keras_lstm_ae.preprocessing.sequences import pad_sequences

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
