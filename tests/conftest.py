"""Test setup: one thread, so that timings and results do not depend on load."""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import keras_lstm_ae  # noqa: E402,F401  (chooses the Keras backend first)
import torch  # noqa: E402

torch.set_num_threads(1)
