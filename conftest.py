"""Collection of the doctests in `keras_lstm_ae/` (`--doctest-modules`).

The modules below hold code that only the torch backend reaches, and import
torch: on another backend they are left out of collection (`collect_ignore`),
as the tests of what they do are deselected (`torch_only`, `tests/conftest.py`).
"""

import os

# The backend `keras_lstm_ae` will choose, read without importing Keras:
# `tests/conftest.py` must set the thread counts before Keras starts.
if os.environ.get("KERAS_BACKEND", "torch") != "torch":
    collect_ignore = [
        "keras_lstm_ae/backend/torch_loss.py",
        "keras_lstm_ae/layers/_torch_kernels.py",
    ]
