"""Charts drawn from result tables, in one house style: ``func(data, *, ..., ax=None) -> Axes``.

Plot functions never compute statistics (they draw the tables the analysis modules
return) and never call ``plt.show()``.
"""

from __future__ import annotations

from .style import PALETTE, CATEGORY_COLORS, new_axes, use_house_style
from .distribution import score_distribution
from .heatmap import heatmap
from .trends import *  # noqa: F401,F403  (trend, benchmark and rank charts)
from .drivers import *  # noqa: F401,F403  (driver quadrant, importance, theme impact)
