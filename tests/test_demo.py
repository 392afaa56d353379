"""Tests of the synthetic demo export and the story planted in it."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from nps_report import demo, schema

STORY = demo.DEMO_STORY
SCORE = "How likely are you to recommend us to a friend or colleague?"
COMMENT = "What is the main reason for your score?"
EXPECTED_HEADERS = [
    "Response ID", "Customer ID", "Email", "Submitted At", SCORE, COMMENT,
    "Team", "Department", "Region", "Plan", "Channel",
    "Ease of use", "Support speed", "Billing accuracy", "Reliability", "Value for money",
]
ATTRIBUTES = EXPECTED_HEADERS[-5:]

# Words that identify each detractor theme in a comment.
THEME_WORDS = {
    "billing": r"bill|invoice|charg|refund|payment",
    "support": r"support|ticket|agent|on hold|reply|callback",
    "outages": r"outage|\bdown\b|offline|unavailable|crash|connection|unreliable",
    "price": r"price|pricing|expensive|\bcosts?\b|overpriced|value for money",
    "usability": r"\bapp\b|interface|menu|confusing|clunky|login|dashboard|screens?\b|clicks",
}


def nps(scores: pd.Series) -> float:
    """Net Promoter Score of a series of 0..10 scores."""
    return 100.0 * ((scores >= 9).mean() - (scores <= 6).mean())


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return demo.generate_demo_export()


@pytest.fixture(scope="module")
def quarter(frame) -> pd.Series:
    return schema.quarter_label(pd.to_datetime(frame["Submitted At"], utc=True, format="ISO8601"))


@pytest.fixture(scope="module")
def quarters(quarter) -> list[str]:
    return sorted(quarter.unique())


@pytest.fixture(scope="module")
def team_quarter(frame, quarter):
    """Per (team, quarter): response count and NPS, teams as rows, quarters as columns."""
    grouped = frame.groupby([frame["Team"], quarter])[SCORE]
    return grouped.size().unstack(fill_value=0), grouped.apply(nps).unstack()


# ------------------------------------------------------------------ determinism, shape
def test_same_seed_same_frame_and_other_seed_differs(frame):
    pd.testing.assert_frame_equal(frame, demo.generate_demo_export(seed=demo.DEMO_SEED))
    other = demo.generate_demo_export(seed=demo.DEMO_SEED + 1)
    assert not frame.equals(other)
    assert not frame[SCORE].equals(other[SCORE])


def test_headers_and_row_count(frame):
    assert list(frame.columns) == EXPECTED_HEADERS
    assert list(demo.COLUMNS) == EXPECTED_HEADERS
    assert len(frame) == 60_000


def test_identifiers(frame):
    assert frame["Response ID"].is_unique
    assert frame["Response ID"].str.fullmatch(r"R_\d{6}").all()
    assert frame["Customer ID"].str.fullmatch(r"C-\d{6}").all()
    repeats = frame["Customer ID"].duplicated(keep=False).mean()
    assert 0.05 < repeats < 0.6, repeats
    # Customers answering twice always give the same e-mail (internal ones aside).
    external = frame[frame["Email"].str.endswith("@example.com")]
    expected = "c" + external["Customer ID"].str.slice(2) + "@example.com"
    assert (external["Email"] == expected).all()


def test_organisation(frame):
    assert frame["Department"].nunique() == 6
    assert frame["Team"].nunique() == 30
    assert (frame.groupby("Team")["Department"].nunique() == 1).all()
    assert set(frame["Region"]) == {"EMEA", "North America", "APAC", "LATAM"}
    assert set(frame["Plan"]) == {"Basic", "Pro", "Enterprise"}
    assert set(frame["Channel"]) == {"Email", "In-app", "SMS", "Phone"}
    for team in [STORY["declining_team"], STORY["suspicious_team"], STORY["internal_email_team"],
                 STORY["small_swing_team"], *STORY["improving_teams"], *STORY["small_teams"]]:
        assert team in set(frame["Team"]), team


def test_quarters_and_timestamps(frame, quarter, quarters):
    assert frame["Submitted At"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
    assert quarters == schema.quarter_range(STORY["last_quarter"], 8)
    counts = quarter.value_counts()
    assert counts[quarters[-1]] > counts[quarters[0]]  # more volume recently
    stamps = pd.to_datetime(frame["Submitted At"], utc=True, format="ISO8601")
    assert stamps.is_monotonic_increasing
    # The last quarter runs to its last day, with detractors in its final two weeks.
    assert stamps.max() >= pd.Timestamp("2026-09-29", tz="UTC")
    recent = stamps >= stamps.max() - pd.Timedelta(days=14)
    assert (recent & (frame[SCORE] <= 6)).sum() > 50


def test_scores_and_overall_nps(frame):
    assert pd.api.types.is_integer_dtype(frame[SCORE])
    assert frame[SCORE].between(0, 10).all()
    assert set(frame[SCORE]) == set(range(11))
    assert 20 <= nps(frame[SCORE]) <= 35
    shares = frame[SCORE].value_counts(normalize=True)
    assert shares[[8, 9, 10]].sum() > 0.5  # lots of 8-10s...
    assert 0.1 < shares[list(range(7))].sum() < 0.35  # ...and a tail of 0-6


def test_attribute_ratings(frame):
    ratings = frame[ATTRIBUTES]
    given = ratings.stack().dropna()
    assert len(given) > 0.9 * ratings.size
    assert given.between(1, 10).all()
    assert (given % 1 == 0).all()
    missing = ratings.isna().mean()
    assert missing.between(0.03, 0.07).all(), missing


def test_comment_share(frame):
    has = frame[COMMENT] != ""
    assert frame[COMMENT].notna().all()
    assert 0.35 <= has.mean() <= 0.45


# -------------------------------------------------------------------------- the story
def test_team_sizes(team_quarter):
    counts, _ = team_quarter
    for team in STORY["small_teams"]:
        assert (counts.loc[team] < 10).all() and (counts.loc[team] >= 4).all(), team
    small = counts[(counts < 10).any(axis=1)].index
    assert set(small) == set(STORY["small_teams"])
    assert ((counts >= 600).all(axis=1)).sum() >= 1  # at least one big team every quarter


def test_declining_team(frame, quarter, quarters, team_quarter):
    counts, scores = team_quarter
    team, last, prev = STORY["declining_team"], quarters[-1], quarters[-2]
    assert counts.loc[team, prev] >= 200 and counts.loc[team, last] >= 200
    assert scores.loc[team, prev] - scores.loc[team, last] >= 15
    rows = frame["Team"] == team
    billing = frame.loc[rows, "Billing accuracy"].groupby(quarter[rows]).mean()
    assert billing[prev] - billing[last] >= 1.0
    detractor_comments = frame.loc[rows & (quarter == last) & (frame[SCORE] <= 6), COMMENT]
    detractor_comments = detractor_comments[detractor_comments != ""].str.lower()
    assert detractor_comments.str.contains(THEME_WORDS["billing"]).mean() > 0.5


def test_improving_teams(team_quarter, quarters):
    _, scores = team_quarter
    assert len(STORY["improving_teams"]) >= 2
    for team in STORY["improving_teams"]:
        assert scores.loc[team, quarters[-1]] - scores.loc[team, quarters[0]] >= 10, team


def test_small_swing_team(team_quarter, quarters):
    counts, scores = team_quarter
    team = STORY["small_swing_team"]
    assert (counts.loc[team] < 10).all()
    assert abs(scores.loc[team, quarters[-1]] - scores.loc[team, quarters[-2]]) >= 30


def test_suspicious_surge_of_tens(frame, quarter, quarters):
    tens = (frame[SCORE] == 10).groupby([frame["Team"], quarter]).mean().unstack()
    jump = tens[quarters[-1]] - tens[quarters[:-1]].max(axis=1)
    team = STORY["suspicious_team"]
    assert jump[team] >= 0.3
    assert jump.drop(team).max() <= 0.15, jump.drop(team).idxmax()
    # Few of the surging 10s come with a comment.
    rows = (frame["Team"] == team) & (frame[SCORE] == 10)
    commented = (frame.loc[rows, COMMENT] != "").groupby(quarter[rows]).mean()
    assert commented[quarters[-1]] < commented[quarters[:-1]].min()


def test_driver_attributes_correlate_most(frame):
    corr = frame[ATTRIBUTES].corrwith(frame[SCORE]).abs().sort_values(ascending=False)
    assert set(corr.index[:2]) == set(STORY["driver_attributes"])
    assert (corr.iloc[2:] > 0.1).all()  # the others matter too, less


def test_detractor_comments_dominated_by_billing_and_support(frame):
    comments = frame.loc[(frame[SCORE] <= 6) & (frame[COMMENT] != ""), COMMENT].str.lower()
    share = {theme: comments.str.contains(words).mean() for theme, words in THEME_WORDS.items()}
    others = max(share["outages"], share["price"], share["usability"])
    assert min(share["billing"], share["support"]) > others, share
    assert min(share.values()) > 0.05, share  # every detractor theme does occur
    assert set(STORY["detractor_themes"]) == set(demo.COMMENT_TEMPLATES) - set(
        STORY["promoter_themes"]
    )
    for theme in STORY["detractor_themes"] + STORY["promoter_themes"]:
        templates = demo.COMMENT_TEMPLATES[theme]
        assert len(set(templates)) >= 10, theme


def test_promoter_comments_are_positive(frame):
    comments = frame.loc[(frame[SCORE] >= 9) & (frame[COMMENT] != ""), COMMENT].str.lower()
    complaints = comments.str.contains(r"charged twice|invoice was wrong|outage|too expensive")
    assert complaints.mean() < 0.01


def test_internal_emails_in_one_team_only(frame):
    internal = frame["Email"].str.endswith("@" + STORY["internal_email_domain"])
    assert set(frame.loc[internal, "Team"]) == {STORY["internal_email_team"]}
    share = internal[frame["Team"] == STORY["internal_email_team"]].mean()
    assert 0.01 <= share <= 0.1
    assert frame.loc[~internal, "Email"].str.fullmatch(r"c\d{6}@example\.com").all()


def test_some_comments_carry_fake_personal_data(frame):
    text = frame[COMMENT]
    email = text.str.contains(r"[\w.]+@[\w.]+\.\w+")
    phone = text.str.contains(r"\+\d{1,2} \d{2,3} \d{3,4} \d{3,4}")
    card = text.str.contains(r"\b(?:\d{4} ?){3}\d{4}\b")
    assert email.sum() > 0 and phone.sum() > 0 and card.sum() > 0
    assert (email | phone | card).mean() < 0.01


def test_story_is_complete():
    assert set(STORY) >= {
        "last_quarter", "declining_team", "improving_teams", "small_swing_team",
        "suspicious_team", "small_teams", "driver_attributes", "detractor_themes",
        "internal_email_team",
    }
    assert len(STORY["driver_attributes"]) == 2
    assert set(STORY["driver_attributes"]) <= set(ATTRIBUTES)
    schema.parse_quarter(STORY["last_quarter"])


# --------------------------------------------------------------------- scale and files
def test_larger_export_scales_to_many_teams():
    # speed is measured by the benchmark (make bench), not asserted here
    big = demo.generate_demo_export(n_responses=200_000, n_teams=200)
    assert big.shape == (200_000, len(EXPECTED_HEADERS))
    assert big["Team"].nunique() == 200
    assert big["Department"].nunique() == 6
    assert "Team 031" in set(big["Team"])
    assert big["Response ID"].is_unique


def test_other_quarter_range():
    small = demo.generate_demo_export(n_responses=2_000, n_quarters=3, last_quarter="2025Q1")
    labels = schema.quarter_label(pd.to_datetime(small["Submitted At"], utc=True, format="ISO8601"))
    assert sorted(labels.unique()) == ["2024Q3", "2024Q4", "2025Q1"]
    assert len(small) == 2_000


@pytest.mark.parametrize("kwargs", [{"n_responses": 0}, {"n_teams": 0}, {"last_quarter": "Q3"}])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        demo.generate_demo_export(**kwargs)


def test_write_demo_data(tmp_path):
    out_dir = tmp_path / "new" / "folder"
    path = demo.write_demo_data(out_dir, n_responses=500, seed=7)
    assert path == out_dir / "nps_demo.csv"
    assert path.is_file()
    back = pd.read_csv(path, encoding="utf-8")
    expected = demo.generate_demo_export(n_responses=500, seed=7)
    assert list(back.columns) == EXPECTED_HEADERS
    assert len(back) == 500
    assert back["Response ID"].tolist() == expected["Response ID"].tolist()
    assert np.array_equal(back[SCORE].to_numpy(), expected[SCORE].to_numpy())
