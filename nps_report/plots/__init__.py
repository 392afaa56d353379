"""Charts drawn from result tables, in one house style: ``func(data, *, ..., ax=None) -> Axes``.

Plot functions never compute statistics (they draw the tables the analysis modules
return) and never call ``plt.show()``. In a report, :mod:`nps_report.render.charts` wraps
each chart with alt text saying what it shows.

Examples
--------
>>> import pandas as pd
>>> import nps_report as nr
>>> ax = nr.plots.score_distribution(pd.DataFrame({"score": [0, 6, 7, 9, 10, 10]}))
>>> [round(bar.get_height()) for bar in ax.patches][9:]
[17, 33]
"""

from __future__ import annotations

from .style import PALETTE, CATEGORY_COLORS, new_axes, tick_texts, use_house_style
from .distribution import score_distribution
from .heatmap import heatmap
from .trends import *  # noqa: F401,F403  (trend, benchmark and rank charts)
from .drivers import *  # noqa: F401,F403  (driver quadrant, importance, theme impact)
from .themes import theme_differences

__all__ = ["PALETTE", "CATEGORY_COLORS", "new_axes", "tick_texts", "use_house_style", "score_distribution",
           "heatmap", "trend_chart", "benchmark_chart", "rank_chart", "driver_importance",
           "driver_quadrant", "theme_differences", "theme_impact_bars"]
