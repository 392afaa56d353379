"""The company overview's tables: company NPS, departments, teams, movers, flags.

Everything here is read from the build tables: the movers are the significant rows of
the same change table the team reports and department summaries print.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

from .. import schema, stats
from ..loading import loading_figures
from ..options import ReportOptions
from .build import FAMILY_TEAMS
from .saving import SavedTables
from .team import external_table

__all__ = ["MOVERS", "OverviewTables", "overview_tables"]

#: Largest significant team changes an overview lists.
MOVERS = 10


@dataclass(frozen=True, eq=False)
class OverviewTables(SavedTables):
    """Everything the company overview shows (see :func:`overview_tables`).

    Attributes
    ----------
    quarter : str
    options : ReportOptions
    headline : DataFrame
        One row: the company's NPS.
    changes : DataFrame
        The company's own changes (QoQ, YoY).
    trend : DataFrame
        The company's NPS per quarter.
    departments : DataFrame
        Each department's NPS, best first.
    teams : DataFrame
        Each team's NPS (with its department), best first, with its company-wide rank and
        rank interval from the build's ranks (``rank``, ``rank_low``, ``rank_high``,
        ``rank_uncertain``, ``n_ranked``, ``percentile``, ``rank_sentence``).
    movers : DataFrame
        The largest significant team changes (at most :data:`MOVERS`, by absolute
        change), with ``flagged`` (the team has an anomaly flag: check before trusting).
    anomalies : DataFrame
        Every anomaly flag of the quarter.
    external : DataFrame
        The company's gaps to published benchmarks (empty without a file).
    families : DataFrame
        The build's multiple-testing families (the movers' family and its size).
    data_quality : DataFrame
        One row: ``used``, the build's loading figures (``rows_read``, ``rejected``,
        ``duplicates``, ``missing_values``, ``repaired_lines``: see
        :func:`nps_report.loading.loading_figures`), ``below_floor`` (teams), ``display_floor``,
        ``expired``.
    window_note : str
    loop : DataFrame
        Every team's loop figures, previous quarter and this one (the build's
        :func:`nps_report.loop.loop_figures`).
    """

    KIND: ClassVar[str] = "overview"

    quarter: str
    options: ReportOptions
    headline: pd.DataFrame
    changes: pd.DataFrame
    trend: pd.DataFrame
    departments: pd.DataFrame
    teams: pd.DataFrame
    movers: pd.DataFrame
    anomalies: pd.DataFrame
    external: pd.DataFrame
    families: pd.DataFrame
    data_quality: pd.DataFrame
    window_note: str = ""
    loop: pd.DataFrame | None = None


def overview_tables(ctx, *, quarter: str) -> OverviewTables:
    """Every table of the company overview of ``quarter`` (from the build tables).

    Examples
    --------
    >>> from nps_report import context
    >>> from nps_report.tables import overview_tables
    >>> o = overview_tables(context.load_context(None), quarter="2026Q3")
    >>> bool(o.movers["significant"].all())
    True
    """
    options = ctx.options
    bt = ctx.build_tables(quarter)
    nps = bt.nps
    headline = nps.loc[nps["level"] == "company", stats.NPS_COLUMNS].reset_index(drop=True)
    changes = bt.changes[bt.changes["level"] == "company"].reset_index(drop=True)
    trend = bt.trend[bt.trend["level"] == "company"].drop(
        columns=["level", schema.DEPARTMENT, schema.TEAM]).reset_index(drop=True)
    departments = (nps[nps["level"] == "department"].drop(columns=["level", schema.TEAM])
                   .sort_values("nps", ascending=False, kind="stable").reset_index(drop=True))
    rank_columns = ["rank", "rank_low", "rank_high", "rank_uncertain", "n_ranked", "percentile",
                    "rank_sentence"]
    ranks = bt.ranks[[schema.TEAM] + [c for c in rank_columns if c in bt.ranks]]
    teams = (nps[nps["level"] == "team"].drop(columns=["level"])
             .merge(ranks, on=schema.TEAM, how="left")
             .sort_values("nps", ascending=False, kind="stable").reset_index(drop=True))
    team_changes = bt.changes[(bt.changes["family"] == FAMILY_TEAMS)
                              & bt.changes["significant"].astype(bool)]
    order = team_changes["diff"].abs().sort_values(ascending=False, kind="stable").index
    flagged = set(bt.anomalies["team"].astype(str))
    movers = team_changes.loc[order].head(MOVERS).drop(columns=["level"]).reset_index(drop=True)
    movers["flagged"] = movers[schema.TEAM].astype(str).isin(flagged)
    row = headline.iloc[0]
    below = teams.loc[~teams["shown"].astype(bool), schema.TEAM].astype(str).tolist()
    quality = pd.DataFrame([{"used": int(row["n"]), **loading_figures(ctx.counts),
                             "below_floor": "; ".join(below),
                             "display_floor": int(options.display_floor),
                             "expired": int(bt.expired)}])
    return OverviewTables(
        quarter=quarter, options=options, headline=headline, changes=changes, trend=trend,
        departments=departments, teams=teams, movers=movers,
        anomalies=bt.anomalies.reset_index(drop=True),
        external=external_table(row["nps"] if row["shown"] else float("nan"), options),
        families=bt.families, data_quality=quality, window_note=bt.window_note, loop=bt.loop)
