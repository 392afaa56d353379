"""Driver and theme charts: check what was drawn (points, bar lengths, lines), not pixels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from nps_report import drivers, plots, themes  # noqa: E402
from nps_report.plots import drivers as driver_plots  # noqa: E402
from nps_report.plots.style import tick_texts  # noqa: E402


@pytest.fixture
def driver_table():
    rng = np.random.default_rng(2)
    n = 300
    frame = pd.DataFrame({
        "billing_accuracy": np.clip(np.round(rng.normal(5.5, 1.6, n)), 1, 10),
        "support_speed": np.clip(np.round(rng.normal(8.0, 1.6, n)), 1, 10),
        "ease_of_use": np.clip(np.round(rng.normal(8.5, 1.6, n)), 1, 10),
    })
    latent = frame @ np.array([1.0, 0.7, 0.1]) + rng.normal(0, 1.2, n)
    frame["score"] = np.clip(np.round(latent - latent.mean() + 7), 0, 10)
    return drivers.key_drivers(frame, drivers=list(frame.columns[:3]), n_boot=50)


@pytest.fixture
def impact_table():
    data = pd.DataFrame({"score": [0, 1, 2, 5, 6, 7, 8, 9, 10, 10, 3, 4],
                         "comment": ["x"] * 12})
    matches = pd.DataFrame({
        "billing errors": [1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0],
        "slow support": [0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        "outages": [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
        "rude staff": [0] * 12,
        "friendly staff": [0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0],
    }).astype(bool)
    polarity = {"billing errors": "negative", "slow support": "negative", "outages": "negative",
                "rude staff": "negative", "friendly staff": "positive"}
    labels = {k: k.capitalize() for k in polarity}
    return themes.theme_impact(data, matches, polarity=polarity, labels=labels)


def test_functions_are_exported_through_the_plots_package():
    assert set(driver_plots.__all__) == {"driver_quadrant", "driver_importance",
                                         "theme_impact_bars"}
    for name in driver_plots.__all__:
        assert getattr(plots, name) is getattr(driver_plots, name)


def test_quadrant_draws_one_labelled_point_per_driver_at_performance_and_importance(driver_table):
    ax = plots.driver_quadrant(driver_table)
    points = ax.collections[0].get_offsets()
    assert len(points) == len(driver_table) == 3
    # Across: the mean rating as a share of its scale, (mean - min) / (max - min).
    pomp = (driver_table["performance"] - driver_table["scale_min"]) \
        / (driver_table["scale_max"] - driver_table["scale_min"])
    expected = np.column_stack([pomp, driver_table["importance"]])
    np.testing.assert_allclose(np.asarray(points), expected)
    assert driver_table.attrs["verdict"] == "drivers"
    assert ax.get_title().startswith("What to fix first")
    texts = {t.get_text() for t in ax.texts}
    assert set(driver_table["label"]) <= texts
    assert {"fix first", "keep up", "possible overkill", "low priority"} <= texts
    vertical = [line for line in ax.lines if np.ptp(line.get_xdata()) == 0]
    horizontal = [line for line in ax.lines if np.ptp(line.get_ydata()) == 0]
    assert vertical[0].get_xdata()[0] == pytest.approx(driver_table.attrs["performance_split"])
    assert horizontal[0].get_ydata()[0] == pytest.approx(driver_table.attrs["importance_split"])
    # "fix first" points are drawn in the detractor red.
    colors = ax.collections[0].get_facecolors()
    fix = (driver_table["quadrant"] == "fix first").to_numpy()
    assert fix.any()
    red = matplotlib.colors.to_rgba(driver_plots.QUADRANT_COLORS["fix first"])
    assert all(tuple(c) == pytest.approx(red) for c in colors[fix])


def test_a_quadrant_with_no_clear_driver_says_so_and_names_no_quadrant():
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(rng.integers(1, 11, size=(200, 3)).astype(float), columns=["a", "b", "c"])
    frame["score"] = rng.integers(0, 11, 200)  # unrelated to every rating
    table = drivers.key_drivers(frame, drivers=["a", "b", "c"], n_boot=50)
    assert table.attrs["verdict"] == "no_clear_driver"
    ax = plots.driver_quadrant(table)
    assert ax.get_title().startswith("No clear driver")
    assert not {"fix first", "keep up"} & {t.get_text() for t in ax.texts}
    bars = plots.driver_importance(table)
    assert bars.get_title().startswith("No clear driver")


def test_importance_bars_have_the_importance_as_length_and_interval_error_bars(driver_table):
    _, ax = plt.subplots()
    returned = plots.driver_importance(driver_table, ax=ax)
    assert returned is ax
    bars = ax.patches
    assert len(bars) == len(driver_table)
    ordered = driver_table.sort_values("importance")  # most important drawn on top
    np.testing.assert_allclose([b.get_width() for b in bars], ordered["importance"])
    assert [t.get_text() for t in tick_texts(ax, "y")] == ordered["label"].tolist()
    # Error bars span ci_low..ci_high.
    segments = ax.collections[0].get_segments()
    lows = [min(s[:, 0]) for s in segments]
    highs = [max(s[:, 0]) for s in segments]
    np.testing.assert_allclose(lows, ordered["ci_low"])
    np.testing.assert_allclose(highs, ordered["ci_high"])


def test_not_enough_data_is_written_on_the_chart_instead_of_drawn(driver_table):
    small = pd.DataFrame({"a": [1.0, 2.0, 3.0], "score": [1, 5, 9]})
    table = drivers.key_drivers(small, drivers=["a"])
    for func in (plots.driver_quadrant, plots.driver_importance):
        ax = func(table)
        assert not ax.patches and not ax.collections
        assert "not enough data" in ax.texts[0].get_text()


def test_theme_bars_show_the_gain_of_the_complaints(impact_table):
    ax = plots.theme_impact_bars(impact_table, value="scenario_gain")
    shown = impact_table[(impact_table["polarity"] == "negative") & (impact_table["mentions"] > 0)]
    shown = shown.sort_values("scenario_gain")
    assert len(ax.patches) == len(shown) == 3  # rude staff (no mentions) and praise left out
    np.testing.assert_allclose([b.get_width() for b in ax.patches], shown["scenario_gain"])
    assert [t.get_text() for t in tick_texts(ax, "y")] == shown["label"].tolist()
    # billing errors: rows with scores 0, 1, 2, 7, 3 -> 4 detractors of 12 responses,
    # 100*4/12 points, the longest bar.
    assert ax.patches[-1].get_width() == pytest.approx(100 * 4 / 12)


def test_theme_bars_can_show_impact_and_keep_the_top_n(impact_table):
    ax = plots.theme_impact_bars(impact_table, value="impact", polarity=None, top=2)
    assert len(ax.patches) == 2
    largest = impact_table[impact_table["mentions"] > 0]["impact"].abs().nlargest(2)
    np.testing.assert_allclose(sorted(abs(b.get_width()) for b in ax.patches), sorted(largest))
    with pytest.raises(ValueError, match="value must be one of"):
        plots.theme_impact_bars(impact_table, value="nps_all")


def test_theme_bars_without_mentions_say_so(impact_table):
    ax = plots.theme_impact_bars(impact_table.assign(mentions=0))
    assert not ax.patches and ax.texts


def test_the_rendered_section_on_noise_says_no_clear_driver_and_reads_only():
    from nps_report.render import charts, common

    rng = np.random.default_rng(5)
    frame = pd.DataFrame(rng.integers(1, 11, size=(200, 3)).astype(float), columns=["a", "b", "c"])
    frame["score"] = rng.integers(0, 11, 200)
    table = drivers.key_drivers(frame, drivers=["a", "b", "c"], n_boot=50)
    html = str(common.drivers_text(table, status="ok", reason="", who="this team"))
    assert "No clear driver" in html and "for reading only" in html
    assert "score most" not in html and "fix it first" not in html
    assert charts.driver_quadrant(table).alt.startswith("No clear driver")
    assert charts.driver_importance(table).alt.startswith("No clear driver")
    plt.close("all")


def test_the_rendered_quadrant_alt_text_gives_the_common_scale(driver_table):
    from nps_report.render import charts

    alt = charts.driver_quadrant(driver_table).alt
    row = driver_table.iloc[0]
    assert f"{row['label']} (rated {row['performance']:.1f}, " \
           f"{100 * row['performance_pomp']:.0f}% of its scale" in alt
    assert f"(average {100 * driver_table.attrs['performance_split']:.0f}% of the scale)" in alt
    plt.close("all")
