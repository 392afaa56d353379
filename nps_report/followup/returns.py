"""Returned action logs: read what owners typed (XLSX or CSV) and check every row, with reasons."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from ..actions.ids import action_id
from ..spreadsheets import FORMULA_START, excel_frame
from .log import EDITABLE_COLUMNS, LOG_COLUMNS, LOG_SHEET, STATUSES

__all__ = ["REJECTED_COLUMNS", "check_returns", "unquote_cells", "read_returned_log", "returned_files"]

#: Columns of the rejected rows: where each came from, why, and everything it held.
REJECTED_COLUMNS = ["source_file", "source_row", "reason"] + LOG_COLUMNS


def _text(value) -> str:
    """A cell as the text the owner sees, without the quote that made it formula-safe."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, (pd.Timestamp, _dt.datetime)):
        return value.strftime("%Y-%m-%d") if (value.hour, value.minute, value.second) == (0, 0, 0) \
            else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, _dt.date):
        return value.isoformat()
    text = str(value).strip()
    if text[:1] == "'" and text[1:2] and text[1:2] in "".join(FORMULA_START):
        text = text[1:]  # spreadsheets.neutralize added it when the log was written
    return text


def unquote_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell of a CSV the build wrote, as text without its formula-safety quote."""
    return frame.apply(lambda column: column.map(_text)).astype(object)


def returned_files(folder) -> list[Path]:
    """The returned logs in ``folder`` (``.xlsx``, ``.csv``), oldest first (then by name).

    Lock files an open spreadsheet leaves (``~$...``, ``.~lock...``) are skipped.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in (".xlsx", ".csv")
             and not p.name.startswith(("~$", ".~lock", "."))]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


def read_returned_log(path) -> pd.DataFrame:
    """One returned action log, every cell as text, with where each row came from.

    Parameters
    ----------
    path : path-like
        An XLSX (its ``Actions`` sheet, else its first) or a CSV written by
        :func:`nps_report.followup.log.write_action_log` and filled in by an owner.

    Returns
    -------
    DataFrame
        ``source_file`` (the file's name), ``source_row`` (the row number the owner
        sees, the header being row 1) and :data:`~nps_report.followup.log.LOG_COLUMNS`
        (a column the owner deleted comes back blank). Dates typed as dates read
        ``YYYY-MM-DD``.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.csv"
    >>> _ = pd.DataFrame({"action_id": ["38541309a6d4"], "status": ["done"]}).to_csv(path, index=False)
    >>> read_returned_log(path)[["source_row", "action_id", "status", "owner"]].values.tolist()
    [[2, '38541309a6d4', 'done', '']]
    """
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        sheets = {name: excel_frame(sheet) for name, sheet in
                  pd.read_excel(path, sheet_name=None, dtype=object).items()}
        raw = sheets.get(LOG_SHEET, next(iter(sheets.values())))
    else:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    raw.columns = [_text(c).lower() for c in raw.columns]
    out = pd.DataFrame({c: [_text(v) for v in raw[c]] if c in raw else [""] * len(raw)
                        for c in LOG_COLUMNS}, dtype=object)
    out.insert(0, "source_row", np.arange(2, len(raw) + 2, dtype="int64"))
    out.insert(0, "source_file", path.name)
    return out


