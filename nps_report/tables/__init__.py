"""Result tables: computed once, in dependency order, into frozen objects of DataFrames.

- :mod:`~nps_report.tables.build`: the build tables, once per build and quarter (NPS of
  every team, department and the company, changes with their multiple-testing family,
  ranks, anomaly flags, follow-up counts), read by every report.
- :mod:`~nps_report.tables.team`, :mod:`~nps_report.tables.department`,
  :mod:`~nps_report.tables.overview`: one report's tables.
- :mod:`~nps_report.tables.theme_change`: which comment themes grew between two quarters.

Rendering (HTML, figures) is a separate layer that reads these tables.
"""

from __future__ import annotations

from .build import (BuildTables, compute_build_tables, current_responses, load_build_tables,
                    printed_build_rows, write_build_tables)
from .department import DepartmentTables, department_tables
from .overview import OverviewTables, overview_tables
from .saving import load_report_tables
from .team import TeamTables, team_tables
from .theme_change import themes_change

__all__ = ["BuildTables", "DepartmentTables", "OverviewTables", "TeamTables",
           "compute_build_tables", "current_responses", "department_tables",
           "load_build_tables", "load_report_tables", "overview_tables", "printed_build_rows",
           "report_tables", "team_tables", "themes_change", "write_build_tables"]


def report_tables(ctx, *, quarter: str, team: str | None = None,
                  department: str | None = None):
    """The tables of one report: a team's, a department's, or (neither given) the overview.

    Parameters
    ----------
    ctx : ReportContext
        The build's context (:func:`nps_report.context.load_context`).
    quarter : str
    team, department : str, optional
        At most one of them.

    Returns
    -------
    TeamTables, DepartmentTables or OverviewTables

    Examples
    --------
    >>> from nps_report import context
    >>> from nps_report.tables import report_tables
    >>> t = report_tables(context.load_context(None), team="Billing Operations", quarter="2026Q3")
    >>> t.department
    'Finance'
    """
    if team is not None and department is not None:
        raise ValueError("give a team or a department, not both")
    if team is not None:
        return team_tables(ctx, team=team, quarter=quarter)
    if department is not None:
        return department_tables(ctx, department=department, quarter=quarter)
    return overview_tables(ctx, quarter=quarter)
