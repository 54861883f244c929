"""What `fit(..., group_by_length=True)` changes: quality and time, on ragged sets.

Grouping sequences of similar length changes which sequences share a batch,
so it can change what the model learns. For each ragged set, an
`LSTMAutoencoder` (`LSTM(64) -> Dense(16)`, NaN-padded standardised
sequences, Adam, early stopping on 10% held out, best weights restored) is
trained with random batches and with grouped ones, on the same seeds; the
table gives the 1-NN accuracy of its encodings (train split as reference,
test split scored), the test reconstruction error over real steps, the
epochs and the fit time.

Sets:

- JapaneseVowels (aeon's wheel): 7 to 26 steps of 12 features, 9 speakers.
- ragged waves: three classes (sine, square and sawtooth waves of random
  frequency and phase), 20 to 300 steps, 300 sequences per split.

Run from the repository root (about 5 minutes):

    OMP_NUM_THREADS=1 python benchmarks/bench_grouping.py [--seeds 0 1 2]
"""

import argparse
import os
import time

import numpy as np
from sklearn.neighbors import KNeighborsClassifier

import keras_lstm_ae as lae  # Chooses the torch backend before Keras loads.

# isort: split
import keras


def ragged_waves(samples, seed, longest=300):
    """Sines, squares and sawtooths of 20..`longest` steps, with labels."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, samples)
    lengths = rng.integers(20, longest + 1, samples)
    t = np.arange(longest)[None, :]
    phase = rng.uniform(0, 1, (samples, 1)) + rng.uniform(0.01, 0.05, (samples, 1)) * t
    phase = phase % 1.0
    waves = np.stack(
        [np.sin(2 * np.pi * phase), np.sign(np.sin(2 * np.pi * phase)), 2 * phase - 1]
    )
    x = waves[labels, np.arange(samples)] + 0.1 * rng.standard_normal(
        (samples, longest)
    )
    x[t >= lengths[:, None]] = np.nan
    return x[..., None].astype("float32"), labels


def load(name):
    if name == "JapaneseVowels":
        return (
            lae.datasets.load_ucr(name, "train"),
            lae.datasets.load_ucr(name, "test"),
        )
    return ragged_waves(300, seed=0), ragged_waves(300, seed=1)


def evaluate(name, seed, group_by_length):
    (x_train, y_train), (x_test, y_test) = load(name)
    scaler = lae.StandardScaler().fit(x_train)
    x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
    model = lae.LSTMAutoencoder(
        x_train.shape[1], x_train.shape[2], 16, units=(64,), seed=seed
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    order = np.random.default_rng(seed).permutation(len(x_train))
    held = len(x_train) // 10
    start = time.perf_counter()
    history = model.fit(
        x_train[order[held:]],
        validation_data=(x_train[order[:held]],),
        epochs=300,
        batch_size=32,
        callbacks=[
            keras.callbacks.EarlyStopping(patience=20, restore_best_weights=True)
        ],
        group_by_length=group_by_length,
        verbose=0,
    )
    seconds = time.perf_counter() - start
    z_train = model.encoder.predict(x_train, verbose=0)
    z_test = model.encoder.predict(x_test, verbose=0)
    accuracy = KNeighborsClassifier(1).fit(z_train, y_train).score(z_test, y_test)
    return {
        "1-NN": accuracy,
        "mse": model.evaluate(x_test, verbose=0),
        "epochs": len(history.history["loss"]),
        "seconds": seconds,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=["JapaneseVowels", "ragged waves"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    args = parser.parse_args()
    if os.environ.get("OMP_NUM_THREADS") == "1":
        import torch

        torch.set_num_threads(1)
    print(
        "| set | seed | random: 1-NN / test MSE / epochs / fit s "
        "| group_by_length: 1-NN / test MSE / epochs / fit s |"
    )
    print("|---|---|---|---|")
    for name in args.sets:
        for seed in args.seeds:
            cells = []
            for grouped in (False, True):
                row = evaluate(name, seed, grouped)
                cells.append(
                    f"{row['1-NN']:.3f} / {row['mse']:.4f} / {row['epochs']} / "
                    f"{row['seconds']:.0f}"
                )
            print(f"| {name} | {seed} | {' | '.join(cells)} |", flush=True)


if __name__ == "__main__":
    main()
