"""The `keras-lstm-ae` command line: demo, fit, encode, detect, plot.

Each subcommand calls the estimators and the plots; reading files is pandas'
and NumPy's, progress bars are Keras's. An error (a missing file, a wrong
shape, a cell that is not a number, an output folder that holds another run)
ends with one line on standard error and exit status 2, never a traceback.

Example:

>>> main(["encode", "no_such_model.keras", "data.csv", "-o", "out.csv"])
2
"""

import argparse
import json
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

PROGRAM = "keras-lstm-ae"
MODEL_FILE = "model.keras"


class CommandError(Exception):
    """A problem with the command's input, told to the user in one line."""


# --------------------------------------------------------------------------
# Reading data
# --------------------------------------------------------------------------


def _numeric_frame(frame, path):
    """`frame` as floats; a cell that is not a number is named by row and column."""
    numbers = frame.apply(pd.to_numeric, errors="coerce")
    bad = numbers.isna() & frame.notna()
    if bad.to_numpy().any():
        row, column = np.argwhere(bad.to_numpy())[0]
        raise CommandError(
            f"{path}: row {row + 1}, column {frame.columns[column]!r} holds "
            f"{frame.iat[row, column]!r}, not a number."
        )
    return numbers.astype("float64")


def _read_csv(path):
    """The table in `path`; a first row of numbers is data, not a header."""
    try:
        frame = pd.read_csv(path)
        if (
            len(frame.columns)
            and pd.to_numeric(frame.columns, errors="coerce").notna().all()
        ):
            frame = pd.read_csv(path, header=None)
    except pd.errors.EmptyDataError:
        raise CommandError(f"{path} is empty.") from None
    except pd.errors.ParserError as error:
        raise CommandError(f"{path} is not a readable CSV file: {error}") from None
    return frame


def read_sequences(path, id_column=None, time_column=None):
    """Reads sequences from a `.npy` or `.csv` file.

    - `.npy`: an array `(n, timesteps)` or `(n, timesteps, features)`; NaN is
      padding.
    - wide `.csv` (no `id_column` or `time_column` given, or an `id_column`
      only): one sequence per row, one step per column, with or without a
      header row; empty cells after a sequence are padding (the Q&A's
      DataFrame).
    - long `.csv` (`time_column` given, or an `id_column` with more than one
      row per id): one step per row; `id_column` says which sequence a row
      belongs to, `time_column` orders the steps, every other column is a
      feature.

    Returns:
        `(X, ids)`: an array or a list of sequences for the estimators, and
        the sequences' ids (`None` where the file has none).
    """
    path = Path(path)
    if not path.is_file():
        raise CommandError(f"{path}: no such file.")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        try:
            array = np.load(path, allow_pickle=False)
        except ValueError as error:
            raise CommandError(f"{path} is not a NumPy array file: {error}") from None
        if array.ndim not in (2, 3):
            raise CommandError(
                f"{path} holds an array of shape {array.shape}; expected (n, "
                "timesteps) or (n, timesteps, features)."
            )
        return array, None
    if suffix != ".csv":
        raise CommandError(f"{path}: expected a .npy or .csv file.")
    frame = _read_csv(path)
    for column in (id_column, time_column):
        if column is not None and column not in frame.columns:
            raise CommandError(
                f"{path} has no column {column!r}; its columns are "
                f"{', '.join(map(str, frame.columns))}."
            )
    long_format = time_column is not None or (
        id_column is not None and frame[id_column].duplicated().any()
    )
    if not long_format:
        ids = frame.pop(id_column).tolist() if id_column is not None else None
        values = _numeric_frame(frame, path).to_numpy()
        if values.size == 0:
            raise CommandError(f"{path} holds no values.")
        return values, ids
    if id_column is None:
        raise CommandError(
            f"{path}: a long table (--time-column) also needs --id-column, the "
            "column that says which sequence each row belongs to."
        )
    if time_column is not None:
        frame = frame.sort_values([id_column, time_column], kind="stable")
    features = [c for c in frame.columns if c not in (id_column, time_column)]
    if not features:
        raise CommandError(f"{path} has no feature column besides the id and time.")
    numbers = _numeric_frame(frame[features], path)
    ids, sequences = [], []
    for key, group in numbers.groupby(frame[id_column], sort=False):
        ids.append(key)
        sequences.append(group.to_numpy())
    return sequences, ids


# --------------------------------------------------------------------------
# Subcommands
# --------------------------------------------------------------------------


def _output_folder(folder, overwrite):
    folder = Path(folder)
    taken = [n for n in (MODEL_FILE, "run.json") if (folder / n).exists()]
    if taken and not overwrite:
        raise CommandError(
            f"{folder} holds another run ({taken[0]}); choose another --out, "
            "pass --overwrite to replace it, or --resume to continue it."
        )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _save_figure(figure, path):
    figure.savefig(path, dpi=110, bbox_inches="tight")
    print(f"wrote {path}")


