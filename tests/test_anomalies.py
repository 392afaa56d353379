"""Anomaly flags: the demo's planted patterns are found, and only them; each rule fires and not."""

from __future__ import annotations

import re

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


def test_repeat_respondent_fires_above_the_limit_only():
    data = survey(["A", "B"])
    limit = actions.load_rules().anomalies.repeat_respondent.max_responses
    now_a = data.index[(data["team"] == "A") & (data["quarter"] == "2026Q3")]
    now_b = data.index[(data["team"] == "B") & (data["quarter"] == "2026Q3")]
    data.loc[now_a[: limit + 1], "respondent_id"] = "C-1"   # one more than allowed
    data.loc[now_b[:limit], "respondent_id"] = "C-2"        # exactly the limit
    flags = anomalies.flag_anomalies(data, quarter="2026Q3")
    repeat = flags[flags["flag"] == "repeat_respondent"]
    assert repeat["team"].tolist() == ["A"]
    assert f"up to {limit + 1} from one respondent" in repeat["evidence"].iloc[0]
    assert "C-1" not in repeat["evidence"].iloc[0]  # no customer identifiers in a report


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
