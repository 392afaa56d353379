"""The close-the-loop workbook a team lead receives, fills in and returns.

Sheet ``Detractors``: the customer columns (greyed: they must come back as written) and
the columns the lead fills in: ``status`` (a drop-down of
:data:`~nps_report.loop.cases.STATUSES`), ``contacted_on`` (a date), ``owner``,
``outcome``, ``note``. Cases still open from earlier quarters are listed too, marked
"carried over from <quarter>", so no detractor falls out when the quarter turns; every
case shows what was last returned for it. Sheet ``Promoters``: promoters to thank.
Written through :func:`nps_report.spreadsheets.write_xlsx` (formula-safe).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import schema
from ..spreadsheets import EntryChecks, SheetStyle, write_csv, write_xlsx
from .cases import CARRIED_OVER, EDIT_COLUMNS, STATUSES, still_open

__all__ = ["CUSTOMER_FILL", "WORKBOOK_COLUMNS", "loop_list", "write_loop_workbook"]

#: Detractor columns of the workbook, in order: the case, then what the lead fills in.
WORKBOOK_COLUMNS = ["team", "quarter", CARRIED_OVER, "respondent_id", "response_id", "submitted_at",
                    "score", "comment", "email", "age_days", "sla_status"] + EDIT_COLUMNS
#: Fill colour of the columns the lead must not edit (light grey).
CUSTOMER_FILL = "E7E9EC"
#: Colour of the (bold) headers of the columns the lead fills in.
EDIT_HEADER_COLOR = "1F4E79"
#: The note on the first cell, saying how to fill the workbook in.
WORKBOOK_NOTE = ("Grey columns are the customer's answer: leave them as they are. Fill in status, "
                 "contacted_on, owner, outcome and note, and return the file (any name) to the "
                 "build's loop returns folder.")


def loop_list(detractors: pd.DataFrame, cases: pd.DataFrame | None = None, *,
              responses: pd.DataFrame | None = None) -> pd.DataFrame:
    """A team's detractor list with its cases' state and the cases carried over into it.

    Parameters
    ----------
    detractors : DataFrame
        :func:`nps_report.closeloop.close_the_loop` of the team's quarter (its ``attrs``
        name the team, quarter, ``as_of`` and ``sla_hours``).
    cases : DataFrame, optional
        The build's merged case state (:func:`nps_report.loop.returns.merge_returns`);
        None: no returns, every case open and nothing carried over.
    responses : DataFrame, optional
        The build's responses, for the comment and e-mail of carried-over cases.

    Returns
    -------
    DataFrame
        :data:`WORKBOOK_COLUMNS`: the carried-over cases first (oldest first,
        ``carried_over`` "carried over from 2026Q2", age measured to the list's
        ``as_of``), then the quarter's detractors (``carried_over`` blank). Edit
        columns hold the last returned state (blank where nothing was returned).
    """
    attrs = dict(detractors.attrs)
    team, quarter = attrs.get("team"), attrs.get("quarter")
    sla = float(attrs.get("sla_hours", 48.0))
    as_of = attrs.get("as_of")
    out = detractors.copy()
    out[CARRIED_OVER] = ""
    if cases is not None and team is not None and len(cases):
        mine = cases[cases[schema.TEAM].astype(str) == str(team)]
        carried = still_open(mine, before=str(quarter))
        carried = carried[~carried[schema.RESPONSE_ID].isin(out[schema.RESPONSE_ID])]
        if len(carried):
            extra = carried[["team", "quarter", schema.RESPONDENT_ID, schema.RESPONSE_ID,
                             schema.SUBMITTED_AT, schema.SCORE]].copy()
            if responses is not None:
                source = responses.drop_duplicates(schema.RESPONSE_ID).set_index(schema.RESPONSE_ID)
                for column in ("comment", "email"):
                    extra[column] = (source[column].reindex(extra[schema.RESPONSE_ID]).to_numpy()
                                     if column in source else pd.NA)
            hours = ((pd.Timestamp(as_of) - extra[schema.SUBMITTED_AT]).dt.total_seconds() / 3600.0
                     if as_of is not None else pd.Series(float("nan"), index=extra.index))
            extra["age_days"] = (hours.clip(lower=0) / 24.0).round(1)
            extra["sla_status"] = ["overdue" if h > sla else "within SLA" for h in hours]
            extra[CARRIED_OVER] = "carried over from " + extra["quarter"].astype(str)
            out = pd.concat([extra, out], ignore_index=True)
        state = cases.drop_duplicates(schema.RESPONSE_ID).set_index(schema.RESPONSE_ID)
        returned = state[state["returned"].astype(bool)]
        ids = out[schema.RESPONSE_ID].astype(str)
        for column in EDIT_COLUMNS:
            source = "first_contact" if column == "contacted_on" else column
            out[column] = returned[source].reindex(ids).to_numpy()
    for column in EDIT_COLUMNS:
        if column not in out:
            out[column] = pd.NA
    out["contacted_on"] = pd.to_datetime(out["contacted_on"], utc=True)
    out = out[WORKBOOK_COLUMNS]
    out.attrs.update(attrs)
    return out


def write_loop_workbook(detractors: pd.DataFrame, promoters: pd.DataFrame, folder) -> dict:
    """Write ``close_the_loop.xlsx`` (Detractors with the edit columns, Promoters) and ``.csv``.

    Parameters
    ----------
    detractors : DataFrame
        :func:`loop_list` (or :func:`nps_report.closeloop.close_the_loop`'s detractors:
        the edit columns are added blank).
    promoters : DataFrame
        The promoters to engage.
    folder : str or os.PathLike
        Created if missing.

    Returns
    -------
    dict
        ``{"xlsx": Path, "csv": Path}``. In the workbook the customer columns are grey,
        ``status`` has a drop-down (any other value is refused by Excel and, if pasted
        in, rejected on return), ``contacted_on`` is a date column. Every text cell a
        spreadsheet would run as a formula is neutralised. The CSV holds both lists
        with a ``list`` column in front (UTF-8 with BOM, CRLF rows).

    Examples
    --------
    >>> import pandas as pd, tempfile
    >>> from openpyxl import load_workbook
    >>> rows = pd.DataFrame({"team": ["A"], "quarter": ["2026Q3"], "respondent_id": ["c1"],
    ...     "response_id": ["r1"], "submitted_at": pd.to_datetime(["2026-08-01"], utc=True),
    ...     "score": [3], "comment": ["=slow"], "email": [pd.NA], "age_days": [2.0],
    ...     "sla_status": ["overdue"]})
    >>> paths = write_loop_workbook(rows, rows.iloc[:0, :-1], tempfile.mkdtemp())
    >>> sheet = load_workbook(paths["xlsx"])["Detractors"]
    >>> [c.value for c in sheet[1]][-5:]
    ['status', 'contacted_on', 'owner', 'outcome', 'note']
    >>> sheet.data_validations.dataValidation[0].formula1
    '"open,contacted,resolved,unreachable,no action needed"'
    """
    folder = Path(folder)
    listed = detractors.copy()
    for column in [CARRIED_OVER] + EDIT_COLUMNS:
        if column not in listed:
            listed[column] = pd.NA
    listed = listed[[c for c in WORKBOOK_COLUMNS if c in listed]]
    listed["contacted_on"] = pd.to_datetime(listed["contacted_on"], utc=True)
    xlsx, csv = folder / "close_the_loop.xlsx", folder / "close_the_loop.csv"
    # The list's rows only are checked: a case is never added by hand (it would have no response).
    detractor_style = SheetStyle(
        shaded=tuple(c for c in listed.columns if c not in EDIT_COLUMNS), shade=CUSTOMER_FILL,
        emphasised=tuple(EDIT_COLUMNS), emphasis=EDIT_HEADER_COLOR, note=WORKBOOK_NOTE,
        checks=EntryChecks(choice_column="status", choices=tuple(STATUSES), date_column="contacted_on",
                           choice_error="Pick one of: " + ", ".join(STATUSES),
                           date_error="A date (the day you reached the customer)"))
    write_xlsx({"Detractors": listed, "Promoters": promoters}, xlsx,
               widths={"comment": 60, "email": 30, "note": 40, "outcome": 30, CARRIED_OVER: 26,
                       "status": 18}, styles={"Detractors": detractor_style})
    both = pd.concat([listed.assign(list="detractor"), promoters.assign(list="promoter")],
                     ignore_index=True)
    write_csv(both[["list"] + [c for c in both.columns if c != "list"]], csv)  # made safe there
    return {"xlsx": xlsx, "csv": csv}
