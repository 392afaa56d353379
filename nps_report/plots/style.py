"""The house style shared by every chart: palette, fonts, figure size, tidy axes."""

from __future__ import annotations

import functools

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.collections import LineCollection
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import MaxNLocator, PercentFormatter
from matplotlib.transforms import ScaledTranslation

from .layout import font_height_metrics

PALETTE = ["#1f4e79", "#2e86ab", "#f18f01", "#c73e1d", "#6a994e", "#8d6a9f", "#7f7f7f"]
CATEGORY_COLORS = {"detractor": "#c73e1d", "passive": "#bfbfbf", "promoter": "#2e7d32"}
FIGSIZE = (7.0, 3.4)
#: Text settings that show labels as written: no mathtext (``$...$``), no LaTeX. Team
#: names reach titles, ticks and annotations, and a name is data, not markup.
PLAIN_TEXT = {"text.parse_math": False, "text.usetex": False}
#: How report charts draw their text: glyphs without FreeType's hinting. Matplotlib loads
#: every glyph of a text to measure it, again to lay it out and again to draw it, and
#: hinting is about 40% of that; text is four fifths of a chart's drawing. At the charts'
#: 110 dpi (about 130 dpi as printed) unhinted text reads as well, a little softer.
CHART_TEXT = {"text.hinting": "no_hinting"}


def use_house_style() -> None:
    """Apply the report style (seaborn ``whitegrid``, readable sizes, DejaVu Sans, no top/right
    spines), :data:`PLAIN_TEXT` (labels are never parsed as mathtext) and :data:`CHART_TEXT`."""
    sns.set_theme(style="whitegrid", palette=PALETTE, font="DejaVu Sans", rc={
        "axes.spines.top": False, "axes.spines.right": False, "figure.dpi": 110,
        "savefig.dpi": 150, "axes.titlesize": 11, "axes.labelsize": 10,
        "xtick.labelsize": 9, "ytick.labelsize": 9, "legend.fontsize": 9,
        "figure.figsize": FIGSIZE, **PLAIN_TEXT, **CHART_TEXT})


def plain_text(plot):
    """Decorate a chart function: its labels are drawn under :data:`PLAIN_TEXT`, so a team
    named ``Team $\\foo{$`` is shown as written instead of failing as bad mathtext.

    Examples
    --------
    >>> @plain_text
    ... def title(text):
    ...     return new_axes().set_title(text)
    >>> title("Team $x$").get_parse_math()
    False
    """
    @functools.wraps(plot)
    def wrapper(*args, **kwargs):
        with plt.rc_context(PLAIN_TEXT):
            return plot(*args, **kwargs)
    return wrapper


def set_title(ax, text: str):
    """Title ``ax`` at the top edge of the plot, where matplotlib places it itself when
    nothing is drawn above the plot.

    Matplotlib's automatic placement measures every tick label of the y axis (for an
    offset text such as ``1e6``) at each layout and draw, to find that the title goes at
    the top edge: the house charts have no offset text and their x ticks below. The title
    is placed automatically when the x ticks or label are on top.

    Examples
    --------
    >>> ax = new_axes()
    >>> set_title(ax, "NPS by quarter").get_position()[1]
    1.0
    """
    # The house style draws no tick marks (seaborn's whitegrid), so ``get_ticks_position``
    # says "unknown": where the tick labels go is in the tick parameters.
    ticks = ax.xaxis.get_tick_params()
    if ticks.get("top") or ticks.get("labeltop") or ax.xaxis.get_label_position() == "top":
        return ax.set_title(text)
    return ax.set_title(text, y=1.0)


