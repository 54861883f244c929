"""`python -m keras_lstm_ae`: the `keras-lstm-ae` command line."""

import sys

from keras_lstm_ae.cli import main

sys.exit(main())
