"""Sections every report kind shares: headline numbers, change sentences, drivers, themes, actions.

Each function takes the tables of one report (see :mod:`nps_report.tables`) or one of
their DataFrames, and returns :class:`~nps_report.render.html.Html` or a
:class:`~nps_report.render.charts.Chart`. Nothing is computed here that a reader sees as a
number: the tables hold the numbers, these functions only word and lay them out.
"""

from __future__ import annotations

import pandas as pd

from ..loading import FIGURES
from .html import data_quality as quality_box
from .html import (Html, bullets, concat, fmt_nps, heading, interval_text, kpis, lead,
                   note, table, verbatims)

__all__ = ["FLOOR_TEXT", "option", "headline_row", "headline_kpis", "has_themes", "changes_list", "family_note", "drivers_text",
           "themes_text", "themes_table", "topics_list", "quotes", "actions_list",
           "external_table", "data_quality_items", "data_quality", "nothing_compared"]

FLOOR_TEXT = "too few responses this quarter"


def option(tables, name: str):
    """One of the report's options (``tables.options``: a ReportOptions or a dict)."""
    options = tables.options
    if isinstance(options, dict):
        return options[name]
    return getattr(options, name)


def headline_row(tables) -> pd.Series:
    """The report's one-row headline table as a Series."""
    frame = tables.headline
    return frame.iloc[0] if isinstance(frame, pd.DataFrame) else frame


def headline_kpis(row: pd.Series, *, label: str, count: tuple[str, str] | None = None,
                  confidence: float = 0.95) -> Html:
    """NPS, interval, responses (and a count such as teams) as a headline block."""
    conf = f"{round(100 * confidence)}% confidence interval"
    shown = bool(row["shown"])
    items = [(fmt_nps(row["nps"]) if shown else "—", label),
             (interval_text(row) if shown else "", conf),
             (f"{int(row['n']):,}", "responses")]
    if count is not None:
        items.append(count)
    return kpis(items)


def changes_list(changes: pd.DataFrame, *, cls: str = "lead") -> Html:
    """The change sentences (QoQ / YoY, with their verdict) as a list."""
    if changes is None or changes.empty:
        return Html()
    return bullets(list(changes["sentence"]), cls=cls)


def nothing_compared(families: pd.DataFrame | None, family: str = "team changes") -> bool:
    """True when a multiple-testing family holds no test: no group had enough responses
    in both quarters of any comparison, so "no significant change" would mislead.

    Examples
    --------
    >>> nothing_compared(pd.DataFrame({"family": ["team changes"], "tests": [0]}))
    True
    """
    if families is None or not len(families) or "tests" not in families:
        return False
    match = families[families["family"] == family]
    return bool(len(match)) and int(match["tests"].iloc[0]) == 0


def family_note(changes: pd.DataFrame, families: pd.DataFrame | None = None) -> Html:
    """Which multiple-testing family the verdicts come from (one per build and quarter).

    ``families`` (the build's ``family``, ``tests``, ``adjustment`` table) adds how many
    tests the family adjusts over.
    """
    if changes is None or changes.empty:
        return Html()
    adjustment = str(changes["adjustment"].iloc[0]) if "adjustment" in changes else ""
    if not adjustment or adjustment == "none":
        return note("p-values are not adjusted for the number of comparisons.")
    text = f"p-values adjusted for the number of comparisons ({adjustment})"
    if "family" in changes and pd.notna(changes["family"].iloc[0]):
        family = str(changes["family"].iloc[0])
        tests = None
        if families is not None and len(families) and "tests" in families:
            match = families[families["family"] == family]
            tests = int(match["tests"].iloc[0]) if len(match) else None
        size = f", {tests:,} tests" if tests else ""
        text += (f" within the build's family “{family}”{size}: the same verdict in every report "
                 "that shows this change")
    return note(text + ".")


def drivers_text(drivers: pd.DataFrame, *, status: str, reason: str, who: str) -> Html:
    """The key-driver summary sentence and how to read the charts."""
    from .. import drivers as driver_analysis

    if status == "no_attributes":
        return note("The build file lists no attribute-rating columns, so there is no "
                    "key-driver analysis (add them under data.attributes).")
    if status != "ok":
        return note(f"Not enough data for a key-driver analysis of {who}: {reason}")
    table_ = drivers.copy()
    table_.attrs.update(drivers.attrs)
    table_.attrs["status"] = status
    return lead(driver_analysis.summarize(table_)) + note(
        "Importance is each rating's share of the explained variance of the score (Shapley / LMG "
        "decomposition of R²) with 95% bootstrap intervals; responses missing a rating are left out "
        f"of this analysis ({int(drivers.attrs.get('n_dropped', 0) or 0):,} here). 'Fix first' = "
        "above-average importance and below-average rating.")


def has_themes(impact: pd.DataFrame) -> bool:
    return impact is not None and not impact.empty and int(impact["mentions"].sum()) > 0


def themes_text(impact: pd.DataFrame, *, who: str) -> Html:
    """The theme summary sentence, or why there is none."""
    from .. import themes

    if not has_themes(impact):
        return note(f"Too few comments from {who} this quarter to find themes.")
    return lead(themes.summarize(impact))


