"""Training and encoding speed: keras_lstm_ae vs a hand-written PyTorch peer.

Both run in this process, on the same data, batch size, optimizer (Adam) and
thread count, with the same architecture and trainable parameter count:
`LSTM(64) -> Dense(16) -> RepeatVector(100) -> LSTM(64) -> Dense(1)`.
Rows: training on dense sequences, training on NaN-padded sequences of
lengths 50..100, and `encoder.predict`. Rates are medians of several runs, in
sequences per second; the ratio is the median of adjacent paired runs.

Usage:

    OMP_NUM_THREADS=1 python benchmarks/bench_training.py [--repeats 15] [--stock]
        [--malloc tuned|default]

`--stock` adds Keras's own layers (`keras.layers.LSTM`, `TimeDistributed`)
for reference; they are slow, so that row takes a few minutes.

`--malloc tuned` (the default) keeps freed memory in glibc's heap (`mallopt`:
mmap threshold 32 MiB, no trimming) for this process, on both sides alike.
With `--malloc default`, glibc hands large freed blocks back to the system and
the next step page-faults them in again; which steps pay for that depends on
each side's order of allocations. Here it moved either side's speed by up to
2x between runs of the same code (the dense row's ratio from 0.63x to 0.91x),
so the ratio measured the allocator rather than the code. Tuned, both sides
run about 2x faster and the ratio is stable to a few percent. The README
shows how to get the same setting for any training script.
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


def measure(candidates, peer_run, samples, repeats):
    """Sequences/s of each candidate and of the peer, and their paired ratio.

    Runs alternate candidate, peer, candidate, peer...; the ratio is the
    median over adjacent pairs, which cancels the slow drifts in speed of a
    shared machine better than a ratio of separate medians.
    """
    for function in [*candidates.values(), peer_run]:
        function()  # Warm-up: builds, allocates, fills caches.
    times = {name: [] for name in candidates}
    peer_times = []
    for _ in range(repeats):
        for name, function in candidates.items():
            times[name].append(time_it(function))
        peer_times.append(time_it(peer_run))
    results = {}
    for name, runs in times.items():
        ratios = [peer / own for own, peer in zip(runs, peer_times, strict=True)]
        results[name] = (samples / statistics.median(runs), statistics.median(ratios))
    return results, samples / statistics.median(peer_times)


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1024)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--predict-batch-size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--stock", action="store_true", help="add stock Keras layers")
    parser.add_argument(
        "--malloc",
        choices=["tuned", "default"],
        default="tuned",
        help="glibc allocator settings for this process (see the module docstring)",
    )
    args = parser.parse_args()
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
            lambda: train_epoch(peer, optimizer, x_dense, args.batch_size),
        ),
        (
            "train, padded 50..100",
            {name: fit(ae, padded) for name, (ae, _) in models.items()},
            lambda: train_epoch(
                peer, optimizer, x_zero, args.batch_size, lengths_t, mask_t
            ),
        ),
        (
            "encoder.predict",
            {name: predict(encoder) for name, (_, encoder) in models.items()},
            lambda: encode(peer, x_zero, args.predict_batch_size, lengths_t),
        ),
    ]
    print(
        f"\n| {'row':<22} | {'model':<20} | {'seq/s':>8} | {'peer seq/s':>10} | ratio |"
    )
    print(f"|{'-' * 24}|{'-' * 22}|{'-' * 10}|{'-' * 12}|-------|")
    for row, candidates, peer_run in rows:
        results, peer_rate = measure(candidates, peer_run, args.samples, args.repeats)
        for name, (rate, ratio) in results.items():
            print(
                f"| {row:<22} | {name:<20} | {rate:>8.0f} | {peer_rate:>10.0f} | "
                f"{ratio:>4.2f}x |",
                flush=True,
            )


if __name__ == "__main__":
    main()
