"""Key-driver analysis (LMG): hand-checkable cases, sklearn cross-checks, edge cases, demo story."""

from __future__ import annotations

import doctest
import itertools

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

from nps_report import demo, drivers


def _r2_sklearn(frame, columns, score="score"):
    """R² of an OLS fit with intercept, computed by scikit-learn (0 for no columns)."""
    if not columns:
        return 0.0
    x, y = frame[list(columns)].to_numpy(), frame[score].to_numpy()
    return LinearRegression().fit(x, y).score(x, y)


def _lmg_by_orderings(frame, columns, score="score"):
    """LMG by its definition: mean over all p! orderings of each driver's R² increment (sklearn)."""
    totals = dict.fromkeys(columns, 0.0)
    orders = list(itertools.permutations(columns))
    for order in orders:
        for k, name in enumerate(order):
            totals[name] += (_r2_sklearn(frame, order[:k + 1], score)
                             - _r2_sklearn(frame, order[:k], score))
    return {name: total / len(orders) for name, total in totals.items()}


@pytest.fixture
def correlated():
    """300 responses, four correlated ratings (shared halo), score driven mostly by two."""
    rng = np.random.default_rng(7)
    n = 300
    halo = rng.normal(size=n)
    x = halo[:, None] * np.array([0.8, 0.6, 0.5, 0.3]) + rng.normal(size=(n, 4))
    y = 1.2 * x[:, 0] + 0.7 * x[:, 1] + 0.1 * x[:, 3] + rng.normal(scale=1.5, size=n)
    frame = pd.DataFrame(np.round(7 + x, 1), columns=["speed", "billing", "app", "price"])
    frame["score"] = np.clip(np.round(7 + y), 0, 10).astype(int)
    return frame


def test_two_uncorrelated_drivers_get_their_squared_correlation():
    # A 2x2 factorial design repeated: the two ratings are exactly uncorrelated, so
    # R²({a, b}) = r_a² + r_b² and the LMG formula gives each its own r² (by hand:
    # I_a = ½[R²(a) - 0] + ½[R²(a,b) - R²(b)] = ½ r_a² + ½ r_a² = r_a²).
    rng = np.random.default_rng(3)
    a = np.tile([4.0, 8.0, 4.0, 8.0], 50)
    b = np.tile([5.0, 5.0, 9.0, 9.0], 50)
    assert np.corrcoef(a, b)[0, 1] == pytest.approx(0.0, abs=1e-12)
    score = np.clip(np.round(0.6 * a + 0.3 * b + rng.normal(scale=1.5, size=a.size) - 3), 0, 10)
    frame = pd.DataFrame({"a": a, "b": b, "score": score})
    table = drivers.key_drivers(frame, drivers=["a", "b"], n_boot=0).set_index("driver")
    for name in ("a", "b"):
        r = np.corrcoef(frame[name], frame["score"])[0, 1]
        assert table.loc[name, "importance"] == pytest.approx(r ** 2, abs=1e-12)
    assert table.attrs["r2"] == pytest.approx(_r2_sklearn(frame, ["a", "b"]), abs=1e-12)


def test_importances_sum_to_r2_of_sklearn_on_correlated_drivers(correlated):
    cols = ["speed", "billing", "app", "price"]
    assert abs(np.corrcoef(correlated[cols].to_numpy().T)[0, 1]) > 0.2  # really correlated
    table = drivers.key_drivers(correlated, drivers=cols, n_boot=0)
    r2 = _r2_sklearn(correlated, cols)
    assert table.attrs["r2"] == pytest.approx(r2, abs=1e-10)
    assert table["importance"].sum() == pytest.approx(r2, abs=1e-10)
    assert table["share"].sum() == pytest.approx(1.0, abs=1e-10)


def test_lmg_equals_the_average_over_orderings_computed_with_sklearn(correlated):
    cols = ["speed", "billing", "app", "price"]
    expected = _lmg_by_orderings(correlated, cols)
    table = drivers.key_drivers(correlated, drivers=cols, n_boot=0).set_index("driver")
    for name in cols:
        assert table.loc[name, "importance"] == pytest.approx(expected[name], abs=1e-10)
    assert list(table.index[:2]) == ["speed", "billing"]
    assert list(table["rank"]) == [1, 2, 3, 4]


