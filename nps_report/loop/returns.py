"""Returned close-the-loop workbooks: read, validate row by row, merge into the cases' state.

Team leads fill in the workbook the build gave them (status, contacted on, owner, outcome,
note) and put it, or a CSV of it, in the build file's ``loop.returns`` folder. Every file
there is read, in any order. A row is matched to its case by response id and checked;
a row that fails a check is rejected with its reason, and what the lead typed is kept in
the rejected file. Nothing is silently overwritten:

- **Which return wins.** Returns are ordered by the file's modification time (ties by
  file name): for each case the latest file's row is its state, and every earlier
  accepted row of the case stays in the history file. The first contact of a case is
  the earliest ``contacted_on`` of any accepted row.
- **Untouched rows** (every editable column blank) are not a return: a stale copy of an
  old workbook cannot blank out what a later one recorded.
- **Dates.** ``contacted_on`` may be a date or a date and time; a date alone counts as
  the end of that day in the build's time zone, so a contact is never counted as
  quicker than it may have been.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from ..spreadsheets import excel_frame
from .cases import CUSTOMER_FIELDS, EDIT_COLUMNS, OPEN, STATUSES

__all__ = ["HISTORY_COLUMNS", "REJECTED_COLUMNS", "Returns", "merge_returns", "read_return_file",
           "read_returns", "return_files"]

#: Columns of the rejected-rows table: where the row was, why, and what the lead typed.
REJECTED_COLUMNS = ["file", "row", schema.RESPONSE_ID, "reason"] + EDIT_COLUMNS
#: Columns of the history table: every accepted row, and whether it is the case's state now.
HISTORY_COLUMNS = ["file", "row", "returned_at", schema.RESPONSE_ID] + EDIT_COLUMNS + ["current"]

_SUFFIXES = (".xlsx", ".xlsm", ".csv")


@dataclass(frozen=True)
class Returns:
    """What :func:`read_returns` found.

    Attributes
    ----------
    accepted : DataFrame
        Every valid row: ``file``, ``row``, ``returned_at`` and the edit columns
        (``contacted_on`` as a UTC time), oldest return first.
    rejected : DataFrame
        :data:`REJECTED_COLUMNS`, one row per rejected row with its reason.
    files : list of str
        The files read, in the order they were applied.
    """

    accepted: pd.DataFrame
    rejected: pd.DataFrame
    files: list


def return_files(folder) -> list[Path]:
    """The returned workbooks and CSVs of ``folder``, oldest first (modification time, then name).

    Office lock files (``~$...``) and hidden files are skipped; a missing folder has none.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in _SUFFIXES
             and not p.name.startswith(("~$", "."))]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


def read_return_file(path) -> pd.DataFrame:
    """The detractor rows of one returned workbook (sheet ``Detractors``) or CSV, as text cells.

    Dates typed into a workbook come back as timestamps; everything else as it was typed.
    A CSV written by the build holds both lists: only its ``detractor`` rows are read.
    ``row`` is the row number the lead sees (the header is row 1).
    """
    path = Path(path)
    if path.suffix.lower() == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        if "list" in frame:
            frame = frame[frame["list"].str.strip().str.lower().isin(["detractor", ""])]
    else:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            sheet = "Detractors" if "Detractors" in book.sheet_names else book.sheet_names[0]
        frame = excel_frame(pd.read_excel(path, sheet_name=sheet, dtype=object, keep_default_na=False,
                                          engine="openpyxl"))
    frame.columns = [str(c).strip().lower().replace(" ", "_") for c in frame.columns]
    frame.insert(0, "row", frame.index.to_numpy() + 2)
    return frame.reset_index(drop=True)


def _blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip() or value is pd.NaT


def _text(value) -> str:
    if _blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    # the build writes text a spreadsheet could run with a leading apostrophe
    return text[1:] if text.startswith("'") else text


def _contact_time(value, tz: str):
    """A ``contacted_on`` cell as a UTC time: (time, None) or (None, reason); (NaT, None) if blank."""
    if _blank(value):
        return pd.NaT, None
    try:
        stamp = pd.Timestamp(value) if not isinstance(value, str) else pd.Timestamp(value.strip())
    except (ValueError, TypeError):
        return None, f"contacted on {str(value)!r} is not a date"
    if pd.isna(stamp):
        return None, f"contacted on {str(value)!r} is not a date"
    date_only = stamp.tzinfo is None and stamp == stamp.normalize() and not (
        isinstance(value, str) and ":" in value)
    if stamp.tzinfo is None:
        if date_only:  # the end of that day: a contact is never counted as quicker than it was
            stamp = stamp + pd.Timedelta(days=1) - pd.Timedelta(seconds=1)
        stamp = stamp.tz_localize(tz)
    return stamp.tz_convert("UTC"), None