def themes_table(impact: pd.DataFrame, *, top: int = 8) -> Html:
    """The top themes: mentions, shares of detractors and promoters, NPS, points at stake."""
    if not has_themes(impact):
        return Html()
    shown = impact.head(top)[["label", "mentions", "share_detractors", "share_promoters", "nps", "gain"]]
    shown = shown.rename(columns={
        "label": "theme", "share_detractors": "% of commenting detractors",
        "share_promoters": "% of commenting promoters", "nps": "NPS of mentions",
        "gain": "points if its detractors became passives"})
    return table(shown, formats={"% of commenting detractors": "{:.0f}%",
                                 "% of commenting promoters": "{:.0f}%", "NPS of mentions": fmt_nps,
                                 "points if its detractors became passives": "{:.1f}"})


def topics_list(topics: pd.DataFrame) -> Html:
    """Discovered topics the theme list does not cover."""
    if topics is None or topics.empty:
        return Html()
    items = [f"{r['terms']} ({int(r['comments'])} comments)" for _, r in topics.iterrows()]
    return heading("Topics the theme list does not cover") + bullets(items)


def quotes(quotes_table: pd.DataFrame, impact: pd.DataFrame, *, themes: int = 4) -> Html:
    """Redacted verbatims of the top themes."""
    if quotes_table is None or quotes_table.empty or not has_themes(impact):
        return Html()
    labels = list(impact.head(8)["label"].head(themes))
    return concat(heading("What customers say"), verbatims(quotes_table, labels=labels), note(
        "Comments are quoted with e-mail addresses, phone numbers, long digit runs and link tokens removed."))


def actions_list(actions_table: pd.DataFrame) -> Html:
    """The ranked actions, numbered, with why, owner, priority and expected effect."""
    from .. import actions
    from .html import action_list

    if actions_table is None or actions_table.empty:
        return note("No action rule fired this quarter.")
    return action_list(actions.display_table(actions_table)) + note(
        "Ranked by expected effect on the NPS, then urgency. Effects are estimates from the theme and "
        "driver analyses above, not promises; the rules live in params/actions.yaml.")


def external_table(external: pd.DataFrame | None, *, nps_shown: bool, who: str,
                   limit: int = 8, total: int | None = None) -> Html:
    """Published benchmarks: each figure, its source and the gap to ``who``."""
    if external is None or external.empty:
        return note("No external benchmarks: name a benchmarks file in the build file "
                    "(benchmarks: params/benchmarks.yaml) to compare with published figures.")
    if not nps_shown:
        return note(f"{FLOOR_TEXT.capitalize()}: no comparison with external benchmarks.")
    gaps = external.head(limit)
    shown = pd.DataFrame({"benchmark": gaps["name"], "NPS": [fmt_nps(v) for v in gaps["value"]],
                          f"{who} minus benchmark": [fmt_nps(g) for g in gaps["gap"]],
                          "source": gaps["citation"]})
    out = table(shown)
    if "example" in gaps and gaps["example"].fillna(False).astype(bool).any():
        out += note("Figures marked as examples in the benchmarks file: published values from "
                    "different studies, shown to illustrate; choose the ones that fit your market.")
    total = len(external) if total is None else total
    if total > limit:
        out += note(f"{total - limit} more benchmarks in the file are not shown.")
    return out


def data_quality_items(quality) -> dict:
    """The data-quality table (one-row DataFrame or dict) as a plain dict."""
    if isinstance(quality, pd.DataFrame):
        return quality.iloc[0].to_dict() if len(quality) else {}
    if isinstance(quality, pd.Series):
        return quality.to_dict()
    return dict(quality or {})


def _count(value):
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else int(value)


def data_quality(tables) -> Html:
    """The data-quality box of any report, from its ``data_quality`` row and ``window_note``.

    Reads ``used``, ``rejected`` (absent or empty: not reported), ``below_floor``
    (``"; "``-joined quarters or teams), ``display_floor``, ``trend_quarters`` /
    ``trend_responses`` and ``expired``.
    """
    quality = data_quality_items(tables.data_quality)
    below = quality.get("below_floor") or []
    if isinstance(below, str):
        below = [b for b in below.split("; ") if b]
    extra = []
    if _count(quality.get("trend_responses")) is not None:
        quarters = _count(quality.get("trend_quarters"))
        extra.append(f"Responses in the {str(quarters) + '-quarter ' if quarters else ''}trend: "
                     f"{_count(quality['trend_responses']):,}")
    window = getattr(tables, "window_note", "")
    if window:
        extra.append(window)
    elif _count(quality.get("expired")):
        extra.append(f"Responses expired (older than the build's maximum age): {_count(quality['expired']):,}")
    floor = _count(quality.get("display_floor"))
    loading = {k: _count(quality.get(k)) for k in FIGURES if k in quality}
    return quality_box(used=_count(quality.get("used")) or 0, rejected=_count(quality.get("rejected")),
                       loading=loading if "rows_read" in loading else None, below_floor=below, display_floor=floor if floor is not None else option(tables, "display_floor"),
                       extra=extra)
