"""Report sections: what each template shows, computed from the package's result tables.

A view holds the slices one report needs (read once) and turns the analysis modules'
tables into the HTML and charts of a section. Analysts in JupyterLab can reach the
tables directly (``view.current``, ``view.trend``, ``view.changes`` ...).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import report, schema, stats
from .report import esc, fmt_nps, stats_kwargs

FLOOR_TEXT = "too few responses this quarter"


def _interval_text(row) -> str:
    return f"{fmt_nps(row['ci_low'])} to {fmt_nps(row['ci_high'])}"


def _period_changes(history: pd.DataFrame, quarter: str, options: dict, by=None) -> pd.DataFrame:
    """Quarter-over-quarter and year-over-year changes (delegates to :mod:`benchmarks`)."""
    from . import benchmarks

    return benchmarks.changes(history, by=by or [], quarter=quarter, lags=(1, 4),
                              fdr=options.get("fdr", True), alpha=options.get("alpha", 0.05),
                              display_floor=options.get("display_floor", stats.DISPLAY_FLOOR),
                              confidence=options.get("confidence", 0.95))


class _View:
    def __init__(self, ctx, quarter: str):
        self.ctx = ctx
        self.options = ctx.options
        self.quarter = quarter
        self.window = schema.quarter_range(quarter, int(self.options.get("trend_quarters", 8)))
        self.floor = int(self.options.get("display_floor", stats.DISPLAY_FLOOR))

    def grouped(self, data, by):
        return stats.grouped_nps(data, by, **stats_kwargs(self.options))

    def _trend_table(self, data, by=None):
        by = list(by or [])
        table = self.grouped(data, by + [schema.QUARTER])
        table.loc[~table["shown"], ["nps", "ci_low", "ci_high", "moe"]] = np.nan
        return table.sort_values(by + [schema.QUARTER]).reset_index(drop=True)


class TeamView(_View):
    """One team, one quarter: headline, distribution, trend, segments, comparisons."""

    def __init__(self, ctx, *, team: str, quarter: str):
        super().__init__(ctx, quarter)
        self.team = team
        self.history = ctx.responses(teams=[team], quarters=self.window)
        self.current = self.history[self.history[schema.QUARTER] == quarter]
        if self.history.empty:
            raise ValueError(f"team {team!r} has no responses in {self.window[0]}..{quarter}")
        self.department = str(self.history[schema.DEPARTMENT].iloc[-1])
        self.row = self.grouped(self.current, [])
        self.row = self.row.iloc[0]
        self.trend = self._trend_table(self.history)
        self.changes = _period_changes(self.history, quarter, self.options)

    def title_html(self) -> str:
        return report.title_block(f"{self.team}", f"{self.department} · NPS report for {self.quarter}")

    def headline_html(self) -> str:
        row = self.row
        if not row["shown"]:
            return (report.kpis([("—", f"NPS, {FLOOR_TEXT} (n = {int(row['n'])})")])
                    + report.note(f"Fewer than {self.floor} responses: no score is shown, because one "
                                  "answer would move it by tens of points."))
        conf = int(round(100 * self.options.get("confidence", 0.95)))
        items = [(fmt_nps(row["nps"]), f"NPS {self.quarter}"),
                 (_interval_text(row), f"{conf}% confidence interval"),
                 (f"{int(row['n']):,}", "responses"),
                 (f"{row['pct_promoters']:.0f}% / {row['pct_detractors']:.0f}%", "promoters / detractors")]
        sentences = [f"<li>{esc(s)}</li>" for s in self.changes["sentence"]]
        precision = ("<p class='note'>The interval is wide (margin of error above "
                     f"{self.options.get('precision_moe', 10):.0f} points): read the score as a range.</p>"
                     if row["imprecise"] else "")
        return report.kpis(items) + f"<ul class='lead'>{''.join(sentences)}</ul>" + precision

    def trend_section(self):
        from .plots import trend_chart

        shown = self.trend[self.trend["shown"]]
        if len(shown) < 2:
            return report.note("Not enough quarters with a score to draw a trend.")
        return trend_chart(self.trend, quarter=schema.QUARTER)

    def segments_html(self) -> str:
        parts = []
        for segment in self.ctx.segments:
            table = self.grouped(self.current, [segment])
            table = table.sort_values("n", ascending=False)
            shown = table.assign(
                NPS=[fmt_nps(v) if s else FLOOR_TEXT for v, s in zip(table["nps"], table["shown"])],
                interval=[_interval_text(r) if r["shown"] else "" for _, r in table.iterrows()])
            parts.append(f"<h3>{esc(segment.replace('_', ' ').capitalize())}</h3>" + report.table(
                shown[[segment, "n", "NPS", "interval"]].rename(columns={segment: segment.replace('_', ' ')})))
        if not parts:
            return report.note("The build file lists no segment columns.")
        return "".join(parts)

    def benchmarks_section(self) -> str:
        return report.placeholder("benchmarks", "issue 5 (benchmarks and trends)")

    def drivers_section(self) -> str:
        return report.placeholder("key drivers", "issue 6 (drivers)")

    def themes_section(self) -> str:
        return report.placeholder("comment themes", "issue 6 (drivers)")

    def actions_section(self) -> str:
        return report.placeholder("recommended actions", "issue 7 (actions)")

    def data_quality_html(self) -> str:
        below = [q for q, s in zip(self.trend[schema.QUARTER], self.trend["shown"]) if not s]
        rejected = self.ctx.rejected_by_team.get(self.team, 0)
        return report.data_quality(used=int(self.row["n"]), rejected=rejected, below_floor=below,
                                   display_floor=self.floor,
                                   extra=f"Responses in the {len(self.window)}-quarter trend: {len(self.history):,}")


class DepartmentView(_View):
    """One department, one quarter: teams ranked, team x quarter heatmap, significant changes."""

    def __init__(self, ctx, *, department: str, quarter: str):
        super().__init__(ctx, quarter)
        self.department = department
        self.history = ctx.responses(departments=[department], quarters=self.window)
        self.current = self.history[self.history[schema.QUARTER] == quarter]
        self.row = self.grouped(self.current, []).iloc[0]
        self.teams = self.grouped(self.current, [schema.TEAM]).sort_values("nps", ascending=False)
        self.team_trend = self._trend_table(self.history, [schema.TEAM])
        self.changes = _period_changes(self.history, quarter, self.options, by=[schema.TEAM])

    def title_html(self) -> str:
        return report.title_block(f"{self.department}", f"Department summary for {self.quarter}")

    def headline_html(self) -> str:
        row = self.row
        own = _period_changes(self.history, self.quarter, self.options)
        items = [(fmt_nps(row["nps"]) if row["shown"] else "—", f"department NPS {self.quarter}"),
                 (_interval_text(row) if row["shown"] else "", "confidence interval"),
                 (f"{int(row['n']):,}", "responses"),
                 (f"{len(self.teams)}", "teams")]
        sentences = "".join(f"<li>{esc(s)}</li>" for s in own["sentence"])
        return report.kpis(items) + f"<ul class='lead'>{sentences}</ul>"

    def ranking_section(self):
        from .plots import rank_chart

        shown = self.teams[self.teams["shown"]]
        if shown.empty:
            return report.note("No team reached the display floor this quarter.")
        hidden = self.teams[~self.teams["shown"]][schema.TEAM].tolist()
        report.show(rank_chart(self.teams, label=schema.TEAM))
        return report.note(f"Below the display floor ({FLOOR_TEXT}): {', '.join(hidden)}") if hidden else ""

    def heatmap(self):
        from .plots import heatmap

        return heatmap(self.team_trend, row=schema.TEAM, column=schema.QUARTER)

    def changes_section(self) -> str:
        table = self.changes
        significant = table[table["significant"]]
        if significant.empty:
            return report.note("No team's change is statistically significant after correcting for "
                               "the number of comparisons (Benjamini-Hochberg).")
        items = "".join(f"<li><b>{esc(r[schema.TEAM])}</b>: {esc(r['sentence'])}</li>"
                        for _, r in significant.iterrows())
        return (f"<ul>{items}</ul>" + report.note(
            f"{len(table)} comparisons tested; p-values adjusted for the false discovery rate "
            "(Benjamini-Hochberg)." if self.options.get("fdr", True) else ""))

    def drivers_section(self) -> str:
        return report.placeholder("key drivers", "issue 6 (drivers)")

    def actions_section(self) -> str:
        return report.placeholder("recommended actions", "issue 7 (actions)")

    def data_quality_html(self) -> str:
        below = self.teams[~self.teams["shown"]][schema.TEAM].tolist()
        return report.data_quality(used=int(self.row["n"]), rejected=None, below_floor=below,
                                   display_floor=self.floor)


class OverviewView(_View):
    """One quarter for the whole company: departments, teams, trend, biggest movers."""

    def __init__(self, ctx, *, quarter: str):
        super().__init__(ctx, quarter)
        self.history = ctx.responses(quarters=self.window)
        self.current = self.history[self.history[schema.QUARTER] == quarter]
        self.row = self.grouped(self.current, []).iloc[0]
        self.trend = self._trend_table(self.history)
        self.departments = self.grouped(self.current, [schema.DEPARTMENT]).sort_values("nps", ascending=False)
        self.teams = self.grouped(self.current, [schema.DEPARTMENT, schema.TEAM]).sort_values("nps", ascending=False)
        self.changes = _period_changes(self.history, quarter, self.options, by=[schema.TEAM])

    def title_html(self) -> str:
        return report.title_block("Company overview", f"Net Promoter Score for {self.quarter}")

    def headline_html(self) -> str:
        row = self.row
        own = _period_changes(self.history, self.quarter, self.options)
        items = [(fmt_nps(row["nps"]), f"company NPS {self.quarter}"),
                 (_interval_text(row), "confidence interval"),
                 (f"{int(row['n']):,}", "responses"),
                 (f"{self.teams[schema.TEAM].nunique()}", "teams")]
        sentences = "".join(f"<li>{esc(s)}</li>" for s in own["sentence"])
        return report.kpis(items) + f"<ul class='lead'>{sentences}</ul>"

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
        table = self.changes[self.changes["significant"]].copy()
        if table.empty:
            return report.note("No team moved significantly (after Benjamini-Hochberg correction).")
        table = table.reindex(table["diff"].abs().sort_values(ascending=False).index).head(10)
        items = "".join(f"<li><b>{esc(r[schema.TEAM])}</b>: {esc(r['sentence'])}</li>"
                        for _, r in table.iterrows())
        return f"<ul>{items}</ul>" + report.note(
            f"Out of {len(self.changes)} quarter-over-quarter and year-over-year comparisons; "
            "p-values adjusted with Benjamini-Hochberg.")

    def external_section(self) -> str:
        return report.placeholder("external benchmarks", "issue 5 (benchmarks and trends)")

    def data_quality_html(self) -> str:
        counts = self.ctx.counts
        below = self.teams[~self.teams["shown"]][schema.TEAM].tolist()
        return report.data_quality(used=int(self.row["n"]), rejected=counts.get("rejected"),
                                   below_floor=below, display_floor=self.floor)