def _edited(row, case) -> list[str]:
    """The customer fields of ``row`` that differ from the case's response."""
    changed = []
    for field in CUSTOMER_FIELDS:
        if field not in row.index or field not in case.index:
            continue
        returned, original = row[field], case[field]
        if field == schema.SUBMITTED_AT:
            if _blank(returned) and _blank(original):
                continue
            try:
                back = pd.Timestamp(returned)
                back = back.tz_localize("UTC") if back.tzinfo is None else back.tz_convert("UTC")
                same = abs((back - pd.Timestamp(original)).total_seconds()) < 1
            except (ValueError, TypeError):
                same = False
        elif field == schema.SCORE:
            try:
                same = float(_text(returned)) == float(original)
            except ValueError:
                same = False
        else:
            same = _text(returned) == ("" if _blank(original) or original is pd.NA else str(original).strip())
        if not same:
            changed.append(field)
    return changed


def read_returns(folder, responses: pd.DataFrame, *, now=None, tz: str = "UTC") -> Returns:
    """Read and validate every returned workbook or CSV in ``folder``.

    Parameters
    ----------
    folder : str or os.PathLike
        The build's ``loop.returns`` folder (missing: nothing returned).
    responses : DataFrame
        The build's canonical responses: the cases (detractors) a row can name, and the
        customer fields it must leave as they were.
    now : timestamp, optional
        A contact after this is in the future (default: now).
    tz : str
        Time zone of dates typed without one (the build's ``timezone``).

    Returns
    -------
    Returns
        A row is rejected, with its reason, when its response id is missing or names no
        detractor of the data, its status is not one of :data:`~nps_report.loop.cases.STATUSES`,
        its ``contacted_on`` is not a date, is before the response or in the future, a
        customer field (:data:`~nps_report.loop.cases.CUSTOMER_FIELDS`) was edited, or its
        response id was given earlier in the same file.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> data = pd.DataFrame({"response_id": ["r1"], "score": [3], "team": "A", "quarter": "2026Q3",
    ...     "submitted_at": pd.to_datetime(["2026-08-01T10:00"], utc=True)})
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"response_id": ["r1", "r9"], "status": ["resolved", "open"],
    ...               "contacted_on": ["2026-08-02", ""]}).to_csv(folder / "a.csv", index=False)
    >>> found = read_returns(folder, data, now="2026-12-01")
    >>> found.accepted[["response_id", "status"]].values.tolist()
    [['r1', 'resolved']]
    >>> found.rejected["reason"].tolist()
    ['unknown response id r9 (not a detractor of the data)']
    """
    now = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    now = now.tz_localize("UTC") if now.tzinfo is None else now.tz_convert("UTC")
    detractors = responses[pd.to_numeric(responses[schema.SCORE], errors="coerce") <= 6]
    known = detractors.assign(**{schema.RESPONSE_ID: detractors[schema.RESPONSE_ID].astype(str)}
                              ).drop_duplicates(schema.RESPONSE_ID).set_index(schema.RESPONSE_ID)
    accepted, rejected, files = [], [], []
    for path in return_files(folder):
        files.append(path.name)
        returned_at = pd.Timestamp(path.stat().st_mtime, unit="s", tz="UTC")
        try:
            frame = read_return_file(path)
        except Exception as exc:  # an unreadable file is one rejected "row" with the reason
            rejected.append({"file": path.name, "row": 0, schema.RESPONSE_ID: "",
                             "reason": f"cannot read the file: {exc}"})
            continue
        if schema.RESPONSE_ID not in frame:
            rejected.append({"file": path.name, "row": 1, schema.RESPONSE_ID: "",
                             "reason": "no response_id column"})
            continue
        seen = set()
        for _, row in frame.iterrows():
            typed = {c: ("" if _blank(row.get(c)) else row.get(c)) for c in EDIT_COLUMNS}
            if all(_blank(v) for v in typed.values()):
                continue  # untouched: not a return of this case
            where = {"file": path.name, "row": int(row["row"]),
                     schema.RESPONSE_ID: _text(row[schema.RESPONSE_ID])}
            reasons = []
            case = known.loc[where[schema.RESPONSE_ID]] if where[schema.RESPONSE_ID] in known.index else None
            if case is None:
                reasons.append(f"unknown response id {where[schema.RESPONSE_ID] or '(blank)'} "
                               "(not a detractor of the data)")
            elif where[schema.RESPONSE_ID] in seen:
                reasons.append("response id given again in this file (its first row is used)")
            status = _text(typed["status"]).lower()
            contact, bad_date = _contact_time(typed["contacted_on"], tz)
            if status and status not in STATUSES:
                reasons.append(f"unknown status {_text(typed['status'])!r} (use one of: {', '.join(STATUSES)})")
            if bad_date:
                reasons.append(bad_date)
            elif case is not None and not pd.isna(contact):
                submitted = pd.Timestamp(case[schema.SUBMITTED_AT]).tz_convert("UTC")
                # a date alone is compared with the response's day (end-of-day rule above)
                if contact < submitted:
                    reasons.append(f"contacted on {contact.tz_convert(tz):%Y-%m-%d} is before the "
                                   f"response (submitted {submitted.tz_convert(tz):%Y-%m-%d})")
            if not bad_date and not pd.isna(contact) and contact.tz_convert(tz).normalize() > now.tz_convert(tz).normalize():
                reasons.append(f"contacted on {contact.tz_convert(tz):%Y-%m-%d} is in the future")
            if case is not None:
                edited = _edited(row, case)
                if edited:
                    reasons.append(f"customer field(s) edited: {', '.join(edited)} "
                                   "(only status, contacted_on, owner, outcome and note are yours to fill)")
            edits = {c: _text(typed[c]) for c in EDIT_COLUMNS if c != "contacted_on"}
            if reasons:
                rejected.append({**where, "reason": "; ".join(reasons), **edits,
                                 "contacted_on": _text(typed["contacted_on"]) if not isinstance(
                                     typed["contacted_on"], (pd.Timestamp, np.datetime64)) else
                                 str(pd.Timestamp(typed["contacted_on"]))})
                continue
            seen.add(where[schema.RESPONSE_ID])
            if not status:  # a date without a status: the lead reached them
                status = "contacted" if not pd.isna(contact) else OPEN
            accepted.append({**where, "returned_at": returned_at, **edits, "status": status,
                             "contacted_on": contact})
    accepted_frame = pd.DataFrame(accepted, columns=["file", "row", "returned_at", schema.RESPONSE_ID]
                                  + EDIT_COLUMNS)
    accepted_frame["contacted_on"] = pd.to_datetime(accepted_frame["contacted_on"], utc=True)
    accepted_frame["returned_at"] = pd.to_datetime(accepted_frame["returned_at"], utc=True)
    return Returns(accepted=accepted_frame,
                   rejected=pd.DataFrame(rejected, columns=REJECTED_COLUMNS).fillna(""), files=files)


