"""Peak anonymous memory of `fit`, `evaluate` and `predict` on memmaps of growing size.

For each size, a float32 `.npy` file of NaN-padded sequences (100 steps, 4
features) is written once to `--dir` (reused on later runs), opened with
`np.load(path, mmap_mode="r")`, and an `LSTMAutoencoder` (`LSTM(16)`, latent
8) runs `fit` for a few steps, `evaluate` for a few steps and `predict` on
the first 5,000 sequences. A thread samples the process's `RssAnon` (its
anonymous memory: heap, not the file's pages, which the kernel can drop)
every 5 ms; the table gives each call's peak above the level before it.
Reading batch by batch, the peak should not grow with the data: the checks
scan the memmap 4096 sequences at a time, and batches are read as needed.

A second table does the same for `AnomalyDetector.decision_function` on one
long recording on disk (64 channels of noisy cycles, float32), with a detector
fitted on its first 20,000 steps (window and stride 50, so every step lies in
one window): the recording is prepared and scored a stretch of 16,384 steps
at a time. What has to grow is the scores it returns, 8 bytes a step; the
table gives the peak with and without them.

Run from the repository root (writing the 16 GB file takes a few minutes;
it needs that much free disk):

    OMP_NUM_THREADS=1 python benchmarks/bench_memory.py [--sizes 0.4 4 16] \
        [--recording-sizes 0.4 4] [--dir /tmp]
"""

import argparse
import os
import threading
import time

import numpy as np

import keras_lstm_ae as lae  # Chooses the torch backend before Keras loads.

TIMESTEPS, FEATURES = 100, 4


def rss_anon():
    """This process's anonymous resident memory, in bytes (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no RssAnon in /proc/self/status (not Linux?)")


def peak_above_start(function):
    """`(peak RssAnon above the level before, seconds)` while `function` runs."""
    start = peak = rss_anon()
    running = True

    def sample():
        nonlocal peak
        while running:
            peak = max(peak, rss_anon())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    began = time.perf_counter()
    try:
        function()
    finally:
        running = False
        sampler.join()
    return max(peak, rss_anon()) - start, time.perf_counter() - began


def memmap_of(gigabytes, directory):
    """A float32 memmap of about `gigabytes` GB, written once and reused."""
    samples = int(gigabytes * 1e9 / (TIMESTEPS * FEATURES * 4))
    path = os.path.join(directory, f"lae_bench_memory_{gigabytes:g}gb.npy")
    if not os.path.exists(path):
        rng = np.random.default_rng(0)
        array = np.lib.format.open_memmap(
            path + ".part",
            mode="w+",
            dtype="float32",
            shape=(samples, TIMESTEPS, FEATURES),
        )
        chunk = 50_000
        for start in range(0, samples, chunk):
            values = rng.standard_normal(
                (min(chunk, samples - start), TIMESTEPS, FEATURES), dtype=np.float32
            )
            lengths = rng.integers(20, TIMESTEPS + 1, len(values))
            values[np.arange(TIMESTEPS)[None, :] >= lengths[:, None]] = np.nan
            array[start : start + len(values)] = values
        array.flush()
        del array
        os.replace(path + ".part", path)  # Never a half-written file.
    return np.load(path, mmap_mode="r")


RECORDING_CHANNELS, RECORDING_PERIOD = 64, 50


def recording_of(gigabytes, directory):
    """A float32 `(steps, 64)` memmap of noisy cycles, about `gigabytes` GB."""
    steps = int(gigabytes * 1e9 / (RECORDING_CHANNELS * 4))
    path = os.path.join(directory, f"lae_bench_recording_{gigabytes:g}gb.npy")
    if not os.path.exists(path):
        rng = np.random.default_rng(0)
        phases = rng.uniform(0, 2 * np.pi, RECORDING_CHANNELS)
        array = np.lib.format.open_memmap(
            path + ".part",
            mode="w+",
            dtype="float32",
            shape=(steps, RECORDING_CHANNELS),
        )
        chunk = 500_000
        for start in range(0, steps, chunk):
            time_steps = np.arange(start, min(start + chunk, steps))[:, None]
            values = np.sin(2 * np.pi * time_steps / RECORDING_PERIOD + phases)
            values += rng.normal(0, 0.1, values.shape)
            array[start : start + len(values)] = values
        array.flush()
        del array
        os.replace(path + ".part", path)
    return np.load(path, mmap_mode="r")


def detector_rows(sizes, directory):
    recordings = [recording_of(gigabytes, directory) for gigabytes in sizes]
    detector = lae.AnomalyDetector(
        window=RECORDING_PERIOD, stride=RECORDING_PERIOD, epochs=2, units=(16,), seed=0
    ).fit(np.asarray(recordings[0][:20_000]))
    detector.decision_function(recordings[0][:100_000])  # Builds and allocates first.
    print(
        "\n| recording (GB) | steps | score peak RssAnon (MB) "
        "| of which the scores (MB) | score s |"
    )
    print("|---|---|---|---|---|")
    for recording in recordings:
        peak, seconds = peak_above_start(
            lambda r=recording: detector.decision_function(r)
        )
        scores_bytes = 8 * len(recording)
        print(
            f"| {recording.nbytes / 1e9:.2g} | {len(recording):,} | {peak / 1e6:.0f} "
            f"| {scores_bytes / 1e6:.0f} | {seconds:.0f} |",
            flush=True,
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="*", type=float, default=[0.4, 4, 16])
    parser.add_argument("--recording-sizes", nargs="*", type=float, default=[0.4, 4])
    parser.add_argument("--dir", default="/tmp")
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    if os.environ.get("OMP_NUM_THREADS") == "1":
        import torch

        torch.set_num_threads(1)

    model = lae.LSTMAutoencoder(TIMESTEPS, FEATURES, 8, units=(16,), seed=0)
    model.compile(optimizer="adam", loss="mse")
    warm = np.zeros((64, TIMESTEPS, FEATURES), "float32")
    model.fit(warm, epochs=1, verbose=0)  # Builds and allocates before measuring.
    model.evaluate(warm, verbose=0)
    print(
        "| data (GB) | sequences | fit peak RssAnon (MB) | evaluate (MB) "
        "| predict 5,000 (MB) | fit s |"
    )
    print("|---|---|---|---|---|---|")
    for gigabytes in args.sizes:
        x = memmap_of(gigabytes, args.dir)
        fit_peak, fit_seconds = peak_above_start(
            lambda x=x: model.fit(
                x, epochs=1, steps_per_epoch=args.steps, batch_size=64, verbose=0
            )
        )
        evaluate_peak, _ = peak_above_start(
            lambda x=x: model.evaluate(x, steps=args.steps, batch_size=64, verbose=0)
        )
        predict_peak, _ = peak_above_start(
            lambda x=x: model.predict(x[:5000], batch_size=256, verbose=0)
        )
        print(
            f"| {x.nbytes / 1e9:.1f} | {len(x):,} | {fit_peak / 1e6:.0f} | "
            f"{evaluate_peak / 1e6:.0f} | {predict_peak / 1e6:.0f} | "
            f"{fit_seconds:.1f} |",
            flush=True,
        )
    if args.recording_sizes:
        detector_rows(args.recording_sizes, args.dir)


if __name__ == "__main__":
    main()
