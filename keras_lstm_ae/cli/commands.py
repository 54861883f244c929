"""One function per subcommand: demo, fit, encode, detect, plot, export.

Each reads and checks its input before it imports Keras, so that a wrong file
is told at once; each says what it read before it trains.
"""

import sys
from pathlib import Path

from keras_lstm_ae.cli.errors import INTERRUPTED, PROGRAM, CommandError
from keras_lstm_ae.cli.files import (
    _numeric_frame,
    _read_sequences,
    _save_figure,
    _write_csv,
    _write_encodings,
    _write_figures,
    describe_sequences,
    read_table,
)
from keras_lstm_ae.cli.runs import (
    BEST_WEIGHTS,
    HISTORY_FILE,
    LAST_WEIGHTS,
    MODEL_FILE,
    _abandon_run,
    _check_output_folder,
    _checkpoints,
    _epochs_done,
    _fit_settings,
    _resume_command,
    _resumed_settings,
    _start_run,
)


def _verbosity(quiet, in_a_file=2):
    """Keras's `verbose`: progress bars on a terminal, else `in_a_file`.

    2 is a line per epoch; 0 is nothing.
    """
    if quiet:
        return 0
    return 1 if sys.stdout.isatty() else in_a_file


def run_demo(args):
    from keras_lstm_ae import demo

    arguments = ["--output-dir", str(args.out)]
    if args.epochs is not None:
        arguments += ["--epochs", str(args.epochs)]
    return demo.main(arguments, save_model=True)


def run_fit(args):
    folder = Path(args.out)
    settings = _resumed_settings(args, folder) if args.resume else _fit_settings(args)
    if not args.resume:
        _check_output_folder(folder, args.overwrite)
    X, ids, note = _read_sequences(
        args.data, settings["id_column"], settings["time_column"], settings["header"]
    )
    print(describe_sequences(X, args.data, note), flush=True)

    import keras

    import keras_lstm_ae as lae

    # Under torchrun, every process trains its share; rank 0 writes.
    lae.distributed.initialize()
    main_process = lae.distributed.is_main_process()
    if not args.resume and main_process:
        _start_run(folder, settings)
    options = {} if settings["units"] is None else {"units": tuple(settings["units"])}
    encoder = lae.SequenceEncoder(
        latent_dim=settings["latent_dim"],
        epochs=settings["epochs"],
        batch_size=settings["batch_size"],
        validation_split=settings["validation_split"],
        patience=settings["patience"],
        seed=settings["seed"],
        verbose=_verbosity(args.quiet),
        n_jobs=args.threads,
        **options,
    )
    history_path = folder / HISTORY_FILE
    done = _epochs_done(folder) if args.resume else 0
    monitor = "val_loss" if settings["validation_split"] > 0 else "loss"
    resume_from = folder / LAST_WEIGHTS
    if not done or not resume_from.exists():
        resume_from, done = None, 0
    callbacks = _checkpoints(folder, monitor, _best_so_far(history_path, monitor, done))
    logger = keras.callbacks.CSVLogger(history_path, append=done > 0)
    if done:
        print(f"resuming {folder} after epoch {done}")
    try:
        encoder.fit(
            X,
            callbacks=[*callbacks, logger],
            initial_weights=resume_from,
            initial_epoch=done,
        )
    except KeyboardInterrupt:
        if main_process:
            print(_interrupted(args, _epochs_done(folder)), file=sys.stderr)
        return INTERRUPTED
    except Exception:
        if not args.resume and main_process and _epochs_done(folder) == 0:
            # Nothing trained: the user may simply run the same command again.
            _abandon_run(folder)
        raise
    finally:
        # Keras closes it at the end of training, not when training is
        # interrupted: every epoch logged so far stays on disk either way.
        if logger.csv_file is not None and not logger.csv_file.closed:
            logger.csv_file.close()
    if not main_process:
        return 0
    return _finish_fit(encoder, X, ids, folder, settings, monitor)


def _best_so_far(history_path, monitor, done):
    """The best `monitor` value of the epochs a resumed run has done, else `None`."""
    if not done:
        return None
    import pandas as pd

    return float(pd.read_csv(history_path)[monitor].min())


def _interrupted(args, epochs_done):
    """The line that ends an interrupted `fit`."""
    if epochs_done == 0:
        state = "interrupted before the first epoch ended"
    else:
        state = f"interrupted after epoch {epochs_done}, saved in {args.out}"
    return f"{PROGRAM} fit: {state}; continue with: {_resume_command(args)}"


def _finish_fit(encoder, X, ids, folder, settings, monitor):
    """Saves the best epoch's encoder, its encodings and figures; says how it went."""
    import pandas as pd

    # The best epoch of the whole run, interrupted or not.
    if (folder / BEST_WEIGHTS).exists():
        encoder.model_.load_weights(folder / BEST_WEIGHTS)
    history = pd.read_csv(folder / HISTORY_FILE)
    encoder.history_ = history.drop(columns="epoch").to_dict("list")
    # The saved encoder stays quiet when users load it in their own code.
    encoder.set_params(verbose=0)
    encoder.save(folder / MODEL_FILE)
    vectors = encoder.transform(X)
    written = [folder / MODEL_FILE, folder / HISTORY_FILE]
    written.append(_write_encodings(vectors, ids, folder / "encodings.csv"))
    figures, skipped = _write_figures(encoder, vectors, folder)
    for line in [*_fit_summary(history, settings, monitor), *skipped]:
        print(line)
    print(f"wrote {folder}/: {', '.join(path.name for path in written + figures)}")
    return 0


