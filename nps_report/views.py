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

    def current_of(self, history: pd.DataFrame) -> pd.DataFrame:
        """The responses the report's "current" figures use.

        By default the report's quarter. With ``windows.rolling_days`` in the build file,
        the responses of that many days up to the end of the quarter; with
        ``windows.max_age_days``, responses older than that at the end of the quarter are
        left out and counted as expired (:attr:`expired`).
        """
        from . import closeloop, windows

        in_quarter = history[history[schema.QUARTER] == self.quarter]
        window = self.options.get("windows") or {}
        self.expired = 0
        self.window_note = ""
        if not (window.get("rolling_days") or window.get("max_age_days")):
            return in_quarter
        as_of = closeloop.quarter_end(self.quarter, tz=self.options.get("timezone", "UTC"),
                                      fiscal_year_start_month=self.options.get("fiscal_year_start_month", 1)) \
            - pd.Timedelta(seconds=1)
        source = history if window.get("rolling_days") else in_quarter
        current, self.expired = windows.current_responses(
            source, as_of=as_of, rolling_days=window.get("rolling_days"),
            max_age_days=window.get("max_age_days"), date=window.get("date", "submitted_at"))
        parts = []
        if window.get("rolling_days"):
            parts.append(f"responses of the {window['rolling_days']} days up to {as_of:%Y-%m-%d}")
        if window.get("max_age_days"):
            parts.append(f"responses older than {window['max_age_days']} days left out ({self.expired} expired)")
        self.window_note = "Current figures use " + "; ".join(parts) + "."
        return current.reset_index(drop=True)

    def grouped(self, data, by):
        return stats.grouped_nps(data, by, **stats_kwargs(self.options))

    def _trend_table(self, data, by=None):
        from . import benchmarks

        return benchmarks.trend(data, quarter=self.quarter, n_quarters=len(self.window), by=by,
                                method=self.options.get("interval", "adjusted_wald"),
                                confidence=self.options.get("confidence", 0.95),
                                display_floor=self.floor)

    def drivers_html(self, data, *, who: str) -> str:
        """Key drivers of ``data``'s score: importance with intervals, quadrant, summary."""
        from . import drivers
        from .plots import driver_importance, driver_quadrant

        if not self.ctx.attributes:
            return report.note("The build file lists no attribute-rating columns, so there is no "
                               "key-driver analysis (add them under data.attributes).")
        table = drivers.key_drivers(data, drivers=self.ctx.attributes, n_boot=200,
                                    seed=int(self.options.get("seed", 0)),
                                    confidence=self.options.get("confidence", 0.95))
        self.driver_table = table
        if table.attrs.get("status") != "ok":
            return report.note(f"Not enough data for a key-driver analysis of {who}: "
                               f"{table.attrs.get('reason', '')}")
        report.show(driver_importance(table))
        report.show(driver_quadrant(table))
        return (f"<p class='lead'>{esc(drivers.summarize(table))}</p>" + report.note(
            "Importance is each rating's share of the explained variance of the score (Shapley / LMG "
            "decomposition of R²) with 95% bootstrap intervals; responses missing a rating are left out "
            f"of this analysis ({table.attrs.get('n_dropped', 0):,} here). 'Fix first' = above-average "
            "importance and below-average rating."))

    def themes_html(self, data, *, who: str) -> str:
        """Comment themes of ``data``: impact chart, summary, discovered topics, redacted verbatims."""
        from . import themes
        from .plots import theme_impact_bars

        taxonomy = themes.load_taxonomy(self.options.get("themes"))
        analysis = themes.analyze_comments(data, taxonomy=taxonomy, seed=int(self.options.get("seed", 0)))
        self.comment_analysis = analysis
        impact = analysis.impact
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
        if not analysis.topics.empty:
            items = "".join(f"<li>{esc(r['terms'])} ({int(r['comments'])} comments)</li>"
                            for _, r in analysis.topics.iterrows())
            parts.append(f"<h3>Topics the theme list does not cover</h3><ul>{items}</ul>")
        quotes = analysis.verbatims
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

    def action_rules(self):
        from . import actions

        return actions.load_rules(self.options.get("actions"))

    def anomaly_flags(self, rules):
        """The build's anomaly flags for this quarter (computed once per build), or computed here."""
        from . import anomalies

        path = (self.ctx.paths or {}).get("anomalies")
        if path:
            table = pd.read_csv(path)
            if table.empty:
                return pd.DataFrame(columns=["team", "flag", "evidence", "severity"])
            return table[table["quarter"] == self.quarter].drop(columns="quarter")
        peers = self.ctx.responses(quarters=schema.quarter_range(self.quarter, 5))
        return anomalies.flag_anomalies(peers, quarter=self.quarter, rules=rules)

    def actions_html(self, table) -> str:
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

    def external(self):
        """External benchmarks of the build (``None`` when the build file names none)."""
        from . import benchmarks

        path = self.options.get("benchmarks")
        return benchmarks.load_external_benchmarks(path) if path else None

    def external_html(self, nps_value, *, who: str, limit: int = 8) -> str:
        from . import benchmarks

        table = self.external()
        if table is None or table.empty:
            return report.note("No external benchmarks: name a benchmarks file in the build file "
                               "(benchmarks: params/benchmarks.yaml) to compare with published figures.")
        if pd.isna(nps_value):
            return report.note(f"{FLOOR_TEXT.capitalize()}: no comparison with external benchmarks.")
        gaps = benchmarks.external_gaps(nps_value, table).head(limit)
        shown = gaps.assign(gap=[fmt_nps(g) for g in gaps["gap"]], value=[fmt_nps(v) for v in gaps["value"]])
        html = report.table(shown[["name", "value", "gap", "citation"]].rename(
            columns={"name": "benchmark", "value": "NPS", "gap": f"{who} minus benchmark", "citation": "source"}))
        if gaps["example"].any():
            html += report.note("Figures marked as examples in the benchmarks file: published values from "
                                "different studies, shown to illustrate; choose the ones that fit your market.")
        if len(table) > limit:
            html += report.note(f"{len(table) - limit} more benchmarks in the file are not shown.")
        return html


