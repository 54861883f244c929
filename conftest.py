"""Collection of the doctests in `keras_lstm_ae/` (`--doctest-modules`).

`backend/tf_data.py` imports TensorFlow and is collected on that backend
only. On a backend other than torch, two kinds of module are left out of
collection: those that hold code only the torch backend reaches and import
torch (their tests are deselected there too, `torch_only`), and those above
the model, whose examples do the same on every backend (the data, the
estimators, anomaly scoring, plots, the command line): CI runs their
doctests on torch, and the doctests of the layers and models on every
backend.
"""

import os

# The backend `keras_lstm_ae` will choose, read without importing Keras:
# `tests/conftest.py` must set the thread counts before Keras starts.
BACKEND = os.environ.get("KERAS_BACKEND", "torch")
collect_ignore = []
if BACKEND != "tensorflow":
    collect_ignore.append("keras_lstm_ae/backend/tf_data.py")
if BACKEND != "torch":
    collect_ignore += [
        "keras_lstm_ae/backend/torch_loss.py",
        "keras_lstm_ae/layers/_torch_kernels.py",
        "keras_lstm_ae/demo.py",
    ]
    collect_ignore_glob = [
        f"keras_lstm_ae/{folder}/*"
        for folder in (
            "_utils",
            "anomaly",
            "cli",
            "datasets",
            "estimators",
            "plotting",
            "preprocessing",
        )
    ]
