"""A team report's sections, rendered from its :class:`~nps_report.tables.TeamTables`.

Each function takes the report's tables and returns an :class:`~nps_report.render.html.Html`
fragment or a :class:`~nps_report.render.charts.Chart`; none depends on another having run.
"""

from __future__ import annotations

import pandas as pd

from . import charts, common
from .common import FLOOR_TEXT, headline_row, option
from .html import (Html, bullets, concat, fmt_nps, heading,
                   interval_text, kpis, note, table, title as title_block)

__all__ = ["title", "headline", "distribution", "trend", "segments", "comparison", "gaps",
           "external", "driver_importance", "driver_quadrant", "drivers", "theme_impact",
           "themes", "actions", "loop", "data_quality"]


def title(t) -> Html:
    """The team's name, its department and the quarter."""
    return title_block(t.team, f"{t.department} · NPS report for {t.quarter}")


def headline(t) -> Html:
    """NPS with its interval, responses, promoters/detractors, and what changed (with verdicts).

    Examples
    --------
    >>> import nps_report as nr
    >>> t = nr.report_tables(nr.load_context(), team="Billing Operations", quarter="2026Q3")
    >>> page = nr.render.team.headline(t)._repr_html_()
    >>> 'class="headline" style="display:flex' in page
    True
    """
    row = headline_row(t)
    floor = option(t, "display_floor")
    if not bool(row["shown"]):
        return concat(kpis([("—", f"NPS, {FLOOR_TEXT} (n = {int(row['n'])})")]),
                      note(f"Fewer than {floor} responses: no score is shown, because one answer "
                           "would move it by tens of points."))
    conf = option(t, "confidence")
    items = [(fmt_nps(row["nps"]), f"NPS {t.quarter}"),
             (interval_text(row), f"{round(100 * conf)}% confidence interval"),
             (f"{int(row['n']):,}", "responses"),
             (f"{row['pct_promoters']:.0f}% / {row['pct_detractors']:.0f}%", "promoters / detractors")]
    precision = note(f"The interval is wide (margin of error above {option(t, 'precision_moe'):.0f} "
                     "points): read the score as a range.") if bool(row["imprecise"]) else Html()
    return concat(kpis(items), common.changes_list(t.changes), common.detectable_note(t.changes),
                  precision, common.family_note(t.changes, getattr(t, "families", None)))


def distribution(t) -> charts.Chart:
    """Bar chart of the share of this quarter's responses at each score."""
    return charts.score_distribution(t.responses, who=f"{t.team}, {t.quarter}")


def trend(t):
    """NPS per quarter with its interval band, or a note when fewer than two quarters have a score."""
    shown = t.trend[t.trend["shown"].astype(bool)]
    if len(shown) < 2:
        return note("Not enough quarters with a score to draw a trend.")
    return charts.trend(t.trend, who=t.team)


def segments(t) -> Html:
    """NPS with its interval for each value of each segment column (plan, region ...)."""
    table_ = t.segments
    if table_ is None or table_.empty:
        return note("The build file lists no segment columns.")
    parts = []
    for segment, group in table_.groupby("segment", sort=False):
        group = group.sort_values("n", ascending=False, kind="mergesort")
        shown = group["shown"].astype(bool)
        label = str(segment).replace("_", " ")
        frame = pd.DataFrame({
            label: group["value"].to_numpy(), "n": group["n"].astype(int).to_numpy(),
            "NPS": [fmt_nps(v) if s else FLOOR_TEXT for v, s in zip(group["nps"], shown)],
            "interval": [interval_text(r) if s else "" for (_, r), s in zip(group.iterrows(), shown)]})
        parts.append(heading(label.capitalize()) + table(frame))
    return concat(*parts)


def comparison(t) -> charts.Chart:
    """Bars of the team's, its department's and the company's NPS with their intervals."""
    return charts.benchmark(t.comparison, confidence=option(t, "confidence"))


def gaps(t) -> Html:
    """The team against the rest of its department and of the company, and its rank."""
    from .. import benchmarks  # the rank sentence of tables saved before it was a column

    items = list(t.gaps["sentence"]) if t.gaps is not None and len(t.gaps) else []
    rank = t.rank.iloc[0] if isinstance(t.rank, pd.DataFrame) and len(t.rank) else t.rank
    if rank is not None and len(rank) and bool(rank["shown"]) and pd.notna(rank["rank"]):
        items.append(rank["rank_sentence"] if "rank_sentence" in rank
                     else benchmarks.describe_rank(rank, confidence=option(t, "confidence")))
    return bullets(items) + note(
        "Gaps compare the team with the rest of its department and of the company (the team's own "
        "responses removed); p-values adjusted for the number of comparisons (Benjamini-Hochberg).") \
        + common.test_note(t.gaps)


def external(t) -> Html:
    """Published NPS benchmarks and the team's gap to each."""
    return heading("Published benchmarks") + common.external_table(
        t.external, nps_shown=bool(headline_row(t)["shown"]), who="team")


def _drivers_status(t):
    return getattr(t, "drivers_status", None) or t.drivers.attrs.get("status", "ok"), \
        getattr(t, "drivers_reason", None) or t.drivers.attrs.get("reason", "")


def driver_importance(t):
    """Bars of each rating's importance, or nothing when there is no key-driver analysis."""
    status, reason = _drivers_status(t)
    if status != "ok":
        return Html()
    return charts.driver_importance(t.drivers, status=status, reason=reason)


def driver_quadrant(t):
    """Importance against rating: what to fix first (nothing without a key-driver analysis)."""
    status, reason = _drivers_status(t)
    if status != "ok":
        return Html()
    return charts.driver_quadrant(t.drivers, status=status, reason=reason)


def drivers(t) -> Html:
    """What moves the score, in a sentence, and how to read the driver charts."""
    status, reason = _drivers_status(t)
    return common.drivers_text(t.drivers, status=status, reason=reason, who="this team")


def theme_impact(t):
    """How the NPS of each theme's mentioners differs from the rest, with intervals (nothing without themes)."""
    if not common.has_themes(t.themes):
        return Html()
    return charts.theme_impact(t.themes)


def themes(t) -> Html:
    """Pain points or "no pain point stands out", coverage, themes table, discovered topics, verbatims."""
    return concat(common.themes_text(t.themes, who="this team"), common.themes_table(t.themes),
                  common.topics_list(t.topics), common.quotes(t.verbatims, t.themes))


def actions(t) -> Html:
    """The ranked recommended actions, and where the close-the-loop list is."""
    return common.actions_list(t.actions) + note(
        "The list of detractors to call back and promoters to thank names customers, so it is not "
        "in this report: it is the team's close_the_loop.xlsx, linked from the build's index.")


def loop(tables) -> Html:
    """Closing the loop with detractors: figures per quarter and "did calling back help?" (no names, no ids)."""
    from .closing import team_section

    return team_section(tables)


def data_quality(t) -> Html:
    """Responses used, rows rejected, quarters below the display floor, window and expiry."""
    return common.data_quality(t)
