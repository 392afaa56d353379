"""A build's action-log files: the logs it wrote, the returns it read, their history and the latest word."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..spreadsheets import write_csv
from .log import LOG_COLUMNS, LOG_FILE, action_log, write_action_log
from .returns import (REJECTED_COLUMNS, check_returns, read_returned_log, returned_files,
                      unquote_cells)

__all__ = ["ACTIONS_FOLDER", "HISTORY_COLUMNS", "HISTORY_FILE", "ISSUED_COLUMNS", "ISSUED_FILE",
           "LATEST_FILE", "REJECTED_FILE", "ReturnedLogs", "action_log_files", "latest_entries",
           "read_latest",
           "read_returns", "write_quarter_log"]

#: Folder of a build holding its action-log bookkeeping.
ACTIONS_FOLDER = "actions"
#: Every accepted return row ever read (a row is never dropped, so nothing typed is lost).
HISTORY_FILE = "history.csv"
#: The latest accepted entry per action (what the reports read).
LATEST_FILE = "latest.csv"
#: The rows of the returned files refused by this build, each with its reasons.
REJECTED_FILE = "rejected.csv"
#: Every action the build has written into a log (its ids are known on return).
ISSUED_FILE = "issued.csv"
#: Columns of the history and latest files.
HISTORY_COLUMNS = ["received", "source_file", "source_row"] + LOG_COLUMNS
#: Columns of the issued file.
ISSUED_COLUMNS = LOG_COLUMNS[:6]


def _read(path: Path, columns) -> pd.DataFrame:
    if not path.exists():
        return pd.DataFrame(columns=columns, dtype=object)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return unquote_cells(frame.reindex(columns=columns, fill_value=""))


def latest_entries(history: pd.DataFrame) -> pd.DataFrame:
    """The latest entry per action: the last row received (then by file name and row).

    Examples
    --------
    >>> import pandas as pd
    >>> history = pd.DataFrame({"received": ["2026-10-02", "2026-10-01"], "source_file": "a.csv",
    ...     "source_row": [2, 3], "action_id": "x", "status": ["done", "planned"]})
    >>> latest_entries(history)["status"].tolist()
    ['done']
    """
    if history.empty:
        return history.copy()
    order = history.assign(_row=pd.to_numeric(history["source_row"], errors="coerce"))
    order = order.sort_values(["received", "source_file", "_row"], kind="stable")
    return order.drop(columns="_row").groupby("action_id", sort=False).tail(1) \
        .reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class ReturnedLogs:
    """What :func:`read_returns` found.

    Attributes
    ----------
    history : DataFrame
        Every accepted row ever read (:data:`HISTORY_COLUMNS`).
    latest : DataFrame
        The latest entry per action (:func:`latest_entries`).
    rejected : DataFrame
        The refused rows of the files read now, with their reasons.
    files : list of Path
        The returned files read, oldest first.
    """

    history: pd.DataFrame
    latest: pd.DataFrame
    rejected: pd.DataFrame
    files: list

    def summary(self) -> str:
        """One line for the build's log."""
        return (f"{len(self.files)} returned action log(s): {len(self.latest)} action(s) with a "
                f"status, {len(self.rejected)} row(s) refused")


