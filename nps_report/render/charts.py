"""Report charts with alt text: a figure from :mod:`nps_report.plots` and a sentence saying what it shows.

A :class:`Chart` shows itself as an ``<img>`` with its ``alt`` text (nbconvert's own PNG
output has no place for one: it writes "No description has been provided for this image").
The figure stays available (``chart.figure``, ``chart.ax``) for an analyst to change.
"""

from __future__ import annotations

import base64
import io
import math

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag

from ..plots.layout import font_height_metrics
from .html import STYLES, Html, esc, fmt_nps

__all__ = ["Chart", "ReportCanvas", "ReportRenderer", "agg_canvas", "chart", "png_bytes", "texts_of",
           "score_distribution", "trend", "benchmark", "ranking", "heatmap", "driver_importance",
           "driver_quadrant", "theme_impact"]


class Chart:
    """A matplotlib figure and its alt text, shown as a PNG ``<img alt=...>``.

    The figure is closed as soon as it is wrapped, so a notebook shows it once (as this
    object), not a second time through the inline backend; it can still be drawn and saved.

    Parameters
    ----------
    figure : matplotlib Figure or Axes
    alt : str
        What the chart shows, in a sentence or two (the numbers a reader would take from it).

    Attributes
    ----------
    figure : matplotlib Figure
    ax : matplotlib Axes
        The figure's first Axes.
    alt : str
    """

    def __init__(self, figure, alt: str):
        import matplotlib.pyplot as plt

        figure = figure.figure if hasattr(figure, "figure") and not hasattr(figure, "savefig") else figure
        if not alt or not str(alt).strip():
            raise ValueError("a chart needs alt text saying what it shows")
        self.figure = figure
        self.alt = str(alt)
        self._png = None
        plt.close(figure)

    @property
    def ax(self):
        return self.figure.axes[0] if self.figure.axes else None

    def png(self) -> bytes:
        """The chart as PNG bytes: margins measured from its text
        (:func:`nps_report.plots.layout.fit_margins`), drawn once at the figure's dpi on a
        :class:`ReportCanvas`, text unhinted (:data:`nps_report.plots.style.CHART_TEXT`)."""
        if self._png is None:
            import matplotlib.pyplot as plt

            from ..plots.layout import fit_margins
            from ..plots.style import CHART_TEXT, PLAIN_TEXT

            # Team names are data: "Team $\\foo{$" is text, not mathtext to parse. Tick
            # labels made while drawing take the setting from the rc context.
            with plt.rc_context({**PLAIN_TEXT, **CHART_TEXT}):
                for text in texts_of(self.figure):
                    text.set_parse_math(False)
                fit_margins(self.figure, agg_canvas(self.figure).get_renderer())
                self._png = png_bytes(self.figure)
        return self._png

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png()).decode("ascii")
        return (f'<figure class="chart" style="{STYLES["chart"]}">'
                f'<img src="data:image/png;base64,{data}" alt="{esc(self.alt)}" style="{STYLES["img"]}">'
                "</figure>")

    def __html__(self) -> str:
        return self._repr_html_()

    def html(self) -> Html:
        """The chart as an :class:`Html` fragment, to combine with notes."""
        return Html(self._repr_html_())

    def __repr__(self) -> str:
        return f"Chart(alt={self.alt!r})"


def png_bytes(figure) -> bytes:
    """PNG of ``figure`` at its dpi: RGB when every pixel is opaque, else RGBA.

    The pixels are the ones ``figure.savefig(format="png")`` draws on the figure's
    :class:`ReportCanvas` (attached here when it has another). A report's figures
    have an opaque background, so their alpha channel says nothing; without it
    WeasyPrint embeds the image in a PDF without splitting off and compressing an alpha
    mask (one PNG encoding per chart instead of two).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> figure, ax = plt.subplots(figsize=(2, 1), dpi=50)
    >>> data = png_bytes(figure)
    >>> data[:4] == b"\\x89PNG", data[25]  # colour type 2: RGB
    (True, 2)
    >>> plt.close(figure)
    """
    from PIL import Image

    # Drawn once on an Agg canvas: savefig would draw twice (a layout pass, then the
    # pixels) and copy the buffer; these are the pixels it draws.
    canvas = agg_canvas(figure)
    canvas.draw()
    # Pillow reads the buffer and drops the alpha channel in C (numpy's copy of every
    # fourth byte took longer than the PNG encoding's filters)
    width, height = canvas.get_width_height(physical=True)
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    if image.getchannel("A").getextrema() == (255, 255):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    # zlib level 3 instead of 6: a third less encoding time, files 1-2% larger
    image.save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()


