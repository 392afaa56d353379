"""Chart margins measured from the charts' text (plots.layout.fit_margins): nothing clipped
or overlapping, with the demo's names and with long team, department, rating and theme
names; the plot where tight_layout put it on the demo charts."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from nps_report import context, demo, render
from nps_report.plots.layout import fit_margins
from nps_report.render import charts
from nps_report.tables import department_tables, overview_tables, team_tables

QUARTER = demo.DEMO_STORY["last_quarter"]
TEAM_CHARTS = ["distribution", "trend", "comparison", "driver_importance", "driver_quadrant",
               "theme_impact"]
DEPARTMENT_CHARTS = ["ranking", "heatmap", "driver_importance", "driver_quadrant", "theme_impact"]
LONG = "Customer Experience & Billing Operations, North-Western Region (Enterprise Accounts)"


@pytest.fixture(scope="module")
def reports():
    render.setup()
    ctx = context.load_context(None)
    return {"team": team_tables(ctx, team="Billing Operations", quarter=QUARTER),
            "department": department_tables(ctx, department="Finance", quarter=QUARTER),
            "overview": overview_tables(ctx, quarter=QUARTER)}


def _longer(frame, column, text):
    """Every other value of ``column`` with `` — text`` appended."""
    frame = frame.copy()
    frame[column] = [f"{v} — {text}" if i % 2 == 0 else v
                     for i, v in enumerate(frame[column].astype(object))]
    return frame


def _long_names(reports):
    team, department = reports["team"], reports["department"]
    return [
        (dataclasses.replace(
            team, team=LONG,
            comparison=_longer(team.comparison, "name", "a very long department name for testing"),
            drivers=_longer(team.drivers, "label", "including the time it took to resolve it"),
            themes=_longer(team.themes, "label", "and everything about refunds and disputes")),
         TEAM_CHARTS),
        (dataclasses.replace(
            department,
            teams=_longer(department.teams, "team", "Enterprise Accounts North-West"),
            team_trend=_longer(department.team_trend, "team", "Enterprise Accounts North-West")),
         ["ranking", "heatmap"]),
    ]


def _chart(tables, name):
    if name == "ranking":  # the section adds a note to the chart: the chart alone
        chart = charts.ranking(tables.teams, label="team",
                               title=f"Teams of {tables.department}, {tables.quarter}")
    else:
        chart = render.section(tables, name)
    assert isinstance(chart, charts.Chart), name
    return chart


def _figures(cases):
    """(name, Chart) of every chart of the sections, drawn (``png``)."""
    out = []
    for tables, names in cases:
        for name in names:
            chart = _chart(tables, name)
            chart.png()
            out.append((name, chart))
    return out


def _drawn_texts(figure):
    """Every text the figure's draw showed: visible, not empty, tick labels within view."""
    renderer = figure.canvas.get_renderer()
    texts = []
    for ax in figure.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            slack = 1e-9 * (high - low)
            labels = [t for t, loc in zip(axis.get_majorticklabels(), axis.get_majorticklocs())
                      if low - slack <= loc <= high + slack]
            texts += [("tick", axis.axis_name, t) for t in labels]
            texts.append(("label", axis.axis_name, axis.label))
        texts.append(("title", "", ax.title))
        texts += [("text", "", t) for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            texts += [("legend", "", t) for t in [*legend.get_texts(), legend.get_title()]]
    return [(kind, axis, t.get_window_extent(renderer), t.get_rotation()) for kind, axis, t in texts
            if t.get_visible() and t.get_text().strip()]


def _overlap(a, b, slack=1.0):
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > slack) and (min(a.y1, b.y1) - max(a.y0, b.y0) > slack)


