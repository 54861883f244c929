"""The benchmark scripts run and print their tables (smoke tests, not timings)."""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def run_benchmark(script, *arguments):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.pop("KERAS_BACKEND", None)
    return subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *arguments],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout


def run_in_this_process(script, arguments, capsys):
    """What `script`'s `main(arguments)` prints, run in this process.

    For the scripts that run the library on the current backend: a new
    process would spend most of the test importing Keras again.
    """
    spec = importlib.util.spec_from_file_location(
        f"benchmark_{Path(script).stem}", BENCHMARKS / script
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(list(arguments))
    return capsys.readouterr().out


# The peer is plain PyTorch: the script runs the library on torch.
@pytest.mark.torch_only
def test_benchmark_prints_a_ratio_for_every_row(capsys):
    out = run_in_this_process(
        "bench_training.py",
        [
            # The test process's allocator is left as it is.
            "--malloc",
            "default",
            "--samples",
            "64",
            "--repeats",
            "1",
            "--ragged-repeats",
            "1",
        ],
        capsys,
    )
    assert "trainable parameters: keras_lstm_ae 38737, peer 38737" in out
    for row in ("train, dense", "train, padded 50..100", "encoder.predict"):
        assert re.search(
            rf"\| {re.escape(row)} +\| keras_lstm_ae +\| +\d+ \| +\d+ \| +\d\.\d\dx \|",
            out,
        ), out
    # The ragged row: each candidate against the two peers' rates.
    for model in ("keras_lstm_ae", "keras_lstm_ae, group_by_length"):
        assert re.search(
            rf"\| train, ragged 20..300 +\| {re.escape(model)} +\| +\d+ \| "
            r"+\d+ / \d+ \| +\d\.\d\dx \|",
            out,
        ), out
    assert re.search(r"mean steps per batch: set's longest 300, batch's longest", out)


@pytest.mark.cross_backend
def test_backend_benchmark_prints_a_rate_for_every_row():
    out = run_benchmark(
        "bench_backends.py", "--backends", "jax", "--samples", "64", "--repeats", "1"
    )
    for row in ("train, dense", "train, padded 50..100", "encoder.predict"):
        assert row in out, out
    assert re.search(r"\| jax [\d.]+ +\| +\d+ \| +\d+ \| +\d+ \|", out), out


@pytest.mark.torch_only
def test_encodings_benchmark_passes_parameters_and_prints_a_row_per_seed(capsys):
    out = run_in_this_process(
        "bench_encodings.py",
        [
            "--sets",
            "ItalyPowerDemand",
            "--seeds",
            "0",
            "1",
            "--no-baselines",
            "--param",
            "epochs=2",
            "--param",
            "units=[8]",
        ],
        capsys,
    )

    assert "parameters: epochs=2, units=[8]" in out
    rows = re.findall(
        r"^\| ItalyPowerDemand \| (\d) \| 67/1029 \|(.*)$", out, re.MULTILINE
    )
    assert [seed for seed, _ in rows] == ["0", "1"]
    for _, cells in rows:
        values = [cell.strip() for cell in cells.split("|")]
        assert values[2:4] == ["nan", "nan"]  # No catch22 or MiniRocket.
        assert values[-3] == "2"  # Epochs: the parameter reached the encoder.
