"""Trend, benchmark and rank charts, drawn from the tables of :mod:`nps_report.benchmarks`."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.transforms import blended_transform_factory

from .style import FIGSIZE, PALETTE, FewTicks, new_axes, plain_text, set_title, tick_labels_as_text

__all__ = ["benchmark_chart", "rank_chart", "trend_chart"]

MUTED = "#9fb3c8"
FOCUS = PALETTE[2]
BELOW_FLOOR_TEXT = "too few responses"


def _errors(table: pd.DataFrame) -> np.ndarray:
    """Asymmetric error-bar lengths (2 x n) from ``nps``, ``ci_low``, ``ci_high``; never negative."""
    nps = table["nps"].to_numpy(dtype="float64")
    low = np.clip(nps - table["ci_low"].to_numpy(dtype="float64"), 0, None)
    high = np.clip(table["ci_high"].to_numpy(dtype="float64") - nps, 0, None)
    return np.vstack([low, high])


def _shown(table: pd.DataFrame) -> np.ndarray:
    return (table["shown"].astype(bool) & table["nps"].notna()).to_numpy()


@plain_text
def trend_chart(data: pd.DataFrame, *, hue: str | None = None, quarter: str = "quarter",
                title: str | None = None, ax=None):
    """Line of NPS per quarter with its interval band.

    Parameters
    ----------
    data : DataFrame
        A table of :func:`nps_report.benchmarks.trend` (``quarter``, ``nps``,
        ``ci_low``, ``ci_high``, ``n``, ``shown``).
    hue : str, optional
        Column with one line per value (e.g. ``"team"``).
    quarter : str, default "quarter"
        Column holding the quarter labels (one tick each, in label order).
    title : str, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        One line per group (``gid`` ``"trend"``) whose y-data is the table's ``nps``
        with NaN where the quarter is below the display floor (a gap in the line),
        a band between ``ci_low`` and ``ci_high``, and an ``x`` marker at the foot
        of the chart (``gid`` ``"below_floor"``) for each quarter with too few responses;
        the quarters written under the plot (:func:`nps_report.plots.style.tick_texts`),
        not as x ticks, with a grid line at each.
    """
    ax = new_axes(ax)
    quarters = sorted(pd.unique(data[quarter].astype(str)))
    position = {q: i for i, q in enumerate(quarters)}
    groups = [(None, data)] if hue is None else list(data.groupby(hue, sort=True))
    foot = blended_transform_factory(ax.transData, ax.transAxes)
    hidden_labelled = False
    for i, (name, group) in enumerate(groups):
        group = group.sort_values(quarter)
        color = PALETTE[i % len(PALETTE)]
        xs = group[quarter].astype(str).map(position).to_numpy(dtype="float64")
        shown = _shown(group)
        ys = np.where(shown, group["nps"].to_numpy(dtype="float64"), np.nan)
        low = np.where(shown, group["ci_low"].to_numpy(dtype="float64"), np.nan)
        high = np.where(shown, group["ci_high"].to_numpy(dtype="float64"), np.nan)
        label = "NPS" if name is None else str(name)
        ax.fill_between(xs, low, high, color=color, alpha=0.18, linewidth=0)
        ax.plot(xs, ys, marker="o", color=color, label=label, gid="trend")
        if (~shown).any():
            ax.scatter(xs[~shown], np.full((~shown).sum(), 0.04), marker="x", color=color,
                       transform=foot, gid="below_floor", zorder=3, clip_on=False,
                       label=None if hidden_labelled else BELOW_FLOOR_TEXT)
            hidden_labelled = True
    tick_labels_as_text(ax, "x", range(len(quarters)), quarters, grid=True)
    ax.set_xlim(-0.5, len(quarters) - 0.5)
    ax.yaxis.set_major_locator(FewTicks())
    ax.set_ylabel("NPS")
    ax.set_xlabel("")
    if hue is not None or hidden_labelled:
        ax.legend(loc="best", frameon=False)
    set_title(ax, title if title is not None else "NPS by quarter (band: confidence interval)")
    return ax


@plain_text
def benchmark_chart(data: pd.DataFrame, *, external: pd.DataFrame | None = None,
                    name: str = "name", title: str | None = None, ax=None):
    """Bars of NPS with interval error bars, and external benchmarks as labelled lines.

    Parameters
    ----------
    data : DataFrame
        A table of :func:`nps_report.benchmarks.internal_benchmarks` (one row per
        bar: ``name``, ``nps``, ``ci_low``, ``ci_high``, ``n``, ``shown``). The
        first row (the team) is drawn in the focus colour.
    external : DataFrame, optional
        A table of :func:`nps_report.benchmarks.load_external_benchmarks`
        (``name``, ``value``, ``citation``): one dashed horizontal line each,
        labelled ``"name: value (Source, Year)"`` in the legend.
    name : str, default "name"
        Column naming each bar.
    title : str, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        One bar per shown row, height = ``nps``; rows below the display floor get
        no bar but a "too few responses" note at their place.
    """
    ax = new_axes(ax)
    positions = np.arange(len(data))
    shown = _shown(data)
    colors = [FOCUS if i == 0 else PALETTE[0] for i in range(len(data))]
    visible = data[shown]
    ax.bar(positions[shown], visible["nps"].to_numpy(dtype="float64"), width=0.6,
           color=[c for c, s in zip(colors, shown) if s], gid="nps_bars")
    if shown.any():
        ax.errorbar(positions[shown], visible["nps"].to_numpy(dtype="float64"),
                    yerr=_errors(visible), fmt="none", ecolor="#333333", capsize=4, linewidth=1)
    for pos in positions[~shown]:
        n = int(data["n"].iloc[pos]) if "n" in data else None
        note = BELOW_FLOOR_TEXT + ("" if n is None else f"\n(n = {n})")
        ax.text(pos, 0, note, ha="center", va="bottom", fontsize=8, color="#555555")
    if external is not None and len(external):
        styles = ["--", ":", "-.", (0, (5, 2, 1, 2))]
        for i, (_, bench) in enumerate(external.iterrows()):
            ax.axhline(float(bench["value"]), color=PALETTE[(i + 3) % len(PALETTE)],
                       linestyle=styles[i % len(styles)], linewidth=1.2, gid="external",
                       label=f"{bench['name']}: {bench['value']:+g} ({bench['citation']})")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8,
                  title="External benchmarks", title_fontsize=8)
    ax.axhline(0, color="#666666", linewidth=0.8)
    ax.set_xticks(positions)
    # a long name is written on more lines, so that names under neighbouring bars never
    # run into each other (about 0.55 em a character, the plot about 85% of the figure)
    room = 0.85 * ax.figure.get_figwidth() * 72 / max(len(data), 1)
    chars = max(10, int(room / (0.55 * ax.xaxis.get_ticklabels()[0].get_fontsize()))) \
        if len(data) else 10
    ax.set_xticklabels([textwrap.fill(str(v), chars) for v in data[name]])
    ax.set_xlim(-0.6, len(data) - 0.4)
    ax.yaxis.set_major_locator(FewTicks())
    ax.set_ylabel("NPS")
    set_title(ax, title if title is not None else "NPS against benchmarks (bars: confidence interval)")
    return ax


@plain_text
def rank_chart(data: pd.DataFrame, *, highlight: str | None = None, label: str = "team",
               title: str | None = None, ax=None):
    """Horizontal bars of groups sorted by NPS (best at the top) with intervals.

    Parameters
    ----------
    data : DataFrame
        A table of :func:`nps_report.benchmarks.team_ranks` (``label`` column,
        ``nps``, ``ci_low``, ``ci_high``, ``shown``, ``rank``, optionally
        ``rank_low``/``rank_high``, printed in brackets after the name when they
        differ); without ``rank`` (e.g. :func:`nps_report.stats.grouped_nps`) ranks
        are computed from ``nps``.
    highlight : str, optional
        The focal group, drawn in the focus colour.
    label : str, default "team"
        Column naming each bar.
    title : str, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        One bar per shown group, width = ``nps``, best first from the top; groups
        below the display floor are left out and counted in a note; the names written
        left of the bars (:func:`nps_report.plots.style.tick_texts`), not as y ticks.
    """
    shown_mask = _shown(data)
    visible = data[shown_mask].sort_values("nps", ascending=False, kind="mergesort")
    hidden = int((~shown_mask).sum())
    height = max(FIGSIZE[1], 0.28 * len(visible) + 1.2)
    ax = new_axes(ax, figsize=(FIGSIZE[0], height))
    ys = np.arange(len(visible))
    names = visible[label].astype(str).tolist()
    colors = [FOCUS if highlight is not None and n == str(highlight) else MUTED for n in names]
    ax.barh(ys, visible["nps"].to_numpy(dtype="float64"), height=0.7, color=colors, gid="nps_bars")
    if len(visible):
        ax.errorbar(visible["nps"].to_numpy(dtype="float64"), ys, xerr=_errors(visible), fmt="none",
                    ecolor="#333333", capsize=2, linewidth=0.8)
    # a table without ranks (e.g. stats.grouped_nps) is ranked here, ties sharing the lowest rank
    ranks = (visible["rank"] if "rank" in visible
             else visible["nps"].round(9).rank(method="min", ascending=False))
    # the rank's interval beside the name, when the table has one and it is not a single rank
    spans = ([(lo, hi) for lo, hi in zip(visible["rank_low"], visible["rank_high"])]
             if {"rank_low", "rank_high"} <= set(visible.columns) else [(np.nan, np.nan)] * len(names))
    labels = [f"{int(r)}. {n}" + (f" ({int(lo)}\u2013{int(hi)})"
                                   if np.isfinite(lo) and np.isfinite(hi) and lo != hi else "")
              for r, n, (lo, hi) in zip(ranks, names, spans)]
    for text, n in zip(tick_labels_as_text(ax, "y", ys, labels), names):
        if highlight is not None and n == str(highlight):
            text.set_fontweight("bold")
    ax.invert_yaxis()
    ax.axvline(0, color="#666666", linewidth=0.8)
    ax.xaxis.set_major_locator(FewTicks())
    xlabel = "NPS (bars: confidence interval)"
    if any(np.isfinite(lo) and lo != hi for lo, hi in spans):
        xlabel += "; in brackets: interval of the rank"
    if hidden:
        xlabel += f"; {hidden} with {BELOW_FLOOR_TEXT} not shown"
    ax.set_xlabel(xlabel)
    set_title(ax, title if title is not None else "NPS ranking")
    return ax
