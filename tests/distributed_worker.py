"""Trains a small autoencoder, alone or as one process of a `torchrun` group.

Used by `tests/test_distributed.py`: `main(OUT)` in the test's process, or
`distributed_worker.py OUT` under `torchrun --nproc_per_node 2`. Each process
writes what the test compares to `OUT/rank{rank}.json` and
`OUT/rank{rank}.npz`: its final weights, its history and how many sequences
its training steps held. It then trains again with a `BackupAndRestore`,
interrupted and resumed, and writes the resumed model's weights to
`OUT/resumed_rank{rank}.npz`.
"""

import json
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ["KERAS_BACKEND"] = "torch"

import keras
import numpy as np

import keras_lstm_ae as lae


def main(out):
    import torch

    torch.set_num_threads(1)  # As the test's process has (OMP_NUM_THREADS).
    rank, world_size = lae.distributed.initialize()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((65, 12, 2)).astype("float32")
    x[np.arange(12)[None, :] >= rng.integers(2, 13, 65)[:, None]] = np.nan
    model = lae.LSTMAutoencoder(12, 2, 4, units=(8,), seed=0)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    trained_on = [0]  # Sequences in this process's training steps.
    train_step = model.train_step

    def counting_train_step(data):
        x = keras.utils.unpack_x_y_sample_weight(data)[0]
        real = ~torch.isnan(x).all(dim=2).all(dim=1)
        trained_on[0] += int(real.sum())
        return train_step(data)

    model.train_step = counting_train_step
    # 49 training sequences: the last global batch of 16 holds one, so one
    # process's share of it is empty.
    history = model.fit(x, batch_size=16, epochs=3, validation_split=0.25, verbose=0)
    model.save_weights(os.path.join(out, f"saved_by_rank{rank}.weights.h5"))
    np.savez(os.path.join(out, f"rank{rank}.npz"), *model.get_weights())
    evaluated = model.evaluate(x, verbose=0, return_dict=True)
    resumed, resumed_epochs, backups_written = interrupted_and_resumed(x, out)
    with open(os.path.join(out, f"rank{rank}.json"), "w") as file:
        json.dump(
            {
                "world_size": world_size,
                "trained_on": trained_on[0],
                "history": history.history,
                "evaluate": evaluated,
                "resumed_epochs": resumed_epochs,
                "backups_written": backups_written,
            },
            file,
        )
    np.savez(os.path.join(out, f"resumed_rank{rank}.npz"), *resumed.get_weights())


class Interrupted(Exception):
    pass


class Interrupt(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            raise Interrupted


def interrupted_and_resumed(x, out):
    """Trains 3 epochs with a `BackupAndRestore`, interrupted after the
    second and resumed: the resumed model, the epochs it trained, and how
    many times this process wrote the backup."""
    written = [0]
    save = keras.callbacks.BackupAndRestore._save_model

    def counting_save(self):
        written[0] += 1
        save(self)

    # Restored after: the test of one process runs `main` in its own process.
    keras.callbacks.BackupAndRestore._save_model = counting_save
    backup = os.path.join(out, "backup")
    try:
        for interrupt in (True, False):
            model = lae.LSTMAutoencoder(12, 2, 4, units=(8,), seed=0)
            model.compile(optimizer="adam", loss="mse")
            callbacks = [
                keras.callbacks.BackupAndRestore(backup, delete_checkpoint=False)
            ]
            try:
                history = model.fit(
                    x,
                    batch_size=16,
                    epochs=3,
                    verbose=0,
                    callbacks=callbacks + ([Interrupt()] if interrupt else []),
                )
            except Interrupted:
                continue
    finally:
        keras.callbacks.BackupAndRestore._save_model = save
    return model, history.epoch, written[0]


if __name__ == "__main__":
    main(sys.argv[1])
