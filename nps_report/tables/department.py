"""A department summary's tables: its teams ranked, their changes, drivers, themes and actions.

The department never re-runs its teams' analyses for its actions: it gathers exactly the
actions its teams' reports show, read from their saved tables in a build (or computed by
:func:`~nps_report.tables.team.team_tables` for an in-memory context).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pandas as pd

from .. import actions, benchmarks, schema, stats
from ..loading import loading_figures
from ..options import ReportOptions
from .build import as_quarter, current_responses, window_quarters
from .saving import TABLES_FILE, TABLES_FOLDER, SavedTables
from .team import comment_tables, driver_table, rating_scales, team_tables

__all__ = ["DepartmentTables", "TOP_ACTIONS", "department_tables", "team_actions_of",
           "team_tables_folder"]

#: Actions a department summary lists (anomaly checks are always listed on top of these).
TOP_ACTIONS = 5
@dataclass(frozen=True, eq=False)
class DepartmentTables(SavedTables):
    """Everything one department summary shows (see :func:`department_tables`).

    Attributes
    ----------
    department, quarter : str
    options : ReportOptions
    headline : DataFrame
        One row: the department's NPS (the build's row).
    changes : DataFrame
        The department's own changes (family :data:`~nps_report.tables.build.FAMILY_OWN`).
    team_changes : DataFrame
        Its teams' rows of the build's changes (family
        :data:`~nps_report.tables.build.FAMILY_TEAMS`, the same verdicts as the team reports).
    teams : DataFrame
        Its teams ranked within the department (:func:`nps_report.benchmarks.team_ranks`).
    team_trend : DataFrame
        Each team's NPS per quarter (for the team x quarter heatmap).
    drivers : DataFrame
        Key drivers of the department's current responses; ``drivers_status``, ``drivers_reason``.
    themes, topics, verbatims : DataFrame
        Comment themes of the department's current responses.
    actions : DataFrame
        :func:`nps_report.actions.gather` of the actions its teams' reports show, ranked
        by their effect on the department (team sizes as weights).
    families : DataFrame
        The build's multiple-testing families (how many tests each adjusts over).
    data_quality : DataFrame
        One row: ``used``, the build's loading figures (``rows_read``, ``rejected``,
        ``duplicates``, ``missing_values``, ``repaired_lines``: see
        :func:`nps_report.loading.loading_figures`), ``below_floor`` (teams without a score),
        ``display_floor``, ``expired``.
    window_note : str
    loop : DataFrame
        Its teams' loop figures, previous quarter and this one (the build's rows of
        :func:`nps_report.loop.loop_figures`), to compare the teams on.
    """

    KIND: ClassVar[str] = "department"

    department: str
    quarter: str
    options: ReportOptions
    headline: pd.DataFrame
    changes: pd.DataFrame
    team_changes: pd.DataFrame
    teams: pd.DataFrame
    team_trend: pd.DataFrame
    drivers: pd.DataFrame
    drivers_status: str
    drivers_reason: str
    themes: pd.DataFrame
    topics: pd.DataFrame
    verbatims: pd.DataFrame
    actions: pd.DataFrame
    families: pd.DataFrame
    data_quality: pd.DataFrame
    window_note: str = ""
    loop: pd.DataFrame | None = None


def team_tables_folder(ctx, *, team: str, quarter: str):
    """The folder where a build saved ``team``'s report tables for ``quarter``, or None.

    Reports live in ``<build>/<quarter>/teams/<folder>/`` (folder names made safe for
    file systems, numbered on a collision, by the build's plan); the saved
    ``tables.json`` names its team, so the folder is found whatever it is called.
    """
    import json

    root = ctx.folder
    if root is None or isinstance(root, str):
        return None
    teams = Path(root) / quarter / "teams"
    if not teams.is_dir():
        return None
    for folder in sorted(p / TABLES_FOLDER for p in teams.iterdir()):
        path = folder / TABLES_FILE
        if path.exists() and json.loads(path.read_text(encoding="utf-8")).get("team") == team:
            return folder
    return None


#: The files of its teams' saved tables a department summary reads (a build's department
#: fingerprint covers exactly these, so a team change it does not print rebuilds nothing).
TEAM_FILES_READ = ("actions.parquet",)


def team_actions_of(ctx, *, team: str, quarter: str) -> pd.DataFrame:
    """The actions ``team``'s report shows: from its saved tables, else computed the same way."""
    folder = team_tables_folder(ctx, team=team, quarter=quarter)
    if folder is not None:
        return pd.read_parquet(Path(folder) / TEAM_FILES_READ[0])
    return team_tables(ctx, team=team, quarter=quarter).actions


def department_tables(ctx, *, department: str, quarter: str) -> DepartmentTables:
    """Every table of one department's summary, computed in dependency order.

    Parameters
    ----------
    ctx : ReportContext
    department, quarter : str

    Returns
    -------
    DepartmentTables

    Examples
    --------
    >>> from nps_report import context
    >>> from nps_report.tables import department_tables
    >>> d = department_tables(context.load_context(None), department="Finance", quarter="2026Q3")
    >>> set(d.actions["team"]) <= set(d.teams["team"])
    True
    """
    options = ctx.options
    bt = ctx.build_tables(quarter)
    window = schema.quarter_range(quarter, options.trend_quarters)
    history = ctx.responses(departments=[department],
                            quarters=sorted(set(window) | set(window_quarters(quarter, options))))
    current, expired, note = current_responses(history, quarter=quarter, options=options)
    rules = ctx.action_rules()

    mine = (bt.nps["level"] == "department") & (bt.nps[schema.DEPARTMENT] == department)
    headline = bt.nps.loc[mine, stats.NPS_COLUMNS].reset_index(drop=True)
    if headline.empty:
        headline = stats.grouped_nps(current, [], **options.grouped_nps_kwargs())
    changes = bt.changes[(bt.changes["level"] == "department")
                         & (bt.changes[schema.DEPARTMENT] == department)].reset_index(drop=True)
    team_changes = bt.changes[(bt.changes["level"] == "team")
                              & (bt.changes[schema.DEPARTMENT] == department)].reset_index(drop=True)
    teams = benchmarks.team_ranks(as_quarter(current, quarter), quarter=quarter,
                                  **options.interval_kwargs())
    team_trend = bt.trend[(bt.trend["level"] == "team")
                          & (bt.trend[schema.DEPARTMENT] == department)]
    team_trend = team_trend.drop(columns=["level"]).reset_index(drop=True)

    driver, status, reason = driver_table(current, ctx.attributes, options, rules,
                                          scales=rating_scales(ctx))
    impact, topics, quotes, _ = comment_tables(current, options)

    # Exactly the actions the teams' reports show, weighted by the teams' sizes.
    names = [str(t) for t in teams[schema.TEAM]]
    sizes = dict(zip(names, teams["n"].astype(int)))
    gathered = actions.gather({t: team_actions_of(ctx, team=t, quarter=quarter) for t in names},
                              top=TOP_ACTIONS, sizes=sizes)

    below = teams.loc[~teams["shown"].astype(bool), schema.TEAM].astype(str).tolist()
    quality = pd.DataFrame([{"used": int(len(current)), **loading_figures(ctx.counts),
                             "below_floor": "; ".join(below),
                             "display_floor": int(options.display_floor),
                             "expired": int(expired)}])
    return DepartmentTables(
        department=department, quarter=quarter, options=options, headline=headline,
        changes=changes, team_changes=team_changes, teams=teams, team_trend=team_trend,
        drivers=driver, drivers_status=status, drivers_reason=reason, themes=impact,
        topics=topics, verbatims=quotes, actions=gathered, families=bt.families,
        data_quality=quality, window_note=note,
        loop=None if bt.loop is None else
        bt.loop[bt.loop[schema.DEPARTMENT] == department].reset_index(drop=True))

