"""Data-parallel training throughput: 1 and 2 processes under `torchrun`.

Launches itself under `torchrun --standalone --nproc_per_node N` for each N
(one thread per process), and each run trains the speed benchmark's
autoencoder (`LSTM(64) -> Dense(16)`, 100 steps, NaN-padded lengths 50..100)
with `fit(batch_size=128)`: the global batch, so every process computes
128 / N sequences of each step. Rank 0 prints sequences per second over
the timed epochs, after warm-up epochs (in a fresh process the first epochs
run slower). On a machine with CUDA, torchrun's processes each take the GPU
of their `LOCAL_RANK` (NCCL); otherwise they run on the CPU (gloo).

Run from the repository root:

    OMP_NUM_THREADS=1 python benchmarks/bench_distributed.py [--processes 1 2]
"""

import argparse
import os
import subprocess
import sys
import time

SAMPLES, TIMESTEPS, BATCH_SIZE = 4096, 100, 128


def worker(epochs, warm_up):
    import numpy as np
    import torch

    import keras_lstm_ae as lae

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    rank, world_size = lae.distributed.initialize()
    rng = np.random.default_rng(0)
    t = np.arange(TIMESTEPS)
    x = np.sin(
        rng.uniform(0.05, 0.2, (SAMPLES, 1)) * t + rng.uniform(0, 6, (SAMPLES, 1))
    )
    x = x[..., None].astype("float32")
    x[t[None, :] >= rng.integers(50, TIMESTEPS + 1, SAMPLES)[:, None]] = np.nan
    model = lae.LSTMAutoencoder(TIMESTEPS, 1, 16, units=(64,), seed=0)
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, batch_size=BATCH_SIZE, epochs=warm_up, verbose=0)
    start = time.perf_counter()
    history = model.fit(x, batch_size=BATCH_SIZE, epochs=epochs, verbose=0)
    seconds = time.perf_counter() - start
    if rank == 0:
        device = "cuda" if torch.cuda.is_available() else "cpu"
        print(
            f"| {world_size} | {device} | {epochs * SAMPLES / seconds:.0f} | "
            f"{history.history['loss'][-1]:.5f} |",
            flush=True,
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--processes", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--warm-up", type=int, default=3)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.epochs, args.warm_up)
        return
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    print("| processes | device | sequences/s | last loss |")
    print("|---|---|---|---|")
    for processes in args.processes:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "torch.distributed.run",
                "--standalone",
                f"--nproc_per_node={processes}",
                os.path.abspath(__file__),
                "--worker",
                "--epochs",
                str(args.epochs),
                "--warm-up",
                str(args.warm_up),
            ],
            env=env,
            check=True,
        )


if __name__ == "__main__":
    main()
