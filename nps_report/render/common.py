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

__all__ = ["FLOOR_TEXT", "option", "headline_row", "headline_kpis", "has_themes", "changes_list", "family_note", "test_note",
           "detectable_note", "drivers_text",
           "themes_text", "themes_table", "topics_list", "quotes", "actions_list",
           "external_table", "data_quality_items", "data_quality", "rank_note", "nothing_compared"]

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
    method = test_note(changes)
    adjustment = str(changes["adjustment"].iloc[0]) if "adjustment" in changes else ""
    if not adjustment or adjustment == "none":
        return note("p-values are not adjusted for the number of comparisons.") + method
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
    return note(text + ".") + method


def test_note(compared: pd.DataFrame | None) -> Html:
    """Which two-sample test gave a table's verdicts, with its reference (changes or gaps).

    Reads the table's ``test`` column (:func:`nps_report.benchmarks.method_note`); nothing
    when no row was tested.
    """
    from ..benchmarks import method_note

    if compared is None or compared.empty or "test" not in compared:
        return Html()
    return note(method_note(compared["test"]))


def detectable_note(changes: pd.DataFrame | None) -> Html:
    """The smallest change each compared pair of quarters could detect (minimum detectable effect).

    One note for the rows of ``changes`` that were tested (``mde`` column,
    :func:`nps_report.benchmarks.detectable_text`), led by a reminder that "not
    significant" is not "no change" when one of them is not significant.
    """
    from ..benchmarks import detectable_text

    if changes is None or changes.empty or "mde" not in changes:
        return Html()
    rows = [r for _, r in changes.iterrows() if detectable_text(r)]
    if not rows:
        return Html()
    quiet = any(not bool(r["significant"]) for r in rows)
    lead_text = "“Not significant” is not “no change”. " if quiet else ""
    return note(f"{lead_text}What these sample sizes can detect: "
                + "; ".join(detectable_text(r) for r in rows) + ".")


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
    level = 100 * float(drivers.attrs.get("confidence", 0.95) or 0.95)
    alpha = float(drivers.attrs.get("alpha", 0.05) or 0.05)
    method = (
        "Importance is each rating's share of the explained variance of the score (Shapley / LMG "
        f"decomposition of R², Grömping 2006) with {level:.0f}% bootstrap intervals; responses "
        "missing a rating are left out of this analysis "
        f"({int(drivers.attrs.get('n_dropped', 0) or 0):,} here). A rating is named only when the "
        f"ratings together explain the score (F-test of the regression, p < {alpha:g}), it adds to "
        "what the others explain (its partial F-test) and the bootstrap interval of its importance "
        "minus every other rating's is above 0. 'Fix first' = a named rating with below-average "
        "performance, compared as a share of each rating's scale.")
    if drivers.attrs.get("verdict", "drivers") != "drivers":
        method += (" With no clear driver, the charts and the table show the estimates for "
                   "reading only: their order and quadrants are within the noise.")
    return lead(driver_analysis.summarize(table_)) + note(method)


def has_themes(impact: pd.DataFrame) -> bool:
    return impact is not None and not impact.empty and int(impact["mentions"].sum()) > 0


def themes_text(impact: pd.DataFrame, *, who: str) -> Html:
    """The theme summary (pain points, or that none stands out; coverage), or why there is none."""
    from .. import themes

    if not has_themes(impact):
        if impact is not None and (impact.attrs.get("n_commented") or 0) > 0:
            return note(themes.summarize(impact))
        return note(f"Too few comments from {who} this quarter to find themes.")
    return lead(themes.summarize(impact))


def themes_table(impact: pd.DataFrame, *, top: int = 8) -> Html:
    """The top themes: verdict, mentions, NPS difference with its interval, the scenario."""
    from ..themes.narrative import coverage_sentence

    if not has_themes(impact):
        return Html()
    shown = impact.head(top)
    pain = shown["verdict"] == "pain point"

    def interval(value, low, high):
        return f"{value:+.0f} ({low:+.0f} to {high:+.0f})"

    out = pd.DataFrame({
        "theme": shown["label"].to_numpy(),
        "verdict": shown["verdict"].to_numpy(),
        "mentions": shown["mentions"].to_numpy(),
        "detractors": shown["detractors"].to_numpy(),
        "NPS difference (95% interval)": [
            interval(v, lo, hi) for v, lo, hi in zip(shown["nps_difference"],
                                                     shown["nps_difference_low"],
                                                     shown["nps_difference_high"])],
        "if these detractors became passives": [
            f"up to +{g:.1f} ({lo:.1f} to {hi:.1f})" if p else ""
            for g, lo, hi, p in zip(shown["scenario_gain"], shown["scenario_low"],
                                    shown["scenario_high"], pain)],
    })
    alpha = impact.attrs.get("alpha", 0.05)
    m = impact.attrs.get("min_detractors", 5)
    explain = (
        "NPS difference: NPS of the commenters mentioning the theme minus the other commenters' "
        "(an association, not an effect). A pain point's mentions are significantly more often "
        f"detractors' than the other comments (one-sided Fisher exact test, Benjamini-Hochberg "
        f"false discovery rate {alpha:.0%} over the themes examined) and at least {m} detractors "
        "mention it; a strength's are significantly more often promoters'. The last column is a "
        "scenario, not a forecast: it assumes the theme is why these detractors score low and "
        "that fixing it would move every one of them; themes overlap, so scenarios do not add up.")
    cover = coverage_sentence(impact)
    return table(out) + note((cover + " " if cover else "") + explain)