def tick_labels_as_text(ax, axis: str, positions, labels, *, grid: bool = False) -> list:
    """Write ``labels`` beside the plot at the ``positions`` of the x axis (under the plot)
    or the y axis (left of it) as plain texts, where and how tick labels would be drawn
    (font, colour, alignment, distance from the plot), instead of ticks.

    A tick is five artists (its grid line, two tick marks, two labels) that matplotlib
    makes, styles, places and measures one by one, again at each layout and draw; a chart
    of fixed categories (the scores 0-10, a bar per rating or team) needs only the words.
    The axis then has no ticks, so no grid lines across the categories (unless ``grid``:
    then they are drawn as one collection of lines, in the grid's style); an x axis's label
    is moved down by the texts' height, as tick labels would push it (a y axis's label
    is not moved: the house charts with labels on the y axis have no y label).

    Parameters
    ----------
    ax : matplotlib Axes
    axis : {"x", "y"}
    positions : sequence of float
        Positions along the axis, in data coordinates.
    labels : sequence of str
        One text each; on the x axis one line each (the axis label is moved by one line).
    grid : bool, default False
        Draw a grid line across the plot at each position (``gid`` ``"{axis}grid"``),
        where the house style draws grid lines.

    Returns
    -------
    list of matplotlib Text
        The labels, in ``ax.texts`` with ``gid`` ``"xtick_label"`` or ``"ytick_label"``
        (:func:`tick_texts` finds them); they move with the data and stay beside the plot.

    Examples
    --------
    >>> ax = new_axes()
    >>> [t.get_text() for t in tick_labels_as_text(ax, "x", range(3), ["0", "1", "2"])]
    ['0', '1', '2']
    >>> len(ax.get_xticks())
    0
    """
    labels = [str(label) for label in labels]
    if axis == "x" and any("\n" in label for label in labels):
        raise ValueError("x tick labels written as text must be one line each")
    rc = mpl.rcParams
    # the distance matplotlib puts between the plot and its tick labels: the pad and the
    # tick's length outside the plot (counted even where the style draws no tick mark)
    outside = {"in": 0.0, "inout": 0.5, "out": 1.0}[rc[f"{axis}tick.direction"]]
    pad = rc[f"{axis}tick.major.pad"] + outside * rc[f"{axis}tick.major.size"]
    color = rc[f"{axis}tick.labelcolor"]
    color = rc[f"{axis}tick.color"] if color == "inherit" else color
    font = FontProperties(size=rc[f"{axis}tick.labelsize"])
    if axis == "x":
        place = ax.get_xaxis_transform(which="tick1") \
            + ScaledTranslation(0, -pad / 72, ax.figure.dpi_scale_trans)
        align = {"ha": rc["xtick.alignment"], "va": "top"}
        ax.set_xticks([])
    else:
        place = ax.get_yaxis_transform(which="tick1") \
            + ScaledTranslation(-pad / 72, 0, ax.figure.dpi_scale_trans)
        align = {"ha": "right", "va": rc["ytick.alignment"]}
        ax.set_yticks([])
    texts = []
    for position, label in zip(positions, labels):
        xy = (position, 0) if axis == "x" else (0, position)
        texts.append(ax.text(*xy, label, transform=place, fontproperties=font,
                             color=color, clip_on=False, gid=f"{axis}tick_label", **align))
    if grid and rc["axes.grid"] and rc["axes.grid.axis"] in ("both", axis):
        # across the plot in axes coordinates: the data limits are left alone
        ends = [[(p, 0), (p, 1)] if axis == "x" else [(0, p), (1, p)] for p in positions]
        below = {True: 0.5, "line": 1.5}.get(rc["axes.axisbelow"], 2.5)  # as the axis's own
        ax.add_collection(LineCollection(
            ends, transform=ax.get_xaxis_transform() if axis == "x" else ax.get_yaxis_transform(),
            colors=rc["grid.color"], linewidths=rc["grid.linewidth"],
            linestyles=rc["grid.linestyle"], alpha=rc["grid.alpha"], zorder=below,
            gid=f"{axis}grid"), autolim=False)
    if axis == "x":
        # a line of text is the font's ascent and descent high
        ascent, descent, _ = font_height_metrics(font, 72)  # points
        ax.xaxis.labelpad = rc["axes.labelpad"] + pad + ascent + descent
    return texts


