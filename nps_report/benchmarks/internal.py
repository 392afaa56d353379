"""Internal benchmarks: a team against the rest of its department or company, levels, ranks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import stats
from .counting import as_list, category_counts, check_columns, compare_with_floor, hide_below_floor
from .verdicts import add_significance, points_text, significance_text

__all__ = ["COMPANY", "MAX_PRIOR_STRENGTH", "MIN_PRIOR_STRENGTH", "RANK_DRAWS", "describe_gap", "describe_rank", "internal_benchmarks",
           "ordinal", "rank_intervals", "shrinkage_prior", "team_ranks", "team_vs_rest"]

COMPANY = "Company"
#: Posterior draws behind each rank interval (Monte-Carlo error of a 2.5% quantile of a
#: rank: about one rank position at worst for tables of a few dozen groups).
RANK_DRAWS = 4000
#: Weakest empirical-Bayes prior of the rank intervals, in responses (Jeffreys' total of 3 x 1/2).
MIN_PRIOR_STRENGTH = 1.5
#: Strongest prior, used when the groups differ no more than noise (no shrinkage limit needed
#: beyond this: 10^6 responses outweigh any team).
MAX_PRIOR_STRENGTH = 1e6


def _team_department(data, team, quarter, *, team_col, department_col, quarter_col) -> str:
    rows = data[data[team_col] == team]
    if rows.empty:
        raise KeyError(f"team {team!r} has no responses in the data")
    in_quarter = rows[rows[quarter_col] == quarter]
    source = in_quarter if not in_quarter.empty else rows
    return str(source[department_col].mode(dropna=True).iloc[0])


def _teams_departments(data, quarter, *, team_col, department_col, quarter_col) -> dict:
    """:func:`_team_department` of every team at once: team -> its most frequent department
    in ``quarter`` (in all its rows when it has none there), the first in sorted order on
    a tie (as ``Series.mode`` sorts its modes). A team with no department is left out.

    One count per (team, department) instead of two row selections per team (200 teams
    of 125,000 responses at 1M took 0.4 s).
    """
    frame = data[[team_col, department_col]]
    in_quarter = (data[quarter_col] == quarter).fillna(False).to_numpy(dtype=bool)
    teams_now = frame.loc[in_quarter, team_col].dropna().unique()
    source = frame[in_quarter | ~frame[team_col].isin(teams_now).to_numpy(dtype=bool)]
    counts = source.groupby([team_col, department_col], observed=True, sort=True).size()
    counts = counts[counts > 0].reset_index(name="_n")
    counts = counts.iloc[np.argsort(-counts["_n"].to_numpy(), kind="stable")]
    first = counts.drop_duplicates(team_col, keep="first")
    return dict(zip(first[team_col], first[department_col].astype(str)))


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
    # A team whose responses carry more than one department: the rest of its department
    # leaves out only the team's responses in that department (never negative counts).
    in_dept = category_counts(current, [team_col, department_col], score) \
        .set_index([team_col, department_col])
    company = category_counts(current, [], score).iloc[0].to_numpy(dtype="int64")
    zero = np.zeros(3, dtype="int64")
    departments = _teams_departments(data, quarter, team_col=team_col, department_col=department_col,
                                     quarter_col=quarter_col)
    rows = []
    for name in teams:
        dept = departments.get(name)
        if dept is None:  # no department, or no such team: the error of the one-team lookup
            dept = _team_department(data, name, quarter, team_col=team_col,
                                    department_col=department_col, quarter_col=quarter_col)
        own = team_counts.loc[name].to_numpy(dtype="int64") if name in team_counts.index else zero
        for lv in levels:
            if lv == "department":
                whole = dept_counts.loc[dept].to_numpy(dtype="int64") if dept in dept_counts.index else zero
                rest = whole - (in_dept.loc[(name, dept)].to_numpy(dtype="int64")
                                if (name, dept) in in_dept.index else zero)
                comparator = f"rest of {dept}"
            else:
                whole = company
                rest = whole - own
                comparator = "rest of the company"
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


def shrinkage_prior(detractors, passives, promoters) -> tuple[float, np.ndarray, float]:
    """Empirical-Bayes prior of the groups' true category mixes: how alike the groups are.

    Parameters
    ----------
    detractors, passives, promoters : array-like of int
        One count per group.

    Returns
    -------
    (float, ndarray, float)
        ``strength`` :math:`\\alpha` (prior weight in responses, at least
        :data:`MIN_PRIOR_STRENGTH`, at most :data:`MAX_PRIOR_STRENGTH`), ``mix``
        :math:`\\pi` (pooled shares of detractors, passives, promoters) and ``tau2``,
        the between-group variance of the true NPS (proportion scale, 0 when the
        groups differ no more than sampling noise makes them).

    Notes
    -----
    The groups' true mixes are modelled as draws from
    :math:`\\mathrm{Dirichlet}(\\alpha\\pi)`, under which the true NPS varies between
    groups with variance :math:`\\sigma_0^2 / (\\alpha + 1)`, where
    :math:`\\sigma_0^2 = \\pi_P + \\pi_D - (\\pi_P - \\pi_D)^2` is the trinomial
    variance of one response. :math:`\\tau^2` is the DerSimonian-Laird (1986)
    method-of-moments estimate with weights :math:`w_j = n_j / \\sigma_0^2`:

    .. math::

        Q = \\sum_j w_j (y_j - \\bar y)^2, \\quad
        \\tau^2 = \\max\\Big(0, \\frac{Q - (k - 1)}{\\sum w_j - \\sum w_j^2 / \\sum w_j}\\Big),
        \\quad \\alpha = \\sigma_0^2 / \\tau^2 - 1

    with :math:`y_j` each group's NPS and :math:`\\bar y` the pooled one. Alike
    groups (small :math:`\\tau^2`) give a strong prior: each group's draws are pulled
    towards the pool, most strongly for the small groups.

    Examples
    --------
    >>> strength, mix, tau2 = shrinkage_prior([20, 20, 20], [30, 30, 30], [50, 50, 50])
    >>> strength == MAX_PRIOR_STRENGTH, mix.round(2).tolist(), tau2   # identical groups
    (True, [0.2, 0.3, 0.5], 0.0)
    >>> strength, _, tau2 = shrinkage_prior([80, 20], [10, 10], [10, 70])
    >>> round(strength, 2), round(tau2, 3)      # NPS -70 and +50: very different groups
    (1.5, 0.711)
    """
    counts = np.column_stack([np.asarray(x, dtype="float64")
                              for x in (detractors, passives, promoters)])
    n = counts.sum(axis=1)
    counts, n = counts[n > 0], n[n > 0]
    if counts.shape[0] == 0:
        return MAX_PRIOR_STRENGTH, np.full(3, 1 / 3), 0.0
    mix = counts.sum(axis=0) / n.sum()
    sigma2 = mix[2] + mix[0] - (mix[2] - mix[0]) ** 2
    k = counts.shape[0]
    if k < 2 or sigma2 <= 0:
        return MAX_PRIOR_STRENGTH, mix, 0.0
    y = (counts[:, 2] - counts[:, 0]) / n
    w = n / sigma2
    q = float(np.sum(w * (y - mix[2] + mix[0]) ** 2))
    tau2 = max(0.0, (q - (k - 1)) / (w.sum() - np.sum(w ** 2) / w.sum()))
    strength = MAX_PRIOR_STRENGTH if tau2 == 0 else sigma2 / tau2 - 1
    return float(np.clip(strength, MIN_PRIOR_STRENGTH, MAX_PRIOR_STRENGTH)), mix, float(tau2)


def rank_intervals(detractors, passives, promoters, *, confidence: float = 0.95,
                   n_draws: int = RANK_DRAWS, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Interval of each group's rank among all the groups, from their trinomial counts.

    Each group's true mix of detractors, passives and promoters is drawn from its
    empirical-Bayes posterior (the groups' counts shrunk towards their pooled mix as
    much as the groups are alike, :func:`shrinkage_prior`), all groups at once and
    ``n_draws`` times; the groups are ranked in every draw (1 = highest NPS) and each
    group's interval is the central ``confidence`` range of its ranks.

    Parameters
    ----------
    detractors, passives, promoters : array-like of int
        One count per group, all groups ranked together.
    confidence : float, default 0.95
    n_draws : int, default :data:`RANK_DRAWS`
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng`: the same counts give the same intervals.

    Returns
    -------
    (ndarray, ndarray)
        ``rank_low``, ``rank_high`` (integers as float), one per group.

    Notes
    -----
    With counts :math:`(D_j, Pa_j, P_j)` of group :math:`j` and the prior
    :math:`\\mathrm{Dirichlet}(\\alpha\\pi)` of :func:`shrinkage_prior`, draw

    .. math::

        (d_j, pa_j, p_j) \\sim \\mathrm{Dirichlet}(D_j + \\alpha\\pi_D,\\ Pa_j + \\alpha\\pi_{Pa},
        \\ P_j + \\alpha\\pi_P), \\quad \\mathrm{NPS}_j = p_j - d_j, \\quad
        r_j = 1 + \\#\\{k : \\mathrm{NPS}_k > \\mathrm{NPS}_j\\}

    and report the :math:`\\alpha/2` and :math:`1 - \\alpha/2` quantiles of
    :math:`r_j` (Goldstein & Spiegelhalter 1996, J. R. Statist. Soc. A 159(3),
    "League tables and their limitations"; Marshall & Spiegelhalter 1998, BMJ 316).
    When the groups differ no more than noise makes them, the prior is strong, every
    group's draws look alike and every interval is wide: the table has no order to
    tell. The prior is never weaker than 1.5 responses, so a team of 6 promoters is
    not certain of its NPS of 100. Vectorised: ``(draws, groups, 3)`` gamma draws
    and one argsort per chunk of draws (chunks keep the memory bounded for big tables).

    Examples
    --------
    >>> low, high = rank_intervals([10, 300, 2], [10, 300, 1], [80, 400, 3])
    >>> low.tolist(), high.tolist()   # n = 100 at +70, n = 1000 at +10, n = 6 at +17
    ([1.0, 2.0, 1.0], [2.0, 3.0, 3.0])
    """
    counts = np.column_stack([np.asarray(x, dtype="float64")
                              for x in (detractors, passives, promoters)])
    groups = counts.shape[0]
    if groups == 0:
        return np.empty(0), np.empty(0)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence!r}")
    strength, mix, _ = shrinkage_prior(counts[:, 0], counts[:, 1], counts[:, 2])
    rng = np.random.default_rng(seed)
    shape = counts + strength * mix
    n_draws = int(n_draws)
    ranks = np.empty((n_draws, groups), dtype=np.int32)
    places = np.arange(1, groups + 1, dtype=np.int32)[None, :]
    step = max(1, 3_000_000 // (3 * groups))  # draws per chunk: bounded memory for big tables
    for start in range(0, n_draws, step):
        size = min(step, n_draws - start)
        gammas = rng.standard_gamma(shape, size=(size, groups, 3))
        nps = (gammas[..., 2] - gammas[..., 0]) / gammas.sum(axis=2)
        order = np.argsort(-nps, axis=1, kind="stable")
        np.put_along_axis(ranks[start:start + size], order, places, axis=1)
    alpha = 1 - confidence
    low = np.quantile(ranks, alpha / 2, axis=0, method="inverted_cdf")
    high = np.quantile(ranks, 1 - alpha / 2, axis=0, method="inverted_cdf")
    return low.astype("float64"), high.astype("float64")


def ordinal(k: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``21st``...

    Examples
    --------
    >>> [ordinal(k) for k in (1, 2, 3, 4, 11, 12, 13, 21, 102)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '102nd']
    """
    k = int(k)
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def team_ranks(data: pd.DataFrame, *, quarter: str, display_floor: int = stats.DISPLAY_FLOOR,
               by: str = "team", method: str = "adjusted_wald", confidence: float = 0.95,
               score: str = "score", quarter_col: str = "quarter", n_draws: int = RANK_DRAWS,
               seed: int = 0) -> pd.DataFrame:
    """Rank, rank interval and percentile of every team (or department) in one quarter, best first.

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
        ``confidence`` is also the level of the rank intervals.
    n_draws, seed
        Posterior draws of the rank intervals, see :func:`rank_intervals`.

    Returns
    -------
    DataFrame
        One row per group with a response in ``quarter``, sorted by rank (groups
        below the floor last): ``by``, ``quarter``, ``n``, ``nps``, ``ci_low``,
        ``ci_high``, ``moe``, ``shown``, ``imprecise``, ``rank`` (float, 1 = best,
        NaN below the floor), ``rank_low``, ``rank_high`` (the interval of the rank,
        always containing ``rank``), ``rank_uncertain`` (the interval spans more
        than half of the ranked groups: the rank says little), ``n_ranked``,
        ``percentile`` (0..100, NaN below the floor or when only one group is
        ranked) and ``rank_sentence`` (:func:`describe_rank`).

    Notes
    -----
    Ties get the same, lowest rank (``method="min"``: scores 50, 50, 20 rank
    1, 1, 3). NPS values are compared after rounding to 9 decimals so that
    equal fractions (1/3 of 3 and 2/6) tie. With :math:`N` ranked groups the
    percentile is the share of the *other* ranked groups scoring at or below
    this one,

    .. math:: \\mathrm{percentile} = 100\\,\\frac{N - \\mathrm{rank}}{N - 1}

    so the best group is at 100, a unique worst group at 0, and tied groups share
    a percentile. The rank is the group's own (unshrunk) NPS's; its interval
    (:func:`rank_intervals`) comes from an empirical-Bayes model that shrinks the
    groups towards their pool as much as they are alike, and is widened to contain
    the observed rank when the draws leave it out (shrinking a tiny group's extreme
    score inwards can do that). A rank is *uncertain* when
    :math:`\\mathrm{rank\\_high} - \\mathrm{rank\\_low} + 1 > N / 2`.

    Examples
    --------
    >>> import pandas as pd
    >>> from nps_report import benchmarks
    >>> data = pd.DataFrame({"team": ["Big"] * 400 + ["Tiny"] * 6 + ["Mid"] * 400,
    ...                      "quarter": "2026Q3",
    ...                      "score": [10, 10, 9, 3] * 100 + [10] * 6 + [10, 9, 8, 3] * 100})
    >>> ranks = benchmarks.team_ranks(data, quarter="2026Q3")
    >>> ranks[["team", "nps", "rank", "rank_low", "rank_high"]]
       team    nps  rank  rank_low  rank_high
    0  Tiny  100.0   1.0       1.0        3.0
    1   Big   50.0   2.0       1.0        2.0
    2   Mid   25.0   3.0       2.0        3.0
    >>> ranks["rank_sentence"].iloc[0]
    'Rank 1 of 3 teams with a score this quarter, but it could be anywhere from 1st to 3rd (95% interval): too uncertain to place it reliably.'
    >>> ranks["rank_sentence"].iloc[1]
    'Rank 2 of 3 teams with a score this quarter, but it could be 1st or 2nd (95% interval): too uncertain to place it reliably.'
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
    low = np.full(len(table), np.nan)
    high = np.full(len(table), np.nan)
    if n_ranked:
        d, pa, p = (table.loc[ranked, c].to_numpy() for c in ("detractors", "passives",
                                                                 "promoters"))
        lo, hi = rank_intervals(d, pa, p, confidence=confidence, n_draws=n_draws, seed=seed)
        own = table.loc[ranked, "rank"].to_numpy(dtype="float64")
        low[ranked], high[ranked] = np.minimum(lo, own), np.maximum(hi, own)
    table["rank_low"], table["rank_high"] = low, high
    table["n_ranked"] = n_ranked
    table["rank_uncertain"] = ranked & (high - low + 1 > n_ranked / 2) & (n_ranked > 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = 100 * (n_ranked - table["rank"]) / (n_ranked - 1) if n_ranked > 1 else np.nan
    table["percentile"] = pct
    what = "teams" if by == "team" else f"{by}s"
    table["rank_sentence"] = [describe_rank(r, what=what, confidence=confidence)
                              for _, r in table.iterrows()]
    table = table.sort_values(["rank", by], na_position="last", kind="mergesort")
    return table[[by, "quarter", "n", "nps", "ci_low", "ci_high", "moe", "shown", "imprecise",
                  "rank", "rank_low", "rank_high", "rank_uncertain", "n_ranked", "percentile",
                  "rank_sentence"]].reset_index(drop=True)


def describe_rank(row, *, what: str = "teams", confidence: float = 0.95) -> str:
    """Plain-language rank of one row of :func:`team_ranks`, with its uncertainty.

    - interval of one rank: ``"Rank 2 of 30 teams with a score this quarter (percentile 97)."``
    - a narrow interval: ``"Rank 3 of 30 teams with a score this quarter (95% interval: 2nd
      to 6th; percentile 93)."``
    - an interval over more than half the table: ``"Rank 1 of 30 teams with a score this
      quarter, but it could be anywhere from 1st to 24th (95% interval): too uncertain to
      place it reliably."`` (no percentile: it would suggest a precision there is not)
    - one ranked group: ``"The only one of the teams with a score this quarter: no rank."``
    - below the display floor: ``"Not ranked: too few responses this quarter."``

    Never prints "nan".

    Examples
    --------
    >>> import pandas as pd
    >>> describe_rank(pd.Series({"shown": True, "rank": 1, "n_ranked": 30, "rank_low": 1,
    ...                          "rank_high": 24, "rank_uncertain": True, "percentile": 100.0}))
    'Rank 1 of 30 teams with a score this quarter, but it could be anywhere from 1st to 24th (95% interval): too uncertain to place it reliably.'
    >>> describe_rank(pd.Series({"shown": True, "rank": 1, "n_ranked": 1, "percentile": float("nan")}))
    'The only one of the teams with a score this quarter: no rank.'
    """
    rank, n_ranked = row.get("rank"), row.get("n_ranked")
    if not bool(row.get("shown", True)) or rank is None or not np.isfinite(float(rank)):
        return "Not ranked: too few responses this quarter."
    n_ranked = int(n_ranked)
    if n_ranked <= 1:
        return f"The only one of the {what} with a score this quarter: no rank."
    head = f"Rank {int(rank)} of {n_ranked} {what} with a score this quarter"
    low, high = row.get("rank_low"), row.get("rank_high")
    pct = row.get("percentile")
    pct_text = f"percentile {float(pct):.0f}" if pct is not None and np.isfinite(float(pct)) else ""
    if low is None or high is None or not (np.isfinite(float(low)) and np.isfinite(float(high))):
        return f"{head} ({pct_text})." if pct_text else f"{head}."
    low, high = int(low), int(high)
    level = f"{confidence:.0%} interval"
    if bool(row.get("rank_uncertain", high - low + 1 > n_ranked / 2)):
        span = (f"{ordinal(low)} or {ordinal(high)}" if high == low + 1
                else f"anywhere from {ordinal(low)} to {ordinal(high)}")
        return f"{head}, but it could be {span} ({level}): too uncertain to place it reliably."
    if low == high:
        return f"{head} ({pct_text})." if pct_text else f"{head}."
    return f"{head} ({level}: {ordinal(low)} to {ordinal(high)}" + \
        (f"; {pct_text})." if pct_text else ").")
