"""Atomic file writing: outputs are complete or absent, never half-written."""

import os
import tempfile
from pathlib import Path


def atomic_write_bytes(path, data):
    """Write ``data`` to ``path`` atomically (temporary file, then rename).

    Args:
        path: destination file; its folder is created if needed.
        data: the bytes to write.

    Returns:
        The destination as a ``Path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return path


def atomic_write_text(path, text):
    """Write ``text`` (UTF-8) to ``path`` atomically. Returns the ``Path``."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def output_path(folder, name, suffix):
    """Return ``folder/name`` with ``suffix``, checking that a folder was given.

    Args:
        folder: the folder the caller chose to write into.
        name: file stem (a suffix in it is replaced).
        suffix: such as ``".mid"``.
    """
    if folder is None or str(folder) == "":
        raise ValueError("folder: name the folder to write into")
    stem = Path(str(name)).name
    if not stem:
        raise ValueError(f"name: {name!r} is not a usable file name")
    return Path(folder) / (Path(stem).stem + suffix)
