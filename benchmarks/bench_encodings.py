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

Run from the repository root (takes about 5 minutes):

    OMP_NUM_THREADS=1 python benchmarks/bench_encodings.py
    OMP_NUM_THREADS=1 python benchmarks/bench_encodings.py --sets GunPoint --seeds 0 1 2

These five sets are the ones the defaults were tuned on; the other sets in
aeon's wheel are left for outside checks.
"""

import argparse
import os
import time

import numpy as np
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC

import keras_lstm_ae as lae  # Chooses the torch backend before Keras loads.

TUNING_SETS = ("GunPoint", "JapaneseVowels", "ItalyPowerDemand", "OSULeaf", "ACSF1")


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


def masked_mse(x, x_hat):
    real = ~np.isnan(x)
    return float(np.mean((x_hat[real] - x[real]) ** 2))


def flat(x):
    return np.nan_to_num(x).reshape(len(x), -1)


def evaluate(name, seed, latent_dim):
    x_train, y_train = lae.datasets.load_ucr(name, "train")
    x_test, y_test = lae.datasets.load_ucr(name, "test")

    start = time.perf_counter()
    encoder = lae.SequenceEncoder(latent_dim=latent_dim, seed=seed).fit(x_train)
    fit_seconds = time.perf_counter() - start
    z_train, z_test = encoder.transform(x_train), encoder.transform(x_test)
    reconstruction = encoder.inverse_transform(z_test)

    scaler = encoder.scaler_
    raw_train, raw_test = scaler.transform(x_train), scaler.transform(x_test)
    pca = PCA(n_components=latent_dim, random_state=0).fit(flat(raw_train))
    pca_test = pca.transform(flat(raw_test))
    pca_reconstruction = pca.inverse_transform(pca_test).reshape(raw_test.shape)
    return {
        "set": name,
        "seed": seed,
        "train/test": f"{len(x_train)}/{len(x_test)}",
        "raw": one_nn_accuracy(flat(raw_train), y_train, flat(raw_test), y_test),
        "pca": one_nn_accuracy(
            pca.transform(flat(raw_train)), y_train, pca_test, y_test
        ),
        "encoder": one_nn_accuracy(z_train, y_train, z_test, y_test),
        "svm": svm_accuracy(z_train, y_train, z_test, y_test),
        "ae_mse": masked_mse(raw_test, scaler.transform(reconstruction)),
        "pca_mse": masked_mse(raw_test, pca_reconstruction),
        "epochs": len(encoder.history_["loss"]),
        "fit_s": fit_seconds,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=TUNING_SETS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--latent-dim", type=int, default=16)
    args = parser.parse_args()
    if os.environ.get("OMP_NUM_THREADS") == "1":
        import torch

        torch.set_num_threads(1)

    print(
        "| set | seed | train/test | 1-NN raw | 1-NN PCA-16 | 1-NN encoder | "
        "SVM encoder | test MSE encoder | test MSE PCA-16 | epochs | fit s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    rows = []
    for name in args.sets:
        for seed in args.seeds:
            row = evaluate(name, seed, args.latent_dim)
            rows.append(row)
            print(
                f"| {row['set']} | {row['seed']} | {row['train/test']} | "
                f"{row['raw']:.3f} | {row['pca']:.3f} | {row['encoder']:.3f} | "
                f"{row['svm']:.3f} | {row['ae_mse']:.4f} | {row['pca_mse']:.4f} | "
                f"{row['epochs']} | {row['fit_s']:.0f} |",
                flush=True,
            )
    means = {
        key: np.mean([row[key] for row in rows])
        for key in ("raw", "pca", "encoder", "svm", "fit_s")
    }
    print(
        f"| mean | | | {means['raw']:.3f} | {means['pca']:.3f} | "
        f"{means['encoder']:.3f} | {means['svm']:.3f} | | | | {means['fit_s']:.0f} |"
    )


if __name__ == "__main__":
    main()