def texts_of(figure):
    """Every text of ``figure`` that exists now: its own, and each Axes' title, axis and tick
    labels, texts, annotations and legend.

    Unlike ``figure.findobj(Text)`` it does not ask the axes for their ticks, which makes
    matplotlib create and label every tick once more before drawing.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> figure, ax = plt.subplots()
    >>> _ = ax.set_title("NPS"), ax.text(0, 0, "Team A")
    >>> sorted(t.get_text() for t in texts_of(figure) if t.get_text())[:2]
    ['NPS', 'Team A']
    >>> plt.close(figure)
    """
    from matplotlib.axis import Axis
    from matplotlib.legend import Legend
    from matplotlib.text import Text

    found = list(figure.texts)
    for ax in figure.axes:
        for child in ax.get_children():
            if isinstance(child, Text):
                found.append(child)
            elif isinstance(child, Axis):
                found += [child.label, child.offsetText]
                # the ticks made so far (matplotlib makes a tick list when first read)
                for ticks in (vars(child).get("majorTicks", ()), vars(child).get("minorTicks", ())):
                    for tick in ticks:
                        found += [tick.label1, tick.label2]
            elif isinstance(child, Legend):
                found += [*child.get_texts(), child.get_title()]
    for legend in figure.legends:
        found += [*legend.get_texts(), legend.get_title()]
    return found


def agg_canvas(figure):
    """The figure's :class:`ReportCanvas`, attached first when it has another (a closed
    pyplot figure keeps a bare canvas); layout and drawing then share one renderer."""
    return figure.canvas if isinstance(figure.canvas, ReportCanvas) else ReportCanvas(figure)


# Text sizes by (text, font, dpi, hinting): a worker draws the same titles, axis labels and
# tick labels in every report, and matplotlib measures them again for each new figure.
_TEXT_SIZES: dict = {}
# Text bitmaps by the same key and antialiasing (see ReportRenderer.draw_text).
_TEXT_BITMAPS: dict = {}
# Font ascent, descent and line gap by font and dpi (see ReportRenderer).
_FONT_HEIGHTS: dict = {}



class ReportRenderer(RendererAgg):
    """Agg renderer that remembers the size of each plain text it measured, for all figures.

    Matplotlib keeps text sizes per renderer, and each figure gets its own: each chart
    measured its title, labels and tick labels afresh (FreeType loads every glyph of a
    text to measure it). A size depends only on the text, its font and size, the dpi
    and the hinting, which are the key here; mathtext and TeX are measured as usual.
    """

    def get_text_width_height_descent(self, s, prop, ismath):
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        key = (s, prop.copy(), self.dpi, mpl.rcParams["text.hinting"],
               mpl.rcParams["text.kerning_factor"])
        size = _TEXT_SIZES.get(key)
        if size is None:
            if len(_TEXT_SIZES) > 50_000:  # a long-running kernel's bound
                _TEXT_SIZES.clear()
            size = _TEXT_SIZES[key] = super().get_text_width_height_descent(s, prop, ismath)
        return size

    def _get_font_height_metrics(self, prop):
        """The ascent, descent and line gap of ``prop``'s font in pixels, which matplotlib
        reads from the font's tables (finding the font first) at every layout of a text:
        kept by font, size and dpi, the same numbers as :meth:`matplotlib.text.Text._get_layout`
        computes without this method."""
        key = (prop.copy(), self.dpi)
        metrics = _FONT_HEIGHTS.get(key)
        if metrics is None:
            metrics = _FONT_HEIGHTS[key] = font_height_metrics(prop, self.dpi)
        return metrics

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        """Draw a plain text as one bitmap, made once per text, font, size and angle.

        Matplotlib 3.11 lays out and renders a text glyph by glyph at each draw, which is
        most of a chart's drawing time; the bitmap of a text is the same wherever it is
        drawn (placed at whole pixels, as matplotlib did up to 3.10), so a worker makes
        it once for all its reports. Mathtext, TeX, font features and languages are drawn
        by matplotlib.
        """
        if ismath or (mtext is not None and (mtext.get_fontfeatures() or mtext.get_language())):
            return super().draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
        key = (s, prop.copy(), self.dpi, mpl.rcParams["text.hinting"],
               mpl.rcParams["text.kerning_factor"], bool(gc.get_antialiased()))
        bitmap = _TEXT_BITMAPS.get(key)
        if bitmap is None:
            font = self._prepare_font(prop)
            # drawn upright; draw_text_image turns it by the angle
            font.set_text(s, 0, flags=get_hinting_flag())
            font.draw_glyphs_to_bitmap(antialiased=gc.get_antialiased())
            xo, yo = font.get_bitmap_offset()
            bitmap = (np.array(font.get_image()), font.get_descent() / 64.0, xo / 64.0, yo / 64.0)
            if len(_TEXT_BITMAPS) > 5_000:  # a few kB each
                _TEXT_BITMAPS.clear()
            _TEXT_BITMAPS[key] = bitmap
        image, descent, xo, yo = bitmap
        rad = math.radians(angle)
        x = round(x + xo + descent * math.sin(rad))
        y = round(y + yo + descent * math.cos(rad))
        self._renderer.draw_text_image(image, x, y + 1, angle, gc)


