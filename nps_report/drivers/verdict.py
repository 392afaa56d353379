"""Which key drivers a report may name: the model's F-test, each rating's partial F-test,
bootstrap intervals of the pairwise differences of importance, and the leaders they allow."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

__all__ = ["VERDICTS", "importance_differences", "leading_drivers", "model_test",
           "partial_tests"]

#: What a key-driver analysis may say: name its leaders, say the ratings explain the score
#: but no rating stands out, or say the ratings do not explain it better than chance.
VERDICTS = ("drivers", "no_standout", "no_clear_driver")


def model_test(r2: float, n: int, k: int) -> tuple[float, float]:
    """F-test of the regression of the score on the ratings: (F, p-value).

    Parameters
    ----------
    r2 : float
        R² of the least-squares fit with intercept.
    n : int
        Responses in the fit.
    k : int
        Ratings in the model (its rank: aliased copies not counted).

    Returns
    -------
    tuple of float
        :math:`F = \\dfrac{R^2 / k}{(1 - R^2) / (n - k - 1)}` and its upper tail
        probability under :math:`F(k, n - k - 1)`; ``(nan, nan)`` without residual
        degrees of freedom or ratings.

    Notes
    -----
    It tests that no rating is linearly related to the score. Under that hypothesis the
    residuals are the score's own deviations, independent of the ratings, so the test
    needs no normality for its size at the sample sizes analysed (30 responses and up):
    ``tests/test_drivers.py::test_noise_model_test_has_its_nominal_size`` checks it on
    0..10 scores. It is the ``F-statistic`` line of R's ``summary(lm())`` and
    statsmodels' ``OLS(...).fit().f_pvalue``.

    Examples
    --------
    >>> f, p = model_test(0.03, 200, 5)
    >>> round(f, 2), round(p, 2)
    (1.2, 0.31)
    """
    df_resid = n - k - 1
    if k < 1 or df_resid < 1 or not np.isfinite(r2):
        return float("nan"), float("nan")
    if r2 >= 1.0:
        return float("inf"), 0.0
    f = (r2 / k) / ((1.0 - r2) / df_resid)
    return float(f), float(sps.f.sf(f, k, df_resid))


def partial_tests(r2_subsets: np.ndarray, n: int, k: int) -> np.ndarray:
    """Partial F-test of each rating in the full model: p-values, one per rating.

    Parameters
    ----------
    r2_subsets : ndarray, shape (2**p,)
        R² of every subset (:func:`nps_report.drivers.subset_r2`).
    n, k : int
        Responses and the model's rank (as in :func:`model_test`).

    Returns
    -------
    ndarray of float
        With :math:`R^2` the full model's and :math:`R^2_{-j}` the model without
        rating :math:`j`,
        :math:`F_j = \\dfrac{R^2 - R^2_{-j}}{(1 - R^2) / (n - k - 1)}` on
        :math:`(1, n - k - 1)` degrees of freedom: the square of the rating's t-test
        in the full regression. A rating that adds nothing (an aliased copy) gets 1.

    Examples
    --------
    >>> p = partial_tests(np.array([0.0, 0.36, 0.09, 0.45]), 100, 2)  # R²: {}, a, b, ab
    >>> (p < 0.001).tolist()  # each adds to what the other explains
    [True, True]
    """
    r2_subsets = np.asarray(r2_subsets, dtype="float64")
    p = int(np.log2(r2_subsets.size))
    full = r2_subsets[-1]
    df_resid = n - k - 1
    out = np.full(p, np.nan)
    if df_resid < 1 or k < 1:
        return out
    for j in range(p):
        gain = max(0.0, full - r2_subsets[(2 ** p - 1) ^ (1 << j)])
        if full >= 1.0:
            out[j] = 0.0 if gain > 0 else 1.0
            continue
        f = gain / ((1.0 - full) / df_resid)
        out[j] = float(sps.f.sf(f, 1, df_resid)) if gain > 0 else 1.0
    return out


def importance_differences(importance: np.ndarray, boot: np.ndarray, names, *,
                           confidence: float = 0.95) -> pd.DataFrame:
    """Each pair of ratings' difference in importance with its bootstrap interval.

    Parameters
    ----------
    importance : ndarray, shape (p,)
        LMG importance of each rating.
    boot : ndarray, shape (B, p)
        LMG importance of each bootstrap resample.
    names : list of str
        The ratings, in the order of the columns.
    confidence : float, default 0.95

    Returns
    -------
    DataFrame
        One row per ordered pair with ``driver`` more important than ``other``:
        ``difference`` (importance of ``driver`` minus that of ``other``), ``ci_low``,
        ``ci_high`` (percentile interval of the difference over the resamples, each
        resample's two importances taken from the same resample) and ``clear`` (the
        interval is above 0).

    Notes
    -----
    What relaimpo's ``booteval.relimp(..., diff = TRUE)`` reports (Grömping 2006): the
    bootstrap distribution of :math:`I_i - I_j`. Unlike one importance, which is never
    negative, a difference can fall either side of 0, so its percentile interval is a
    test of "equally important" at level ``1 - confidence``.

    Examples
    --------
    >>> boot = np.array([[0.3, 0.1], [0.2, 0.15], [0.25, 0.05]])
    >>> importance_differences(np.array([0.25, 0.1]), boot, ["a", "b"])["clear"].tolist()
    [True]
    """
    importance = np.asarray(importance, dtype="float64")
    boot = np.asarray(boot, dtype="float64")
    alpha = 1.0 - confidence
    pairs = [(i, j) if importance[i] >= importance[j] else (j, i)
             for i in range(len(names)) for j in range(i + 1, len(names))]
    first = np.array([a for a, _ in pairs], dtype=int)
    second = np.array([b for _, b in pairs], dtype=int)
    if len(boot) and len(pairs):  # all pairs' quantiles in one call
        low, high = np.quantile(boot[:, first] - boot[:, second], [alpha / 2, 1 - alpha / 2],
                                axis=0)
    else:
        low = high = np.full(len(pairs), np.nan)
    return pd.DataFrame({
        "driver": [names[a] for a in first], "other": [names[b] for b in second],
        "difference": importance[first] - importance[second] if len(pairs) else [],
        "ci_low": low, "ci_high": high,
        "clear": np.isfinite(low) & (low > 0) if len(pairs) else np.array([], dtype=bool),
    }, columns=["driver", "other", "difference", "ci_low", "ci_high", "clear"])


def leading_drivers(order, differences: pd.DataFrame, partial_p, *, model_p: float,
                    alpha: float = 0.05, most: int = 2) -> tuple[list, str]:
    """The ratings a report may say move the score most, and the verdict: (leaders, verdict).

    Parameters
    ----------
    order : list of str
        Ratings, most important first.
    differences : DataFrame
        :func:`importance_differences` of those ratings.
    partial_p : dict
        Partial F-test p-value of each rating (:func:`partial_tests`).
    model_p : float
        p-value of the model's F-test (:func:`model_test`).
    alpha : float, default 0.05
    most : int, default 2
        Leaders named at most.

    Returns
    -------
    tuple
        ``leaders`` (the top ``k`` ratings, ``k <= most`` as large as allowed; empty when
        none) and the verdict: ``"no_clear_driver"`` when the model's p-value is not
        below ``alpha``, ``"no_standout"`` when it is but no top group qualifies,
        ``"drivers"`` otherwise.

    Notes
    -----
    The top ``k`` ratings are leaders when (1) the model test rejects, (2) each of them
    has a partial F-test below ``alpha`` (it adds to what the other ratings explain: a
    non-negative importance's interval cannot show that) and (3) the interval of its
    difference with every rating outside the top ``k`` is above 0. The sentence "these
    move the score most" is true only if all of these hold, so requiring every test to
    reject keeps its error rate at ``alpha`` without a multiplicity correction (an
    intersection-union test, Berger 1982).

    Examples
    --------
    >>> diffs = pd.DataFrame({"driver": ["a", "a", "b"], "other": ["b", "c", "c"],
    ...                       "clear": [True, True, False]})
    >>> leading_drivers(["a", "b", "c"], diffs, {"a": 0.001, "b": 0.2, "c": 0.5},
    ...                 model_p=0.001)
    (['a'], 'drivers')
    """
    if not (np.isfinite(model_p) and model_p < alpha):
        return [], "no_clear_driver"
    if len(order) == 1:  # one rating: the model test is its test, nothing to compare with
        return list(order), "drivers"
    clear = {(str(d), str(o)) for d, o, c in
             zip(differences["driver"], differences["other"], differences["clear"]) if bool(c)}
    for k in range(min(int(most), len(order) - 1), 0, -1):
        top, rest = list(order[:k]), list(order[k:])
        if all(np.isfinite(partial_p[d]) and partial_p[d] < alpha for d in top) and \
                all((d, o) in clear for d in top for o in rest):
            return top, "drivers"
    return [], "no_standout"
