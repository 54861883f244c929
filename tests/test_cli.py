"""Specification of the `keras-lstm-ae` command line, in-process and as a program."""

import argparse
import io
import shlex
import subprocess
import sys
from pathlib import Path

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
def test_detect_writes_scores_flags_and_a_figure(tmp_path, capsys):
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
            "-o",
            str(tmp_path / "scores.csv"),
        ]
    )

    assert status == 0
    said = capsys.readouterr().out
    assert said.startswith(
        "600 steps of temperature from series.csv (header time, temperature); "
        "fitting on the first 400\n"
    )
    assert not {"\x1b", "\b", "\r"} & set(said)  # No progress bar in a log.
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
        (["fit", "bad.csv", "--out", "run"], "line 3, column 't0' holds 'x'"),
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


def test_an_interrupted_fit_says_how_to_resume_and_resumes_where_it_stopped(
    tmp_path, monkeypatch, capsys
):
    import keras

    ragged_csv(tmp_path / "ragged.csv")
    monkeypatch.chdir(tmp_path)
    arguments = ["fit", "ragged.csv", "--out", "my run"]
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
        status = cli.main([*arguments, *settings])
    told = capsys.readouterr().err
    run = tmp_path / "my run"
    assert status == 130
    assert told == (
        "keras-lstm-ae fit: interrupted after epoch 2, saved in my run; continue "
        "with: keras-lstm-ae fit ragged.csv --out 'my run' --resume\n"
    )
    assert not (run / "model.keras").exists()
    assert pd.read_csv(run / "history.csv")["epoch"].tolist() == [0, 1]
    assert cli.main([*arguments, *settings]) == 2  # A run is there: not anew.
    capsys.readouterr()

    resume = shlex.split(told.split("continue with: ")[1])
    assert cli.main([*resume[1:], "--quiet"]) == 0

    assert "resuming my run after epoch 2" in capsys.readouterr().out
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


@pytest.mark.parametrize(
    "command", ["demo", "fit", "encode", "detect", "plot", "export"]
)
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


@pytest.mark.backend_neutral
def test_fit_and_encode_read_a_pandas_wide_csv_as_its_sequences_and_say_so(
    tmp_path, capsys
):
    x = np.sin(np.linspace(0, 3, 8) + np.arange(12)[:, None])
    pd.DataFrame(x).to_csv(tmp_path / "wide.csv", index=False)  # header 0..7
    run = tmp_path / "run"

    fit = cli.main(["fit", str(tmp_path / "wide.csv"), "--out", str(run), *QUICK])
    fit_said = capsys.readouterr().out.splitlines()
    encode = cli.main(
        [
            "encode",
            str(run / "model.keras"),
            str(tmp_path / "wide.csv"),
            "-o",
            str(tmp_path / "vectors.csv"),
        ]
    )
    encode_said = capsys.readouterr().out.splitlines()

    assert fit == encode == 0
    read = (
        "12 sequences of 8 steps, 1 feature, from wide.csv (header 0, 1, 2, ..., "
        "7; --no-header reads it as data)"
    )
    assert fit_said[0] == read
    assert encode_said[0] == read
    assert len(pd.read_csv(run / "encodings.csv")) == 12
    assert len(pd.read_csv(tmp_path / "vectors.csv")) == 12
    assert any(line.startswith("best epoch ") for line in fit_said)
    assert fit_said[-1].startswith(
        f"wrote {run}/: model.keras, history.csv, encodings.csv, loss.png, latent.png"
    )


def test_a_fit_that_ends_says_its_best_epoch_its_losses_and_why_it_stopped():
    from keras_lstm_ae.cli.commands import _fit_summary

    history = pd.DataFrame(
        {"epoch": [0, 1, 2, 3], "loss": [4.0, 3.0, 2.0, 1.0], "val_loss": [3, 2, 5, 6]}
    )

    stopped = _fit_summary(history, {"epochs": 10, "patience": 2}, "val_loss")
    ran_all = _fit_summary(history, {"epochs": 4, "patience": 3}, "val_loss")

    assert stopped == [
        "best epoch 2 of 4: loss 3, val_loss 2; model.keras holds it",
        "stopped early: val_loss had not improved for 2 epochs (--patience)",
    ]
    assert ran_all[1] == (
        "ran all 4 epochs (--epochs); val_loss was still improving, more --epochs "
        "may lower it"
    )


@pytest.mark.backend_neutral
def test_progress_is_a_line_per_epoch_without_escape_codes_in_a_log(tmp_path, capsys):
    ragged_csv(tmp_path / "ragged.csv")

    cli.main(
        [
            "fit",
            str(tmp_path / "ragged.csv"),
            "--out",
            str(tmp_path / "run"),
            *["--epochs", "2", "--seed", "0", "--units", "8"],
        ]
    )

    said = capsys.readouterr().out
    assert "Epoch 1/2" in said
    assert "Epoch 2/2" in said
    assert not {"\x1b", "\b", "\r"} & set(said)


def test_progress_bars_are_drawn_on_a_terminal_only(monkeypatch):
    from keras_lstm_ae.cli.commands import _verbosity

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stdout", Terminal())
    on_terminal = _verbosity(quiet=False), _verbosity(quiet=True)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    in_a_file = _verbosity(quiet=False)

    assert on_terminal == (1, 0)
    assert in_a_file == 2