class FewTicks(MaxNLocator):
    """Up to ``most + 1`` round ticks on a value axis (fewer where the axis is short), only
    those inside the view.

    Matplotlib's automatic ticks fill the axis (up to 9-11 on a report chart, and one
    beyond each end that is never drawn); each tick is five artists made, placed and
    measured at each layout and draw. Six intervals read as well on a 3.4-inch chart.
    Steps of 1, 2, 5 and 10 (no 2.5) keep whole-percent labels exact. On a short axis
    the intervals are as many as matplotlib's own estimate of the room for tick labels
    (``Axis.get_tick_space``), so that they never run into each other, and never more
    ticks than matplotlib's own.

    Examples
    --------
    >>> ax = new_axes()
    >>> ax.set_ylim(-12, 71)
    (-12.0, 71.0)
    >>> ax.yaxis.set_major_locator(FewTicks())
    >>> ax.yaxis.get_major_locator()().tolist()
    [0.0, 20.0, 40.0, 60.0]
    """

    def __init__(self, most: int = 6):
        super().__init__(nbins=most, steps=[1, 2, 5, 10], min_n_ticks=4)
        self.most = most

    def __call__(self):
        room = self.axis.get_tick_space()
        nbins = max(1, min(self.most, room))
        # at least 4 ticks in view on a chart's full width, 2 on a short axis
        self.set_params(nbins=nbins, min_n_ticks=4 if nbins >= 5 else 2)
        low, high = sorted(self.axis.get_view_interval())
        slack = 1e-10 * (high - low)  # as matplotlib keeps ticks at the view's ends

        def inside(locs):
            return locs[(locs >= low - slack) & (locs <= high + slack)]

        locs = inside(self.tick_values(low, high))
        if len(locs) > self.most + 1:  # 4 in view only at a much finer step: fewer, coarser
            self.set_params(min_n_ticks=2)
            locs = inside(self.tick_values(low, high))
        # never more than matplotlib's own ticks (its steps of 2.5 fit a short axis better)
        auto = inside(MaxNLocator(nbins=max(1, min(room, 9)), steps=[1, 2, 2.5, 5, 10])
                      .tick_values(low, high))
        return auto if len(auto) < len(locs) else locs


class StepPercent(PercentFormatter):
    """Percent labels of shares (1 = 100%) with as few decimals as keep every tick exact:
    whole percents as "20%", steps of half a percent as "0.5%", "1.0%", "1.5%".

    With no decimals a short axis (the shares of a noisy driver chart, 0-2.5%) would
    read "0%, 0%, 1%, 2%, 2%".

    Examples
    --------
    >>> ax = new_axes()
    >>> ax.yaxis.set_major_formatter(StepPercent())
    >>> ax.yaxis.get_major_formatter().format_ticks([0, 0.005, 0.01, 0.015])
    ['0.0%', '0.5%', '1.0%', '1.5%']
    >>> ax.yaxis.get_major_formatter().format_ticks([0, 0.2, 0.4])
    ['0%', '20%', '40%']
    """

    def __init__(self):
        super().__init__(xmax=1, decimals=0)

    def set_locs(self, locs):
        super().set_locs(locs)
        percents = np.asarray(locs, dtype=float) * 100
        self.decimals = next((d for d in range(5)
                              if np.allclose(percents * 10 ** d, np.round(percents * 10 ** d),
                                             rtol=0, atol=1e-6)), 4)


def tick_texts(ax, axis: str) -> list:
    """The labels :func:`tick_labels_as_text` wrote on ``ax``'s ``axis`` ("x" or "y"), in
    the order written; the chart's tick labels when it has none.

    Examples
    --------
    >>> ax = new_axes()
    >>> _ = tick_labels_as_text(ax, "y", [0, 1], ["Staff", "Billing"])
    >>> [t.get_text() for t in tick_texts(ax, "y")]
    ['Staff', 'Billing']
    """
    texts = [t for t in ax.texts if t.get_gid() == f"{axis}tick_label"]
    if texts:
        return texts
    return list(ax.get_xticklabels() if axis == "x" else ax.get_yticklabels())


def new_axes(ax=None, figsize=FIGSIZE):
    """Return ``ax`` or a fresh Axes of the house size."""
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=figsize)
    return ax
