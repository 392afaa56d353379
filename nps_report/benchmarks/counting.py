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
    """Detractor, passive and promoter counts per group of ``by`` (one row if ``by`` is empty).

    Groups are the combinations of ``by`` present in ``data`` (a missing value is a group
    of its own, last), sorted; a group whose scores are all missing counts 0, 0, 0.

    The rows are first counted per group and category from integer codes (one
    factorization of each ``by`` column, one ``np.unique`` of the combined codes); the
    grouping by value then runs on one row per group and category, each carrying its
    count, instead of on every response (the text keys of 1,000,000 responses need no
    Python string each).

    Examples
    --------
    >>> data = pd.DataFrame({"team": ["A", "A", "B", "A"], "score": [10, 3, 9, 8]})
    >>> category_counts(data, ["team"], "score")
      team  detractors  passives  promoters
    0    A           1         1          1
    1    B           0         0          1
    """
    codes = stats.category_codes(data[score])
    if not by:
        return pd.DataFrame({name: [int((codes == k).sum())] for k, name in
                             enumerate(["detractors", "passives", "promoters"])})
    # One integer per (group, category): each key's codes and the category's, missing last.
    keys, sizes = [], []
    for column in by:
        key_codes, uniques = pd.factorize(data[column], use_na_sentinel=True)
        keys.append(np.where(key_codes < 0, len(uniques), key_codes))
        sizes.append(len(uniques) + 1)
    keys.append(np.where(codes < 0, len(stats.CATEGORIES), codes))
    sizes.append(len(stats.CATEGORIES) + 1)
    _, first, n = np.unique(stats.combined_codes(keys, sizes), return_index=True, return_counts=True)
    cat = pd.Categorical.from_codes(np.where(codes[first] < 0, -1, codes[first]),
                                    categories=stats.CATEGORIES)
    frame = pd.DataFrame({c: data[c].iloc[first].to_numpy() for c in by})
    frame["_cat"] = cat
    frame["_n"] = n
    table = (frame.groupby(by + ["_cat"], observed=True, dropna=False)["_n"].sum()
             .unstack("_cat", fill_value=0).reindex(columns=stats.CATEGORIES, fill_value=0))
    table.columns = ["detractors", "passives", "promoters"]
    table.columns.name = None
    return table.reset_index()


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
