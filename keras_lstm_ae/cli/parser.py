"""The parser of `keras-lstm-ae`'s subcommands and options, and `main`, which runs one.

This module imports only the standard library: `--help` and a wrong argument
are answered at once, and NumPy, pandas, Keras and the estimators are imported
by the subcommand that runs.
"""

import argparse
import sys
import textwrap
from pathlib import Path

from keras_lstm_ae.cli.errors import INTERRUPTED, PROGRAM, CommandError

# `fit`'s training length; docs/design.md (The command line) says how they
# were chosen.
FIT_EPOCHS = 3000
FIT_PATIENCE = 300


def _subcommand(subparsers, name, summary, example):
    parser = subparsers.add_parser(
        name,
        help=summary,
        description=summary,
        epilog="example:\n" + textwrap.indent(textwrap.dedent(example).strip(), "  "),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(command=name)
    return parser


def _add_table_options(parser):
    parser.add_argument(
        "--id-column",
        metavar="NAME",
        help="CSV column naming each sequence, written as the 'id' of its "
        "encoding (default: none; ids count from 0, or come from an unnamed "
        "first column, the index pandas writes)",
    )
    parser.add_argument(
        "--time-column",
        metavar="NAME",
        help="CSV column ordering the steps of a long table, one step per row "
        "(default: none; one sequence per row)",
    )
    _add_header_option(parser)


def _add_header_option(parser):
    parser.add_argument(
        "--header",
        action=argparse.BooleanOptionalAction,
        help="whether a CSV's first row names its columns (default: detected; a "
        "row with text, or the column numbers 0, 1, ... that pandas writes, is "
        "a header)",
    )


def _add_quiet_option(parser, in_a_file):
    parser.add_argument(
        "--quiet",
        action="store_true",
        help=f"no training progress (default: progress bars on a terminal, "
        f"{in_a_file} when the output goes to a file)",
    )


def _add_threads_option(parser):
    parser.add_argument(
        "--threads",
        type=_thread_count,
        metavar="N",
        help="CPU threads for training and encoding; -1 for every core "
        "(default: the cores other programs leave spare, measured as it runs, "
        "at most OMP_NUM_THREADS where set)",
    )


def _number(text, convert, accept, expected, bounds=None):
    """`convert(text)` for argparse: "must be {expected}" when `text` is no
    number, "must be {bounds}" (default: `expected`) when `accept` refuses it."""
    try:
        value = convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {expected}; got {text!r}") from None
    if not accept(value):
        raise argparse.ArgumentTypeError(f"must be {bounds or expected}; got {text}")
    return value


def _thread_count(text):
    return _number(
        text, int, lambda value: value >= 1 or value == -1, "a positive integer or -1"
    )


def _positive_int(text):
    return _number(text, int, lambda value: value >= 1, "a positive integer")


def _fraction(text):
    return _number(
        text,
        float,
        lambda value: 0 <= value < 1,
        "a number from 0 to 1",
        bounds="at least 0 and less than 1",
    )


def build_parser():
    """The argument parser of `keras-lstm-ae` and its subcommands."""
    parser = argparse.ArgumentParser(
        prog=PROGRAM,
        description="LSTM sequence autoencoders: train, encode, detect, plot.",
        epilog=f"Run '{PROGRAM} COMMAND --help' for a command's options and an "
        "example.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_demo_command(subparsers)
    _add_fit_command(subparsers)
    _add_encode_command(subparsers)
    _add_detect_command(subparsers)
    _add_plot_command(subparsers)
    _add_export_command(subparsers)
    return parser


def _add_demo_command(subparsers):
    """Adds the `demo` subcommand and its options."""
    demo = _subcommand(
        subparsers,
        "demo",
        "Train on built-in data (the Q&A's moving-ones sequences) and write the "
        "model, encodings and figures.",
        f"{PROGRAM} demo --out demo_run",
    )
    demo.add_argument(
        "--out",
        type=Path,
        default=Path("demo_figures"),
        metavar="DIR",
        help="folder for the model, encodings and figures (default: demo_figures)",
    )
    demo.add_argument(
        "--epochs",
        type=_positive_int,
        metavar="N",
        help="training epochs (default: 20)",
    )


def _add_fit_command(subparsers):
    """Adds the `fit` subcommand and its options."""
    fit = _subcommand(
        subparsers,
        "fit",
        "Train a SequenceEncoder on a .npy or .csv file of sequences.",
        f"""
        {PROGRAM} fit sequences.csv --out run1 --latent-dim 8
        {PROGRAM} fit sequences.csv --out run1 --resume   # after an interruption
        {PROGRAM} fit steps.csv --id-column user --time-column t --out run2
        """,
    )
    fit.add_argument(
        "data",
        help=".npy array (n, timesteps) or (n, timesteps, features), NaN after a "
        "sequence as padding; or .csv table, one sequence per row (empty cells "
        "after it as padding) or one step per row (--time-column)",
    )
    fit.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="folder for the model, history, encodings, figures and checkpoints",
    )
    fit.add_argument(
        "--latent-dim",
        type=_positive_int,
        default=16,
        metavar="N",
        help="length of each sequence's encoding (default: 16)",
    )
    fit.add_argument(
        "--epochs",
        type=_positive_int,
        default=FIT_EPOCHS,
        metavar="N",
        help=f"the most passes over the training sequences (default: {FIT_EPOCHS})",
    )
    fit.add_argument(
        "--patience",
        type=_positive_int,
        default=FIT_PATIENCE,
        metavar="N",
        help="stop after this many epochs without a lower validation loss, "
        f"keeping the best epoch (default: {FIT_PATIENCE})",
    )
    fit.add_argument(
        "--batch-size",
        type=_positive_int,
        default=16,
        metavar="N",
        help="sequences per training step (default: 16)",
    )
    fit.add_argument(
        "--validation-split",
        type=_fraction,
        default=0.1,
        metavar="FRACTION",
        help="share of the sequences held out to judge each epoch; 0 judges by "
        "the training loss (default: 0.1)",
    )
    fit.add_argument(
        "--units",
        type=_positive_int,
        nargs="+",
        metavar="N",
        help="sizes of the encoder's bidirectional LSTM layers, first to last; "
        "the decoder mirrors them (default: 64)",
    )
    fit.add_argument(
        "--seed",
        type=int,
        help="seed of the initial weights, the held-out sequences and the "
        "shuffling (default: a random one, recorded in DIR/run.json)",
    )
    fit.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a finished or interrupted run in --out (default: refuse)",
    )
    fit.add_argument(
        "--resume",
        action="store_true",
        help="continue the interrupted run in --out from its last epoch, with "
        "its settings (default: start a new run)",
    )
    _add_quiet_option(fit, "one line per epoch")
    _add_threads_option(fit)
    _add_table_options(fit)


