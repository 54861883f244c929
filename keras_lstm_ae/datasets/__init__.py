"""Built-in data sets: synthetic generators, real UCR/UEA problems, anomalies.

Nothing is ever downloaded. The synthetic sets are generated on the spot; the
real ones are read from the files that ship inside the `aeon` and `sktime`
wheels (install them with `pip install "keras-lstm-ae[datasets]"`).

- Sequence batches: `make_moving_ones`, `make_ragged_ramps`, `make_shapes`
  (labelled), `load_ucr`, `load_gunpoint`, `load_japanese_vowels`. These
  return batches in this library's convention: float32 arrays `(samples,
  timesteps, features)` in which an all-NaN step is padding.
- Anomaly detection: `make_anomalies` (kinds in `ANOMALY_KINDS`),
  `load_yahoo`, `load_daphnet`. These return one long series and an int64
  label per step (1 = anomalous); cut the series into windows with
  `keras_lstm_ae.sliding_windows`.

One module per source: `synthetic` (the generators), `ucr` (the UCR/UEA
problems in aeon's wheel), `anomaly_files` (the labelled series in sktime's and
aeon's wheels).
"""

from keras_lstm_ae.datasets.anomaly_files import (
    DAPHNET_CHANNELS,
    load_daphnet,
    load_yahoo,
)
from keras_lstm_ae.datasets.synthetic import (
    ANOMALY_KINDS,
    SHAPE_CLASSES,
    make_anomalies,
    make_moving_ones,
    make_ragged_ramps,
    make_shapes,
)
from keras_lstm_ae.datasets.ucr import (
    UCR_DATASETS,
    load_gunpoint,
    load_japanese_vowels,
    load_ucr,
)

__all__ = [
    "ANOMALY_KINDS",
    "DAPHNET_CHANNELS",
    "SHAPE_CLASSES",
    "UCR_DATASETS",
    "load_daphnet",
    "load_gunpoint",
    "load_japanese_vowels",
    "load_ucr",
    "load_yahoo",
    "make_anomalies",
    "make_moving_ones",
    "make_ragged_ramps",
    "make_shapes",
]
