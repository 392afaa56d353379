"""Margins of a one-plot chart measured from its text, without ``tight_layout``'s passes.

``Figure.tight_layout`` measures the tight box of every artist of the Axes (each bar,
error bar and grid line), updates the ticks of each axis several times and places the
title again, and the draw that follows does it all once more: a third of a report chart's
CPU time. A house chart's margins are decided by few things, all of known shape: the tick
labels, the axis labels, the title, a legend placed outside and texts written beside the
plot. :func:`fit_margins` measures only those (their sizes do not depend on where the plot
is) and sets the margins so that each is inside the figure, ``pad`` font sizes from its
edge, as ``tight_layout`` does. Any other figure (several Axes, a colour bar, a figure
title, tick labels on top) is laid out by ``tight_layout``.
"""

from __future__ import annotations

import textwrap

import matplotlib as mpl
from matplotlib.font_manager import FontProperties

__all__ = ["fit_margins", "font_height_metrics"]


def fit_margins(figure, renderer=None, *, pad: float = 1.08) -> str:
    """Set ``figure``'s margins so that its text fits, ``pad`` font sizes from the edges.

    The plot's sides move in by as much as its tick labels, axis labels, title, legend and
    texts reach past them; the plot's shape is not kept. A title or x-axis label wider than
    the room on both sides of the plot's centre is wrapped onto more lines (the same words).
    Texts at data points are measured again once the margins are set, and the plot
    shrinks while they still reach past the border (up to three rounds). A figure with anything else
    around its plot (several Axes, a colour bar, a figure title or legend, x tick labels
    on top, a y label on the right) is laid out by ``figure.tight_layout()`` instead.

    Parameters
    ----------
    figure : matplotlib Figure
    renderer : matplotlib renderer, optional
        The one the figure will be drawn with (its canvas's by default), so that text
        sizes are measured once for layout and drawing.
    pad : float, default 1.08
        Space between the figure's edge and its outermost text, in font sizes
        (``tight_layout``'s default).

    Returns
    -------
    str
        ``"fitted"``, or ``"tight_layout"`` when the figure was laid out that way.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> figure, ax = plt.subplots(figsize=(4, 2))
    >>> _ = ax.set_ylabel("NPS"), ax.set_title("NPS by quarter")
    >>> _ = ax.set_yticks([0, 50], ["0", "a long tick label of fifty"])
    >>> fit_margins(figure)
    'fitted'
    >>> figure.canvas.draw()
    >>> texts = [ax.title, ax.yaxis.label, *ax.get_yticklabels()]
    >>> all(figure.bbox.fully_contains(*t.get_window_extent().corners()[0])
    ...     and figure.bbox.fully_contains(*t.get_window_extent().corners()[3]) for t in texts)
    True
    >>> plt.close(figure)
    """
    renderer = renderer or figure.canvas.get_renderer()
    if not _is_simple(figure):
        _tight_layout(figure, renderer, pad)
        return "tight_layout"
    ax = figure.axes[0]
    width, height = figure.bbox.width, figure.bbox.height
    border = pad * FontProperties(size=mpl.rcParams["font.size"]).get_size_in_points() \
        * figure.dpi / 72
    # The plot over the whole figure but the border, then how far each text reaches past
    # it: tick labels, axis labels and the title keep their distance to the plot's sides
    # when the plot shrinks, so one measurement places them.
    figure.subplots_adjust(left=border / width, right=1 - border / width,
                           bottom=border / height, top=1 - border / height)
    for text in (ax.title, ax.xaxis.label):
        _wrap_to(text, width - 2 * border, renderer)
    reach = _reach(ax, renderer)
    left, right = border + reach["left"], width - border - reach["right"]
    # the title and the x label are centred on the plot: they must fit on both sides of it
    centre = (left + right) / 2
    room = 2 * min(centre - border, width - border - centre)
    if any([_wrap_to(text, room, renderer) for text in (ax.title, ax.xaxis.label)]):
        reach = _reach(ax, renderer)
    bottom, top = border + reach["bottom"], height - border - reach["top"]
    if right - left < 0.2 * width or top - bottom < 0.2 * height:
        _tight_layout(figure, renderer, pad)  # nothing sensible fits: matplotlib's compromise
        return "tight_layout"
    figure.subplots_adjust(left=left / width, right=right / width, bottom=bottom / height,
                           top=top / height)
    # Texts and a legend placed at data points move with the plot: measured again where
    # they are now, the plot shrinks by what still reaches past the border (a text at a
    # point moves by a fraction of that, so a few rounds settle it).
    for _ in range(3):
        over = _overflow(ax, renderer, border)
        if max(over.values()) <= 0.5:
            break
        left, right = left + over["left"], right - over["right"]
        bottom, top = bottom + over["bottom"], top - over["top"]
        if right - left < 0.2 * width or top - bottom < 0.2 * height:
            _tight_layout(figure, renderer, pad)
            return "tight_layout"
        figure.subplots_adjust(left=left / width, right=right / width, bottom=bottom / height,
                               top=top / height)
    return "fitted"


