"""Test setup: one thread, so that timings and results do not depend on load.

On a backend other than torch, tests of the torch-only machinery (marked
`torch_only`: the fused kernels, the direct training step, the loss's torch
twins) are deselected: they count as deselected, never as passed.
"""

import os
import socket

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
# JAX's and TensorFlow's CPU thread pools ignore OMP_NUM_THREADS; they read
# these when they start, here and in the tests' subprocesses.
xla_flags = "--xla_cpu_multi_thread_eigen=false"
if os.environ.get("KERAS_BACKEND") == "jax":
    # JAX compiles at XLA's lowest optimisation of machine code: the tests'
    # programs are tiny and run a few times, so compiling is what costs
    # (tests/test_model.py on JAX: 195 s of CPU with XLA's defaults, 122 s
    # so), and results move by float32 rounding only (a small autoencoder
    # trained 3 epochs both ways ends with weights within 1.4e-7).
    xla_flags += (
        " --xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true"
    )
os.environ.setdefault("XLA_FLAGS", xla_flags)
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")

import pytest

import keras_lstm_ae  # noqa: F401  (chooses the Keras backend first)

# isort: split
import keras

BACKEND = keras.backend.backend()

if BACKEND == "torch":
    import torch

    torch.set_num_threads(1)


def module_fixture_group(item):
    """The `xdist_group` of a test that uses a module-scoped fixture, or `None`.

    Such fixtures train models or start processes; under pytest-xdist
    (`--dist loadgroup`) each worker that runs one of their tests builds
    them again, so their tests go to one worker together.
    """
    definitions = item._fixtureinfo.name2fixturedefs
    for name in item.fixturenames:
        if any(d.scope == "module" for d in definitions.get(name, ())):
            return f"{item.module.__name__}.{name}"
    return None


@pytest.hookimpl(tryfirst=True)  # Before pytest-xdist reads the groups.
def pytest_collection_modifyitems(config, items):
    for item in items:
        group = module_fixture_group(item)
        if group and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(group))
    if BACKEND == "torch":
        return
    kept, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker("torch_only") else kept).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.fixture
def no_network(monkeypatch):
    """Makes any attempt to open a socket fail the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("a data set loader tried to reach the network")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
