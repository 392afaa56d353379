"""Rendering: pure functions from a report's tables to what the report shows.

Every function takes tables and returns an object that shows itself in a notebook:
:class:`Html` (inline styles, every data value escaped) or :class:`Chart` (a figure from
:mod:`nps_report.plots` with alt text). Nothing is displayed as a side effect and nothing
is stored for later cells, so any cell of a template can run alone.

The section functions here (``headline``, ``trend``, ``drivers`` ...) take the tables of
any report kind (:func:`nps_report.report_tables`) and call the section of that kind:
:mod:`~nps_report.render.team`, :mod:`~nps_report.render.department` or
:mod:`~nps_report.render.overview`. The building blocks (``note``, ``table``, ``kpis`` ...)
are in :mod:`~nps_report.render.html`, the charts in :mod:`~nps_report.render.charts`.

Examples
--------
>>> import nps_report as nr
>>> t = nr.report_tables(nr.load_context(), team="Billing Operations", quarter="2026Q3")
>>> 'class="headline" style="display:flex' in nr.render.headline(t)._repr_html_()
True
>>> nr.render.driver_importance(t).alt[:57]
"Bar chart of how much of the score's variance each rating"
"""

from __future__ import annotations

from . import charts, common, department, followup, html, overview, team
from .charts import Chart, chart
from .followup import action_followup
from .html import Html, concat, esc, fmt_nps, note, provenance, table

__all__ = ["Html", "Chart", "chart", "concat", "esc", "fmt_nps", "note", "table", "provenance",
           "setup", "kind_of", "section", "title", "headline", "distribution", "trend", "segments",
           "comparison", "gaps", "external", "ranking", "heatmap", "changes", "departments",
           "movers", "driver_importance", "driver_quadrant", "drivers", "theme_impact", "themes",
           "actions", "action_followup", "loop", "data_quality", "charts", "followup", "html", "team", "department",
           "overview", "common"]

_MODULES = {"team": team, "department": department, "overview": overview}
_KINDS = {"TeamTables": "team", "DepartmentTables": "department", "OverviewTables": "overview"}


def setup() -> None:
    """Prepare a notebook for a report: house chart style, PNG figures, quiet library warnings.

    Call it once, in a template's hidden set-up cell (a build's warm kernel restores
    matplotlib's defaults between reports).
    """
    import warnings

    from ..plots import use_house_style

    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="seaborn")
    use_house_style()
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            shell.run_line_magic("config", "InlineBackend.figure_formats = ['png']")
    except ImportError:  # outside IPython: nothing to configure
        pass


def kind_of(tables) -> str:
    """``"team"``, ``"department"`` or ``"overview"``: which report these tables are for."""
    kind = _KINDS.get(type(tables).__name__)
    if kind:
        return kind
    if getattr(tables, "team", None) is not None:
        return "team"
    if getattr(tables, "department", None) is not None:
        return "department"
    return "overview"


def section(tables, name: str):
    """Render section ``name`` of any report's tables (``section(t, "headline")``)."""
    kind = kind_of(tables)
    function = getattr(_MODULES[kind], name, None)
    if function is None or name not in _MODULES[kind].__all__:
        raise ValueError(f"a {kind} report has no section {name!r}; its sections: "
                         f"{', '.join(_MODULES[kind].__all__)}")
    return function(tables)


def _dispatcher(name: str, doc: str):
    def render_section(tables):
        return section(tables, name)

    render_section.__name__ = render_section.__qualname__ = name
    render_section.__doc__ = (f"{doc}\n\n    Takes the tables of a report (:func:`nps_report.report_tables`) "
                              f"and calls ``render.<kind>.{name}``.\n    ")
    return render_section


title = _dispatcher("title", "The report's title block.")
headline = _dispatcher("headline", "Headline numbers (NPS, interval, responses) and what changed, styled inline.")
distribution = _dispatcher("distribution", "Score distribution chart (team reports).")
trend = _dispatcher("trend", "NPS per quarter with its interval band.")
segments = _dispatcher("segments", "NPS by segment value (team reports).")
comparison = _dispatcher("comparison", "Team, department and company NPS chart (team reports).")
gaps = _dispatcher("gaps", "The team against the rest of its department and company, and its rank.")
external = _dispatcher("external", "Published NPS benchmarks and the gap to each.")
ranking = _dispatcher("ranking", "Teams ranked by NPS (department summaries and the overview).")
heatmap = _dispatcher("heatmap", "Team by quarter NPS heatmap (department summaries).")
changes = _dispatcher("changes", "Significant team changes (department summaries).")
departments = _dispatcher("departments", "Departments' NPS table (the overview).")
movers = _dispatcher("movers", "Largest significant team changes, with anomaly caveats (the overview).")
driver_importance = _dispatcher("driver_importance", "Key-driver importance chart.")
driver_quadrant = _dispatcher("driver_quadrant", "Importance against performance chart.")
drivers = _dispatcher("drivers", "Key-driver summary sentence and note.")
theme_impact = _dispatcher("theme_impact", "Complaint themes chart.")
themes = _dispatcher("themes", "Theme summary, table, topics and verbatims.")
actions = _dispatcher("actions", "Ranked recommended actions.")
loop = _dispatcher("loop", "Closing the loop with detractors: loop figures (and, in team reports, "
                             "\"did calling back help?\"); no names, no ids.")
data_quality = _dispatcher("data_quality", "The data-quality box.")
