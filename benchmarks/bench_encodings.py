"""How well `SequenceEncoder`'s vectors represent sequences, on real data sets.

For each data set (read offline from aeon's wheel), `SequenceEncoder` with its
defaults and `latent_dim=16` is fitted on the training split only, without
labels. Each vector is then judged by the company it keeps:

- 1-NN: each test sequence takes the class of the nearest training sequence
  (Euclidean), on the encodings, on the raw series, and on a 16-component PCA
  of the raw series. Raw means standardised with the training split's mean
  and standard deviation, with padding as 0 for sets of unequal lengths.
- SVM: an RBF support vector machine on the encodings, with `C` chosen by
  5-fold cross-validation on the training split (the protocol of T-Loss and
  TS2Vec, to compare with their published accuracies).
- Reconstruction: the mean squared error over the test split's real steps,
  in standardised units, of the autoencoder (`inverse_transform(transform)`)
  and of the PCA.
- Fit time, in seconds, on however many threads the process has (1 with
  `OMP_NUM_THREADS=1`).
- Beside them, what a user could compute instead without training a model,
  with aeon (installed with the `datasets` extra): 1-NN on catch22's 22
  features per channel (Lubba et al., 2019), and on MiniRocket's ~10,000
  random convolutional features (Dempster et al., 2021; seeded by `seed`),
  each standardised with the training split's mean and deviation. catch22
  reads each sequence at its own length; MiniRocket, which needs one length,
  reads the standardised series with padding as 0, as the raw column does.
  `--no-baselines` skips them (the first call compiles numba code: about a
  minute).

Run from the repository root (one seed: about 12 minutes on one thread; three
seeds, the README's table: about 35):

    OMP_NUM_THREADS=1 python benchmarks/bench_encodings.py
    OMP_NUM_THREADS=1 python benchmarks/bench_encodings.py --sets GunPoint --seeds 0 1 2
    OMP_NUM_THREADS=1 python benchmarks/bench_encodings.py --seeds 0 1 2   # the README's table

`--param name=value` (repeatable) sets a `SequenceEncoder` parameter or
model option away from its default, for the design notes' comparisons; the
value is read as JSON where it parses (`--param 'units=[32]'`,
`--param learning_rate=0.003`), else as text (`--param cell=gru`).

The tuning sets are these five and three synthetic ones
(`lae.datasets.make_shapes`: 200 training and 300 test sequences of one
event each, moved, stretched and scaled at random): `Shapes` (4 classes by
the event's shape, 100 steps), `ShapesRagged` (the same, 50 to 200 steps)
and `ShapesByScale` (3 classes by the event's size, whatever its shape).
The other sets in aeon's wheel are left for outside checks.
"""

import argparse
import contextlib
import json
import os
import time

import numpy as np
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

import keras_lstm_ae as lae  # Chooses the torch backend before Keras loads.

SYNTHETIC_SETS = {
    "Shapes": {"timesteps": 100},
    "ShapesRagged": {"timesteps": 200, "min_timesteps": 50},
    "ShapesByScale": {"timesteps": 100, "classes": "scale"},
}
TUNING_SETS = (
    "GunPoint",
    "JapaneseVowels",
    "ItalyPowerDemand",
    "OSULeaf",
    "ACSF1",
    *SYNTHETIC_SETS,
)


def load(name, split):
    """The `split` ("train" or "test") of a UCR/UEA or synthetic set."""
    if name in SYNTHETIC_SETS:
        size, seed = (200, 0) if split == "train" else (300, 1)
        return lae.datasets.make_shapes(size, seed=seed, **SYNTHETIC_SETS[name])
    return lae.datasets.load_ucr(name, split)


def one_nn_accuracy(train, y_train, test, y_test):
    return KNeighborsClassifier(n_neighbors=1).fit(train, y_train).score(test, y_test)


def svm_accuracy(train, y_train, test, y_test):
    """TS2Vec's `fit_svm`: an RBF SVM, `C` by 5-fold grid search when each
    class has at least 5 training sequences, else `C` = infinity."""
    if len(y_train) // len(np.unique(y_train)) < 5:
        model = SVC(C=np.inf, gamma="scale").fit(train, y_train)
    else:
        grid = {"C": [10.0**k for k in range(-4, 5)] + [np.inf]}
        model = GridSearchCV(SVC(kernel="rbf", gamma="scale"), grid, cv=5, n_jobs=1)
        model.fit(train, y_train)
    return model.score(test, y_test)


def standardised_one_nn(train, y_train, test, y_test):
    """1-NN on features standardised with the training split's statistics
    (constant features, as some of catch22's can be, are left at 0)."""
    scaler = StandardScaler().fit(train)
    return one_nn_accuracy(
        np.nan_to_num(scaler.transform(train)),
        y_train,
        np.nan_to_num(scaler.transform(test)),
        y_test,
    )


def channels_first(x):
    """NaN-padded `(n, timesteps, features)` as aeon's collections: an array
    `(n, channels, timesteps)` when every sequence is full length, else a
    list of `(channels, length)` arrays."""
    lengths = lae.sequence_lengths(x)
    if (lengths == x.shape[1]).all():
        return np.ascontiguousarray(np.transpose(x, (0, 2, 1)), dtype=np.float64)
    return [
        np.asarray(s[:n].T, dtype=np.float64) for s, n in zip(x, lengths, strict=True)
    ]


