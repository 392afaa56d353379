"""The combined scenario of several pain-point actions, counted on the union of responses."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["combined_scenario"]


def _union_scenario(data, matches, themes, *, score="score"):
    """TEMPORARY minimal equivalent of ``nps_report.themes.impact.union_scenario`` (issue 15,
    themes branch): 100 D / n over the union of the mentioning detractors, Wilson interval.
    Used only while that function is missing; delete it when the themes branch is merged."""
    from scipy import stats as sps

    scores = pd.to_numeric(data[score], errors="coerce")
    n = int(scores.notna().sum())
    names = list(themes)
    hit = matches.reindex(index=data.index, columns=names, fill_value=False).fillna(False) \
        .astype(bool).any(axis=1).to_numpy()
    d = int((hit & (scores <= 6).to_numpy()).sum())
    if not n:
        return float("nan"), float("nan"), float("nan")
    ci = sps.binomtest(d, n).proportion_ci(confidence_level=0.95, method="wilson")
    return 100 * d / n, 100 * ci.low, 100 * ci.high


def _union():
    from ..themes import impact

    return getattr(impact, "union_scenario", None) or _union_scenario


def combined_scenario(actions: pd.DataFrame, data: pd.DataFrame, matches: pd.DataFrame, *,
                      score: str = "score") -> str:
    """The sentence for several pain-point actions together, or "" for fewer than two.

    Parameters
    ----------
    actions : DataFrame
        A :func:`~nps_report.actions.recommend` table.
    data : DataFrame
        The group's responses the theme table was computed from (index as ``matches``).
    matches : DataFrame of bool
        Theme columns (:attr:`nps_report.themes.CommentAnalysis.matches`).
    score : str, default "score"

    Returns
    -------
    str
        "Together, if the detractors who mention any of these 2 themes became passives:
        up to +X points (95% interval a to b); ..." with the figures of
        :func:`nps_report.themes.impact.union_scenario`.

    Notes
    -----
    With :math:`D_\\cup` the detractors who mention at least one of the themes and
    :math:`n` the scored responses, the combined scenario is :math:`100\\,D_\\cup / n`:
    a detractor who mentions two themes counts once. Adding the themes' own scenarios
    would count such detractors twice.

    Examples
    --------
    >>> data = pd.DataFrame({"score": [0, 3, 5, 9, 10, 8, 6, 10, 9, 7]})
    >>> matches = pd.DataFrame({"a": [1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
    ...                         "b": [0, 1, 1, 0, 0, 0, 0, 0, 0, 0]}, dtype=bool)
    >>> table = pd.DataFrame({"rule": ["fix_pain_point"] * 2, "subject": ["a", "b"]})
    >>> combined_scenario(table, data, matches)[:86]
    'Together, if the detractors who mention any of these 2 themes became passives: up to +'
    """
    subjects = [s for s in actions.loc[actions["rule"] == "fix_pain_point", "subject"]
                if s in matches.columns]
    if len(subjects) < 2:
        return ""
    gain, low, high = _union()(data, matches, subjects, score=score)
    if not np.isfinite(gain):
        return ""
    return (f"Together, if the detractors who mention any of these {len(subjects)} themes "
            f"became passives: up to +{gain:.1f} points (95% interval {low:.1f} to {high:.1f}), "
            "each detractor counted once: the themes' own figures overlap and do not add up.")
