"""Trend, benchmark and rank charts: checked by inspecting what was drawn, not by image comparison."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from nps_report import benchmarks as B  # noqa: E402
from nps_report import plots  # noqa: E402
from nps_report.plots import trends  # noqa: E402
from nps_report.plots.style import tick_texts  # noqa: E402

from .conftest import ROOT  # noqa: E402


def rows(counts, **labels) -> pd.DataFrame:
    d, pa, p = counts
    scores = [3] * d + [8] * pa + [10] * p
    return pd.DataFrame({"score": scores, **{k: [v] * len(scores) for k, v in labels.items()}})


@pytest.fixture
def responses() -> pd.DataFrame:
    q = "2026Q3"
    return pd.concat([
        rows((83, 47, 120), team="A", department="D1", quarter=q),
        rows((91, 49, 110), team="B", department="D1", quarter=q),
        rows((20, 20, 60), team="C", department="D2", quarter=q),
        rows((40, 20, 40), team="D", department="D2", quarter=q),
        rows((1, 0, 2), team="E", department="D2", quarter=q),          # below the floor
        rows((30, 20, 50), team="A", department="D1", quarter="2026Q1"),
        rows((1, 1, 1), team="A", department="D1", quarter="2025Q4"),   # below the floor
        rows((50, 50, 100), team="A", department="D1", quarter="2025Q3"),
    ], ignore_index=True)


def test_public_names():
    assert set(trends.__all__) == {"trend_chart", "benchmark_chart", "rank_chart"}
    assert plots.trend_chart is trends.trend_chart


# ------------------------------------------------------------------------------ trend
def test_trend_chart_line_is_the_table_nps_with_gaps(responses):
    table = B.trend(responses[responses["team"] == "A"], quarter="2026Q3", n_quarters=5)
    fig, given = plt.subplots()
    ax = trends.trend_chart(table, ax=given)
    assert ax is given
    lines = [ln for ln in ax.get_lines() if ln.get_gid() == "trend"]
    assert len(lines) == 1
    expected = table["nps"].to_numpy(dtype=float)           # NaN where below the floor
    np.testing.assert_array_equal(lines[0].get_ydata(), expected)
    np.testing.assert_array_equal(lines[0].get_xdata(), np.arange(5))
    assert [t.get_text() for t in tick_texts(ax, "x")] == table["quarter"].tolist()
    # a grid line at each quarter, across the plot, where the style draws a grid
    with plt.rc_context({"axes.grid": False}):
        plain = trends.trend_chart(table)
    assert not [c for c in plain.collections if c.get_gid() == "xgrid"]
    with plt.rc_context({"axes.grid": True}):
        gridded = trends.trend_chart(table)
    grid = [c for c in gridded.collections if c.get_gid() == "xgrid"]
    assert [s[:, 0].tolist() for s in grid[0].get_segments()] == [[k, k] for k in range(5)]
    assert [s[:, 1].tolist() for s in grid[0].get_segments()] == [[0, 1]] * 5
    assert gridded.get_ylim() == plain.get_ylim()  # the lines leave the data limits alone
    # interval band spans ci_low..ci_high of the shown quarters
    band = ax.collections[0]
    ys = np.concatenate([p.vertices[:, 1] for p in band.get_paths()])
    shown = table[table["shown"]]
    assert ys.min() == pytest.approx(shown["ci_low"].min())
    assert ys.max() == pytest.approx(shown["ci_high"].max())
    # the two quarters without a score (2025Q4: n 3, 2026Q2: none) are marked at the foot
    marks = [c for c in ax.collections if c.get_gid() == "below_floor"]
    assert len(marks) == 1
    assert sorted(marks[0].get_offsets()[:, 0]) == [1, 3]
    assert (~table["shown"]).sum() == 2


def test_trend_chart_one_line_per_group(responses):
    table = B.trend(responses, quarter="2026Q3", n_quarters=3, by="team")
    ax = trends.trend_chart(table, hue="team")
    lines = [ln for ln in ax.get_lines() if ln.get_gid() == "trend"]
    assert [ln.get_label() for ln in lines] == sorted(table["team"].unique())
    for line, (_, group) in zip(lines, table.groupby("team")):
        np.testing.assert_array_equal(line.get_ydata(), group["nps"].to_numpy(dtype=float))


# -------------------------------------------------------------------------- benchmark
def test_benchmark_chart_bars_errors_and_external_lines(responses):
    table = B.internal_benchmarks(responses, team="A", quarter="2026Q3")
    external = B.load_external_benchmarks(ROOT / "nps_report" / "data" / "published_benchmarks.yaml").iloc[[5, 7]]
    ax = trends.benchmark_chart(table, external=external)
    bars = ax.patches
    assert len(bars) == 3
    assert [b.get_height() for b in bars] == pytest.approx(table["nps"].tolist())
    assert mcolors.to_hex(bars[0].get_facecolor()) != mcolors.to_hex(bars[1].get_facecolor())
    # error bars run from ci_low to ci_high
    err = next(c for c in ax.containers if isinstance(c, matplotlib.container.ErrorbarContainer))
    segments = err.lines[2][0].get_segments()
    assert [s[0][1] for s in segments] == pytest.approx(table["ci_low"].tolist())
    assert [s[1][1] for s in segments] == pytest.approx(table["ci_high"].tolist())
    # one labelled line per external benchmark, at its value, citing source and year
    lines = [ln for ln in ax.get_lines() if ln.get_gid() == "external"]
    assert [ln.get_ydata()[0] for ln in lines] == pytest.approx(external["value"].tolist())
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == "Retail (US, highest industry): +28.4 (XM Institute US consumer ratings, 2022)"
    assert all(c in text for c, text in zip(external["citation"], legend))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["A", "D1", "Company"]


def test_benchmark_chart_team_below_floor_has_no_bar(responses):
    table = B.internal_benchmarks(responses, team="E", quarter="2026Q3")
    ax = trends.benchmark_chart(table)
    assert len(ax.patches) == 2
    assert [b.get_height() for b in ax.patches] == pytest.approx(table["nps"].iloc[1:].tolist())
    assert any("too few responses" in t.get_text() and "n = 3" in t.get_text() for t in ax.texts)
    assert ax.get_legend() is None


# ------------------------------------------------------------------------------- rank
def test_rank_chart_sorted_bars_with_highlight(responses):
    table = B.team_ranks(responses, quarter="2026Q3")
    ax = trends.rank_chart(table, highlight="B")
    bars = ax.patches
    shown = table[table["shown"]].sort_values("nps", ascending=False)
    assert len(bars) == len(shown) == 4                       # E is below the floor
    assert [b.get_width() for b in bars] == pytest.approx(shown["nps"].tolist())
    # best at the top: y axis inverted, first bar at y = 0
    assert ax.yaxis_inverted() and bars[0].get_y() < bars[1].get_y()
    labels = [t.get_text() for t in tick_texts(ax, "y")]
    # each name carries the interval of its rank when it is more than the rank itself
    expected = [f"{int(r)}. {t}" + (f" ({int(lo)}\u2013{int(hi)})" if lo != hi else "")
                for r, t, lo, hi in zip(shown["rank"], shown["team"], shown["rank_low"],
                                        shown["rank_high"])]
    assert labels == expected
    # the focal team's name in bold, each name beside its bar
    weights = [t.get_fontweight() for t in tick_texts(ax, "y")]
    assert weights[shown["team"].tolist().index("B")] == "bold" and weights.count("bold") == 1
    assert [t.get_position()[1] for t in tick_texts(ax, "y")] == pytest.approx(
        [b.get_y() + b.get_height() / 2 for b in bars])
    assert (shown["rank_low"] != shown["rank_high"]).any()   # A and B (+15, +8) overlap
    assert "in brackets: interval of the rank" in ax.get_xlabel()
    colors = [mcolors.to_hex(b.get_facecolor()) for b in bars]
    focal = shown["team"].tolist().index("B")
    assert colors[focal] == trends.FOCUS
    assert all(c == trends.MUTED for i, c in enumerate(colors) if i != focal)
    err = next(c for c in ax.containers if isinstance(c, matplotlib.container.ErrorbarContainer))
    segments = err.lines[2][0].get_segments()
    assert [s[0][0] for s in segments] == pytest.approx(shown["ci_low"].tolist())
    assert [s[1][0] for s in segments] == pytest.approx(shown["ci_high"].tolist())
    assert "1 with too few responses not shown" in ax.get_xlabel()


def test_rank_chart_on_demo_data(demo_responses):
    from nps_report.demo import DEMO_STORY

    table = B.team_ranks(demo_responses.responses, quarter=DEMO_STORY["last_quarter"])
    ax = trends.rank_chart(table, highlight=DEMO_STORY["declining_team"])
    assert len(ax.patches) == int(table["shown"].sum())
    highlighted = [b for b in ax.patches if mcolors.to_hex(b.get_facecolor()) == trends.FOCUS]
    assert len(highlighted) == 1
    rank = table.set_index("team").loc[DEMO_STORY["declining_team"], "nps"]
    assert highlighted[0].get_width() == pytest.approx(rank)


def test_rank_chart_accepts_a_table_without_ranks(responses):
    from nps_report import stats

    extra = rows((20, 20, 60), team="C2", department="D2", quarter="2026Q3")   # ties with C
    table = stats.grouped_nps(pd.concat([responses, extra]).query("quarter == '2026Q3'"), ["team"])
    ax = trends.rank_chart(table, label="team")
    assert len(ax.patches) == int(table["shown"].sum()) == 5
    labels = [t.get_text() for t in tick_texts(ax, "y")]
    assert labels[:2] == ["1. C", "1. C2"] and labels[2].startswith("3. ")