def font_height_metrics(prop, dpi: float):
    """Ascent, descent and line gap in pixels of the font ``prop`` describes, from its
    ``OS/2`` table (else ``hhea``), as matplotlib lays out a line of text: each value in
    font units times :math:`s \\cdot d / (72 u)` for size :math:`s` points, :math:`d` dpi and
    :math:`u` units per em; ``(None, None, None)`` for a font without either table.

    Examples
    --------
    >>> from matplotlib.font_manager import FontProperties
    >>> ascent, descent, gap = font_height_metrics(FontProperties(family="DejaVu Sans", size=10), 72)
    >>> round(ascent, 2), round(descent, 2)
    (7.6, 2.4)
    """
    from matplotlib.font_manager import fontManager, get_font

    font = get_font(fontManager.findfont(prop))
    for table_name, gap_key, ascent_key, descent_key in (
            ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
            ("hhea", "lineGap", "ascent", "descent")):
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        scale = prop.get_size_in_points() * dpi / 72 / font.get_sfnt_table("head")["unitsPerEm"]
        return table[ascent_key] * scale, -table[descent_key] * scale, table[gap_key] * scale
    return None, None, None


def _tight_layout(figure, renderer, pad: float) -> None:
    """``figure.tight_layout``, then once more if an Axes' centred title, wider than the
    room on both sides of its plot's centre, had to be wrapped (a heatmap's long row names
    push its plot, and the title above it, to the right)."""
    figure.tight_layout(pad=pad)
    border = pad * FontProperties(size=mpl.rcParams["font.size"]).get_size_in_points() \
        * figure.dpi / 72
    wrapped = False
    for ax in figure.axes:
        centre = (ax.bbox.x0 + ax.bbox.x1) / 2
        room = 2 * min(centre - border, figure.bbox.width - border - centre)
        wrapped |= _wrap_to(ax.title, room, renderer)
    if wrapped:
        figure.tight_layout(pad=pad)


def _overflow(ax, renderer, border: float) -> dict:
    """Pixels by which the Axes' texts and legend reach past the figure's border."""
    figure = ax.figure.bbox
    over = {"left": 0.0, "right": 0.0, "bottom": 0.0, "top": 0.0}
    legend = ax.get_legend()
    movable = [t for t in ax.texts if _visible(t)]
    if legend is not None and legend.get_visible():
        movable.append(legend)
    for artist in movable:
        extent = artist.get_window_extent(renderer)
        over["left"] = max(over["left"], border - extent.x0)
        over["right"] = max(over["right"], extent.x1 - (figure.width - border))
        over["bottom"] = max(over["bottom"], border - extent.y0)
        over["top"] = max(over["top"], extent.y1 - (figure.height - border))
    return over