def test_subset_r2_matches_sklearn_for_every_subset(correlated):
    cols = ["speed", "billing", "app"]
    cov = np.cov(correlated[cols + ["score"]].to_numpy(dtype=float), rowvar=False)
    r2 = drivers.subset_r2(cov[None])[0]
    for mask in range(1, 8):
        subset = [c for j, c in enumerate(cols) if mask >> j & 1]
        assert r2[mask] == pytest.approx(_r2_sklearn(correlated, subset), abs=1e-10)
    assert r2[0] == 0.0


def test_collinear_drivers_share_their_importance(correlated):
    frame = correlated.copy()
    frame["speed_copy"] = frame["speed"]  # perfectly collinear
    rng = np.random.default_rng(0)
    frame["speed_near"] = frame["speed"] + rng.normal(scale=0.05, size=len(frame))  # r > 0.99
    cols = ["speed", "speed_copy", "speed_near", "billing"]
    table = drivers.key_drivers(frame, drivers=cols, n_boot=20).set_index("driver")
    r2 = _r2_sklearn(frame, cols)
    assert table["importance"].sum() == pytest.approx(r2, abs=1e-8)
    # Shapley symmetry: identical drivers get identical importance.
    assert table.loc["speed", "importance"] == pytest.approx(table.loc["speed_copy", "importance"],
                                                             abs=1e-10)
    # The near-copy shares almost equally with the two exact copies.
    assert table.loc["speed_near", "importance"] == pytest.approx(
        table.loc["speed", "importance"], rel=0.05)
    assert table[["ci_low", "ci_high"]].notna().all().all()


def test_missing_ratings_use_listwise_deletion_and_count_the_dropped(correlated):
    frame = correlated.copy()
    frame.loc[[0, 1, 2], "speed"] = np.nan
    frame.loc[[2, 3], "app"] = np.nan  # row 2 misses two ratings: dropped once
    cols = ["speed", "billing", "app"]
    table = drivers.key_drivers(frame, drivers=cols, n_boot=0)
    assert table.attrs["n_dropped"] == 4
    assert table.attrs["n_used"] == len(frame) - 4
    complete = frame.dropna(subset=cols)
    assert table["importance"].sum() == pytest.approx(_r2_sklearn(complete, cols), abs=1e-10)
    # Performance is the mean of every rating given, not only of the complete rows.
    perf = table.set_index("driver")["performance"]
    assert perf["speed"] == pytest.approx(frame["speed"].mean())


def test_constant_and_unrated_drivers_are_excluded_with_a_note(correlated):
    frame = correlated.assign(flat=8.0, unrated=np.nan)
    table = drivers.key_drivers(frame, drivers=["speed", "flat", "billing", "unrated"], n_boot=0)
    assert table.attrs["status"] == "ok"
    assert set(table["driver"]) == {"speed", "billing"}
    assert "constant" in table.attrs["excluded"]["flat"] and "8" in table.attrs["excluded"]["flat"]
    assert table.attrs["excluded"]["unrated"] == "no ratings"
    # The unrated column did not empty the analysis by listwise deletion.
    assert table.attrs["n_used"] == len(frame)


def test_too_few_responses_give_a_clear_result_not_an_error(correlated):
    small = correlated.head(12)
    table = drivers.key_drivers(small, drivers=["speed", "billing"], min_n=30)
    assert table.attrs["status"] == "not_enough_data"
    assert "12 complete responses, 30 needed" in table.attrs["reason"]
    assert list(table["driver"]) == ["speed", "billing"]
    assert table["importance"].isna().all() and table["quadrant"].isna().all()
    assert table["performance"].notna().all()
    assert drivers.summarize(table).startswith("not enough data for a key-driver analysis")


def test_no_variation_and_no_drivers_statuses(correlated):
    same = correlated.assign(score=9)
    assert drivers.key_drivers(same, drivers=["speed"]).attrs["status"] == "no_variation"
    flat = correlated.assign(flat=5.0)
    result = drivers.key_drivers(flat, drivers=["flat"])
    assert result.attrs["status"] == "no_drivers" and "Flat" in result.attrs["reason"]
    assert result.empty


