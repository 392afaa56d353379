"""Local paths and fsspec URLs (``s3://``, ``gs://``, ``file://``, ``memory://``...): read a
text file from either, copy a folder's files to or from a URL.

fsspec is imported only when a URL is used; a URL's protocol needs its own package
(s3fs for ``s3://``) and takes its credentials from the usual places.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


class ParsedFiles:
    """What a parser made of local files, kept per path and content of the file.

    A warm kernel runs many reports that read the same theme or benchmarks file; an
    edited file (any byte) is parsed again. A file that cannot be read is handed to the
    parser every time, so its error message is the parser's.

    Parameters
    ----------
    limit : int
        How many files to keep; when full, the kept ones are dropped.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = path.write_text("1")
    >>> kept, calls = ParsedFiles(limit=1), []
    >>> def parse():
    ...     calls.append(1)
    ...     return int(path.read_text())
    >>> kept.get(path, parse), kept.get(path, parse), len(calls)
    (1, 1, 1)
    >>> _ = path.write_text("2")
    >>> kept.get(path, parse), len(calls)
    (2, 2)
    """

    def __init__(self, limit: int):
        self.limit = limit
        self._kept: dict = {}

    def get(self, path, parse):
        """``parse()``, or what it returned before for this path with the same content."""
        try:
            with open(path, "rb") as file:
                key = (os.fspath(path), hashlib.sha256(file.read()).digest())
        except (OSError, TypeError, ValueError):  # missing or a URL: parse() says why
            return parse()
        return self.keyed(key, parse)

    def keyed(self, key, parse):
        """``parse()``, or what it returned before for ``key``, which the caller derives
        from the files parsed (their content, or their names, sizes and times)."""
        if key not in self._kept:
            if len(self._kept) >= self.limit:
                self._kept.clear()
            self._kept[key] = parse()
        return self._kept[key]


def is_url(location) -> bool:
    """True when ``location`` is a URL (``protocol://...``) rather than a local path."""
    return "://" in str(location)


def read_text(location) -> str:
    """The text (UTF-8) of a local file or of a file at a URL.

    Raises
    ------
    FileNotFoundError
        When there is no such file (for a URL too).
    """
    if not is_url(location):
        return Path(location).read_text(encoding="utf-8")
    import fsspec

    with fsspec.open(str(location), "r", encoding="utf-8") as handle:
        return handle.read()


def upload_folder(folder, url: str, *, skip=None, on_upload=None, storage_options=None) -> int:
    """Copy every file under ``folder`` to ``url`` (same layout); returns how many.

    ``skip(relative_path, path) -> bool`` leaves files out; ``on_upload(relative_path,
    path)`` is called after each copy; ``storage_options`` go to fsspec.
    """
    import fsspec

    folder = Path(folder)
    fs, base = fsspec.core.url_to_fs(url, **(storage_options or {}))
    base = base.rstrip("/")
    made, count = set(), 0
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if not path.is_file() or (skip and skip(relative, path)):
            continue
        target = f"{base}/{relative}"
        parent = target.rsplit("/", 1)[0]
        if parent not in made:
            fs.makedirs(parent, exist_ok=True)
            made.add(parent)
        fs.put_file(str(path), target)
        count += 1
        if on_upload:
            on_upload(relative, path)
    return count


def download_folder(url: str, folder) -> list:
    """Copy every file under ``url`` into the local ``folder`` (same layout); returns the
    local paths written."""
    import fsspec

    fs, base = fsspec.core.url_to_fs(url)
    base = base.rstrip("/")
    folder = Path(folder)
    written = []
    for remote in fs.find(base):
        relative = remote[len(base):].lstrip("/")
        if not relative:
            continue
        local = folder / relative
        local.parent.mkdir(parents=True, exist_ok=True)
        partial = local.with_name(local.name + ".partial")
        fs.get_file(remote, str(partial))
        partial.replace(local)
        written.append(local)
    return written
