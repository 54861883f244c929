"""A model saved on one Keras backend loads on each other one and gives the same outputs.

Each backend runs in its own process (`tests/backend_worker.py`), all three at
once: each trains and saves, then loads the other two's files. The test runs
every backend whatever the current one, so CI runs it once, on torch
(`cross_backend` marker).
"""

import itertools
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import process_failure, start_process

# One xdist worker runs them all, so that the subprocesses run once.
pytestmark = [pytest.mark.cross_backend, pytest.mark.xdist_group("backends")]

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("torch", "jax", "tensorflow")


@pytest.fixture(scope="module")
def exchanged(tmp_path_factory):
    """The folder where every backend saved its models and loaded the others'."""
    folder = tmp_path_factory.mktemp("backends")
    logs = {backend: folder / f"{backend}.log" for backend in BACKENDS}
    workers = {
        backend: start_process(
            [sys.executable, "-m", "tests.backend_worker", str(folder), *BACKENDS],
            logs[backend],
            cwd=ROOT,
            env={**os.environ, "KERAS_BACKEND": backend},
        )
        for backend in BACKENDS
    }
    failures = {
        backend: process_failure(worker, logs[backend])
        for backend, worker in workers.items()
    }
    assert all(failure is None for failure in failures.values()), "\n".join(
        f"{backend}:\n{failure}"
        for backend, failure in failures.items()
        if failure is not None
    )
    return folder


@pytest.mark.parametrize(
    ("saved_on", "loaded_on"),
    list(itertools.permutations(BACKENDS, 2)),
    ids=lambda backend: backend,
)
def test_a_saved_model_gives_the_same_outputs_on_another_backend(
    exchanged, saved_on, loaded_on
):
    expected = np.load(exchanged / f"{saved_on}_on_{saved_on}.npz")
    loaded = np.load(exchanged / f"{saved_on}_on_{loaded_on}.npz")
    assert set(loaded.files) == {"encodings", "reconstructions", "vectors"}
    for name in loaded.files:
        assert np.isfinite(expected[name]).all(), name
        np.testing.assert_allclose(
            loaded[name], expected[name], rtol=0, atol=1e-5, err_msg=name
        )
