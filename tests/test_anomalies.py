"""Anomaly flags: the demo's planted patterns are found, and only them; each rule fires and not."""

from __future__ import annotations

import re
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from nps_report import actions, anomalies, demo, schema

ACCUSING = re.compile(r"fraud|cheat|fake|manipulat|rigg|gaming|dishonest|blame", re.IGNORECASE)


@pytest.fixture(scope="module")
def demo_flags(demo_responses):
    return anomalies.flag_anomalies(demo_responses.responses,
                                    quarter=demo.DEMO_STORY["last_quarter"])


def test_demo_suspicious_team_alone_has_the_tens_jump(demo_flags):
    jump = demo_flags[demo_flags["flag"] == "tens_jump"]
    assert jump["team"].tolist() == [demo.DEMO_STORY["suspicious_team"]]
    assert jump["severity"].tolist() == ["high"]
    assert "check before trusting the score" in jump["evidence"].iloc[0]


def test_demo_internal_email_team_alone_has_internal_domains(demo_responses, demo_flags):
    internal = demo_flags[demo_flags["flag"] == "internal_email"]
    team = demo.DEMO_STORY["internal_email_team"]
    assert internal["team"].tolist() == [team]
    data = demo_responses.responses
    current = data[(data["quarter"] == demo.DEMO_STORY["last_quarter"]) & (data["team"] == team)]
    k = int(current["email"].str.endswith("@" + demo.DEMO_STORY["internal_email_domain"]).sum())
    assert k > 0
    assert internal["evidence"].iloc[0].startswith(f"{k} responses of {len(current)} ")


def test_demo_flags_are_worded_for_review(demo_flags):
    assert demo_flags.columns.tolist() == anomalies.ANOMALY_COLUMNS
    assert set(demo_flags["flag"]) <= set(anomalies.FLAGS)
    for text in demo_flags["evidence"]:
        assert not ACCUSING.search(text)
        assert "check" in text.lower()
    assert demo_flags.attrs["quarter"] == demo.DEMO_STORY["last_quarter"]


# ------------------------------------------------------------------------------ constructed data
QUARTERS = schema.quarter_range("2026Q3", 5)


def survey(teams, *, n=100, tens=0.2, seed=0, **extra):
    """Responses per team and quarter: ``tens`` share of 10s (per-(team, quarter) override)."""
    rng = np.random.default_rng(seed)
    rows = []
    for team in teams:
        for quarter in QUARTERS:
            share = tens(team, quarter) if callable(tens) else tens
            k = int(round(share * n))
            scores = np.concatenate([np.full(k, 10), rng.integers(0, 10, n - k)])
            for i, score in enumerate(scores):
                rows.append({"team": team, "quarter": quarter, "score": int(score),
                             "comment": "fine" if i % 2 else "", "channel": ["Email", "SMS"][i % 2],
                             "respondent_id": f"{team}-{quarter}-{i}",
                             "email": f"{team.lower()}{i}@example.com"})
    data = pd.DataFrame(rows)
    for key, value in extra.items():
        data[key] = value
    return data


TEAMS = [f"T{i}" for i in range(8)]


def test_tens_jump_fires_for_one_team_far_above_history_and_peers():
    data = survey(TEAMS, tens=lambda t, q: 0.7 if (t == "T3" and q == "2026Q3") else 0.2)
    flags = anomalies.flag_anomalies(data, quarter="2026Q3")
    assert flags[flags["flag"] == "tens_jump"]["team"].tolist() == ["T3"]
    assert "+50 points" in flags["evidence"].iloc[0]


def test_tens_jump_does_not_fire_for_a_company_wide_rise_or_a_small_jump():
    everyone = survey(TEAMS, tens=lambda t, q: 0.6 if q == "2026Q3" else 0.2)
    assert anomalies.flag_anomalies(everyone, quarter="2026Q3").empty
    modest = survey(TEAMS, tens=lambda t, q: 0.3 if (t == "T3" and q == "2026Q3") else 0.2)
    assert anomalies.flag_anomalies(modest, quarter="2026Q3").empty


def test_tens_jump_needs_enough_responses_and_history():
    small = survey(TEAMS, n=20, tens=lambda t, q: 0.8 if (t == "T3" and q == "2026Q3") else 0.2)
    assert anomalies.flag_anomalies(small, quarter="2026Q3").empty  # below min_n = 30
    full = survey(TEAMS, tens=lambda t, q: 0.7 if (t == "T3" and q == "2026Q3") else 0.2)
    only_now = full[full["quarter"] == "2026Q3"]
    assert anomalies.flag_anomalies(only_now, quarter="2026Q3").empty  # no history to compare


def test_tens_jump_with_few_peers_is_flagged_on_its_size_and_says_so():
    data = survey(["A", "B"], tens=lambda t, q: 0.7 if (t == "A" and q == "2026Q3") else 0.2)
    flags = anomalies.flag_anomalies(data, quarter="2026Q3")
    assert flags["team"].tolist() == ["A"]
    assert "Too few other teams (1)" in flags["evidence"].iloc[0]


