"""Test setup: one thread, so that timings and results do not depend on load."""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import torch

import keras_lstm_ae  # noqa: F401  (chooses the Keras backend first)

torch.set_num_threads(1)
