"""The parser of `keras-lstm-ae`'s subcommands and options, and `main`, which runs one."""

import argparse
import sys
import textwrap
from pathlib import Path

from keras_lstm_ae.cli.commands import (
    run_demo,
    run_detect,
    run_encode,
    run_fit,
    run_plot,
)
from keras_lstm_ae.cli.errors import CommandError

PROGRAM = "keras-lstm-ae"


def _subcommand(subparsers, name, summary, example, run):
    parser = subparsers.add_parser(
        name,
        help=summary,
        description=summary,
        epilog="example:\n" + textwrap.indent(textwrap.dedent(example).strip(), "  "),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(run=run)
    return parser


def _add_table_options(parser):
    parser.add_argument(
        "--id-column", help="CSV column naming each sequence (its id in outputs)"
    )
    parser.add_argument(
        "--time-column",
        help="CSV column ordering the steps of a long table (one step per row)",
    )


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {text}")
    return value


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
    return parser


def _add_demo_command(subparsers):
    """Adds the `demo` subcommand and its options."""
    demo = _subcommand(
        subparsers,
        "demo",
        "Train on built-in data (the Q&A's moving-ones sequences) and write the "
        "model, encodings and figures.",
        f"{PROGRAM} demo --out demo_run",
        run_demo,
    )
    demo.add_argument("--out", type=Path, default=Path("demo_figures"))
    demo.add_argument("--epochs", type=_positive_int, help="training epochs")


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
        run_fit,
    )
    fit.add_argument("data", help=".npy (n, timesteps[, features]) or .csv file")
    fit.add_argument("--out", type=Path, required=True, help="output folder")
    fit.add_argument("--latent-dim", type=_positive_int, default=16)
    fit.add_argument("--epochs", type=_positive_int, default=1000)
    fit.add_argument("--patience", type=_positive_int, default=100)
    fit.add_argument("--batch-size", type=_positive_int, default=16)
    fit.add_argument("--validation-split", type=float, default=0.1)
    fit.add_argument(
        "--units", type=_positive_int, nargs="+", help="encoder LSTM sizes"
    )
    fit.add_argument("--seed", type=int)
    fit.add_argument("--overwrite", action="store_true", help="replace a run in --out")
    fit.add_argument(
        "--resume",
        action="store_true",
        help="continue the interrupted run in --out, with its settings",
    )
    fit.add_argument("--quiet", action="store_true", help="no per-epoch progress")
    _add_table_options(fit)


def _add_encode_command(subparsers):
    """Adds the `encode` subcommand and its options."""
    encode = _subcommand(
        subparsers,
        "encode",
        "Write one row of latent values per sequence.",
        f"{PROGRAM} encode run1/model.keras new_sequences.csv -o vectors.csv",
        run_encode,
    )
    encode.add_argument("model", help="a model.keras written by 'fit'")
    encode.add_argument("data", help=".npy or .csv file of sequences")
    encode.add_argument("-o", "--output", required=True, help="CSV to write")
    _add_table_options(encode)


def _add_detect_command(subparsers):
    """Adds the `detect` subcommand and its options."""
    detect = _subcommand(
        subparsers,
        "detect",
        "Score every row of a series; flag abnormal steps; plot them.",
        f"{PROGRAM} detect sensor.csv --column temperature --train-rows 2000 "
        "-o scores.csv",
        run_detect,
    )
    detect.add_argument("series", help="CSV file, one step per row")
    detect.add_argument(
        "--column", action="append", required=True, help="column to score (repeat)"
    )
    detect.add_argument(
        "--train-rows",
        type=_positive_int,
        help="fit on the first N rows (normal data; default: the first 30%%)",
    )
    detect.add_argument("--window", type=_positive_int, help="steps per window")
    detect.add_argument(
        "--epochs",
        type=_positive_int,
        default=300,
        help="most training epochs (stops early; default: 300)",
    )
    detect.add_argument("--seed", type=int)
    detect.add_argument("--quiet", action="store_true", help="no per-epoch progress")
    detect.add_argument(
        "-o", "--output", required=True, help="CSV to write (and a .png beside it)"
    )


def _add_plot_command(subparsers):
    """Adds the `plot` subcommand and its options."""
    plot = _subcommand(
        subparsers,
        "plot",
        "Draw a saved model's architecture.",
        f"{PROGRAM} plot run1/model.keras -o architecture.png",
        run_plot,
    )
    plot.add_argument("model", help="a .keras model file")
    plot.add_argument("-o", "--output", required=True, help=".png or .svg to write")


def main(argv=None):
    """Runs `keras-lstm-ae` with `argv` (default: the command line).

    Returns:
        The exit status: 0 on success, 2 on an error (told in one line).
    """
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
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
