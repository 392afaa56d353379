"""Shared by the benchmark modules: column checks, category counts, display floors, comparisons."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import stats

__all__ = ["SCORE_COLUMNS", "as_list", "category_counts", "check_columns", "compare_with_floor",
           "hide_below_floor"]

# Columns a score-bearing table blanks (NaN) for groups below the display floor.
SCORE_COLUMNS = ["nps", "ci_low", "ci_high", "moe", "se"]


def as_list(by) -> list[str]:
    """Group columns as a list: None gives ``[]``, one name gives ``[name]``."""
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def check_columns(data: pd.DataFrame, columns) -> None:
    """Raise a KeyError naming the missing columns and the ones the data has."""
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise KeyError(f"column(s) {missing} not in data; columns are {list(data.columns)}")


def category_counts(data: pd.DataFrame, by: list[str], score: str) -> pd.DataFrame:
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


def hide_below_floor(table: pd.DataFrame) -> pd.DataFrame:
    """Blank the score columns of groups below the display floor: they never get a score."""
    hidden = ~table["shown"].astype(bool)
    for col in SCORE_COLUMNS:
        if col in table:
            table.loc[hidden, col] = np.nan
    if "imprecise" in table:
        table.loc[hidden, "imprecise"] = False
    return table


def compare_with_floor(c1, c2, *, floor: int, confidence: float) -> dict:
    """Signed comparison of counts ``c1`` minus ``c2``, blanked when either side is below the floor."""
    n1, n2 = int(sum(c1)), int(sum(c2))
    shown = n1 >= floor and n2 >= floor
    nan = float("nan")
    if not shown:
        return dict(nps=stats.nps_from_counts(*c1) if n1 >= floor else nan,
                    other_nps=stats.nps_from_counts(*c2) if n2 >= floor else nan,
                    n=n1, other_n=n2, diff=nan, se=nan, ci_low=nan, ci_high=nan, z=nan,
                    p_value=nan, test=None, shown=False)
    cmp = stats.compare_counts(c1, c2, confidence=confidence)
    return dict(nps=cmp.nps1, other_nps=cmp.nps2, n=n1, other_n=n2, diff=cmp.diff, se=cmp.se,
                ci_low=cmp.ci_low, ci_high=cmp.ci_high, z=cmp.z, p_value=cmp.p_value,
                test=cmp.test, shown=True)
