"""Files written whole or not at all.

Every file a build writes goes to a temporary name in its own folder
(``.<name>.<random>.tmp<suffix>``), is flushed and synced to disk, then renamed over the target
with :func:`os.replace`, which is atomic on POSIX and Windows file systems. A reader, a
killed build or a full disk therefore sees the previous file or the complete new one,
never half of one; a failed write removes its temporary file, and one left by a killed
process is swept by the next build (:func:`sweep_temporary`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
from pathlib import Path

__all__ = ["TEMPORARY_SUFFIX", "atomic_path", "atomic_paths", "is_temporary", "sweep_temporary", "write_bytes",
           "write_json", "write_text"]

#: Suffix of the temporary names; the dot in front hides them from listings.
TEMPORARY_SUFFIX = ".tmp"
TEMPORARY_NAME = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp(\.[^.]*)?$", re.DOTALL)


def temporary_name(path: Path) -> Path:
    """A fresh temporary name beside ``path`` (same folder, so the rename stays atomic),
    ending in ``path``'s own suffix (writers such as openpyxl choose by the extension).

    The name is cut so that it fits a 255-byte path component however long ``path``'s is.
    """
    stem = path.name.encode("utf-8")[:200].decode("utf-8", errors="ignore")
    return path.with_name(f".{stem}.{secrets.token_hex(4)}{TEMPORARY_SUFFIX}{path.suffix[:20]}")


def is_temporary(path) -> bool:
    """True for a name :func:`atomic_path` writes before its rename.

    Examples
    --------
    >>> is_temporary(".report.pdf.1a2b3c4d.tmp.pdf"), is_temporary("report.pdf")
    (True, False)
    """
    return TEMPORARY_NAME.match(Path(path).name) is not None


def sync_file(path: Path) -> None:
    """Flush ``path``'s data to the disk (a writer that takes a file name closed it already)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse fsync on a folder: the rename still happened
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path):
    """A temporary path to write ``path`` through, renamed over it when the block succeeds.

    For writers that take a file name (pandas, openpyxl, WeasyPrint, nbformat): write to
    the yielded path; on leaving the block it is synced and renamed to ``path``. If the
    block raises, the temporary file is removed and ``path`` keeps its previous content.

    Parameters
    ----------
    path : path-like
        The file to (re)write.

    Yields
    ------
    Path
        The temporary file to write.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "table.csv"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("a,b\\n1,2\\n")
    >>> target.read_text(), sorted(p.name for p in target.parent.iterdir())
    ('a,b\\n1,2\\n', ['table.csv'])
    """
    path = Path(path)
    temporary = temporary_name(path)
    try:
        yield temporary
        sync_file(temporary)
        os.replace(temporary, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
        if isinstance(exc, OSError) and exc.filename in (None, str(temporary), temporary):
            # a write through a file object names no file: name the one being written
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    sync_folder(path.parent)


@contextlib.contextmanager
def atomic_paths():
    """Write several files whole or not at all, synced together: a function giving each
    file's temporary path; on success every file is synced, then renamed, then each
    folder synced once.

    Cheaper than one :func:`atomic_path` per file (one folder sync for the set, not one
    per file) and safer for a set read together: no file is renamed before every file
    of the set is written and on disk, so a crash or a failing write leaves the previous
    files (and temporary files, which the next build sweeps), never part of the new set
    beside part of the old one unless a crash falls between the renames.

    Yields
    ------
    callable
        ``temporary(path) -> Path``: the temporary file to write ``path`` through.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with atomic_paths() as temporary:
    ...     for name in ("a.txt", "b.txt"):
    ...         _ = temporary(folder / name).write_text(name)
    >>> sorted(p.name for p in folder.iterdir()), (folder / "b.txt").read_text()
    (['a.txt', 'b.txt'], 'b.txt')
    """
    pending = []

    def temporary(path) -> Path:
        path = Path(path)
        pending.append((temporary_name(path), path))
        return pending[-1][0]

    current = None
    try:
        yield temporary
        for current, _ in pending:
            sync_file(current)
        for current, target in pending:
            os.replace(current, target)
    except BaseException as exc:
        for written, _ in pending:
            with contextlib.suppress(OSError):
                written.unlink()
        targets = {str(written): target for written, target in pending}
        if isinstance(exc, OSError) and pending:
            # a write through a file object names no file: name the one being written
            named = exc.filename if exc.filename is not None else (current or pending[-1][0])
            if str(named) in targets:
                raise OSError(exc.errno, exc.strerror, str(targets[str(named)])) from exc
        raise
    for folder in dict.fromkeys(target.parent for _, target in pending):
        sync_folder(folder)


def write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`); return ``path``.

    Examples
    --------
    >>> import tempfile
    >>> write_bytes(Path(tempfile.mkdtemp()) / "x.bin", b"abc").read_bytes()
    b'abc'
    """
    path = Path(path)
    with atomic_path(path) as temporary:  # synced there
        with open(temporary, "wb") as out:
            out.write(data)
    return path


def write_text(path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically; return ``path``.

    Examples
    --------
    >>> import tempfile
    >>> write_text(Path(tempfile.mkdtemp()) / "x.txt", "é").read_text(encoding="utf-8")
    'é'
    """
    return write_bytes(path, text.encode(encoding))


def write_json(path, value, indent: int = 2) -> Path:
    """Write ``value`` as JSON to ``path`` atomically; return ``path``.

    Examples
    --------
    >>> import tempfile
    >>> json.loads(write_json(Path(tempfile.mkdtemp()) / "m.json", {"a": 1}).read_text())
    {'a': 1}
    """
    return write_text(path, json.dumps(value, indent=indent))


def sweep_temporary(folder) -> list:
    """Remove the temporary files a killed writer left below ``folder``; return their paths.

    Call it only while no other process writes the folder (a build holds its lock).
    """
    removed = []
    folder = Path(folder)
    if not folder.is_dir():
        return removed
    for path in folder.rglob(f".*{TEMPORARY_SUFFIX}*"):
        if path.is_file() and is_temporary(path):
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed
