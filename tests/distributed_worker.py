"""Trains a small autoencoder, alone or as one process of a `torchrun` group.

Used by `tests/test_distributed.py`: run as `python distributed_worker.py OUT`
or under `torchrun --nproc_per_node 2`. Each process writes what the test
compares to `OUT/rank{rank}.json` and `OUT/rank{rank}.npz`: its final
weights, its history and how many sequences its training steps held.
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

    torch.set_num_threads(1)
    rank, world_size = lae.distributed.initialize()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((65, 12, 2)).astype("float32")
    x[np.arange(12)[None, :] >= rng.integers(2, 13, 65)[:, None]] = np.nan
    model = lae.LSTMAutoencoder(12, 2, 4, units=(8,), seed=0)
    model.compile(optimizer="adam", loss="mse")
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
    with open(os.path.join(out, f"rank{rank}.json"), "w") as file:
        json.dump(
            {
                "world_size": world_size,
                "trained_on": trained_on[0],
                "history": history.history,
                "evaluate": model.evaluate(x, verbose=0),
            },
            file,
        )


if __name__ == "__main__":
    main(sys.argv[1])
