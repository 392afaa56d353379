"""Report sections as HTML, drawn from the report tables (a shim until the render layer lands).

Every number comes from :mod:`nps_report.tables` (``view.tables``): a view computes its
report's tables once, in its constructor, and its sections only format them. No section
depends on another having run. The templates of the render layer replace this module.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import report, schema
from .report import esc, fmt_nps

FLOOR_TEXT = "too few responses this quarter"

def _interval_text(row) -> str:
    return f"{fmt_nps(row['ci_low'])} to {fmt_nps(row['ci_high'])}"


def _drivers_html(table, status, reason, *, who: str) -> str:
    """Key drivers: importance with intervals, quadrant, summary (from a report's driver table)."""
    from . import drivers
    from .plots import driver_importance, driver_quadrant

    if status == "no_attributes":
        return report.note("The build file lists no attribute-rating columns, so there is no "
                           "key-driver analysis (add them under data.attributes).")
    if status != "ok":
        return report.note(f"Not enough data for a key-driver analysis of {who}: {reason}")
    report.show(driver_importance(table))
    report.show(driver_quadrant(table))
    return (f"<p class='lead'>{esc(drivers.summarize(table))}</p>" + report.note(
        "Importance is each rating's share of the explained variance of the score (Shapley / LMG "
        "decomposition of R²) with 95% bootstrap intervals; responses missing a rating are left out "
        f"of this analysis ({table.attrs.get('n_dropped', 0):,} here). 'Fix first' = above-average "
        "importance and below-average rating."))


def _themes_html(impact, topics, quotes, *, who: str) -> str:
    """Comment themes: impact chart, summary, discovered topics, redacted verbatims."""
    from . import themes
    from .plots import theme_impact_bars

    if impact.empty or impact["mentions"].sum() == 0:
        return report.note(f"Too few comments from {who} this quarter to find themes.")
    report.show(theme_impact_bars(impact))
    parts = [f"<p class='lead'>{esc(themes.summarize(impact))}</p>"]
    top = impact.head(8)
    parts.append(report.table(
        top[["label", "mentions", "share_detractors", "share_promoters", "nps", "gain"]].rename(columns={
            "label": "theme", "share_detractors": "% of commenting detractors",
            "share_promoters": "% of commenting promoters", "nps": "NPS of mentions",
            "gain": "points if its detractors became passives"}),
        formats={"% of commenting detractors": "{:.0f}%", "% of commenting promoters": "{:.0f}%",
                 "NPS of mentions": fmt_nps, "points if its detractors became passives": "{:.1f}"}))
    if not topics.empty:
        items = "".join(f"<li>{esc(r['terms'])} ({int(r['comments'])} comments)</li>"
                        for _, r in topics.iterrows())
        parts.append(f"<h3>Topics the theme list does not cover</h3><ul>{items}</ul>")
    if not quotes.empty:
        parts.append("<h3>What customers say</h3>")
        for theme_label, group in quotes.groupby("label", sort=False):
            if theme_label not in set(top["label"].head(4)):
                continue
            lines = "".join(f"<div class='verbatim'>“{esc(r['comment'])}” "
                            f"<span class='muted'>(score {int(r['score'])})</span></div>"
                            for _, r in group.iterrows())
            parts.append(f"<p><b>{esc(theme_label)}</b></p>{lines}")
        parts.append(report.note("Comments are quoted with e-mail addresses, phone numbers, long "
                                 "digit runs and link tokens removed."))
    return "".join(parts)


def _actions_html(table) -> str:
    from . import actions

    if table.empty:
        return report.note("No action rule fired this quarter.")
    shown = actions.display_table(table)
    rows = []
    for _, r in shown.iterrows():
        owner = f" · owner: {esc(r['owner'])}" if isinstance(r["owner"], str) and r["owner"] else ""
        team = f"<b>{esc(r['team'])}</b>: " if "team" in shown and isinstance(r["team"], str) else ""
        effect = r.get("effect on the department", r["expected effect"])
        rows.append(f"<li><b>{esc(r['action'])}</b> <span class='muted'>({esc(r['priority'])} priority, "
                    f"{esc(r['urgency'])}{owner}; expected effect: {esc(effect)})</span>"
                    f"<br>{team}{esc(r['why'])}</li>")
    return (f"<ol>{''.join(rows)}</ol>" + report.note(
        "Ranked by expected effect on the NPS, then urgency. Effects are estimates from the theme and "
        "driver analyses above, not promises; the rules live in params/actions.yaml."))


def _external_html(gaps, options, nps_value, *, who: str, limit: int = 8) -> str:
    if not options.benchmarks:
        return report.note("No external benchmarks: name a benchmarks file in the build file "
                           "(benchmarks: params/benchmarks.yaml) to compare with published figures.")
    if pd.isna(nps_value):
        return report.note(f"{FLOOR_TEXT.capitalize()}: no comparison with external benchmarks.")
    if gaps.empty:
        return report.note("The benchmarks file lists no benchmark.")
    top = gaps.head(limit)
    shown = top.assign(gap=[fmt_nps(g) for g in top["gap"]], value=[fmt_nps(v) for v in top["value"]])
    html = report.table(shown[["name", "value", "gap", "citation"]].rename(
        columns={"name": "benchmark", "value": "NPS", "gap": f"{who} minus benchmark", "citation": "source"}))
    if top["example"].any():
        html += report.note("Figures marked as examples in the benchmarks file: published values from "
                            "different studies, shown to illustrate; choose the ones that fit your market.")
    if len(gaps) > limit:
        html += report.note(f"{len(gaps) - limit} more benchmarks in the file are not shown.")
    return html


def _family_note(families, family: str) -> str:
    rows = families[families["family"] == family]
    if rows.empty:
        return ""
    row = rows.iloc[0]
    how = ("p-values adjusted for the false discovery rate (Benjamini-Hochberg)"
           if row["adjustment"] != "none" else "p-values not adjusted")
    return f"One family of {int(row['tests'])} tests ({family}) for the whole build; {how}."


class TeamView:
    """One team, one quarter: the sections of a team report, from :func:`~nps_report.tables.team_tables`."""

    def __init__(self, ctx, *, team: str, quarter: str):
        from .tables import team_tables

        self.ctx, self.team, self.quarter = ctx, team, quarter
        self.options = ctx.options
        self.tables = team_tables(ctx, team=team, quarter=quarter)
        self.department = self.tables.department
        self.current = self.tables.responses
        self.row = self.tables.headline.iloc[0]
        self.trend = self.tables.trend
        self.changes = self.tables.changes
        self.actions = self.tables.actions
        self.window_note = self.tables.window_note
        self.expired = int(self.tables.data_quality["expired"].iloc[0])

    def title_html(self) -> str:
        return report.title_block(f"{self.team}", f"{self.department} · NPS report for {self.quarter}")

    def headline_html(self) -> str:
        row = self.row
        if not row["shown"]:
            return (report.kpis([("—", f"NPS, {FLOOR_TEXT} (n = {int(row['n'])})")])
                    + report.note(f"Fewer than {self.options.display_floor} responses: no score is "
                                  "shown, because one answer would move it by tens of points."))
        conf = int(round(100 * self.options.confidence))
        items = [(fmt_nps(row["nps"]), f"NPS {self.quarter}"),
                 (_interval_text(row), f"{conf}% confidence interval"),
                 (f"{int(row['n']):,}", "responses"),
                 (f"{row['pct_promoters']:.0f}% / {row['pct_detractors']:.0f}%", "promoters / detractors")]
        sentences = [f"<li>{esc(s)}</li>" for s in self.changes["sentence"]]
        precision = ("<p class='note'>The interval is wide (margin of error above "
                     f"{self.options.precision_moe:.0f} points): read the score as a range.</p>"
                     if row["imprecise"] else "")
        family = self.changes["family"].iloc[0] if len(self.changes) else None
        note = report.note(_family_note(self.tables.families, family)) if family else ""
        return report.kpis(items) + f"<ul class='lead'>{''.join(sentences)}</ul>" + precision + note

    def trend_section(self):
        from .plots import trend_chart

        shown = self.trend[self.trend["shown"]]
        if len(shown) < 2:
            return report.note("Not enough quarters with a score to draw a trend.")
        return trend_chart(self.trend, quarter=schema.QUARTER)

    def segments_html(self) -> str:
        table = self.tables.segments
        if table.empty and not self.ctx.segments:
            return report.note("The build file lists no segment columns.")
        parts = []
        for segment, rows in table.groupby("segment", sort=False):
            shown = rows.assign(
                NPS=[fmt_nps(v) if s else FLOOR_TEXT for v, s in zip(rows["nps"], rows["shown"])],
                interval=[_interval_text(r) if r["shown"] else "" for _, r in rows.iterrows()])
            name = segment.replace("_", " ")
            parts.append(f"<h3>{esc(name.capitalize())}</h3>" + report.table(
                shown[["value", "n", "NPS", "interval"]].rename(columns={"value": name})))
        return "".join(parts)

    def benchmarks_section(self) -> str:
        from .plots import benchmark_chart

        t = self.tables
        if not t.comparison.empty:
            report.show(benchmark_chart(t.comparison))
        items = [f"<li>{esc(s)}</li>" for s in t.gaps["sentence"]]
        if len(t.rank) and bool(t.rank["shown"].iloc[0]):
            mine = t.rank.iloc[0]
            items.append(f"<li>{esc(mine['rank_sentence'])}</li>")
        html = f"<ul>{''.join(items)}</ul>" + report.note(
            "Gaps compare the team with the rest of its department and of the company (the team's own "
            "responses removed); p-values adjusted for the number of comparisons (Benjamini-Hochberg).")
        return html + "<h3>Published benchmarks</h3>" + _external_html(
            t.external, self.options, self.row["nps"] if self.row["shown"] else np.nan, who="team")

    def drivers_section(self) -> str:
        t = self.tables
        return _drivers_html(t.drivers, t.drivers_status, t.drivers_reason, who="this team")

    def themes_section(self) -> str:
        t = self.tables
        return _themes_html(t.themes, t.topics, t.verbatims, who="this team")

    def actions_section(self) -> str:
        return _actions_html(self.tables.actions) + report.note(
            "The list of detractors to call back and promoters to thank names customers, so it is not "
            "in this report: it is the team's close_the_loop.xlsx, linked from the build's index.")

    def data_quality_html(self) -> str:
        q = self.tables.data_quality.iloc[0]
        below = [b for b in str(q["below_floor"]).split("; ") if b]
        extra = f"Responses in the {int(q['trend_quarters'])}-quarter trend: {int(q['trend_responses']):,}"
        if self.window_note:
            extra += ". " + self.window_note
        return report.data_quality(used=int(q["used"]), rejected=int(q["rejected"]), below_floor=below,
                                   display_floor=int(q["display_floor"]), extra=extra)


class DepartmentView:
    """One department, one quarter, from :func:`~nps_report.tables.department_tables`."""

    def __init__(self, ctx, *, department: str, quarter: str):
        from .tables import department_tables

        self.ctx, self.department, self.quarter = ctx, department, quarter
        self.options = ctx.options
        self.tables = department_tables(ctx, department=department, quarter=quarter)
        self.row = self.tables.headline.iloc[0]
        self.teams = self.tables.teams
        self.team_trend = self.tables.team_trend
        self.changes = self.tables.team_changes
        self.actions = self.tables.actions

    def title_html(self) -> str:
        return report.title_block(f"{self.department}", f"Department summary for {self.quarter}")

    def headline_html(self) -> str:
        row = self.row
        items = [(fmt_nps(row["nps"]) if row["shown"] else "—", f"department NPS {self.quarter}"),
                 (_interval_text(row) if row["shown"] else "", "confidence interval"),
                 (f"{int(row['n']):,}", "responses"),
                 (f"{len(self.teams)}", "teams")]
        own = self.tables.changes
        sentences = "".join(f"<li>{esc(s)}</li>" for s in own["sentence"])
        note = report.note(_family_note(self.tables.families, own["family"].iloc[0])) if len(own) else ""
        return report.kpis(items) + f"<ul class='lead'>{sentences}</ul>" + note

    def ranking_section(self):
        from .plots import rank_chart

        shown = self.teams[self.teams["shown"]]
        if shown.empty:
            return report.note("No team reached the display floor this quarter.")
        hidden = self.teams[~self.teams["shown"]][schema.TEAM].tolist()
        report.show(rank_chart(self.teams, label=schema.TEAM,
                               title=f"Teams of {self.department}, {self.quarter}"))
        return report.note(f"Below the display floor ({FLOOR_TEXT}): {', '.join(hidden)}") if hidden else ""

    def heatmap(self):
        from .plots import heatmap

        return heatmap(self.team_trend, row=schema.TEAM, column=schema.QUARTER)

    def changes_section(self) -> str:
        table = self.changes
        significant = table[table["significant"]]
        family = _family_note(self.tables.families, table["family"].iloc[0]) if len(table) else ""
        if significant.empty:
            return report.note("No team's change is statistically significant after correcting for "
                               "the number of comparisons (Benjamini-Hochberg). " + family)
        items = "".join(f"<li><b>{esc(r[schema.TEAM])}</b>: {esc(r['sentence'])}</li>"
                        for _, r in significant.iterrows())
        return f"<ul>{items}</ul>" + report.note(f"{len(table)} comparisons of this department's teams. "
                                                 + family)

    def drivers_section(self) -> str:
        t = self.tables
        return (_drivers_html(t.drivers, t.drivers_status, t.drivers_reason, who="the department")
                + "<h3>Comment themes</h3>"
                + _themes_html(t.themes, t.topics, t.verbatims, who="the department"))

    def actions_section(self) -> str:
        return _actions_html(self.tables.actions)

    def data_quality_html(self) -> str:
        q = self.tables.data_quality.iloc[0]
        below = [b for b in str(q["below_floor"]).split("; ") if b]
        extra = self.tables.window_note
        return report.data_quality(used=int(q["used"]), rejected=None, below_floor=below,
                                   display_floor=int(q["display_floor"]), extra=extra)


class OverviewView:
    """One quarter for the whole company, from :func:`~nps_report.tables.overview_tables`."""

    def __init__(self, ctx, *, quarter: str):
        from .tables import overview_tables

        self.ctx, self.quarter = ctx, quarter
        self.options = ctx.options
        self.tables = overview_tables(ctx, quarter=quarter)
        self.row = self.tables.headline.iloc[0]
        self.trend = self.tables.trend
        self.departments = self.tables.departments
        self.teams = self.tables.teams

    def title_html(self) -> str:
        return report.title_block("Company overview", f"Net Promoter Score for {self.quarter}")

    def headline_html(self) -> str:
        row = self.row
        items = [(fmt_nps(row["nps"]), f"company NPS {self.quarter}"),
                 (_interval_text(row), "confidence interval"),
                 (f"{int(row['n']):,}", "responses"),
                 (f"{self.teams[schema.TEAM].nunique()}", "teams")]
        own = self.tables.changes
        sentences = "".join(f"<li>{esc(s)}</li>" for s in own["sentence"])
        note = report.note(_family_note(self.tables.families, own["family"].iloc[0])) if len(own) else ""
        return report.kpis(items) + f"<ul class='lead'>{sentences}</ul>" + note

    def trend_section(self):
        from .plots import trend_chart

        return trend_chart(self.trend, quarter=schema.QUARTER)

    def departments_section(self) -> str:
        table = self.departments.assign(
            NPS=[fmt_nps(v) for v in self.departments["nps"]],
            interval=[_interval_text(r) for _, r in self.departments.iterrows()])
        return report.table(table[[schema.DEPARTMENT, "n", "NPS", "interval"]])

    def teams_section(self):
        from .plots import rank_chart

        return rank_chart(self.teams, label=schema.TEAM)

    def movers_section(self) -> str:
        from .tables.build import FAMILY_TEAMS

        t = self.tables
        if t.movers.empty:
            return report.note("No team moved significantly (after Benjamini-Hochberg correction).")
        items = "".join(
            f"<li><b>{esc(r[schema.TEAM])}</b>: {esc(r['sentence'])}"
            + (" <span class='sig-down'>Score pattern flagged: check before trusting this change "
               "(see below).</span>" if r["flagged"] else "") + "</li>"
            for _, r in t.movers.iterrows())
        checks = ""
        if not t.anomalies.empty:
            rows = "".join(f"<li><b>{esc(r['team'])}</b>: {esc(r['evidence'])}</li>"
                           for _, r in t.anomalies.iterrows())
            checks = ("<h3>Numbers to check before trusting them</h3>"
                      f"<ul>{rows}</ul>" + report.note("Flags ask for a check of how the survey was sent "
                                                       "and answered; they do not say anything went wrong."))
        return f"<ul>{items}</ul>" + checks + report.note(_family_note(t.families, FAMILY_TEAMS))

    def external_section(self) -> str:
        return _external_html(self.tables.external, self.options, self.row["nps"], who="company", limit=20)

    def data_quality_html(self) -> str:
        q = self.tables.data_quality.iloc[0]
        below = [b for b in str(q["below_floor"]).split("; ") if b]
        rejected = None if pd.isna(q["rejected"]) else int(q["rejected"])
        return report.data_quality(used=int(q["used"]), rejected=rejected, below_floor=below,
                                   display_floor=int(q["display_floor"]), extra=self.tables.window_note)