class ReportCanvas(FigureCanvasAgg):
    """Agg canvas drawing with a :class:`ReportRenderer` (shared text sizes).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> figure, ax = plt.subplots(figsize=(2, 1), dpi=50)
    >>> isinstance(agg_canvas(figure).get_renderer(), ReportRenderer)
    True
    >>> plt.close(figure)
    """

    def get_renderer(self):
        w, h = self.get_width_height(physical=True)
        key = (w, h, self.figure.dpi)
        if getattr(self, "_report_key", None) != key:
            self.renderer = ReportRenderer(w, h, self.figure.dpi)
            self._report_key = key
        return self.renderer


def chart(ax_or_figure, alt: str) -> Chart:
    """Wrap a figure (or one of its Axes) drawn by :mod:`nps_report.plots` with its alt text.

    Examples
    --------
    >>> import pandas as pd
    >>> from nps_report import plots
    >>> figure = chart(plots.score_distribution(pd.DataFrame({"score": [0, 9, 10]})),
    ...                alt="Share of responses at each score: 0, 9 and 10, one third each.")
    >>> 'alt="Share of responses' in figure._repr_html_()
    True
    """
    return Chart(ax_or_figure, alt)


def _names(values, limit: int = 6) -> str:
    values = [str(v) for v in values]
    if len(values) > limit:
        values = values[:limit] + [f"{len(values) - limit} more"]
    if len(values) <= 1:
        return "".join(values)
    return ", ".join(values[:-1]) + " and " + values[-1]


def _shown(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["shown"].astype(bool) & table["nps"].notna()]


def score_distribution(responses: pd.DataFrame, *, who: str = "", score: str = "score") -> Chart:
    """Bar chart of the share of responses at each score 0..10."""
    from .. import plots

    ax = plots.score_distribution(responses, score=score)
    counts = responses[score].value_counts().reindex(range(11), fill_value=0)
    n = int(counts.sum())
    if n == 0:
        return Chart(ax, f"Score distribution{' for ' + who if who else ''}: no responses.")
    share = 100 * counts / n
    top = int(counts.idxmax())
    alt = (f"Bar chart of the share of responses at each score from 0 to 10{' for ' + who if who else ''} "
           f"(n = {n:,}): {share[:7].sum():.0f}% detractors (0-6), {share[7:9].sum():.0f}% passives "
           f"(7-8), {share[9:].sum():.0f}% promoters (9-10); the most frequent score is {top} "
           f"({share[top]:.0f}%).")
    return Chart(ax, alt)