class TeamView(_View):
    """One team, one quarter: headline, distribution, trend, segments, comparisons."""

    def __init__(self, ctx, *, team: str, quarter: str):
        super().__init__(ctx, quarter)
        self.team = team
        self.history = ctx.responses(teams=[team], quarters=self.window)
        self.current = self.current_of(self.history)
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
        from . import benchmarks
        from .plots import benchmark_chart

        # every team of the quarter, but only the columns the comparisons use
        quarter_data = self.ctx.responses(quarters=[self.quarter], columns=[
            schema.TEAM, schema.DEPARTMENT, schema.QUARTER, schema.SCORE])
        opts = dict(confidence=self.options.get("confidence", 0.95), display_floor=self.floor)
        internal = benchmarks.internal_benchmarks(quarter_data, team=self.team, quarter=self.quarter,
                                                  method=self.options.get("interval", "adjusted_wald"), **opts)
        gaps = benchmarks.team_vs_rest(quarter_data, quarter=self.quarter, team=self.team,
                                       level=["department", "company"], alpha=self.options.get("alpha", 0.05),
                                       fdr=self.options.get("fdr", True), **opts)
        ranks = benchmarks.team_ranks(quarter_data, quarter=self.quarter, display_floor=self.floor)
        mine = ranks[ranks[schema.TEAM] == self.team].iloc[0]
        report.show(benchmark_chart(internal))
        items = [f"<li>{esc(s)}</li>" for s in gaps["sentence"]]
        if mine["shown"]:
            items.append(f"<li>Rank {int(mine['rank'])} of {int(mine['n_ranked'])} teams with a score this "
                         f"quarter (percentile {mine['percentile']:.0f}).</li>")
        html = f"<ul>{''.join(items)}</ul>" + report.note(
            "Gaps compare the team with the rest of its department and of the company (the team's own "
            "responses removed); p-values adjusted for the number of comparisons (Benjamini-Hochberg).")
        return html + "<h3>Published benchmarks</h3>" + self.external_html(self.row["nps"] if self.row["shown"]
                                                                           else np.nan, who="team")

    def drivers_section(self) -> str:
        return self.drivers_html(self.current, who="this team")

    def themes_section(self) -> str:
        return self.themes_html(self.current, who="this team")

    def actions_section(self) -> str:
        from . import actions, closeloop

        rules = self.action_rules()
        detractors, _ = closeloop.close_the_loop(
            self.current, team=self.team, quarter=self.quarter,
            sla_hours=rules.rules.follow_up_detractors.sla_hours,
            tz=self.options.get("timezone", "UTC"),
            fiscal_year_start_month=self.options.get("fiscal_year_start_month", 1))
        previous = self.history[self.history[schema.QUARTER] == schema.previous_quarter(self.quarter)]
        analysis = getattr(self, "comment_analysis", None)
        table = actions.team_actions(
            self.row, analysis.impact if analysis is not None else None, getattr(self, "driver_table", None),
            self.changes, detractors, self.anomaly_flags(rules),
            actions.theme_table(previous, taxonomy=self.options.get("themes")),
            team=self.team, responses=self.current, rules=rules, display_floor=self.floor)
        self.actions = table
        return self.actions_html(table) + report.note(
            "The list of detractors to call back and promoters to thank names customers, so it is not "
            "in this report: it is the team's close_the_loop.xlsx, linked from the build's index.")

    def data_quality_html(self) -> str:
        below = [q for q, s in zip(self.trend[schema.QUARTER], self.trend["shown"]) if not s]
        rejected = self.ctx.rejected_by_team.get(self.team, 0)
        extra = f"Responses in the {len(self.window)}-quarter trend: {len(self.history):,}"
        if self.window_note:
            extra += ". " + self.window_note
        return report.data_quality(used=int(self.row["n"]), rejected=rejected, below_floor=below,
                                   display_floor=self.floor, extra=extra)


