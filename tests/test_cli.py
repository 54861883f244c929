"""Specification of the `keras-lstm-ae` command line, in-process and as a program."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import keras_lstm_ae as lae
from keras_lstm_ae import cli

QUICK = ["--epochs", "2", "--seed", "0", "--quiet", "--units", "8"]


def ragged_csv(path, count=12):
    """The Q&A's DataFrame: one sequence per row, empty cells after each."""
    rng = np.random.default_rng(0)
    rows = [np.sin(np.arange(rng.integers(5, 15)) * 0.5) for _ in range(count)]
    width = max(map(len, rows))
    padded = [np.r_[row, [np.nan] * (width - len(row))] for row in rows]
    pd.DataFrame(padded, columns=[f"t{i}" for i in range(width)]).to_csv(
        path, index=False
    )
    return rows


@pytest.mark.backend_neutral
def test_fit_on_a_ragged_wide_csv_writes_model_history_encodings_and_figures(
    tmp_path,
):
    rows = ragged_csv(tmp_path / "ragged.csv")

    status = cli.main(
        ["fit", str(tmp_path / "ragged.csv"), "--out", str(tmp_path / "run"), *QUICK]
    )

    assert status == 0
    run = tmp_path / "run"
    encoder = lae.load_encoder(run / "model.keras")
    assert encoder.verbose == 0
    history = pd.read_csv(run / "history.csv")  # Keras's CSVLogger: from 0
    assert history["epoch"].tolist() == [0, 1]
    assert set(history.columns) == {"epoch", "loss", "val_loss"}
    encodings = pd.read_csv(run / "encodings.csv")
    assert encodings.shape == (12, 17)
    np.testing.assert_allclose(
        encodings.filter(like="latent_").to_numpy(),
        encoder.transform([np.asarray(r) for r in rows]),
        atol=1e-5,
    )
    for name in ("loss.png", "latent.png"):
        assert (run / name).read_bytes()[:4] == b"\x89PNG"


@pytest.mark.backend_neutral
def test_fit_on_a_3d_npy_then_encode_new_data(tmp_path):
    x = np.random.default_rng(0).normal(size=(10, 6, 2)).astype("float32")
    np.save(tmp_path / "x.npy", x)
    cli.main(["fit", str(tmp_path / "x.npy"), "--out", str(tmp_path / "run"), *QUICK])

    status = cli.main(
        [
            "encode",
            str(tmp_path / "run" / "model.keras"),
            str(tmp_path / "x.npy"),
            "-o",
            str(tmp_path / "vectors.csv"),
        ]
    )

    assert status == 0
    vectors = pd.read_csv(tmp_path / "vectors.csv")
    assert vectors["id"].tolist() == list(range(10))
    assert vectors.shape == (10, 17)


def test_a_wide_csv_without_a_header_keeps_its_first_sequence(tmp_path):
    (tmp_path / "plain.csv").write_text("1,2,3\n4,5,\n6,,\n")

    sequences, ids = cli.read_sequences(tmp_path / "plain.csv")

    assert ids is None
    np.testing.assert_array_equal(
        sequences, [[1, 2, 3], [4, 5, np.nan], [6, np.nan, np.nan]]
    )


def test_a_long_table_is_grouped_by_id_and_ordered_by_time(tmp_path):
    table = pd.DataFrame(
        {
            "user": ["b", "a", "a", "b", "a", "c"],
            "t": [1, 2, 0, 0, 1, 0],
            "value": [5.0, 3.0, 1.0, 4.0, 2.0, 9.0],
        }
    )
    table.to_csv(tmp_path / "long.csv", index=False)

    sequences, ids = cli.read_sequences(tmp_path / "long.csv", "user", "t")

    assert ids == ["a", "b", "c"]
    assert [s[:, 0].tolist() for s in sequences] == [[1, 2, 3], [4, 5], [9]]


@pytest.mark.backend_neutral
def test_detect_writes_scores_flags_and_a_figure(tmp_path):
    steps = np.arange(600)
    values = np.sin(2 * np.pi * steps / 25)
    values[500] = 5.0
    pd.DataFrame({"time": steps, "temperature": values}).to_csv(
        tmp_path / "series.csv", index=False
    )

    status = cli.main(
        [
            "detect",
            str(tmp_path / "series.csv"),
            "--column",
            "temperature",
            "--train-rows",
            "400",
            "--epochs",
            "20",
            "--seed",
            "0",
            "--quiet",
            "-o",
            str(tmp_path / "scores.csv"),
        ]
    )

    assert status == 0
    scores = pd.read_csv(tmp_path / "scores.csv")
    assert list(scores.columns) == ["time", "temperature", "anomaly_score", "anomaly"]
    assert len(scores) == 600
    assert int(scores["anomaly_score"].idxmax()) == 500
    assert scores.loc[500, "anomaly"] == 1
    assert (tmp_path / "scores.png").read_bytes()[:4] == b"\x89PNG"


