"""Saving that never leaves a half-written file."""

import os
import tempfile


def write_atomically(filepath, write, suffix):
    """Calls `write(temporary_path)`, then moves the result onto `filepath`.

    The temporary file lives in the same folder, so the final `os.replace` is
    atomic: a save that is interrupted or fails leaves any earlier file at
    `filepath` untouched, and no partial file behind. The file is flushed to
    disk before the rename, and the folder after it, so that not even a
    power cut leaves a half-written file under the name. `write` creates
    the file itself, so it gets the usual permissions (not `mkstemp`'s
    private ones).

    Args:
        filepath: Where the file must end up.
        write: A function that writes the whole file to the path it is given.
        suffix: The temporary file's suffix (Keras checks extensions).
    """
    filepath = os.fspath(filepath)
    folder = os.path.dirname(os.path.abspath(filepath))
    handle, temporary = tempfile.mkstemp(
        prefix=f".{os.path.basename(filepath)}.", suffix=suffix, dir=folder
    )
    os.close(handle)
    os.remove(temporary)  # Only the unique name is kept.
    try:
        write(temporary)
        _flush_to_disk(temporary)
        os.replace(temporary, filepath)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    _flush_to_disk(folder)  # The rename itself, where the system allows it.


def _flush_to_disk(path):
    """Asks the system to put `path` (a file, or a folder's entries) on disk,
    so that a power cut after the rename finds the new file whole."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:  # A folder cannot be opened on Windows: nothing to do.
        return
    try:
        os.fsync(descriptor)
    except OSError:  # Some file systems refuse fsync on folders.
        pass
    finally:
        os.close(descriptor)


def saved_suffix(filepath, allowed):
    """The extension of `filepath` among `allowed`, or a `ValueError`."""
    name = os.fspath(filepath)
    for suffix in allowed:
        if name.endswith(suffix):
            return suffix
    raise ValueError(f"`filepath` must end in {' or '.join(allowed)}; got {name!r}.")


def refuse_overwrite(filepath, overwrite):
    """Raises `FileExistsError` if `filepath` exists and `overwrite` is false."""
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(
            f"{os.fspath(filepath)!r} exists; pass `overwrite=True` to replace it."
        )
