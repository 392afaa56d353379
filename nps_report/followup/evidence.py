"""Then and now: the change of a share (two proportions) and of a mean rating (Welch), with intervals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats as sps

__all__ = ["CHANGE_COLUMNS", "mean_change", "newcombe_interval", "share_change"]

#: Keys of the dictionaries :func:`share_change` and :func:`mean_change` return.
CHANGE_COLUMNS = ["then", "now", "n_then", "n_now", "change", "ci_low", "ci_high", "p_value",
                  "test"]


def _wilson(count: float, n: float, z: float) -> tuple[float, float]:
    centre = (count + z * z / 2) / (n + z * z)
    half = z * math.sqrt(count * (n - count) / n + z * z / 4) / (n + z * z)
    return centre - half, centre + half


def newcombe_interval(count_now: int, n_now: int, count_then: int, n_then: int, *,
                      confidence: float = 0.95) -> tuple[float, float]:
    """Interval of ``p_now - p_then`` by Newcombe's hybrid score method (his method 10).

    Parameters
    ----------
    count_now, n_now, count_then, n_then : int
        Successes and trials of each sample (both ``n`` at least 1).
    confidence : float, default 0.95

    Returns
    -------
    (float, float)
        Lower and upper limit, as proportions (-1..1).

    Notes
    -----
    With :math:`(l_i, u_i)` the Wilson score interval of :math:`\\hat p_i` and
    :math:`d = \\hat p_1 - \\hat p_2`,

    .. math::

        L = d - \\sqrt{(\\hat p_1 - l_1)^2 + (u_2 - \\hat p_2)^2}, \\qquad
        U = d + \\sqrt{(u_1 - \\hat p_1)^2 + (\\hat p_2 - l_2)^2}.

    It stays inside -1..1 and keeps its coverage near the nominal level with small counts
    and shares near 0 or 1, where the Wald interval does not (Newcombe 1998, Statistics
    in Medicine 17:873-890).

    Examples
    --------
    >>> low, high = newcombe_interval(56, 70, 48, 80)  # Newcombe 1998, example (a)
    >>> round(low, 4), round(high, 4)
    (0.0524, 0.3339)
    """
    if min(n_now, n_then) < 1:
        raise ValueError(f"both samples need at least one trial, got {n_now} and {n_then}")
    z = sps.norm.ppf(0.5 + confidence / 2)
    p1, p2 = count_now / n_now, count_then / n_then
    l1, u1 = _wilson(count_now, n_now, z)
    l2, u2 = _wilson(count_then, n_then, z)
    d = p1 - p2
    return (d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
            d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))


def share_change(count_then: int, n_then: int, count_now: int, n_now: int, *,
                 confidence: float = 0.95, min_expected: float = 5.0) -> dict:
    """A share then and now (in percent), its change with an interval, and a test of it.

    Parameters
    ----------
    count_then, n_then : int
        Earlier quarter: how many of ``n_then`` (commenting detractors, say) had the
        property (mentioned the theme).
    count_now, n_now : int
        The same this quarter.
    confidence : float, default 0.95
        Of the interval of the change.
    min_expected : float, default 5
        Below this smallest expected cell count, Fisher's exact test replaces the
        two-proportion z-test.

    Returns
    -------
    dict
        :data:`CHANGE_COLUMNS`: ``then``, ``now`` (percent), ``n_then``, ``n_now``,
        ``change`` (percentage points, now minus then), ``ci_low``, ``ci_high`` (its
        interval, :func:`newcombe_interval`, in points), ``p_value`` (two-sided) and
        ``test`` (``"two-proportion z-test"`` or ``"Fisher's exact test"``). NaN
        where a sample is empty.

    Notes
    -----
    The z-test pools the two samples under the hypothesis of no change,
    :math:`\\bar p = (x_1 + x_2)/(n_1 + n_2)`,

    .. math::

        z = \\frac{\\hat p_1 - \\hat p_2}{\\sqrt{\\bar p (1 - \\bar p)(1/n_1 + 1/n_2)}},

    which is Pearson's chi-square test of the 2x2 table without continuity correction
    (:func:`scipy.stats.chi2_contingency`, R's ``prop.test(correct = FALSE)``). When an
    expected count :math:`n_i \\bar p` or :math:`n_i (1 - \\bar p)` is below
    ``min_expected`` the normal approximation is poor and Fisher's exact test
    (:func:`scipy.stats.fisher_exact`) is used.

    Examples
    --------
    >>> row = share_change(48, 80, 56, 70)
    >>> round(row["change"], 1), row["test"], round(row["p_value"], 4)
    (20.0, 'two-proportion z-test', 0.008)
    >>> share_change(3, 9, 0, 8)["test"]
    "Fisher's exact test"
    """
    out = dict.fromkeys(CHANGE_COLUMNS, np.nan) | {"n_then": int(n_then), "n_now": int(n_now),
                                                   "test": ""}
    if n_then < 1 or n_now < 1:
        return out
    then, now = count_then / n_then, count_now / n_now
    low, high = newcombe_interval(count_now, n_now, count_then, n_then, confidence=confidence)
    out.update(then=100 * then, now=100 * now, change=100 * (now - then), ci_low=100 * low,
               ci_high=100 * high)
    table = np.array([[count_then, n_then - count_then], [count_now, n_now - count_now]])
    pooled = (count_then + count_now) / (n_then + n_now)
    expected = min(n_then, n_now) * min(pooled, 1 - pooled)
    if pooled in (0.0, 1.0):
        out.update(p_value=1.0, test="two-proportion z-test")  # no variation: nothing changed
    elif expected < min_expected:
        out.update(p_value=float(sps.fisher_exact(table).pvalue), test="Fisher's exact test")
    else:
        result = sps.chi2_contingency(table, correction=False)
        out.update(p_value=float(result.pvalue), test="two-proportion z-test")
    return out


def mean_change(then: pd.Series, now: pd.Series, *, confidence: float = 0.95) -> dict:
    """A mean rating then and now, its change with an interval, and Welch's test of it.

    Parameters
    ----------
    then, now : Series
        The ratings of each quarter (blanks and text are left out).
    confidence : float, default 0.95

    Returns
    -------
    dict
        :data:`CHANGE_COLUMNS`: ``then``, ``now`` (means), ``n_then``, ``n_now``,
        ``change`` (now minus then, rating points), ``ci_low``, ``ci_high``,
        ``p_value`` (two-sided) and ``test`` (``"Welch's t-test"``); NaN with fewer
        than two ratings in a quarter.

    Notes
    -----
    Welch's test does not assume equal variances:

    .. math::

        t = \\frac{\\bar x_1 - \\bar x_2}{\\sqrt{s_1^2/n_1 + s_2^2/n_2}}, \\qquad
        \\nu = \\frac{(s_1^2/n_1 + s_2^2/n_2)^2}
                    {\\frac{(s_1^2/n_1)^2}{n_1 - 1} + \\frac{(s_2^2/n_2)^2}{n_2 - 1}},

    with the interval :math:`(\\bar x_1 - \\bar x_2) \\pm t_{\\nu}\\,SE`
    (:func:`scipy.stats.ttest_ind` with ``equal_var=False``; R's ``t.test``).

    Examples
    --------
    >>> import pandas as pd
    >>> row = mean_change(pd.Series([6, 7, 5, 6, 7]), pd.Series([8, 7, 9, 8, 8]))
    >>> round(row["change"], 2), row["test"]
    (1.8, "Welch's t-test")
    """
    a = pd.to_numeric(pd.Series(then), errors="coerce").dropna().to_numpy(dtype=float)
    b = pd.to_numeric(pd.Series(now), errors="coerce").dropna().to_numpy(dtype=float)
    out = dict.fromkeys(CHANGE_COLUMNS, np.nan) | {"n_then": int(a.size), "n_now": int(b.size),
                                                   "test": "Welch's t-test"}
    if a.size < 2 or b.size < 2:
        return out
    out.update(then=float(a.mean()), now=float(b.mean()), change=float(b.mean() - a.mean()))
    if np.var(a) == 0 and np.var(b) == 0:  # no spread: the test is undefined
        out.update(p_value=1.0 if a[0] == b[0] else 0.0, ci_low=out["change"],
                   ci_high=out["change"])
        return out
    result = sps.ttest_ind(b, a, equal_var=False)
    interval = result.confidence_interval(confidence)
    out.update(p_value=float(result.pvalue), ci_low=float(interval.low),
               ci_high=float(interval.high))
    return out
