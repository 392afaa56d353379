"""CPU seconds per section of a team report, measured as a warm worker does the work.

Usage (after a demo build, which writes the context and the reports' HTML)::

    nps-report demo /tmp/demo --formats html,pdf
    python bench/profile_report.py /tmp/demo/demo/context.json --teams 8
    python bench/profile_report.py /tmp/demo/demo/context.json --teams 8 --cprofile out.prof

One warm-up report is computed first (imports, the build tables, the rating scales, the
PDF engine), then ``--teams`` team reports; every step is timed with
``time.process_time`` (CPU seconds of this process, so other processes on a busy machine
change it little) and the mean per report is printed per section:

- tables: the report's tables split into the steps of ``team_tables`` (responses and the
  build's rows, segments, drivers, themes, previous quarter's themes, actions);
- render: each ``render.<section>(t)`` of the team template, turned into HTML
  (charts drawn and encoded as PNG);
- pdf: the report's PDF from its ``report.html`` (the demo build's), with the worker's engine.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

# The sections of the team template, in its order, and the report section they belong to.
RENDER_SECTIONS = {
    "title": "headline", "headline": "headline", "distribution": "charts",
    "trend": "trend", "segments": "segments", "comparison": "benchmarks", "gaps": "benchmarks",
    "external": "benchmarks", "driver_importance": "charts", "driver_quadrant": "charts",
    "drivers": "drivers", "theme_impact": "charts", "themes": "themes", "actions": "actions",
    "data_quality": "headline",
}


class Timer:
    """Accumulates CPU seconds (``time.process_time``) per named step."""

    def __init__(self):
        self.seconds = defaultdict(float)

    def __call__(self, name, func, *args, **kwargs):
        started = time.process_time()
        out = func(*args, **kwargs)
        self.seconds[name] += time.process_time() - started
        return out


def team_report_steps(ctx, team: str, quarter: str, timer: Timer):
    """The steps of :func:`nps_report.tables.team_tables`, each timed; returns the tables."""
    from nps_report import actions, schema, themes
    from nps_report.tables import team as tt
    from nps_report.tables.build import current_responses, window_quarters
    from nps_report.tables.theme_change import theme_shares

    options = ctx.options

    def base():
        bt = ctx.build_tables(quarter)
        window = schema.quarter_range(quarter, options.trend_quarters)
        history = ctx.responses(teams=[team], quarters=sorted(
            set(window) | set(window_quarters(quarter, options)) | {schema.previous_quarter(quarter)}))
        current, _, _ = current_responses(history, quarter=quarter, options=options)
        return bt, history, current

    bt, history, current = timer("tables: responses + build rows", base)
    timer("tables: segments", tt.segment_table, current, ctx.segments, options)
    rules = ctx.action_rules()
    driver, status, _ = timer("tables: drivers", tt.driver_table, current, ctx.attributes, options,
                              rules, scales=tt.rating_scales(ctx))
    impact = timer("tables: themes", tt.comment_tables, current, options)[0]
    previous = history[history[schema.QUARTER] == schema.previous_quarter(quarter)]
    before = timer("tables: previous themes", theme_shares, previous,
                   taxonomy=themes.load_taxonomy(options.themes))
    own = bt.nps_row("team", team)
    timer("tables: actions", actions.recommend, team_row=own, themes=impact,
          drivers=driver if status == "ok" else None, changes=None, followup=None,
          anomalies=None, previous_themes=before, rules=rules,
          display_floor=options.display_floor, team=team)
    # The tables the template uses, computed the template's way (total cost, for the check).
    return timer("tables: team_tables total", tt.team_tables, ctx, team=team, quarter=quarter)


def render_steps(t, timer: Timer) -> None:
    from nps_report import render

    for name in RENDER_SECTIONS:
        timer(f"render: {name}", lambda: render.section(t, name)._repr_html_())


def notebook_steps(context_path: str, t, timer: Timer) -> None:
    """The template's other cells: reading the context, provenance, saving the tables."""
    import tempfile

    import nps_report as nr
    from nps_report import render

    ctx = timer("notebook: load_context", nr.load_context, context_path)
    timer("notebook: provenance", lambda: render.provenance(ctx)._repr_html_())
    with tempfile.TemporaryDirectory() as folder:
        timer("notebook: save tables", t.save, folder)


def pdf_step(folder: Path, team: str, quarter: str, department: str, timer: Timer) -> None:
    from nps_report.export.pdf import export_pdf, report_cover

    pages = sorted((folder / quarter / "teams").glob("*/report.html"))
    # The team's own page when the build made it, else another team's (a similar document).
    html = next((p for p in pages if f">{team}<" in p.read_text(encoding="utf-8")),
                pages[0] if pages else None)
    if html is None:
        return
    out = Path("/tmp") / f"profile-{abs(hash(team))}.pdf"
    timer("pdf", export_pdf, html, out, cover=report_cover("team", quarter=quarter, team=team,
                                                           department=department))


def open_build(context: str, quarter: str = ""):
    """A demo build's context with the report style set up as a kernel has it: (context,
    build folder, quarter; the build's latest quarter when ``quarter`` is empty)."""
    import matplotlib

    matplotlib.use("agg")
    import nps_report as nr
    from nps_report import render

    render.setup()
    ctx = nr.load_context(context)
    folder = Path(context).parent
    return ctx, folder, quarter or sorted(p.name for p in folder.glob("20*Q*"))[-1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("context", help="a build's context.json (nps-report demo writes one)")
    parser.add_argument("--quarter", default="")
    parser.add_argument("--teams", type=int, default=8)
    parser.add_argument("--cprofile", default="", help="also write a cProfile of the measured reports")
    parser.add_argument("--json", default="", help="write the mean seconds per step to this file")
    args = parser.parse_args(argv)

    ctx, folder, quarter = open_build(args.context, args.quarter)
    teams = sorted(ctx.responses(columns=["team"], quarters=[quarter])["team"].astype(str).unique())

    warm = Timer()  # the first report pays imports and per-build caches
    t = team_report_steps(ctx, teams[0], quarter, warm)
    render_steps(t, warm)
    notebook_steps(args.context, t, warm)
    pdf_step(folder, teams[0], quarter, t.department, warm)

    timer = Timer()
    profiler = cProfile.Profile() if args.cprofile else None
    measured = teams[1:1 + args.teams]
    for team in measured:
        if profiler:
            profiler.enable()
        t = team_report_steps(ctx, team, quarter, timer)
        render_steps(t, timer)
        notebook_steps(args.context, t, timer)
        pdf_step(folder, team, quarter, t.department, timer)
        if profiler:
            profiler.disable()
    if profiler:
        profiler.dump_stats(args.cprofile)

    n = len(measured)
    means = {k: v / n for k, v in timer.seconds.items()}
    sections = defaultdict(float)
    for key, value in means.items():
        if key.startswith("render: "):
            sections[f"render {RENDER_SECTIONS[key[8:]]}"] += value
    print(f"CPU seconds per team report (mean of {n} teams, {quarter}; warm-up report excluded):")
    for key, value in means.items():
        print(f"  {key:34s} {value:6.3f}")
    print("render, by report section:")
    for key, value in sorted(sections.items()):
        print(f"  {key:34s} {value:6.3f}")
    total = (means.get("tables: team_tables total", 0) + sum(sections.values()) + means.get("pdf", 0)
             + sum(v for k, v in means.items() if k.startswith("notebook: ")))
    print(f"  {'total (tables + render + notebook + pdf)':34s} {total:6.3f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"steps": means, "render_sections": dict(sections),
                                               "total": total, "teams": n}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