def _is_simple(figure) -> bool:
    """One Axes, nothing drawn around it that :func:`fit_margins` does not measure."""
    if len(figure.axes) != 1 or figure.texts or figure.legends or figure.images \
            or figure.get_suptitle() or figure.get_supxlabel() or figure.get_supylabel():
        return False
    ax = figure.axes[0]
    if ax.get_subplotspec() is None or ax.child_axes or ax.get_title("left") \
            or ax.get_title("right"):
        return False
    xticks, yticks = ax.xaxis.get_tick_params(), ax.yaxis.get_tick_params()
    # x tick labels on top move the title; right-hand y labels are not measured here
    return not (xticks.get("labeltop") or yticks.get("labelright")
                or ax.xaxis.get_label_position() != "bottom"
                or ax.yaxis.get_label_position() != "left"
                or ax.yaxis.offsetText.get_text() or ax.xaxis.offsetText.get_text())


def _visible(text) -> bool:
    return text.get_visible() and bool(text.get_text())


def _tick_labels(axis):
    """The axis's visible major tick labels at ticks within its view (the ones drawn)."""
    axis.get_majorticklabels()  # sets the ticks' texts and positions, as drawing does
    locs = axis.get_majorticklocs()
    low, high = sorted(axis.get_view_interval())
    slack = 1e-10 * (high - low)
    ticks = axis.get_major_ticks(len(locs))
    return [label for loc, tick in zip(locs, ticks) if low - slack <= loc <= high + slack
            for label in (tick.label1, tick.label2) if _visible(label)]


def _reach(ax, renderer) -> dict:
    """Pixels by which the Axes' text reaches past each side of the plot."""
    box = ax.get_window_extent(renderer)
    reach = {"left": 0.0, "right": 0.0, "bottom": 0.0, "top": 0.0}

    def extend(extent):
        reach["left"] = max(reach["left"], box.x0 - extent.x0)
        reach["right"] = max(reach["right"], extent.x1 - box.x1)
        reach["bottom"] = max(reach["bottom"], box.y0 - extent.y0)
        reach["top"] = max(reach["top"], extent.y1 - box.y1)

    to_pixels = ax.figure.dpi / 72
    for axis, side in ((ax.xaxis, "bottom"), (ax.yaxis, "left")):
        labels = [t.get_window_extent(renderer) for t in _tick_labels(axis)]
        for extent in labels:
            extend(extent)
        if _visible(axis.label):
            # the axis label sits labelpad points beyond its tick labels (or the plot)
            size = axis.label.get_window_extent(renderer)
            depth = size.height if side == "bottom" else size.width
            if side == "bottom":
                under = max([box.y0 - e.y0 for e in labels] + [0.0])
            else:
                under = max([box.x0 - e.x0 for e in labels] + [0.0])
            reach[side] = max(reach[side], under + axis.labelpad * to_pixels + depth)
    if _visible(ax.title):
        extend(ax.title.get_window_extent(renderer))
    legend = ax.get_legend()
    if legend is not None and legend.get_visible():
        extend(legend.get_window_extent(renderer))
    for text in ax.texts:
        if _visible(text):
            extend(text.get_window_extent(renderer))
    for artist in (*ax.lines, *ax.collections, *ax.patches):
        if artist.get_visible() and not artist.get_clip_on() and artist.get_in_layout():
            extend(artist.get_window_extent(renderer))
    return reach


def _wrap_to(text, room: float, renderer) -> bool:
    """Wrap ``text`` onto more lines (the same words) when it is wider than ``room`` pixels;
    says whether it did."""
    if not _visible(text):
        return False
    extent = text.get_window_extent(renderer)
    if extent.width <= room:
        return False
    longest = max(len(line) for line in text.get_text().split("\n"))
    chars = max(12, int(longest * room / extent.width) - 1)
    text.set_text("\n".join(textwrap.fill(line, chars) for line in text.get_text().split("\n")))
    return True
