"""Score distribution chart: how many responses gave each score 0..10, coloured by category."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .style import CATEGORY_COLORS, FewTicks, new_axes, plain_text, set_title, tick_labels_as_text


@plain_text
def score_distribution(data: pd.DataFrame, *, score: str = "score", ax=None):
    """Bar chart of the share of responses at each score 0..10 (percent).

    Parameters
    ----------
    data : DataFrame
        Responses, one row each.
    score : str, default "score"
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        One bar per score 0..10 whose height is the percentage of responses; the scores
        are written under the bars as texts (``ax.texts``), not as x ticks.
    """
    ax = new_axes(ax)
    counts = data[score].value_counts().reindex(range(11), fill_value=0)
    total = max(int(counts.sum()), 1)
    colors = [CATEGORY_COLORS["detractor"]] * 7 + [CATEGORY_COLORS["passive"]] * 2 \
        + [CATEGORY_COLORS["promoter"]] * 2
    ax.bar(np.arange(11), 100 * counts.to_numpy() / total, color=colors, width=0.8)
    tick_labels_as_text(ax, "x", range(11), [str(k) for k in range(11)])
    ax.yaxis.set_major_locator(FewTicks())
    ax.set_xlabel("Score (0 = not at all likely, 10 = extremely likely)")
    ax.set_ylabel("Share of responses (%)")
    set_title(ax, f"Score distribution (n = {total:,})")
    return ax
