"""Did calling back help? Later scores of contacted detractors against those not contacted.

For a team's detractor cases of quarters before the report's quarter (from the quarter
the team started returning workbooks), the respondent's next answer to a survey, up to the
end of the report's quarter, is looked up by respondent id: after the first contact for a
contacted detractor (status contacted or resolved), after the detractor's own response
for the others (open, unreachable, no action needed, or never reported on). The two groups'
later NPS are shown with their intervals and the difference with its interval and test.

Contact was not randomized: leads may call the customers most likely to come round (or
the angriest), so a difference is an association, not the effect of calling back.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema
from .cases import CONTACTED, loop_start

__all__ = ["CALLBACK_CAVEAT", "CALLBACK_COLUMNS", "callback_effect"]

#: The plain caveat printed with every comparison.
CALLBACK_CAVEAT = ("Contact was not randomized: team leads choose whom to call, so a difference "
                   "between the groups is not proof that calling back changed the score.")
#: Columns of :func:`callback_effect`.
CALLBACK_COLUMNS = [schema.TEAM, "group", "cases", "answered_later", "detractors", "passives",
                    "promoters", "nps", "ci_low", "ci_high", "diff", "diff_low", "diff_high",
                    "p_value", "test", "shown"]
_GROUPS = ("contacted", "not contacted")


def callback_effect(responses: pd.DataFrame, cases: pd.DataFrame, *, quarter: str,
                    teams=None, display_floor: int = 5, confidence: float = 0.95,
                    method: str = "adjusted_wald") -> pd.DataFrame:
    """Later NPS of each team's contacted and not-contacted detractors.

    Parameters
    ----------
    responses : DataFrame
        The build's responses (``respondent_id``, ``submitted_at``, ``score``, ``quarter``).
    cases : DataFrame
        The merged case state (:func:`nps_report.loop.returns.merge_returns`).
    quarter : str
        The report's quarter: cases of earlier quarters, later answers up to this one.
    teams : list of str, optional
        Teams to report on (default: those that returned a workbook).
    display_floor : int
        Fewest later answers in EACH group for anything to be shown.
    confidence, method
        Interval level and method (:func:`nps_report.stats.interval_from_counts`).

    Returns
    -------
    DataFrame
        :data:`CALLBACK_COLUMNS`, two rows per team (``group`` "contacted" and "not
        contacted"): ``cases``, ``answered_later`` and the later answers' category
        counts; when both groups reach the floor (``shown``), their ``nps`` and
        interval, and on both rows the difference contacted minus not contacted with its
        interval and p-value (:func:`nps_report.stats.compare_counts`). Below the floor
        the scores are blank.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"team": "A", "quarter": ["2026Q2"] * 4 + ["2026Q3"] * 4,
    ...     "respondent_id": ["a", "b", "c", "d"] * 2, "response_id": list("12345678"),
    ...     "score": [2, 3, 4, 5, 9, 10, 3, 6],
    ...     "submitted_at": pd.to_datetime(["2026-05-01"] * 4 + ["2026-08-01"] * 4, utc=True)})
    >>> from nps_report.loop.cases import detractor_cases
    >>> cases = detractor_cases(data)
    >>> cases.loc[cases["response_id"].isin(["1", "2"]), ["status", "returned"]] = ["resolved", True]
    >>> table = callback_effect(data, cases, quarter="2026Q3", display_floor=2)
    >>> table[["group", "answered_later", "promoters", "nps"]].values.tolist()
    [['contacted', 2, 2, 100.0], ['not contacted', 2, 0, -100.0]]
    """
    from .. import stats  # here: a build's worker writes the workbooks without scipy

    start = loop_start(cases)
    teams = sorted(start) if teams is None else [str(t) for t in teams]
    quarter = str(quarter)
    later_pool = responses[responses[schema.QUARTER].astype(str) <= quarter]
    later_pool = later_pool.dropna(subset=[schema.RESPONDENT_ID])[
        [schema.RESPONDENT_ID, schema.SUBMITTED_AT, schema.SCORE]].copy()
    later_pool[schema.SUBMITTED_AT] = pd.to_datetime(later_pool[schema.SUBMITTED_AT], utc=True)
    later_pool[schema.RESPONDENT_ID] = later_pool[schema.RESPONDENT_ID].astype(str)
    # every team's cases from its loop start up to the quarter before, all at once
    team_of = cases[schema.TEAM].astype(str)
    first = team_of.map(start).astype(object)
    in_quarter = cases[schema.QUARTER].astype(str)
    mine = cases[(team_of.isin(teams) & first.notna() & (in_quarter < quarter)
                  & (in_quarter >= first.where(first.notna(), ""))).to_numpy()]
    mine = mine.dropna(subset=[schema.RESPONDENT_ID])
    contact = pd.to_datetime(mine["first_contact"], utc=True)
    contacted = mine["status"].astype(str).isin(CONTACTED).to_numpy()
    submitted = pd.to_datetime(mine[schema.SUBMITTED_AT], utc=True)
    keys = pd.DataFrame({"case": np.arange(len(mine)), schema.TEAM: mine[schema.TEAM].astype(str).to_numpy(),
                         schema.RESPONDENT_ID: mine[schema.RESPONDENT_ID].astype(str).to_numpy(),
                         "since": contact.where(contacted & contact.notna().to_numpy(), submitted).to_numpy(),
                         "contacted": contacted})
    later = keys.merge(later_pool, on=schema.RESPONDENT_ID)
    later = later[later[schema.SUBMITTED_AT] > later["since"]]
    later = later.sort_values(schema.SUBMITTED_AT, kind="stable").drop_duplicates("case")  # next answer
    category = stats.categorize(later[schema.SCORE])
    tally = pd.crosstab([later[schema.TEAM], later["contacted"]], category).reindex(
        columns=stats.CATEGORIES, fill_value=0)
    sizes = keys.groupby([schema.TEAM, "contacted"]).size()
    out = []
    for team in teams:
        groups = {}
        for name, flag in zip(_GROUPS, (True, False)):
            found = tally.loc[(team, flag)] if (team, flag) in tally.index else pd.Series(0, stats.CATEGORIES)
            groups[name] = (int(sizes.get((team, flag), 0)), tuple(int(found[c]) for c in stats.CATEGORIES))
        shown = all(sum(c) >= int(display_floor) for _, c in groups.values())
        compared = stats.compare_counts(groups["contacted"][1], groups["not contacted"][1],
                                        confidence=confidence) if shown else None
        for name in _GROUPS:
            n_cases, (d, p, r) = groups[name]
            row = {schema.TEAM: team, "group": name, "cases": n_cases, "answered_later": d + p + r,
                   "detractors": d, "passives": p, "promoters": r, "shown": bool(shown),
                   "nps": np.nan, "ci_low": np.nan, "ci_high": np.nan, "diff": np.nan,
                   "diff_low": np.nan, "diff_high": np.nan, "p_value": np.nan, "test": ""}
            if shown:
                low, high = stats.interval_from_counts(d, p, r, method=method, confidence=confidence)
                row.update(nps=float(stats.nps_from_counts(d, p, r)), ci_low=float(low),
                           ci_high=float(high), diff=compared.diff, diff_low=compared.ci_low,
                           diff_high=compared.ci_high, p_value=compared.p_value, test=compared.test)
            out.append(row)
    return pd.DataFrame(out, columns=CALLBACK_COLUMNS).astype({"shown": bool})
