"""The command line's files: reading sequences and series, writing tables and figures."""

from pathlib import Path

import numpy as np
import pandas as pd

from keras_lstm_ae.cli.errors import CommandError


def _numeric_frame(frame, path):
    """`frame` as floats; a cell that is not a number is named by row and column."""
    numbers = frame.apply(pd.to_numeric, errors="coerce")
    bad = numbers.isna() & frame.notna()
    if bad.to_numpy().any():
        row, column = np.argwhere(bad.to_numpy())[0]
        raise CommandError(
            f"{path}: row {row + 1}, column {frame.columns[column]!r} holds "
            f"{frame.iat[row, column]!r}, not a number."
        )
    return numbers.astype("float64")


def _read_csv(path):
    """The table in `path`; a first row of numbers is data, not a header."""
    try:
        frame = pd.read_csv(path)
        if (
            len(frame.columns)
            and pd.to_numeric(frame.columns, errors="coerce").notna().all()
        ):
            frame = pd.read_csv(path, header=None)
    except pd.errors.EmptyDataError:
        raise CommandError(f"{path} is empty.") from None
    except pd.errors.ParserError as error:
        raise CommandError(f"{path} is not a readable CSV file: {error}") from None
    return frame


def read_sequences(path, id_column=None, time_column=None):
    """Reads sequences from a `.npy` or `.csv` file.

    - `.npy`: an array `(n, timesteps)` or `(n, timesteps, features)`; NaN is
      padding.
    - wide `.csv` (no `id_column` or `time_column` given, or an `id_column`
      only): one sequence per row, one step per column, with or without a
      header row; empty cells after a sequence are padding (the Q&A's
      DataFrame).
    - long `.csv` (`time_column` given, or an `id_column` with more than one
      row per id): one step per row; `id_column` says which sequence a row
      belongs to, `time_column` orders the steps, every other column is a
      feature.

    Returns:
        `(X, ids)`: an array or a list of sequences for the estimators, and
        the sequences' ids (`None` where the file has none).
    """
    path = Path(path)
    if not path.is_file():
        raise CommandError(f"{path}: no such file.")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        try:
            array = np.load(path, allow_pickle=False)
        except ValueError as error:
            raise CommandError(f"{path} is not a NumPy array file: {error}") from None
        if array.ndim not in (2, 3):
            raise CommandError(
                f"{path} holds an array of shape {array.shape}; expected (n, "
                "timesteps) or (n, timesteps, features)."
            )
        return array, None
    if suffix != ".csv":
        raise CommandError(f"{path}: expected a .npy or .csv file.")
    frame = _read_csv(path)
    for column in (id_column, time_column):
        if column is not None and column not in frame.columns:
            raise CommandError(
                f"{path} has no column {column!r}; its columns are "
                f"{', '.join(map(str, frame.columns))}."
            )
    long_format = time_column is not None or (
        id_column is not None and frame[id_column].duplicated().any()
    )
    if not long_format:
        ids = frame.pop(id_column).tolist() if id_column is not None else None
        values = _numeric_frame(frame, path).to_numpy()
        if values.size == 0:
            raise CommandError(f"{path} holds no values.")
        return values, ids
    if id_column is None:
        raise CommandError(
            f"{path}: a long table (--time-column) also needs --id-column, the "
            "column that says which sequence each row belongs to."
        )
    if time_column is not None:
        frame = frame.sort_values([id_column, time_column], kind="stable")
    features = [c for c in frame.columns if c not in (id_column, time_column)]
    if not features:
        raise CommandError(f"{path} has no feature column besides the id and time.")
    numbers = _numeric_frame(frame[features], path)
    ids, sequences = [], []
    for key, group in numbers.groupby(frame[id_column], sort=False):
        ids.append(key)
        sequences.append(group.to_numpy())
    return sequences, ids


def _save_figure(figure, path):
    figure.savefig(path, dpi=110, bbox_inches="tight")
    print(f"wrote {path}")


def _write_figures(encoder, vectors, folder):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import keras_lstm_ae as lae

    figure, ax = plt.subplots(figsize=(6, 4))
    lae.plot_loss(encoder.history_, ax=ax)
    _save_figure(figure, folder / "loss.png")
    figure, ax = plt.subplots(figsize=(6, 5))
    lae.plot_latent(vectors, annotate=len(vectors) <= 30, ax=ax)
    ax.set_title(f"{vectors.shape[1]}-d encodings of the training sequences")
    _save_figure(figure, folder / "latent.png")
    plt.close("all")
    try:
        print(
            f"wrote {lae.plot_architecture(encoder.model_, folder / 'architecture.png')}"
        )
    except ImportError as error:
        print(f"skipped architecture.png: {error}")


def _write_encodings(vectors, ids, path):
    columns = [f"latent_{i}" for i in range(vectors.shape[1])]
    table = pd.DataFrame(vectors, columns=columns)
    table.insert(0, "id", ids if ids is not None else range(len(vectors)))
    table.to_csv(path, index=False)
    print(f"wrote {path}")
