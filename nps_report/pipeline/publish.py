"""Builds for an fsspec URL: made in a local staging folder, then published file by file.

``output_dir`` in a build file may be a URL that fsspec understands (``s3://bucket/nps``,
``gs://...``, ``abfs://...``, ``file:///srv/nps``, ``memory://...``; the protocol's own
package, such as s3fs, must be installed, and credentials come from its usual places).
The build runs exactly as for a local folder, in ``output/.remote/<url as a folder
name>`` under the current folder, which keeps the manifest so that the next build stays
incremental; then every file that is new or changed since the last publication is
copied to ``<output_dir>/<build name>/`` with the same layout.

On a Dask cluster (``--scheduler``) the workers share no file system with this machine:
before the reports run, the build publishes its data (``responses.parquet``), its
``context.json`` (which then names them by URL) and copies of the benchmark, theme and
action files (``inputs/``); each task carries its template's text; a worker makes its
report in a temporary folder, uploads it to ``<output_dir>/<build>/<report folder>/``,
and this machine fetches a copy into the staging folder for the packs, the index and
the next incremental build. Workers need the package installed and access to the URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..atomic import is_temporary
from ..exceptions import BuildError, MissingDependencyError, ParamsError
from ..storage import is_url, upload_folder
from .plan import safe_name
from .state import LOCK_FILE, read_state, save_state

__all__ = ["PublishResult", "check_url", "is_url", "mark_published", "output_location", "publish",
           "staging_root"]

RECORD = ".published.json"  # what was published, kept in the staging folder
STAGING = Path("output") / ".remote"


@dataclass
class PublishResult:
    """What :func:`publish` did: the URL, files uploaded and files already up to date."""

    url: str
    uploaded: int
    unchanged: int


def check_url(url: str, *, params_file=None) -> None:
    """Fail early, before any work, when fsspec cannot write to ``url``.

    Raises
    ------
    ParamsError
        For a protocol fsspec does not know (the build file's ``output_dir`` is wrong).
    MissingDependencyError
        When the protocol's package is not installed (e.g. s3fs for ``s3://``).
    """
    import fsspec

    protocol = url.split("://", 1)[0]
    try:
        fsspec.get_filesystem_class(protocol)
    except ImportError as exc:
        raise MissingDependencyError(f"output_dir {url!r} needs a package that is not installed: "
                                     f"{exc} (pip install it into the project's environment)") from None
    except ValueError as exc:
        raise ParamsError(f"output_dir {url!r}: {exc}; use a local folder or a URL such as "
                          "s3://bucket/folder", path=params_file, key="output_dir") from None


def output_location(params) -> tuple[Path, str | None]:
    """Where a build (or a summary) of ``params`` writes: the local root folder, and the
    URL its build folder is published to (None for a local ``output_dir``).

    Raises
    ------
    ParamsError, MissingDependencyError
        See :func:`check_url`.
    """
    if not is_url(params.output_dir):
        return Path(params.output_dir), None
    check_url(params.output_dir, params_file=params.source_file)
    return staging_root(params.output_dir), f"{str(params.output_dir).rstrip('/')}/{params.name}"


def staging_root(url: str) -> Path:
    """The local folder a build for ``url`` is made in: ``output/.remote/<url as a name>``."""
    return STAGING / safe_name(url.replace("://", "_").replace("/", "_"))


def publish(folder, url: str, *, storage_options: dict | None = None) -> PublishResult:
    """Copy the new and changed files of the build ``folder`` to ``url``.

    Parameters
    ----------
    folder : path-like
        The local build folder (``<staging>/<build name>``).
    url : str
        Where the build goes (``s3://bucket/nps/<build name>``); folders are created.
    storage_options : dict, optional
        Passed to fsspec (e.g. ``{"anon": False}``).

    Returns
    -------
    PublishResult

    Raises
    ------
    BuildError
        When a file cannot be written; the local copy stays complete in ``folder``.
    """
    folder = Path(folder)
    record = _record(folder, url)
    files = record["files"]
    unchanged = 0

    def skip(relative: str, path: Path) -> bool:
        nonlocal unchanged
        if path.name in (RECORD, LOCK_FILE) or path.name.endswith(".partial") or is_temporary(path):
            return True
        if files.get(relative) == _stamp(path):
            unchanged += 1
            return True
        return False

    def uploaded(relative: str, path: Path) -> None:
        files[relative] = _stamp(path)

    try:
        count = upload_folder(folder, url, skip=skip, on_upload=uploaded,
                              storage_options=storage_options)
    except Exception as exc:  # permissions, network: the local build is complete and kept
        raise BuildError(f"publishing to {url} failed ({type(exc).__name__}: {exc}); the build is "
                         f"complete in {folder}, and the next build publishes what is missing") from None
    finally:
        save_state(folder / RECORD, record)
    return PublishResult(url=url, uploaded=count, unchanged=unchanged)


def mark_published(folder, url: str, paths) -> None:
    """Record files of the build ``folder`` as already at ``url`` (a report a Dask worker
    uploaded and this machine fetched), so that :func:`publish` does not send them again."""
    folder = Path(folder)
    record = _record(folder, url)
    for path in paths:
        record["files"][Path(path).relative_to(folder).as_posix()] = _stamp(Path(path))
    save_state(folder / RECORD, record)


def _record(folder: Path, url: str) -> dict:
    """What was published from ``folder`` to ``url`` (empty when it went elsewhere before)."""
    path = folder / RECORD
    record = read_state(path, what="publication record")  # unreadable: everything goes again
    if record.get("url") != url:  # published somewhere else before: everything goes again
        record = {"url": url, "files": {}}
    return record


def _stamp(path: Path) -> list:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]