def read_returns(build_folder, returned, *, teams, today=None) -> ReturnedLogs:
    """Read every returned log in ``returned``, check it, and update the build's history.

    Parameters
    ----------
    build_folder : path-like
        The build folder; the files go into its ``actions/`` folder.
    returned : path-like or None
        The folder of returned logs (the build file's ``action_log``); ``None`` or a
        missing folder reads nothing (the history already kept still counts).
    teams : iterable of str
        The teams of the build's data.
    today : date-like, optional
        Dates after it are refused (default today, UTC).

    Returns
    -------
    ReturnedLogs

    Notes
    -----
    Files are read oldest first (by modification time). ``history.csv`` keeps every
    accepted row ever read, with when its file was last saved (``received``); a row
    read again from the same, unchanged file is not added twice. ``latest.csv`` holds
    the latest entry per action (:func:`latest_entries`): a later return overrides an
    earlier one, which stays in the history. ``rejected.csv`` lists the rows of the
    files now in the folder that were refused, with every cell as typed and the reasons.
    """
    folder = Path(build_folder) / ACTIONS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    issued = _read(folder / ISSUED_FILE, ISSUED_COLUMNS)
    files = returned_files(returned) if returned else []
    accepted, rejected = [], []
    for path in files:
        received = _dt.datetime.fromtimestamp(path.stat().st_mtime, _dt.timezone.utc)
        good, bad = check_returns(read_returned_log(path), teams=teams, today=today, issued=issued)
        accepted.append(good.assign(received=received.strftime("%Y-%m-%dT%H:%M:%SZ")))
        rejected.append(bad)
    history = pd.concat([_read(folder / HISTORY_FILE, HISTORY_COLUMNS), *accepted],
                        ignore_index=True).reindex(columns=HISTORY_COLUMNS)
    history = history.astype(str).drop_duplicates(ignore_index=True)
    rejected = pd.concat(rejected, ignore_index=True) if rejected else \
        pd.DataFrame(columns=REJECTED_COLUMNS)
    latest = latest_entries(history)
    write_csv(history, folder / HISTORY_FILE, columns=HISTORY_COLUMNS)
    write_csv(latest, folder / LATEST_FILE, columns=HISTORY_COLUMNS)
    write_csv(rejected, folder / REJECTED_FILE, columns=REJECTED_COLUMNS)
    return ReturnedLogs(history, latest, rejected, files)


def read_latest(build_folder) -> pd.DataFrame:
    """The latest entry per action of a build (``actions/latest.csv``; empty without one)."""
    if build_folder is None:
        return pd.DataFrame(columns=HISTORY_COLUMNS, dtype=object)
    return _read(Path(build_folder) / ACTIONS_FOLDER / LATEST_FILE, HISTORY_COLUMNS)


def write_quarter_log(build_folder, quarter: str, actions_by_team: dict) -> tuple[Path, Path]:
    """Write a quarter's action log beside its reports and record its actions as issued.

    ``<build>/<quarter>/action_log.xlsx`` and ``.csv``
    (:func:`~nps_report.followup.log.write_action_log`); the actions are added to
    ``<build>/actions/issued.csv``, so a returned row is known by its id alone.
    Returns the workbook and the CSV.
    """
    build_folder = Path(build_folder)
    log = action_log(actions_by_team, quarter=quarter)
    paths = write_action_log(log, build_folder / quarter, name=LOG_FILE)
    folder = build_folder / ACTIONS_FOLDER
    issued = pd.concat([_read(folder / ISSUED_FILE, ISSUED_COLUMNS), log[ISSUED_COLUMNS]],
                       ignore_index=True).astype(str)
    issued = issued.drop_duplicates(["action_id", "quarter"], keep="last", ignore_index=True)
    write_csv(issued, folder / ISSUED_FILE, columns=ISSUED_COLUMNS)
    return paths


def action_log_files(build_folder) -> list[tuple[str, str]]:
    """``(label, path relative to the build folder)`` of the action-log files a build holds.

    Each quarter's log (XLSX and CSV), then the latest entry per action, the history and
    the refused rows, for the build's index.
    """
    folder = Path(build_folder)
    files = []
    for book in sorted(folder.glob(f"*/{LOG_FILE}.xlsx")):
        quarter = book.parent.name
        files.append((f"{quarter} action log (XLSX)", f"{quarter}/{LOG_FILE}.xlsx"))
        if book.with_suffix(".csv").exists():
            files.append((f"{quarter} (CSV)", f"{quarter}/{LOG_FILE}.csv"))
    for name, label in ((LATEST_FILE, "latest status per action"), (HISTORY_FILE, "every return"),
                        (REJECTED_FILE, "refused rows, with reasons")):
        if (folder / ACTIONS_FOLDER / name).exists():
            files.append((label, f"{ACTIONS_FOLDER}/{name}"))
    return files
