"""The latent space: encodings in two dimensions, coloured or annotated."""

import numpy as np

from keras_lstm_ae.plotting._common import _get_ax, _pyplot


def _as_encodings(encodings):
    points = np.asarray(encodings, dtype=float)
    if points.ndim == 1:
        points = points[:, None]
    if points.ndim != 2:
        raise ValueError(
            "encodings must have shape (samples, latent_dim), got shape "
            f"{points.shape}."
        )
    return points


def project_2d(encodings):
    """Projects encodings onto their first two principal components.

    Principal component analysis in NumPy: the encodings are centred and
    decomposed with an SVD. Each component's sign is chosen so that its
    largest loading is positive, which makes the result reproducible.

    Args:
        encodings: Array of shape `(samples, latent_dim)`.

    Returns:
        A tuple `(points, explained_variance_ratio)`: `points` has shape
        `(samples, 2)`, `explained_variance_ratio` has shape `(2,)` and gives
        the fraction of the total variance along each component (zeros where
        the encodings have fewer than two directions of variance).

    Raises:
        ValueError: If `encodings` is not 2-D or holds NaN or infinity.

    Example:

    >>> points, ratio = project_2d(np.random.default_rng(0).normal(size=(50, 8)))
    >>> points.shape, bool(ratio.sum() <= 1)
    ((50, 2), True)
    """
    x = _as_encodings(encodings)
    if not np.all(np.isfinite(x)):
        raise ValueError("encodings contain NaN or infinite values.")
    centred = x - x.mean(axis=0)
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    # Same sign rule as scikit-learn's svd_flip: largest loading positive.
    signs = np.sign(vt[np.arange(vt.shape[0]), np.argmax(np.abs(vt), axis=1)])
    signs[signs == 0] = 1
    vt = vt * signs[:, None]
    variance = singular**2
    total = variance.sum()
    ratio = variance / total if total > 0 else np.zeros_like(variance)

    points = np.zeros((x.shape[0], 2))
    explained = np.zeros(2)
    k = min(2, vt.shape[0])
    points[:, :k] = centred @ vt[:k].T
    explained[:k] = ratio[:k]
    return points, explained


def _class_colors(count):
    plt = _pyplot()
    if count <= 10:
        return [plt.get_cmap("tab10")(i) for i in range(count)]
    if count <= 20:
        return [plt.get_cmap("tab20")(i) for i in range(count)]
    return list(plt.get_cmap("viridis")(np.linspace(0, 1, count)))


def _unique_in_order(labels):
    try:
        return sorted(set(labels))
    except TypeError:
        return list(dict.fromkeys(labels))


def plot_latent(encodings, labels=None, annotate=None, ax=None, **scatter_kwargs):
    """Scatter plot of the latent codes, one point per sequence.

    Two-dimensional codes are drawn as they are. Longer codes are projected on
    their first two principal components (see `project_2d`); the axis labels
    give the share of variance each component explains. One-dimensional codes
    are drawn against the sample number.

    Args:
        encodings: Array of shape `(samples, latent_dim)`, e.g.
            `encoder.predict(x)`.
        labels: Optional class of each sample. Each class gets its own colour
            and a legend entry (title "class") named as given.
        annotate: `True` writes the sample number (1 to `samples`) next to each
            point; a list of strings writes those instead; `False` writes
            nothing. Defaults to `True` when there are no labels and at most
            30 samples.
        ax: The matplotlib Axes to draw into. Defaults to a new figure.
        **scatter_kwargs: Passed to `Axes.scatter` (e.g. `s`, `alpha`).

    Returns:
        The matplotlib Axes; the points are its `collections` (one
        PathCollection per class).

    Example:

    >>> ax = plot_latent([[0.1, 0.2], [0.5, -0.1], [0.3, 0.4]])
    >>> [text.get_text() for text in ax.texts]
    ['1', '2', '3']
    """
    x = _as_encodings(encodings)
    n, latent_dim = x.shape
    if latent_dim == 1:
        points = np.column_stack([np.arange(1, n + 1), x[:, 0]])
        axis_labels = ("sample number", "latent 1")
    elif latent_dim == 2:
        points = x
        axis_labels = ("latent 1", "latent 2")
    else:
        points, ratio = project_2d(x)
        axis_labels = tuple(
            f"PC {i + 1} ({100 * r:.1f}% of variance)" for i, r in enumerate(ratio)
        )

    ax = _get_ax(ax)
    if labels is None:
        if "c" not in scatter_kwargs:  # `c=values` colours by a number instead.
            scatter_kwargs.setdefault("color", "C0")
        ax.scatter(points[:, 0], points[:, 1], **scatter_kwargs)
    else:
        labels = np.asarray(labels)
        if labels.shape != (n,):
            raise ValueError(
                f"labels must have one entry per sample ({n}), got shape "
                f"{labels.shape}."
            )
        classes = _unique_in_order(labels.tolist())
        for cls, color in zip(classes, _class_colors(len(classes)), strict=True):
            mask = np.array([value == cls for value in labels.tolist()])
            ax.scatter(
                points[mask, 0],
                points[mask, 1],
                color=color,
                label=str(cls),
                **scatter_kwargs,
            )
        ax.legend(title="class")

    if annotate is None:
        annotate = labels is None and n <= 30
    if annotate is True:
        texts = [str(i) for i in range(1, n + 1)]
    elif annotate is False:
        texts = [""] * n
    else:
        texts = [str(text) for text in annotate]
        if len(texts) != n:
            raise ValueError(f"annotate has {len(texts)} texts for {n} samples.")
    for text, (px, py) in zip(texts, points, strict=True):
        if not text:
            continue
        ax.annotate(
            text, (px, py), xytext=(4, 4), textcoords="offset points", fontsize=8
        )

    ax.set_xlabel(axis_labels[0])
    ax.set_ylabel(axis_labels[1])
    return ax
