"""CPU seconds of the charts of each report kind, drawn and encoded as a warm worker does.

Usage (after a demo build, which writes the context)::

    nps-report demo /tmp/demo -t "Billing Operations" --formats html,pdf
    python bench/chart_cost.py /tmp/demo/demo/context.json [--json out.json]

The tables of 7 teams, every department and the overview are computed first (not
timed); one team's, one department's and the overview's charts are drawn as a warm-up
(imports, fonts, the kept text sizes and bitmaps), the collector is frozen as a worker's
is after its imports (``gc.freeze``), then each chart section is rendered to HTML
(``render.section(t, name)._repr_html_()``: figure, margins, drawing, PNG) for 6 teams,
the other departments and the overview (3 times), timed with ``time.process_time``.
Prints the mean CPU seconds per report kind and chart.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

TEAM = ["distribution", "trend", "comparison", "driver_importance", "driver_quadrant", "theme_impact"]
DEPARTMENT = ["ranking", "heatmap", "driver_importance", "driver_quadrant", "theme_impact"]
OVERVIEW = ["trend", "ranking"]


def render_charts(tables, names, seconds) -> None:
    """Render each chart section of ``tables`` to HTML, adding its CPU seconds."""
    from nps_report import render

    for name in names:
        started = time.process_time()
        out = render.section(tables, name)
        out._repr_html_() if hasattr(out, "_repr_html_") else str(out)
        seconds[name] += time.process_time() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("context", help="a build's context.json (nps-report demo writes one)")
    parser.add_argument("--quarter", default="")
    parser.add_argument("--json", default="", help="write the mean seconds per chart to this file")
    args = parser.parse_args(argv)

    import nps_report as nr
    from profile_report import open_build  # bench/ is the script's folder, on sys.path

    ctx, _, quarter = open_build(args.context, args.quarter)
    current = ctx.responses(columns=["team", "department"], quarters=[quarter])
    teams = sorted(current["team"].astype(str).unique())[:7]
    departments = sorted(current["department"].astype(str).unique())
    team_tables = [nr.report_tables(ctx, quarter=quarter, team=t) for t in teams]
    department_tables = [nr.report_tables(ctx, quarter=quarter, department=d) for d in departments]
    overview = nr.report_tables(ctx, quarter=quarter)

    warm = defaultdict(float)
    render_charts(team_tables[0], TEAM, warm)
    render_charts(department_tables[0], DEPARTMENT, warm)
    render_charts(overview, OVERVIEW, warm)
    gc.freeze()
    kinds = {"team": (team_tables[1:], TEAM), "department": (department_tables[1:], DEPARTMENT),
             "overview": ([overview] * 3, OVERVIEW)}
    result = {}
    for kind, (reports, names) in kinds.items():
        seconds = defaultdict(float)
        for tables in reports:
            render_charts(tables, names, seconds)
        result[kind] = {name: seconds[name] / max(len(reports), 1) for name in names}
        print(f"{kind:10s} {sum(result[kind].values()):6.3f} CPU s per report: "
              + ", ".join(f"{name} {value:.3f}" for name, value in result[kind].items()))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
