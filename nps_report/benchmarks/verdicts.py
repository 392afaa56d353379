"""One family's p-values adjusted (Benjamini-Hochberg), the verdict columns and their wording."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as _sps

__all__ = ["ADJUSTMENT_BH", "ADJUSTMENT_NONE", "add_significance", "adjust_pvalues", "format_p",
           "points_text", "significance_text"]

ADJUSTMENT_BH = "Benjamini-Hochberg"
ADJUSTMENT_NONE = "none"


def format_p(p: float) -> str:
    """A p-value as quoted in a sentence: 2 decimals, 3 below 0.01, ``"p < 0.001"`` below that."""
    if not np.isfinite(p):
        return "p not available"
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def points_text(value: float) -> str:
    """A difference in whole NPS points, unsigned: ``"1 point"``, ``"12 points"``."""
    k = abs(int(round(value)))
    return f"{k} point" if k == 1 else f"{k} points"


def significance_text(row) -> str:
    """The verdict of one compared row, quoting ``p_adjusted`` when the table was adjusted."""
    adjusted = str(row.get("adjustment", ADJUSTMENT_NONE)) != ADJUSTMENT_NONE
    p = row["p_adjusted"] if adjusted else row["p_value"]
    p_text = format_p(float(p))
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


def add_significance(table: pd.DataFrame, *, fdr: bool, alpha: float) -> pd.DataFrame:
    """Add ``p_adjusted``, ``adjustment``, ``significant`` to a table of p-values (one family)."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    table["p_adjusted"] = adjust_pvalues(table["p_value"].to_numpy(dtype="float64"), fdr=fdr)
    table["adjustment"] = ADJUSTMENT_BH if fdr else ADJUSTMENT_NONE
    table["significant"] = (table["p_adjusted"] < alpha).fillna(False).astype(bool)
    return table
