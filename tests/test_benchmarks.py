"""nps_report.benchmarks and nps_report.windows: gaps, ranks, changes, trends, external figures, windows.

Reference values and where they come from:
- Two-sample test: ../shared/reference/nps-statistics.md, "DERIVED regression values",
  (D83, Pa47, Pr120) vs (D91, Pa49, Pr110): diff +0.072, SE 0.079707,
  95% CI [-0.084224, 0.228224], p = 0.3664 (proportion scale; x100 here). That p is the
  unpooled test's; the tables use the score test with the variance pooled under no change
  (tests/test_change_test.py), DERIVED for this pair: pooled D 174/500, P 230/500,
  var0 = 0.795456, z = 0.072 / sqrt(var0 * 2/250) = 0.90257, p = 0.36676.
- Benjamini-Hochberg: the 15 p-values of Benjamini & Hochberg (1995), J. R. Statist.
  Soc. B 57(1), the worked example also used in scipy.stats.false_discovery_control's
  docstring: at q = 0.05 the step-up procedure rejects the four smallest.
- External figures: ../shared/reference/benchmarks-published.md.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from nps_report import benchmarks as B
from nps_report import params, schema, stats, windows
from nps_report.demo import DEMO_STORY
from nps_report.exceptions import DataError, ParamsError

from .conftest import ROOT, SHARED

# Representative scores of each category (any 0-6 / 7-8 / 9-10 would do).
DETRACTOR, PASSIVE, PROMOTER = 3, 8, 10


def rows(counts, **labels) -> pd.DataFrame:
    """Responses with ``counts = (detractors, passives, promoters)`` and constant label columns."""
    d, pa, p = counts
    scores = [DETRACTOR] * d + [PASSIVE] * pa + [PROMOTER] * p
    return pd.DataFrame({"score": scores, **{k: [v] * len(scores) for k, v in labels.items()}})


def frame(*parts) -> pd.DataFrame:
    return pd.concat(parts, ignore_index=True)


# ----------------------------------------------------------------------- changes (QoQ/YoY)
def reference_pair():
    # 2026Q3 is sample 1 (D83, Pa47, Pr120), 2026Q2 sample 2 (D91, Pa49, Pr110).
    return frame(rows((83, 47, 120), team="A", quarter="2026Q3"),
                 rows((91, 49, 110), team="A", quarter="2026Q2"))


def test_changes_reproduces_reference_two_sample_test():
    # nps-statistics.md DERIVED: diff +0.072, SE 0.079707, CI [-0.084224, 0.228224]; the
    # pooled score test's p = 0.36676 (module docstring)
    table = B.changes(reference_pair(), quarter="2026Q3", lags=(1,), fdr=False)
    assert len(table) == 1
    row = table.iloc[0]
    assert row["base_quarter"] == "2026Q2" and row["comparison"] == "vs previous quarter"
    assert row["nps"] == pytest.approx(14.8) and row["base_nps"] == pytest.approx(7.6)
    assert (row["n"], row["base_n"]) == (250, 250)
    assert row["diff"] == pytest.approx(7.2)
    assert row["se"] == pytest.approx(7.9707, abs=1e-4)
    assert row["ci_low"] == pytest.approx(-8.4224, abs=1e-4)
    assert row["ci_high"] == pytest.approx(22.8224, abs=1e-4)
    assert row["p_value"] == pytest.approx(0.36676, abs=1e-4) and row["test"] == "score"
    assert row["p_adjusted"] == row["p_value"] and row["adjustment"] == "none"
    assert not row["significant"] and row["shown"]
    # (1.959964 + 0.841621) * sqrt(0.795456 * 2/250) * 100 = 22.35 points
    assert row["mde"] == pytest.approx(22.349, abs=1e-3) and row["alpha"] == 0.05
    assert row["sentence"] == "NPS rose 7 points vs 2026Q2; not statistically significant (p = 0.37)"


def test_changes_sign_follows_current_minus_base():
    swapped = reference_pair().replace({"quarter": {"2026Q3": "2026Q2", "2026Q2": "2026Q3"}})
    row = B.changes(swapped, quarter="2026Q3", lags=(1,), fdr=False).iloc[0]
    assert row["diff"] == pytest.approx(-7.2)
    assert row["ci_low"] == pytest.approx(-22.8224, abs=1e-4)
    assert row["sentence"].startswith("NPS fell 7 points vs 2026Q2")


def test_changes_yoy_uses_lag_four_and_empty_base_is_said_empty():
    data = frame(reference_pair(), rows((91, 49, 110), team="A", quarter="2025Q3"))
    table = B.changes(data, quarter="2026Q3", lags=(1, 4, 2))
    assert table["comparison"].tolist() == ["vs previous quarter", "vs same quarter last year",
                                            "vs 2 quarters earlier"]
    assert table["base_quarter"].tolist() == ["2026Q2", "2025Q3", "2026Q1"]
    yoy = table.iloc[1]
    assert yoy["diff"] == pytest.approx(7.2) and yoy["p_value"] == pytest.approx(0.36676, abs=1e-4)
    no_base = table.iloc[2]
    assert not no_base["shown"] and no_base["base_n"] == 0
    assert np.isnan(no_base["base_nps"]) and np.isnan(no_base["diff"]) and np.isnan(no_base["p_value"])
    # issue 16: an empty quarter is not "too few responses (0 in 2026Q1)"
    assert no_base["sentence"] == "no responses in 2026Q1 to compare with"
    # BH over the two finite p-values (both 0.36676) leaves them unchanged; NaN stays NaN
    assert table["p_adjusted"].iloc[:2].to_numpy() == pytest.approx([0.36676, 0.36676], abs=1e-4)
    assert np.isnan(no_base["mde"])
    assert np.isnan(table["p_adjusted"].iloc[2])


def test_a_thin_base_quarter_is_too_few_not_empty():
    data = frame(rows((3, 1, 20), team="A", quarter="2026Q3"), rows((1, 0, 2), team="A", quarter="2026Q2"))
    row = B.changes(data, quarter="2026Q3", lags=(1,)).iloc[0]
    assert row["sentence"] == "too few responses to compare with 2026Q2 (n = 24 in 2026Q3, 3 in 2026Q2)"


def test_changes_below_floor_never_gets_a_score():
    data = frame(rows((1, 1, 2), team="Tiny", quarter="2026Q3"),       # n = 4 < 5
                 rows((10, 10, 10), team="Tiny", quarter="2026Q2"))
    row = B.changes(data, quarter="2026Q3", lags=(1,)).iloc[0]
    assert not row["shown"] and not row["significant"]
    assert np.isnan(row["nps"]) and row["base_nps"] == pytest.approx(0.0)
    assert np.isnan(row["diff"]) and np.isnan(row["ci_low"])
    assert row["sentence"] == "too few responses to compare with 2026Q2 (n = 4 in 2026Q3, 30 in 2026Q2)"
    # the floor is inclusive: 5 responses are enough
    data5 = frame(rows((1, 1, 3), team="Tiny", quarter="2026Q3"),
                  rows((10, 10, 10), team="Tiny", quarter="2026Q2"))
    assert B.changes(data5, quarter="2026Q3", lags=(1,))["shown"].iloc[0]


def test_changes_company_and_department_levels():
    data = frame(rows((83, 47, 120), team="A", department="D1", quarter="2026Q3"),
                 rows((91, 49, 110), team="A", department="D1", quarter="2026Q2"),
                 rows((10, 10, 30), team="B", department="D2", quarter="2026Q3"),
                 rows((10, 10, 30), team="B", department="D2", quarter="2026Q2"))
    company = B.changes(data, quarter="2026Q3", by=None, lags=(1,), fdr=False)
    assert len(company) == 1 and (company["n"].iloc[0], company["base_n"].iloc[0]) == (300, 300)
    expected = stats.compare_counts((93, 57, 150), (101, 59, 140))
    assert company["diff"].iloc[0] == pytest.approx(expected.diff)
    by_dept = B.changes(data, quarter="2026Q3", by="department", lags=(1,), fdr=False)
    assert by_dept["department"].tolist() == ["D1", "D2"]
    assert by_dept["diff"].iloc[0] == pytest.approx(7.2) and by_dept["diff"].iloc[1] == 0


def bh_family() -> pd.DataFrame:
    # T1: a big drop; T2: raw p = 0.0273 (significant unadjusted); T3..T6 unchanged (p = 1).
    # T2 by hand: pooled D 182/500, P 218/500, var0 = 0.794816, diff 0.176,
    # z = 0.176 / sqrt(var0 * 2/250) = 2.2071, p = 0.0273 (the unpooled test: 0.0266).
    parts = [rows((80, 50, 120), team="T1", quarter="2026Q3"),
             rows((140, 50, 60), team="T1", quarter="2026Q2"),
             rows((80, 50, 120), team="T2", quarter="2026Q3"),
             rows((102, 50, 98), team="T2", quarter="2026Q2")]
    for name in ("T3", "T4", "T5", "T6"):
        parts += [rows((20, 20, 40), team=name, quarter=q) for q in ("2026Q3", "2026Q2")]
    return frame(*parts)


def test_changes_benjamini_hochberg_over_the_table():
    table = B.changes(bh_family(), quarter="2026Q3", lags=(1,))
    assert (table["adjustment"] == "Benjamini-Hochberg").all()
    # p_adjusted is scipy's BH over the table's p-values (one family)
    expected = sps.false_discovery_control(table["p_value"].to_numpy(), method="bh")
    np.testing.assert_allclose(table["p_adjusted"], expected)
    t2 = table.set_index("team").loc["T2"]
    assert t2["p_value"] == pytest.approx(0.0273, abs=1e-4)
    # BH by hand: T2 is 2nd smallest of m = 6, the rest are 1 -> min(6/2 * p, 1, ...)
    assert t2["p_adjusted"] == pytest.approx(3 * t2["p_value"])
    assert not t2["significant"]                              # raw p < 0.05, adjusted > 0.05
    assert "BH-adjusted p = 0.082" in t2["sentence"]
    assert table.set_index("team").loc["T1", "significant"]
    raw = B.changes(bh_family(), quarter="2026Q3", lags=(1,), fdr=False).set_index("team")
    assert raw.loc["T2", "significant"] and raw.loc["T2", "adjustment"] == "none"
    assert raw.loc["T2", "sentence"] == ("NPS rose 18 points vs 2026Q2; "
                                         "statistically significant (p = 0.027)")
    # alpha is honoured
    loose = B.changes(bh_family(), quarter="2026Q3", lags=(1,), alpha=0.1).set_index("team")
    assert loose.loc["T2", "significant"]


BH1995 = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344,
          0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000]


def test_adjust_pvalues_benjamini_hochberg_1995_example():
    adjusted = B.adjust_pvalues(BH1995)
    # Benjamini & Hochberg (1995): at q = 0.05 the four smallest are rejected
    assert (adjusted < 0.05).tolist() == [True] * 4 + [False] * 11
    # DERIVED by the step-up formula min_{j>=i} m/j p_(j) (worked by hand)
    np.testing.assert_allclose(adjusted[:9], [0.0015, 0.003, 0.0095, 0.035625, 0.0603,
                                              0.0638571, 0.0638571, 0.0645, 0.0765], rtol=1e-5)
    np.testing.assert_allclose(adjusted, sps.false_discovery_control(BH1995, method="bh"))
    # NaN (no test run) is neither counted nor adjusted; shuffled input keeps its order
    with_nan = B.adjust_pvalues([np.nan, 0.0459, 0.0001])
    assert np.isnan(with_nan[0])
    np.testing.assert_allclose(with_nan[1:], [0.0459, 0.0002])
    assert B.adjust_pvalues([0.02, 0.04], fdr=False).tolist() == [0.02, 0.04]


def test_describe_change_wording():
    base = {"quarter": "2026Q3", "base_quarter": "2026Q2", "n": 400, "base_n": 380, "shown": True,
            "adjustment": "none", "diff": -9.3, "p_value": 0.0104, "p_adjusted": 0.0104,
            "significant": True}
    assert B.describe_change(base) == "NPS fell 9 points vs 2026Q2; statistically significant (p = 0.010)"
    up = {**base, "base_quarter": "2025Q3", "diff": 6.2, "p_value": 0.41, "p_adjusted": 0.41,
          "significant": False}
    assert B.describe_change(up) == ("NPS rose 6 points vs 2025Q3; "
                                     "not statistically significant (p = 0.41)")
    tiny = {**base, "diff": 0.4, "p_value": 0.9, "p_adjusted": 0.9, "significant": False}
    assert B.describe_change(tiny).startswith("NPS unchanged vs 2026Q2")
    one = {**base, "diff": 1.2, "p_value": 0.0001, "p_adjusted": 0.0004,
           "adjustment": "Benjamini-Hochberg"}
    assert B.describe_change(one) == ("NPS rose 1 point vs 2026Q2; statistically significant "
                                      "(BH-adjusted p = 0.00040)")
    tiny_p = {**one, "p_adjusted": 0.00004}
    assert B.describe_change(tiny_p).endswith("(BH-adjusted p < 0.0001)")
    # never rounded across alpha: 0.0496 is significant at 5% and must not print as 0.050
    edge = {**base, "p_value": 0.0496, "p_adjusted": 0.0496, "alpha": 0.05}
    assert B.describe_change(edge).endswith("statistically significant (p = 0.0496)")
    above = {**edge, "p_value": 0.0504, "p_adjusted": 0.0504, "significant": False}
    assert B.describe_change(above).endswith("not statistically significant (p = 0.050)")
    strict = {**edge, "p_value": 0.0199, "p_adjusted": 0.0199, "alpha": 0.02}
    assert B.describe_change(strict).endswith("(p = 0.0199)")      # 0.020 would cross alpha


# ------------------------------------------------------------------------- team vs rest
def org() -> pd.DataFrame:
    """Team A (D83,Pa47,Pr120) and B (D91,Pa49,Pr110) in D1; C (50,50,150) in D2; E tiny in D2."""
    q = "2026Q3"
    return frame(rows((83, 47, 120), team="A", department="D1", quarter=q),
                 rows((91, 49, 110), team="B", department="D1", quarter=q),
                 rows((50, 50, 150), team="C", department="D2", quarter=q),
                 rows((1, 0, 2), team="E", department="D2", quarter=q),
                 # another quarter, which must not leak in
                 rows((0, 0, 300), team="B", department="D1", quarter="2026Q2"))


def test_team_vs_rest_compares_with_the_rest_not_the_total():
    table = B.team_vs_rest(org(), quarter="2026Q3", team="A", level=["department", "company"],
                           fdr=False)
    dept, comp = table.iloc[0], table.iloc[1]
    # rest of D1 is team B alone: the reference two-sample case
    assert dept["comparator"] == "rest of D1" and dept["department"] == "D1"
    assert (dept["n"], dept["rest_n"], dept["level_n"]) == (250, 250, 500)
    assert dept["rest_nps"] == pytest.approx(7.6)
    assert dept["diff"] == pytest.approx(7.2)          # against the total (11.2) it would be 3.6
    assert dept["level_nps"] == pytest.approx(11.2)
    assert dept["se"] == pytest.approx(7.9707, abs=1e-4)
    assert dept["p_value"] == pytest.approx(0.36676, abs=1e-4) and dept["test"] == "score"
    assert dept["sentence"] == ("NPS 7 points above the rest of D1; "
                                "not statistically significant (p = 0.37)")
    # rest of the company = B + C + E = (142, 99, 262), n 503: NPS 120/503
    assert comp["comparator"] == "rest of the company"
    assert (comp["rest_n"], comp["level_n"]) == (503, 753)
    assert comp["rest_nps"] == pytest.approx(100 * 120 / 503)
    assert comp["diff"] == pytest.approx(14.8 - 100 * 120 / 503)
    expected = stats.compare_counts((83, 47, 120), (142, 99, 262))
    assert comp["p_value"] == pytest.approx(expected.p_value)
    assert comp["sentence"].startswith("NPS 9 points below the rest of the company")


def test_team_vs_rest_all_teams_bh_and_floor():
    table = B.team_vs_rest(org(), quarter="2026Q3")
    assert table["team"].tolist() == ["A", "B", "C", "E"]
    # A and B are tested; C's rest of D2 is only team E (3 responses): too few
    assert table["shown"].tolist() == [True, True, False, False]
    np.testing.assert_allclose(table["p_adjusted"].iloc[:2],
                               sps.false_discovery_control(table["p_value"].iloc[:2], method="bh"))
    assert table["p_adjusted"].iloc[2:].isna().all()
    e = table.set_index("team").loc["E"]
    assert not e["shown"] and np.isnan(e["nps"]) and np.isnan(e["diff"]) and not e["significant"]
    assert e["rest_n"] == 250 and e["sentence"] == "too few responses to compare with the rest of D2"
    with pytest.raises(ValueError, match="level must be"):
        B.team_vs_rest(org(), quarter="2026Q3", team="A", level="region")
    with pytest.raises(KeyError, match="Nobody"):
        B.team_vs_rest(org(), quarter="2026Q3", team="Nobody")


def test_internal_benchmarks_table():
    table = B.internal_benchmarks(org(), team="A", quarter="2026Q3")
    assert table["level"].tolist() == ["team", "department", "company"]
    assert table["name"].tolist() == ["A", "D1", "Company"]
    assert table["n"].tolist() == [250, 500, 753]
    # department and company rows include the team (display); tests use team_vs_rest
    assert table["nps"].iloc[1] == pytest.approx(11.2)
    assert (table["ci_low"] < table["nps"]).all() and (table["nps"] < table["ci_high"]).all()
    tiny = B.internal_benchmarks(org(), team="E", quarter="2026Q3")
    assert not tiny["shown"].iloc[0] and np.isnan(tiny["nps"].iloc[0])


# ------------------------------------------------------------------------------ ranks
def test_team_ranks_ties_floor_and_percentile():
    q = "2026Q3"
    data = frame(rows((1, 0, 3), team="Tie1", quarter=q),        # NPS 50 but n 4
                 rows((2, 2, 6), team="Tie2", quarter=q),        # NPS 40
                 rows((4, 4, 12), team="Tie3", quarter=q),       # NPS 40 (same, different n)
                 rows((3, 4, 3), team="Zero", quarter=q),        # NPS 0
                 rows((6, 2, 2), team="Low", quarter=q),         # NPS -40
                 rows((0, 0, 4), team="Small", quarter=q),       # NPS 100 but n 4
                 rows((0, 0, 9), team="Other quarter", quarter="2026Q2"))
    table = B.team_ranks(data, quarter=q)
    assert "Other quarter" not in table["team"].tolist()
    t = table.set_index("team")
    assert t.loc["Tie2", "rank"] == 1 and t.loc["Tie3", "rank"] == 1     # ties: method "min"
    assert t.loc["Zero", "rank"] == 3 and t.loc["Low", "rank"] == 4
    for small in ("Small", "Tie1"):
        assert np.isnan(t.loc[small, "rank"]) and not t.loc[small, "shown"]
        assert np.isnan(t.loc[small, "nps"]) and np.isnan(t.loc[small, "percentile"])
    assert (t["n_ranked"] == 4).all()
    # percentile = 100 (N - rank) / (N - 1): 100, 100, 33.3, 0
    assert t.loc["Tie2", "percentile"] == 100 and t.loc["Tie3", "percentile"] == 100
    assert t.loc["Zero", "percentile"] == pytest.approx(100 / 3)
    assert t.loc["Low", "percentile"] == 0
    # sorted best first, below-floor teams last
    assert table["team"].tolist()[:4] == ["Tie2", "Tie3", "Zero", "Low"]
    assert set(table["team"].tolist()[4:]) == {"Small", "Tie1"}
    # a lower floor ranks the small teams; Small (100) is then first
    low_floor = B.team_ranks(data, quarter=q, display_floor=4).set_index("team")
    assert low_floor.loc["Small", "rank"] == 1 and low_floor.loc["Tie2", "rank"] == 3


def test_team_ranks_equal_fractions_tie_and_single_team():
    q = "2026Q3"
    # 1/3 from n = 3 and 2/6 from n = 6 are the same NPS
    data = frame(rows((1, 0, 2), team="P", quarter=q), rows((2, 0, 4), team="Q", quarter=q))
    table = B.team_ranks(data, quarter=q, display_floor=3)
    assert table["rank"].tolist() == [1, 1]
    single = B.team_ranks(rows((1, 1, 5), team="Only", quarter=q), quarter=q)
    assert single["rank"].iloc[0] == 1 and np.isnan(single["percentile"].iloc[0])
    # one team has no rank to speak of, and its sentence says so without a "nan"
    assert single["rank_sentence"].iloc[0] == ("The only one of the teams with a score this "
                                               "quarter: no rank.")
    by_dept = B.team_ranks(org(), quarter=q, by="department")
    assert by_dept["department"].tolist() == ["D2", "D1"]


# Rank intervals: simulated teams with trinomial counts, 30% passives, NPS in points.
def simulated_counts(true_nps, sizes, rng):
    """Counts (detractors, passives, promoters) of one simulated quarter per team."""
    promoters = (0.7 + np.asarray(true_nps) / 100) / 2
    probs = np.column_stack([0.7 - promoters, np.full(len(sizes), 0.3), promoters])
    return np.array([rng.multinomial(n, p) for n, p in zip(sizes, probs)])


def counts_frame(counts, quarter="2026Q3"):
    return frame(*[rows(tuple(c), team=f"T{i:02d}", quarter=quarter) for i, c in enumerate(counts)])


def test_rank_intervals_of_equal_teams_are_wide_and_worded_with_the_caveat():
    # 30 teams with the SAME true NPS (+30) and n from 6 to 5,000: any order is noise.
    # 40 seeded replicates; the small teams (n <= 10) must never be presented as placed.
    sizes = [6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 120, 150, 200, 250, 300, 400,
             500, 600, 800, 1000, 1200, 1500, 2000, 2500, 3000, 4000, 5000]
    rng = np.random.default_rng(14)
    small_width, uncertain, top_small_caveated = [], [], []
    for rep in range(40):
        counts = simulated_counts(np.full(30, 30.0), sizes, rng)
        table = B.team_ranks(counts_frame(counts), quarter="2026Q3", n_draws=2000, seed=rep)
        t = table.set_index("team")
        assert (t["rank_low"] <= t["rank"]).all() and (t["rank"] <= t["rank_high"]).all()
        small = t.loc[[f"T{i:02d}" for i in range(3)]]        # n = 6, 8, 10
        small_width += list(small["rank_high"] - small["rank_low"] + 1)
        uncertain += list(t["rank_uncertain"])
        for _, row in small.iterrows():
            assert row["rank_uncertain"]
            assert "could be anywhere from" in row["rank_sentence"]
            assert "too uncertain to place it reliably" in row["rank_sentence"]
            assert "percentile" not in row["rank_sentence"] and "nan" not in row["rank_sentence"]
        first = t[t["rank"] == 1]
        top_small_caveated += list(first["rank_uncertain"])
    # measured: mean width 29.95 of 30 ranks for n <= 10 (never under 29); 99.8% of all
    # 1,200 ranks uncertain, the largest teams' too: equal teams have no order to tell
    assert np.mean(small_width) > 28
    assert np.mean(uncertain) > 0.95
    assert all(top_small_caveated)   # whoever comes "1st" by chance is never shown as placed


def test_rank_intervals_of_clearly_different_large_teams_are_narrow_and_ordered():
    # 8 teams 17 points apart (-60 .. +60), n = 1,000 each: the ranks are clear.
    rng = np.random.default_rng(15)
    true_nps = np.linspace(60, -60, 8)
    for rep in range(20):
        counts = simulated_counts(true_nps, [1000] * 8, rng)
        table = B.team_ranks(counts_frame(counts), quarter="2026Q3", n_draws=2000, seed=rep)
        assert table["team"].tolist() == [f"T{i:02d}" for i in range(8)]
        assert (table["rank_low"] == table["rank"]).all() and (table["rank_high"] == table["rank"]).all()
        assert not table["rank_uncertain"].any()
        best = table["rank_sentence"].iloc[0]
        assert best == "Rank 1 of 8 teams with a score this quarter (percentile 100)."


def test_rank_intervals_cover_the_true_ranks():
    # 20 teams with distinct true NPS (-20 .. +60) and n from 20 to 400; 100 seeded
    # replicates: the 95% rank interval contains the true rank in 98.9% of the 2,000
    # team-replicates (at least 95% for every team; mean width 7.1 ranks of 20).
    # Monte-Carlo SE: 0.2 points overall, 2.2 points per team.
    rng = np.random.default_rng(16)
    true_nps = np.linspace(-20, 60, 20)
    sizes = rng.integers(20, 400, 20)
    true_rank = (-true_nps).argsort().argsort() + 1
    covered = np.zeros((100, 20), dtype=bool)
    for rep in range(100):
        c = simulated_counts(true_nps, sizes, rng)
        low, high = B.rank_intervals(c[:, 0], c[:, 1], c[:, 2], n_draws=1000, seed=rep)
        covered[rep] = (low <= true_rank) & (true_rank <= high)
    assert covered.mean() >= 0.95
    assert covered.mean(axis=0).min() >= 0.9


def test_rank_intervals_reproducible_and_worded():
    counts = ([10, 300, 2], [10, 300, 1], [80, 400, 3])
    first = B.rank_intervals(*counts, seed=3)
    assert np.array_equal(first[0], B.rank_intervals(*counts, seed=3)[0])
    assert B.rank_intervals([], [], [])[0].size == 0
    with pytest.raises(ValueError, match="confidence"):
        B.rank_intervals(*counts, confidence=95)
    row = pd.Series({"shown": True, "rank": 3, "n_ranked": 30, "rank_low": 2, "rank_high": 6,
                     "rank_uncertain": False, "percentile": 93.1})
    assert B.describe_rank(row) == ("Rank 3 of 30 teams with a score this quarter "
                                    "(95% interval: 2nd to 6th; percentile 93).")
    wide = row.copy()
    wide[["rank", "rank_low", "rank_high", "rank_uncertain"]] = [1, 1, 24, True]
    assert B.describe_rank(wide) == ("Rank 1 of 30 teams with a score this quarter, but it could "
                                     "be anywhere from 1st to 24th (95% interval): too uncertain "
                                     "to place it reliably.")
    hidden = pd.Series({"shown": False, "rank": np.nan, "n_ranked": 30, "percentile": np.nan})
    assert B.describe_rank(hidden) == "Not ranked: too few responses this quarter."
    assert [B.ordinal(k) for k in (1, 2, 3, 11, 12, 13, 22, 111)] == \
        ["1st", "2nd", "3rd", "11th", "12th", "13th", "22nd", "111th"]


# ------------------------------------------------------------------------------ trend
def test_trend_table_per_quarter_with_gaps():
    data = frame(rows((83, 47, 120), team="A", quarter="2026Q3"),
                 rows((91, 49, 110), team="A", quarter="2026Q1"),
                 rows((1, 1, 1), team="A", quarter="2025Q4"),       # below the floor
                 rows((10, 0, 10), team="B", quarter="2026Q3"),
                 rows((5, 5, 5), team="A", quarter="2024Q1"))        # outside 4 quarters
    table = B.trend(data, quarter="2026Q3", n_quarters=4, by="team")
    assert len(table) == 8
    a = table[table["team"] == "A"].set_index("quarter")
    assert a.index.tolist() == ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    assert a["n"].tolist() == [3, 250, 0, 250]
    assert a["shown"].tolist() == [False, True, False, True]
    assert np.isnan(a.loc["2025Q4", "nps"]) and np.isnan(a.loc["2026Q2", "ci_low"])
    assert a.loc["2026Q3", "nps"] == pytest.approx(14.8)
    lo, hi = stats.interval_from_counts(83, 47, 120)
    assert (a.loc["2026Q3", "ci_low"], a.loc["2026Q3", "ci_high"]) == pytest.approx((lo, hi))
    company = B.trend(data, quarter="2026Q3", n_quarters=4)
    assert company["quarter"].tolist() == schema.quarter_range("2026Q3", 4)
    assert company["n"].tolist() == [3, 250, 0, 270]
    assert len(B.trend(data, quarter="2026Q3")) == 8                  # default 8 quarters


# ------------------------------------------------------------------ external benchmarks
def test_shipped_benchmarks_are_sourced_examples():
    table = B.load_external_benchmarks(ROOT / "nps_report" / "data" / "published_benchmarks.yaml")
    assert len(table) >= 5
    assert table["example"].all()
    assert (table["source"].str.len() > 0).all() and table["year"].between(2000, 2030).all()
    assert (table["citation"] == table["source"] + ", " + table["year"].astype(str)).all()
    reference = SHARED / "reference" / "benchmarks-published.md"
    if not reference.exists():
        pytest.skip(f"{reference} not available")
    lines = reference.read_text(encoding="utf-8").splitlines()
    for _, b in table.iterrows():
        # the figure appears, as published, on the reference line of its source and year
        source_words = b["source"].replace(",", "").split()[:2]
        candidates = [ln for ln in lines if f"({b['year']})" in ln
                      and all(w in ln for w in source_words)]
        assert candidates, f"no reference line for {b['citation']}"
        figure = f"{b['value']:g}"
        assert any(re.search(rf"(?<![\d.]){re.escape(figure)}(?![\d.])", ln) for ln in candidates), \
            f"{b['name']}: {figure} not in the reference for {b['citation']}"


def write(tmp_path, text):
    path = tmp_path / "benchmarks.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_external_benchmarks_errors_name_file_and_key(tmp_path):
    path = write(tmp_path, "benchmarks:\n  - name: Retail\n    value: 28.4\n    year: 2022\n")
    with pytest.raises(ParamsError) as err:
        B.load_external_benchmarks(path)
    assert err.value.key == "benchmarks.0.source" and str(path) in str(err.value)
    assert "benchmarks.0.source" in str(err.value)
    bad = write(tmp_path, "benchmarks:\n  - {name: X, value: 10, source: S, year: 2020, sorce: T}\n")
    with pytest.raises(ParamsError, match="benchmarks.0.sorce"):
        B.load_external_benchmarks(bad)
    unordered = write(tmp_path, "benchmarks:\n  - {name: X, source: S, year: 2020, "
                                "distribution: {p10: 40, median: 20, p90: 60}}\n")
    with pytest.raises(ParamsError, match="p10 <= median <= p90"):
        B.load_external_benchmarks(unordered)
    with pytest.raises(ParamsError, match="mapping"):
        B.load_external_benchmarks(write(tmp_path, "- just a list\n"))
    with pytest.raises(ParamsError, match="not found"):
        B.load_external_benchmarks(tmp_path / "missing.yaml")


def test_external_gaps_positions_and_citation(tmp_path):
    path = write(tmp_path, (
        "benchmarks:\n"
        "  - {name: Sector, source: Vendor study, year: 2024, example: true,\n"
        "     distribution: {p10: -5, median: 20, p90: 45}}\n"
        "  - {name: Rival, kind: competitor, value: 30, source: Press release, year: 2023}\n"))
    bench = B.load_external_benchmarks(path)
    assert bench["value"].tolist() == [20, 30]                      # median as value
    gaps = B.external_gaps(25.0, bench)
    assert gaps["gap"].tolist() == [5, -5]
    assert gaps["position"].iloc[0] == "median to p90" and pd.isna(gaps["position"].iloc[1])
    assert gaps["citation"].tolist() == ["Vendor study, 2024", "Press release, 2023"]
    assert gaps["sentence"].iloc[0] == "5 points above Sector (+20; Vendor study, 2024) [example figure]"
    assert gaps["sentence"].iloc[1] == "5 points below Rival (+30; Press release, 2023)"
    positions = [B.external_gaps(v, bench)["position"].iloc[0] for v in (-10, -5, 19.9, 45, 80)]
    assert positions == ["below p10", "p10 to median", "p10 to median", "p90 or above",
                         "p90 or above"]
    blank = B.external_gaps(float("nan"), bench)
    assert blank["gap"].isna().all() and blank["sentence"].iloc[1].startswith("no score")


# ------------------------------------------------------------------------------ windows
def dated() -> pd.DataFrame:
    sub = pd.to_datetime(["2026-09-29", "2026-08-01", "2026-05-15", "2025-06-01", "2026-10-02",
                          "2026-07-02"], utc=True)
    tx = pd.to_datetime(["2026-09-20", None, "2026-03-30", "2025-05-01", "2026-09-30",
                         "2026-06-28"], utc=True)
    return pd.DataFrame({"response_id": list("abcdef"), "submitted_at": sub, "transaction_at": tx,
                         "score": 9})


def test_current_responses_rolling_window_and_expiry():
    data = dated()
    as_of = "2026-09-30"                                   # naive: read as UTC midnight
    current, expired = windows.current_responses(data, as_of=as_of)
    assert current["response_id"].tolist() == ["a", "b", "c", "d", "f"] and expired == 0  # e later
    current, expired = windows.current_responses(data, as_of="2026-09-30T23:59:59Z",
                                                 rolling_days=91)
    # window from 2026-07-01 23:59:59: c and d are outside it but not expired
    assert current["response_id"].tolist() == ["a", "b", "f"] and expired == 0
    current, expired = windows.current_responses(data, as_of="2026-09-30T23:59:59Z",
                                                 max_age_days=365)
    assert current["response_id"].tolist() == ["a", "b", "c", "f"] and expired == 1     # d
    both, expired = windows.apply_windows(
        data, params.Windows(rolling_days=90, max_age_days=120, date="transaction_at"),
        as_of="2026-09-30T23:59:59Z")
    # by transaction date: c (2026-03-30) and d expire, f (28 June) is outside the 90 days,
    # e (served 30 Sep) is in; b has no transaction date and uses submitted_at
    assert both["response_id"].tolist() == ["a", "b", "e"] and expired == 2
    with pytest.raises(DataError, match="transaction_at"):
        windows.current_responses(data.drop(columns="transaction_at"), as_of=as_of,
                                  date="transaction_at")
    with pytest.raises(ValueError, match="rolling_days"):
        windows.current_responses(data, as_of=as_of, rolling_days=0)


def test_relabel_quarters_by_transaction_date():
    data = dated().assign(quarter=lambda d: schema.quarter_label(d["submitted_at"]))
    assert data["quarter"].iloc[5] == "2026Q3"
    relabelled = windows.relabel_quarters(data)
    # served 28 June, answered 2 July: counts in Q2; no transaction date keeps submitted_at's
    assert relabelled["quarter"].tolist() == ["2026Q3", "2026Q3", "2026Q1", "2025Q2", "2026Q3",
                                              "2026Q2"]
    assert data["quarter"].iloc[5] == "2026Q3"                      # input untouched
    fiscal = windows.relabel_quarters(data, fiscal_year_start_month=7)
    assert fiscal["quarter"].iloc[5] == "2026Q4" and fiscal["quarter"].iloc[0] == "2027Q1"


# --------------------------------------------------------------------------- demo story
@pytest.fixture(scope="module")
def demo_changes(demo_responses):
    return B.changes(demo_responses.responses, quarter=DEMO_STORY["last_quarter"])


def test_demo_declining_team_is_a_significant_qoq_decline(demo_changes):
    qoq = demo_changes[(demo_changes["team"] == DEMO_STORY["declining_team"])
                       & (demo_changes["lag"] == 1)].iloc[0]
    assert qoq["adjustment"] == "Benjamini-Hochberg"
    assert qoq["diff"] < -20 and qoq["ci_high"] < 0
    assert qoq["significant"] and qoq["p_adjusted"] < 0.001
    assert qoq["sentence"].startswith("NPS fell ") and "statistically significant" in qoq["sentence"]
    # the family is every team and both lags
    assert len(demo_changes) == 2 * demo_changes["team"].nunique()


def test_demo_small_team_swing_is_not_significant(demo_changes):
    qoq = demo_changes[(demo_changes["team"] == DEMO_STORY["small_swing_team"])
                       & (demo_changes["lag"] == 1)].iloc[0]
    assert qoq["shown"] and qoq["n"] < 20 and qoq["base_n"] < 20
    assert abs(qoq["diff"]) > 20                                   # a large swing...
    assert not qoq["significant"] and qoq["p_value"] > 0.05       # ...that is noise
    assert "not statistically significant" in qoq["sentence"]


def test_demo_declining_team_below_rest_and_ranked_low(demo_responses):
    data, q = demo_responses.responses, DEMO_STORY["last_quarter"]
    team = DEMO_STORY["declining_team"]
    gaps = B.team_vs_rest(data, quarter=q, team=team, level=["department", "company"])
    assert (gaps["diff"] < 0).all() and gaps["significant"].all()
    ranks = B.team_ranks(data, quarter=q).set_index("team")
    assert ranks.loc[team, "percentile"] < 25


def test_team_spanning_departments_is_compared_with_the_rest_of_its_department():
    """A team whose responses carry two departments: the rest of its (most frequent)
    department leaves out only the team's own responses there. The counts used to go
    negative (the whole team subtracted from one department) and the exact test raised."""
    import pandas as pd

    import nps_report as nr
    from nps_report.stats import nps_from_counts

    data = pd.DataFrame({"team": ["A"] * 30 + ["C"] * 15,
                         "department": ["Sales"] * 10 + ["Support"] * 20 + ["Support"] * 15,
                         "quarter": "2026Q3", "score": [10, 9, 3, 7, 0] * 9})
    gap = nr.team_vs_rest(data, quarter="2026Q3", team="A", level=["department", "company"])
    dept, company = gap.iloc[0], gap.iloc[1]
    assert dept["department"] == "Support" and dept["comparator"] == "rest of Support"
    assert (dept["n"], dept["rest_n"], dept["level_n"]) == (30, 15, 35)  # rest: team C only
    c = data[data["team"] == "C"]["score"]
    assert dept["rest_nps"] == nps_from_counts(int((c <= 6).sum()), int(c.between(7, 8).sum()),
                                               int((c >= 9).sum()))
    assert (company["n"], company["rest_n"]) == (30, 15)
