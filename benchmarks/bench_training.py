"""Training and encoding speed: keras_lstm_ae vs a hand-written PyTorch peer.

Both run in this process, on the same data, batch size, optimizer (Adam) and
thread count, with the same architecture and trainable parameter count:
`LSTM(64) -> Dense(16) -> RepeatVector(100) -> LSTM(64) -> Dense(1)`.
Rows: training on dense sequences, training on NaN-padded sequences of
lengths 50..100, and `encoder.predict`. Rates are medians of several runs, in
sequences per second; the ratio is the median of adjacent paired runs.

The ragged row trains on lengths 20..300 padded to 300 (the same
`LSTM(64) -> Dense(16)` autoencoder, 300 steps) with random batches and with
`fit(..., group_by_length=True)`, against the faster of two hand-written
loops: one pads every batch to the set's longest sequence, one cuts every
batch after its own longest (both print their rates, in that order). What
decides that row, measured here:

- Both sides spend about 90% of a training step in oneDNN's LSTM kernels
  (torch profiler, grouped epoch: `mkldnn_rnn_layer_backward` 54%,
  `mkldnn_rnn_layer` 35%), so speed follows the steps a batch runs. Random
  batches of 64 almost always hold a long sequence: cutting them at their
  longest runs 291 steps on average instead of 300, and saves little.
  Grouped batches run 168 (the lengths average 160), hence the speed-up.
- Without grouping the library runs at about 0.95x the faster loop, as on
  the other rows. A ratio above 1 (1.1-1.4x was once reported here) appears
  when the peer is timed colder: in a fresh process the first 2 or 3
  epochs of either side ran at half speed, so each side is warmed up for
  `WARM_UP_CALLS` epochs before timing.
- Many distinct batch lengths cost little: cutting at multiples of 32
  steps (fewer shapes for oneDNN to build its primitives for) ran 181 steps
  per batch and was slower than exact cuts (the "rounded to 32" line).

Usage:

    OMP_NUM_THREADS=1 python benchmarks/bench_training.py [--repeats 15] [--stock]
        [--malloc tuned|default] [--ragged-repeats 7] [--no-ragged]

`--stock` adds Keras's own layers (`keras.layers.LSTM`, `TimeDistributed`)
for reference; they are slow, so that row takes a few minutes.

`--malloc tuned` (the default) keeps freed memory in glibc's heap (`mallopt`:
mmap threshold 32 MiB, no trimming) for this process, on both sides alike.
With `--malloc default`, glibc hands large freed blocks back to the system and
the next step page-faults them in again; which steps pay for that depends on
each side's order of allocations. Here it moved either side's speed by up to
2x between runs of the same code (the dense row's ratio from 0.63x to 0.91x),
so the ratio measured the allocator rather than the code. Tuned, both sides
run about 2x faster and the ratio is stable to a few percent. The threads
guide (docs/guides/threads.md) shows how to get the same setting for any
training script.
"""

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras_lstm_ae  # Sets the torch backend before Keras is imported.

# isort: split
import keras
import numpy as np

TIMESTEPS, FEATURES, UNITS, LATENT = 100, 1, 64, 16
RAGGED_TIMESTEPS = 300
WARM_UP_CALLS = 3


def make_data(samples, seed=0):
    """Noisy sines (dense), and the same cut to lengths 50..100 (NaN after)."""
    rng = np.random.default_rng(seed)
    t = np.arange(TIMESTEPS)
    phase = rng.uniform(0, 2 * np.pi, (samples, 1))
    freq = rng.uniform(0.05, 0.2, (samples, 1))
    dense = np.sin(freq * t + phase) + 0.1 * rng.standard_normal((samples, TIMESTEPS))
    dense = dense[..., None].astype("float32")
    lengths = rng.integers(50, TIMESTEPS + 1, samples)
    padded = dense.copy()
    padded[np.arange(TIMESTEPS)[None, :] >= lengths[:, None]] = np.nan
    return dense, padded, lengths


def keras_models(stock=False):
    """`(autoencoder, encoder)`: the library's, or the same graph of stock layers."""
    if not stock:
        autoencoder = keras_lstm_ae.LSTMAutoencoder(
            TIMESTEPS, FEATURES, LATENT, units=(UNITS,), seed=0
        )
        autoencoder.compile(optimizer="adam", loss="mse")
        return autoencoder, autoencoder.encoder
    inputs = keras.Input((TIMESTEPS, FEATURES))
    hidden = keras_lstm_ae.layers.NaNMasking()(inputs)
    hidden = keras.layers.LSTM(UNITS)(hidden)
    latent = keras.layers.Dense(LATENT)(hidden)
    hidden = keras.layers.RepeatVector(TIMESTEPS)(latent)
    hidden = keras.layers.LSTM(UNITS, return_sequences=True)(hidden)
    outputs = keras.layers.TimeDistributed(keras.layers.Dense(FEATURES))(hidden)
    autoencoder = keras.Model(inputs, outputs)
    autoencoder.compile(optimizer="adam", loss=stock_masked_mse)
    return autoencoder, keras.Model(inputs, latent)


