"""Detractor cases: every detractor of a build is one case to close, with a follow-up status.

A case is identified by its response id. Its state (status, first contact, owner, outcome,
note) comes from the close-the-loop workbooks the team leads return
(:mod:`nps_report.loop.returns`); a case nobody has returned yet is ``open``.
"""

from __future__ import annotations

import pandas as pd

from .. import schema

__all__ = ["CARRIED_OVER", "CASE_COLUMNS", "CLOSED", "CONTACTED", "CUSTOMER_FIELDS", "EDIT_COLUMNS",
           "OPEN", "STATUSES", "detractor_cases", "loop_start", "still_open"]

#: The follow-up statuses a team lead picks from (the workbook's drop-down), in order.
STATUSES = ("open", "contacted", "resolved", "unreachable", "no action needed")
#: The status of a case nobody has reported on.
OPEN = "open"
#: Statuses that say the detractor was reached.
CONTACTED = ("contacted", "resolved")
#: Statuses that close a case: it no longer carries over into the next quarter's workbook.
CLOSED = ("resolved", "unreachable", "no action needed")
#: The columns a team lead fills in, in the workbook's order.
EDIT_COLUMNS = ["status", "contacted_on", "owner", "outcome", "note"]
#: Customer columns of the workbook that must come back as written (checked on return).
CUSTOMER_FIELDS = ["respondent_id", "submitted_at", "score", "comment", "email"]
#: Column of the workbook marking a case carried over from an earlier quarter.
CARRIED_OVER = "carried_over"
#: Columns of the merged case table (:func:`nps_report.loop.returns.merge_returns`).
CASE_COLUMNS = [schema.TEAM, schema.DEPARTMENT, schema.QUARTER, schema.RESPONSE_ID,
                schema.RESPONDENT_ID, schema.SUBMITTED_AT, schema.SCORE, "status", "first_contact",
                "owner", "outcome", "note", "returned", "returned_from", "returned_at"]


def detractor_cases(responses: pd.DataFrame) -> pd.DataFrame:
    """Every detractor (score 0-6) of ``responses`` as an open case, oldest first.

    Parameters
    ----------
    responses : DataFrame
        Canonical responses of the build (every quarter).

    Returns
    -------
    DataFrame
        :data:`CASE_COLUMNS`: the response's keys, ``status`` ``"open"``, no contact,
        ``returned`` False.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"team": "A", "department": "D", "quarter": "2026Q3",
    ...     "response_id": ["r1", "r2"], "respondent_id": ["c1", "c2"], "score": [3, 9],
    ...     "submitted_at": pd.to_datetime(["2026-08-01", "2026-08-02"], utc=True)})
    >>> detractor_cases(data)[["response_id", "status", "returned"]]
      response_id status  returned
    0          r1   open     False
    """
    from .. import stats  # here: a build's worker writes the workbooks without scipy

    rows = responses[stats.categorize(responses[schema.SCORE]).to_numpy() == "detractor"]

    def text(name):
        if name in rows:
            return rows[name].astype("string")
        return pd.Series(pd.NA, index=rows.index, dtype="string")

    cases = pd.DataFrame({
        schema.TEAM: text(schema.TEAM), schema.DEPARTMENT: text(schema.DEPARTMENT),
        schema.QUARTER: text(schema.QUARTER), schema.RESPONSE_ID: text(schema.RESPONSE_ID),
        schema.RESPONDENT_ID: text(schema.RESPONDENT_ID),
        schema.SUBMITTED_AT: pd.to_datetime(rows[schema.SUBMITTED_AT], utc=True),
        schema.SCORE: rows[schema.SCORE].astype("int64"),
        "status": OPEN, "first_contact": pd.Series(pd.NaT, index=rows.index, dtype="datetime64[ns, UTC]"),
        "owner": pd.Series(pd.NA, index=rows.index, dtype="string"),
        "outcome": pd.Series(pd.NA, index=rows.index, dtype="string"),
        "note": pd.Series(pd.NA, index=rows.index, dtype="string"),
        "returned": False, "returned_from": pd.Series(pd.NA, index=rows.index, dtype="string"),
        "returned_at": pd.Series(pd.NaT, index=rows.index, dtype="datetime64[ns, UTC]"),
    }, index=rows.index)
    cases["status"] = cases["status"].astype("string")
    return cases.sort_values([schema.SUBMITTED_AT, schema.RESPONSE_ID], kind="stable").reset_index(drop=True)


def loop_start(cases: pd.DataFrame) -> dict:
    """Each team's first quarter with a returned case: team -> quarter label.

    A team closes the loop from the first quarter it returned a workbook for; before that
    its detractors are not carried over nor counted in "did calling back help?" (a
    team that has never returned a workbook is not running the loop).
    """
    returned = cases[cases["returned"].astype(bool)]
    if returned.empty:
        return {}
    return {str(k): str(v) for k, v in
            returned.groupby(schema.TEAM, observed=True)[schema.QUARTER].min().items()}


def still_open(cases: pd.DataFrame, *, before: str) -> pd.DataFrame:
    """Cases of quarters before ``before`` that are not closed, from each team's loop start.

    These carry over into the ``before`` quarter's workbook of their team (status open or
    contacted, or never returned since the team started returning workbooks).

    Examples
    --------
    >>> import pandas as pd
    >>> cases = pd.DataFrame({"team": "A", "quarter": ["2026Q1", "2026Q2", "2026Q2", "2026Q3"],
    ...     "status": ["open", "resolved", "open", "open"], "returned": [False, True, False, False]})
    >>> still_open(cases, before="2026Q3").index.tolist()
    [2]
    """
    start = loop_start(cases)
    team_start = cases[schema.TEAM].astype(str).map(start).astype(object)
    quarter = cases[schema.QUARTER].astype(str)
    mask = (team_start.notna() & (quarter >= team_start.where(team_start.notna(), "")) & (quarter < str(before))
            & ~cases["status"].astype(str).isin(CLOSED))
    return cases[mask.to_numpy()]