def trend(table: pd.DataFrame, *, who: str = "", hue: str | None = None, title: str | None = None) -> Chart:
    """Line chart of NPS per quarter with its interval band (a :func:`benchmarks.trend` table)."""
    from .. import plots

    ax = plots.trend_chart(table, hue=hue, quarter="quarter", title=title)
    quarters = sorted(table["quarter"].astype(str).unique())
    hidden = table[~table["shown"].astype(bool)]["quarter"].astype(str).tolist()
    shown = _shown(table).sort_values("quarter")
    span = f"from {quarters[0]} to {quarters[-1]}" if quarters else ""
    if hue is not None or shown.empty:
        alt = f"Line chart of NPS per quarter {span}{' for ' + who if who else ''}."
    else:
        first, last = shown.iloc[0], shown.iloc[-1]
        high, low = shown.loc[shown["nps"].idxmax()], shown.loc[shown["nps"].idxmin()]
        alt = (f"Line chart of NPS per quarter{' for ' + who if who else ''} {span}, with its confidence "
               f"band: {fmt_nps(first['nps'])} in {first['quarter']}, {fmt_nps(last['nps'])} in "
               f"{last['quarter']}; highest {fmt_nps(high['nps'])} ({high['quarter']}), lowest "
               f"{fmt_nps(low['nps'])} ({low['quarter']}).")
    if hidden:
        alt += f" No score (too few responses) in {_names(hidden)}."
    return Chart(ax, alt)


def benchmark(comparison: pd.DataFrame, *, external: pd.DataFrame | None = None,
              name: str = "name", title: str | None = None, confidence: float = 0.95) -> Chart:
    """Bars of NPS with intervals for the team, its department and the company."""
    from .. import plots

    ax = plots.benchmark_chart(comparison, external=external, name=name, title=title)
    parts = []
    for _, row in comparison.iterrows():
        if bool(row["shown"]) and pd.notna(row["nps"]):
            parts.append(f"{row[name]} {fmt_nps(row['nps'])} ({fmt_nps(row['ci_low'])} to "
                         f"{fmt_nps(row['ci_high'])})")
        else:
            parts.append(f"{row[name]}: too few responses")
    return Chart(ax, f"Bar chart of NPS with {confidence:.0%} confidence intervals: " + "; ".join(parts) + ".")


def ranking(table: pd.DataFrame, *, label: str = "team", highlight: str | None = None,
            title: str | None = None, what: str = "teams") -> Chart:
    """Horizontal bars of groups ranked by NPS (a :func:`benchmarks.team_ranks` table)."""
    from .. import plots

    ax = plots.rank_chart(table, label=label, highlight=highlight, title=title)
    shown = _shown(table).sort_values("nps", ascending=False, kind="mergesort")
    hidden = len(table) - len(shown)
    if shown.empty:
        alt = f"Ranking of {what} by NPS: none has enough responses for a score."
    else:
        best, worst = shown.iloc[0], shown.iloc[-1]
        alt = (f"Bar chart ranking {len(shown)} {what} by NPS: highest {best[label]} "
               f"({fmt_nps(best['nps'])}), lowest {worst[label]} ({fmt_nps(worst['nps'])}); "
               f"top three: {_names(f'{r[label]} {fmt_nps(r.nps)}' for _, r in shown.head(3).iterrows())}.")
    if "rank_uncertain" in shown and len(shown):
        unsure = int(shown["rank_uncertain"].astype(bool).sum())
        if unsure:
            alt += (f" The rank of {unsure} of them is too uncertain to rely on (its interval "
                    f"spans more than half the table).")
    if hidden:
        alt += f" {hidden} with too few responses not shown."
    return Chart(ax, alt)


def heatmap(table: pd.DataFrame, *, row: str = "team", column: str = "quarter") -> Chart:
    """Heatmap of NPS by team and quarter (cells below the display floor blank)."""
    from .. import plots

    ax = plots.heatmap(table, row=row, column=column)
    rows = table[row].nunique()
    columns = sorted(table[column].astype(str).unique())
    last = _shown(table[table[column].astype(str) == columns[-1]]) if columns else table.iloc[:0]
    alt = (f"Heatmap of NPS for {rows} {row}s over {len(columns)} quarters"
           + (f" ({columns[0]} to {columns[-1]})" if columns else "") + ", green positive, red negative")
    if len(last):
        best, worst = last.loc[last["nps"].idxmax()], last.loc[last["nps"].idxmin()]
        alt += (f"; in {columns[-1]} the highest is {best[row]} ({fmt_nps(best['nps'])}) and the "
                f"lowest {worst[row]} ({fmt_nps(worst['nps'])})")
    return Chart(ax, alt + ".")


# The key-driver table's attrs that its charts and their alt text read.
_DRIVER_ATTRS = ("verdict", "confidence", "r2", "importance_split", "performance_split")


