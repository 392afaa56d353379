"""Internal benchmarks: a team against the rest of its department or company, levels, ranks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import stats
from .counting import as_list, category_counts, check_columns, compare_with_floor, hide_below_floor
from .verdicts import add_significance, points_text, significance_text

__all__ = ["COMPANY", "describe_gap", "internal_benchmarks", "team_ranks", "team_vs_rest"]

COMPANY = "Company"


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
          ``z``, ``p_value``: interval and two-sided test of ``diff``; ``test``: which
          test (``"score"`` or ``"exact"``, :data:`nps_report.stats.CHANGE_TESTS`)
        - ``p_adjusted``, ``adjustment`` (``"Benjamini-Hochberg"`` or ``"none"``),
          ``alpha``, ``significant`` (``p_adjusted < alpha``)
        - ``shown``: both sides reach the display floor (otherwise scores are NaN)
        - ``sentence``: plain-language gap, see :func:`describe_gap`

    Notes
    -----
    With :math:`(D, Pa, P)` the counts of the team and :math:`(D', Pa', P')` the
    level's counts minus the team's,

    .. math::

        \\Delta = \\mathrm{NPS}_{team} - \\mathrm{NPS}_{rest}, \\quad
        SE = \\sqrt{\\mathrm{var}_{team}/n_{team} + \\mathrm{var}_{rest}/n_{rest}}

    (the interval, with the trinomial variance :math:`p + d - (p - d)^2`), and the
    p-value of the score test with the variance pooled under "no gap", exact below
    :data:`nps_report.stats.EXACT_BELOW` responses; see
    :func:`nps_report.stats.compare_counts`. The interval is not adjusted for
    multiplicity; ``significant`` follows ``p_adjusted``.

    Examples
    --------
    >>> import pandas as pd
    >>> import nps_report as nr
    >>> data = pd.DataFrame({"team": ["A"] * 20 + ["B"] * 20 + ["C"] * 20, "department": "Sales",
    ...                      "quarter": "2026Q3",
    ...                      "score": [10, 9, 9, 3] * 5 + [6, 7, 8, 9] * 5 + [0, 5, 9, 10] * 5})
    >>> gap = nr.team_vs_rest(data, quarter="2026Q3", team="A").iloc[0]
    >>> gap["comparator"], float(gap["diff"])
    ('rest of Sales', 50.0)
    >>> gap["sentence"]
    'NPS 50 points above the rest of Sales; statistically significant (BH-adjusted p = 0.049)'
    """
    levels = as_list(level)
    for lv in levels:
        if lv not in ("department", "company"):
            raise ValueError(f"level must be 'department' or 'company' (or a list of them), got {lv!r}")
    check_columns(data, [score, team_col, department_col, quarter_col])
    current = data[data[quarter_col] == quarter]
    if team is None:
        teams = sorted(current[team_col].dropna().unique())
    else:
        teams = as_list(team)
    team_counts = category_counts(current, [team_col], score).set_index(team_col)
    dept_counts = category_counts(current, [department_col], score).set_index(department_col)
    company = category_counts(current, [], score).iloc[0].to_numpy(dtype="int64")
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
            res = compare_with_floor(tuple(own), tuple(rest), floor=display_floor,
                                     confidence=confidence)
            level_n = int(whole.sum())
            rows.append({
                "team": name, "department": dept, "quarter": quarter, "level": lv,
                "comparator": comparator, "nps": res["nps"], "n": res["n"],
                "rest_nps": res["other_nps"], "rest_n": res["other_n"],
                "level_nps": stats.nps_from_counts(*whole) if level_n >= display_floor else np.nan,
                "level_n": level_n, "diff": res["diff"], "se": res["se"],
                "ci_low": res["ci_low"], "ci_high": res["ci_high"], "z": res["z"],
                "p_value": res["p_value"], "test": res["test"], "shown": res["shown"]})
    columns = ["team", "department", "quarter", "level", "comparator", "nps", "n", "rest_nps",
               "rest_n", "level_nps", "level_n", "diff", "se", "ci_low", "ci_high", "z", "p_value",
               "test"]
    table = pd.DataFrame(rows, columns=columns + ["shown"])
    table = add_significance(table, fdr=fdr, alpha=alpha)
    table = table[columns + ["p_adjusted", "adjustment", "alpha", "significant", "shown"]]
    table["sentence"] = [describe_gap(r) for _, r in table.iterrows()]
    return table


def describe_gap(row) -> str:
    """Plain-language gap of one row of :func:`team_vs_rest`.

    ``"NPS 12 points below the rest of Finance; statistically significant (BH-adjusted p = 0.0031)"``
    (p-values: two significant digits, never rounded across alpha, "p < 0.0001" below that;
    see :func:`~nps_report.benchmarks.verdicts.format_p`),
    ``"too few responses to compare with the rest of Finance"``.
    """
    if not bool(row["shown"]) or not np.isfinite(row["diff"]):
        return f"too few responses to compare with the {row['comparator']}"
    if round(float(row["diff"])) == 0:
        head = f"NPS level with the {row['comparator']} (difference under 1 point)"
    else:
        where = "above" if row["diff"] > 0 else "below"
        head = f"NPS {points_text(row['diff'])} {where} the {row['comparator']}"
    return f"{head}; {significance_text(row)}"


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
    check_columns(data, [score, team_col, department_col, quarter_col])
    dept = _team_department(data, team, quarter, team_col=team_col,
                            department_col=department_col, quarter_col=quarter_col)
    current = data[data[quarter_col] == quarter]
    parts = [("team", team, current[current[team_col] == team]),
             ("department", dept, current[current[department_col] == dept]),
             ("company", COMPANY, current)]
    counts = pd.concat([category_counts(frame, [], score).assign(level=lv, name=name)
                        for lv, name, frame in parts], ignore_index=True)
    table = stats.nps_table_from_counts(counts, method=method, confidence=confidence,
                                        display_floor=display_floor)
    table["quarter"] = quarter
    table = hide_below_floor(table)
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
    check_columns(data, [score, by, quarter_col])
    current = data[data[quarter_col] == quarter]
    table = stats.nps_table_from_counts(category_counts(current, [by], score), method=method,
                                        confidence=confidence, display_floor=display_floor)
    table["quarter"] = quarter
    table = hide_below_floor(table)
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
