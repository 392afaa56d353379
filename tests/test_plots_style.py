"""House-style helpers that draw fewer artists: category names as texts where tick labels
would be, value axes with few round ticks, and the heatmap without seaborn's trial draw."""

from __future__ import annotations

import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from nps_report import plots  # noqa: E402
from nps_report.plots.style import FewTicks, StepPercent, tick_labels_as_text, tick_texts  # noqa: E402
from nps_report.render.charts import agg_canvas  # noqa: E402

NAMES = ["Billing accuracy", "Support speed", "Reliability", "Ease of use", "Value for money"]


@pytest.fixture(autouse=True)
def house_style():
    with plt.rc_context():
        plots.use_house_style()
        yield
    plt.close("all")


def _drawn(ax):
    figure = ax.figure
    figure.subplots_adjust(left=0.3, bottom=0.25)
    canvas = agg_canvas(figure)
    canvas.draw()
    return canvas.get_renderer()


@pytest.mark.parametrize("axis", ["x", "y"])
def test_names_as_texts_are_where_tick_labels_are(axis):
    """The same words, font, colour and place (within a pixel) as matplotlib's tick labels,
    and on the x axis the axis label as far below them."""
    boxes, styles, label_at = {}, {}, {}
    for way in ("ticks", "texts"):
        _, ax = plt.subplots(figsize=(7, 3.4))
        values = np.arange(len(NAMES))
        (ax.bar if axis == "x" else ax.barh)(values, [5, 3, 2, 1, 0.5])
        ax.set_xlabel("Share of score variance") if axis == "x" else ax.set_ylabel("")
        if way == "ticks":
            getattr(ax, f"set_{axis}ticks")(values, [n.split()[0] for n in NAMES])
            texts = getattr(ax, f"get_{axis}ticklabels")()
        else:
            texts = tick_labels_as_text(ax, axis, values, [n.split()[0] for n in NAMES])
        renderer = _drawn(ax)
        boxes[way] = np.array([t.get_window_extent(renderer).extents for t in texts])
        styles[way] = [(t.get_text(), t.get_fontsize(), t.get_color(), t.get_ha(), t.get_va())
                       for t in texts]
        label_at[way] = ax.xaxis.label.get_window_extent(renderer).extents
    assert styles["texts"] == styles["ticks"]
    np.testing.assert_allclose(boxes["texts"], boxes["ticks"], atol=1.0)
    if axis == "x":
        np.testing.assert_allclose(label_at["texts"], label_at["ticks"], atol=1.0)


def test_tick_texts_finds_the_names_of_one_axis_or_the_tick_labels():
    _, ax = plt.subplots()
    tick_labels_as_text(ax, "y", [0, 1], ["Staff", "Billing"])
    ax.text(0.5, 0.5, "a note")
    assert [t.get_text() for t in tick_texts(ax, "y")] == ["Staff", "Billing"]
    ax.set_xticks([0, 1], ["A", "B"])
    assert [t.get_text() for t in tick_texts(ax, "x")] == ["A", "B"]  # none written: ticks
    with pytest.raises(ValueError, match="one line"):
        tick_labels_as_text(ax, "x", [0], ["two\nlines"])