def _write_figures(encoder, vectors, folder):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import keras_lstm_ae as lae

    figure, ax = plt.subplots(figsize=(6, 4))
    lae.plot_loss(encoder.history_, ax=ax)
    _save_figure(figure, folder / "loss.png")
    figure, ax = plt.subplots(figsize=(6, 5))
    lae.plot_latent(vectors, annotate=len(vectors) <= 30, ax=ax)
    ax.set_title(f"{vectors.shape[1]}-d encodings of the training sequences")
    _save_figure(figure, folder / "latent.png")
    plt.close("all")
    try:
        print(
            f"wrote {lae.plot_architecture(encoder.model_, folder / 'architecture.png')}"
        )
    except ImportError as error:
        print(f"skipped architecture.png: {error}")


def _write_encodings(vectors, ids, path):
    columns = [f"latent_{i}" for i in range(vectors.shape[1])]
    table = pd.DataFrame(vectors, columns=columns)
    table.insert(0, "id", ids if ids is not None else range(len(vectors)))
    table.to_csv(path, index=False)
    print(f"wrote {path}")


def run_demo(args):
    from keras_lstm_ae import demo

    arguments = ["--output-dir", str(args.out)]
    if args.epochs is not None:
        arguments += ["--epochs", str(args.epochs)]
    return demo.main(arguments, save_model=True)


RUN_FILE = "run.json"
LAST_WEIGHTS = "checkpoint_last.weights.h5"
BEST_WEIGHTS = "checkpoint_best.weights.h5"


def _fit_settings(args):
    """The settings of a new run, as `run.json` records them for `--resume`."""
    seed = args.seed
    if seed is None:
        # Recorded, so that a resumed run holds out the same sequences.
        seed = int(np.random.default_rng().integers(2**31 - 1))
    return {
        "data": str(Path(args.data).resolve()),
        "id_column": args.id_column,
        "time_column": args.time_column,
        "latent_dim": args.latent_dim,
        "epochs": args.epochs,
        "patience": args.patience,
        "batch_size": args.batch_size,
        "validation_split": args.validation_split,
        "units": args.units,
        "seed": seed,
    }


def _resumed_settings(args, folder):
    if not (folder / RUN_FILE).is_file():
        raise CommandError(
            f"{folder} holds no run to resume ({RUN_FILE} is missing); start one "
            "without --resume."
        )
    settings = json.loads((folder / RUN_FILE).read_text())
    if settings["data"] != str(Path(args.data).resolve()):
        raise CommandError(
            f"the run in {folder} was started on {settings['data']}, not {args.data}."
        )
    return settings


def run_fit(args):
    import keras

    import keras_lstm_ae as lae

    # Under torchrun, every process trains its share; rank 0 writes.
    lae.distributed.initialize()
    main_process = lae.distributed.is_main_process()
    folder = Path(args.out)
    settings = _resumed_settings(args, folder) if args.resume else _fit_settings(args)
    X, ids = read_sequences(args.data, settings["id_column"], settings["time_column"])
    if not args.resume and main_process:
        _output_folder(folder, args.overwrite)
        for stale in (LAST_WEIGHTS, BEST_WEIGHTS, "history.csv"):
            (folder / stale).unlink(missing_ok=True)
        (folder / RUN_FILE).write_text(json.dumps(settings, indent=2) + "\n")
    options = {} if settings["units"] is None else {"units": tuple(settings["units"])}
    encoder = lae.SequenceEncoder(
        latent_dim=settings["latent_dim"],
        epochs=settings["epochs"],
        batch_size=settings["batch_size"],
        validation_split=settings["validation_split"],
        patience=settings["patience"],
        seed=settings["seed"],
        verbose=0 if args.quiet else 2,
        **options,
    )
    history_path = folder / "history.csv"
    done = pd.read_csv(history_path) if args.resume and history_path.exists() else None
    monitor = "val_loss" if settings["validation_split"] > 0 else "loss"
    best_so_far = None if done is None or done.empty else float(done[monitor].min())
    resume_from = folder / LAST_WEIGHTS if done is not None else None
    if resume_from is not None and not resume_from.exists():
        resume_from, done = None, None
    callbacks = [
        # Weights as they are after every epoch, to resume from, and the best
        # epoch's; both written whole or not at all (LSTMAutoencoder's
        # `save_weights` is atomic).
        keras.callbacks.ModelCheckpoint(
            folder / LAST_WEIGHTS, save_weights_only=True, verbose=0
        ),
        keras.callbacks.ModelCheckpoint(
            folder / BEST_WEIGHTS,
            monitor=monitor,
            save_best_only=True,
            save_weights_only=True,
            initial_value_threshold=best_so_far,
            verbose=0,
        ),
    ]
    logger = keras.callbacks.CSVLogger(history_path, append=done is not None)
    if done is not None:
        print(f"resuming {folder} after epoch {len(done)}")
    try:
        encoder.fit(
            X,
            callbacks=[*callbacks, logger],
            initial_weights=resume_from,
            initial_epoch=0 if done is None else len(done),
        )
    finally:
        # Keras closes it at the end of training, not when training is
        # interrupted: every epoch logged so far stays on disk either way.
        if logger.csv_file is not None and not logger.csv_file.closed:
            logger.csv_file.close()
    if not main_process:
        return 0
    # The best epoch of the whole run, interrupted or not.
    if (folder / BEST_WEIGHTS).exists():
        encoder.model_.load_weights(folder / BEST_WEIGHTS)
    encoder.history_ = pd.read_csv(history_path).drop(columns="epoch").to_dict("list")
    # The saved encoder stays quiet when users load it in their own code.
    encoder.set_params(verbose=0)
    encoder.save(folder / MODEL_FILE)
    print(f"wrote {folder / MODEL_FILE}")
    print(f"wrote {history_path}")
    vectors = encoder.transform(X)
    _write_encodings(vectors, ids, folder / "encodings.csv")
    _write_figures(encoder, vectors, folder)
    return 0


