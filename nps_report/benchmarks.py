"""Benchmarks: team vs rest of department and company, ranks, QoQ/YoY changes, trends, external NPS."""

from __future__ import annotations

from typing import Literal, Optional

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from scipy import stats as _sps

from . import schema, stats
from .exceptions import ParamsError

__all__ = [
    "adjust_pvalues",
    "changes",
    "describe_change",
    "describe_gap",
    "external_gaps",
    "internal_benchmarks",
    "load_external_benchmarks",
    "team_ranks",
    "team_vs_rest",
    "trend",
]

COMPARISON_LABELS = {1: "vs previous quarter", 4: "vs same quarter last year"}
ADJUSTMENT_BH = "Benjamini-Hochberg"
ADJUSTMENT_NONE = "none"
COMPANY = "Company"
# Columns a score-bearing table blanks (NaN) for groups below the display floor.
_SCORE_COLUMNS = ["nps", "ci_low", "ci_high", "moe", "se"]


# ----------------------------------------------------------------------------- helpers
def _as_list(by) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _check_columns(data: pd.DataFrame, columns) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise KeyError(f"column(s) {missing} not in data; columns are {list(data.columns)}")


def _counts(data: pd.DataFrame, by: list[str], score: str) -> pd.DataFrame:
    """Detractor, passive and promoter counts per group of ``by`` (one row if ``by`` is empty)."""
    cat = pd.Categorical(stats.categorize(data[score]), categories=stats.CATEGORIES)
    frame = pd.DataFrame({c: data[c].to_numpy() for c in by})
    frame["_cat"] = cat
    if by:
        table = (frame.groupby(by + ["_cat"], observed=True, dropna=False).size()
                 .unstack("_cat", fill_value=0).reindex(columns=stats.CATEGORIES, fill_value=0))
        table.columns = ["detractors", "passives", "promoters"]
        table.columns.name = None
        return table.reset_index()
    return pd.DataFrame({name: [int((frame["_cat"] == c).sum())] for name, c in
                         zip(["detractors", "passives", "promoters"], stats.CATEGORIES)})


def _hide_below_floor(table: pd.DataFrame) -> pd.DataFrame:
    """Blank the score columns of groups below the display floor: they never get a score."""
    hidden = ~table["shown"].astype(bool)
    for col in _SCORE_COLUMNS:
        if col in table:
            table.loc[hidden, col] = np.nan
    if "imprecise" in table:
        table.loc[hidden, "imprecise"] = False
    return table


def _format_p(p: float) -> str:
    if not np.isfinite(p):
        return "p not available"
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def _points(value: float) -> str:
    k = abs(int(round(value)))
    return f"{k} point" if k == 1 else f"{k} points"


def _significance_text(row) -> str:
    adjusted = str(row.get("adjustment", ADJUSTMENT_NONE)) != ADJUSTMENT_NONE
    p = row["p_adjusted"] if adjusted else row["p_value"]
    p_text = _format_p(float(p))
    if adjusted:
        p_text = "BH-adjusted " + p_text
    if bool(row["significant"]):
        return f"statistically significant ({p_text})"
    return f"not statistically significant ({p_text})"