def _status(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").replace("-", " ").split())


def check_returns(rows: pd.DataFrame, *, teams, today=None, issued: pd.DataFrame | None = None
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check returned log rows; accept the good ones, reject the others with reasons.

    Parameters
    ----------
    rows : DataFrame
        :func:`read_returned_log` (one file or several concatenated).
    teams : iterable of str
        The teams of the build's data.
    today : date-like, optional
        Dates after it are refused (default: today, UTC).
    issued : DataFrame, optional
        Actions the build has written into logs (``action_id``, ``quarter``, ``team``,
        ``rule``, ``subject``, ``title``): their ids are known even when the owner
        blanked the other columns, which are then filled back from here (a row with
        an id and no quarter takes the quarter of the latest log that listed it).

    Returns
    -------
    (DataFrame, DataFrame)
        Accepted rows (``source_file``, ``source_row``, :data:`LOG_COLUMNS`, status
        spelled as in :data:`STATUSES`, dates ``YYYY-MM-DD``) and rejected rows
        (:data:`REJECTED_COLUMNS`, every cell as the owner typed it). Rows whose four
        editable cells are all blank are neither: nothing was reported.

    Notes
    -----
    A row is refused when its ``action_id`` is blank or unknown (neither written by
    the build nor the :func:`nps_report.actions.ids.action_id` of the row's own team,
    rule and subject for a team of the data: an edited id, team, rule or subject), its
    quarter is not a quarter label, its status is blank or not one of
    :data:`STATUSES` (spacing, case, ``_`` and ``-`` do not matter), or its date is not
    a date or lies after ``today``. Every reason of a row is given, ``"; "``-joined.

    Examples
    --------
    >>> import pandas as pd
    >>> from nps_report.actions.ids import action_id
    >>> good = action_id("Support", "fix_driver", "support_speed")
    >>> rows = pd.DataFrame({"source_file": "x.csv", "source_row": [2, 3],
    ...     "action_id": [good, "0000000000ff"], "quarter": "2026Q2", "team": "Support",
    ...     "rule": "fix_driver", "subject": "support_speed", "title": "",
    ...     "status": ["Done", "finished"], "owner": "Ann", "date": "2026-08-01", "note": ""})
    >>> accepted, rejected = check_returns(rows, teams=["Support"], today="2026-10-01")
    >>> accepted["status"].tolist(), rejected["reason"].tolist()
    (['done'], ["unknown action id '0000000000ff' (not one of this build's actions: was the id, team, rule or subject edited?); unknown status 'finished' (use planned, in progress, done or dropped)"])
    """
    today = pd.Timestamp(today if today is not None else _dt.datetime.now(_dt.timezone.utc).date())
    today = today.tz_localize(None) if today.tzinfo else today
    teams = {str(t) for t in teams}
    rows = rows.reset_index(drop=True)
    known = {}
    if issued is not None and not issued.empty:
        known = {str(r["action_id"]): r for _, r in issued.drop_duplicates("action_id", keep="last")
                 .iterrows()}
    accepted, rejected = [], []
    for _, row in rows.iterrows():
        row = row.copy()
        if all(_text(row.get(c, "")) == "" for c in EDITABLE_COLUMNS):
            continue  # untouched: the owner reported nothing on this action
        reasons = []
        ident = _text(row.get("action_id", "")).lower()
        if not ident:
            reasons.append("no action_id (copy the row from the log the build wrote)")
        elif ident in known:
            for column in ("quarter", "team", "rule", "subject", "title"):
                if not _text(row.get(column, "")):
                    row[column] = known[ident][column]
        elif not (str(row.get("team", "")) in teams
                  and action_id(row.get("team", ""), row.get("rule", ""),
                                row.get("subject", "")) == ident):
            reasons.append(f"unknown action id {ident!r} (not one of this build's actions: "
                           "was the id, team, rule or subject edited?)")
        try:
            schema.parse_quarter(str(row.get("quarter", "")))
        except (ValueError, TypeError):
            reasons.append(f"unknown quarter {str(row.get('quarter', ''))!r} (write it like 2026Q3)")
        status = _status(_text(row.get("status", "")))
        if not status:
            reasons.append("no status (use " + ", ".join(STATUSES[:-1]) + f" or {STATUSES[-1]})")
        elif status not in STATUSES:
            reasons.append(f"unknown status {_text(row['status'])!r} (use "
                           + ", ".join(STATUSES[:-1]) + f" or {STATUSES[-1]})")
        date = _text(row.get("date", ""))
        when = None
        if date:
            when = pd.to_datetime(date, errors="coerce", format="ISO8601")
            if pd.isna(when):
                reasons.append(f"date {date!r} is not a date (write YYYY-MM-DD)")
                when = None
            elif (when.tz_convert(None) if when.tzinfo else when) > today:
                reasons.append(f"date {date} is in the future (after {today:%Y-%m-%d})")
        if reasons:
            rejected.append({**{c: _text(row.get(c, "")) for c in REJECTED_COLUMNS},
                             "source_file": row["source_file"], "source_row": row["source_row"],
                             "reason": "; ".join(reasons)})
            continue
        accepted.append({"source_file": row["source_file"], "source_row": row["source_row"],
                         **{c: _text(row.get(c, "")) for c in LOG_COLUMNS},
                         "action_id": ident, "status": status,
                         "date": "" if when is None else f"{when:%Y-%m-%d}"})
    accepted = pd.DataFrame(accepted, columns=["source_file", "source_row"] + LOG_COLUMNS)
    rejected = pd.DataFrame(rejected, columns=REJECTED_COLUMNS)
    return accepted.astype(object), rejected.astype(object)
