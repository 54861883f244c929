"""`python -m keras_lstm_ae.cli`: the `keras-lstm-ae` command line."""

import sys

from keras_lstm_ae.cli import main

sys.exit(main())
