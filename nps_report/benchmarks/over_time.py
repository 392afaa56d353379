"""NPS over quarters: the trend with interval bands, QoQ / YoY changes with their verdicts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema, stats
from .counting import as_list, category_counts, check_columns, compare_with_floor, hide_below_floor
from .verdicts import add_significance, points_text, significance_text

__all__ = ["COMPARISON_LABELS", "changes", "describe_change", "trend"]

COMPARISON_LABELS = {1: "vs previous quarter", 4: "vs same quarter last year"}


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
        ``ci_low``, ``ci_high`` (interval of ``diff``), ``z``, ``p_value``, ``test``
        (which test gave the p-value: ``"score"`` or ``"exact"``, see
        :data:`nps_report.stats.CHANGE_TESTS`), ``mde`` (the smallest change, in
        points, these two sample sizes detect with 80% power at ``alpha``),
        ``p_adjusted``, ``adjustment``, ``alpha``, ``significant``, ``shown`` (both
        quarters reach the floor) and ``sentence`` (see :func:`describe_change`).

    Notes
    -----
    Each comparison is :func:`nps_report.stats.compare_counts`, current quarter minus
    base quarter: the signed difference with its unpooled interval,

    .. math::

        \\Delta = \\mathrm{NPS}_q - \\mathrm{NPS}_{q-k}, \\quad
        SE = \\sqrt{\\mathrm{var}_q/n_q + \\mathrm{var}_{q-k}/n_{q-k}},

    and the p-value of the score test with the variance pooled under no change,
    :math:`z = \\Delta / \\sqrt{\\mathrm{var}_0 (1/n_q + 1/n_{q-k})}` (exact conditional
    test below :data:`nps_report.stats.EXACT_BELOW` responses), then
    :func:`adjust_pvalues` over the table. The minimum detectable effect is
    :math:`(z_{1-\\alpha/2} + z_{0.8}) \\sqrt{\\mathrm{var}_0 (1/n_q + 1/n_{q-k})}`
    (:func:`nps_report.stats.minimum_detectable_effect`), at the unadjusted ``alpha``.
    The two quarters are treated as independent samples (a respondent answering in both is counted twice). For a
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
    'NPS rose 50 points vs 2026Q2; not statistically significant (BH-adjusted p = 0.47)'
    """
    by = as_list(by)
    check_columns(data, by + [score, quarter_col])
    lags = [int(k) for k in ([lags] if np.isscalar(lags) else lags)]
    if any(k < 1 for k in lags):
        raise ValueError(f"lags are quarters back, 1 or more; got {lags!r}")
    bases = {k: schema.previous_quarter(quarter, k) for k in lags}
    wanted = data[data[quarter_col].isin([quarter, *bases.values()])]
    counts = category_counts(wanted, by + [quarter_col], score)
    keys = counts[by + [quarter_col]].itertuples(index=False, name=None)
    values = counts[["detractors", "passives", "promoters"]].to_numpy(dtype="int64")
    lookup = {key: tuple(int(x) for x in vals) for key, vals in zip(keys, values)}
    groups = _groups_in(wanted, by, quarter_col, quarter)
    rows = []
    for group in groups:
        current = lookup.get(group + (quarter,), (0, 0, 0))
        for k in lags:
            base = lookup.get(group + (bases[k],), (0, 0, 0))
            res = compare_with_floor(current, base, floor=display_floor, confidence=confidence)
            rows.append({**dict(zip(by, group)),
                         "comparison": COMPARISON_LABELS.get(k, f"vs {k} quarters earlier"),
                         "lag": k, "quarter": quarter, "base_quarter": bases[k],
                         "nps": res["nps"], "base_nps": res["other_nps"], "n": res["n"],
                         "base_n": res["other_n"], "diff": res["diff"], "se": res["se"],
                         "ci_low": res["ci_low"], "ci_high": res["ci_high"], "z": res["z"],
                         "p_value": res["p_value"], "test": res["test"],
                         "mde": _detectable(current, base, res["shown"], alpha),
                         "shown": res["shown"]})
    columns = by + ["comparison", "lag", "quarter", "base_quarter", "nps", "base_nps", "n",
                    "base_n", "diff", "se", "ci_low", "ci_high", "z", "p_value", "test", "mde"]
    table = pd.DataFrame(rows, columns=columns + ["shown"])
    table = add_significance(table, fdr=fdr, alpha=alpha)
    table = table[columns + ["p_adjusted", "adjustment", "alpha", "significant", "shown"]]
    table["sentence"] = [describe_change(r) for _, r in table.iterrows()]
    return table.astype({"n": "int64", "base_n": "int64", "lag": "int64"})


