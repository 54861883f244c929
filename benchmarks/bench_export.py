"""Vectors per second: `SequenceEncoder` in Python against its ONNX file.

A `SequenceEncoder` with its defaults (bidirectional `LSTM(64)`, 16-number
vectors) is fitted for one epoch on 512 noisy sines of 50 to 150 steps (the
speed does not depend on the weights), exported with
`SequenceEncoder.export`, and run on NaN-padded batches of 1 and 256
sequences:

- `transform`: what a Python user calls (NumPy preparation, then the
  encoder through Keras on torch);
- `encoder.predict`: the Keras encoder alone, on prepared inputs;
- `onnxruntime`: the exported file, preparation included, on the raw batch.

Everything runs on one thread (`OMP_NUM_THREADS=1`, onnxruntime's intra- and
inter-op threads set to 1). Each rate is the median of `--repeats` timed
passes over 512 sequences, after one untimed pass.

Usage:

    OMP_NUM_THREADS=1 python benchmarks/bench_export.py [--repeats 5]
"""

import argparse
import os
import statistics
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

import keras_lstm_ae as lae
from keras_lstm_ae.estimators.sequence_encoder import _prepare as prepare


def noisy_sines(samples, seed=0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(50, 151, size=samples)
    return [
        np.sin(np.arange(n) * rng.uniform(0.05, 0.3) + rng.uniform(0, 6))
        + rng.normal(0, 0.1, n)
        for n in lengths
    ]


def rate(run, batches, repeats):
    """Sequences per second: the median over `repeats` passes of `run`."""
    for batch in batches:
        run(batch)
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        for batch in batches:
            run(batch)
        seconds.append(time.perf_counter() - start)
    return sum(len(batch) for batch in batches) / statistics.median(seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    import onnxruntime

    sequences = noisy_sines(512)
    encoder = lae.SequenceEncoder(epochs=1, seed=0).fit(sequences)
    x = lae.pad_sequences(sequences, maxlen=encoder.timesteps_)
    prepared = prepare(x, encoder.scaler_, encoder.segment_length_)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    with tempfile.TemporaryDirectory() as folder:
        path = encoder.export(os.path.join(folder, "vectors.onnx"))
        session = onnxruntime.InferenceSession(path, options)

        print(f"SequenceEncoder defaults, {encoder.timesteps_} steps, one thread")
        print(
            "| batch | transform (seq/s) | encoder.predict | onnxruntime | onnx / predict |"
        )
        print("|---|---|---|---|---|")
        for batch_size in (1, 256):
            starts = range(0, len(x), batch_size)
            raw = [x[s : s + batch_size] for s in starts]
            ready = [prepared[s : s + batch_size] for s in starts]
            transform = rate(encoder.transform, raw, args.repeats)
            predict = rate(
                lambda b, n=batch_size: encoder.model_.encoder.predict(
                    b, batch_size=n, verbose=0
                ),
                ready,
                args.repeats,
            )
            onnx = rate(
                lambda b: session.run(None, {"sequences": b}), raw, args.repeats
            )
            print(
                f"| {batch_size} | {transform:.0f} | {predict:.0f} | {onnx:.0f} "
                f"| {onnx / predict:.2f}x |"
            )


if __name__ == "__main__":
    main()
