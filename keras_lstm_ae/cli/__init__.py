"""The `keras-lstm-ae` command line: demo, fit, encode, detect, plot, export.

Each subcommand calls the estimators and the plots; reading files is pandas'
and NumPy's, progress bars are Keras's. An error (a missing file, a wrong
shape, a cell that is not a number, an output folder that holds another run)
ends with one line on standard error and exit status 2, never a traceback.

The parser and `main` are in `parser`, one function per subcommand in
`commands`, the `fit` run folder (settings, checkpoints, `--resume`) in `runs`,
reading sequences and writing tables and figures in `files`. Only the parser
is imported with this package: the rest (NumPy, pandas, Keras) when a command
runs, so that `--help` answers at once.

Example:

>>> main(["encode", "no_such_model.keras", "data.csv", "-o", "out.csv"])
2
"""

import importlib

from keras_lstm_ae.cli.errors import PROGRAM, CommandError
from keras_lstm_ae.cli.parser import build_parser, main
from keras_lstm_ae.cli.runs import BEST_WEIGHTS, LAST_WEIGHTS, MODEL_FILE, RUN_FILE

# Imported on first use (PEP 562): they import NumPy and pandas.
_LAZY = {
    "read_sequences": "keras_lstm_ae.cli.files",
    "run_demo": "keras_lstm_ae.cli.commands",
    "run_detect": "keras_lstm_ae.cli.commands",
    "run_encode": "keras_lstm_ae.cli.commands",
    "run_export": "keras_lstm_ae.cli.commands",
    "run_fit": "keras_lstm_ae.cli.commands",
    "run_plot": "keras_lstm_ae.cli.commands",
}


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BEST_WEIGHTS",
    "LAST_WEIGHTS",
    "MODEL_FILE",
    "PROGRAM",
    "RUN_FILE",
    "CommandError",
    "build_parser",
    "main",
    "read_sequences",
    "run_demo",
    "run_detect",
    "run_encode",
    "run_export",
    "run_fit",
    "run_plot",
]
