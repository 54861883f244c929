"""
Title: Which channel is abnormal? Anomaly detection on a 3-channel series
Author: keras_lstm_ae developers
Date created: 2026-11-22
Description: Fit an `AnomalyDetector` on a normal recording, score a new one
step by step, and see which channel makes the flagged steps abnormal.
"""

"""
## Setup
"""

import argparse
from pathlib import Path

import keras_lstm_ae as lae  # Chooses the torch backend before Keras loads.

# isort: split

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

parser = argparse.ArgumentParser(description="Anomaly detection, per channel.")
parser.add_argument(
    "--output-dir",
    type=Path,
    default=Path(__file__).resolve().parent.parent / "figures",
    help="folder for the figures (default: the repository's figures/)",
)
parser.add_argument(
    "--epochs", type=int, default=300, help="most training epochs (default: 300)"
)
args = parser.parse_args()
args.output_dir.mkdir(parents=True, exist_ok=True)

"""
## Load data

Three periodic channels. In the test recording, one channel freezes at one
value for two periods, as a stuck sensor would; the others carry on.
"""

train, test, labels = lae.datasets.make_anomalies("channel", features=3, seed=0)
print(f"train {train.shape}, test {test.shape}, {labels.sum()} abnormal steps")

"""
## Fit and score

The window is found in the data (the dominant period); the threshold is the
highest score of the training recording.
"""

detector = lae.AnomalyDetector(epochs=args.epochs, seed=0).fit(train)
scores = detector.decision_function(test)  # (steps,): higher is more abnormal
feature_scores = detector.decision_function(test, per_feature=True)  # (steps, 3)
flags = detector.predict(test)
print(f"window {detector.window_}, threshold {detector.threshold_:.3g}")
print(
    f"ROC-AUC {lae.metrics.roc_auc(labels, scores):.3f}, "
    f"VUS-PR {lae.metrics.vus_pr(labels, scores, window=detector.window_):.3f}, "
    f"{flags.sum()} steps flagged, {(flags & labels).sum()} of them labelled"
)
abnormal = feature_scores[labels == 1].mean(axis=0)
print(f"mean score of each channel on the labelled steps: {abnormal.round(1)}")

"""
## Plot

The series, one panel per channel with that channel's score, and the
scores with the threshold; then where the threshold falls among the training
scores.
"""

axes = lae.plot_detection(
    test,
    scores,
    threshold=detector.threshold_,
    labels=labels,
    feature_names=["channel 0", "channel 1", "channel 2"],
    feature_scores=feature_scores,
)
axes[0].figure.suptitle("A stuck channel: which steps are flagged, and which channel")
axes[0].figure.tight_layout()
axes[0].figure.savefig(args.output_dir / "anomaly_detection.png", dpi=100)

ax = lae.plot_error_histogram(detector.train_scores_, threshold=detector.threshold_)
ax.set_title("Scores of the training recording")
ax.figure.tight_layout()
ax.figure.savefig(args.output_dir / "anomaly_error_histogram.png", dpi=100)
plt.close("all")
