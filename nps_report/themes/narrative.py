"""Plain-language summary of a theme impact table: pain points, strengths, coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["NO_PAIN_POINT", "coverage_sentence", "scenario_text", "summarize"]

#: What a report says when no theme passes the pain-point test.
NO_PAIN_POINT = "No pain point stands out this quarter"


def scenario_text(gain: float, low: float, high: float) -> str:
    """The scenario of a theme in words, never as an expectation.

    Examples
    --------
    >>> scenario_text(12.0, 7.6, 18.3)
    'if these detractors became passives: up to +12.0 points (95% interval 7.6 to 18.3)'
    """
    return (f"if these detractors became passives: up to +{gain:.1f} points "
            f"(95% interval {low:.1f} to {high:.1f})")


def coverage_sentence(table: pd.DataFrame) -> str:
    """"Some theme covers 62% of commenting detractors." (empty without commenting detractors).

    Examples
    --------
    >>> t = pd.DataFrame(columns=["mentions"]); t.attrs["detractor_coverage"] = 0.62
    >>> coverage_sentence(t)
    'Some theme covers 62% of commenting detractors.'
    """
    share = table.attrs.get("detractor_coverage", np.nan) if table is not None else np.nan
    if share is None or not np.isfinite(share):
        return ""
    return f"Some theme covers {100 * share:.0f}% of commenting detractors."


def summarize(table: pd.DataFrame, *, top: int = 2) -> str:
    """Plain-language summary of a :func:`~nps_report.themes.theme_impact` table.

    Names the pain points (significantly detractor-heavy themes, see
    :func:`~nps_report.themes.impact.theme_verdicts`) with the NPS difference and the
    scenario, says "No pain point stands out this quarter" when none passes, names
    the main strength, and ends with the detractor coverage.

    Examples
    --------
    >>> import pandas as pd
    >>> from nps_report import themes
    >>> data = pd.DataFrame({"score": [0, 2, 3, 4, 5, 6, 9, 10, 9, 10, 8, 9],
    ...                      "comment": ["bill wrong"] * 6 + ["fine"] * 6})
    >>> t = themes.theme_impact(data, pd.DataFrame({"billing": [True] * 6 + [False] * 6}))
    >>> print(summarize(t))  # doctest: +NORMALIZE_WHITESPACE
    Pain point: billing, mentioned by 100% of commenting detractors; its mentioners' NPS
    is 183 points below the other commenters' (95% interval 64 to 183); if these
    detractors became passives: up to +50.0 points (95% interval 25.4 to 74.6). Some
    theme covers 100% of commenting detractors.
    """
    if table is None or table.empty or int(table["mentions"].sum()) == 0:
        n = int((table.attrs.get("n_commented") or 0) if table is not None else 0)
        if n:
            return (f"None of the {n} comments matches a theme of the list, and no phrase sets "
                    f"detractors' comments apart: {NO_PAIN_POINT[0].lower()}{NO_PAIN_POINT[1:]}.")
        return "No comment mentions any theme."
    sentences = []
    pains = table[table["verdict"] == "pain point"]
    pains = pains.sort_values("scenario_gain", ascending=False).head(max(1, top))
    for i, row in enumerate(pains.itertuples()):
        below = -row.nps_difference
        sentences.append(
            f"{'Pain point' if i == 0 else 'Also'}: {_lower(row.label)}, mentioned by "
            f"{row.share_detractors:.0f}% of commenting detractors; its mentioners' NPS is "
            f"{below:.0f} points below the other commenters' (95% interval "
            f"{-row.nps_difference_high:.0f} to {-row.nps_difference_low:.0f}); "
            f"{scenario_text(row.scenario_gain, row.scenario_low, row.scenario_high)}.")
    if pains.empty:
        m = table.attrs.get("min_detractors")
        sentences.append(
            f"{NO_PAIN_POINT}: no theme is mentioned"
            + (f" by at least {m} detractors and" if m else "")
            + " significantly more often by detractors than by the other commenters.")
        named = table[table["detractors"] > 0].sort_values("detractors", ascending=False)
        if not named.empty:
            row = named.iloc[0]
            sentences.append(f"Most mentioned by detractors: {_lower(row['label'])} "
                             f"({int(row['detractors'])}, not significant).")
    strengths = table[table["verdict"] == "strength"]
    if not strengths.empty:
        best = strengths.sort_values("share_promoters", ascending=False).iloc[0]
        sentences.append(f"Strength: {_lower(best['label'])} ({best['share_promoters']:.0f}% of "
                         f"promoters who left a comment).")
    cover = coverage_sentence(table)
    if cover:
        sentences.append(cover)
    return " ".join(sentences)


def _lower(label: str) -> str:
    """A label inside a sentence: first letter lower-cased unless it is an acronym."""
    label = str(label)
    if label.startswith("Discovered:") or label[:2].isupper():
        return label
    return label[:1].lower() + label[1:]