def stock_masked_mse(y_true, y_pred):
    """Mean squared error over non-NaN steps, for the stock-layer model."""
    ops = keras.ops
    missing = ops.isnan(y_true)
    present = ops.cast(ops.logical_not(ops.any(missing, axis=-1)), "float32")
    y_true = ops.where(missing, 0.0, y_true)
    errors = ops.mean((y_pred - y_true) ** 2, axis=-1) * present
    return ops.sum(errors) / ops.maximum(ops.sum(present), 1.0)


def time_it(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def measure(candidates, peers, samples, repeats):
    """Sequences/s of each candidate and peer, and each candidate's ratio.

    Runs alternate candidates and peers; a candidate's ratio is the median,
    over repeats, of the faster peer's time in that repeat over the
    candidate's, which cancels the slow drifts in speed of a shared machine
    better than a ratio of separate medians.

    Returns:
        `({candidate: (rate, ratio)}, {peer: rate})`.
    """
    for function in [*candidates.values(), *peers.values()]:
        # Warm-up: builds, allocates, fills caches. In a fresh process the
        # first 2 or 3 epochs of either side ran at half speed (the peer's
        # padded epochs: 4.2, 4.2, 3.7, then 2.0 s), shapes new or not.
        for _ in range(WARM_UP_CALLS):
            function()
    times = {name: [] for name in [*candidates, *peers]}
    for _ in range(repeats):
        for name, function in [*candidates.items(), *peers.items()]:
            times[name].append(time_it(function))
    fastest_peer = [
        min(run) for run in zip(*(times[name] for name in peers), strict=True)
    ]
    results = {}
    for name in candidates:
        ratios = [
            peer / own for own, peer in zip(times[name], fastest_peer, strict=True)
        ]
        results[name] = (
            samples / statistics.median(times[name]),
            statistics.median(ratios),
        )
    peer_rates = {name: samples / statistics.median(times[name]) for name in peers}
    return results, peer_rates


def tune_malloc():
    """Keeps freed blocks in glibc's heap instead of returning them.

    Returns:
        `"tuned"`, or `"default (no glibc)"` where the C library is not
        glibc (macOS, musl): the setting is then left alone.
    """
    import ctypes

    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return "default (no glibc)"
    m_trim_threshold, m_mmap_threshold = -1, -3
    if not (
        mallopt(m_mmap_threshold, 32 * 1024 * 1024)
        and mallopt(m_trim_threshold, 2**31 - 1)
    ):
        raise RuntimeError("mallopt refused the settings")
    return "tuned"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1024)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--predict-batch-size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--stock", action="store_true", help="add stock Keras layers")
    parser.add_argument("--ragged-repeats", type=int, default=7)
    parser.add_argument(
        "--no-ragged", action="store_true", help="skip the ragged 20..300 row"
    )
    parser.add_argument(
        "--malloc",
        choices=["tuned", "default"],
        default="tuned",
        help="glibc allocator settings for this process (see the module docstring)",
    )
    args = parser.parse_args(argv)
    malloc = tune_malloc() if args.malloc == "tuned" else "default"
    # Here, not at the top: `bench_backends.py` reuses this module's data and
    # models on backends that do not need torch.
    import torch
    from peer import TorchLSTMAutoencoder, encode, train_epoch

    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dense, padded, lengths = make_data(args.samples)

    models = {"keras_lstm_ae": keras_models()}
    if args.stock:
        models["keras, stock layers"] = keras_models(stock=True)
    peer = TorchLSTMAutoencoder(TIMESTEPS, FEATURES, UNITS, LATENT).to(device)
    optimizer = torch.optim.Adam([p for p in peer.parameters() if p.requires_grad])
    peer_params = sum(p.numel() for p in peer.parameters() if p.requires_grad)
    print(
        f"device={device} ({torch.cuda.get_device_name() if device == 'cuda' else 'CPU'}) "
        f"threads={torch.get_num_threads()} malloc={malloc} samples={args.samples} "
        f"batch={args.batch_size} timesteps={TIMESTEPS} | trainable parameters: "
        f"keras_lstm_ae {models['keras_lstm_ae'][0].count_params()}, peer {peer_params}"
    )

    x_dense = torch.from_numpy(dense).to(device)
    x_zero = torch.from_numpy(np.nan_to_num(padded)).to(device)
    lengths_t = torch.from_numpy(lengths).to(device)
    mask_t = torch.arange(TIMESTEPS, device=device)[None, :] < lengths_t[:, None]

    def fit(autoencoder, x):
        return lambda: autoencoder.fit(
            x, x, batch_size=args.batch_size, epochs=1, verbose=0, shuffle=True
        )

    def predict(encoder):
        return lambda: encoder.predict(
            padded, batch_size=args.predict_batch_size, verbose=0
        )

    rows = [
        (
            "train, dense",
            {name: fit(ae, dense) for name, (ae, _) in models.items()},
            {"peer": lambda: train_epoch(peer, optimizer, x_dense, args.batch_size)},
        ),
        (
            "train, padded 50..100",
            {name: fit(ae, padded) for name, (ae, _) in models.items()},
            {
                "peer": lambda: train_epoch(
                    peer, optimizer, x_zero, args.batch_size, lengths_t, mask_t
                )
            },
        ),
        (
            "encoder.predict",
            {name: predict(encoder) for name, (_, encoder) in models.items()},
            {"peer": lambda: encode(peer, x_zero, args.predict_batch_size, lengths_t)},
        ),
    ]
    print(
        f"\n| {'row':<26} | {'model':<30} | {'seq/s':>8} | {'peer seq/s':>18} | ratio |"
    )
    print(f"|{'-' * 28}|{'-' * 32}|{'-' * 10}|{'-' * 20}|-------|")
    for row, candidates, peers in rows:
        print_row(row, *measure(candidates, peers, args.samples, args.repeats))
    if not args.no_ragged:
        print_row("train, ragged 20..300", *ragged_row(args, device))