def baselines(x_train, y_train, x_test, y_test, raw_train, raw_test, seed):
    """1-NN accuracy on catch22's and on MiniRocket's features."""
    from aeon.transformations.collection.convolution_based import MiniRocket
    from aeon.transformations.collection.feature_based import Catch22

    catch22 = Catch22(n_jobs=1)
    features = (
        catch22.fit_transform(channels_first(x_train)),
        catch22.transform(channels_first(x_test)),
    )
    rocket = MiniRocket(n_jobs=1, random_state=seed)
    dense_train, dense_test = (
        np.ascontiguousarray(np.transpose(np.nan_to_num(x), (0, 2, 1)), np.float64)
        for x in (raw_train, raw_test)
    )
    kernels = rocket.fit_transform(dense_train), rocket.transform(dense_test)
    return {
        "catch22": standardised_one_nn(features[0], y_train, features[1], y_test),
        "minirocket": standardised_one_nn(kernels[0], y_train, kernels[1], y_test),
    }


def masked_mse(x, x_hat):
    real = ~np.isnan(x)
    return float(np.mean((x_hat[real] - x[real]) ** 2))


def flat(x):
    return np.nan_to_num(x).reshape(len(x), -1)


def parameter(text):
    """`name=value` as `(name, value)`; the value is JSON where it parses."""
    name, separator, value = text.partition("=")
    if not separator or not name:
        raise argparse.ArgumentTypeError(f"expected name=value; got {text!r}")
    with contextlib.suppress(json.JSONDecodeError):
        value = json.loads(value)
    return name, value


def evaluate(name, seed, latent_dim, with_baselines, params):
    x_train, y_train = load(name, "train")
    x_test, y_test = load(name, "test")

    start = time.perf_counter()
    encoder = lae.SequenceEncoder(latent_dim=latent_dim, seed=seed, **params)
    encoder.fit(x_train)
    fit_seconds = time.perf_counter() - start
    z_train, z_test = encoder.transform(x_train), encoder.transform(x_test)
    reconstruction = encoder.inverse_transform(z_test)

    scaler = encoder.scaler_
    raw_train, raw_test = scaler.transform(x_train), scaler.transform(x_test)
    pca = PCA(n_components=latent_dim, random_state=0).fit(flat(raw_train))
    pca_test = pca.transform(flat(raw_test))
    pca_reconstruction = pca.inverse_transform(pca_test).reshape(raw_test.shape)
    others = (
        baselines(x_train, y_train, x_test, y_test, raw_train, raw_test, seed)
        if with_baselines
        else {"catch22": np.nan, "minirocket": np.nan}
    )
    return {
        "set": name,
        "seed": seed,
        "train/test": f"{len(x_train)}/{len(x_test)}",
        "raw": one_nn_accuracy(flat(raw_train), y_train, flat(raw_test), y_test),
        "pca": one_nn_accuracy(
            pca.transform(flat(raw_train)), y_train, pca_test, y_test
        ),
        **others,
        "encoder": one_nn_accuracy(z_train, y_train, z_test, y_test),
        "svm": svm_accuracy(z_train, y_train, z_test, y_test),
        "ae_mse": masked_mse(raw_test, scaler.transform(reconstruction)),
        "pca_mse": masked_mse(raw_test, pca_reconstruction),
        "epochs": len(encoder.history_["loss"]),
        "fit_s": fit_seconds,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=TUNING_SETS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--latent-dim", type=int, default=16)
    parser.add_argument(
        "--no-baselines", action="store_true", help="skip catch22 and MiniRocket"
    )
    parser.add_argument(
        "--param",
        type=parameter,
        action="append",
        default=[],
        help="a SequenceEncoder parameter or model option, name=value",
    )
    args = parser.parse_args(argv)
    if args.param:
        print("parameters:", ", ".join(f"{k}={v!r}" for k, v in args.param))
    if os.environ.get("OMP_NUM_THREADS") == "1":
        import torch

        torch.set_num_threads(1)

    print(
        "| set | seed | train/test | 1-NN raw | 1-NN PCA-16 | 1-NN catch22 | "
        "1-NN MiniRocket | 1-NN encoder | SVM encoder | test MSE encoder | "
        "test MSE PCA-16 | epochs | fit s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    rows = []
    for name in args.sets:
        for seed in args.seeds:
            row = evaluate(
                name, seed, args.latent_dim, not args.no_baselines, dict(args.param)
            )
            rows.append(row)
            print(
                f"| {row['set']} | {row['seed']} | {row['train/test']} | "
                f"{row['raw']:.3f} | {row['pca']:.3f} | {row['catch22']:.3f} | "
                f"{row['minirocket']:.3f} | {row['encoder']:.3f} | "
                f"{row['svm']:.3f} | {row['ae_mse']:.4f} | {row['pca_mse']:.4f} | "
                f"{row['epochs']} | {row['fit_s']:.0f} |",
                flush=True,
            )
    means = {
        key: np.mean([row[key] for row in rows])
        for key in ("raw", "pca", "catch22", "minirocket", "encoder", "svm", "fit_s")
    }
    print(
        f"| mean | | | {means['raw']:.3f} | {means['pca']:.3f} | "
        f"{means['catch22']:.3f} | {means['minirocket']:.3f} | "
        f"{means['encoder']:.3f} | {means['svm']:.3f} | | | | {means['fit_s']:.0f} |"
    )


if __name__ == "__main__":
    main()
