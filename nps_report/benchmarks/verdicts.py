"""One family's p-values adjusted (Benjamini-Hochberg), the verdict columns and their wording."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as _sps

from .. import stats

__all__ = ["ADJUSTMENT_BH", "ADJUSTMENT_NONE", "P_FLOOR", "add_significance", "adjust_pvalues",
           "detectable_text", "format_p", "points_text", "method_note", "significance_text"]

ADJUSTMENT_BH = "Benjamini-Hochberg"
ADJUSTMENT_NONE = "none"


#: p-values below this print as ``"p < 0.0001"``.
P_FLOOR = 0.0001
# Levels a reader compares a p-value with: a printed value never lands on the other side.
_LEVELS = (0.001, 0.01, 0.05, 0.1)


def format_p(p: float, *, alpha: float | None = None) -> str:
    """A p-value as quoted in a sentence: two significant digits, never across a level.

    Two significant digits (``p = 0.0012``, ``p = 0.37``); more when rounding would put
    the printed value on the other side of ``alpha`` or of a usual level (0.001, 0.01,
    0.05, 0.1) than the p-value itself: 0.0496 prints ``p = 0.0496``, not ``p = 0.050``,
    because it is below 0.05. Below 0.0001: ``"p < 0.0001"``.

    Examples
    --------
    >>> format_p(0.0496), format_p(0.0504), format_p(0.00123), format_p(0.36676)
    ('p = 0.0496', 'p = 0.050', 'p = 0.0012', 'p = 0.37')
    >>> format_p(0.00003), format_p(1.0), format_p(float("nan"))
    ('p < 0.0001', 'p = 1.0', 'p not available')
    """
    if p is None or not np.isfinite(p):
        return "p not available"
    if p < P_FLOOR:
        return f"p < {P_FLOOR:g}"
    levels = set(_LEVELS) | ({float(alpha)} if alpha is not None else set())
    for digits in range(2, 8):
        text = f"{p:#.{digits}g}"
        shown = float(text)
        if all((shown < level) == (p < level) for level in levels):
            break
    return f"p = {text}"


def points_text(value: float) -> str:
    """A difference in whole NPS points, unsigned: ``"1 point"``, ``"12 points"``."""
    k = abs(int(round(value)))
    return f"{k} point" if k == 1 else f"{k} points"


def _alpha_of(row):
    alpha = row.get("alpha") if hasattr(row, "get") else None
    try:
        alpha = float(alpha)
    except (TypeError, ValueError):
        return None
    return alpha if np.isfinite(alpha) else None


def significance_text(row) -> str:
    """The verdict of one compared row, quoting ``p_adjusted`` when the table was adjusted.

    The p-value printed agrees with the verdict: it is never rounded across the row's
    ``alpha`` (see :func:`format_p`).

    Examples
    --------
    >>> significance_text({"p_value": 0.0496, "p_adjusted": 0.0496, "adjustment": "none",
    ...                    "significant": True, "alpha": 0.05})
    'statistically significant (p = 0.0496)'
    """
    adjusted = str(row.get("adjustment", ADJUSTMENT_NONE)) != ADJUSTMENT_NONE
    p = row["p_adjusted"] if adjusted else row["p_value"]
    p_text = format_p(float(p), alpha=_alpha_of(row))
    if adjusted:
        p_text = "BH-adjusted " + p_text
    if bool(row["significant"]):
        return f"statistically significant ({p_text})"
    return f"not statistically significant ({p_text})"


def method_note(tests) -> str:
    """Which two-sample test(s) gave the verdicts, with the reference, as a report says it.

    ``tests``: the ``test`` column of a changes or gaps table (keys of
    :data:`nps_report.stats.CHANGE_TESTS`).

    Examples
    --------
    >>> method_note(["score", "exact"])  # doctest: +ELLIPSIS
    'Test: two-sample score test, variance pooled under no change ...'
    """
    present = set(pd.Series(tests).dropna().astype(str))
    used = [t for t in ("score", "exact", "wald") if t in present]
    if not used:
        return ""
    names = {
        "score": (f"{stats.CHANGE_TESTS['score']} (Miettinen & Nurminen 1985; Agresti 2013)"),
        "exact": (f"{stats.CHANGE_TESTS['exact']} where a side has fewer than "
                  f"{stats.EXACT_BELOW} responses (Agresti 2013, section 3.5)"),
        "wald": stats.CHANGE_TESTS["wald"],
    }
    return ("Test: " + "; ".join(names[t] for t in used)
            + ". The interval of a difference uses the unpooled standard error; see the "
              "statistics page (docs/statistics.md).")


def detectable_text(row, *, alpha: float | None = None) -> str:
    """What a change row's sample sizes could detect, in words (``""`` without a test).

    Reads ``mde`` (points, :func:`nps_report.stats.minimum_detectable_effect`), ``n``,
    ``base_n``, ``base_quarter`` and ``alpha`` of one row of
    :func:`nps_report.benchmarks.changes`.

    Examples
    --------
    >>> detectable_text({"mde": 47.4, "n": 12, "base_n": 9, "base_quarter": "2026Q2",
    ...                  "alpha": 0.05, "shown": True})  # doctest: +NORMALIZE_WHITESPACE
    'vs 2026Q2 (12 and 9 responses): a change smaller than about 47 points could not be
    detected (80% power at the 5% level)'
    """
    mde = row.get("mde") if hasattr(row, "get") else None
    if mde is None or not np.isfinite(float(mde)) or not bool(row.get("shown", True)):
        return ""
    alpha = _alpha_of(row) if alpha is None else alpha
    level = f" at the {100 * alpha:g}% level" if alpha is not None else ""
    sizes = f"vs {row['base_quarter']} ({int(row['n']):,} and {int(row['base_n']):,} responses)"
    power = f"{100 * stats.MDE_POWER:g}% power{level}"
    if float(mde) >= 200:  # the NPS spans 200 points: no change is reliably detectable
        return f"{sizes}: too few responses to detect even the largest possible change ({power})"
    return (f"{sizes}: a change smaller than about {points_text(float(mde))} could not be "
            f"detected ({power})")


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


def add_significance(table: pd.DataFrame, *, fdr: bool, alpha: float) -> pd.DataFrame:
    """Add ``p_adjusted``, ``adjustment``, ``alpha``, ``significant`` to one family's p-values."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    table["alpha"] = float(alpha)
    table["p_adjusted"] = adjust_pvalues(table["p_value"].to_numpy(dtype="float64"), fdr=fdr)
    table["adjustment"] = ADJUSTMENT_BH if fdr else ADJUSTMENT_NONE
    table["significant"] = (table["p_adjusted"] < alpha).fillna(False).astype(bool)
    return table