def print_row(row, results, peer_rates):
    peers = " / ".join(f"{rate:.0f}" for rate in peer_rates.values())
    for name, (rate, ratio) in results.items():
        print(
            f"| {row:<26} | {name:<30} | {rate:>8.0f} | {peers:>18} | {ratio:>4.2f}x |",
            flush=True,
        )


def ragged_row(args, device):
    """Training on lengths 20..300 padded to 300, with and without grouping.

    The peer is the faster of two hand-written loops, both masked and
    reading each sequence's state at its last real step: one pads every
    batch to the set's longest sequence, one cuts every batch after its own
    longest (printed in that order).
    """
    import torch
    from peer import TorchLSTMAutoencoder, train_epoch

    from keras_lstm_ae.preprocessing.batching import SequenceBatches

    timesteps = RAGGED_TIMESTEPS
    rng = np.random.default_rng(1)
    t = np.arange(timesteps)
    samples = args.samples
    freq = rng.uniform(0.05, 0.2, (samples, 1))
    phase = rng.uniform(0, 2 * np.pi, (samples, 1))
    x = np.sin(freq * t + phase) + 0.1 * rng.standard_normal((samples, timesteps))
    x = x[..., None].astype("float32")
    lengths = rng.integers(20, timesteps + 1, samples)
    x[t[None, :] >= lengths[:, None]] = np.nan

    autoencoder = keras_lstm_ae.LSTMAutoencoder(
        timesteps, FEATURES, LATENT, units=(UNITS,), seed=0
    )
    autoencoder.compile(optimizer="adam", loss="mse")
    peer = TorchLSTMAutoencoder(timesteps, FEATURES, UNITS, LATENT).to(device)
    optimizer = torch.optim.Adam([p for p in peer.parameters() if p.requires_grad])
    x_zero = torch.from_numpy(np.nan_to_num(x)).to(device)
    lengths_t = torch.from_numpy(lengths).to(device)
    mask_t = torch.arange(timesteps, device=device)[None, :] < lengths_t[:, None]

    def fit(group_by_length):
        return lambda: autoencoder.fit(
            x,
            batch_size=args.batch_size,
            epochs=1,
            verbose=0,
            group_by_length=group_by_length,
        )

    def peer_run(cut_batches):
        return lambda: train_epoch(
            peer,
            optimizer,
            x_zero,
            args.batch_size,
            lengths_t,
            mask_t,
            cut_batches=cut_batches,
        )

    rounded = SequenceBatches(
        x, batch_size=args.batch_size, seed=0, group_by_length=True, round_to=32
    )
    grouped = SequenceBatches(
        x, batch_size=args.batch_size, seed=0, group_by_length=True
    )
    random_batches = [
        lengths[start : start + args.batch_size].max()
        for start in range(0, samples, args.batch_size)
    ]
    print(
        "ragged 20..300: mean steps per batch: set's longest "
        f"{timesteps}, batch's longest {np.mean(random_batches):.0f}, grouped "
        f"{np.mean([grouped.batch_steps(i) for i in range(len(grouped))]):.0f}, "
        "grouped and rounded up to a multiple of 32 "
        f"{np.mean([rounded.batch_steps(i) for i in range(len(rounded))]):.0f}"
    )
    return measure(
        {
            "keras_lstm_ae": fit(False),
            "keras_lstm_ae, group_by_length": fit(True),
            "group_by_length, rounded to 32": lambda: autoencoder.fit(
                rounded, epochs=1, verbose=0
            ),
        },
        {
            "peer, set's longest": peer_run(False),
            "peer, batch's longest": peer_run(True),
        },
        samples,
        args.ragged_repeats,
    )


if __name__ == "__main__":
    main()
