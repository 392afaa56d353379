"""The combined scenario of several pain-point actions, counted on the union of responses."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..themes.impact import union_scenario

__all__ = ["combined_scenario"]


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
    gain, low, high = union_scenario(data, matches, subjects, score=score)
    if not np.isfinite(gain):
        return ""
    return (f"Together, if the detractors who mention any of these {len(subjects)} themes "
            f"became passives: up to +{gain:.1f} points (95% interval {low:.1f} to {high:.1f}), "
            "each detractor counted once: the themes' own figures overlap and do not add up.")
