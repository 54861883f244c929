"""The `keras-lstm-ae` command line: demo, fit, encode, detect, plot.

Each subcommand calls the estimators and the plots; reading files is pandas'
and NumPy's, progress bars are Keras's. An error (a missing file, a wrong
shape, a cell that is not a number, an output folder that holds another run)
ends with one line on standard error and exit status 2, never a traceback.

The parser and `main` are in `parser`, one function per subcommand in
`commands`, the `fit` run folder (settings, checkpoints, `--resume`) in `runs`,
reading sequences and writing tables and figures in `files`.

Example:

>>> main(["encode", "no_such_model.keras", "data.csv", "-o", "out.csv"])
2
"""

from keras_lstm_ae.cli.commands import (
    run_demo,
    run_detect,
    run_encode,
    run_fit,
    run_plot,
)
from keras_lstm_ae.cli.errors import CommandError
from keras_lstm_ae.cli.files import read_sequences
from keras_lstm_ae.cli.parser import PROGRAM, build_parser, main
from keras_lstm_ae.cli.runs import BEST_WEIGHTS, LAST_WEIGHTS, MODEL_FILE, RUN_FILE

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
    "run_fit",
    "run_plot",
]
