"""The benchmark script runs and prints its table (a smoke test, not a timing)."""

import os
import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_training.py"


def test_benchmark_prints_a_ratio_for_every_row():
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.pop("KERAS_BACKEND", None)
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--samples", "64", "--repeats", "1"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    assert "trainable parameters: keras_lstm_ae 38737, peer 38737" in out
    for row in ("train, dense", "train, padded 50..100", "encoder.predict"):
        assert re.search(
            rf"\| {re.escape(row)} +\| keras_lstm_ae +\| +\d+ \| +\d+ \| +\d\.\d\dx \|",
            out,
        ), out