def merge_returns(cases: pd.DataFrame, accepted: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cases' state after the returns, and the history of every accepted row.

    Parameters
    ----------
    cases : DataFrame
        :func:`nps_report.loop.cases.detractor_cases`.
    accepted : DataFrame
        :attr:`Returns.accepted`, oldest return first.

    Returns
    -------
    (state, history) : tuple of DataFrame
        ``state``: ``cases`` with, for every returned case, the latest row's status,
        owner, outcome and note, ``first_contact`` (earliest contact of any row),
        ``returned`` True, ``returned_from`` and ``returned_at``. ``history``:
        :data:`HISTORY_COLUMNS`, every accepted row, ``current`` True for the row that is
        the state (older ones stay, so nothing a lead typed is lost).

    Examples
    --------
    >>> import pandas as pd
    >>> from nps_report.loop.cases import detractor_cases
    >>> data = pd.DataFrame({"response_id": ["r1"], "score": [3], "team": "A", "quarter": "2026Q3",
    ...     "submitted_at": pd.to_datetime(["2026-08-01"], utc=True)})
    >>> rows = pd.DataFrame({"file": ["a.xlsx", "b.xlsx"], "row": [2, 2],
    ...     "returned_at": pd.to_datetime(["2026-08-03", "2026-08-09"], utc=True),
    ...     "response_id": "r1", "status": ["contacted", "resolved"],
    ...     "contacted_on": pd.to_datetime(["2026-08-02", "2026-08-08"], utc=True),
    ...     "owner": "Ana", "outcome": ["", "refund"], "note": ""})
    >>> state, history = merge_returns(detractor_cases(data), rows)
    >>> state[["status", "first_contact", "returned_from"]].astype(str).values.tolist()
    [['resolved', '2026-08-02 00:00:00+00:00', 'b.xlsx']]
    >>> history["current"].tolist()
    [False, True]
    """
    state = cases.copy()
    ordered = accepted.sort_values(["returned_at", "file", "row"], kind="stable")
    latest = ordered.drop_duplicates(schema.RESPONSE_ID, keep="last")
    history = ordered.assign(current=ordered.index.isin(latest.index))[HISTORY_COLUMNS]
    if latest.empty:
        return state, history.reset_index(drop=True)
    first = ordered.groupby(schema.RESPONSE_ID)["contacted_on"].min()
    by_id = latest.set_index(schema.RESPONSE_ID)
    ids = state[schema.RESPONSE_ID].astype(str)
    hit = ids.isin(by_id.index).to_numpy()
    chosen = by_id.loc[ids[hit]]
    for column in ("status", "owner", "outcome", "note"):
        state.loc[hit, column] = chosen[column].replace("", pd.NA).to_numpy()
    state.loc[hit, "status"] = state.loc[hit, "status"].fillna(OPEN)
    state.loc[hit, "first_contact"] = first.reindex(ids[hit]).to_numpy()
    state.loc[hit, "returned"] = True
    state.loc[hit, "returned_from"] = chosen["file"].to_numpy()
    state.loc[hit, "returned_at"] = chosen["returned_at"].to_numpy()
    return state, history.reset_index(drop=True)

