"""One function per subcommand: demo, fit, encode, detect, plot."""

from pathlib import Path

import pandas as pd

from keras_lstm_ae.cli.errors import CommandError
from keras_lstm_ae.cli.files import (
    _numeric_frame,
    _read_csv,
    _save_figure,
    _write_encodings,
    _write_figures,
    read_sequences,
)
from keras_lstm_ae.cli.runs import (
    BEST_WEIGHTS,
    LAST_WEIGHTS,
    MODEL_FILE,
    _checkpoints,
    _fit_settings,
    _resumed_settings,
    _start_run,
)


def run_demo(args):
    from keras_lstm_ae import demo

    arguments = ["--output-dir", str(args.out)]
    if args.epochs is not None:
        arguments += ["--epochs", str(args.epochs)]
    return demo.main(arguments, save_model=True)


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
        _start_run(folder, settings, args.overwrite)
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
    callbacks = _checkpoints(folder, monitor, best_so_far)
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
    from keras_lstm_ae.estimators.base import is_saved_estimator

    path = Path(args.model)
    if not path.is_file():
        raise CommandError(f"{path}: no such model file.")
    model = lae.load_model(path)
    if is_saved_estimator(path):
        print(f"{path}: the autoencoder of a saved estimator")
    written = lae.plot_architecture(model, args.output, show_shapes=True)
    print(f"wrote {written}")
    return 0
