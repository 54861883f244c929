"""The folder of a `fit` run: its settings (`run.json`), checkpoints and resuming."""

import csv
import json
import secrets
import shlex
from pathlib import Path

from keras_lstm_ae.cli.errors import PROGRAM, CommandError

MODEL_FILE = "model.keras"
RUN_FILE = "run.json"
LAST_WEIGHTS = "checkpoint_last.weights.h5"
BEST_WEIGHTS = "checkpoint_best.weights.h5"
HISTORY_FILE = "history.csv"


def _check_output_folder(folder, overwrite):
    """Refuses a folder that holds another run, unless `overwrite`."""
    folder = Path(folder)
    taken = [n for n in (MODEL_FILE, RUN_FILE) if (folder / n).exists()]
    if taken and not overwrite:
        raise CommandError(
            f"{folder} holds another run ({taken[0]}); choose another --out, "
            "pass --overwrite to replace it, or --resume to continue it."
        )


def _start_run(folder, settings):
    """Claims `folder` for a new run and records its settings in `RUN_FILE`."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in (LAST_WEIGHTS, BEST_WEIGHTS, HISTORY_FILE):
        (folder / stale).unlink(missing_ok=True)
    (folder / RUN_FILE).write_text(json.dumps(settings, indent=2) + "\n")


def _abandon_run(folder):
    """Gives up the claim of a new run that failed before its first epoch."""
    for claim in (RUN_FILE, HISTORY_FILE):
        (folder / claim).unlink(missing_ok=True)


def _epochs_done(folder):
    """The epochs logged in the run's history (and checkpointed)."""
    path = Path(folder) / HISTORY_FILE
    if not path.is_file():
        return 0
    with open(path, newline="") as file:
        return max(sum(1 for row in csv.reader(file) if row) - 1, 0)


def _resume_command(args):
    """The command that continues the run of `args`."""
    return shlex.join(
        [PROGRAM, "fit", str(args.data), "--out", str(args.out), "--resume"]
    )


def _fit_settings(args):
    """The settings of a new run, as `run.json` records them for `--resume`."""
    seed = args.seed
    if seed is None:
        # Recorded, so that a resumed run holds out the same sequences.
        seed = secrets.randbelow(2**31 - 1)
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
        "header": args.header,
    }


def _resumed_settings(args, folder):
    if not (folder / RUN_FILE).is_file():
        raise CommandError(
            f"{folder} holds no run to resume ({RUN_FILE} is missing); start one "
            "without --resume."
        )
    settings = json.loads((folder / RUN_FILE).read_text())
    settings.setdefault("header", None)  # Runs started before --header.
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
