"""NPS statistics: categories, score, trinomial variance, intervals, two-sample tests, grouped tables."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as _sps
from scipy.special import gammaln

__all__ = ["CATEGORIES", "INTERVAL_METHODS", "DISPLAY_FLOOR", "PRECISION_MOE", "NPS_COLUMNS",
           "categorize", "counts", "nps_from_counts", "nps", "variance_from_counts",
           "se_from_counts", "nps_variance", "nps_se", "interval_from_counts", "nps_interval",
           "CHANGE_TESTS", "EXACT_BELOW", "MDE_POWER", "pooled_variance", "score_test",
           "exact_null_distribution", "exact_test", "minimum_detectable_effect", "Comparison",
           "change_test_name", "compare_counts", "compare_nps", "grouped_nps",
           "nps_table_from_counts", "category_codes", "combined_codes"]

CATEGORIES = ["detractor", "passive", "promoter"]
INTERVAL_METHODS = ("adjusted_wald", "wald", "bootstrap")

# Defaults for showing a score: below the floor no score is shown; above the margin the
# score is shown with an "imprecise" flag.
DISPLAY_FLOOR = 5
PRECISION_MOE = 10.0


def combined_codes(codes, sizes) -> np.ndarray:
    """One integer per row for several integer codes per row, in the order of the tuples.

    ``codes[0]`` is the most significant; ``sizes[i]`` bounds ``codes[i]``
    (``0 <= code < size``). The result is the mixed-radix number of each row's codes,
    :math:`((c_0 s_1 + c_1) s_2 + c_2) \dots`; before a step that could overflow
    64 bits, the combinations met so far are renumbered 0, 1, ... in the same order. Equal
    tuples get equal integers and the integers sort as the tuples do, so grouping by
    several key columns is one ``np.unique`` of small integers instead of a grouping on
    (possibly text) values.

    Examples
    --------
    >>> combined_codes([np.array([1, 0, 1]), np.array([0, 2, 0])], [2, 3]).tolist()
    [3, 2, 3]
    """
    combined = np.zeros(len(codes[0]) if len(codes) else 0, dtype="int64")
    for column, size in zip(codes, sizes):
        if int(combined.max(initial=0)) + 1 > (1 << 62) // max(int(size), 1):
            combined = np.unique(combined, return_inverse=True)[1].astype("int64").reshape(-1)
        combined = combined * int(size) + np.asarray(column, dtype="int64")
    return combined


def category_codes(scores) -> np.ndarray:
    """Category code of each 0..10 score: 0 detractor (0-6), 1 passive (7-8), 2 promoter
    (9-10), -1 for a missing score (the positions in :data:`CATEGORIES`).

    Raises
    ------
    ValueError
        If a score lies outside 0..10 or is not a whole number.

    Examples
    --------
    >>> category_codes([0, 6, 7, 8, 9, 10, None]).tolist()
    [0, 0, 1, 1, 2, 2, -1]
    """
    s = np.asarray(scores, dtype="float64")
    known = ~np.isnan(s)
    with np.errstate(invalid="ignore"):
        bad = known & ((s < 0) | (s > 10) | (s != np.floor(s)))
    if bad.any():
        raise ValueError(f"scores must be whole numbers 0..10, got {s[bad][0]!r}")
    codes = np.full(len(s), -1, dtype="int8")
    codes[known] = (s[known] > 6.5).astype("int8") + (s[known] > 8.5).astype("int8")
    return codes


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

    Notes
    -----
    The adjusted Wald interval is centred on the adjusted counts, not on the raw NPS a
    report shows; at a handful of responses the raw score can fall outside it (one
    detractor: NPS -100, adjusted interval about [-98, +48]). Every method's bounds are
    therefore widened to include the raw NPS, :math:`[\\min(L, \\mathrm{NPS}),
    \\max(U, \\mathrm{NPS})]`: a score is never shown outside its own interval, and a
    wider interval cannot lose coverage.

    Examples
    --------
    >>> interval_from_counts(1, 0, 0)[0]
    -100.0
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
        raw = scale * (p - d) / n
        return (float(min(low, raw)), float(max(high, raw)))
    z = _z(confidence)
    if method == "adjusted_wald":
        d, pa, p = d + 0.75, pa + 1.5, p + 0.75
    n_raw = np.asarray(detractors, dtype="float64") + np.asarray(passives, dtype="float64") \
        + np.asarray(promoters, dtype="float64")
    centre = nps_from_counts(d, pa, p, scale=1.0)
    half = z * se_from_counts(d, pa, p)
    low = np.clip(scale * (centre - half), -scale, scale)
    high = np.clip(scale * (centre + half), -scale, scale)
    # the raw NPS (what the report shows) always lies inside its interval
    raw = nps_from_counts(detractors, passives, promoters, scale=scale)
    low = np.where(n_raw > 0, np.fmin(low, raw), np.nan)
    high = np.where(n_raw > 0, np.fmax(high, raw), np.nan)
    if low.ndim:
        return (low, high)
    return (float(low), float(high))


def nps_interval(scores, *, method: str = "adjusted_wald", confidence: float = 0.95,
                 scale: float = 100.0, n_boot: int = 2000, seed: int = 0) -> tuple[float, float]:
    """Confidence interval of the NPS of raw scores; see :func:`interval_from_counts`."""
    return interval_from_counts(*counts(scores), method=method, confidence=confidence,
                                scale=scale, n_boot=n_boot, seed=seed)


#: Name of each two-sample test, as a report prints it.
CHANGE_TESTS = {
    "score": "two-sample score test, variance pooled under no change",
    "exact": "exact conditional (permutation) test",
    "wald": "two-sample Wald z-test, unpooled variance",
}
#: Below this many responses on the smaller side, ``compare_counts`` (``test="auto"``)
#: uses the exact conditional test instead of the normal approximation of the score test.
EXACT_BELOW = 30
#: Statistical power the minimum detectable effect is computed for.
MDE_POWER = 0.8


def _triple(counts):
    d, pa, p = (np.asarray(x, dtype="float64") for x in counts)
    return d, pa, p


def pooled_variance(counts1, counts2):
    """Trinomial variance of one respondent's score with both samples pooled (proportion scale).

    .. math::

        \\bar d = \\frac{D_1 + D_2}{n_1 + n_2}, \\quad \\bar p = \\frac{P_1 + P_2}{n_1 + n_2},
        \\quad \\mathrm{var}_0 = \\bar p + \\bar d - (\\bar p - \\bar d)^2

    The variance both samples share when nothing changed (the null hypothesis of the
    change test). Element-wise on arrays of counts ``(detractors, passives, promoters)``;
    ``NaN`` where both samples are empty.

    Examples
    --------
    >>> round(pooled_variance((83, 47, 120), (91, 49, 110)), 6)
    0.795456
    """
    d1, pa1, p1 = _triple(counts1)
    d2, pa2, p2 = _triple(counts2)
    return variance_from_counts(d1 + d2, pa1 + pa2, p1 + p2)


def score_test(counts1, counts2):
    """Two-sample score test of "the NPS did not change": statistic and two-sided p-value.

    .. math::

        z = \\frac{\\mathrm{NPS}_1 - \\mathrm{NPS}_2}
                 {\\sqrt{\\mathrm{var}_0\\,(1/n_1 + 1/n_2)}}, \\quad
        p = 2\\,(1 - \\Phi(|z|))

    with :math:`\\mathrm{var}_0` the pooled variance (:func:`pooled_variance`), on the
    proportion scale. This is the score (Lagrange multiplier) statistic of the null
    hypothesis that both samples come from the same detractor/passive/promoter shares:
    the variance is estimated under that hypothesis, which keeps the false-"significant"
    rate near its nominal level at small n, where the unpooled (Wald) statistic rejects
    up to 12% of the time at 5% (see the statistics page). With two categories it is the
    pooled two-proportion z-test (Pearson's chi-square of the 2x2 table is :math:`z^2`).

    Element-wise on arrays of counts. Where the pooled variance is 0 (every respondent
    in one category) the difference is 0 too: ``z`` and ``p`` are NaN.

    Returns
    -------
    z, p_value : float or numpy.ndarray

    References
    ----------
    Miettinen, O. & Nurminen, M. (1985). Comparative analysis of two rates. Statistics in
    Medicine 4(2), 213-226. Agresti, A. (2013). Categorical Data Analysis, 3rd ed., Wiley,
    sections 1.3 and 3.1 (score tests, pooled variance under the null).

    Examples
    --------
    >>> z, p = score_test((83, 47, 120), (91, 49, 110))
    >>> round(float(z), 4), round(float(p), 4)
    (0.9026, 0.3668)
    """
    d1, pa1, p1 = _triple(counts1)
    d2, pa2, p2 = _triple(counts2)
    n1, n2 = d1 + pa1 + p1, d2 + pa2 + p2
    with np.errstate(invalid="ignore", divide="ignore"):
        diff = (p1 - d1) / n1 - (p2 - d2) / n2
        se0 = np.sqrt(pooled_variance((d1, pa1, p1), (d2, pa2, p2)) * (1 / n1 + 1 / n2))
        z = np.where(se0 > 0, diff / se0, np.nan)
    p = 2 * _sps.norm.sf(np.abs(z))
    if np.ndim(z):
        return z, p
    return float(z), float(p)


def exact_null_distribution(margins, n1: int) -> pd.DataFrame:
    """Every split of the pooled responses into a first sample of ``n1``, its probability and p-value.

    The null distribution of the exact conditional (permutation) test: when nothing
    changed, every way of drawing the first sample's ``n1`` responses from the pooled
    ``margins = (D, Pa, P)`` is equally likely, so the first sample's counts
    :math:`(x, n_1 - x - y, y)` follow the multivariate hypergeometric law

    .. math::

        \\Pr(x, y) = \\binom{D}{x}\\binom{Pa}{n_1 - x - y}\\binom{P}{y} \\Big/
                     \\binom{D + Pa + P}{n_1}

    The two-sided p-value of a split is the probability of the splits whose NPS
    difference is at least as large in absolute value,
    :math:`\\sum_{|\\Delta'| \\ge |\\Delta|} \\Pr`. The pooled variance is the same for
    every split, so this ranks splits exactly as the score statistic does.

    Parameters
    ----------
    margins : tuple of int
        Pooled ``(detractors, passives, promoters)`` of both samples.
    n1 : int
        Size of the first sample (0 < n1 < D + Pa + P).

    Returns
    -------
    DataFrame
        ``detractors``, ``passives``, ``promoters`` (of the first sample), ``diff``
        (NPS difference, proportion scale), ``probability``, ``p_value``.

    References
    ----------
    Agresti, A. (2013). Categorical Data Analysis, 3rd ed., Wiley, section 3.5 (exact
    conditional tests for ordered 2 x c tables, here with scores -1, 0, +1).

    Examples
    --------
    >>> null = exact_null_distribution((2, 1, 2), 2)
    >>> round(float(null["probability"].sum()), 12), len(null)
    (1.0, 5)
    """
    big_d, big_pa, big_p = (int(v) for v in margins)
    n = big_d + big_pa + big_p
    n1 = int(n1)
    n2 = n - n1
    if not 0 < n1 < n:
        raise ValueError(f"n1 must be between 1 and {n - 1}, got {n1}")
    x, y = np.meshgrid(np.arange(min(big_d, n1) + 1), np.arange(min(big_p, n1) + 1), indexing="ij")
    x, y = x.ravel(), y.ravel()
    m = n1 - x - y
    ok = (m >= 0) & (m <= big_pa)
    x, y, m = x[ok], y[ok], m[ok]

    def log_choose(a, b):
        return gammaln(a + 1) - gammaln(b + 1) - gammaln(a - b + 1)

    log_p = (log_choose(big_d, x) + log_choose(big_pa, m) + log_choose(big_p, y)
             - log_choose(n, n1))
    prob = np.exp(log_p)
    diff = (y - x) / n1 - ((big_p - y) - (big_d - x)) / n2
    size = np.round(np.abs(diff), 12)  # equal differences must tie despite rounding
    order = np.argsort(-size, kind="stable")
    # p-value of a split: the probability of every split at least as extreme (ties included)
    sorted_size, sorted_prob = size[order], prob[order]
    cumulative = np.cumsum(sorted_prob)
    last_of_tie = np.searchsorted(-sorted_size, -sorted_size, side="right") - 1
    p_sorted = np.minimum(cumulative[last_of_tie], 1.0)
    p_value = np.empty_like(p_sorted)
    p_value[order] = p_sorted
    return pd.DataFrame({"detractors": x, "passives": m, "promoters": y, "diff": diff,
                         "probability": prob, "p_value": p_value})


def exact_test(counts1, counts2) -> float:
    """Two-sided p-value of the exact conditional (permutation) test of "the NPS did not change".

    Looks the observed split up in :func:`exact_null_distribution` of the pooled counts.
    The probability of a false "significant" verdict is at most the level, at every
    sample size (the test is conservative: below the level when few splits exist).
    NaN when a sample is empty or every respondent is in one category.

    Examples
    --------
    >>> round(exact_test((4, 1, 0), (0, 1, 4)), 4)
    0.0159
    """
    d1, pa1, p1 = (int(v) for v in counts1)
    d2, pa2, p2 = (int(v) for v in counts2)
    n1, n2 = d1 + pa1 + p1, d2 + pa2 + p2
    margins = (d1 + d2, pa1 + pa2, p1 + p2)
    if n1 == 0 or n2 == 0 or max(margins) == n1 + n2:
        return float("nan")
    # enumerate the smaller sample's splits (their number grows with its size only)
    if n2 < n1:
        counts1, (d1, pa1, p1), n1 = counts2, (d2, pa2, p2), n2
    null = exact_null_distribution(margins, n1)
    hit = null[(null["detractors"] == d1) & (null["promoters"] == p1)]
    return float(hit["p_value"].iloc[0])


def minimum_detectable_effect(n1, n2, variance, *, alpha: float = 0.05,
                              power: float = MDE_POWER, scale: float = 100.0):
    """Smallest NPS change two samples of ``n1`` and ``n2`` detect with the given power.

    .. math::

        \\mathrm{MDE} = (z_{1-\\alpha/2} + z_{\\mathrm{power}})\\,
                        \\sqrt{\\mathrm{var}\\,(1/n_1 + 1/n_2)} \\times s

    with ``variance`` the pooled trinomial variance (:func:`pooled_variance`) and ``s``
    the scale (100: NPS points). The usual normal-approximation sample-size formula for
    a two-sample test (e.g. Chow, Shao & Wang, Sample Size Calculations in Clinical
    Research, 2008, section 4.2), with the null variance standing in for both samples.
    At 5% and 80% power the factor is 2.80. A change smaller than this is likely to be
    reported "not significant" even when it is real. Element-wise; NaN where a sample is
    empty or the variance is missing.

    Examples
    --------
    >>> round(float(minimum_detectable_effect(250, 250, 0.795456)), 1)
    22.3
    >>> round(float(minimum_detectable_effect(10, 8, 0.7)), 0)
    111.0
    """
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise ValueError(f"alpha and power must be between 0 and 1, got {alpha!r}, {power!r}")
    n1, n2, var = (np.asarray(v, dtype="float64") for v in (n1, n2, variance))
    factor = _sps.norm.ppf(1 - alpha / 2) + _sps.norm.ppf(power)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where((n1 > 0) & (n2 > 0), scale * factor * np.sqrt(var * (1 / n1 + 1 / n2)),
                       np.nan)
    return out if out.ndim else float(out)


@dataclass(frozen=True)
class Comparison:
    """A signed two-sample NPS comparison (sample 1 minus sample 2), on the -100..100 scale.

    ``se``, ``ci_low`` and ``ci_high`` describe the difference (unpooled standard error);
    ``z`` and ``p_value`` test "no change" with the method named by ``test``
    (a key of :data:`CHANGE_TESTS`; ``""`` when a sample is empty).
    """

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
    test: str = "score"

    def significant(self, alpha: float | None = None) -> bool:
        """True when the two-sided p-value is below ``alpha`` (default 1 - confidence)."""
        alpha = 1 - self.confidence if alpha is None else alpha
        return bool(np.isfinite(self.p_value) and self.p_value < alpha)


def change_test_name(n1: int, n2: int, *, test: str = "auto") -> str:
    """Which test :func:`compare_counts` uses for samples of ``n1`` and ``n2`` (a key of :data:`CHANGE_TESTS`).

    Examples
    --------
    >>> change_test_name(12, 400), change_test_name(30, 31)
    ('exact', 'score')
    """
    if test == "auto":
        return "exact" if min(int(n1), int(n2)) < EXACT_BELOW else "score"
    if test not in CHANGE_TESTS:
        raise ValueError(f"test must be 'auto' or one of {', '.join(CHANGE_TESTS)}; got {test!r}")
    return test


def compare_counts(counts1, counts2, *, confidence: float = 0.95, test: str = "auto") -> Comparison:
    """Signed two-sample comparison of two NPS: difference, interval, test of "no change".

    Parameters
    ----------
    counts1, counts2 : tuple of int
        ``(detractors, passives, promoters)`` of each sample; the difference is 1 minus 2.
    confidence : float, default 0.95
        Level of the interval of the difference.
    test : {"auto", "score", "exact", "wald"}, default "auto"
        ``"score"``: :func:`score_test` (variance pooled under no change).
        ``"exact"``: :func:`exact_test` (exact conditional, for small samples).
        ``"auto"``: exact when the smaller sample has fewer than :data:`EXACT_BELOW`
        responses, score otherwise. ``"wald"``: the unpooled z-test of the reference
        formula (too many false "significant" verdicts at small n; kept for checks).

    Returns
    -------
    Comparison

    Notes
    -----
    The interval of the difference keeps the sign and uses the unpooled standard error
    (right for an interval, where the samples may differ):

    .. math::

        \\Delta = \\mathrm{NPS}_1 - \\mathrm{NPS}_2, \\quad
        SE = \\sqrt{\\mathrm{var}_1/n_1 + \\mathrm{var}_2/n_2}, \\quad
        \\Delta \\pm z_{1-\\alpha/2}\\,SE

    (the R package ``NPS`` centres it on the absolute difference and loses the sign).
    The p-value tests "both samples have the same shares" with the variance pooled
    under that hypothesis (:func:`score_test`; exact at small n, :func:`exact_test`):
    with the unpooled SE the test says "significant" 8-12% of the time at 5% when
    nothing changed and 5-10 responses are compared. ``z`` is the score statistic
    (the Wald one for ``test="wald"``). With an empty sample, ``se``, ``z`` and
    ``p_value`` are NaN; with no variance at all (everyone in one category on both
    sides) ``p_value`` is NaN.

    Examples
    --------
    >>> c = compare_counts((83, 47, 120), (91, 49, 110))
    >>> round(c.diff, 1), round(c.ci_low, 2), round(c.ci_high, 2), round(c.p_value, 4), c.test
    (7.2, -8.42, 22.82, 0.3668, 'score')
    >>> compare_counts((4, 1, 0), (0, 1, 4)).test
    'exact'
    """
    d1, pa1, p1 = (int(x) for x in counts1)
    d2, pa2, p2 = (int(x) for x in counts2)
    n1, n2 = d1 + pa1 + p1, d2 + pa2 + p2
    nps1 = nps_from_counts(d1, pa1, p1)
    nps2 = nps_from_counts(d2, pa2, p2)
    if n1 == 0 or n2 == 0:
        nan = float("nan")
        change_test_name(1, 1, test=test)  # still refuse an unknown test name
        return Comparison(nps1, nps2, n1, n2, nps1 - nps2, nan, nan, nan, nan, nan, confidence,
                          "")  # no test without two samples
    name = change_test_name(n1, n2, test=test)
    se = float(np.sqrt(variance_from_counts(d1, pa1, p1) / n1 + variance_from_counts(d2, pa2, p2) / n2))
    diff = (nps1 - nps2) / 100.0
    if name == "wald":
        if se == 0:
            z = float("nan") if diff == 0 else float(np.sign(diff) * np.inf)
            p_value = float("nan") if diff == 0 else 0.0
        else:
            z = diff / se
            p_value = float(2 * _sps.norm.sf(abs(z)))
    else:
        z, p_value = score_test((d1, pa1, p1), (d2, pa2, p2))
        if name == "exact":
            p_value = exact_test((d1, pa1, p1), (d2, pa2, p2))
    zc = _z(confidence)
    return Comparison(nps1, nps2, n1, n2, 100 * diff, 100 * se, z, p_value,
                      100 * (diff - zc * se), 100 * (diff + zc * se), confidence, name)


def compare_nps(scores1, scores2, *, confidence: float = 0.95, test: str = "auto") -> Comparison:
    """Signed two-sample comparison of raw scores; see :func:`compare_counts`.

    Examples
    --------
    >>> import nps_report as nr
    >>> pro, basic = [9, 10, 10, 8, 9, 6] * 10, [0, 6, 9, 10, 7, 3] * 10
    >>> c = nr.compare_nps(pro, basic)
    >>> round(c.diff), round(c.ci_low), round(c.ci_high), c.significant(), c.test
    (67, 37, 96, True, 'score')
    """
    return compare_counts(counts(scores1), counts(scores2), confidence=confidence, test=test)


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
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = {"pct_detractors": 100 * d / n, "pct_passives": 100 * pa / n,
               "pct_promoters": 100 * p / n}
    low, high = interval_from_counts(d, pa, p, method=method, confidence=confidence,
                                     n_boot=n_boot, seed=seed)
    low = np.asarray(low, dtype="float64").reshape(n.shape)
    high = np.asarray(high, dtype="float64").reshape(n.shape)
    moe = (high - low) / 2
    n = n.astype("int64")
    with np.errstate(invalid="ignore"):
        added = pd.DataFrame({
            "n": n, **pct, "nps": nps_from_counts(d, pa, p), "ci_low": low, "ci_high": high,
            "moe": moe, "se": se_from_counts(d, pa, p, scale=100.0),
            "shown": n >= display_floor, "imprecise": moe > precision_moe}, index=table.index)
    # One concatenation instead of a column insert per statistic (each insert copies the
    # column index, which dominated small tables).
    keys = [c for c in table.columns if c not in NPS_COLUMNS]
    counts = table[keys + ["detractors", "passives", "promoters"]]
    return pd.concat([counts, added], axis=1)[keys + NPS_COLUMNS]


NPS_COLUMNS = ["n", "detractors", "passives", "promoters", "pct_detractors", "pct_passives",
               "pct_promoters", "nps", "ci_low", "ci_high", "moe", "se", "shown", "imprecise"]
