"""nps_report.stats against the reference values in ../shared/reference/nps-statistics.md.

Sources are named per test: the R package `NPS` (Brendan Rocks, tests/testthat/test_01_basics.R),
DERIVED regression values computed from the published formulas, and published worked examples.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nps_report import stats


def scores_from_counts(d, pa, p):
    return [0] * d + [7] * pa + [9] * p


# --- R package NPS, test_01_basics.R -----------------------------------------------------
@pytest.mark.parametrize("counts,expected", [
    ((1, 2, 3), 1 / 3), ((1, 0, 0), -1), ((0, 0, 1), 1), ((0, 1, 0), 0)])
def test_nps_from_counts_r_nps(counts, expected):
    # R NPS: nps_(1,2,3) == 1/3 etc. (proportion scale)
    assert stats.nps_from_counts(*counts, scale=1) == pytest.approx(expected)


@pytest.mark.parametrize("scores,expected", [
    ([0, 7, 7, 9, 9, 9], 1 / 3), ([0], -1), ([10], 1), ([7], 0)])
def test_nps_of_scores_r_nps(scores, expected):
    # R NPS: npc/nps of scores 0,7,7,9,9,9 == 1/3; single scores -1/1/0
    assert stats.nps(scores, scale=1) == pytest.approx(expected)


@pytest.mark.parametrize("counts,expected", [
    ((1, 2, 3), 5 / 9), ((1, 0, 1), 1), ((0, 1, 1), 0.25), ((1, 1, 1), 2 / 3),
    ((1, 0, 0), 0), ((0, 1, 0), 0), ((0, 0, 1), 0)])
def test_variance_from_counts_r_nps(counts, expected):
    # R NPS: nps_var_ of counts
    assert stats.variance_from_counts(*counts) == pytest.approx(expected)


@pytest.mark.parametrize("scores,expected", [
    ([0, 7, 7, 9, 9, 9], 5 / 9), ([1, 9], 1), ([7, 9], 0.25), ([0, 7, 9], 2 / 3)])
def test_variance_of_scores_r_nps(scores, expected):
    assert stats.nps_variance(scores) == pytest.approx(expected)


@pytest.mark.parametrize("counts,expected", [
    ((1, 2, 3), 0.304), ((1, 0, 1), 0.707), ((0, 1, 1), 0.354), ((1, 1, 1), 0.471)])
def test_se_from_counts_r_nps(counts, expected):
    # R NPS: nps_se_ with tolerance 0.001
    assert stats.se_from_counts(*counts) == pytest.approx(expected, abs=0.001)


@pytest.mark.parametrize("scores,expected", [([1, 9], 0.707), ([7, 9], 0.354), ([0, 7, 9], 0.471), ([5], 0.0)])
def test_se_of_scores_r_nps(scores, expected):
    assert stats.nps_se(scores) == pytest.approx(expected, abs=0.001)


def test_hundred_scale_r_nps():
    # R NPS: on the x100 scale SE of 7,9 is 35.4
    assert stats.nps_se([7, 9], scale=100) == pytest.approx(35.4, abs=0.1)
    assert stats.nps([0, 7, 7, 9, 9, 9]) == pytest.approx(100 / 3)


def test_invalid_scores_raise_r_nps():
    # R NPS warns on out-of-range and non-integers and errors on empty input; we raise.
    with pytest.raises(ValueError, match="0..10"):
        stats.nps([3, 11])
    with pytest.raises(ValueError, match="0..10"):
        stats.nps([3, 8.5])
    with pytest.raises(ValueError, match="no scores"):
        stats.nps([])


# --- DERIVED regression values (z = 1.959964) ---------------------------------------------
def test_wald_interval_derived_small():
    low, high = stats.nps_interval([0, 7, 7, 9, 9, 9], method="wald", scale=1)
    assert (low, high) == pytest.approx((-0.263065, 0.929731), abs=1e-6)


def test_adjusted_wald_derived_small():
    # adjusted counts D 1.75, Pa 3.5, Pr 3.75 (n = 9): NPS 0.222222, var 0.561728, SE 0.249828
    assert stats.nps_from_counts(1.75, 3.5, 3.75, scale=1) == pytest.approx(0.222222, abs=1e-6)
    assert stats.variance_from_counts(1.75, 3.5, 3.75) == pytest.approx(0.561728, abs=1e-6)
    assert stats.se_from_counts(1.75, 3.5, 3.75) == pytest.approx(0.249828, abs=1e-6)
    low, high = stats.nps_interval([0, 7, 7, 9, 9, 9], method="adjusted_wald", scale=1)
    assert (low, high) == pytest.approx((-0.267433, 0.711877), abs=1e-6)


def test_intervals_derived_n1000():
    counts = (362, 176, 462)
    assert stats.nps_from_counts(*counts, scale=1) == pytest.approx(0.1)
    assert stats.variance_from_counts(*counts) == pytest.approx(0.814)
    assert stats.se_from_counts(*counts) == pytest.approx(0.028531, abs=1e-6)
    assert stats.interval_from_counts(*counts, method="wald", scale=1) == pytest.approx(
        (0.044081, 0.155919), abs=1e-6)
    assert stats.interval_from_counts(*counts, method="adjusted_wald", scale=1) == pytest.approx(
        (0.043897, 0.155505), abs=1e-6)


def test_two_sample_derived():
    # (D83, Pa47, Pr120) vs (D91, Pa49, Pr110): diff +0.072, SE 0.079707,
    # CI [-0.084224, 0.228224], p = 0.3664
    # The reference p is the unpooled (Wald) test's; the reports use the pooled score test
    # (tests/test_change_test.py), whose interval is this same unpooled one.
    cmp = stats.compare_counts((83, 47, 120), (91, 49, 110), test="wald")
    assert cmp.diff == pytest.approx(7.2)
    assert cmp.se == pytest.approx(7.9707, abs=1e-4)
    assert (cmp.ci_low, cmp.ci_high) == pytest.approx((-8.4224, 22.8224), abs=1e-4)
    assert cmp.p_value == pytest.approx(0.3664, abs=1e-4)
    assert not cmp.significant()
    score = stats.compare_counts((83, 47, 120), (91, 49, 110))
    assert (score.se, score.ci_low, score.ci_high) == (cmp.se, cmp.ci_low, cmp.ci_high)
    assert score.test == "score" and not score.significant()


def test_two_sample_keeps_sign():
    # The R package centres on |diff|; ours keeps the sign (reference file, "don't").
    forward = stats.compare_counts((83, 47, 120), (91, 49, 110))
    backward = stats.compare_counts((91, 49, 110), (83, 47, 120))
    assert backward.diff == pytest.approx(-forward.diff)
    assert backward.z == pytest.approx(-forward.z)
    assert (backward.ci_low, backward.ci_high) == pytest.approx((-forward.ci_high, -forward.ci_low))
    assert backward.p_value == pytest.approx(forward.p_value)


def test_talkstats_worked_example():
    # talkstats thread: n=1162, 291 promoters, 476 passives, 395 detractors: NPS -9,
    # half-width about 4.4 points; DERIVED: SE 0.022387, CI [-13.34, -4.56]
    assert stats.nps_from_counts(395, 476, 291) == pytest.approx(-8.95, abs=0.01)
    assert stats.se_from_counts(395, 476, 291) == pytest.approx(0.022387, abs=1e-6)
    low, high = stats.interval_from_counts(395, 476, 291, method="wald")
    assert (low, high) == pytest.approx((-13.34, -4.56), abs=0.01)


@pytest.mark.parametrize("shares,expected,source", [
    ((0.10, 0.40, 0.50), 40, "Reputation.com help"),
    ((0.15, 0.40, 0.45), 30, "Eloquens"),
    ((0.1813, 0.2894, 0.5294), 34.81, "Displayr help"),
])
def test_published_examples(shares, expected, source):
    counts = [round(s * 10_000) for s in shares]
    assert stats.nps_from_counts(*counts) == pytest.approx(expected, abs=0.01), source


def test_cross_validated_shares():
    # Cross Validated: promoters 1/2, passives 1/3, detractors 1/6 -> NPS 1/3, variance 5/9
    assert stats.nps_from_counts(1, 2, 3, scale=1) == pytest.approx(1 / 3)
    assert stats.variance_from_counts(1, 2, 3) == pytest.approx(5 / 9)


def test_codebeats_same_nps_different_spread():
    # codebeats: two channels of 28, both NPS 0, very different spreads
    a = [10] * 5 + [9] * 9 + [2] * 5 + [1] * 4 + [0] * 5
    b = [9] * 8 + [8] * 10 + [7] * 2 + [6] * 8
    assert len(a) == len(b) == 28
    assert stats.nps(a) == pytest.approx(0) and stats.nps(b) == pytest.approx(0)
    assert stats.nps_variance(a) == pytest.approx(1.0)
    assert stats.nps_variance(b) == pytest.approx(16 / 28)
    assert stats.nps_se(a) > stats.nps_se(b)


# --- behaviour --------------------------------------------------------------------------
def test_categorize_cutoffs():
    cats = stats.categorize(range(11))
    assert list(cats[:7]) == ["detractor"] * 7
    assert list(cats[7:9]) == ["passive"] * 2
    assert list(cats[9:]) == ["promoter"] * 2


def test_bootstrap_is_seeded_and_near_wald():
    scores = scores_from_counts(362, 176, 462)
    one = stats.nps_interval(scores, method="bootstrap", seed=7)
    two = stats.nps_interval(scores, method="bootstrap", seed=7)
    other = stats.nps_interval(scores, method="bootstrap", seed=8)
    assert one == two and one != other
    wald = stats.nps_interval(scores, method="wald")
    assert one == pytest.approx(wald, abs=0.6)


def test_confidence_level_widens():
    narrow = stats.interval_from_counts(30, 30, 40, confidence=0.80)
    wide = stats.interval_from_counts(30, 30, 40, confidence=0.99)
    assert wide[0] < narrow[0] and wide[1] > narrow[1]
    with pytest.raises(ValueError, match="between 0 and 1"):
        stats.interval_from_counts(1, 1, 1, confidence=95)
    with pytest.raises(ValueError, match="adjusted_wald"):
        stats.interval_from_counts(1, 1, 1, method="exact")


def test_grouped_nps_matches_single_calls_and_floor():
    rng = np.random.default_rng(3)
    data = pd.DataFrame({
        "team": ["A"] * 200 + ["B"] * 50 + ["C"] * 3,
        "score": rng.integers(0, 11, 253),
    })
    table = stats.grouped_nps(data, "team", display_floor=5, precision_moe=20)
    assert list(table.columns[:1]) == ["team"]
    for _, row in table.iterrows():
        subset = data.loc[data.team == row.team, "score"]
        assert row.n == len(subset)
        assert row.nps == pytest.approx(stats.nps(subset))
        assert (row.ci_low, row.ci_high) == pytest.approx(stats.nps_interval(subset))
        assert row.moe == pytest.approx((row.ci_high - row.ci_low) / 2)
        assert row.pct_promoters + row.pct_passives + row.pct_detractors == pytest.approx(100)
    shown = dict(zip(table.team, table.shown))
    assert shown == {"A": True, "B": True, "C": False}
    imprecise = dict(zip(table.team, table.imprecise))
    assert imprecise["A"] is False or not imprecise["A"]
    assert imprecise["B"]
    overall = stats.grouped_nps(data, [])
    assert overall.loc[0, "n"] == 253


def test_grouped_nps_names_missing_column():
    with pytest.raises(KeyError, match="segment"):
        stats.grouped_nps(pd.DataFrame({"score": [1]}), "segment")


# --- coverage simulation ------------------------------------------------------------------
TRUE_NPS = [-50, 0, 30, 70]
SAMPLE_SIZES = [10, 30, 100, 1000]


def _truth_shares(true_nps):
    """Category shares with the given NPS and 30% passives where possible."""
    passives = 0.3 if abs(true_nps) <= 70 else 0.2
    rest = 1 - passives
    promoters = (rest + true_nps / 100) / 2
    return np.array([rest - promoters, passives, promoters])


def coverage(method, true_nps, n, draws=2000, seed=0):
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n, _truth_shares(true_nps), size=draws)
    low, high = stats.interval_from_counts(counts[:, 0], counts[:, 1], counts[:, 2], method=method)
    return float(np.mean((low <= true_nps) & (true_nps <= high)))


@pytest.mark.parametrize("true_nps", TRUE_NPS)
@pytest.mark.parametrize("n", SAMPLE_SIZES)
def test_adjusted_wald_coverage(true_nps, n):
    """Seeded simulation: 95% adjusted-Wald intervals cover the truth 93-97% of the time
    (Rocks 2016 reports near-nominal coverage for the adjusted interval)."""
    assert abs(_truth_shares(true_nps)[2] - _truth_shares(true_nps)[0] - true_nps / 100) < 1e-12
    rate = coverage("adjusted_wald", true_nps, n, seed=n * 1000 + true_nps + 50)
    assert 0.93 <= rate <= 0.97, f"coverage {rate:.3f} at NPS {true_nps}, n {n}"


def test_wald_undercovers_at_small_n():
    """The plain Wald interval undercovers at n = 10 (the reason adjusted Wald is the default)."""
    assert coverage("wald", 70, 10, seed=1) < 0.93


@pytest.mark.parametrize("method", stats.INTERVAL_METHODS)
def test_interval_contains_its_own_score_at_n_1_to_5(method):
    # Issue 14: with the display floor at 1, one detractor showed as "-100 [-98, +48]".
    # Every outcome of 1..5 responses: the raw NPS a report prints lies inside its interval.
    cells = [(d, pa, n - d - pa) for n in range(1, 6) for d in range(n + 1) for pa in range(n + 1 - d)]
    d, pa, p = (np.array(c) for c in zip(*cells))
    score = stats.nps_from_counts(d, pa, p)
    low, high = stats.interval_from_counts(d, pa, p, method=method, n_boot=200)
    assert np.all(low <= score) and np.all(score <= high)
    assert np.all(low >= -100) and np.all(high <= 100)
    # the adjusted Wald interval is only widened where it had to be: (1, 2, 3) keeps its value
    if method == "adjusted_wald":
        one_detractor = stats.interval_from_counts(1, 0, 0)
        assert one_detractor[0] == -100 and one_detractor[1] == pytest.approx(48.0, abs=1)
