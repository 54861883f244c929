"""Plots for sequence autoencoders: training, latent space, reconstructions,
anomalies and the architecture.

Every matplotlib helper follows scikit-learn's plotting convention: it takes an
optional `ax` (or `axes`), draws into it, returns what it drew and never calls
`plt.show()`. matplotlib is imported only when a plot is made. One module per
kind of plot:

- `training`: `plot_loss`.
- `latent`: `project_2d`, `plot_latent`.
- `reconstructions`: `plot_reconstructions`.
- `anomalies`: `plot_anomaly_scores`, `plot_detection`, `plot_error_histogram`.
- `one_hot`: `plot_one_hot_reconstructions`, `plot_latent_by_length` (the
  moving-ones demo's figures).
- `architecture`: `model_to_dot`, `plot_architecture` (Graphviz's `dot`, or
  Graphviz compiled to WebAssembly where `dot` is not installed).
"""

from keras_lstm_ae.plotting.anomalies import (
    plot_anomaly_scores,
    plot_detection,
    plot_error_histogram,
)
from keras_lstm_ae.plotting.architecture import model_to_dot, plot_architecture
from keras_lstm_ae.plotting.latent import plot_latent, project_2d
from keras_lstm_ae.plotting.one_hot import (
    plot_latent_by_length,
    plot_one_hot_reconstructions,
)
from keras_lstm_ae.plotting.reconstructions import plot_reconstructions
from keras_lstm_ae.plotting.training import plot_loss

__all__ = [
    "model_to_dot",
    "plot_anomaly_scores",
    "plot_architecture",
    "plot_detection",
    "plot_error_histogram",
    "plot_latent",
    "plot_latent_by_length",
    "plot_loss",
    "plot_one_hot_reconstructions",
    "plot_reconstructions",
    "project_2d",
]
