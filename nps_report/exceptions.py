"""Errors raised by nps-report: one base class, narrow subclasses with structured fields."""

from __future__ import annotations


class NpsReportError(Exception):
    """Base class of every error nps-report raises on purpose.

    The command line prints the message of these errors (no traceback) and exits
    with :attr:`exit_code`.
    """

    exit_code = 2


class DataError(NpsReportError):
    """A data source cannot be used: missing file, unreadable, a required column absent.

    Parameters
    ----------
    message : str
        What went wrong, in the user's words.
    path : str, optional
        The file (or URL) concerned.
    column : str, optional
        The column concerned.
    row : int, optional
        The 1-based data row concerned (header rows not counted).
    """

    def __init__(self, message: str, *, path=None, column=None, row=None):
        self.path = None if path is None else str(path)
        self.column = column
        self.row = row
        prefix = f"{self.path}: " if self.path else ""
        super().__init__(prefix + message)


class ParamsError(NpsReportError):
    """A build file (params YAML) is missing, malformed or has a wrong key or value."""

    def __init__(self, message: str, *, path=None, key=None):
        self.path = None if path is None else str(path)
        self.key = key
        prefix = f"{self.path}: " if self.path else ""
        super().__init__(prefix + message)


class TemplateError(NpsReportError):
    """A report templates folder cannot be used: a template is missing, unreadable, or its
    ``parameters`` cell lacks a parameter the build sets.

    Parameters
    ----------
    message : str
        What is wrong.
    path : str, optional
        The template (or folder) concerned.
    """

    def __init__(self, message: str, *, path=None):
        self.path = None if path is None else str(path)
        prefix = f"{self.path}: " if self.path else ""
        super().__init__(prefix + message)


class BuildError(NpsReportError):
    """A build could not run (as opposed to one report failing, which is recorded)."""

    exit_code = 1


class MissingDependencyError(NpsReportError):
    """An optional dependency or system library is missing; the message says how to install it."""


class OutputError(BuildError):
    """The build's output cannot be written: disk full, read-only, permission denied.

    Finished reports stay recorded and the manifest is the previous valid one or a
    complete new one; run the build again once the cause is gone. Exit code 1 when some
    reports were built this run, 2 when none could be (:attr:`exit_code`).

    Parameters
    ----------
    message : str
        What could not be written and why.
    path : str, optional
        The file or folder concerned.
    """

    def __init__(self, message: str, *, path=None, built: int = 0):
        self.path = None if path is None else str(path)
        self.built = built
        self.exit_code = 1 if built else 2
        super().__init__(message)

    @classmethod
    def from_errno(cls, number: int, path=None, *, built: int = 0) -> "OutputError":
        """The message for an ``OSError``'s ``errno`` on ``path``.

        Examples
        --------
        >>> import errno
        >>> print(OutputError.from_errno(errno.ENOSPC, "/out/manifest.json"))
        cannot write /out/manifest.json: no space left on the device (free some space and run the build again: finished reports are kept)
        """
        import errno as codes
        import os

        advice = {codes.ENOSPC: "no space left on the device (free some space",
                  codes.EDQUOT: "disk quota exceeded (free some space",
                  codes.EROFS: "the file system is read-only (choose another output_dir or make it writable",
                  codes.EACCES: "permission denied (choose another output_dir or fix its permissions",
                  codes.EPERM: "operation not permitted (choose another output_dir or fix its permissions"}
        reason = advice.get(number, os.strerror(number) + " (fix it")
        return cls(f"cannot write {path}: {reason} and run the build again: finished reports are kept)",
                   path=path, built=built)


class BuildLockedError(BuildError):
    """Another build is writing the same output folder (it holds the folder's lock)."""

    exit_code = 2


class BuildInterrupted(NpsReportError):
    """The build was interrupted (Ctrl-C); what finished is recorded and resumes next run."""

    exit_code = 130
