"""Training step time by thread count, on an idle machine and beside busy ones.

For each model, each thread count (1, 2, ..., every core) and each load (no
other program, then 1 and 2 processes that keep a core busy), the median
time of a training step of `LSTMAutoencoder.fit`, run inside
`lae.thread_limit(threads)`. The models:

- `encoder`: `SequenceEncoder`'s default model (bidirectional `LSTM(64)`,
  16-number latent) on what it reads from 150-step sequences: 8 segments of
  19 values, batches of 16;
- `detector`: `AnomalyDetector`'s default model (bidirectional `LSTM(64)`,
  8-number latent) on 50-step windows cut into 8 segments of 7, batches of
  64;
- `large`: `LSTM(256)`, 100 steps of 1 feature, batches of 256, with the
  hand-written torch peer (`peer.py`) on the same threads beside it.

Each busy process is a Python loop with no work but to stay on a core. The
last row of each model is the default (`n_jobs=None`): the threads chosen
from the cores other programs leave spare (`spare_core_threads`), measured
when the fit starts and every second of it (`FollowSpareCores`), as the
estimators do; the counts it chose are printed beside it.

Usage:

    python benchmarks/bench_threads.py [--steps 30] [--repeats 3]
"""

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np

import keras_lstm_ae as lae
from keras_lstm_ae.backend.threads import FollowSpareCores, available_cores

# The row of `n_jobs=None`.
DEFAULT = "default"

MODELS = {
    "encoder": {
        "shape": (8, 19),
        "batch": 16,
        "options": {"latent_dim": 16, "units": (64,), "bidirectional": True},
    },
    "detector": {
        "shape": (8, 7),
        "batch": 64,
        "options": {"latent_dim": 8, "units": (64,), "bidirectional": True},
    },
    "large": {
        "shape": (100, 1),
        "batch": 256,
        "options": {"latent_dim": 16, "units": (256,)},
    },
}


def busy_processes(count):
    return [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(count)
    ]


@contextlib.contextmanager
def chosen_threads(threads, chosen):
    """`lae.thread_limit(threads)`; for the default row, with the user's cap
    lifted: `OMP_NUM_THREADS=1`, set above for torch's start, is this
    script's choice, not a user's. The counts used are added to `chosen`."""
    import torch

    saved = os.environ.pop("OMP_NUM_THREADS", None) if threads == DEFAULT else None
    try:
        with lae.thread_limit(None if threads == DEFAULT else threads):
            chosen.add(torch.get_num_threads())
            yield
            chosen.add(torch.get_num_threads())
    finally:
        if saved is not None:
            os.environ["OMP_NUM_THREADS"] = saved


def library_step_ms(spec, threads, steps, repeats, chosen):
    timesteps, features = spec["shape"]
    x = (
        np.random.default_rng(0)
        .normal(size=(steps * spec["batch"], timesteps, features))
        .astype("float32")
    )
    model = lae.LSTMAutoencoder(timesteps, features, seed=0, **spec["options"])
    model.compile(optimizer="adam", loss="mse")
    times = []
    callbacks = [FollowSpareCores()] if threads == DEFAULT else []
    with chosen_threads(threads, chosen):
        model.fit(x, batch_size=spec["batch"], epochs=1, verbose=0)  # Warm-up.
        for _ in range(repeats):
            start = time.perf_counter()
            model.fit(
                x,
                batch_size=spec["batch"],
                epochs=1,
                verbose=0,
                callbacks=callbacks,
            )
            times.append((time.perf_counter() - start) / steps * 1e3)
    return statistics.median(times)


def peer_step_ms(spec, threads, steps, repeats):
    import torch
    from peer import TorchLSTMAutoencoder, train_epoch

    timesteps, features = spec["shape"]
    torch.manual_seed(0)
    x = torch.randn(steps * spec["batch"], timesteps, features)
    model = TorchLSTMAutoencoder(
        timesteps, features, spec["options"]["units"][0], spec["options"]["latent_dim"]
    )
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad])
    times = []
    with lae.thread_limit(threads):
        train_epoch(model, optimizer, x, spec["batch"])
        for _ in range(repeats):
            start = time.perf_counter()
            train_epoch(model, optimizer, x, spec["batch"])
            times.append((time.perf_counter() - start) / steps * 1e3)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    parser.add_argument(
        "--loads", nargs="+", type=int, default=[0, 1, 2], help="busy processes"
    )
    args = parser.parse_args()
    thread_counts = sorted({1, 2, available_cores()})
    print(f"{available_cores()} cores; ms per training step, median of {args.repeats}")
    loads = [f"{n} busy" if n else "idle" for n in args.loads]
    peers = [f"peer {load}" for load in loads]
    print("| model | threads | " + " | ".join(loads + peers) + " |")
    print("|---|---|" + "---|" * (2 * len(loads)))
    for name in args.models:
        spec = MODELS[name]
        rows = {threads: [] for threads in [*thread_counts, DEFAULT]}
        chosen = {load: set() for load in args.loads}
        for load in args.loads:
            others = busy_processes(load)
            time.sleep(0.5)  # Let them start.
            try:
                for threads, cells in rows.items():
                    cells.append(
                        library_step_ms(
                            spec,
                            threads,
                            args.steps,
                            args.repeats,
                            chosen[load] if threads == DEFAULT else set(),
                        )
                    )
                    if name == "large" and threads != DEFAULT:
                        cells.append(
                            peer_step_ms(spec, threads, args.steps, args.repeats)
                        )
            finally:
                for process in others:
                    process.kill()
                    process.wait()
        for threads, cells in rows.items():
            paired = name == "large" and threads != DEFAULT
            library = cells[::2] if paired else cells
            peer = cells[1::2] if paired else [""] * len(args.loads)
            if threads == DEFAULT:
                used = ", ".join(
                    "/".join(map(str, sorted(chosen[load]))) for load in args.loads
                )
                threads = f"**default** (chose {used})"
            print(
                f"| {name} | {threads} | "
                + " | ".join(f"{v:.1f}" for v in library)
                + " | "
                + " | ".join(f"{v:.1f}" if v != "" else "" for v in peer)
                + " |"
            )


if __name__ == "__main__":
    main()
