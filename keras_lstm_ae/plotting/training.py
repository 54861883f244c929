"""Loss curves: training and validation loss per epoch."""

from collections.abc import Mapping

import numpy as np

from keras_lstm_ae.plotting._common import _get_ax


def _loss_name(history):
    """The name of the compiled loss, when a `History` knows its model."""
    loss = getattr(getattr(history, "model", None), "loss", None)
    if isinstance(loss, str):
        return loss
    name = getattr(loss, "name", None) or getattr(loss, "__name__", None)
    return name if isinstance(name, str) else None


def plot_loss(history, ax=None, log_scale="auto"):
    """Plots training and validation loss against the epoch.

    The best epoch (lowest validation loss, or lowest training loss when there
    is no validation loss) is marked and named in the legend.

    Args:
        history: A `keras.callbacks.History` (what `model.fit` returns) or its
            `.history` dict. Must contain a `"loss"` list; `"val_loss"` is
            drawn when present.
        ax: The matplotlib Axes to draw into. Defaults to a new figure.
        log_scale: `"auto"` uses a logarithmic y axis when the losses span more
            than two decades (max / min > 100), `True` always, `False` never.
            Defaults to `"auto"`.

    Returns:
        The matplotlib Axes.

    Raises:
        ValueError: If there is no `"loss"` entry, or `log_scale=True` with a
            loss that is not positive.

    Example:

    >>> ax = plot_loss({"loss": [1.0, 0.5, 0.2], "val_loss": [1.1, 0.6, 0.4]})
    >>> [line.get_label() for line in ax.lines]
    ['train', 'validation']
    """
    values = history.history if hasattr(history, "history") else history
    if not isinstance(values, Mapping) or "loss" not in values:
        keys = sorted(values) if isinstance(values, Mapping) else type(values)
        raise ValueError(
            f"plot_loss needs a History or a dict with a 'loss' entry, got {keys}."
        )
    loss = np.asarray(values["loss"], dtype=float)
    if loss.size == 0:
        raise ValueError("The history holds no epochs: 'loss' is empty.")
    curves = {"train": loss}
    if values.get("val_loss") is not None and len(values["val_loss"]):
        curves["validation"] = np.asarray(values["val_loss"], dtype=float)

    ax = _get_ax(ax)
    for label, curve in curves.items():
        epochs = np.arange(1, curve.size + 1)
        ax.plot(epochs, curve, label=label)

    reference = curves.get("validation", loss)
    if np.all(np.isnan(reference)):
        reference = loss
    if not np.all(np.isnan(reference)):
        best = int(np.nanargmin(reference))
        ax.scatter(
            [best + 1],
            [reference[best]],
            s=60,
            marker="o",
            facecolors="none",
            edgecolors="black",
            linewidths=1.5,
            zorder=3,
            label=f"best epoch {best + 1}",
        )

    everything = np.concatenate(list(curves.values()))
    finite = everything[np.isfinite(everything)]
    positive = finite.size > 0 and np.all(finite > 0)
    if log_scale == "auto":
        use_log = positive and finite.max() / finite.min() > 100
    elif log_scale is True or log_scale is False:
        use_log = log_scale
        if use_log and not positive:
            raise ValueError("log_scale=True needs losses that are all positive.")
    else:
        raise ValueError(f"log_scale must be 'auto', True or False, got {log_scale!r}.")
    if use_log:
        ax.set_yscale("log")

    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    name = _loss_name(history)
    ax.set_ylabel(f"loss ({name})" if name else "loss")
    ax.legend()
    return ax
