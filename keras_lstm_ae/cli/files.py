"""The command line's files: reading sequences and series, writing tables and figures.

NumPy and pandas are imported inside the functions that need them, so that
`keras-lstm-ae --help` does not wait for them.
"""

import csv
import math
from pathlib import Path

from keras_lstm_ae.cli.errors import CommandError

NPY_EXPECTED = (
    "expected an array of numbers saved by numpy.save, shaped (n, timesteps) or "
    "(n, timesteps, features)"
)


class Table:
    """A CSV file as read: its rows, and how its first row was taken.

    Attributes:
        frame: A pandas `DataFrame`, one column per CSV column, named by the
            header or, without one, by position ('0', '1', ...).
        header: The first row's names when it was read as a header, else `None`.
        index_column: The name of an unnamed first column under a header (the
            index pandas' `to_csv` writes), else `None`.
        note: How the first row was read, in words, for the user.
    """

    def __init__(self, frame, header, index_column, note):
        self.frame = frame
        self.header = header
        self.index_column = index_column
        self.note = note

    def line(self, row):
        """The file's line number (from 1) of the `row`-th row (from 0)."""
        return row + (2 if self.header is not None else 1)


def _abridged(names, keep=3):
    names = [str(name) for name in names]
    if len(names) > keep + 2:
        names = [*names[:keep], "...", names[-1]]
    return ", ".join(names)


