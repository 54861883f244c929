"""Callbacks that `LSTMAutoencoder.fit` adds on its own."""

import copy
import math
import warnings

import keras


@keras.saving.register_keras_serializable(package="keras_lstm_ae")
class TerminateOnNaNKeepBest(keras.callbacks.Callback):
    """Stops training at the first non-finite loss and restores the best weights.

    Keras's `TerminateOnNaN` stops, but leaves the model with the weights
    that produced NaN. This callback also keeps a copy of the weights of the
    best epoch so far (by `monitor`, else by the training loss; the initial
    weights before the first epoch ends) and puts them back, with a warning
    that says what happened and what to change.

    Args:
        monitor: The quantity that decides the best epoch. Defaults to
            `"val_loss"`, or `"loss"` when there is no validation.

    Example:

    >>> callback = TerminateOnNaNKeepBest()
    >>> callback.monitor
    'val_loss'
    """

    def __init__(self, monitor="val_loss"):
        super().__init__()
        self.monitor = monitor
        self.stopped_epoch = None
        self.best_epoch = None

    def on_train_begin(self, logs=None):
        self.best = math.inf
        self.best_epoch = None
        self.stopped_epoch = None
        self._best_weights = self.model.get_weights()
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        value = logs.get(self.monitor, logs.get("loss"))
        if value is None or not math.isfinite(float(value)):
            return
        if float(value) < self.best:
            self.best = float(value)
            self.best_epoch = epoch
            self._best_weights = self.model.get_weights()

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(float(loss)):
            return
        self.model.stop_training = True
        self.stopped_epoch = self._epoch
        self.model.set_weights(self._best_weights)
        restored = (
            "the initial weights"
            if self.best_epoch is None
            else f"the weights of epoch {self.best_epoch + 1} ({self.best:.4g})"
        )
        warnings.warn(
            f"The loss became {float(loss)} at batch {batch + 1} of epoch "
            f"{self._epoch + 1}: training stopped and {restored} were restored. "
            "Lower the learning rate, scale the data (for example with "
            "`keras_lstm_ae.StandardScaler`), or clip gradients "
            "(`optimizer=keras.optimizers.Adam(clipnorm=1.0)`).",
            RuntimeWarning,
            stacklevel=2,
        )

    def get_config(self):
        return {"monitor": self.monitor}


def restore_only(backup):
    """A copy of a `keras.callbacks.BackupAndRestore` that restores, but
    never writes or removes the backup.

    Under `torch.distributed`, every process restores the same backup when
    a run resumes, and rank 0's callback alone writes it (and removes it at
    the end): two processes writing one file would leave it half-written.
    The copy keeps `on_train_begin`, which restores, and does nothing at the
    ends of batches, epochs and training, where the original writes and
    removes; no private method of Keras is touched.

    Example:

    >>> import os, tempfile
    >>> folder = os.path.join(tempfile.mkdtemp(), "backup")
    >>> reader = restore_only(keras.callbacks.BackupAndRestore(folder))
    >>> reader.on_epoch_end(0)
    >>> os.path.exists(folder)
    False
    """
    reader = copy.copy(backup)
    reader.on_train_batch_end = lambda batch, logs=None: None
    reader.on_epoch_end = lambda epoch, logs=None: None
    reader.on_train_end = lambda logs=None: None
    return reader
