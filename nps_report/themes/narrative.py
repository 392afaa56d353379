"""Plain-language summary of a theme impact table."""

from __future__ import annotations

import pandas as pd

__all__ = ["summarize"]


def summarize(table: pd.DataFrame, *, top: int = 2) -> str:
    """Plain-language summary of a :func:`theme_impact` table.

    Example: "Billing errors are mentioned by 31% of detractors who left a comment;
    turning those detractors into passives would add 4.2 points to the NPS. Slow
    support: 22% of commenting detractors, 3.1 points. Most often praised by promoters:
    friendly staff (28% of promoters who left a comment)."
    """
    if table is None or table.empty or int(table["mentions"].sum()) == 0:
        return "No comment mentions any theme."
    complaints = table[(table["polarity"] != "positive") & (table["detractors"] > 0)]
    complaints = complaints.sort_values(["gain", "mentions"], ascending=False).head(max(1, top))
    sentences = []
    for i, row in enumerate(complaints.itertuples()):
        if i == 0:
            sentences.append(
                f"{row.label} {'is' if _singular(row.label) else 'are'} mentioned by "
                f"{row.share_detractors:.0f}% of detractors who left a comment; turning those "
                f"detractors into passives would add {row.gain:.1f} points to the NPS.")
        else:
            sentences.append(f"{row.label}: {row.share_detractors:.0f}% of commenting "
                             f"detractors, {row.gain:.1f} points.")
    praise = table[(table["polarity"] == "positive") & (table["promoters"] > 0)]
    if not praise.empty:
        best = praise.sort_values("share_promoters", ascending=False).iloc[0]
        sentences.append(f"Most often praised by promoters: {best['label'][:1].lower()}"
                         f"{best['label'][1:]} ({best['share_promoters']:.0f}% of promoters "
                         f"who left a comment).")
    if not sentences:
        return "No detractor comment mentions a theme."
    return " ".join(sentences)


def _singular(label: str) -> bool:
    """Whether a theme label reads as singular ("Price is", "Billing errors are")."""
    head = label.split(" and ")[0].split()[-1].lower() if label.split() else ""
    return not (head.endswith("s") and not head.endswith("ss"))
