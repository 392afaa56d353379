"""A build folder's state: the lock that keeps one build writing it, and state files
(the manifest, the publication record) read back safely.

- **One build at a time.** :class:`BuildLock` holds an exclusive ``fcntl.flock`` on
  ``<build>/.nps-report.lock`` while the build writes the folder; the file names the
  holder's pid. A second build stops with a message naming that pid
  (:class:`~nps_report.exceptions.BuildLockedError`, exit code 2), or waits with
  ``--wait``. The operating system releases the lock when the holder ends, however it
  ends (``kill -9`` included): no stale lock to remove by hand.
- **State files that cannot be read are moved aside, never a traceback.** A manifest
  that a crash or a full disk of an older version cut short is renamed
  ``manifest.json.corrupt-<UTC time>``, a warning says so, and the build rebuilds what
  it no longer knows to be up to date.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import sys
from pathlib import Path

from ..atomic import write_json
from ..exceptions import BuildLockedError

__all__ = ["LOCK_FILE", "BuildLock", "read_state", "save_state"]

LOCK_FILE = ".nps-report.lock"


def _warn(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class BuildLock:
    """The exclusive lock of a build folder (a context manager).

    Parameters
    ----------
    folder : path-like
        The build folder (created if missing).
    wait : bool
        Wait for another build holding the lock to finish instead of stopping.

    Raises
    ------
    BuildLockedError
        When another build holds the lock and ``wait`` is false.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with BuildLock(folder) as lock:
    ...     try:
    ...         BuildLock(folder).acquire()
    ...     except BuildLockedError as exc:
    ...         print("locked by this process:", str(os.getpid()) in str(exc))
    locked by this process: True
    """

    def __init__(self, folder, *, wait: bool = False):
        self.folder = Path(folder)
        self.path = self.folder / LOCK_FILE
        self.wait = wait
        self.fd = None

    def holder(self) -> str:
        """The pid the lock file names (``"unknown"`` when it names none)."""
        try:
            return self.path.read_text(encoding="ascii").strip() or "unknown"
        except (OSError, UnicodeDecodeError):
            return "unknown"

    def acquire(self) -> "BuildLock":
        import fcntl

        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not self.wait:
                    raise BuildLockedError(
                        f"another build (pid {self.holder()}) is writing {self.folder}; wait "
                        f"for it to finish, or run again with --wait") from None
                _warn(f"Waiting for the build writing {self.folder} (pid {self.holder()}) to finish ...")
                fcntl.flock(fd, fcntl.LOCK_EX)
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        except BaseException:
            os.close(fd)
            raise
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is not None:
            import fcntl

            try:
                os.ftruncate(self.fd, 0)  # no pid of a finished build left to mislead
            except OSError:
                pass
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> "BuildLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def read_state(path, *, what: str = "state file") -> dict:
    """The JSON object in ``path``; ``{}`` when it is missing.

    A file that is not a readable JSON object (cut short by a crash, emptied by a full
    disk, edited by hand) is renamed ``<name>.corrupt-<UTC time>`` beside it, with a
    warning, and ``{}`` is returned: the caller rebuilds what it described.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "manifest.json"
    >>> _ = path.write_text("")
    >>> read_state(path, what="manifest")  # doctest: +ELLIPSIS
    {}
    >>> [p.name.startswith("manifest.json.corrupt-") for p in path.parent.iterdir()]
    [True]
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        problem = f"{type(exc).__name__}: {exc}"
    else:
        try:
            value = json.loads(text)
        except ValueError as exc:
            problem = f"not valid JSON ({exc})" if text.strip() else "empty"
        else:
            if isinstance(value, dict):
                return value
            problem = f"a JSON {type(value).__name__}, not an object"
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    try:
        os.replace(path, aside)
        where = f"moved aside to {aside.name}"
    except OSError as exc:
        where = f"left in place ({exc.strerror})"
    _warn(f"warning: the {what} {path} could not be read ({problem}); {where}; "
          f"it is rebuilt")
    return {}


def save_state(path, value: dict) -> Path:
    """Write a state file atomically (the previous one or the complete new one, never half)."""
    return write_json(path, value)
