"""Loop figures: how quickly and how completely each team closes the loop with its detractors.

Counts and shares only: no name, no id, no comment. Per team and quarter (the quarter of
the detractor's response):

- ``detractors``: cases; ``returned``: cases a returned workbook reported on;
- ``contacted``: cases reached (status contacted or resolved);
- ``within_sla``: cases whose first contact came at most ``sla_hours`` after the response,
  and ``share_within_sla`` = within_sla / detractors (every detractor counts: a case nobody
  reported on was not contacted as far as the build knows);
- ``median_hours``: median hours from the response to the first contact, over the
  contacted cases with a date;
- ``open``, ``contacted_status``, ``resolved``, ``unreachable``, ``no_action``: cases by
  their current status, and the same as shares (``share_<status>``) of the detractors;
- ``open_overdue``: cases still open (status open, no contact) older than the service level.

Below the display floor (fewer detractors than ``display_floor``) the shares and the
median are blank and ``shown`` is False: a report shows the counts only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema
from .cases import CONTACTED, OPEN

__all__ = ["LOOP_COLUMNS", "STATUS_COLUMNS", "loop_figures"]

#: Figure column of each status (``contacted_status``: the status "contacted" itself).
STATUS_COLUMNS = {"open": "open", "contacted": "contacted_status", "resolved": "resolved",
                  "unreachable": "unreachable", "no action needed": "no_action"}
#: Columns of :func:`loop_figures`.
LOOP_COLUMNS = ([schema.TEAM, schema.DEPARTMENT, schema.QUARTER, "detractors", "returned",
                 "contacted", "within_sla", "share_within_sla", "median_hours", "open_overdue"]
                + list(STATUS_COLUMNS.values()) + [f"share_{c}" for c in STATUS_COLUMNS.values()]
                + ["sla_hours", "shown"])


def loop_figures(cases: pd.DataFrame, *, quarters, sla_hours: float = 48.0, display_floor: int = 5,
                 as_of=None, teams=None) -> pd.DataFrame:
    """Loop figures of every team in each of ``quarters``.

    Parameters
    ----------
    cases : DataFrame
        The merged case state (:func:`nps_report.loop.returns.merge_returns`).
    quarters : list of str
        Quarters of the detractors' responses to report on.
    sla_hours : float
        The service level (hours from the response to the first contact).
    display_floor : int
        Fewest detractors for shares and the median to be shown.
    as_of : timestamp, optional
        When open cases' ages are measured (default: now).
    teams : list of str, optional
        Teams to list even without a detractor (zero rows); default: the teams of ``cases``.

    Returns
    -------
    DataFrame
        :data:`LOOP_COLUMNS`, one row per team and quarter, sorted by team and quarter.

    Examples
    --------
    >>> import pandas as pd
    >>> cases = pd.DataFrame({"team": "A", "department": "D", "quarter": "2026Q3",
    ...     "submitted_at": pd.to_datetime(["2026-08-01"] * 6, utc=True),
    ...     "status": ["resolved", "contacted", "open", "open", "unreachable", "resolved"],
    ...     "first_contact": pd.to_datetime(["2026-08-02 00:00:00", "2026-08-05 00:00:00", None, None, None,
    ...                                      "2026-08-01 12:00:00"], utc=True, format="ISO8601")})
    >>> row = loop_figures(cases, quarters=["2026Q3"], as_of="2026-09-01").iloc[0]
    >>> int(row["contacted"]), int(row["within_sla"]), round(float(row["share_within_sla"]), 3)
    (3, 2, 0.333)
    >>> float(row["median_hours"]), int(row["open_overdue"])
    (24.0, 2)
    """
    as_of = pd.Timestamp.now(tz="UTC") if as_of is None else pd.Timestamp(as_of)
    as_of = as_of.tz_localize("UTC") if as_of.tzinfo is None else as_of.tz_convert("UTC")
    quarters = [str(q) for q in quarters]
    rows = cases[cases[schema.QUARTER].astype(str).isin(quarters)].copy()
    status = rows["status"].astype("string").fillna(OPEN)
    submitted = pd.to_datetime(rows[schema.SUBMITTED_AT], utc=True)
    contact = pd.to_datetime(rows["first_contact"], utc=True)
    hours = (contact - submitted).dt.total_seconds() / 3600.0
    # reached: status contacted or resolved (a date alone was read as "contacted"; an
    # "unreachable" case's date is an attempt, not a contact)
    rows["_contacted"] = status.isin(CONTACTED).to_numpy()
    rows["_within"] = rows["_contacted"].to_numpy() & (hours <= float(sla_hours)).fillna(False).to_numpy()
    rows["_hours"] = hours
    rows["_open_overdue"] = ((status == OPEN) & contact.isna()
                             & ((as_of - submitted).dt.total_seconds() / 3600.0 > float(sla_hours))).to_numpy()
    rows["_returned"] = rows["returned"].astype(bool) if "returned" in rows else False
    for name, column in STATUS_COLUMNS.items():
        rows[f"_{column}"] = (status == name).to_numpy()
    department = (cases.dropna(subset=[schema.DEPARTMENT]).groupby(schema.TEAM, observed=True)
                  [schema.DEPARTMENT].last().astype(str).to_dict()
                  if schema.DEPARTMENT in cases else {})
    # the distinct teams first: a set of the column made a Python string per case (300,000 at 1M)
    names = sorted(set(cases[schema.TEAM].dropna().astype(str).unique()) | set(teams or []), key=str.casefold)
    # Each team's and quarter's rows (in their order) from one grouping, not a scan per team.
    groups = (rows.groupby([rows[schema.TEAM].astype(str).to_numpy(), rows[schema.QUARTER].astype(str).to_numpy()],
                           sort=False).indices if len(rows) else {})
    nothing = np.array([], dtype=np.intp)
    # The per-case flags as arrays: a team's figures are sums over its positions.
    flags = {name: rows[name].to_numpy(dtype=bool) for name in
             ["_returned", "_contacted", "_within", "_open_overdue"]
             + [f"_{column}" for column in STATUS_COLUMNS.values()]}
    hours_of = rows["_hours"].to_numpy(dtype="float64")
    out = []
    for team in names:
        for quarter in quarters:
            at = groups.get((team, quarter), nothing)
            n = int(len(at))
            shown = n >= int(display_floor)
            row = {schema.TEAM: team, schema.DEPARTMENT: department.get(team), schema.QUARTER: quarter,
                   "detractors": n, "returned": int(flags["_returned"][at].sum()),
                   "contacted": int(flags["_contacted"][at].sum()),
                   "within_sla": int(flags["_within"][at].sum()),
                   "open_overdue": int(flags["_open_overdue"][at].sum()),
                   "sla_hours": float(sla_hours), "shown": bool(shown)}
            timed = hours_of[at][flags["_contacted"][at]]
            timed = timed[~np.isnan(timed)]
            row["share_within_sla"] = row["within_sla"] / n if shown else np.nan
            row["median_hours"] = float(pd.Series(timed).median()) if shown and len(timed) else np.nan
            for column in STATUS_COLUMNS.values():
                row[column] = int(flags[f"_{column}"][at].sum())
                row[f"share_{column}"] = row[column] / n if shown else np.nan
            out.append(row)
    table = pd.DataFrame(out, columns=LOOP_COLUMNS)
    return table.astype({"shown": bool})

