"""Pain points only with evidence: seeded simulations of the theme verdicts, intervals, real exports.

The simulations draw many surveys at once (numpy, vectorised) and run the same functions the
report uses (:func:`nps_report.themes.impact.heaviness_pvalues` and ``theme_verdicts``, or the
whole :func:`nps_report.themes.analyze_comments` on generated text). Rates are quoted with
their Monte-Carlo standard error ``sqrt(r (1 - r) / runs)``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from nps_report import stats, themes
from nps_report.themes.distinctive import detractor_topics, phrases
from nps_report.themes.impact import (heaviness_pvalues, nps_difference, theme_verdicts,
                                      union_scenario, wilson_interval)

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
# Category shares of a typical survey: 30% detractors, 30% passives, 40% promoters.
SHARES = np.array([0.3, 0.3, 0.4])


def simulated_verdicts(rng, runs, n, mention_rates, detractor_rates=None, min_detractors=5):
    """Verdicts of ``runs`` surveys of ``n`` commenting respondents, one column per theme.

    Each respondent mentions theme ``k`` with probability ``mention_rates[k]``; a detractor
    with ``detractor_rates[k]`` instead when given (a planted pain point).
    """
    rates = np.asarray(mention_rates, dtype=float)
    category = rng.choice(3, size=(runs, n), p=SHARES)
    onehot = np.eye(3)[category]                                   # runs x n x 3
    p = np.broadcast_to(rates, (runs, n, rates.size)).copy()
    if detractor_rates is not None:
        p[category == 0] = np.asarray(detractor_rates, dtype=float)
    mention = rng.random((runs, n, rates.size)) < p                # runs x n x themes
    by_cat = np.einsum("rnk,rnc->rkc", mention.astype(float), onehot)
    totals = onehot.sum(axis=1)[:, None, :]
    p_d, p_p = heaviness_pvalues(by_cat, totals)
    return theme_verdicts(p_d, p_p, by_cat[..., 0], min_detractors=min_detractors)[2]


def mc_error(rate, runs):
    return float(np.sqrt(rate * (1 - rate) / runs))


# --------------------------------------------------------------------------- noise
@pytest.mark.parametrize("n", [40, 300])
def test_themes_independent_of_the_score_are_pain_points_in_at_most_5_percent(n):
    """Ten themes mentioned at 5-30% whatever the score: any pain point at all is false.

    Measured (seed 15, 4000 runs): a false pain point in 0.7% of surveys at n = 40 and 1.4% at
    n = 300 (Monte-Carlo error 0.13 and 0.19 points); a false strength in 0.6% and 1.6%. The
    bound is 5%: Benjamini-Hochberg over the ten themes, two directions (Bonferroni) and the
    five-detractor floor keep it well below.
    """
    rng = np.random.default_rng(15)
    runs = 4000
    verdict = simulated_verdicts(rng, runs, n, np.linspace(0.05, 0.30, 10))
    rate = float((verdict == "pain point").any(axis=1).mean())
    assert rate + 2 * mc_error(rate, runs) < 0.05, rate
    # Strengths are held to the same standard.
    strong = float((verdict == "strength").any(axis=1).mean())
    assert strong + 2 * mc_error(strong, runs) < 0.05, strong


def test_one_planted_theme_among_ten_is_found_at_n_300():
    """Theme 0 is mentioned by 30% of detractors and 10% of the others; nine are noise.

    Measured (seed 16, 2000 runs): found in 88.2% of surveys (Monte-Carlo error 0.7 points);
    a noise theme is called a pain point in 0.28% of theme-surveys. Weaker plants are found
    less often (25% against 10%: 61%; 28%: 80%), which the report then calls "mentioned".
    """
    rng = np.random.default_rng(16)
    runs = 2000
    rates = np.full(10, 0.10)
    planted = rates.copy()
    planted[0] = 0.30
    verdict = simulated_verdicts(rng, runs, 300, rates, detractor_rates=planted)
    found = float((verdict[:, 0] == "pain point").mean())
    assert found - 2 * mc_error(found, runs) >= 0.80, found
    false = float((verdict[:, 1:] == "pain point").mean())
    assert false < 0.01, false


def test_discovered_topics_on_noise_text_are_not_pain_points():
    """Comments of random words whatever the score: the discovery picks the most detractor-heavy
    phrases, and their test still holds its level because every phrase examined is in the family.

    Measured (seed 17, 150 surveys of 200 comments): a discovered topic became a pain point in
    0 of 150 surveys (95% upper bound 2%); tested alone, without the phrases examined in their
    family, the picked topics were "pain points" in 61 of 150 (41%).
    """
    rng = np.random.default_rng(17)
    vocabulary = np.array([f"w{a}{b}" for a in "bcdfghjklm" for b in "aeiou"])  # 50 "words"
    weights = 1 / np.arange(1, vocabulary.size + 1)  # Zipf: some words are common
    weights /= weights.sum()
    runs, n, false, naive = 150, 200, 0, 0
    for _ in range(runs):
        words = rng.choice(vocabulary, size=(n, 6), p=weights)
        texts = [" ".join(row) for row in words]
        detractor = rng.random(n) < SHARES[0]
        found = detractor_topics(texts, detractor)
        if found.topics.empty:
            continue
        hits = found.matches
        by_cat = np.column_stack([(hits & detractor[:, None]).sum(axis=0),
                                  (hits & ~detractor[:, None]).sum(axis=0),
                                  np.zeros(hits.shape[1])])
        totals = np.array([detractor.sum(), (~detractor).sum(), 0])
        p_d, p_p = heaviness_pvalues(by_cat, totals)
        verdict = theme_verdicts(p_d, p_p, by_cat[:, 0], families=["discovered"] * hits.shape[1],
                                 extra_pvalues={"discovered": found.examined})[2]
        false += bool((verdict == "pain point").any())
        naive += bool((theme_verdicts(p_d, p_p, by_cat[:, 0])[2] == "pain point").any())
    rate = false / runs
    assert rate + 2 * mc_error(max(rate, 1 / runs), runs) < 0.05, rate
    # The family matters: testing only the picked topics cries wolf (selection bias).
    assert naive / runs > 0.2


# ---------------------------------------------------------------------- intervals
def test_nps_difference_matches_the_reference_two_sample_interval():
    # ../shared/reference/nps-statistics.md: (D83, Pa47, Pr120) vs (D91, Pa49, Pr110):
    # diff +0.072, SE 0.079707, interval [-0.084224, 0.228224].
    diff, low, high = nps_difference([83, 47, 120], [91, 49, 110], method="wald")
    assert diff == pytest.approx(7.2)
    assert low == pytest.approx(-8.4224, abs=1e-3) and high == pytest.approx(22.8224, abs=1e-3)
    c = stats.compare_counts((83, 47, 120), (91, 49, 110))
    assert (low, high) == pytest.approx((c.ci_low, c.ci_high))


def test_adjusted_nps_difference_covers_at_small_n():
    """The adjusted interval keeps close to 95% coverage with 8 mentioners against 60 others.

    Measured (seed 18, 20000 draws): coverage 94.7% adjusted (Monte-Carlo error 0.16 points),
    89.5% plain Wald.
    """
    rng = np.random.default_rng(18)
    p1, p2 = np.array([0.5, 0.25, 0.25]), np.array([0.25, 0.25, 0.5])
    truth = 100 * ((p1[2] - p1[0]) - (p2[2] - p2[0]))
    a, b = rng.multinomial(8, p1, size=20000), rng.multinomial(60, p2, size=20000)
    _, low, high = nps_difference(a, b)
    cover = float(((low <= truth) & (truth <= high)).mean())
    _, wl, wh = nps_difference(a, b, method="wald")
    wald = float(((wl <= truth) & (truth <= wh)).mean())
    assert cover >= 0.94 and cover > wald


def test_wilson_interval_matches_scipy():
    for k, n in [(4, 20), (0, 15), (37, 453)]:
        ci = sps.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        assert wilson_interval(k, n) == pytest.approx((ci.low, ci.high))


def test_scenarios_of_overlapping_themes_combine_on_the_union_never_the_sum():
    # 20 responses, 8 detractors: A is mentioned by detractors 0-4, B by 2-6 (3 in both).
    data = pd.DataFrame({"score": [0] * 8 + [7] * 4 + [9] * 8, "comment": ["x"] * 20})
    a = np.zeros(20, dtype=bool)
    a[:5] = True
    b = np.zeros(20, dtype=bool)
    b[2:7] = True
    matches = pd.DataFrame({"A": a, "B": b})
    table = themes.theme_impact(data, matches, min_detractors=1).set_index("theme")
    assert table.loc["A", "scenario_gain"] == pytest.approx(25.0)    # 5 of 20
    assert table.loc["B", "scenario_gain"] == pytest.approx(25.0)
    gain, low, high = union_scenario(data, matches, ["A", "B"])
    assert gain == pytest.approx(35.0)                                # 7 of 20, not 50
    assert (low, high) == pytest.approx(tuple(100 * v for v in wilson_interval(7, 20)))
    assert low < gain < high


def test_only_scored_comments_count_as_commenting():
    data = pd.DataFrame({"score": [0, 3, 9, np.nan], "comment": ["bill wrong"] * 4})
    matches = pd.DataFrame({"billing errors": [True] * 4})
    table = themes.theme_impact(data, matches)
    assert table.attrs["n_commented"] == 3 and int(table["mentions"].iloc[0]) == 3


# --------------------------------------------------------------------- real exports
def real_exports():
    """The real exports with a score and a comment (../shared/realdata, see its PROVENANCE.md)."""
    event = pd.read_csv(REALDATA / "prepbench_case040_input_01.csv")
    shop = pd.read_csv(REALDATA / "prepbench_case050_input_03.csv", encoding="utf-8-sig")
    return {
        "event survey": pd.DataFrame({"score": event.iloc[:, 1], "comment": event.iloc[:, 2]}),
        # two comment columns: "If you wouldn't, why?" and "If you would, why?"
        "soap shop": pd.DataFrame({"score": shop.iloc[:, 5],
                                   "comment": shop.iloc[:, 10].fillna(shop.iloc[:, 11])}),
    }


@pytest.mark.parametrize("name", ["event survey", "soap shop"])
def test_real_export_names_no_pain_point_without_a_significantly_lower_nps(name):
    data = real_exports()[name]
    result = themes.analyze_comments(data, min_comments=10)
    impact = result.impact
    commented = data["comment"].notna() & data["score"].notna()
    for _, row in impact[impact["verdict"] == "pain point"].iterrows():
        mention = result.matches[row["theme"]] & commented
        rest = commented & ~mention
        c = stats.compare_counts(stats.counts(data.loc[mention, "score"]),
                                 stats.counts(data.loc[rest, "score"]))
        assert c.diff < 0 and c.p_value < 0.05, (row["label"], c)
        assert row["nps_difference_high"] < 0
    # These two small exports (39 and 24 responses) hold no pain point: the report says so.
    assert (impact["verdict"] != "pain point").all()
    text = themes.summarize(impact)
    assert "no pain point stands out this quarter" in text.lower()
    assert "expected" not in text.lower()
    # Discovered topics never name a word most comments use.
    texts = themes.text.normalise(data.loc[commented, "comment"])
    for label in result.topics["label"]:
        for word in label.removeprefix("Discovered: ").replace(",", " ").split():
            share = np.mean([word in phrases(t, set()) for t in texts])
            assert share <= 0.5, (word, share)


def test_discovered_labels_leave_out_the_words_most_comments_use():
    # Real comments of the event survey, each with the product's name added (as a survey about
    # one product reads): the name is in every comment and must not label a topic.
    data = real_exports()["event survey"].dropna()
    data = pd.concat([data] * 4, ignore_index=True)  # enough comments for a discovery
    data["comment"] = "Sudzilla: " + data["comment"]
    found = detractor_topics(themes.text.normalise(data["comment"]), data["score"] <= 6,
                             stop_words=themes.load_stop_words("en"), min_z=0.0)
    assert not found.topics.empty
    assert "sudzilla" in found.left_out["common"]
    assert "sudzilla" not in " ".join(found.topics["terms"])


# --------------------------------------------------------------------------- render
def test_theme_chart_draws_each_difference_and_its_interval():
    from nps_report import plots
    from nps_report.render import charts, common

    data = pd.DataFrame({"score": [0, 1, 2, 3, 4, 5, 6, 6] + [7, 8] * 3 + [9, 10] * 3,
                         "comment": ["x"] * 20})
    matches = pd.DataFrame({"billing errors": [True] * 6 + [False] * 14,
                            "friendly staff": [False] * 14 + [True] * 6})
    table = themes.theme_impact(data, matches, labels={"billing errors": "Billing errors",
                                                       "friendly staff": "Friendly staff"})
    ax = plots.theme_differences(table)
    dots = ax.collections[-1].get_offsets()
    np.testing.assert_allclose(sorted(dots[:, 0]), sorted(table["nps_difference"]))
    lines = ax.collections[0].get_segments()
    spans = sorted((seg[0][0], seg[1][0]) for seg in lines)
    expected = sorted(zip(table["nps_difference_low"], table["nps_difference_high"]))
    np.testing.assert_allclose(spans, expected)
    alt = charts.theme_impact(table).alt
    assert "Billing errors" in alt and "pain point" in alt and "strength" in alt
    page = common.themes_table(table)._repr_html_()
    assert "pain point" in page and "up to +30.0" in page
    assert "scenario, not a forecast" in page and "covers 75% of commenting detractors" in page
    assert "expected" not in page.lower()