def test_bootstrap_intervals_are_seeded_and_bracket_the_estimate(correlated):
    cols = ["speed", "billing", "app", "price"]
    one = drivers.key_drivers(correlated, drivers=cols, n_boot=100, seed=1)
    two = drivers.key_drivers(correlated, drivers=cols, n_boot=100, seed=1)
    other = drivers.key_drivers(correlated, drivers=cols, n_boot=100, seed=2)
    pd.testing.assert_frame_equal(one, two)
    assert not np.allclose(one["ci_low"], other["ci_low"])
    assert (one["ci_low"] <= one["importance"]).all()
    assert (one["importance"] <= one["ci_high"]).all()
    wide = drivers.key_drivers(correlated, drivers=cols, n_boot=100, seed=1, confidence=0.99)
    assert ((wide["ci_high"] - wide["ci_low"]) >= (one["ci_high"] - one["ci_low"]) - 1e-12).all()


def test_quadrants_split_at_the_mean_importance_and_performance():
    rng = np.random.default_rng(11)
    n = 400
    # "billing" matters a lot and is rated low; "decor" barely matters and is rated high.
    frame = pd.DataFrame({
        "billing": np.clip(np.round(rng.normal(5.0, 1.5, n)), 1, 10),
        "speed": np.clip(np.round(rng.normal(8.5, 1.5, n)), 1, 10),
        "decor": np.clip(np.round(rng.normal(8.8, 1.5, n)), 1, 10),
        "parking": np.clip(np.round(rng.normal(5.5, 1.5, n)), 1, 10),
    })
    latent = 1.0 * frame["billing"] + 0.9 * frame["speed"] + 0.05 * frame["decor"] \
        + 0.05 * frame["parking"] + rng.normal(scale=1.0, size=n)
    frame["score"] = np.clip(np.round(latent - latent.mean() + 7), 0, 10)
    table = drivers.key_drivers(frame, drivers=["billing", "speed", "decor", "parking"], n_boot=0)
    quadrant = table.set_index("driver")["quadrant"]
    assert quadrant.to_dict() == {"billing": "fix first", "speed": "keep up",
                                  "decor": "possible overkill", "parking": "low priority"}
    assert table.attrs["importance_split"] == pytest.approx(table["importance"].mean())
    assert table.attrs["performance_split"] == pytest.approx(table["performance"].mean())
    text = drivers.summarize(table)
    assert text.startswith("Billing and Speed move the score most")
    perf = table.set_index("driver").loc["billing", "performance"]
    assert f"Billing is rated below average ({perf:.1f}): fix it first." in text


def test_arguments_are_checked(correlated):
    with pytest.raises(KeyError, match="nope"):
        drivers.key_drivers(correlated, drivers=["speed", "nope"])
    with pytest.raises(ValueError, match="at most 12 drivers"):
        drivers.key_drivers(correlated.assign(**{f"x{i}": 1.0 for i in range(13)}),
                            drivers=[f"x{i}" for i in range(13)])
    with pytest.raises(ValueError, match="must hold numbers"):
        drivers.key_drivers(correlated.assign(word="a"), drivers=["word"])
    with pytest.raises(ValueError, match="confidence"):
        drivers.key_drivers(correlated, drivers=["speed"], confidence=95)


def test_labels_default_to_readable_names():
    assert drivers.driver_label("billing_accuracy") == "Billing accuracy"
    assert drivers.driver_label("value_for_money") == "Value for money"


def test_docstring_example_runs():
    failures, _ = doctest.testmod(drivers, verbose=False)
    assert failures == 0


# ----------------------------------------------------------------------------- demo story
def _planted_attributes():
    return {name.lower().replace(" ", "_") for name in demo.DEMO_STORY["driver_attributes"]}


def test_demo_planted_drivers_are_top_two_for_the_company_last_quarter(demo_responses):
    data = demo_responses.responses
    last = data[data["quarter"] == demo.DEMO_STORY["last_quarter"]]
    table = drivers.key_drivers(last, drivers=demo_responses.attributes)
    assert table.attrs["status"] == "ok"
    assert set(table["driver"].head(2)) == _planted_attributes()
    # Clearly ahead: the second planted driver's interval is above the third driver's.
    assert table["ci_low"].iloc[1] > table["ci_high"].iloc[2]


def test_demo_planted_drivers_are_top_two_for_the_declining_team(demo_responses):
    data = demo_responses.responses
    team = data[(data["quarter"] == demo.DEMO_STORY["last_quarter"])
                & (data["team"] == demo.DEMO_STORY["declining_team"])]
    table = drivers.key_drivers(team, drivers=demo_responses.attributes)
    assert set(table["driver"].head(2)) == _planted_attributes()
    top = table.iloc[0]
    assert top["driver"] == "billing_accuracy" and top["quadrant"] == "fix first"