def adjust_pvalues(p_values, *, fdr: bool = True) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values; NaN p-values stay NaN and are not counted.

    Parameters
    ----------
    p_values : array-like of float
        Two-sided p-values of one family of comparisons (NaN where no test was run).
    fdr : bool, default True
        With ``False`` the p-values are returned unchanged (as floats).

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, in the input order.

    Notes
    -----
    With the :math:`m` finite p-values sorted, :math:`p_{(1)} \\le \\dots \\le p_{(m)}`,
    the Benjamini-Hochberg (1995) step-up adjusted value is

    .. math:: \\tilde p_{(i)} = \\min_{j \\ge i} \\min\\left(1, \\frac{m}{j}\\, p_{(j)}\\right)

    and rejecting :math:`\\tilde p < \\alpha` controls the false discovery rate at
    :math:`\\alpha` for independent tests. Computed with
    :func:`scipy.stats.false_discovery_control` (``method="bh"``).
    """
    p = np.asarray(p_values, dtype="float64").copy()
    if not fdr:
        return p
    finite = np.isfinite(p)
    if finite.any():
        p[finite] = _sps.false_discovery_control(p[finite], method="bh")
    return p


def _add_significance(table: pd.DataFrame, *, fdr: bool, alpha: float) -> pd.DataFrame:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    table["p_adjusted"] = adjust_pvalues(table["p_value"].to_numpy(dtype="float64"), fdr=fdr)
    table["adjustment"] = ADJUSTMENT_BH if fdr else ADJUSTMENT_NONE
    table["significant"] = (table["p_adjusted"] < alpha).fillna(False).astype(bool)
    return table


def _compare(c1, c2, *, floor: int, confidence: float) -> dict:
    """Signed comparison of counts ``c1`` minus ``c2``, blanked when either side is below the floor."""
    n1, n2 = int(sum(c1)), int(sum(c2))
    shown = n1 >= floor and n2 >= floor
    nan = float("nan")
    if not shown:
        return dict(nps=stats.nps_from_counts(*c1) if n1 >= floor else nan,
                    other_nps=stats.nps_from_counts(*c2) if n2 >= floor else nan,
                    n=n1, other_n=n2, diff=nan, se=nan, ci_low=nan, ci_high=nan, z=nan,
                    p_value=nan, shown=False)
    cmp = stats.compare_counts(c1, c2, confidence=confidence)
    return dict(nps=cmp.nps1, other_nps=cmp.nps2, n=n1, other_n=n2, diff=cmp.diff, se=cmp.se,
                ci_low=cmp.ci_low, ci_high=cmp.ci_high, z=cmp.z, p_value=cmp.p_value, shown=True)


# --------------------------------------------------------------- internal benchmarks
def _team_department(data, team, quarter, *, team_col, department_col, quarter_col) -> str:
    rows = data[data[team_col] == team]
    if rows.empty:
        raise KeyError(f"team {team!r} has no responses in the data")
    in_quarter = rows[rows[quarter_col] == quarter]
    source = in_quarter if not in_quarter.empty else rows
    return str(source[department_col].mode(dropna=True).iloc[0])


def team_vs_rest(data: pd.DataFrame, *, quarter: str, team=None, level="department",
                 confidence: float = 0.95, alpha: float = 0.05, fdr: bool = True,
                 display_floor: int = stats.DISPLAY_FLOOR, score: str = "score",
                 team_col: str = "team", department_col: str = "department",
                 quarter_col: str = "quarter") -> pd.DataFrame:
    """Gap between a team and the REST of its department or company, with interval and test.

    The team is compared with the other responses of the same quarter (its
    department without the team, or the company without the team): two
    independent samples. Comparing a team with a total that contains it would
    shrink the gap and understate its variance.

    Parameters
    ----------
    data : DataFrame
        Long-form responses, one row each, with ``score``, ``team``, ``department``
        and ``quarter`` columns.
    quarter : str
        The quarter compared, like ``"2026Q3"``.
    team : str or list of str, optional
        Team(s) to compare. Default: every team with a response in ``quarter``.
    level : {"department", "company"} or list of them, default "department"
        What the team is compared with. A list gives one row per team and level.
    confidence : float, default 0.95
        Level of the interval of the gap.
    alpha : float, default 0.05
        Significance level applied to ``p_adjusted``.
    fdr : bool, default True
        Benjamini-Hochberg adjustment over all rows of the returned table (one
        family). With one team and one level this changes nothing.
    display_floor : int, default 5
        A side with fewer responses gets no score and no test.

    Returns
    -------
    DataFrame
        One row per team and level:

        - ``team``, ``department``, ``quarter``, ``level``
        - ``comparator``: in words, e.g. ``"rest of Finance"``, ``"rest of the company"``
        - ``nps``, ``n``: the team
        - ``rest_nps``, ``rest_n``: the rest (department or company minus the team)
        - ``level_nps``, ``level_n``: the whole department or company (team included),
          for display only
        - ``diff``: ``nps - rest_nps`` (points); ``se``, ``ci_low``, ``ci_high``,
          ``z``, ``p_value``: interval and two-sided test of ``diff``
        - ``p_adjusted``, ``adjustment`` (``"Benjamini-Hochberg"`` or ``"none"``),
          ``significant`` (``p_adjusted < alpha``)
        - ``shown``: both sides reach the display floor (otherwise scores are NaN)
        - ``sentence``: plain-language gap, see :func:`describe_gap`

    Notes
    -----
    With :math:`(D, Pa, P)` the counts of the team and :math:`(D', Pa', P')` the
    level's counts minus the team's,

    .. math::

        \\Delta = \\mathrm{NPS}_{team} - \\mathrm{NPS}_{rest}, \\quad
        SE = \\sqrt{\\mathrm{var}_{team}/n_{team} + \\mathrm{var}_{rest}/n_{rest}}, \\quad
        p = 2\\,(1 - \\Phi(|\\Delta / SE|))

    with the trinomial variance :math:`p + d - (p - d)^2`; see
    :func:`nps_report.stats.compare_counts`. The interval is not adjusted for
    multiplicity; ``significant`` follows ``p_adjusted``.
    """
    levels = _as_list(level)
    for lv in levels:
        if lv not in ("department", "company"):
            raise ValueError(f"level must be 'department' or 'company' (or a list of them), got {lv!r}")
    _check_columns(data, [score, team_col, department_col, quarter_col])
    current = data[data[quarter_col] == quarter]
    if team is None:
        teams = sorted(current[team_col].dropna().unique())
    else:
        teams = _as_list(team)
    team_counts = _counts(current, [team_col], score).set_index(team_col)
    dept_counts = _counts(current, [department_col], score).set_index(department_col)
    company = _counts(current, [], score).iloc[0].to_numpy(dtype="int64")
    zero = np.zeros(3, dtype="int64")
    rows = []
    for name in teams:
        dept = _team_department(data, name, quarter, team_col=team_col,
                                department_col=department_col, quarter_col=quarter_col)
        own = team_counts.loc[name].to_numpy(dtype="int64") if name in team_counts.index else zero
        for lv in levels:
            if lv == "department":
                whole = dept_counts.loc[dept].to_numpy(dtype="int64") if dept in dept_counts.index else zero
                comparator = f"rest of {dept}"
            else:
                whole = company
                comparator = "rest of the company"
            rest = whole - own
            res = _compare(tuple(own), tuple(rest), floor=display_floor, confidence=confidence)
            level_n = int(whole.sum())
            rows.append({
                "team": name, "department": dept, "quarter": quarter, "level": lv,
                "comparator": comparator, "nps": res["nps"], "n": res["n"],
                "rest_nps": res["other_nps"], "rest_n": res["other_n"],
                "level_nps": stats.nps_from_counts(*whole) if level_n >= display_floor else np.nan,
                "level_n": level_n, "diff": res["diff"], "se": res["se"],
                "ci_low": res["ci_low"], "ci_high": res["ci_high"], "z": res["z"],
                "p_value": res["p_value"], "shown": res["shown"]})
    columns = ["team", "department", "quarter", "level", "comparator", "nps", "n", "rest_nps",
               "rest_n", "level_nps", "level_n", "diff", "se", "ci_low", "ci_high", "z", "p_value"]
    table = pd.DataFrame(rows, columns=columns + ["shown"])
    table = _add_significance(table, fdr=fdr, alpha=alpha)
    table = table[columns + ["p_adjusted", "adjustment", "significant", "shown"]]
    table["sentence"] = [describe_gap(r) for _, r in table.iterrows()]
    return table


def describe_gap(row) -> str:
    """Plain-language gap of one row of :func:`team_vs_rest`.

    ``"NPS 12 points below the rest of Finance; statistically significant (BH-adjusted p = 0.003)"``
    (p-values: 2 decimals, 3 below 0.01, "p < 0.001" below that),
    ``"too few responses to compare with the rest of Finance"``.
    """
    if not bool(row["shown"]) or not np.isfinite(row["diff"]):
        return f"too few responses to compare with the {row['comparator']}"
    if round(float(row["diff"])) == 0:
        head = f"NPS level with the {row['comparator']} (difference under 1 point)"
    else:
        where = "above" if row["diff"] > 0 else "below"
        head = f"NPS {_points(row['diff'])} {where} the {row['comparator']}"
    return f"{head}; {_significance_text(row)}"


def internal_benchmarks(data: pd.DataFrame, *, team: str, quarter: str,
                        method: str = "adjusted_wald", confidence: float = 0.95,
                        display_floor: int = stats.DISPLAY_FLOOR, score: str = "score",
                        team_col: str = "team", department_col: str = "department",
                        quarter_col: str = "quarter") -> pd.DataFrame:
    """NPS with intervals of a team, its whole department and the whole company in one quarter.

    The table a benchmark chart draws. The department and company rows include
    the team (they are what a reader calls "the department's NPS"); the tests of
    the gaps, which must exclude the team, are in :func:`team_vs_rest`.

    Returns
    -------
    DataFrame
        Three rows (team, department, company) with ``level`` (``"team"``,
        ``"department"``, ``"company"``), ``name``, ``quarter``, ``n``, ``nps``,
        ``ci_low``, ``ci_high``, ``moe``, ``shown``, ``imprecise``. Below the display
        floor the score columns are NaN.
    """
    _check_columns(data, [score, team_col, department_col, quarter_col])
    dept = _team_department(data, team, quarter, team_col=team_col,
                            department_col=department_col, quarter_col=quarter_col)
    current = data[data[quarter_col] == quarter]
    parts = [("team", team, current[current[team_col] == team]),
             ("department", dept, current[current[department_col] == dept]),
             ("company", COMPANY, current)]
    counts = pd.concat([_counts(frame, [], score).assign(level=lv, name=name)
                        for lv, name, frame in parts], ignore_index=True)
    table = stats.nps_table_from_counts(counts, method=method, confidence=confidence,
                                        display_floor=display_floor)
    table["quarter"] = quarter
    table = _hide_below_floor(table)
    return table[["level", "name", "quarter", "n", "nps", "ci_low", "ci_high", "moe", "shown",
                  "imprecise"]]


def team_ranks(data: pd.DataFrame, *, quarter: str, display_floor: int = stats.DISPLAY_FLOOR,
               by: str = "team", method: str = "adjusted_wald", confidence: float = 0.95,
               score: str = "score", quarter_col: str = "quarter") -> pd.DataFrame:
    """Rank and percentile of every team (or department) in one quarter, best first.

    Parameters
    ----------
    data : DataFrame
        Long-form responses.
    quarter : str
        The quarter ranked.
    display_floor : int, default 5
        Groups with fewer responses are listed with ``shown = False``, no score and
        rank NaN; they are not counted in ``n_ranked``.
    by : str, default "team"
        Column whose groups are ranked (``"department"`` ranks departments).
    method, confidence
        Interval of each NPS; see :func:`nps_report.stats.interval_from_counts`.

    Returns
    -------
    DataFrame
        One row per group with a response in ``quarter``, sorted by rank (groups
        below the floor last): ``by``, ``quarter``, ``n``, ``nps``, ``ci_low``,
        ``ci_high``, ``moe``, ``shown``, ``imprecise``, ``rank`` (float, 1 = best,
        NaN below the floor), ``n_ranked``, ``percentile`` (0..100, NaN below the
        floor or when only one group is ranked).

    Notes
    -----
    Ties get the same, lowest rank (``method="min"``: scores 50, 50, 20 rank
    1, 1, 3). NPS values are compared after rounding to 9 decimals so that
    equal fractions (1/3 of 3 and 2/6) tie. With :math:`N` ranked groups the
    percentile is the share of the *other* ranked groups scoring at or below
    this one,

    .. math:: \\mathrm{percentile} = 100\\,\\frac{N - \\mathrm{rank}}{N - 1}

    so the best group is at 100, a unique worst group at 0, and tied groups share
    a percentile. Ranks ignore the intervals: read ``ci_low``/``ci_high`` before
    calling two ranks different.
    """
    _check_columns(data, [score, by, quarter_col])
    current = data[data[quarter_col] == quarter]
    table = stats.nps_table_from_counts(_counts(current, [by], score), method=method,
                                        confidence=confidence, display_floor=display_floor)
    table["quarter"] = quarter
    table = _hide_below_floor(table)
    ranked = table["shown"].to_numpy(dtype=bool)
    key = table["nps"].round(9).where(ranked)
    table["rank"] = key.rank(method="min", ascending=False)
    n_ranked = int(ranked.sum())
    table["n_ranked"] = n_ranked
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = 100 * (n_ranked - table["rank"]) / (n_ranked - 1) if n_ranked > 1 else np.nan
    table["percentile"] = pct
    table = table.sort_values(["rank", by], na_position="last", kind="mergesort")
    return table[[by, "quarter", "n", "nps", "ci_low", "ci_high", "moe", "shown", "imprecise",
                  "rank", "n_ranked", "percentile"]].reset_index(drop=True)


# ----------------------------------------------------------------- change over time
def changes(data: pd.DataFrame, *, quarter: str, by=("team",), lags=(1, 4), fdr: bool = True,
            alpha: float = 0.05, confidence: float = 0.95,
            display_floor: int = stats.DISPLAY_FLOOR, score: str = "score",
            quarter_col: str = "quarter") -> pd.DataFrame:
    """Quarter-on-quarter and year-on-year NPS changes with signed two-sample tests.

    Parameters
    ----------
    data : DataFrame
        Long-form responses, one row each.
    quarter : str
        The current quarter, like ``"2026Q3"``.
    by : str or list of str, default ("team",)
        Groups compared (``"department"``; ``[]`` or None for the whole company).
    lags : tuple of int, default (1, 4)
        Base quarters, in quarters before ``quarter``: 1 = previous quarter (QoQ),
        4 = same quarter last year (YoY); see :func:`nps_report.schema.previous_quarter`.
    fdr : bool, default True
        Benjamini-Hochberg control of the false discovery rate over every
        comparison of the returned table (all groups and lags form one family).
        ``adjustment`` says which was used.
    alpha : float, default 0.05
        ``significant`` is ``p_adjusted < alpha``.
    confidence : float, default 0.95
        Level of the (unadjusted) interval of the difference.
    display_floor : int, default 5
        A quarter with fewer responses gets no score (NaN) and no test; its
        sentence says there are too few responses to compare.

    Returns
    -------
    DataFrame
        One row per group with a response in ``quarter`` and per lag: the ``by``
        columns, ``comparison`` (``"vs previous quarter"``, ``"vs same quarter last
        year"``), ``lag``, ``quarter``, ``base_quarter``, ``nps``, ``base_nps``,
        ``n``, ``base_n``, ``diff`` (``nps - base_nps``, points), ``se``,
        ``ci_low``, ``ci_high`` (interval of ``diff``), ``z``, ``p_value``,
        ``p_adjusted``, ``adjustment``, ``significant``, ``shown`` (both quarters
        reach the floor) and ``sentence`` (see :func:`describe_change`).

    Notes
    -----
    Each comparison is the signed two-sample z-test of
    :func:`nps_report.stats.compare_counts`, current quarter minus base quarter:

    .. math::

        \\Delta = \\mathrm{NPS}_q - \\mathrm{NPS}_{q-k}, \\quad
        SE = \\sqrt{\\mathrm{var}_q/n_q + \\mathrm{var}_{q-k}/n_{q-k}}, \\quad
        p = 2\\,(1 - \\Phi(|\\Delta/SE|)),

    then :func:`adjust_pvalues` over the table. The two quarters are treated as
    independent samples (a respondent answering in both is counted twice). For a
    team report, compute the table once for all teams and select the team's rows,
    so that the team's verdict matches the company overview.

    Examples
    --------
    >>> import pandas as pd
    >>> from nps_report.benchmarks import changes
    >>> data = pd.DataFrame({"team": "A", "quarter": ["2026Q2"] * 6 + ["2026Q3"] * 6,
    ...                      "score": [10, 10, 9, 8, 3, 2, 10, 9, 9, 9, 8, 7]})
    >>> row = changes(data, quarter="2026Q3", lags=(1,)).iloc[0]
    >>> float(row["diff"])
    50.0
    >>> row["sentence"]
    'NPS rose 50 points vs 2026Q2; not statistically significant (BH-adjusted p = 0.23)'
    """
    by = _as_list(by)
    _check_columns(data, by + [score, quarter_col])
    lags = [int(k) for k in ([lags] if np.isscalar(lags) else lags)]
    if any(k < 1 for k in lags):
        raise ValueError(f"lags are quarters back, 1 or more; got {lags!r}")
    bases = {k: schema.previous_quarter(quarter, k) for k in lags}
    wanted = data[data[quarter_col].isin([quarter, *bases.values()])]
    counts = _counts(wanted, by + [quarter_col], score)
    keys = counts[by + [quarter_col]].itertuples(index=False, name=None)
    values = counts[["detractors", "passives", "promoters"]].to_numpy(dtype="int64")
    lookup = {key: tuple(int(x) for x in vals) for key, vals in zip(keys, values)}
    groups = _groups_in(wanted, by, quarter_col, quarter)
    rows = []
    for group in groups:
        current = lookup.get(group + (quarter,), (0, 0, 0))
        for k in lags:
            base = lookup.get(group + (bases[k],), (0, 0, 0))
            res = _compare(current, base, floor=display_floor, confidence=confidence)
            rows.append({**dict(zip(by, group)),
                         "comparison": COMPARISON_LABELS.get(k, f"vs {k} quarters earlier"),
                         "lag": k, "quarter": quarter, "base_quarter": bases[k],
                         "nps": res["nps"], "base_nps": res["other_nps"], "n": res["n"],
                         "base_n": res["other_n"], "diff": res["diff"], "se": res["se"],
                         "ci_low": res["ci_low"], "ci_high": res["ci_high"], "z": res["z"],
                         "p_value": res["p_value"], "shown": res["shown"]})
    columns = by + ["comparison", "lag", "quarter", "base_quarter", "nps", "base_nps", "n",
                    "base_n", "diff", "se", "ci_low", "ci_high", "z", "p_value"]
    table = pd.DataFrame(rows, columns=columns + ["shown"])
    table = _add_significance(table, fdr=fdr, alpha=alpha)
    table = table[columns + ["p_adjusted", "adjustment", "significant", "shown"]]
    table["sentence"] = [describe_change(r) for _, r in table.iterrows()]
    return table.astype({"n": "int64", "base_n": "int64", "lag": "int64"})


def _groups_in(data, by, quarter_col, quarter) -> list[tuple]:
    """Group keys (tuples) with at least one response in ``quarter``, sorted."""
    current = data[data[quarter_col] == quarter]
    if not by:
        return [()] if len(current) else []
    keys = current[by].drop_duplicates().sort_values(by)
    return [tuple(k) for k in keys.itertuples(index=False, name=None)]


def describe_change(row) -> str:
    """Plain-language change of one row of :func:`changes`, generated from its numbers.

    Examples: ``"NPS fell 9 points vs 2026Q2; statistically significant (BH-adjusted
    p = 0.01)"``, ``"NPS rose 6 points vs 2025Q3; not statistically significant
    (p = 0.41)"``, ``"too few responses to compare with 2025Q3 (n = 3 in 2026Q3,
    12 in 2025Q3)"``. The p-value quoted is ``p_adjusted`` when the table was
    adjusted (and says so), ``p_value`` otherwise; points are rounded once, here.
    """
    base = row["base_quarter"]
    if not bool(row["shown"]) or not np.isfinite(row["diff"]):
        return (f"too few responses to compare with {base} "
                f"(n = {int(row['n'])} in {row['quarter']}, {int(row['base_n'])} in {base})")
    diff = float(row["diff"])
    if round(diff) == 0:
        head = f"NPS unchanged vs {base} (difference under 1 point)"
    else:
        head = f"NPS {'rose' if diff > 0 else 'fell'} {_points(diff)} vs {base}"
    return f"{head}; {_significance_text(row)}"


def trend(data: pd.DataFrame, *, quarter: str, n_quarters: int = 8, by=None,
          method: str = "adjusted_wald", confidence: float = 0.95,
          display_floor: int = stats.DISPLAY_FLOOR, score: str = "score",
          quarter_col: str = "quarter") -> pd.DataFrame:
    """NPS with interval bands for the last ``n_quarters`` quarters ending with ``quarter``.

    Parameters
    ----------
    data : DataFrame
        Long-form responses.
    quarter : str
        The last quarter of the trend.
    n_quarters : int, default 8
    by : str or list of str, optional
        Groups (e.g. ``"team"``); None for the whole company.
    method, confidence
        Interval of each quarter's NPS; see :func:`nps_report.stats.interval_from_counts`.
    display_floor : int, default 5
        Quarters with fewer responses get ``shown = False`` and NaN scores.

    Returns
    -------
    DataFrame
        One row per group (with a response in any of the quarters) and per quarter,
        oldest first, quarters without responses included (``n = 0``): the ``by``
        columns, ``quarter``, ``n``, ``nps``, ``ci_low``, ``ci_high``, ``moe``,
        ``shown``, ``imprecise``.

    Notes
    -----
    Each quarter's interval is computed on its own (no smoothing): with the
    adjusted Wald method, :math:`\\mathrm{NPS} \\pm z\\sqrt{\\mathrm{var}/n}` on
    counts plus 0.75 detractors, 1.5 passives and 0.75 promoters (Rocks 2016).
    """
    if int(n_quarters) < 1:
        raise ValueError(f"n_quarters must be 1 or more, got {n_quarters!r}")
    by = _as_list(by)
    _check_columns(data, by + [score, quarter_col])
    quarters = schema.quarter_range(quarter, int(n_quarters))
    wanted = data[data[quarter_col].isin(quarters)]
    counts = _counts(wanted, by + [quarter_col], score)
    if by:
        groups = counts[by].drop_duplicates().sort_values(by)
        grid = groups.merge(pd.DataFrame({quarter_col: quarters}), how="cross")
    else:
        grid = pd.DataFrame({quarter_col: quarters})
        counts = _counts(wanted, [quarter_col], score)
    grid[quarter_col] = grid[quarter_col].astype(object)
    counts[quarter_col] = counts[quarter_col].astype(object)
    table = grid.merge(counts, on=by + [quarter_col], how="left")
    for col in ("detractors", "passives", "promoters"):
        table[col] = table[col].fillna(0).astype("int64")
    table = stats.nps_table_from_counts(table, method=method, confidence=confidence,
                                        display_floor=display_floor)
    table = _hide_below_floor(table)
    table = table.rename(columns={quarter_col: "quarter"})
    return table[by + ["quarter", "n", "nps", "ci_low", "ci_high", "moe", "shown",
                       "imprecise"]].reset_index(drop=True)


# --------------------------------------------------------------- external benchmarks
class _Distribution(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    p10: float = Field(ge=-100, le=100)
    median: float = Field(ge=-100, le=100)
    p90: float = Field(ge=-100, le=100)

    @model_validator(mode="after")
    def _ordered(self):
        if not self.p10 <= self.median <= self.p90:
            raise ValueError(f"needs p10 <= median <= p90, got {self.p10}, {self.median}, {self.p90}")
        return self


class ExternalBenchmark(BaseModel):
    """One published NPS figure: an industry or a competitor, with its source and year."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    kind: Literal["industry", "competitor"] = "industry"
    value: Optional[float] = Field(None, ge=-100, le=100)
    source: str = Field(min_length=1)
    year: int = Field(ge=1990, le=2100)
    distribution: Optional[_Distribution] = None
    example: bool = False
    note: Optional[str] = None

    @model_validator(mode="after")
    def _has_value(self):
        if self.value is None and self.distribution is None:
            raise ValueError("give 'value' or a 'distribution' (p10, median, p90)")
        return self


