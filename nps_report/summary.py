"""The per-team x quarter NPS table of a build, with intervals and the display floor applied."""

from __future__ import annotations

import pandas as pd

from . import schema, stats


def team_quarter_table(responses: pd.DataFrame, params) -> pd.DataFrame:
    """NPS with intervals for every department, team and quarter of ``responses``.

    Groups below the display floor keep their ``n`` but have no ``nps``, ``ci_low``,
    ``ci_high`` or ``moe`` (a report never shows a score for them).
    """
    opts = params.stats
    table = stats.grouped_nps(responses, [schema.DEPARTMENT, schema.TEAM, schema.QUARTER],
                              method=opts.interval, confidence=opts.confidence,
                              display_floor=opts.display_floor, precision_moe=opts.precision_moe,
                              n_boot=opts.bootstrap_samples, seed=opts.seed)
    hidden = ~table["shown"]
    table.loc[hidden, ["nps", "ci_low", "ci_high", "moe", "se"]] = float("nan")
    return table.sort_values([schema.DEPARTMENT, schema.TEAM, schema.QUARTER]).reset_index(drop=True)


def format_table(table: pd.DataFrame) -> pd.DataFrame:
    """A printable version: one row per team, one column per quarter, ``+32 [+27, +37] n=412``."""
    def cell(row):
        if not row["shown"]:
            return f"n={row['n']} (too few)"
        return f"{row['nps']:+.0f} [{row['ci_low']:+.0f}, {row['ci_high']:+.0f}] n={row['n']}"
    cells = table.assign(cell=table.apply(cell, axis=1))
    return cells.pivot(index=[schema.DEPARTMENT, schema.TEAM], columns=schema.QUARTER,
                       values="cell").fillna("")
