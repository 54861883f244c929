"""An estimator's one-file format: its autoencoder's `.keras` archive, plus its state.

The archive is Keras's own (`keras.saving.load_model` reads the autoencoder
from it); one more entry holds the estimator's parameters and fitted state as
JSON, which Keras's loader ignores.
"""

import json
import os
import zipfile

import numpy as np

from keras_lstm_ae.models.saving import load_model

# The entry that holds the estimator's state inside the `.keras` archive;
# Keras's own loader ignores it.
STATE_ENTRY = "keras_lstm_ae_estimator.json"
STATE_FORMAT_VERSION = 1


def is_saved_estimator(path):
    """Whether `path` is a `.keras` archive written by an estimator's `save`.

    Such a file is also a Keras model file (the estimator's autoencoder), with
    the estimator's own state beside it.
    """
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return STATE_ENTRY in archive.namelist()


def state_document(estimator):
    """The estimator's parameters, model options and fitted state, as JSON."""
    options = estimator._model_options
    params = {
        name: value
        for name, value in estimator.get_params(deep=False).items()
        if name not in options
    }
    return {
        "format": f"keras_lstm_ae.{type(estimator).__name__}",
        "format_version": STATE_FORMAT_VERSION,
        "params": _to_json(params),
        "model_options": _to_json(options),
        "fitted": _to_json(estimator._fitted_state()),
    }


def write_archive(estimator, path):
    """Writes the fitted estimator's autoencoder and state to `path`."""
    estimator.model_.save(path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(STATE_ENTRY, json.dumps(state_document(estimator)))


def read_archive(filepath, class_name):
    """`(state document, autoencoder)` from a file that `write_archive` wrote.

    Raises:
        FileNotFoundError, ValueError: naming the file, if it is missing,
            damaged, holds no estimator, another estimator, or a newer
            format.
    """
    path = os.fspath(filepath)
    model = load_model(path)  # Clear errors for missing or damaged files.
    with zipfile.ZipFile(path) as archive:
        if STATE_ENTRY not in archive.namelist():
            raise ValueError(
                f"{path!r} holds a Keras model but no {class_name}: it was "
                "not written by an estimator's `save`. Load it with "
                "`lae.load_model`."
            )
        document = json.loads(archive.read(STATE_ENTRY))
    expected = f"keras_lstm_ae.{class_name}"
    if document.get("format") != expected:
        saved = str(document.get("format")).rpartition(".")[2]
        raise ValueError(
            f"{path!r} holds a saved {saved}, not the {class_name} that was asked for."
        )
    version = document.get("format_version")
    if not isinstance(version, int) or version > STATE_FORMAT_VERSION:
        raise ValueError(
            f"{path!r} was written in format version {version!r}; this "
            f"keras_lstm_ae reads versions up to {STATE_FORMAT_VERSION}. "
            "Load it with the keras_lstm_ae that wrote it, or a newer one."
        )
    return document, model


def _to_json(value):
    """Tuples to lists and NumPy scalars or arrays to Python numbers, recursively."""
    if isinstance(value, dict):
        return {key: _to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_json(item) for item in value]
    if isinstance(value, np.ndarray):
        return _to_json(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value