def _load_encoder(path):
    import keras_lstm_ae as lae

    if not Path(path).is_file():
        raise CommandError(f"{path}: no such model file.")
    return lae.load_encoder(path)


def run_encode(args):
    encoder = _load_encoder(args.model)
    X, ids = read_sequences(args.data, args.id_column, args.time_column)
    _write_encodings(encoder.transform(X), ids, args.output)
    return 0


def run_detect(args):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import keras_lstm_ae as lae

    path = Path(args.series)
    if not path.is_file():
        raise CommandError(f"{path}: no such file.")
    frame = _read_csv(path)
    missing = [c for c in args.column if c not in frame.columns]
    if missing:
        raise CommandError(
            f"{path} has no column {missing[0]!r}; its columns are "
            f"{', '.join(map(str, frame.columns))}."
        )
    values = _numeric_frame(frame[args.column], path).to_numpy()
    train_rows = args.train_rows or max(1, int(0.3 * len(values)))
    if not 0 < train_rows <= len(values):
        raise CommandError(
            f"--train-rows must be between 1 and the {len(values)} rows of {path}."
        )
    detector = lae.AnomalyDetector(
        window=args.window,
        epochs=args.epochs,
        seed=args.seed,
        verbose=0 if args.quiet else 2,
    ).fit(values[:train_rows])
    scores = detector.score(values)
    result = frame.copy()
    result["anomaly_score"] = scores
    result["anomaly"] = (result["anomaly_score"] > detector.threshold_).astype(int)
    result.to_csv(args.output, index=False)
    print(
        f"wrote {args.output}: {int(result['anomaly'].sum())} of {len(result)} steps "
        f"flagged (window {detector.window_}, threshold {detector.threshold_:.4g})"
    )
    figure_path = Path(args.output).with_suffix(".png")
    axes = lae.plot_detection(
        values,
        scores,
        threshold=detector.threshold_,
        feature_names=args.column,
        feature_scores=detector.score(values, per_feature=True),
    )
    axes[0].figure.suptitle(f"{path.name}: fitted on the first {train_rows} rows")
    _save_figure(axes[0].figure, figure_path)
    plt.close("all")
    return 0


def run_plot(args):
    import keras_lstm_ae as lae
    from keras_lstm_ae.estimators.base import STATE_ENTRY

    path = Path(args.model)
    if not path.is_file():
        raise CommandError(f"{path}: no such model file.")
    model = lae.load_model(path)
    if zipfile.is_zipfile(path) and STATE_ENTRY in zipfile.ZipFile(path).namelist():
        print(f"{path}: the autoencoder of a saved estimator")
    written = lae.plot_architecture(model, args.output, show_shapes=True)
    print(f"wrote {written}")
    return 0


# --------------------------------------------------------------------------
# Parser
# --------------------------------------------------------------------------


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

    plot = _subcommand(
        subparsers,
        "plot",
        "Draw a saved model's architecture.",
        f"{PROGRAM} plot run1/model.keras -o architecture.png",
        run_plot,
    )
    plot.add_argument("model", help="a .keras model file")
    plot.add_argument("-o", "--output", required=True, help=".png or .svg to write")
    return parser


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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