def _fit_summary(history, settings, monitor):
    """Lines that say how a run ended: its best epoch, and why it stopped."""
    ran = len(history)
    best = int(history[monitor].to_numpy().argmin())
    losses = ", ".join(
        f"{name} {history[name].iloc[best]:.4g}"
        for name in ("loss", "val_loss")
        if name in history
    )
    lines = [f"best epoch {best + 1} of {ran}: {losses}; model.keras holds it"]
    patience = settings["patience"]
    if ran < settings["epochs"]:
        lines.append(
            f"stopped early: {monitor} had not improved for {patience} epochs "
            f"(--patience)"
        )
    else:
        end = f"ran all {ran} epochs (--epochs)"
        if ran - (best + 1) < patience:
            end += f"; {monitor} was still improving, more --epochs may lower it"
        lines.append(end)
    return lines


def _load_encoder(path):
    import keras_lstm_ae as lae

    try:
        return lae.load_encoder(path)
    except ValueError as error:
        raise CommandError(
            f"{path} is not an encoder written by '{PROGRAM} fit': {error}"
        ) from None


def run_encode(args):
    if not Path(args.model).is_file():
        raise CommandError(f"{args.model}: no such model file.")
    X, ids, note = _read_sequences(
        args.data, args.id_column, args.time_column, args.header
    )
    print(describe_sequences(X, args.data, note), flush=True)
    encoder = _load_encoder(args.model)
    encoder.set_params(n_jobs=args.threads)
    vectors = encoder.transform(X)
    path = _write_encodings(vectors, ids, args.output)
    print(f"wrote {path}: {len(vectors)} rows, id and latent_0..{vectors.shape[1] - 1}")
    return 0


def run_detect(args):
    path = Path(args.series)
    table = read_table(path, args.header)
    frame = table.frame
    missing = [c for c in args.column if c not in frame.columns]
    if missing:
        raise CommandError(
            f"{path} has no column {missing[0]!r}; its columns are "
            f"{', '.join(map(str, frame.columns))}."
        )
    values = _numeric_frame(frame[args.column], path, table).to_numpy()
    if len(values) == 0:
        raise CommandError(f"{path} holds no rows.")
    train_rows = args.train_rows or max(1, int(0.3 * len(values)))
    if not 0 < train_rows <= len(values):
        raise CommandError(
            f"--train-rows must be between 1 and the {len(values)} rows of {path}."
        )
    channels = ", ".join(args.column)
    print(
        f"{len(values)} steps of {channels} from {path.name} "
        f"({table.note}); fitting on the first {train_rows}",
        flush=True,
    )

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import keras_lstm_ae as lae

    detector = lae.AnomalyDetector(
        window=args.window,
        epochs=args.epochs,
        seed=args.seed,
        # Not a line per epoch: the detector's own predictions draw a
        # progress bar whatever their `verbose` (LayerChain.predict).
        verbose=_verbosity(args.quiet, in_a_file=0),
        n_jobs=args.threads,
    ).fit(values[:train_rows])
    detector.set_params(verbose=0)
    scores = detector.decision_function(values)
    result = frame.copy()
    result["anomaly_score"] = scores
    result["anomaly"] = (result["anomaly_score"] > detector.threshold_).astype(int)
    _write_csv(result, args.output)
    print(
        f"wrote {args.output}: {int(result['anomaly'].sum())} of {len(result)} steps "
        f"flagged (window {detector.window_}, threshold {detector.threshold_:.4g})"
    )
    axes = lae.plot_detection(
        values,
        scores,
        threshold=detector.threshold_,
        feature_names=args.column,
        feature_scores=detector.decision_function(values, per_feature=True),
    )
    axes[0].figure.suptitle(f"{path.name}: fitted on the first {train_rows} rows")
    print(
        f"wrote {_save_figure(axes[0].figure, Path(args.output).with_suffix('.png'))}"
    )
    plt.close("all")
    return 0


def run_plot(args):
    import keras_lstm_ae as lae
    from keras_lstm_ae.estimators.files import is_saved_estimator

    path = Path(args.model)
    if not path.is_file():
        raise CommandError(f"{path}: no such model file.")
    model = lae.load_model(path)
    if is_saved_estimator(path):
        print(f"{path}: the autoencoder of a saved estimator")
    written = lae.plot_architecture(model, args.output, show_shapes=True)
    print(f"wrote {written}")
    return 0


def run_export(args):
    run = Path(args.run)
    model_path = run / MODEL_FILE if run.is_dir() else run
    if not model_path.is_file():
        raise CommandError(
            f"{run} holds no {MODEL_FILE} written by '{PROGRAM} fit'."
            if run.is_dir()
            else f"{run}: no such model file."
        )
    output = Path(args.output) if args.output else model_path.parent / "vectors.onnx"
    if output.suffix != ".onnx":
        raise CommandError(f"--output must end in .onnx; got {output}.")
    encoder = _load_encoder(model_path)
    written = encoder.export(output)
    print(
        f"wrote {written}: float32 sequences (n, {encoder.timesteps_}, "
        f"{encoder.n_features_per_step_}) in their own units, NaN after each end, to "
        f"(n, {encoder.model_.latent_dim}) vectors; input name 'sequences'"
    )
    return 0
