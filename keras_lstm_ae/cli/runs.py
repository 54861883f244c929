"""The folder of a `fit` run: its settings (`run.json`), checkpoints and resuming."""

import json
from pathlib import Path

import numpy as np

from keras_lstm_ae.cli.errors import CommandError

MODEL_FILE = "model.keras"
RUN_FILE = "run.json"
LAST_WEIGHTS = "checkpoint_last.weights.h5"
BEST_WEIGHTS = "checkpoint_best.weights.h5"


def _output_folder(folder, overwrite):
    folder = Path(folder)
    taken = [n for n in (MODEL_FILE, RUN_FILE) if (folder / n).exists()]
    if taken and not overwrite:
        raise CommandError(
            f"{folder} holds another run ({taken[0]}); choose another --out, "
            "pass --overwrite to replace it, or --resume to continue it."
        )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _start_run(folder, settings, overwrite):
    """Claims `folder` for a new run and records its settings in `RUN_FILE`."""
    _output_folder(folder, overwrite)
    for stale in (LAST_WEIGHTS, BEST_WEIGHTS, "history.csv"):
        (folder / stale).unlink(missing_ok=True)
    (folder / RUN_FILE).write_text(json.dumps(settings, indent=2) + "\n")


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


def _checkpoints(folder, monitor, best_so_far):
    """The callbacks that write a run's weights: after every epoch, and at its best."""
    import keras

    return [
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
