"""NPS statistics: categories, score, trinomial variance, intervals, two-sample tests, grouped tables."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as _sps

__all__ = ["CATEGORIES", "INTERVAL_METHODS", "DISPLAY_FLOOR", "PRECISION_MOE", "NPS_COLUMNS",
           "categorize", "counts", "nps_from_counts", "nps", "variance_from_counts",
           "se_from_counts", "nps_variance", "nps_se", "interval_from_counts", "nps_interval",
           "Comparison", "compare_counts", "compare_nps", "grouped_nps",
           "nps_table_from_counts"]

CATEGORIES = ["detractor", "passive", "promoter"]
INTERVAL_METHODS = ("adjusted_wald", "wald", "bootstrap")

# Defaults for showing a score: below the floor no score is shown; above the margin the
# score is shown with an "imprecise" flag.
DISPLAY_FLOOR = 5
PRECISION_MOE = 10.0


def categorize(scores) -> pd.Series:
    """Category of each 0..10 score: detractor (0-6), passive (7-8), promoter (9-10).

    Parameters
    ----------
    scores : array-like of int
        Likelihood-to-recommend scores on the 0..10 scale.

    Returns
    -------
    pandas.Series of category
        ``detractor``, ``passive`` or ``promoter``; ``NaN`` for a missing score.

    Raises
    ------
    ValueError
        If a score lies outside 0..10 or is not a whole number.
    """
    index = scores.index if isinstance(scores, pd.Series) else None
    s = pd.Series(np.asarray(scores, dtype="float64"), index=index)
    bad = s.notna() & ((s < 0) | (s > 10) | (s != np.floor(s)))
    if bad.any():
        raise ValueError(f"scores must be whole numbers 0..10, got {s[bad].iloc[0]!r}")
    cut = pd.cut(s, bins=[-0.5, 6.5, 8.5, 10.5], labels=CATEGORIES)
    return pd.Series(cut, index=s.index)


def counts(scores) -> tuple[int, int, int]:
    """Count detractors, passives and promoters in ``scores`` (missing scores ignored)."""
    cats = categorize(scores).value_counts()
    return tuple(int(cats.get(c, 0)) for c in CATEGORIES)


def nps_from_counts(detractors, passives, promoters, *, scale: float = 100.0):
    """Net Promoter Score from category counts.

    .. math:: \\mathrm{NPS} = s\\,(p - d), \\quad p = P/n,\\; d = D/n,\\; n = D + Pa + P

    with ``s`` the scale (100 for the usual -100..+100, 1 for proportions).
    Returns ``NaN`` where ``n`` is 0. Works element-wise on arrays.
    """
    d, pa, p = (np.asarray(x, dtype="float64") for x in (detractors, passives, promoters))
    n = d + pa + p
    with np.errstate(invalid="ignore", divide="ignore"):
        out = scale * (p - d) / n
    return out if out.ndim else float(out)


def nps(scores, *, scale: float = 100.0) -> float:
    """Net Promoter Score of raw 0..10 scores; raises ``ValueError`` on empty input."""
    d, pa, p = counts(scores)
    if d + pa + p == 0:
        raise ValueError("cannot compute an NPS from no scores")
    return nps_from_counts(d, pa, p, scale=scale)


def variance_from_counts(detractors, passives, promoters):
    """Trinomial variance of one respondent's +1/0/-1 score, on the proportion scale.

    .. math:: \\mathrm{var} = p + d - (p - d)^2

    Multiply by 10,000 for the -100..+100 scale. Element-wise; ``NaN`` where n is 0.
    """
    d, pa, p = (np.asarray(x, dtype="float64") for x in (detractors, passives, promoters))
    n = d + pa + p
    with np.errstate(invalid="ignore", divide="ignore"):
        pp, dd = p / n, d / n
        out = pp + dd - (pp - dd) ** 2
    return out if out.ndim else float(out)


def se_from_counts(detractors, passives, promoters, *, scale: float = 1.0):
    """Standard error of the NPS, :math:`\\sqrt{\\mathrm{var}/n}`, times ``scale``."""
    d, pa, p = (np.asarray(x, dtype="float64") for x in (detractors, passives, promoters))
    n = d + pa + p
    with np.errstate(invalid="ignore", divide="ignore"):
        out = scale * np.sqrt(variance_from_counts(d, pa, p) / n)
    return out if np.ndim(out) else float(out)


def nps_variance(scores) -> float:
    """Trinomial variance of raw scores (proportion scale); see :func:`variance_from_counts`."""
    return variance_from_counts(*counts(scores))


def nps_se(scores, *, scale: float = 1.0) -> float:
    """Standard error of the NPS of raw scores; see :func:`se_from_counts`."""
    return se_from_counts(*counts(scores), scale=scale)


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence!r}")
    return float(_sps.norm.ppf(0.5 + confidence / 2))


def interval_from_counts(detractors, passives, promoters, *, method: str = "adjusted_wald",
                         confidence: float = 0.95, scale: float = 100.0,
                         n_boot: int = 2000, seed: int = 0):
    """Confidence interval of the NPS from category counts.

    Parameters
    ----------
    detractors, passives, promoters : int or array-like of int
        Category counts (arrays are handled element-wise except for ``bootstrap``).
    method : {"adjusted_wald", "wald", "bootstrap"}, default "adjusted_wald"
        ``wald``: :math:`\\mathrm{NPS} \\pm z\\,\\sqrt{\\mathrm{var}/n}`.
        ``adjusted_wald`` (Rocks 2016, The American Statistician 70(4)): add 0.75
        detractors, 1.5 passives and 0.75 promoters (n + 3) and compute the Wald
        interval from the adjusted counts; best coverage at small n.
        ``bootstrap``: percentile interval of ``n_boot`` multinomial resamples
        drawn with ``numpy.random.default_rng(seed)``.
    confidence : float, default 0.95
    scale : float, default 100
        100 for the -100..+100 scale, 1 for proportions.

    Returns
    -------
    tuple of (low, high)
        Interval bounds, clipped to [-scale, scale]. ``NaN`` where n is 0.
    """
    if method not in INTERVAL_METHODS:
        raise ValueError(f"method must be one of {', '.join(INTERVAL_METHODS)}; got {method!r}")
    d, pa, p = (np.asarray(x, dtype="float64") for x in (detractors, passives, promoters))
    if method == "bootstrap":
        if d.ndim:
            pairs = [interval_from_counts(*c, method=method, confidence=confidence, scale=scale,
                                          n_boot=n_boot, seed=seed) for c in zip(d, pa, p)]
            return (np.array([a for a, _ in pairs]), np.array([b for _, b in pairs]))
        n = int(d + pa + p)
        if n == 0:
            return (float("nan"), float("nan"))
        rng = np.random.default_rng(seed)
        draws = rng.multinomial(n, [d / n, pa / n, p / n], size=n_boot)
        boot = scale * (draws[:, 2] - draws[:, 0]) / n
        alpha = 1 - confidence
        low, high = np.quantile(boot, [alpha / 2, 1 - alpha / 2])
        return (float(low), float(high))
    z = _z(confidence)
    if method == "adjusted_wald":
        d, pa, p = d + 0.75, pa + 1.5, p + 0.75
    n_raw = np.asarray(detractors, dtype="float64") + np.asarray(passives, dtype="float64") \
        + np.asarray(promoters, dtype="float64")
    centre = nps_from_counts(d, pa, p, scale=1.0)
    half = z * se_from_counts(d, pa, p)
    low = np.clip(scale * (centre - half), -scale, scale)
    high = np.clip(scale * (centre + half), -scale, scale)
    low = np.where(n_raw > 0, low, np.nan)
    high = np.where(n_raw > 0, high, np.nan)
    if low.ndim:
        return (low, high)
    return (float(low), float(high))


def nps_interval(scores, *, method: str = "adjusted_wald", confidence: float = 0.95,
                 scale: float = 100.0, n_boot: int = 2000, seed: int = 0) -> tuple[float, float]:
    """Confidence interval of the NPS of raw scores; see :func:`interval_from_counts`."""
    return interval_from_counts(*counts(scores), method=method, confidence=confidence,
                                scale=scale, n_boot=n_boot, seed=seed)


@dataclass(frozen=True)
class Comparison:
    """A signed two-sample NPS comparison (sample 1 minus sample 2), on the -100..100 scale."""

    nps1: float
    nps2: float
    n1: int
    n2: int
    diff: float
    se: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float
    confidence: float

    def significant(self, alpha: float | None = None) -> bool:
        """True when the two-sided p-value is below ``alpha`` (default 1 - confidence)."""
        alpha = 1 - self.confidence if alpha is None else alpha
        return bool(np.isfinite(self.p_value) and self.p_value < alpha)


def compare_counts(counts1, counts2, *, confidence: float = 0.95) -> Comparison:
    """Signed two-sample z-test of the difference between two NPS.

    .. math::

        \\Delta = \\mathrm{NPS}_1 - \\mathrm{NPS}_2, \\quad
        SE = \\sqrt{\\mathrm{var}_1/n_1 + \\mathrm{var}_2/n_2}, \\quad
        z = \\Delta / SE, \\quad p = 2\\,(1 - \\Phi(|z|))

    The interval is :math:`\\Delta \\pm z_{1-\\alpha/2} SE` around the *signed*
    difference (the R package ``NPS`` centres it on the absolute difference and
    loses the sign). Counts are ``(detractors, passives, promoters)``. With an empty
    sample, or both samples without variance, ``se``, ``z`` and ``p_value`` are NaN.
    """
    d1, pa1, p1 = (int(x) for x in counts1)
    d2, pa2, p2 = (int(x) for x in counts2)
    n1, n2 = d1 + pa1 + p1, d2 + pa2 + p2
    nps1 = nps_from_counts(d1, pa1, p1)
    nps2 = nps_from_counts(d2, pa2, p2)
    if n1 == 0 or n2 == 0:
        nan = float("nan")
        return Comparison(nps1, nps2, n1, n2, nps1 - nps2, nan, nan, nan, nan, nan, confidence)
    se = float(np.sqrt(variance_from_counts(d1, pa1, p1) / n1 + variance_from_counts(d2, pa2, p2) / n2))
    diff = (nps1 - nps2) / 100.0
    if se == 0:
        z = float("nan") if diff == 0 else float(np.sign(diff) * np.inf)
        p_value = float("nan") if diff == 0 else 0.0
    else:
        z = diff / se
        p_value = float(2 * _sps.norm.sf(abs(z)))
    zc = _z(confidence)
    return Comparison(nps1, nps2, n1, n2, 100 * diff, 100 * se, z, p_value,
                      100 * (diff - zc * se), 100 * (diff + zc * se), confidence)


def compare_nps(scores1, scores2, *, confidence: float = 0.95) -> Comparison:
    """Signed two-sample comparison of raw scores; see :func:`compare_counts`.

    Examples
    --------
    >>> import nps_report as nr
    >>> pro, basic = [9, 10, 10, 8, 9, 6] * 10, [0, 6, 9, 10, 7, 3] * 10
    >>> c = nr.compare_nps(pro, basic)
    >>> round(c.diff), round(c.ci_low), round(c.ci_high), c.significant()
    (67, 37, 96, True)
    """
    return compare_counts(counts(scores1), counts(scores2), confidence=confidence)


def grouped_nps(data: pd.DataFrame, by, *, score: str = "score", method: str = "adjusted_wald",
                confidence: float = 0.95, display_floor: int = DISPLAY_FLOOR,
                precision_moe: float = PRECISION_MOE, n_boot: int = 2000,
                seed: int = 0) -> pd.DataFrame:
    """NPS with intervals for every group of ``by``, as a tidy DataFrame.

    Parameters
    ----------
    data : DataFrame
        Long-form responses, one row each.
    by : str or list of str
        Columns to group on (e.g. ``["team", "quarter"]``). Empty list: one overall row.
    score : str, default "score"
        Column holding the 0..10 score.
    method, confidence
        Interval method and level; see :func:`interval_from_counts`.
    display_floor : int, default 5
        Groups with fewer responses get ``shown = False``: a report prints
        "too few responses" instead of their score.
    precision_moe : float, default 10
        Groups whose margin of error (half-width of the interval, points) exceeds
        this get ``imprecise = True``.

    Returns
    -------
    DataFrame
        One row per group with the ``by`` columns and ``n``, ``detractors``,
        ``passives``, ``promoters``, ``pct_detractors``, ``pct_passives``,
        ``pct_promoters`` (0..100), ``nps``, ``ci_low``, ``ci_high``, ``moe``,
        ``se`` (points), ``shown``, ``imprecise``. Values are unrounded; round at
        presentation.

    Examples
    --------
    >>> import pandas as pd
    >>> import nps_report as nr
    >>> data = pd.DataFrame({"plan": ["Basic"] * 6 + ["Pro"] * 6,
    ...                      "score": [0, 6, 9, 10, 7, 3, 9, 10, 10, 8, 9, 6]})
    >>> nr.grouped_nps(data, "plan")[["plan", "n", "nps", "shown"]]
        plan  n        nps  shown
    0  Basic  6 -16.666667   True
    1    Pro  6  50.000000   True
    """
    by = [by] if isinstance(by, str) else list(by)
    missing = [c for c in by + [score] if c not in data.columns]
    if missing:
        raise KeyError(f"column(s) {missing} not in data; columns are {list(data.columns)}")
    cat = categorize(data[score])
    frame = pd.DataFrame({c: data[c] for c in by})
    frame["_cat"] = pd.Categorical(cat, categories=CATEGORIES)
    if by:
        table = (frame.groupby(by + ["_cat"], observed=True, dropna=False)
                 .size().unstack("_cat", fill_value=0)
                 .reindex(columns=CATEGORIES, fill_value=0))
        table.columns = ["detractors", "passives", "promoters"]
        table = table.reset_index()
    else:
        d, pa, p = (int((frame["_cat"] == c).sum()) for c in CATEGORIES)
        table = pd.DataFrame({"detractors": [d], "passives": [pa], "promoters": [p]})
    table.columns.name = None
    return _finish_table(table, method=method, confidence=confidence, display_floor=display_floor,
                         precision_moe=precision_moe, n_boot=n_boot, seed=seed)


def nps_table_from_counts(table: pd.DataFrame, *, method: str = "adjusted_wald",
                          confidence: float = 0.95, display_floor: int = DISPLAY_FLOOR,
                          precision_moe: float = PRECISION_MOE, n_boot: int = 2000,
                          seed: int = 0) -> pd.DataFrame:
    """Add the NPS columns of :func:`grouped_nps` to a table of ``detractors, passives, promoters``."""
    return _finish_table(table.copy(), method=method, confidence=confidence,
                         display_floor=display_floor, precision_moe=precision_moe,
                         n_boot=n_boot, seed=seed)


def _finish_table(table, *, method, confidence, display_floor, precision_moe, n_boot, seed):
    d, pa, p = (table[c].to_numpy(dtype="float64") for c in ("detractors", "passives", "promoters"))
    n = d + pa + p
    table["n"] = n.astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        table["pct_detractors"] = 100 * d / n
        table["pct_passives"] = 100 * pa / n
        table["pct_promoters"] = 100 * p / n
    table["nps"] = nps_from_counts(d, pa, p)
    low, high = interval_from_counts(d, pa, p, method=method, confidence=confidence,
                                     n_boot=n_boot, seed=seed)
    table["ci_low"], table["ci_high"] = low, high
    table["moe"] = (table["ci_high"] - table["ci_low"]) / 2
    table["se"] = se_from_counts(d, pa, p, scale=100.0)
    table["shown"] = table["n"] >= display_floor
    table["imprecise"] = table["moe"] > precision_moe
    cols = [c for c in table.columns if c not in NPS_COLUMNS] + NPS_COLUMNS
    return table[cols]


NPS_COLUMNS = ["n", "detractors", "passives", "promoters", "pct_detractors", "pct_passives",
               "pct_promoters", "nps", "ci_low", "ci_high", "moe", "se", "shown", "imprecise"]