def _check_fits(name, figure):
    """No text past the figure's edges; tick labels, axis labels, title and texts apart."""
    box = figure.bbox
    texts = _drawn_texts(figure)
    assert texts, name
    for kind, axis, extent, _ in texts:
        assert box.x0 - 0.5 <= extent.x0 and extent.x1 <= box.x1 + 0.5, (name, kind, axis, extent)
        assert box.y0 - 0.5 <= extent.y0 and extent.y1 <= box.y1 + 0.5, (name, kind, axis, extent)
    for (k1, a1, e1, r1), (k2, a2, e2, r2) in itertools.combinations(texts, 2):
        if "legend" in (k1, k2) and k1 == k2:
            continue  # a legend's entries are stacked by the legend itself
        if k1 == k2 == "tick" and a1 == a2 and r1 % 90 and r2 % 90:
            continue  # slanted tick labels: their upright boxes overlap, the words do not
        if {k1, k2} == {"text"} and name == "driver_quadrant":
            continue  # point labels: checked by the quadrant test below
        assert not _overlap(e1, e2), (name, k1, a1, k2, a2, e1, e2)


@pytest.mark.parametrize("kind", ["demo", "long names"])
def test_no_chart_text_is_clipped_or_overlapping(reports, kind):
    if kind == "demo":
        cases = [(reports["team"], TEAM_CHARTS), (reports["department"], DEPARTMENT_CHARTS),
                 (reports["overview"], ["trend"])]
    else:
        cases = _long_names(reports)
    figures = _figures(cases)
    assert len(figures) == (12 if kind == "demo" else 8)
    for name, chart in figures:
        _check_fits(name, chart.figure)


def test_long_names_are_shown_whole(reports):
    """Wrapped onto more lines where needed, every long name is on its chart, word for word."""
    figures = dict(_figures(_long_names(reports)[:1]))
    words = lambda s: " ".join(s.split())  # noqa: E731
    comparison = [words(t.get_text()) for t in figures["comparison"].ax.get_xticklabels()]
    assert comparison == [words(str(v)) for v in _long_names(reports)[0][0].comparison["name"]]
    quadrant = {t.get_text() for t in figures["driver_quadrant"].ax.texts}
    assert set(_long_names(reports)[0][0].drivers["label"]) <= quadrant
    xlabel = words(figures["driver_importance"].ax.get_xlabel())
    assert xlabel.startswith("Share of score variance explained (all ratings together:")


def test_quadrant_point_labels_do_not_overlap(reports):
    for tables, _ in [(reports["team"], None), (reports["department"], None),
                      *_long_names(reports)[:1]]:
        chart = render.section(tables, "driver_quadrant")
        chart.png()
        renderer = chart.figure.canvas.get_renderer()
        boxes = [t.get_window_extent(renderer) for t in chart.ax.texts if t.get_text()]
        assert len(boxes) >= 5
        for a, b in itertools.combinations(boxes, 2):
            assert not _overlap(a, b)


def test_the_plot_is_where_tight_layout_puts_it_on_the_demo_charts(reports):
    """Measured margins against matplotlib's tight_layout: the plot's sides within 6 pixels
    (of 770 x 374) on the demo's team and department charts."""
    import matplotlib.pyplot as plt

    cases = [(reports["team"], TEAM_CHARTS),
             (reports["department"], ["ranking", "driver_importance", "theme_impact"])]
    for tables, names in cases:
        for name in names:
            figure = _chart(tables, name).figure
            with plt.rc_context({"text.parse_math": False}):
                renderer = charts.agg_canvas(figure).get_renderer()
                figure.tight_layout()
                tight = np.array(figure.axes[0].get_position().extents)
                assert fit_margins(figure, renderer) == "fitted"
                fitted = np.array(figure.axes[0].get_position().extents)
            size = np.array([figure.bbox.width, figure.bbox.height] * 2)
            np.testing.assert_allclose(fitted * size, tight * size, atol=6, err_msg=name)


def test_figures_it_does_not_measure_get_tight_layout():
    import matplotlib.pyplot as plt

    figure, (a, b) = plt.subplots(1, 2)
    assert fit_margins(figure) == "tight_layout"
    figure, ax = plt.subplots()
    figure.suptitle("A figure title")
    assert fit_margins(figure) == "tight_layout"
    figure, ax = plt.subplots()
    ax.xaxis.tick_top()
    assert fit_margins(figure) == "tight_layout"
    plt.close("all")