def _with_status(drivers: pd.DataFrame, status: str | None, reason: str | None):
    """A copy of the key-driver table whose attrs carry its status and reason (given, or
    its own) and what its charts read, for the plots; returns ``(table, status, reason)``.

    Only those attrs: pandas deep-copies a frame's attrs at every operation (each
    ``dropna``, ``sort_values`` and row of ``iterrows``), and the table's own hold the
    pairwise differences and leaders the charts never show.
    """
    status = status or drivers.attrs.get("status", "ok")
    reason = reason or drivers.attrs.get("reason", "")
    table = pd.DataFrame(drivers, copy=True)
    table.attrs = {k: drivers.attrs[k] for k in _DRIVER_ATTRS if k in drivers.attrs}
    table.attrs["status"], table.attrs["reason"] = status, reason
    return table, status, reason


def driver_importance(drivers: pd.DataFrame, *, status: str | None = None,
                      reason: str | None = None) -> Chart:
    """Bars of each rating's importance (share of explained score variance) with its interval."""
    from .. import plots

    table, status, reason = _with_status(drivers, status, reason)
    ax = plots.driver_importance(table)
    if status != "ok" or table.empty:
        return Chart(ax, f"No key-driver chart: {reason or 'not enough data'}.")
    ordered = table.dropna(subset=["importance"]).sort_values("importance", ascending=False)
    parts = [f"{r['label']} {100 * r['importance']:.0f}% ({100 * r['ci_low']:.0f} to {100 * r['ci_high']:.0f}%)"
             for _, r in ordered.iterrows()]
    level = 100 * float(table.attrs.get("confidence", 0.95) or 0.95)
    caveat = "" if table.attrs.get("verdict", "drivers") == "drivers" else \
        "No clear driver, so the order is within the noise. "
    return Chart(ax, caveat + "Bar chart of how much of the score's variance each rating explains, "
                 f"most important first, with {level:.0f}% bootstrap intervals: "
                 + "; ".join(parts) + ".")


def driver_quadrant(drivers: pd.DataFrame, *, status: str | None = None,
                    reason: str | None = None) -> Chart:
    """Importance against performance: which ratings to fix first."""
    from .. import plots

    table, status, reason = _with_status(drivers, status, reason)
    ax = plots.driver_quadrant(table)
    if status != "ok" or table.empty:
        return Chart(ax, f"No importance-performance chart: {reason or 'not enough data'}.")
    groups = []
    for quadrant in ("fix first", "keep up", "possible overkill", "low priority"):
        rows = table[table["quadrant"] == quadrant]
        if len(rows):
            groups.append(f"{quadrant}: " + _names(
                f"{r['label']} (rated {r['performance']:.1f}"
                + (f", {100 * r['performance_pomp']:.0f}% of its scale"
                   if "performance_pomp" in r and pd.notna(r["performance_pomp"]) else "")
                + f", importance {100 * r['importance']:.0f}%)"
                for _, r in rows.iterrows()))
    split = table.attrs.get("performance_split")
    at = f" (average {100 * split:.0f}% of the scale)" if split is not None and pd.notna(split) \
        and "performance_pomp" in table else ""
    caveat = "" if table.attrs.get("verdict", "drivers") == "drivers" else \
        "No clear driver, so the quadrants are within the noise. "
    return Chart(ax, caveat + "Scatter of each rating's importance against its mean rating as a "
                 f"share of its scale, split at the averages{at} into four quadrants; "
                 + "; ".join(groups) + ".")


def theme_impact(impact: pd.DataFrame, *, top: int = 8) -> Chart:
    """Dots and 95% intervals: how the NPS of each theme's mentioners differs from the rest."""
    from .. import plots

    ax = plots.theme_differences(impact, top=top)
    shown = impact[impact["mentions"] > 0].dropna(subset=["nps_difference"]).head(top)
    if shown.empty:
        return Chart(ax, "No comment mentions a theme.")
    parts = [f"{r['label']} {r['nps_difference']:+.0f} ({r['nps_difference_low']:+.0f} to "
             f"{r['nps_difference_high']:+.0f}, {r['verdict']})" for _, r in shown.iterrows()]
    return Chart(ax, "Dot chart of the NPS of the commenters mentioning each theme minus the "
                     "other commenters', with 95% intervals, pain points first: "
                     + "; ".join(parts) + ".")