class _BenchmarkFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    benchmarks: list[ExternalBenchmark] = Field(min_length=1)


EXTERNAL_COLUMNS = ["name", "kind", "value", "p10", "median", "p90", "source", "year", "citation",
                    "label", "example", "note"]


def load_external_benchmarks(path) -> pd.DataFrame:
    """Read and validate an external benchmarks file (e.g. the shipped ``nps_report/data/published_benchmarks.yaml``).

    The file is a mapping with one key, ``benchmarks``: a list of entries with
    ``name``, ``kind`` (``industry`` or ``competitor``), ``value`` (NPS,
    -100..100), ``source``, ``year``, optionally ``distribution`` (``p10``,
    ``median``, ``p90``), ``example`` (true for illustrative figures that are not
    this company's chosen benchmarks) and ``note``. Without ``value`` the
    distribution's median is the value.

    Returns
    -------
    DataFrame
        One row per entry: ``name``, ``kind``, ``value``, ``p10``, ``median``,
        ``p90`` (NaN without a distribution), ``source``, ``year``, ``citation``
        (``"Source, Year"``), ``label`` (``"Name (Source, Year)"``), ``example``,
        ``note``.

    Raises
    ------
    ParamsError
        Naming the file and the key (``benchmarks.2.source``) when the file is
        missing, not YAML, or an entry is invalid.
    """
    from .params import load_yaml

    raw = load_yaml(path, "benchmarks file")
    if not isinstance(raw, dict):
        raise ParamsError("a benchmarks file is a mapping with a 'benchmarks' list", path=path,
                          key="benchmarks")
    try:
        parsed = _BenchmarkFile.model_validate(raw)
    except ValidationError as exc:
        messages = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"]) or "(top level)"
            given = err.get("input")
            given_text = "" if isinstance(given, (dict, list)) else f" (got {given!r})"
            messages.append(f"key '{key}': {err['msg']}{given_text}")
        first = ".".join(str(p) for p in exc.errors()[0]["loc"])
        raise ParamsError("; ".join(messages), path=path, key=first) from None
    rows = []
    for b in parsed.benchmarks:
        dist = b.distribution
        citation = f"{b.source}, {b.year}"
        rows.append({"name": b.name, "kind": b.kind,
                     "value": b.value if b.value is not None else dist.median,
                     "p10": dist.p10 if dist else np.nan, "median": dist.median if dist else np.nan,
                     "p90": dist.p90 if dist else np.nan, "source": b.source, "year": b.year,
                     "citation": citation, "label": f"{b.name} ({citation})",
                     "example": b.example, "note": b.note})
    return pd.DataFrame(rows, columns=EXTERNAL_COLUMNS)


