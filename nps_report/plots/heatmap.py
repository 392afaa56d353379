"""Team x quarter heatmap of NPS; cells below the display floor stay blank."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import Normalize
from matplotlib.font_manager import FontProperties

from .style import new_axes, plain_text, set_title

#: Colours of the cells: red negative, green positive, centred on 0.
CMAP = "RdYlGn"


def _luminance(rgba: np.ndarray) -> np.ndarray:
    """Relative luminance (WCAG) of colours given as rows of RGB(A) in 0..1:
    :math:`L = 0.2126 R + 0.7152 G + 0.0722 B` of the linearised channels."""
    rgb = rgba[:, :3]
    linear = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


@plain_text
def heatmap(data: pd.DataFrame, *, row: str = "team", column: str = "quarter", value: str = "nps",
            ax=None):
    """Heatmap of ``value`` by ``row`` and ``column`` from a grouped NPS table.

    Drawn as seaborn's ``heatmap`` would draw it (cells coloured on the red-yellow-green
    scale from -100 to 100, centred on 0, the value written in each cell in dark or white
    by the cell's luminance, a colour bar), without its trial drawing of the whole figure
    to decide whether tick labels overlap: a row or column label is left out only when
    the labels cannot all fit at their font size, as seaborn does.

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
        Annotated with the rounded NPS in each shown cell (``ax.texts``, row by row);
        rows sorted by name from the top, columns in label order.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"team": ["A", "A", "B"], "quarter": ["2026Q2", "2026Q3", "2026Q3"],
    ...                       "nps": [10.0, 20.4, -30.0], "shown": [True, True, True]})
    >>> ax = heatmap(table)
    >>> [t.get_text() for t in ax.texts]
    ['10', '20', '-30']
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['A', 'B']
    """
    table = data.copy()
    if "shown" in table:
        table.loc[~table["shown"].astype(bool), value] = float("nan")
    grid = table.pivot(index=row, columns=column, values=value).sort_index()
    height = max(2.2, 0.34 * len(grid) + 1.0)
    ax = new_axes(ax, figsize=(7.0, height))
    values = grid.to_numpy(dtype="float64")
    rows, columns = values.shape
    cmap, norm = colormaps[CMAP], Normalize(-100, 100)
    mesh = ax.pcolormesh(np.ma.masked_invalid(values), cmap=cmap, norm=norm,
                         linewidths=0.5, edgecolors="white")
    ax.set_xlim(0, columns)
    ax.set_ylim(rows, 0)  # first row on top
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    colorbar = ax.figure.colorbar(mesh, ax=ax, shrink=0.8, label="NPS")
    colorbar.outline.set_linewidth(0)
    # the value in each shown cell, dark on light cells and white on dark ones
    at = np.argwhere(np.isfinite(values))
    shown = values[at[:, 0], at[:, 1]]
    light = _luminance(cmap(norm(shown))) > 0.408
    for (i, j), v, is_light in zip(at, shown, light):
        ax.text(j + 0.5, i + 0.5, f"{v:.0f}", ha="center", va="center", fontsize=8,
                color=".15" if is_light else "w")
    # every label that fits at the tick labels' font size (seaborn's "auto"); quarters slanted
    size = ax.get_position().size * ax.figure.get_size_inches()
    for axis, labels, room in ((ax.xaxis, grid.columns, size[0]), (ax.yaxis, grid.index, size[1])):
        points = FontProperties(size=mpl.rcParams[f"{axis.axis_name}tick.labelsize"]).get_size_in_points()
        every = len(labels) // max(int(room // (points / 72)), 1) + 1
        positions = np.arange(0, len(labels), every)
        axis.set_ticks(positions + 0.5, [str(labels[k]) for k in positions])
    ax.tick_params(axis="x", rotation=45, labelsize=8)
    ax.tick_params(axis="y", rotation=0)
    ax.set_xlabel("")
    ax.set_ylabel("")
    set_title(ax, "NPS by team and quarter (blank: too few responses)")
    return ax
