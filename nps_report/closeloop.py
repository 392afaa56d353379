"""Close-the-loop lists: a team's detractors to call back and promoters to engage, as spreadsheets.

These lists name customers and quote their comments unredacted: they are for the team
only, written as their own files, and never embedded in an HTML or PDF report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import schema
from .spreadsheets import neutralize
from .truncation import COMMENT_MAX_CHARS, truncate_comments

__all__ = [
    "DETRACTOR_COLUMNS",
    "PROMOTER_COLUMNS",
    "close_the_loop",
    "followup_figures",
    "followup_summary",
    "neutralize",
    "quarter_end",
    "write_close_the_loop",
]

#: Columns of the detractor list, in order.
DETRACTOR_COLUMNS = ["team", "quarter", "respondent_id", "response_id", "submitted_at", "score",
                     "comment", "email", "age_days", "sla_status"]
#: Columns of the promoter list (no SLA), in order.
PROMOTER_COLUMNS = DETRACTOR_COLUMNS[:-1]

OVERDUE = "overdue"
WITHIN_SLA = "within SLA"



def quarter_end(quarter: str, *, tz: str = "UTC", fiscal_year_start_month: int = 1) -> pd.Timestamp:
    """The first instant after ``quarter`` (exclusive end), in UTC.

    Quarter labels follow :func:`nps_report.schema.quarter_label`: ``tz`` is the zone
    in which quarter boundaries fall and fiscal years are named after the calendar
    year in which they end.
    """
    schema.parse_quarter(quarter)
    end_month = (int(fiscal_year_start_month) - 2) % 12 + 1
    abbr = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV",
            "DEC"][end_month - 1]
    period = pd.Period(str(quarter).upper(), freq=f"Q-{abbr}")
    start_next = (period + 1).start_time
    return start_next.tz_localize(tz).tz_convert("UTC")


def _as_of(as_of, quarter, tz, fiscal_year_start_month) -> pd.Timestamp:
    if as_of is None:
        now = pd.Timestamp.now(tz="UTC")
        end = quarter_end(quarter, tz=tz, fiscal_year_start_month=fiscal_year_start_month)
        return min(now, end)
    stamp = pd.Timestamp(as_of)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def close_the_loop(data: pd.DataFrame, *, team: str, quarter: str, as_of=None,
                   sla_hours: float = 48, tz: str = "UTC",
                   fiscal_year_start_month: int = 1,
                   comment_max_chars: int = COMMENT_MAX_CHARS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every detractor of a team's quarter, with its follow-up status, and its promoters.

    Parameters
    ----------
    data : DataFrame
        Canonical responses (``team``, ``quarter``, ``score``, ``submitted_at``,
        ``response_id``, ``respondent_id``, ``comment`` and, when the source has it,
        ``email``); other teams and quarters may be present.
    team, quarter : str
        The list's team and quarter (``"2026Q3"``).
    as_of : timestamp, optional
        When the list is drawn up; ages are measured up to it. Default: the end of the
        quarter or now, whichever is earlier (a past quarter's list shows how old each
        detractor was when the quarter closed; the running quarter's list how old it is
        today). A time without a zone is read as UTC.
    sla_hours : float, default 48
        How soon a detractor should hear back. Older is ``overdue``.
    tz, fiscal_year_start_month
        How the build labels quarters (for the end of the quarter); see
        :func:`nps_report.schema.quarter_label`.
    comment_max_chars : int, default 2000
        A longer comment is cut and ends with "… (truncated)"
        (:func:`nps_report.truncation.truncate`), never silently by a spreadsheet.

    Returns
    -------
    (detractors, promoters) : tuple of DataFrame
        ``detractors``: :data:`DETRACTOR_COLUMNS`, one row per detractor (score 0-6),
        oldest first: ``age_days`` (days from submission to ``as_of``, one decimal,
        0 for a response after ``as_of``) and ``sla_status`` (``"overdue"`` when older
        than ``sla_hours``, else ``"within SLA"``; the list cannot know whether someone
        already called back). ``promoters``: :data:`PROMOTER_COLUMNS`, one row per
        promoter (9-10), most recent first. ``email`` is missing (``<NA>``) where the
        source has none. Comments are not redacted (only shortened). ``attrs``: ``as_of``,
        ``sla_hours``, ``team``, ``quarter``.

    Examples
    --------
    >>> import pandas as pd
    >>> import nps_report as nr
    >>> data = pd.DataFrame({
    ...     "team": "Support", "quarter": "2026Q3", "score": [2, 9, 10, 5],
    ...     "submitted_at": pd.to_datetime(["2026-09-01", "2026-09-02", "2026-09-03",
    ...                                     "2026-09-29"], utc=True),
    ...     "response_id": ["r1", "r2", "r3", "r4"], "respondent_id": ["a", "b", "c", "d"],
    ...     "comment": ["slow", "", "great", "late"]})
    >>> detractors, promoters = nr.close_the_loop(data, team="Support", quarter="2026Q3")
    >>> detractors[["response_id", "score", "age_days", "sla_status"]]
      response_id  score  age_days  sla_status
    0          r1      2      30.0     overdue
    1          r4      5       2.0  within SLA
    >>> len(promoters)
    2
    """
    if float(sla_hours) <= 0:
        raise ValueError(f"sla_hours must be positive, got {sla_hours!r}")
    needed = [schema.TEAM, schema.QUARTER, schema.SCORE, schema.SUBMITTED_AT]
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise KeyError(f"column(s) {missing} not in data; columns are {list(data.columns)}")
    stamp = _as_of(as_of, quarter, tz, fiscal_year_start_month)
    from . import stats  # here: a build's worker writes these lists without scipy

    rows = data[(data[schema.TEAM] == team) & (data[schema.QUARTER] == quarter)]
    category = stats.categorize(rows[schema.SCORE])
    submitted = pd.to_datetime(rows[schema.SUBMITTED_AT], utc=True)
    hours = ((stamp - submitted).dt.total_seconds() / 3600.0).clip(lower=0)
    frame = pd.DataFrame({
        "team": rows[schema.TEAM].astype("string"),
        "quarter": rows[schema.QUARTER].astype("string"),
        "respondent_id": _column(rows, schema.RESPONDENT_ID),
        "response_id": _column(rows, schema.RESPONSE_ID),
        "submitted_at": submitted,
        "score": rows[schema.SCORE].astype("int64"),
        "comment": truncate_comments(_column(rows, schema.COMMENT), comment_max_chars),
        "email": _column(rows, "email"),
        "age_days": (hours / 24.0).round(1),
        "sla_status": np.where(hours > float(sla_hours), OVERDUE, WITHIN_SLA),
    }, index=rows.index)
    attrs = {"as_of": stamp, "sla_hours": float(sla_hours), "team": team, "quarter": quarter}
    detractors = (frame[(category == "detractor").to_numpy()]
                  .sort_values(["submitted_at", "response_id"], kind="stable")
                  .reset_index(drop=True)[DETRACTOR_COLUMNS])
    promoters = (frame[(category == "promoter").to_numpy()]
                 .sort_values(["submitted_at", "response_id"], ascending=False, kind="stable")
                 .reset_index(drop=True)[PROMOTER_COLUMNS])
    detractors.attrs.update(attrs)
    promoters.attrs.update(attrs)
    return detractors, promoters


