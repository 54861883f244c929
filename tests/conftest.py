"""Test setup: one thread, so that timings and results do not depend on load."""

import os
import socket

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest
import torch

import keras_lstm_ae  # noqa: F401  (chooses the Keras backend first)

torch.set_num_threads(1)


@pytest.fixture
def no_network(monkeypatch):
    """Makes any attempt to open a socket fail the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("a data set loader tried to reach the network")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
