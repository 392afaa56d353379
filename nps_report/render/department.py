"""A department summary's sections, rendered from its :class:`~nps_report.tables.DepartmentTables`."""

from __future__ import annotations

from . import charts, common
from .common import FLOOR_TEXT, headline_row, option
from .html import Html, bullets, concat, esc, note, title as title_block

__all__ = ["title", "headline", "ranking", "heatmap", "changes", "driver_importance",
           "driver_quadrant", "drivers", "theme_impact", "themes", "actions", "loop", "data_quality"]


def title(d) -> Html:
    """The department's name and the quarter."""
    return title_block(d.department, f"Department summary for {d.quarter}")


def headline(d) -> Html:
    """Department NPS with its interval, responses, number of teams, and what changed."""
    row = headline_row(d)
    block = common.headline_kpis(row, label=f"department NPS {d.quarter}",
                                 count=(f"{len(d.teams)}", "teams"),
                                 confidence=option(d, "confidence"))
    return concat(block, common.changes_list(d.changes), common.detectable_note(d.changes),
                  common.family_note(d.changes, d.families))


def ranking(d):
    """Teams ranked by NPS with intervals of scores and ranks; uncertain ranks and teams below
    the display floor listed in notes."""
    shown = d.teams[d.teams["shown"].astype(bool)]
    if shown.empty:
        return note("No team reached the display floor this quarter.")
    chart = charts.ranking(d.teams, label="team", title=f"Teams of {d.department}, {d.quarter}")
    ranks = common.rank_note(d.teams, confidence=option(d, "confidence"))
    hidden = d.teams[~d.teams["shown"].astype(bool)]["team"].tolist()
    if not hidden:
        return chart.html() + ranks
    return chart.html() + ranks + note(f"Below the display floor ({FLOOR_TEXT}): "
                                       f"{', '.join(hidden)}")


def heatmap(d) -> charts.Chart:
    """NPS of each team in each quarter of the trend window."""
    return charts.heatmap(d.team_trend, row="team", column="quarter")


def changes(d) -> Html:
    """The teams' statistically significant changes (the build's verdicts, one family per quarter)."""
    table = d.team_changes
    significant = table[table["significant"].astype(bool)] if len(table) else table
    if significant.empty and common.nothing_compared(d.families):
        return note("Nothing could be compared: no team has enough responses (at least "
                    f"{common.option(d, 'display_floor')}) in both quarters of a comparison.")
    if significant.empty:
        return note("No team's change is statistically significant after correcting for "
                    "the number of comparisons.") + common.family_note(table, d.families)
    items = [Html(f"<b>{esc(r['team'])}</b>: {esc(r['sentence'])}") for _, r in significant.iterrows()]
    return bullets(items) + common.family_note(table, d.families)


def _status(d):
    return getattr(d, "drivers_status", None) or d.drivers.attrs.get("status", "ok"), \
        getattr(d, "drivers_reason", None) or d.drivers.attrs.get("reason", "")


def driver_importance(d):
    """Bars of each rating's importance for the department (nothing without an analysis)."""
    status, reason = _status(d)
    return charts.driver_importance(d.drivers, status=status, reason=reason) if status == "ok" else Html()


def driver_quadrant(d):
    """Importance against rating for the department (nothing without an analysis)."""
    status, reason = _status(d)
    return charts.driver_quadrant(d.drivers, status=status, reason=reason) if status == "ok" else Html()


def drivers(d) -> Html:
    """What moves the department's score, in a sentence."""
    status, reason = _status(d)
    return common.drivers_text(d.drivers, status=status, reason=reason, who="the department")


def theme_impact(d):
    """How the NPS of each theme's mentioners differs from the rest, with intervals (nothing without themes)."""
    return charts.theme_impact(d.themes) if common.has_themes(d.themes) else Html()


def themes(d) -> Html:
    """Theme summary, top themes, discovered topics and redacted verbatims of the department."""
    return concat(common.themes_text(d.themes, who="the department"), common.themes_table(d.themes),
                  common.topics_list(d.topics), common.quotes(d.verbatims, d.themes))


def actions(d) -> Html:
    """The top actions of the department's teams, as their own reports list them."""
    return common.actions_list(d.actions)


def loop(tables) -> Html:
    """The teams compared on closing the loop with detractors."""
    from .closing import comparison

    return comparison(tables)


def data_quality(d) -> Html:
    """Responses used and teams below the display floor."""
    return common.data_quality(d)