@pytest.mark.backend_neutral
def test_a_fit_that_fails_before_its_first_epoch_leaves_its_folder_free(
    tmp_path, monkeypatch, capsys
):
    ragged_csv(tmp_path / "ragged.csv")

    def fails(self, *args, **kwargs):
        raise ValueError("no room to train")

    monkeypatch.setattr(lae.SequenceEncoder, "_train", fails)
    status = cli.main(
        ["fit", str(tmp_path / "ragged.csv"), "--out", str(tmp_path / "run"), *QUICK]
    )

    assert status == 2
    assert "no room to train" in capsys.readouterr().err
    assert not (tmp_path / "run" / "run.json").exists()


def subcommand_parsers():
    parser = cli.build_parser()
    (commands,) = [
        a for a in parser._actions if isinstance(a, argparse._SubParsersAction)
    ]
    return commands.choices


@pytest.mark.parametrize("command", ["demo", "fit", "encode", "detect", "export"])
def test_every_option_says_what_it_does_and_its_default(command):
    options = [
        action
        for action in subcommand_parsers()[command]._actions
        if action.option_strings and action.dest != "help" and not action.required
    ]

    assert options
    for action in options:
        assert action.help, action.option_strings
        assert "(default: " in action.help, action.option_strings


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--epochs", "0"], "argument --epochs: must be a positive integer; got 0"),
        (["--latent-dim", "many"], "must be a positive integer; got 'many'"),
        (["--validation-split", "1"], "must be at least 0 and less than 1; got 1"),
    ],
)
def test_a_wrong_argument_exits_2_with_one_error_line(arguments, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["fit", "data.csv", "--out", "run", *arguments])

    error = capsys.readouterr().err.splitlines()
    assert exit_info.value.code == 2
    assert error[-1].startswith("keras-lstm-ae fit: error: ")
    assert message in error[-1]


HEAVY = ("numpy", "pandas", "keras", "torch", "sklearn", "matplotlib")
ANSWER_AT_ONCE = """
import sys
from keras_lstm_ae.cli import main

for argv in (["--help"], ["fit", "--help"], ["fit", "x.csv", "--epochs", "0"]):
    try:
        main(argv)
    except SystemExit:
        pass
print(sorted(set(sys.argv[1:]) & set(sys.modules)))
"""


def heavy_modules_imported(setup=""):
    """The `HEAVY` modules a fresh interpreter holds after `setup` and
    `ANSWER_AT_ONCE`'s help and argument errors."""
    result = subprocess.run(
        [sys.executable, "-c", setup + ANSWER_AT_ONCE, *HEAVY],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.splitlines()[-1]


@pytest.mark.end_to_end
def test_help_and_argument_errors_import_no_numerical_library_of_the_command_line():
    # The package without its `__init__`'s imports: what the command line's
    # own modules import before a command runs.
    bare_package = (
        "import sys, types; package = types.ModuleType('keras_lstm_ae'); "
        f"package.__path__ = [{str(Path(cli.__file__).parents[1])!r}]; "
        "sys.modules['keras_lstm_ae'] = package\n"
    )

    assert heavy_modules_imported(bare_package) == "[]"


@pytest.mark.end_to_end
def test_help_imports_neither_keras_nor_torch():
    assert heavy_modules_imported() == "[]"


@pytest.mark.torch_only
@pytest.mark.filterwarnings("ignore:.*trace might not generalize")
@pytest.mark.filterwarnings("ignore:The feature will be removed")
def test_export_writes_an_onnx_file_that_gives_encodes_vectors(tmp_path, capsys):
    ort = pytest.importorskip("onnxruntime")
    rows = ragged_csv(tmp_path / "ragged.csv")
    run = tmp_path / "run"
    cli.main(["fit", str(tmp_path / "ragged.csv"), "--out", str(run), *QUICK])
    capsys.readouterr()

    status = cli.main(["export", str(run), "--format", "onnx"])
    said = capsys.readouterr().out

    assert status == 0
    assert said.startswith(f"wrote {run / 'vectors.onnx'}: float32 sequences")
    session = ort.InferenceSession(str(run / "vectors.onnx"))
    x = lae.pad_sequences(rows)
    np.testing.assert_allclose(
        session.run(None, {"sequences": x})[0],
        pd.read_csv(run / "encodings.csv").drop(columns="id").to_numpy(),
        atol=1e-4,
    )


@pytest.mark.backend_neutral
def test_export_refuses_a_folder_without_a_model(tmp_path, capsys):
    status = cli.main(["export", str(tmp_path)])
    error = capsys.readouterr().err.strip().splitlines()

    assert status == 2
    expected = (
        f"keras-lstm-ae export: error: {tmp_path} holds no model.keras written by "
        "'keras-lstm-ae fit'."
    )
    assert error == [expected]


@pytest.mark.backend_neutral
@pytest.mark.parametrize("threads", ["0", "-2", "two"])
def test_threads_must_be_a_positive_count_or_minus_one(threads, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["fit", "data.csv", "--out", "run", "--threads", threads])

    assert exit_info.value.code == 2
    assert "argument --threads: must be a positive integer or -1" in (
        capsys.readouterr().err
    )


@pytest.mark.torch_only
def test_threads_reach_the_estimator_that_a_command_trains(tmp_path, monkeypatch):
    seen = []
    fit = lae.SequenceEncoder.fit

    def recording_fit(self, *args, **kwargs):
        seen.append(self.n_jobs)
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(lae.SequenceEncoder, "fit", recording_fit)
    ragged_csv(tmp_path / "ragged.csv")

    cli.main(
        ["fit", str(tmp_path / "ragged.csv"), "--out", str(tmp_path / "run")]
        + [*QUICK, "--threads", "2"]
    )

    assert seen == [2]
