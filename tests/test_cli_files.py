"""Specification of what `keras-lstm-ae` reads: headers, ids, and unreadable files."""

import os

import numpy as np
import pandas as pd
import pytest

from keras_lstm_ae import cli
from keras_lstm_ae.cli.files import _read_sequences, describe_sequences

pytestmark = pytest.mark.backend_neutral

SEQUENCES = np.random.default_rng(0).normal(size=(6, 5))


def test_the_header_pandas_writes_for_an_array_is_not_read_as_a_sequence(tmp_path):
    pd.DataFrame(SEQUENCES).to_csv(tmp_path / "wide.csv", index=False)

    sequences, ids, note = _read_sequences(tmp_path / "wide.csv")

    np.testing.assert_allclose(sequences, SEQUENCES)
    assert ids is None
    assert note == "header 0, 1, 2, 3, 4; --no-header reads it as data"


def test_the_index_pandas_writes_by_default_names_the_rows_and_is_no_step(tmp_path):
    frame = pd.DataFrame(SEQUENCES, index=[10, 11, 12, 13, 14, 15])
    frame.to_csv(tmp_path / "indexed.csv")

    sequences, ids, note = _read_sequences(tmp_path / "indexed.csv")

    np.testing.assert_allclose(sequences, SEQUENCES)
    assert ids == [10, 11, 12, 13, 14, 15]
    assert "pandas' index" in note


def test_a_header_of_names_is_read_as_names(tmp_path):
    columns = [f"t{i}" for i in range(5)]
    pd.DataFrame(SEQUENCES, columns=columns).to_csv(tmp_path / "named.csv", index=False)

    sequences, _, note = _read_sequences(tmp_path / "named.csv")

    np.testing.assert_allclose(sequences, SEQUENCES)
    assert note == "header t0, t1, t2, t3, t4"


def test_column_numbers_from_1_above_fractions_are_a_header(tmp_path):
    pd.DataFrame(SEQUENCES, columns=range(1, 6)).to_csv(
        tmp_path / "from1.csv", index=False
    )

    sequences, _, _ = _read_sequences(tmp_path / "from1.csv")

    np.testing.assert_allclose(sequences, SEQUENCES)


def test_a_first_row_1_to_n_above_whole_numbers_is_data(tmp_path):
    (tmp_path / "counts.csv").write_text("1,2,3\n4,5,6\n")

    sequences, _, note = _read_sequences(tmp_path / "counts.csv")

    np.testing.assert_array_equal(sequences, [[1, 2, 3], [4, 5, 6]])
    assert note == "no header row"


def test_no_header_reads_the_first_row_as_a_sequence(tmp_path):
    pd.DataFrame(SEQUENCES).to_csv(tmp_path / "wide.csv", index=False)

    sequences, _, note = _read_sequences(tmp_path / "wide.csv", header=False)

    np.testing.assert_array_equal(sequences[0], np.arange(5))
    np.testing.assert_allclose(sequences[1:], SEQUENCES)
    assert note == "no header row"


def test_header_reads_a_first_row_of_numbers_as_names(tmp_path):
    (tmp_path / "data.csv").write_text("7,8,9\n1,2,3\n")

    sequences, _, _ = _read_sequences(tmp_path / "data.csv", header=True)

    np.testing.assert_array_equal(sequences, [[1, 2, 3]])


def test_what_was_read_is_said_in_words():
    ragged = np.array([[1.0, 2.0, np.nan], [1.0, 2.0, 3.0]])

    assert describe_sequences(np.zeros((200, 50)), "d/sines.csv", "no header row") == (
        "200 sequences of 50 steps, 1 feature, from sines.csv (no header row)"
    )
    assert describe_sequences(ragged, "r.csv") == (
        "2 sequences of 2 to 3 steps, 1 feature, from r.csv"
    )
    assert describe_sequences([np.zeros((4, 3))], "long.csv") == (
        "1 sequence of 4 steps, 3 features, from long.csv"
    )


def test_a_cell_that_is_not_a_number_is_named_by_its_line(tmp_path):
    (tmp_path / "bad.csv").write_text("t0,t1\n1,2\n3,x\n")

    with pytest.raises(cli.CommandError, match=r"line 3, column 't1' holds 'x'"):
        _read_sequences(tmp_path / "bad.csv")


def test_a_row_with_no_value_is_refused_before_training(tmp_path):
    (tmp_path / "gap.csv").write_text("t0,t1\n1,2\n,\n")

    with pytest.raises(cli.CommandError, match="line 3 holds no value"):
        _read_sequences(tmp_path / "gap.csv")


def pickled_object_array(path, marker):
    """An object array whose unpickling would create the file `marker`."""

    class CreatesAFile:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    np.save(path, np.array([CreatesAFile(), 1], dtype=object), allow_pickle=True)


def unreadable_files(folder):
    """Files named .npy or .csv that hold no sequences, and what each is told."""
    np.save(folder / "full.npy", np.zeros((10, 6)))
    whole = (folder / "full.npy").read_bytes()
    (folder / "empty.npy").write_bytes(b"")
    (folder / "truncated.npy").write_bytes(whole[:200])
    (folder / "no_header.npy").write_bytes(whole[:30])
    (folder / "text.npy").write_text("0,1,2\n0.5,0.2,0.1\n")
    np.savez(folder / "archive.npz", a=np.zeros(3))
    os.replace(folder / "archive.npz", folder / "archive.npy")
    np.save(folder / "words.npy", np.array([["a", "b"], ["c", "d"]]))
    pickled_object_array(folder / "objects.npy", folder / "unpickled")
    (folder / "binary.csv").write_bytes(bytes(range(256)))
    (folder / "empty.csv").write_text("")
    return {
        "empty.npy": "is empty",
        "truncated.npy": "is truncated",
        "no_header.npy": "is truncated or damaged",
        "text.npy": "is not a NumPy .npy file (it holds text",
        "archive.npy": "is not a NumPy .npy file (it holds a zip archive",
        "words.npy": "holds text values",
        "objects.npy": "holds Python objects",
        "binary.csv": "is not a text file",
        "empty.csv": "is empty",
    }


@pytest.mark.parametrize(
    "name",
    [
        "empty.npy",
        "truncated.npy",
        "no_header.npy",
        "text.npy",
        "archive.npy",
        "words.npy",
        "objects.npy",
        "binary.csv",
        "empty.csv",
    ],
)
def test_an_unreadable_file_gets_one_line_naming_it_and_status_2(
    tmp_path, capsys, name
):
    told = unreadable_files(tmp_path)[name]

    status = cli.main(["fit", str(tmp_path / name), "--out", str(tmp_path / "run")])

    error = capsys.readouterr().err
    assert status == 2
    assert error.count("\n") == 1
    assert f"{name} {told}" in error
    if name.endswith(".npy"):
        assert "expected an array of numbers saved by numpy.save" in error
    assert not (tmp_path / "run").exists()


def test_a_pickled_array_is_never_unpickled(tmp_path):
    pickled_object_array(tmp_path / "objects.npy", tmp_path / "unpickled")

    status = cli.main(["fit", str(tmp_path / "objects.npy"), "--out", str(tmp_path)])

    assert status == 2
    assert not (tmp_path / "unpickled").exists()
