"""ONNX files of Keras models, written atomically, with metadata.

Keras's `model.export(path, format="onnx")` traces the model on the torch
backend; the fused layers put their masked path in the graph
(`keras_lstm_ae.layers`), so NaN-padded inputs give what `predict` gives, at
any batch size. This module adds what a deployed file needs: the input's
layout in the file's metadata, no half-written file, and a clear error where
export cannot run.
"""

import os
import warnings

import keras

from keras_lstm_ae._utils.saving import refuse_overwrite, saved_suffix, write_atomically

EXPORT_EXTRA = 'pip install "keras-lstm-ae[export]"'


def export_onnx(model, filepath, metadata=None, overwrite=True):
    """Writes `model` as an ONNX file whose batch size is free.

    Args:
        model: A `LayerChain` (its inputs give the signature; see
            `LayerChain.export`).
        filepath: Where to write; it must end in `.onnx`.
        metadata: A dict of strings for the file's `metadata_props` (what
            the input holds, the output's size, ...).
        overwrite: Whether to replace an existing file.

    Returns:
        The path written, as a string.

    Raises:
        ValueError: If `filepath` does not end in `.onnx`, or Keras does not
            run on the torch backend.
        FileExistsError: If the file exists and `overwrite=False`.
        ImportError: If `onnx`, `onnxscript` or torch's exporter is missing.
    """
    suffix = saved_suffix(filepath, (".onnx",))
    if keras.backend.backend() != "torch":
        raise ValueError(
            "ONNX export of keras_lstm_ae models runs on the torch backend; the "
            f"backend is {keras.backend.backend()!r}. Set KERAS_BACKEND=torch, "
            "or use Keras's own `model.export(..., format='onnx')`."
        )
    try:
        import onnx
    except ImportError as error:
        raise ImportError(
            f"ONNX export needs the `onnx` and `onnxscript` packages: {EXPORT_EXTRA}."
        ) from error
    refuse_overwrite(filepath, overwrite)

    def write(path):
        with warnings.catch_warnings():
            # Keras exports a free batch size with torch's TorchScript
            # exporter, which warns that it is legacy and that an LSTM with
            # a free batch size may not hold; the tests run the exported
            # graphs at batch sizes 1 and 17 against `predict`.
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            warnings.filterwarnings("ignore", message=".*batch_size other than 1")
            warnings.filterwarnings("ignore", message=".*trace might not generalize")
            warnings.filterwarnings("ignore", message=".*registered as constants")
            warnings.filterwarnings("ignore", message="Constant folding")
            model.export(path, format="onnx", verbose=False)
        if metadata:
            proto = onnx.load(path)
            for key, value in metadata.items():
                entry = proto.metadata_props.add()
                entry.key, entry.value = str(key), str(value)
            onnx.save(proto, path)

    write_atomically(filepath, write, suffix)
    return os.fspath(filepath)