def test_plot_draws_a_saved_models_architecture(tmp_path):
    model = lae.LSTMAutoencoder(timesteps=5, features=1, latent_dim=2)
    model.save(tmp_path / "model.keras")

    status = cli.main(
        ["plot", str(tmp_path / "model.keras"), "-o", str(tmp_path / "arch.svg")]
    )

    assert status == 0
    assert "<svg" in (tmp_path / "arch.svg").read_text()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["fit", "missing.csv", "--out", "run"], "missing.csv: no such file."),
        (["fit", "bad.csv", "--out", "run"], "row 2, column 't0' holds 'x'"),
        (["fit", "flat.npy", "--out", "run"], "shape (5,); expected (n, timesteps)"),
        (["fit", "data.txt", "--out", "run"], "expected a .npy or .csv file"),
        (["encode", "none.keras", "bad.csv", "-o", "o.csv"], "no such model file"),
        (["detect", "bad.csv", "--column", "nope", "-o", "o.csv"], "no column 'nope'"),
    ],
)
def test_errors_end_with_one_line_and_status_2(
    tmp_path, monkeypatch, capsys, arguments, message
):
    monkeypatch.chdir(tmp_path)
    pd.DataFrame({"t0": [1, "x"], "t1": [2, 3]}).to_csv("bad.csv", index=False)
    np.save("flat.npy", np.zeros(5))
    (tmp_path / "data.txt").write_text("1 2 3")

    status = cli.main(arguments)

    error = capsys.readouterr().err
    assert status == 2
    assert error.count("\n") == 1
    assert error.startswith(f"keras-lstm-ae {arguments[0]}: error: ")
    assert message in error


@pytest.mark.backend_neutral
def test_fit_refuses_an_output_folder_that_holds_another_run(tmp_path, capsys):
    ragged_csv(tmp_path / "ragged.csv")
    arguments = ["fit", str(tmp_path / "ragged.csv"), "--out", str(tmp_path / "run")]
    cli.main([*arguments, *QUICK])
    before = (tmp_path / "run" / "model.keras").read_bytes()

    status = cli.main([*arguments, *QUICK])

    assert status == 2
    assert "holds another run" in capsys.readouterr().err
    assert (tmp_path / "run" / "model.keras").read_bytes() == before
    assert cli.main([*arguments, *QUICK, "--overwrite"]) == 0


def test_an_interrupted_fit_resumes_where_it_stopped(tmp_path, monkeypatch, capsys):
    import keras

    ragged_csv(tmp_path / "ragged.csv")
    arguments = ["fit", str(tmp_path / "ragged.csv"), "--out", str(tmp_path / "run")]
    settings = ["--epochs", "4", "--seed", "0", "--quiet", "--units", "8"]

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    train = lae.SequenceEncoder._train

    def interrupted(self, *args, callbacks=(), **kwargs):
        return train(self, *args, callbacks=[*callbacks, Interrupt()], **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(lae.SequenceEncoder, "_train", interrupted)
        with pytest.raises(KeyboardInterrupt):
            cli.main([*arguments, *settings])
    run = tmp_path / "run"
    assert not (run / "model.keras").exists()
    assert pd.read_csv(run / "history.csv")["epoch"].tolist() == [0, 1]
    assert cli.main([*arguments, *settings]) == 2  # A run is there: not anew.
    capsys.readouterr()

    assert cli.main([*arguments, "--resume", "--quiet"]) == 0

    assert "resuming" in capsys.readouterr().out
    history = pd.read_csv(run / "history.csv")
    assert history["epoch"].tolist() == [0, 1, 2, 3]
    encoder = lae.load_encoder(run / "model.keras")
    assert encoder.seed == 0
    assert len(encoder.history_["loss"]) == 4


@pytest.mark.backend_neutral
def test_resume_needs_a_run_of_the_same_data(tmp_path, capsys):
    ragged_csv(tmp_path / "ragged.csv")
    ragged_csv(tmp_path / "other.csv")

    assert (
        cli.main(
            [
                "fit",
                str(tmp_path / "ragged.csv"),
                "--out",
                str(tmp_path / "r"),
                "--resume",
            ]
        )
        == 2
    )
    assert "holds no run to resume" in capsys.readouterr().err
    cli.main(
        ["fit", str(tmp_path / "ragged.csv"), "--out", str(tmp_path / "r"), *QUICK]
    )
    assert (
        cli.main(
            [
                "fit",
                str(tmp_path / "other.csv"),
                "--out",
                str(tmp_path / "r"),
                "--resume",
            ]
        )
        == 2
    )
    assert "was started on" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["demo", "fit", "encode", "detect", "plot"])
def test_every_subcommand_has_help_with_an_example(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([command, "--help"])

    assert exit_info.value.code == 0
    assert f"example:\n  keras-lstm-ae {command}" in capsys.readouterr().out


@pytest.mark.end_to_end
def test_the_program_runs_as_python_m_keras_lstm_ae(tmp_path):
    ragged_csv(tmp_path / "ragged.csv")

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "keras_lstm_ae",
            "fit",
            "ragged.csv",
            "--out",
            "run",
            *QUICK,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    missing = subprocess.run(
        [sys.executable, "-m", "keras_lstm_ae", "fit", "missing.csv", "--out", "r"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "run" / "model.keras").is_file()
    assert missing.returncode == 2
    assert "Traceback" not in missing.stderr
    assert missing.stderr.strip().endswith("missing.csv: no such file.")


@pytest.mark.backend_neutral
def test_demo_writes_model_encodings_and_figures(tmp_path):
    status = cli.main(["demo", "--out", str(tmp_path / "demo"), "--epochs", "1"])

    assert status == 0
    demo = tmp_path / "demo"
    assert isinstance(lae.load_model(demo / "model.keras"), lae.LSTMAutoencoder)
    assert pd.read_csv(demo / "encodings.csv").shape == (2000, 21)
    for name in ("loss.png", "latent.png"):
        assert (demo / name).read_bytes()[:4] == b"\x89PNG"
