"""Theme chart: how the NPS of each theme's mentioners differs from the other commenters'.

Draws the columns of :func:`nps_report.themes.theme_impact`; computes nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .style import CATEGORY_COLORS, PALETTE, FewTicks, new_axes, set_title, tick_labels_as_text

__all__ = ["VERDICT_COLORS", "theme_differences"]

#: Colour of each theme verdict.
VERDICT_COLORS = {"pain point": CATEGORY_COLORS["detractor"], "strength": CATEGORY_COLORS["promoter"],
                  "mentioned": PALETTE[6]}


def theme_differences(data: pd.DataFrame, *, top: int = 8, label: str = "label", ax=None):
    """Dots with 95% intervals: NPS of a theme's mentioners minus the other commenters'.

    Parameters
    ----------
    data : DataFrame
        A :func:`nps_report.themes.theme_impact` table: ``nps_difference``,
        ``nps_difference_low``, ``nps_difference_high``, ``verdict``, ``mentions``.
    top : int, default 8
        Themes shown, in the table's order (pain points first).
    label : str, default "label"
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        One row per theme, the first on top; a dot at the difference, a line across
        its interval, coloured by verdict; a vertical line at 0; the themes' names
        written left of the plot (:func:`nps_report.plots.style.tick_texts`), not as y ticks.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"label": ["Billing", "Staff"], "verdict": ["pain point", "mentioned"],
    ...                   "nps_difference": [-60.0, 10.0], "nps_difference_low": [-80.0, -20.0],
    ...                   "nps_difference_high": [-40.0, 40.0], "mentions": [30, 12]})
    >>> from nps_report.plots.style import tick_texts
    >>> [t.get_text() for t in tick_texts(theme_differences(t), "y")]
    ['Staff', 'Billing (pain point)']
    """
    ax = new_axes(ax)
    table = data[data["mentions"] > 0].dropna(subset=["nps_difference"]).head(int(top))
    if table.empty:
        ax.text(0.5, 0.5, "No comment mentions a theme", ha="center", va="center",
                transform=ax.transAxes, color=PALETTE[6])
        ax.set_xticks([])
        ax.set_yticks([])
        return ax
    table = table.iloc[::-1]
    y = np.arange(len(table))
    colors = [VERDICT_COLORS.get(v, PALETTE[0]) for v in table["verdict"]]
    ax.hlines(y, table["nps_difference_low"], table["nps_difference_high"], colors=colors,
              linewidth=2)
    ax.scatter(table["nps_difference"], y, color=colors, zorder=3, s=28)
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.xaxis.set_major_locator(FewTicks())
    tick_labels_as_text(ax, "y", y, [f"{t} ({v})" if v != "mentioned" else str(t)
                                     for t, v in zip(table[label], table["verdict"])])
    ax.set_xlabel("NPS difference: mentioning it vs other commenters (95% interval)")
    set_title(ax, "Comment themes and the score")
    return ax
