"""Driver quadrant, driver importance and theme-impact charts, drawn from the result tables.

The tables come from :func:`nps_report.drivers.key_drivers` and
:func:`nps_report.themes.theme_impact`; these functions only draw what is in them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .style import (CATEGORY_COLORS, PALETTE, FewTicks, StepPercent, new_axes, plain_text, set_title,
                    tick_labels_as_text)

__all__ = ["driver_importance", "driver_quadrant", "theme_impact_bars"]

#: Colour of each importance-performance quadrant.
QUADRANT_COLORS = {
    "fix first": CATEGORY_COLORS["detractor"],
    "keep up": CATEGORY_COLORS["promoter"],
    "possible overkill": PALETTE[1],
    "low priority": PALETTE[6],
}
_THEME_COLORS = {"negative": CATEGORY_COLORS["detractor"], "positive": CATEGORY_COLORS["promoter"]}


def _no_data(ax, message):
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, wrap=True,
            color=PALETTE[6])
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def _status_message(data):
    status = data.attrs.get("status", "ok")
    if status != "ok":
        return data.attrs.get("reason") or "Not enough data for a key-driver analysis"
    if data.empty or data["importance"].isna().all():
        return "Not enough data for a key-driver analysis"
    return None


@plain_text
def driver_quadrant(data: pd.DataFrame, *, x: str = "performance_pomp", y: str = "importance",
                    label: str = "label", annotate: bool = True, ax=None):
    """Importance-performance scatter: one labelled point per driver, quadrant lines at the splits.

    Parameters
    ----------
    data : DataFrame
        A :func:`nps_report.drivers.key_drivers` table.
    x, y : str
        Columns on the axes (performance across, importance up, as Martilla & James
        drew it). Performance is the mean rating as a share of its scale
        (``performance_pomp``), so ratings on different scales are compared fairly;
        a table without it falls back to ``performance``.
    label : str, default "label"
        Column naming each point.
    annotate : bool, default True
        Write the quadrant names in the corners.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        One point per driver, coloured by ``quadrant``; a vertical line at the mean
        performance and a horizontal one at the mean importance (the table's
        ``performance_split`` / ``importance_split`` when present). A table whose
        status is not ``"ok"`` gets its reason written instead of points; a table
        whose verdict names no driver is titled "No clear driver" and its quadrant
        names are not written.
    """
    ax = new_axes(ax)
    message = _status_message(data)
    if message:
        return _no_data(ax, message)
    if x == "performance_pomp" and x not in data:  # a table saved before the common scale
        x = "performance"
    table = data.dropna(subset=[x, y])
    colors = [QUADRANT_COLORS.get(q, PALETTE[0]) for q in table.get("quadrant", [])] \
        or PALETTE[0]
    ax.scatter(table[x], table[y], c=colors, s=60, zorder=3)
    x_split = data.attrs.get("performance_split", float(table[x].mean())) \
        if x == "performance_pomp" else float(table[x].mean())
    y_split = data.attrs.get("importance_split", float(table[y].mean())) \
        if y == "importance" else float(table[y].mean())
    ax.axvline(x_split, color=PALETTE[6], linestyle="--", linewidth=1, zorder=1)
    ax.axhline(y_split, color=PALETTE[6], linestyle="--", linewidth=1, zorder=1)
    # Leave room around the points for their labels.
    xs, ys = table[x].to_numpy(dtype=float), table[y].to_numpy(dtype=float)
    xpad = max(0.02 if x == "performance_pomp" else 0.5, 0.15 * float(np.ptp(xs)))
    ypad = max(0.01, 0.15 * float(np.ptp(ys)))
    ax.set_xlim(min(xs.min(), x_split) - xpad, max(xs.max(), x_split) + 2 * xpad)
    ax.set_ylim(max(0.0, min(ys.min(), y_split) - ypad), max(ys.max(), y_split) + ypad)
    clear = data.attrs.get("verdict", "drivers") == "drivers"
    corners = [("fix first", 0.02, 0.97, "left", "top"),
               ("keep up", 0.98, 0.97, "right", "top"),
               ("low priority", 0.02, 0.03, "left", "bottom"),
               ("possible overkill", 0.98, 0.03, "right", "bottom")] if annotate and clear else []
    _label_points(ax, table[x].to_numpy(dtype=float), table[y].to_numpy(dtype=float),
                  [str(v) for v in table[label]], corners=corners)
    if corners:
        for name, cx, cy, ha, va in corners:
            ax.text(cx, cy, name, transform=ax.transAxes, ha=ha, va=va, fontsize=8,
                    color=QUADRANT_COLORS[name], fontstyle="italic")
    ax.xaxis.set_major_locator(FewTicks())
    ax.yaxis.set_major_locator(FewTicks())
    if y == "importance":
        ax.yaxis.set_major_formatter(StepPercent())
    if x == "performance_pomp":
        ax.xaxis.set_major_formatter(StepPercent())
    xlabels = {"performance_pomp": "Performance (mean rating, % of its scale)",
               "performance": "Performance (mean rating)"}
    ax.set_xlabel(xlabels.get(x, x))
    ax.set_ylabel("Importance (share of score variance)" if y == "importance" else y)
    set_title(ax, "What to fix first: importance against performance" if clear else
                  "No clear driver: importance against performance, for reading only")
    return ax


def _label_points(ax, xs, ys, texts, fontsize=9, corners=()):
    """Label each point, moving a label to another side of its point when it would overlap
    another label or a corner's quadrant name, or reach past the plot's sides."""
    to_pixels = ax.transData.transform
    char_w, line_h = 0.6 * fontsize * 1.4, fontsize * 1.4
    frame = ax.get_window_extent()
    placed = []  # label boxes in display pixels: (x0, y0, x1, y1)
    for name, cx, cy, ha, va in corners:  # the quadrant names, 8 points
        px, py = ax.transAxes.transform((cx, cy))
        width = 0.6 * 8 * 1.4 * len(name)
        x0 = px if ha == "left" else px - width
        y0 = py - line_h if va == "top" else py
        placed.append((x0, y0, x0 + width, y0 + line_h))
    candidates = [(6, 4, "left"), (-6, 4, "right"), (6, -14, "left"), (-6, -14, "right"),
                  (6, 16, "left"), (-6, 16, "right"), (6, -26, "left"), (-6, -26, "right")]
    for i in np.argsort(-ys):
        px, py = to_pixels((xs[i], ys[i]))
        width = char_w * len(texts[i])
        boxes = []
        for dx, dy, ha in candidates:
            x0 = px + dx if ha == "left" else px + dx - width
            box = (x0, py + dy, x0 + width, py + dy + line_h)
            boxes.append((dx, dy, ha, box))
        # the first place free of other labels and inside the plot, else the first free one
        free = [c for c in boxes if not any(c[3][0] < b[2] and b[0] < c[3][2] and c[3][1] < b[3]
                                            and b[1] < c[3][3] for b in placed)]
        inside = [c for c in free if frame.x0 <= c[3][0] and c[3][2] <= frame.x1
                  and frame.y0 <= c[3][1] and c[3][3] <= frame.y1]
        dx, dy, ha, box = (inside or free or boxes)[0]
        placed.append(box)
        ax.annotate(texts[i], (xs[i], ys[i]), xytext=(dx, dy), textcoords="offset pixels",
                    ha=ha, fontsize=fontsize)


@plain_text
def driver_importance(data: pd.DataFrame, *, label: str = "label", ax=None):
    """Horizontal bars of each driver's importance with its interval, most important on top.

    Parameters
    ----------
    data : DataFrame
        A :func:`nps_report.drivers.key_drivers` table.
    label : str, default "label"
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        One bar per driver whose length is ``importance`` (share of the score's
        variance, shown in percent), error bars from ``ci_low`` to ``ci_high``,
        coloured by ``quadrant``; the ratings' names written left of the bars
        (:func:`nps_report.plots.style.tick_texts`), not as y ticks.
    """
    ax = new_axes(ax)
    message = _status_message(data)
    if message:
        return _no_data(ax, message)
    table = data.dropna(subset=["importance"]).sort_values("importance", ascending=True)
    positions = np.arange(len(table))
    colors = [QUADRANT_COLORS.get(q, PALETTE[0]) for q in table.get("quadrant", [])] \
        or PALETTE[0]
    ax.barh(positions, table["importance"], color=colors, height=0.6)
    low = (table["importance"] - table["ci_low"]).clip(lower=0).to_numpy(dtype=float)
    high = (table["ci_high"] - table["importance"]).clip(lower=0).to_numpy(dtype=float)
    if np.isfinite(low).any():
        ax.errorbar(table["importance"], positions, xerr=np.vstack([low, high]), fmt="none",
                    ecolor="#333333", elinewidth=1, capsize=3)
    tick_labels_as_text(ax, "y", positions, table[label].astype(str))
    ax.xaxis.set_major_locator(FewTicks())
    ax.xaxis.set_major_formatter(StepPercent())
    r2 = data.attrs.get("r2")
    ax.set_xlabel("Share of score variance explained"
                  + (f" (all ratings together: {100 * r2:.0f}%)" if r2 and np.isfinite(r2)
                     else ""))
    set_title(ax, "What moves the score" if data.attrs.get("verdict", "drivers") == "drivers"
                  else "No clear driver: how much each rating explains, for reading only")
    return ax


@plain_text
def theme_impact_bars(data: pd.DataFrame, *, value: str = "gain", top: int = 8,
                      polarity: str | None = "negative", label: str = "label", ax=None):
    """Horizontal bars of the themes that weigh most on the NPS.

    Parameters
    ----------
    data : DataFrame
        A :func:`nps_report.themes.theme_impact` table (or ``CommentAnalysis.impact``).
    value : {"scenario_gain", "gain", "impact", "share_detractors", "share_promoters", "mentions"}
        What the bars show. ``scenario_gain``: points the NPS would rise if the theme's
        detractors became passives (a scenario); ``gain``: the same for pain points only;
        ``impact``: NPS minus NPS without the theme's responses (negative for complaints).
    top : int, default 8
        Largest bars shown (by absolute value).
    polarity : str or None, default "negative"
        Keep only themes of this polarity (discovered topics, polarity
        ``unknown``, are kept too); ``None`` keeps all.
    label : str, default "label"
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        One bar per theme shown (themes nobody mentions are left out), its length
        the ``value`` column, the largest on top; the themes' names written left of the
        bars (:func:`nps_report.plots.style.tick_texts`), not as y ticks.
    """
    allowed = ("scenario_gain", "gain", "impact", "share_detractors", "share_promoters", "share_passives",
               "mentions")
    if value not in allowed:
        raise ValueError(f"value must be one of {', '.join(allowed)}; got {value!r}")
    ax = new_axes(ax)
    table = data[data["mentions"] > 0]
    if polarity is not None:
        table = table[table["polarity"].isin([polarity, "unknown"])]
    table = table.dropna(subset=[value])
    if table.empty:
        return _no_data(ax, "No comment mentions these themes")
    table = table.reindex(table[value].abs().sort_values(ascending=False).index).head(int(top))
    table = table.iloc[::-1]
    positions = np.arange(len(table))
    colors = [_THEME_COLORS.get(p, PALETTE[0]) for p in table["polarity"]]
    bars = ax.barh(positions, table[value], color=colors, height=0.6)
    fmt = "{:,.0f}" if value == "mentions" else ("{:.0f}%" if value.startswith("share") else
                                                 "{:+.1f}" if value == "impact" else "{:.1f}")
    ax.bar_label(bars, labels=[fmt.format(v) for v in table[value]], padding=3, fontsize=8)
    ax.margins(x=0.12)
    tick_labels_as_text(ax, "y", positions, table[label].astype(str))
    ax.xaxis.set_major_locator(FewTicks())
    if value == "impact":
        ax.axvline(0, color="#333333", linewidth=0.8)
    xlabels = {
        "scenario_gain": "Scenario: NPS points if these detractors became passives",
        "gain": "Scenario: NPS points if these detractors became passives",
        "impact": "NPS points: all responses minus responses without the theme",
        "share_detractors": "Share of commenting detractors mentioning it (%)",
        "share_promoters": "Share of commenting promoters mentioning it (%)",
        "share_passives": "Share of commenting passives mentioning it (%)",
        "mentions": "Responses mentioning it",
    }
    ax.set_xlabel(xlabels[value])
    set_title(ax, "What detractors talk about" if polarity == "negative" else "Comment themes")
    return ax