def test_silent_channel_fires_when_one_channel_stops_commenting():
    data = survey(TEAMS)
    hit = (data["team"] == "T1") & (data["quarter"] == "2026Q3") & (data["channel"] == "SMS")
    data.loc[hit, "comment"] = ""  # the team's SMS answers always had a comment: now none
    flags = anomalies.flag_anomalies(data, quarter="2026Q3")
    silent = flags[flags["flag"] == "silent_channel"]
    assert silent["team"].tolist() == ["T1"]
    assert "channel 'SMS'" in silent["evidence"].iloc[0] and "100%" in silent["evidence"].iloc[0]


def test_silent_channel_quiet_when_usual_or_without_a_channel_column():
    data = survey(TEAMS)
    assert (anomalies.flag_anomalies(data, quarter="2026Q3")["flag"] != "silent_channel").all()
    hit = (data["team"] == "T1") & (data["quarter"] == "2026Q3") & (data["channel"] == "SMS")
    data.loc[hit, "comment"] = ""
    assert anomalies.flag_anomalies(data.drop(columns="channel"), quarter="2026Q3").empty


def test_repeat_respondent_fires_for_one_respondent_far_busier_than_the_team_s_customers():
    data = survey(["A", "B", "C"])          # every response from a different respondent
    floor = actions.load_rules().anomalies.repeat_respondent.max_responses
    now = data["quarter"] == "2026Q3"
    now_a = data.index[now & (data["team"] == "A")]
    now_b = data.index[now & (data["team"] == "B")]
    data.loc[now_a[:12], "respondent_id"] = "C-1"      # 12 answers where nobody repeats
    data.loc[now_b[:floor], "respondent_id"] = "C-2"   # at the floor: never flagged
    # team C's customers answer 4 times a quarter, legitimately; one answers 10 times
    team_c = data.index[data["team"] == "C"]
    data.loc[team_c, "respondent_id"] = [f"C-{q}-{i // 4}" for q, i in
                                         zip(data.loc[team_c, "quarter"], range(len(team_c)))]
    now_c = data.index[now & (data["team"] == "C")]
    data.loc[now_c[:10], "respondent_id"] = "C-busy"
    flags = anomalies.flag_anomalies(data, quarter="2026Q3")
    repeat = flags[flags["flag"] == "repeat_respondent"]
    assert repeat["team"].tolist() == ["A"]
    text = repeat["evidence"].iloc[0]
    assert text.startswith("One respondent answered 12 times this quarter, against 1.0 answers")
    assert "less than 1 in a million" in text
    assert "C-1" not in text  # no customer identifiers in a report
    # the tail probability behind it: a negative binomial fitted to the other respondents
    assert anomalies.repeat_tail([1] * 99, 12, 100) < 1e-9
    assert anomalies.repeat_tail([4] * 24, 10, 25) > 0.01


def test_internal_domains_are_configurable_and_match_subdomains(tmp_path):
    data = survey(["A", "B", "C"])
    now = data["quarter"] == "2026Q3"
    data.loc[now & (data["team"] == "A"), "email"] = "qa@mail.acme.example"
    data.loc[now & (data["team"] == "B"), "email"] = "someone@notacme.example"
    shipped = anomalies.flag_anomalies(data, quarter="2026Q3")
    assert (shipped["flag"] != "internal_email").all()  # acme is not ourcompany.com
    path = tmp_path / "actions.yaml"
    path.write_text("anomalies:\n  internal_email:\n    internal_domains: ['@ACME.example']\n")
    own = anomalies.flag_anomalies(data, quarter="2026Q3", rules=path)
    assert own[own["flag"] == "internal_email"]["team"].tolist() == ["A"]


def test_disabled_checks_and_missing_columns(tmp_path):
    data = survey(TEAMS, tens=lambda t, q: 0.7 if (t == "T3" and q == "2026Q3") else 0.2)
    path = tmp_path / "actions.yaml"
    path.write_text("anomalies:\n  tens_jump:\n    enabled: false\n")
    assert anomalies.flag_anomalies(data, quarter="2026Q3", rules=path).empty
    with pytest.raises(KeyError, match="score"):
        anomalies.flag_anomalies(data.drop(columns="score"), quarter="2026Q3")
    with pytest.raises(ValueError, match="2026Q3"):
        anomalies.flag_anomalies(data, quarter="Q3-2026")


# ---------------------------------------------------------- calibration: data with no anomaly
# Share of each score 0..10 over the survey (as in the demo: NPS about +28).
SCORE_SHARE = np.array([0.035, 0.012, 0.017, 0.022, 0.025, 0.050, 0.065, 0.100, 0.170, 0.235, 0.269])
SCORE_CUTS = np.array([NormalDist().inv_cdf(c) for c in np.cumsum(SCORE_SHARE)[:-1]])
CHANNELS = np.array(["Email", "SMS", "Web", "App"])


