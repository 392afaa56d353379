"""The action log a build writes beside its reports: every recommended action, for owners to fill in."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..spreadsheets import EntryChecks, SheetStyle, write_csv, write_xlsx

__all__ = ["EDITABLE_COLUMNS", "LOG_COLUMNS", "LOG_FILE", "LOG_SHEET", "STATUSES", "action_log",
           "write_action_log"]

#: Statuses an owner may give an action, in the order of its life.
STATUSES = ("planned", "in progress", "done", "dropped")
#: Columns of an action log, in order; the last four are the owners' to fill in.
LOG_COLUMNS = ["action_id", "quarter", "team", "rule", "subject", "title", "status", "owner",
               "date", "note"]
#: The columns an owner edits (the others identify the action and are checked on return).
EDITABLE_COLUMNS = ["status", "owner", "date", "note"]
#: File name (without suffix) of a quarter's action log, beside its reports.
LOG_FILE = "action_log"
#: The workbook's sheet of actions.
LOG_SHEET = "Actions"

_HOW_TO = [
    "One row per action the reports recommended this quarter. Fill in the last four columns:",
    f"status: one of {', '.join(STATUSES)} (a drop-down);",
    "owner: who is doing it; date: when the status was reached (YYYY-MM-DD, not in the future);",
    "note: anything worth keeping. Leave the other columns as they are: the action_id",
    "identifies the action (the same team, rule and subject keep their id from quarter to",
    "quarter). Put the returned file (XLSX or CSV, several returns are fine: the latest wins)",
    "in the folder the build file names under action_log; the next build reads it, checks it",
    "and shows in the next quarter's report what came of the actions marked done.",
]


def action_log(actions_by_team: dict, *, quarter: str) -> pd.DataFrame:
    """The action log of one quarter: every team's recommended actions, fields to fill blank.

    Parameters
    ----------
    actions_by_team : dict
        Team name -> its actions table (a team report's ``t.actions``, with
        ``action_id``: :func:`nps_report.actions.ids.with_action_ids`).
    quarter : str
        The quarter the actions were recommended in.

    Returns
    -------
    DataFrame
        :data:`LOG_COLUMNS`, one row per action, teams in the given order and each
        team's actions in rank order; ``status``, ``owner``, ``date``, ``note`` blank.

    Examples
    --------
    >>> import pandas as pd
    >>> from nps_report.actions.ids import with_action_ids
    >>> table = with_action_ids(pd.DataFrame({"rule": ["fix_pain_point"],
    ...     "subject": ["billing errors"], "title": ["Fix the recurring pain point: Billing errors"]}),
    ...     team="Billing Operations")
    >>> log = action_log({"Billing Operations": table}, quarter="2026Q2")
    >>> log[["action_id", "quarter", "status"]].values.tolist()
    [['38541309a6d4', '2026Q2', '']]
    """
    frames = []
    for team, table in actions_by_team.items():
        if table is None or table.empty:
            continue
        if "action_id" not in table:
            from ..actions.ids import with_action_ids

            table = with_action_ids(table, team=team)
        frames.append(pd.DataFrame({
            "action_id": table["action_id"].astype(str).to_numpy(), "quarter": str(quarter),
            "team": str(team), "rule": table["rule"].astype(str).to_numpy(),
            "subject": table["subject"].astype(str).to_numpy(),
            "title": table["title"].astype(str).to_numpy()}))
    log = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=LOG_COLUMNS[:6])
    for column in EDITABLE_COLUMNS:
        log[column] = ""
    return log[LOG_COLUMNS].astype(object)


def write_action_log(log: pd.DataFrame, folder, *, name: str = LOG_FILE) -> tuple[Path, Path]:
    """Write an action log as a workbook with a status drop-down, and as a CSV.

    Both go through :mod:`nps_report.spreadsheets` (every text cell formula-safe). In
    the workbook the ``status`` column only takes :data:`STATUSES` (an Excel data
    validation list, which LibreOffice and Google Sheets honour too), ``date`` only a
    date, and a second sheet says how to fill it in.

    Parameters
    ----------
    log : DataFrame
        :func:`action_log`.
    folder : path-like
        Where to write (created).
    name : str, default "action_log"

    Returns
    -------
    (Path, Path)
        The workbook and the CSV.

    Examples
    --------
    >>> import tempfile
    >>> from openpyxl import load_workbook
    >>> log = action_log({}, quarter="2026Q3")
    >>> book, _ = write_action_log(log, tempfile.mkdtemp())
    >>> load_workbook(book)["Actions"].data_validations.dataValidation[0].formula1
    '"planned,in progress,done,dropped"'
    """
    folder = Path(folder)
    widths = {"action_id": 14, "quarter": 9, "team": 24, "rule": 18, "subject": 18, "title": 60,
              "status": 13, "owner": 22, "date": 12, "note": 50}
    how = pd.DataFrame({"How to fill in this log": _HOW_TO})

    checks = EntryChecks(choice_column="status", choices=STATUSES, date_column="date",
                         choice_error="Choose " + ", ".join(STATUSES) + ".",
                         date_error="Type a date (YYYY-MM-DD).",
                         extra_rows=200)  # room for the rows an owner adds by hand
    book = write_xlsx({LOG_SHEET: log[LOG_COLUMNS], "How to fill in": how},
                      folder / f"{name}.xlsx", widths=widths | {"How to fill in this log": 100},
                      styles={LOG_SHEET: SheetStyle(checks=checks)})
    csv = write_csv(log[LOG_COLUMNS], folder / f"{name}.csv", columns=LOG_COLUMNS)
    return book, csv