def external_gaps(nps_value: float, benchmarks: pd.DataFrame) -> pd.DataFrame:
    """Where an NPS stands against each external benchmark.

    Parameters
    ----------
    nps_value : float
        The team's (or company's) NPS, -100..100; NaN (e.g. below the display
        floor) gives NaN gaps.
    benchmarks : DataFrame
        As returned by :func:`load_external_benchmarks`.

    Returns
    -------
    DataFrame
        One row per benchmark: ``name``, ``kind``, ``value``, ``p10``, ``median``,
        ``p90``, ``nps``, ``gap`` (``nps - value``, points), ``position`` against
        the distribution (``"below p10"``, ``"p10 to median"``, ``"median to p90"``,
        ``"p90 or above"``; ``<NA>`` without a distribution), ``citation``,
        ``example`` and ``sentence``.

    Notes
    -----
    Published studies differ in method (some average company scores per
    industry), so a gap is context, not a test: no interval or p-value is given.
    """
    value = float(nps_value) if nps_value is not None else np.nan
    table = benchmarks[["name", "kind", "value", "p10", "median", "p90", "citation",
                        "example"]].copy()
    table["nps"] = value
    table["gap"] = value - table["value"].astype("float64")
    positions = []
    for _, b in table.iterrows():
        if not np.isfinite(value) or not np.isfinite(b["p10"]):
            positions.append(pd.NA)
        elif value < b["p10"]:
            positions.append("below p10")
        elif value < b["median"]:
            positions.append("p10 to median")
        elif value < b["p90"]:
            positions.append("median to p90")
        else:
            positions.append("p90 or above")
    table["position"] = pd.array(positions, dtype="string")
    table["sentence"] = [_external_sentence(r) for _, r in table.iterrows()]
    return table[["name", "kind", "value", "p10", "median", "p90", "nps", "gap", "position",
                  "citation", "example", "sentence"]].reset_index(drop=True)


def _external_sentence(row) -> str:
    ref = f"{row['name']} ({row['value']:+g}; {row['citation']})"
    if not np.isfinite(row["gap"]):
        text = f"no score to compare with {ref}"
    elif round(row["gap"]) == 0:
        text = f"level with {ref}"
    else:
        text = f"{_points(row['gap'])} {'above' if row['gap'] > 0 else 'below'} {ref}"
    if bool(row["example"]):
        text += " [example figure]"
    return text
