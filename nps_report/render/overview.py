"""The company overview's sections, rendered from its :class:`~nps_report.tables.OverviewTables`."""

from __future__ import annotations

import pandas as pd

from . import charts, common
from .common import headline_row, option
from .html import (STYLES, Html, bullets, concat, esc, fmt_nps, heading, interval_text, note,
                   table, title as title_block)

__all__ = ["title", "headline", "trend", "departments", "ranking", "movers", "external",
           "loop", "data_quality"]


def title(o) -> Html:
    """The title, "Company overview", and the quarter."""
    return title_block("Company overview", f"Net Promoter Score for {o.quarter}")


def headline(o) -> Html:
    """Company NPS with its interval, responses, number of teams, and what changed."""
    row = headline_row(o)
    block = common.headline_kpis(row, label=f"company NPS {o.quarter}",
                                 count=(f"{o.teams['team'].nunique()}", "teams"),
                                 confidence=option(o, "confidence"))
    return concat(block, common.changes_list(o.changes), common.detectable_note(o.changes),
                  common.family_note(o.changes, o.families))


def trend(o) -> charts.Chart:
    """Company NPS per quarter with its interval band."""
    return charts.trend(o.trend, who="the company")


def departments(o) -> Html:
    """Each department's NPS with its interval, best first."""
    frame = o.departments
    return table(pd.DataFrame({
        "department": frame["department"].to_numpy(), "n": frame["n"].astype(int).to_numpy(),
        "NPS": [fmt_nps(v) if s else common.FLOOR_TEXT for v, s in zip(frame["nps"], frame["shown"])],
        "interval": [interval_text(r) if r["shown"] else "" for _, r in frame.iterrows()]}))


def ranking(o) -> Html:
    """Every team ranked by NPS with its interval, the intervals of the ranks and a note on them."""
    return charts.ranking(o.teams, label="team").html() + common.rank_note(
        o.teams, confidence=option(o, "confidence"))


def movers(o) -> Html:
    """The largest significant team changes, flagged when the team's score pattern needs a check."""
    table_ = o.movers
    significant = table_[table_["significant"].astype(bool)] if len(table_) else table_
    flags = o.anomalies
    if "flagged" in significant:
        flagged = set(significant.loc[significant["flagged"].astype(bool), "team"])
    else:
        flagged = set(flags["team"]) if flags is not None and not flags.empty else set()
    if significant.empty and common.nothing_compared(o.families):
        out = note("Nothing could be compared: no team has enough responses (at least "
                   f"{common.option(o, 'display_floor')}) in both quarters of a comparison.")
    elif significant.empty:
        out = note("No team moved significantly (after correcting for the number of comparisons).")
    else:
        top = significant.reindex(significant["diff"].abs().sort_values(ascending=False).index).head(10)
        caveat = Html(f' <span class="sig-down" style="{STYLES["sig-down"]}">Score pattern flagged: '
                      "check before trusting this change (see below).</span>")
        items = [Html(f"<b>{esc(r['team'])}</b>: {esc(r['sentence'])}")
                 + (caveat if r["team"] in flagged else Html()) for _, r in top.iterrows()]
        out = bullets(items)
    if flags is not None and not flags.empty:
        rows = [Html(f"<b>{esc(r['team'])}</b>: {esc(r['evidence'])}") for _, r in flags.iterrows()]
        out = concat(out, heading("Numbers to check before trusting them"), bullets(rows),
                     note("Flags ask for a check of how the survey was sent and answered; they do not "
                          "say anything went wrong."))
    return out + common.family_note(table_, getattr(o, "families", None))


def external(o) -> Html:
    """Published NPS benchmarks and the company's gap to each."""
    return common.external_table(o.external, nps_shown=bool(headline_row(o)["shown"]), who="company",
                                 limit=20)


def loop(tables) -> Html:
    """The teams compared on closing the loop with detractors."""
    from .closing import comparison

    return comparison(tables)


def data_quality(o) -> Html:
    """Responses used, rows rejected, teams below the display floor."""
    return common.data_quality(o)
