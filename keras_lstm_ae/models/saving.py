"""Loading a saved model, with errors that name the file."""

import os
import zipfile

import keras


def load_model(filepath, custom_objects=None, compile=True):
    """Loads a model saved with `model.save(...)`, with errors that name the file.

    `keras.saving.load_model` works too; this wrapper only turns a missing,
    truncated or foreign file into an error that says which file and why.

    Args:
        filepath: Path to a `.keras` file.
        custom_objects: Passed on to `keras.saving.load_model`.
        compile: Whether to compile the model as it was saved.

    Returns:
        The model, for example an `LSTMAutoencoder` with its `encoder` and
        `decoder`.

    Raises:
        FileNotFoundError: If there is no file at `filepath`.
        ValueError: If the file is not a complete Keras model archive.
    """
    path = os.fspath(filepath)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No model file at {path!r}.")
    if path.endswith(".keras") and not zipfile.is_zipfile(path):
        raise ValueError(
            f"{path!r} is not a Keras model archive: it is truncated or another "
            "kind of file. Save models with `model.save('name.keras')`."
        )
    try:
        return keras.saving.load_model(
            path, custom_objects=custom_objects, compile=compile
        )
    except (zipfile.BadZipFile, EOFError, KeyError, OSError) as error:
        raise ValueError(
            f"Could not load a model from {path!r}: the file is truncated or not a "
            f"Keras model saved by `model.save` ({type(error).__name__}: {error})."
        ) from error
