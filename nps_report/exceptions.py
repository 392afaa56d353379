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
