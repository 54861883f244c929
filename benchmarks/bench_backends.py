"""Training and encoding speed of keras_lstm_ae on each Keras backend.

The model and data are `bench_training.py`'s: `LSTM(64) -> Dense(16) ->
RepeatVector(100) -> LSTM(64) -> Dense(1)` on 1024 noisy sines, batch 64,
Adam, freed memory kept in glibc's heap. Keras picks its backend once per
process, so each backend runs in a process of its own, on the same number of
threads (`OMP_NUM_THREADS`, which JAX and TensorFlow are told too). Rows: an
epoch of training on dense sequences, one on NaN-padded sequences of lengths
50..100, and `encoder.predict`, in sequences per second (the median of
`--repeats` runs, after a warm-up run that compiles).

Usage:

    OMP_NUM_THREADS=1 python benchmarks/bench_backends.py [--repeats 5]
        [--backends torch jax tensorflow]
"""

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys

BACKENDS = ("torch", "jax", "tensorflow")
ROWS = ("train, dense", "train, padded 50..100", "encoder.predict")


def one_thread_environment(backend, threads):
    """The environment of a child process that runs `backend` on `threads`."""
    return {
        **os.environ,
        "KERAS_BACKEND": backend,
        "OMP_NUM_THREADS": threads,
        # JAX's and TensorFlow's CPU thread pools ignore OMP_NUM_THREADS.
        "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false "
        f"intra_op_parallelism_threads={threads}",
        "TF_NUM_INTRAOP_THREADS": threads,
        "TF_NUM_INTEROP_THREADS": "1",
    }


def measure_here(args):
    """Sequences/s of each row on the backend of this process."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import bench_training  # Imports keras_lstm_ae, which respects KERAS_BACKEND.
    import keras

    bench_training.tune_malloc()
    if keras.backend.backend() == "torch":
        import torch

        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    dense, padded, _ = bench_training.make_data(args.samples)
    autoencoder, encoder = bench_training.keras_models()

    def fit(x):
        return lambda: autoencoder.fit(
            x, x, batch_size=args.batch_size, epochs=1, verbose=0, shuffle=True
        )

    runs = dict(
        zip(
            ROWS,
            [
                fit(dense),
                fit(padded),
                lambda: encoder.predict(
                    padded, batch_size=args.predict_batch_size, verbose=0
                ),
            ],
            strict=True,
        )
    )
    rates = {}
    for row, run in runs.items():
        run()  # Warm-up: builds, compiles, allocates.
        times = [bench_training.time_it(run) for _ in range(args.repeats)]
        rates[row] = args.samples / statistics.median(times)
    backend = keras.backend.backend()
    return {
        "backend": backend,
        "version": importlib.import_module(backend).__version__,
        "rates": rates,
    }


def measure_in_child(backend, args):
    command = [
        sys.executable,
        os.path.abspath(__file__),
        "--child",
        "--samples",
        str(args.samples),
        "--repeats",
        str(args.repeats),
        "--batch-size",
        str(args.batch_size),
        "--predict-batch-size",
        str(args.predict_batch_size),
    ]
    threads = os.environ.get("OMP_NUM_THREADS", "1")
    result = subprocess.run(
        command,
        env=one_thread_environment(backend, threads),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"the {backend} run failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=BACKENDS)
    parser.add_argument("--samples", type=int, default=1024)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--predict-batch-size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_here(args)))
        return

    print(
        f"threads={os.environ.get('OMP_NUM_THREADS', '1')} samples={args.samples} "
        f"batch={args.batch_size} repeats={args.repeats} | sequences/s"
    )
    print(f"\n| {'backend':<18} | " + " | ".join(f"{row:>21}" for row in ROWS) + " |")
    print(f"|{'-' * 20}|" + "|".join("-" * 23 for _ in ROWS) + "|")
    for backend in args.backends:
        result = measure_in_child(backend, args)
        name = f"{result['backend']} {result['version']}"
        rates = " | ".join(f"{result['rates'][row]:>21.0f}" for row in ROWS)
        print(f"| {name:<18} | {rates} |", flush=True)


if __name__ == "__main__":
    main()