def _add_encode_command(subparsers):
    """Adds the `encode` subcommand and its options."""
    encode = _subcommand(
        subparsers,
        "encode",
        "Write one row of latent values per sequence.",
        f"{PROGRAM} encode run1/model.keras new_sequences.csv -o vectors.csv",
    )
    encode.add_argument("model", help="a model.keras written by 'fit'")
    encode.add_argument(
        "data", help=".npy or .csv file of sequences, in a form 'fit' reads"
    )
    encode.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="CSV",
        help="CSV to write: an 'id' column, then latent_0, latent_1, ...",
    )
    _add_threads_option(encode)
    _add_table_options(encode)


def _add_detect_command(subparsers):
    """Adds the `detect` subcommand and its options."""
    detect = _subcommand(
        subparsers,
        "detect",
        "Score every row of a series; flag abnormal steps; plot them.",
        f"{PROGRAM} detect sensor.csv --column temperature --train-rows 2000 "
        "-o scores.csv",
    )
    detect.add_argument("series", help="CSV file, one step per row")
    detect.add_argument(
        "--column",
        action="append",
        required=True,
        metavar="NAME",
        help="column to score; repeat it for several channels",
    )
    detect.add_argument(
        "--train-rows",
        type=_positive_int,
        metavar="N",
        help="fit on the first N rows, which should be normal (default: the "
        "first 30%%)",
    )
    detect.add_argument(
        "--window",
        type=_positive_int,
        metavar="N",
        help="steps per window (default: the series' dominant period, from 16 "
        "to 256 steps)",
    )
    detect.add_argument(
        "--epochs",
        type=_positive_int,
        default=300,
        metavar="N",
        help="the most training epochs; training stops early (default: 300)",
    )
    detect.add_argument(
        "--seed",
        type=int,
        help="seed of the initial weights and the training windows (default: "
        "a random one)",
    )
    _add_quiet_option(detect, "none")
    _add_threads_option(detect)
    _add_header_option(detect)
    detect.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="CSV",
        help="CSV to write: the input's rows with anomaly_score and anomaly "
        "(0/1) columns; a .png of the same name beside it",
    )


def _add_plot_command(subparsers):
    """Adds the `plot` subcommand and its options."""
    plot = _subcommand(
        subparsers,
        "plot",
        "Draw a saved model's architecture.",
        f"{PROGRAM} plot run1/model.keras -o architecture.png",
    )
    plot.add_argument("model", help="a .keras model file")
    plot.add_argument(
        "-o", "--output", required=True, metavar="FILE", help=".png or .svg to write"
    )


def _add_export_command(subparsers):
    """Adds the `export` subcommand and its options."""
    export = _subcommand(
        subparsers,
        "export",
        "Write a fitted encoder as one ONNX file that turns raw sequences into "
        "vectors (scaling and segments included); onnxruntime runs it.",
        f"{PROGRAM} export run1 --format onnx -o vectors.onnx",
    )
    export.add_argument(
        "run", help="a folder written by 'fit' (its model.keras), or such a file"
    )
    export.add_argument(
        "--format",
        choices=["onnx"],
        default="onnx",
        help="the file's format (default: onnx)",
    )
    export.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="the .onnx file to write (default: vectors.onnx beside the model)",
    )


def main(argv=None):
    """Runs `keras-lstm-ae` with `argv` (default: the command line).

    Returns:
        The exit status: 0 on success, 2 on an error (told in one line), 130
        when interrupted (Ctrl-C).
    """
    args = build_parser().parse_args(argv)
    try:
        from keras_lstm_ae.cli import commands

        return getattr(commands, f"run_{args.command}")(args)
    except KeyboardInterrupt:
        print(f"{PROGRAM} {args.command}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except (
        CommandError,
        ValueError,
        TypeError,
        OSError,
        ImportError,
    ) as error:
        message = " ".join(str(error).split())
        print(f"{PROGRAM} {args.command}: error: {message}", file=sys.stderr)
        return 2