class DepartmentView(_View):
    """One department, one quarter: teams ranked, team x quarter heatmap, significant changes."""

    def __init__(self, ctx, *, department: str, quarter: str):
        super().__init__(ctx, quarter)
        self.department = department
        self.history = ctx.responses(departments=[department], quarters=self.window)
        self.current = self.current_of(self.history)
        self.row = self.grouped(self.current, []).iloc[0]
        from . import benchmarks

        self.teams = benchmarks.team_ranks(self.current, quarter=quarter, display_floor=self.floor,
                                           method=self.options.get("interval", "adjusted_wald"),
                                           confidence=self.options.get("confidence", 0.95))
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
        report.show(rank_chart(self.teams, label=schema.TEAM, title=f"Teams of {self.department}, {self.quarter}"))
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
        return self.drivers_html(self.current, who="the department") + "<h3>Comment themes</h3>" + \
            self.themes_html(self.current, who="the department")

    def actions_section(self) -> str:
        from . import actions

        rules = self.action_rules()
        table = actions.department_actions(
            self.history, quarter=self.quarter, attributes=self.ctx.attributes,
            anomalies=self.anomaly_flags(rules), changes=self.changes,
            taxonomy=self.options.get("themes"), rules=rules, options=self.options, top=5)
        self.actions = table
        return self.actions_html(table)

    def data_quality_html(self) -> str:
        below = self.teams[~self.teams["shown"]][schema.TEAM].tolist()
        return report.data_quality(used=int(self.row["n"]), rejected=None, below_floor=below,
                                   display_floor=self.floor)


class OverviewView(_View):
    """One quarter for the whole company: departments, teams, trend, biggest movers."""

    def __init__(self, ctx, *, quarter: str):
        super().__init__(ctx, quarter)
        self.history = ctx.responses(quarters=self.window)
        self.current = self.current_of(self.history)
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
        flags = self.anomaly_flags(self.action_rules())
        flagged = set(flags["team"]) if not flags.empty else set()
        items = "".join(
            f"<li><b>{esc(r[schema.TEAM])}</b>: {esc(r['sentence'])}"
            + (" <span class='sig-down'>Score pattern flagged: check before trusting this change "
               "(see below).</span>" if r[schema.TEAM] in flagged else "") + "</li>"
            for _, r in table.iterrows())
        checks = ""
        if not flags.empty:
            rows = "".join(f"<li><b>{esc(r['team'])}</b>: {esc(r['evidence'])}</li>" for _, r in flags.iterrows())
            checks = ("<h3>Numbers to check before trusting them</h3>"
                      f"<ul>{rows}</ul>" + report.note("Flags ask for a check of how the survey was sent "
                                                       "and answered; they do not say anything went wrong."))
        return f"<ul>{items}</ul>" + checks + report.note(
            f"Out of {len(self.changes)} quarter-over-quarter and year-over-year comparisons; "
            "p-values adjusted with Benjamini-Hochberg.")

    def external_section(self) -> str:
        return self.external_html(self.row["nps"], who="company", limit=20)

    def data_quality_html(self) -> str:
        counts = self.ctx.counts
        below = self.teams[~self.teams["shown"]][schema.TEAM].tolist()
        return report.data_quality(used=int(self.row["n"]), rejected=counts.get("rejected"),
                                   below_floor=below, display_floor=self.floor)