def _is_number(cell):
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _first_row(path):
    """The cells of the first line of the CSV file `path`, stripped."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as file:
            # pandas skips blank lines; so does this.
            first = next((row for row in csv.reader(file) if row), [])
            return [cell.strip() for cell in first]
    except UnicodeDecodeError:
        raise CommandError(
            f"{path} is not a text file; expected a CSV table, UTF-8 text."
        ) from None
    except csv.Error as error:
        raise CommandError(f"{path} is not a readable CSV file: {error}") from None


def _header_guess(cells):
    """Whether a CSV's first row, `cells`, names its columns.

    - `True` for a row with text in it, as pandas reads a header; and for 0,
      1, ..., n - 1 over n >= 2 columns, the names that
      `pd.DataFrame(x).to_csv(path, index=False)` writes for an array's
      columns (a row of data would have to count up from 0 across the whole
      width; `--no-header` reads it so).
    - `None` for 1, 2, ..., n: a header when the rows below are not all whole
      numbers. This is `csv.Sniffer.has_header`'s test: a header's cells are
      of another type than the column beneath them.
    - `False` otherwise: the first row is data.

    An empty first cell before the names is the unnamed index column that
    `df.to_csv(path)` writes.
    """
    if len(cells) > 1 and cells[0] == "":
        cells = cells[1:]
    if any(cell and not _is_number(cell) for cell in cells):
        return True
    count = len(cells)
    if count >= 2 and cells == [str(i) for i in range(count)]:
        return True
    if cells == [str(i) for i in range(1, count + 1)]:
        return None
    return False


def _all_whole_numbers(frame):
    import numpy as np
    import pandas as pd

    values = frame.apply(pd.to_numeric, errors="coerce").to_numpy(dtype="float64")
    values = values[np.isfinite(values)]
    return bool(np.all(values == np.round(values)))


def _pandas_read(path, header):
    import pandas as pd

    try:
        frame = pd.read_csv(path, header=0 if header else None)
    except pd.errors.EmptyDataError:
        raise CommandError(f"{path} is empty; expected a CSV table.") from None
    except pd.errors.ParserError as error:
        raise CommandError(f"{path} is not a readable CSV file: {error}") from None
    except UnicodeDecodeError:
        raise CommandError(
            f"{path} is not a text file; expected a CSV table, UTF-8 text."
        ) from None
    frame.columns = [str(column) for column in frame.columns]
    return frame


def read_table(path, header=None):
    """Reads the CSV file `path`, with or without a header row.

    Args:
        path: The CSV file.
        header: `True` or `False` when the user said (`--header`,
            `--no-header`), or `None` to detect it (`_header_guess`).

    Returns:
        A `Table`.
    """
    path = Path(path)
    if not path.is_file():
        raise CommandError(f"{path}: no such file.")
    cells = _first_row(path)
    if not cells:
        raise CommandError(f"{path} is empty; expected a CSV table.")
    guess = _header_guess(cells) if header is None else header
    frame = _pandas_read(path, guess is not False)
    if guess is None and _all_whole_numbers(frame):
        guess = False
        frame = _pandas_read(path, header=False)
    if guess is False:
        return Table(frame, None, None, "no header row")
    index_column = frame.columns[0] if len(cells) > 1 and cells[0] == "" else None
    names = [c for c in frame.columns if c != index_column]
    note = f"header {_abridged(names)}"
    if header is None and all(_is_number(name) for name in names):
        note += "; --no-header reads it as data"
    if index_column is not None:
        note += "; the unnamed first column (pandas' index) names the rows"
    return Table(frame, names, index_column, note)


def _numeric_frame(frame, path, table):
    """`frame` (of `table`) as floats; a bad or infinite cell is told by line."""
    import numpy as np
    import pandas as pd

    numbers = frame.apply(pd.to_numeric, errors="coerce")
    bad = numbers.isna() & frame.notna()
    if bad.to_numpy().any():
        row, column = np.argwhere(bad.to_numpy())[0]
        cell = frame.iat[row, column]
        # `frame.index` holds each row's place in the file, sorted or not.
        position = frame.index[row]
        where = f"line {table.line(position)}"
        hint = ""
        if isinstance(cell, str) and (";" in cell or "\t" in cell):
            hint = " (a CSV here has its values separated by commas)"
        raise CommandError(
            f"{path}: {where}, column {frame.columns[column]!r} holds {cell!r}, "
            f"not a number{hint}."
        )
    values = numbers.astype("float64")
    infinite = np.isinf(values.to_numpy())
    if infinite.any():
        row, column = np.argwhere(infinite)[0]
        position = frame.index[row]
        where = f"line {table.line(position)}"
        raise CommandError(
            f"{path}: {where}, column {frame.columns[column]!r} holds an infinite "
            "value."
        )
    return values


def _read_npy(path):
    """The array in the `.npy` file `path`: numbers only, never a pickle."""
    import numpy as np

    with open(path, "rb") as file:
        start = file.read(6)
        if not start:
            raise CommandError(f"{path} is empty; {NPY_EXPECTED}.")
        if start != b"\x93NUMPY":
            raise CommandError(
                f"{path} is not a NumPy .npy file (it holds {_kind(start)}); "
                f"{NPY_EXPECTED}."
            )
        file.seek(0)
        try:
            version = np.lib.format.read_magic(file)
            read_header = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, _, dtype = read_header(file)
        except (ValueError, EOFError, SyntaxError) as error:
            raise CommandError(
                f"{path} is truncated or damaged ({error}); {NPY_EXPECTED}."
            ) from None
        data_start = file.tell()
    if dtype.hasobject:
        # Loading them would run pickle, which can run any code.
        raise CommandError(
            f"{path} holds Python objects (a pickled object array), which are "
            f"never loaded; {NPY_EXPECTED}."
        )
    if dtype.kind not in "biuf":
        kind = "text" if dtype.kind in "SU" else str(dtype)
        raise CommandError(f"{path} holds {kind} values; {NPY_EXPECTED}.")
    expected_bytes = math.prod(shape) * dtype.itemsize
    present = path.stat().st_size - data_start
    if present < expected_bytes:
        raise CommandError(
            f"{path} is truncated: an array of shape {shape} needs "
            f"{expected_bytes} bytes of data and the file holds {present}; "
            f"{NPY_EXPECTED}."
        )
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, EOFError, OSError) as error:
        raise CommandError(f"{path} is damaged ({error}); {NPY_EXPECTED}.") from None
    if array.ndim not in (2, 3):
        raise CommandError(
            f"{path} holds an array of shape {array.shape}; expected (n, "
            "timesteps) or (n, timesteps, features)."
        )
    if array.size == 0:
        raise CommandError(f"{path} holds no values (shape {array.shape}).")
    if np.isinf(array).any():
        raise CommandError(f"{path} holds infinite values; expected numbers or NaN.")
    empty = _empty_rows(array.astype("float64", copy=False))
    if empty:
        raise CommandError(
            f"{path}: sequence {empty[0]} (from 0) holds only NaN; every sequence "
            "needs at least one step."
        )
    return array.astype("float64", copy=False)


def _kind(start):
    """What a file that starts with the bytes `start` seems to hold."""
    if start.startswith(b"PK\x03\x04"):
        return "a zip archive, as numpy.savez writes; save one array with numpy.save"
    if all(32 <= byte < 127 or byte in b"\t\r\n" for byte in start):
        return "text; a table of numbers is read from a .csv file"
    return "something else"


def read_sequences(path, id_column=None, time_column=None, header=None):
    """Reads sequences from a `.npy` or `.csv` file.

    - `.npy`: an array `(n, timesteps)` or `(n, timesteps, features)`; NaN is
      padding. A pickled object array is refused, never loaded.
    - wide `.csv` (no `id_column` or `time_column` given, or an `id_column`
      only): one sequence per row, one step per column; empty cells after a
      sequence are padding (the Q&A's DataFrame). A header row is detected
      (`header=None`) or given (`True`, `False`), and never read as a sequence.
    - long `.csv` (`time_column` given, or an `id_column` with more than one
      row per id): one step per row; `id_column` says which sequence a row
      belongs to, `time_column` orders the steps, every other column is a
      feature.

    Returns:
        `(X, ids)`: an array or a list of sequences for the estimators, and
        the sequences' ids (`None` where the file has none).

    """
    X, ids, _ = _read_sequences(path, id_column, time_column, header)
    return X, ids


def _read_sequences(path, id_column=None, time_column=None, header=None):
    """`read_sequences`, and a note on how a CSV's first row was read."""
    path = Path(path)
    if not path.is_file():
        raise CommandError(f"{path}: no such file.")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return _read_npy(path), None, None
    if suffix != ".csv":
        raise CommandError(f"{path}: expected a .npy or .csv file.")
    table = read_table(path, header)
    frame = table.frame
    for option, column in (("--id-column", id_column), ("--time-column", time_column)):
        if column is not None and column not in frame.columns:
            raise CommandError(
                f"{path} has no column {column!r} ({option}); its columns are "
                f"{_abridged(frame.columns, keep=8)}."
            )
    # The index pandas writes names the rows; it is no step of a sequence.
    index = None if table.index_column is None else frame.pop(table.index_column)
    long_format = time_column is not None or (
        id_column is not None and frame[id_column].duplicated().any()
    )
    if not long_format:
        ids = None if index is None else index.tolist()
        if id_column is not None:
            ids = frame.pop(id_column).tolist()
        if frame.shape[1] == 0 or len(frame) == 0:
            raise CommandError(f"{path} holds no values.")
        values = _numeric_frame(frame, path, table).to_numpy()
        empty = _empty_rows(values)
        if empty:
            raise CommandError(
                f"{path}: line {table.line(empty[0])} holds no value; every "
                "sequence needs at least one step."
            )
        return values, ids, table.note
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
    numbers = _numeric_frame(frame[features], path, table)
    ids, sequences = [], []
    for key, group in numbers.groupby(frame[id_column], sort=False):
        ids.append(key)
        sequences.append(group.to_numpy())
    return sequences, ids, table.note


def _empty_rows(values):
    """The positions of the sequences in `values` that hold no number at all."""
    import numpy as np

    missing = np.isnan(values).reshape(len(values), -1)
    return np.flatnonzero(missing.all(axis=1)).tolist()


def describe_sequences(X, path, note=None):
    """What was read, in words: '200 sequences of 50 steps, 1 feature, from x.csv'.

    A step with a NaN is missing, and a sequence's length runs to its last
    step that is not (as `keras_lstm_ae.sequence_lengths` counts).
    """
    import numpy as np

    if isinstance(X, list):
        lengths = [len(sequence) for sequence in X]
        features = X[0].shape[1] if X and np.ndim(X[0]) == 2 else 1
    else:
        batch = X if X.ndim == 3 else X[:, :, None]
        present = ~np.isnan(batch).any(axis=2)
        lengths = np.where(
            present.any(axis=1), batch.shape[1] - np.argmax(present[:, ::-1], axis=1), 0
        )
        features = batch.shape[2]
    shortest, longest = int(min(lengths)), int(max(lengths))
    steps = f"{shortest}" if shortest == longest else f"{shortest} to {longest}"
    text = (
        f"{_count(len(lengths), 'sequence')} of {steps} steps, "
        f"{_count(features, 'feature')}, from {Path(path).name}"
    )
    return f"{text} ({note})" if note else text


def _count(number, noun):
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _save_figure(figure, path):
    """Writes a matplotlib `figure` to `path` whole or not at all."""
    from keras_lstm_ae._utils.saving import write_atomically

    path = Path(path)

    def write(partial):
        figure.savefig(partial, dpi=110, bbox_inches="tight")

    write_atomically(path, write, path.suffix)
    return path


def _write_figures(encoder, vectors, folder):
    """Writes a fitted encoder's loss, latent and architecture figures into `folder`.

    Returns:
        The paths written, and a note for each figure that could not be drawn.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import keras_lstm_ae as lae

    written, skipped = [], []
    figure, ax = plt.subplots(figsize=(6, 4))
    lae.plot_loss(encoder.history_, ax=ax)
    written.append(_save_figure(figure, folder / "loss.png"))
    figure, ax = plt.subplots(figsize=(6, 5))
    lae.plot_latent(vectors, annotate=len(vectors) <= 30, ax=ax)
    ax.set_title(f"{vectors.shape[1]}-d encodings of the training sequences")
    written.append(_save_figure(figure, folder / "latent.png"))
    plt.close("all")
    try:
        written.append(
            Path(lae.plot_architecture(encoder.model_, folder / "architecture.png"))
        )
    except ImportError as error:
        skipped.append(f"architecture.png skipped: {error}")
    return written, skipped


def _write_encodings(vectors, ids, path):
    """Writes one row per sequence, `id` then `latent_0`, `latent_1`, ...; whole."""
    import pandas as pd

    columns = [f"latent_{i}" for i in range(vectors.shape[1])]
    table = pd.DataFrame(vectors, columns=columns)
    table.insert(0, "id", ids if ids is not None else range(len(vectors)))
    _write_csv(table, path)
    return Path(path)


def _write_csv(table, path):
    """Writes the DataFrame `table` to `path` whole or not at all."""
    from keras_lstm_ae._utils.saving import write_atomically

    write_atomically(path, lambda partial: table.to_csv(partial, index=False), ".csv")
