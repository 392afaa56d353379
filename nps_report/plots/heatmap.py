"""Team x quarter heatmap of NPS; cells below the display floor stay blank."""

from __future__ import annotations

import pandas as pd
import seaborn as sns

from .style import new_axes, plain_text, set_title


@plain_text
def heatmap(data: pd.DataFrame, *, row: str = "team", column: str = "quarter", value: str = "nps",
            ax=None):
    """Heatmap of ``value`` by ``row`` and ``column`` from a grouped NPS table.

    Parameters
    ----------
    data : DataFrame
        One row per (row, column) group, as :func:`nps_report.stats.grouped_nps` returns;
        groups with ``shown == False`` are left blank (no score below the display floor).
    row, column, value : str
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        Annotated with the rounded NPS in each shown cell; colours centred on 0.
    """
    table = data.copy()
    if "shown" in table:
        table.loc[~table["shown"].astype(bool), value] = float("nan")
    grid = table.pivot(index=row, columns=column, values=value).sort_index()
    height = max(2.2, 0.34 * len(grid) + 1.0)
    ax = new_axes(ax, figsize=(7.0, height))
    sns.heatmap(grid, ax=ax, cmap="RdYlGn", center=0, vmin=-100, vmax=100, annot=True, fmt=".0f",
                linewidths=0.5, linecolor="white", cbar_kws={"label": "NPS", "shrink": 0.8},
                annot_kws={"fontsize": 8})
    ax.tick_params(axis="x", rotation=45, labelsize=8)
    ax.tick_params(axis="y", rotation=0)
    ax.set_xlabel("")
    ax.set_ylabel("")
    set_title(ax, "NPS by team and quarter (blank: too few responses)")
    return ax