def test_few_ticks_are_round_inside_the_view_and_never_more_than_matplotlibs():
    """Over 2,000 random ranges (seeded): every tick inside the view, steps of 1, 2 or 5
    times a power of ten, at least 3 and at most 7 on a chart's height and never more
    than matplotlib's automatic ticks inside the view (on a 1-inch axis too)."""
    from matplotlib.ticker import AutoLocator

    rng = np.random.default_rng(19)
    fewer = 0
    for inches in (3.4, 1.0):
        _, ax = plt.subplots(figsize=(7, inches))
        for _ in range(1000):
            low = rng.uniform(-150, 100) * 10.0 ** rng.integers(-3, 2)
            high = low + rng.uniform(0.05, 250) * 10.0 ** rng.integers(-3, 1)
            ax.set_ylim(low, high)
            slack = 1e-9 * (high - low)
            ax.yaxis.set_major_locator(AutoLocator())
            auto = ax.yaxis.get_major_locator()()
            auto = auto[(auto >= low - slack) & (auto <= high + slack)]
            ax.yaxis.set_major_locator(FewTicks())
            ticks = ax.yaxis.get_major_locator()()
            assert ((ticks >= low - slack) & (ticks <= high + slack)).all()
            assert len(ticks) <= len(auto), (low, high, ticks, auto)
            fewer += len(ticks) < len(auto)
            if inches > 2:
                assert 3 <= len(ticks) <= 7, (low, high, ticks)
            step = np.diff(ticks)[0]
            mantissa = step / 10.0 ** np.floor(np.log10(step))
            if inches > 2:  # a short axis may take matplotlib's step of 2.5
                assert min(abs(mantissa - m) for m in (1, 2, 5, 10)) < 1e-6, (low, high, ticks)
    assert fewer > 500  # a good part of the ranges get fewer ticks than matplotlib's


def test_percent_labels_are_distinct_and_exact_on_any_share_axis():
    """Over 500 random share ranges (seeded), short ones like a noisy driver chart's
    0-2.5% among them: the drawn percent labels are all different and each reads the
    tick's value exactly (a noise build read "0%, 0%, 1%, 2%, 2%" with whole percents)."""
    rng = np.random.default_rng(23)
    _, ax = plt.subplots(figsize=(7, 3.4))
    for _ in range(500):
        low = rng.uniform(0, 0.5) * rng.choice([0.01, 0.1, 1])
        high = low + rng.uniform(0.005, 1) * rng.choice([0.02, 0.1, 1])
        ax.set_ylim(low, high)
        ax.yaxis.set_major_locator(FewTicks())
        ax.yaxis.set_major_formatter(StepPercent())
        ticks = ax.yaxis.get_major_locator()()
        labels = ax.yaxis.get_major_formatter().format_ticks(ticks)
        assert len(set(labels)) == len(labels), (low, high, labels)
        for tick, label in zip(ticks, labels):
            assert float(label.rstrip("%")) == pytest.approx(tick * 100, abs=1e-9), (tick, label)
    plt.close("all")


def test_heatmap_draws_the_cells_and_numbers_seaborn_draws():
    """Cell colours, blank cells, the written numbers and their colours and the labels as
    seaborn's heatmap draws them from the same grid."""
    import seaborn as sns

    rng = np.random.default_rng(7)
    teams, quarters = [f"Team {k}" for k in range(6)], [f"2026Q{k}" for k in range(1, 5)]
    table = pd.DataFrame([(t, q, rng.uniform(-100, 100)) for t in teams for q in quarters],
                         columns=["team", "quarter", "nps"])
    table["shown"] = rng.random(len(table)) > 0.2
    ax = plots.heatmap(table)
    grid = table.assign(nps=table["nps"].where(table["shown"])).pivot(
        index="team", columns="quarter", values="nps").sort_index()
    _, theirs = plt.subplots(figsize=ax.figure.get_size_inches())
    sns.heatmap(grid, ax=theirs, cmap="RdYlGn", center=0, vmin=-100, vmax=100, annot=True,
                fmt=".0f", linewidths=0.5, linecolor="white", annot_kws={"fontsize": 8})
    mine, seaborns = ax.collections[0], theirs.collections[0]
    mine.update_scalarmappable(), seaborns.update_scalarmappable()
    np.testing.assert_allclose(mine.get_facecolors(), seaborns.get_facecolors(), atol=1 / 255)
    assert np.array_equal(np.ma.getmaskarray(mine.get_array()),
                          np.ma.getmaskarray(seaborns.get_array()))
    written = [(t.get_text(), t.get_position(), t.get_color()) for t in ax.texts]
    assert written == [(t.get_text(), t.get_position(), t.get_color()) for t in theirs.texts]
    assert len(written) == int(table["shown"].sum())
    assert [t.get_text() for t in ax.get_yticklabels()] == teams
    assert [t.get_text() for t in ax.get_xticklabels()] == quarters