def _column(rows: pd.DataFrame, name: str) -> pd.Series:
    if name in rows.columns:
        return rows[name].astype("string")
    return pd.Series(pd.NA, index=rows.index, dtype="string")


def followup_summary(detractors: pd.DataFrame) -> dict:
    """Counts for the follow-up rule: ``count``, ``overdue``, ``oldest_days``, ``sla_hours``."""
    return followup_figures(detractors["sla_status"].to_numpy(dtype=object),
                            detractors["age_days"].to_numpy(dtype="float64"),
                            detractors.attrs.get("sla_hours", 48.0))


def followup_figures(sla_status, age_days, sla_hours: float = 48.0) -> dict:
    """:func:`followup_summary` of the detractors whose ``sla_status`` and ``age_days``
    are given (arrays, one cell per detractor): how many, how many overdue, the oldest's
    age in days (NaN when none is known).

    Examples
    --------
    >>> followup_figures(np.array(["overdue", "due", None], dtype=object), np.array([3.5, 1.0, np.nan]))
    {'count': 3, 'overdue': 1, 'oldest_days': 3.5, 'sla_hours': 48.0}
    """
    count = int(len(sla_status))
    overdue = int(sum(1 for status in sla_status if isinstance(status, str) and status == OVERDUE))
    ages = np.asarray(age_days, dtype="float64")
    known = ages[~np.isnan(ages)]
    oldest = float(known.max()) if known.size else float("nan")
    return {"count": count, "overdue": overdue, "oldest_days": oldest, "sla_hours": sla_hours}


def write_close_the_loop(detractors: pd.DataFrame, promoters: pd.DataFrame, folder) -> dict:
    """Write the lists as ``close_the_loop.xlsx`` (sheets Detractors, Promoters) and ``.csv``.

    The workbook a team lead fills in and returns: see
    :func:`nps_report.loop.write_loop_workbook` (status drop-down, contact date, owner,
    outcome, note; customer columns greyed).

    Parameters
    ----------
    detractors, promoters : DataFrame
        The two tables of :func:`close_the_loop`.
    folder : str or os.PathLike
        Created if missing.

    Returns
    -------
    dict
        ``{"xlsx": Path, "csv": Path}``. The CSV holds both lists with a ``list``
        column (``detractor`` / ``promoter``) in front, UTF-8 with a byte-order mark so
        that Excel reads accents, rows ending in CRLF (RFC 4180). Times are UTC
        (``submitted_at`` without a zone in the workbook). Every text cell that a
        spreadsheet would read as a formula is neutralised (see
        :func:`nps_report.spreadsheets.neutralize`).
    """
    from .loop.workbook import write_loop_workbook

    return write_loop_workbook(detractors, promoters, folder)