def _detectable(current, base, shown: bool, alpha: float) -> float:
    """Minimum detectable change (points) of two quarters' counts; NaN when not compared."""
    if not shown:
        return float("nan")
    return float(stats.minimum_detectable_effect(sum(current), sum(base),
                                                 stats.pooled_variance(current, base), alpha=alpha))


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
    p = 0.010)"``, ``"NPS rose 6 points vs 2025Q3; not statistically significant
    (p = 0.41)"``, ``"too few responses to compare with 2025Q3 (n = 3 in 2026Q3,
    12 in 2025Q3)"``, ``"no responses in 2025Q3 to compare with"``. The p-value quoted is ``p_adjusted`` when the table was
    adjusted (and says so), ``p_value`` otherwise, with two significant digits and never
    rounded across the row's ``alpha`` (:func:`~nps_report.benchmarks.verdicts.format_p`);
    points are rounded once, here.
    """
    base = row["base_quarter"]
    if not bool(row["shown"]) or not np.isfinite(row["diff"]):
        # "too few" would suggest a handful; an empty quarter is said as such.
        if int(row["base_n"]) == 0:
            return f"no responses in {base} to compare with"
        if int(row["n"]) == 0:
            return f"no responses in {row['quarter']} to compare with {base}"
        return (f"too few responses to compare with {base} "
                f"(n = {int(row['n'])} in {row['quarter']}, {int(row['base_n'])} in {base})")
    diff = float(row["diff"])
    if round(diff) == 0:
        head = f"NPS unchanged vs {base} (difference under 1 point)"
    else:
        head = f"NPS {'rose' if diff > 0 else 'fell'} {points_text(diff)} vs {base}"
    return f"{head}; {significance_text(row)}"


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

    Examples
    --------
    >>> import pandas as pd
    >>> import nps_report as nr
    >>> data = pd.DataFrame({"quarter": ["2026Q1"] * 3 + ["2026Q2"] * 6 + ["2026Q3"] * 6,
    ...                      "score": [10, 9, 0, 10, 10, 9, 8, 7, 2, 9, 9, 10, 10, 5, 8]})
    >>> nr.trend(data, quarter="2026Q3", n_quarters=3)[["quarter", "n", "nps", "shown"]]
      quarter  n        nps  shown
    0  2026Q1  3        NaN  False
    1  2026Q2  6  33.333333   True
    2  2026Q3  6  50.000000   True
    """
    if int(n_quarters) < 1:
        raise ValueError(f"n_quarters must be 1 or more, got {n_quarters!r}")
    by = as_list(by)
    check_columns(data, by + [score, quarter_col])
    quarters = schema.quarter_range(quarter, int(n_quarters))
    wanted = data[data[quarter_col].isin(quarters)]
    counts = category_counts(wanted, by + [quarter_col], score)
    if by:
        groups = counts[by].drop_duplicates().sort_values(by)
        grid = groups.merge(pd.DataFrame({quarter_col: quarters}), how="cross")
    else:
        grid = pd.DataFrame({quarter_col: quarters})
        counts = category_counts(wanted, [quarter_col], score)
    grid[quarter_col] = grid[quarter_col].astype(object)
    counts[quarter_col] = counts[quarter_col].astype(object)
    table = grid.merge(counts, on=by + [quarter_col], how="left")
    for col in ("detractors", "passives", "promoters"):
        table[col] = table[col].fillna(0).astype("int64")
    table = stats.nps_table_from_counts(table, method=method, confidence=confidence,
                                        display_floor=display_floor)
    table = hide_below_floor(table)
    table = table.rename(columns={quarter_col: "quarter"})
    return table[by + ["quarter", "n", "nps", "ci_low", "ci_high", "moe", "shown",
                       "imprecise"]].reset_index(drop=True)
