"""Real anomaly-detection series, read with pandas from files in installed wheels."""

import importlib.util
import os

import numpy as np
import pandas as pd

DAPHNET_CHANNELS = (
    "ankle_horiz_fwd",
    "ankle_vert",
    "ankle_horiz_lateral",
    "leg_horiz_fwd",
    "leg_vert",
    "leg_horiz_lateral",
    "trunk_horiz_fwd",
    "trunk_vert",
    "trunk_horiz_lateral",
)
"""The 9 channels of `load_daphnet`, in column order."""


def _installed_data_file(package, *parts):
    """The path of a data file inside an installed package, without importing it.

    Raises:
        ImportError: If `package` is not installed.
        FileNotFoundError: If the installed version lacks the file.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            f"This data set is read from the files shipped with `{package}`, "
            'which is not installed. Install it with `pip install "keras-lstm-ae'
            '[datasets]"`.'
        )
    path = os.path.join(spec.submodule_search_locations[0], *parts)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"The installed {package} has no file {os.path.join(*parts)!r} "
            f"({path}); this library never downloads data. Install a {package} "
            'version that ships it: `pip install "keras-lstm-ae[datasets]"` '
            "pins one."
        )
    return path


def _read_labelled_csv(path, columns, label_column):
    """Reads `columns` as float32 and `label_column` as 0/1 int64 from a csv."""
    frame = pd.read_csv(path)
    missing = [name for name in (*columns, label_column) if name not in frame]
    if missing:
        raise ValueError(
            f"{path} lacks the column(s) {missing}; it has {list(frame.columns)}. "
            "The installed package changed the file's format."
        )
    series = frame[list(columns)].to_numpy(dtype=np.float32)
    labels = frame[label_column].to_numpy(dtype=np.int64)
    return series, labels


def load_yahoo():
    """Loads one labelled series of the Yahoo Webscope S5 anomaly benchmark.

    The file ships inside the `sktime` wheel (`sktime/datasets/data/yahoo/
    yahoo.csv`, since sktime 0.33.2), which took it from the TSB-UAD
    benchmark's copy of S5 (Laptev, Amizadeh and Billawala, 2015). sktime
    has no loader for it, and `sktime` is not imported: the csv is read with
    pandas. The series is univariate and 1000 steps long: a rising trend
    (from about 0 to 3000) with cycles, the strongest of about 12, 24 and
    168 steps. 7 steps are labelled anomalous, each a single step far above
    or below its neighbours: steps 431, 478, 610, 681, 718, 732 and 846.

    Returns:
        A tuple `(series, labels)`: `series` is a 1-D float32 array `(1000,)`
        (pass it to `keras_lstm_ae.sliding_windows`, which reads it as one
        feature); `labels` is an int64 array `(1000,)`, 1 at the anomalous
        steps and 0 elsewhere.

    Raises:
        ImportError: If `sktime` is not installed.
        FileNotFoundError: If the installed `sktime` lacks the file (before
            0.33.2).

    Example:

    >>> series, labels = load_yahoo()
    >>> series.shape, int(labels.sum())
    ((1000,), 7)
    """
    path = _installed_data_file("sktime", "datasets", "data", "yahoo", "yahoo.csv")
    series, labels = _read_labelled_csv(path, ["data"], "label")
    return series[:, 0], labels


def load_daphnet():
    """Loads Daphnet S06R02E0: 9 accelerometer channels of a walking patient.

    The file ships inside the `aeon` wheel (`aeon/datasets/data/
    Daphnet_S06R02E0/S06R02E0.csv`) in TimeEval's format, and is read with
    pandas. It is 7040 steps (110 s at 64 Hz) of subject 6, run 2 of the
    Daphnet Freezing of Gait data set (Roggen, Plotnik and Hausdorff, 2013):
    a Parkinson's patient walking with three 3-axis accelerometers, in mg.
    The channels (`DAPHNET_CHANNELS`) are the ankle, the leg (thigh) and the
    trunk (lower back), each horizontal forward, vertical and horizontal
    lateral. The file's `timestamp` column is dropped (the steps are
    equidistant), and its `is_anomaly` column becomes `labels`.

    No step of this excerpt is anomalous: every label is 0, because it holds
    no freezing-of-gait episode. Use it as normal multivariate data (to fit
    on, or to count false alarms), not to measure detection. aeon 1.6
    deprecates the file and plans to remove it in aeon 1.7, after which this
    loader raises `FileNotFoundError`.

    Returns:
        A tuple `(series, labels)`: `series` is a float32 array `(7040, 9)`;
        `labels` is an int64 array `(7040,)` of zeros.

    Raises:
        ImportError: If `aeon` is not installed.
        FileNotFoundError: If the installed `aeon` lacks the file.

    Example:

    >>> series, labels = load_daphnet()
    >>> series.shape, int(labels.sum())
    ((7040, 9), 0)
    """
    path = _installed_data_file(
        "aeon", "datasets", "data", "Daphnet_S06R02E0", "S06R02E0.csv"
    )
    return _read_labelled_csv(path, DAPHNET_CHANNELS, "is_anomaly")