def answers_per_respondent(n, repeat_mean, shape, mixture, rng):
    """Answers of successive respondents until ``n`` responses: 1 + extra answers, where
    the extra answers are negative binomial (customers' rates gamma-distributed) or, with
    ``mixture``, zero for 75% of customers and Poisson for the other 25% (two kinds)."""
    extra_mean = repeat_mean - 1
    if extra_mean <= 0:
        per = np.ones(n, dtype=np.int64)
    elif mixture:
        heavy = rng.random(n) < 0.25
        per = 1 + np.where(heavy, rng.poisson(extra_mean / 0.25, n), 0)
    else:
        per = 1 + rng.negative_binomial(shape, shape / (shape + extra_mean), n)
    stop = int(np.searchsorted(np.cumsum(per), n))
    per = per[:stop + 1].copy()
    per[-1] -= per.sum() - n
    return per


def clean_survey(seed, *, n_teams=60, n_quarters=5, last="2026Q3"):
    """A survey with NO anomaly, as real ones look: teams of 4 to 2,000 responses a quarter;
    customers answering 1 to 4 times a quarter on average depending on the team (negative
    binomial or two kinds of customers) and coming back in later quarters; each customer's
    answers sharing their mood; team scores drifting a little from quarter to quarter;
    channels with their own comment rates, detractors commenting more often."""
    rng = np.random.default_rng(seed)
    quarters = schema.quarter_range(last, n_quarters)
    size = np.clip(rng.lognormal(np.log(100), 1.0, n_teams), 4, 2000)
    repeat_mean = rng.choice([1.0, 1.2, 1.5, 2.5, 4.0], n_teams)
    shape = rng.uniform(0.5, 3, n_teams)
    mixture = rng.random(n_teams) < 0.5
    team_level = rng.normal(0, 0.35, n_teams)
    drift = np.cumsum(rng.normal(0, 0.08, (n_teams, n_quarters)), axis=1)
    comment_rate = rng.uniform(0.3, 0.8, (n_teams, len(CHANNELS)))
    channel_mix = rng.dirichlet(np.full(len(CHANNELS), 3.0), n_teams)
    team_idx, q_idx, resp_idx, level = [], [], [], []
    next_id = 0
    for t in range(n_teams):
        base = 1_000_000 * (t + 1)
        for q in range(n_quarters):
            n = max(1, int(rng.poisson(size[t])))
            per = answers_per_respondent(n, repeat_mean[t], shape[t], mixture[t], rng)
            who = base + rng.integers(0, int(5 * size[t]) + 10, per.size)  # customers come back
            u = team_level[t] + drift[t, q] + rng.normal(0, 0.8, per.size)  # a customer's mood
            team_idx.append(np.full(n, t)); q_idx.append(np.full(n, q))
            resp_idx.append(np.repeat(who, per)); level.append(np.repeat(u, per))
    team_idx, q_idx = np.concatenate(team_idx), np.concatenate(q_idx)
    resp, level = np.concatenate(resp_idx), np.concatenate(level)
    n = team_idx.size
    score = np.searchsorted(SCORE_CUTS, level + rng.normal(0, 0.6, n))
    channel = (rng.random(n)[:, None] > np.cumsum(channel_mix[team_idx], axis=1)).sum(axis=1)
    channel = np.minimum(channel, len(CHANNELS) - 1)
    commented = rng.random(n) < np.clip(comment_rate[team_idx, channel] + 0.15 * (score <= 6), 0, 1)
    ids = np.char.add("C", resp.astype(str))
    return pd.DataFrame({
        "team": np.char.add("T", np.char.zfill(team_idx.astype(str), 2)),
        "department": np.char.add("D", (team_idx % 5).astype(str)),
        "quarter": np.asarray(quarters)[q_idx], "score": score,
        "comment": np.where(commented, "some words", ""), "channel": CHANNELS[channel],
        "respondent_id": ids, "email": np.char.add(ids, "@example.com")})


def test_no_anomaly_data_flags_at_most_2_percent_of_team_quarters():
    # 10 seeded surveys x 60 teams x the last 2 quarters = 1,200 team-quarters with no
    # anomaly. Measured: 8 team-quarters flagged (0.67%): tens_jump 6, silent_channel 2,
    # repeat_respondent 0, internal_email 0; 855 of them (71%) have a respondent answering
    # more than 3 times, which the old rule flagged. Binomial SE of 0.67%: 0.24 points.
    rules = actions.load_rules()
    flagged, checked, busy = {f: 0 for f in anomalies.FLAGS}, 0, 0
    any_flag = 0
    for seed in range(10):
        data = clean_survey(seed)
        for quarter in ("2026Q2", "2026Q3"):
            upto = data[data["quarter"] <= quarter]
            flags = anomalies.flag_anomalies(upto, quarter=quarter, rules=rules)
            now = upto[upto["quarter"] == quarter]
            checked += now["team"].nunique()
            any_flag += flags["team"].nunique()
            for flag, group in flags.groupby("flag"):
                flagged[flag] += group["team"].nunique()
            busiest = now.groupby(["team", "respondent_id"]).size().groupby(level=0).max()
            busy += int((busiest > rules.anomalies.repeat_respondent.max_responses).sum())
    assert checked == 1200
    # the old rule (more than 3 answers from one respondent) would flag 60%+ of them
    assert busy / checked > 0.5
    assert any_flag / checked <= 0.02
    assert flagged["internal_email"] == 0
    assert max(flagged.values()) / checked <= 0.01