def topics_list(topics: pd.DataFrame) -> Html:
    """Discovered topics: phrases that set detractors' comments apart, not in the theme list."""
    if topics is None or topics.empty:
        return Html()
    items = [f"{r['label'].removeprefix('Discovered: ')} ({int(r['comments'])} comments, "
             f"{int(r['detractors'])} from detractors)" if "detractors" in r else
             f"{r['terms']} ({int(r['comments'])} comments)" for _, r in topics.iterrows()]
    return heading("Phrases that set detractors' comments apart (not in the theme list)") \
        + bullets(items)


def quotes(quotes_table: pd.DataFrame, impact: pd.DataFrame, *, themes: int = 4) -> Html:
    """Redacted verbatims of the top themes."""
    if quotes_table is None or quotes_table.empty or not has_themes(impact):
        return Html()
    labels = list(impact.head(8)["label"].head(themes))
    return concat(heading("What customers say"), verbatims(quotes_table, labels=labels), note(
        "Comments are quoted with e-mail addresses, phone numbers, long digit runs and link tokens removed."))


def actions_list(actions_table: pd.DataFrame) -> Html:
    """The ranked actions, numbered, with why, owner, priority and evidence.

    The gates' notes (``attrs["notes"]`` of :func:`nps_report.actions.recommend`: "No
    pain point stands out this quarter." ...) are printed before the list, the combined
    scenario of several pain points (``attrs["combined"]``) after it.
    """
    from .. import actions
    from .html import action_list

    notes = [] if actions_table is None else list(actions_table.attrs.get("notes") or [])
    said = note(" ".join(notes)) if notes else Html()
    if actions_table is None or actions_table.empty:
        return said + note("No action rule fired this quarter.")
    combined = str(actions_table.attrs.get("combined") or "")
    return said + action_list(actions.display_table(actions_table)) + (
        note(combined) if combined else Html()) + note(
        "Warnings about the numbers come first. Then actions are ranked by their evidence: "
        "for a pain point, the lower end of the 95% interval of its scenario (if its "
        "detractors became passives), in NPS points; a scenario is not a forecast. A key "
        "driver's figure is its share of the differences in scores, an association, not "
        "points. The rules live in the build's action rules file (default: the shipped "
        "actions.yaml).")


def external_table(external: pd.DataFrame | None, *, nps_shown: bool, who: str,
                   limit: int = 8, total: int | None = None) -> Html:
    """Published benchmarks: each figure, its source and the gap to ``who``."""
    if external is None or external.empty:
        return note("No external benchmarks: name a benchmarks file in the build file "
                    "(benchmarks: shipped for the example figures that ship with nps-report, "
                    "or a file of your own) to compare with published figures.")
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


def rank_note(table, *, confidence: float = 0.95, what: str = "teams") -> Html:
    """What the brackets of a ranking chart mean, and the groups whose rank says little.

    ``table`` is a :func:`nps_report.benchmarks.team_ranks` table (``rank_low``,
    ``rank_high``, ``rank_uncertain``); without those columns, nothing.

    Examples
    --------
    >>> import pandas as pd
    >>> ranks = pd.DataFrame({"team": ["A", "B"], "shown": True, "rank": [1.0, 2.0],
    ...                       "rank_low": [1.0, 1.0], "rank_high": [2.0, 2.0],
    ...                       "rank_uncertain": [True, True]})
    >>> "Too uncertain to place reliably (interval over more than half of the 2 teams): A (1–2)" in rank_note(ranks)._repr_html_()
    True
    """
    if table is None or "rank_low" not in table or "rank_uncertain" not in table:
        return Html("")
    shown = table[table["shown"].astype(bool) & table["rank"].notna()]
    if shown.empty:
        return Html("")
    from ..benchmarks import RANK_DRAWS

    label = "team" if "team" in shown else shown.columns[0]
    text = (f"In brackets: the {confidence:.0%} interval of each rank, from {RANK_DRAWS:,} "
            f"draws of an empirical-Bayes model that pulls every {what[:-1]} towards the "
            f"pool of all of them as much as they are alike (statistics page, \"Ranks\"); a "
            f"rank without brackets is clear. The bars and ranks are each {what[:-1]}'s own, "
            f"unshrunk NPS.")
    unsure = shown[shown["rank_uncertain"].astype(bool)]
    if len(unsure):
        names = ", ".join(f"{r[label]} ({int(r['rank_low'])}\u2013{int(r['rank_high'])})"
                          for _, r in unsure.iterrows())
        text += (f" Too uncertain to place reliably (interval over more than half of the "
                 f"{len(shown)} {what}): {names}.")
    return note(text)
