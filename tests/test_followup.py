"""The outer loop (issue 18, deliverable 4): action ids, the action log, returned logs, the follow-up.

Statistics are checked against published numbers: Newcombe (1998) for the interval of a
difference of proportions, R's ``t.test`` on the ``sleep`` data for Welch, R's
``prop.test(correct = FALSE)`` / ``fisher.test`` values for the tests of two shares.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from nps_report import context, demo, followup
from nps_report.actions.ids import action_id, with_action_ids
from nps_report.followup import store
from nps_report.followup.demo import DEMO_ACTIONS, write_demo_action_log
from nps_report.followup.evidence import mean_change, newcombe_interval, share_change
from nps_report.spreadsheets import unsafe_cells
from nps_report.tables import team_tables

TODAY = "2026-10-15"


# ----------------------------------------------------------------------------- ids
def test_ids_are_stable_across_quarters_in_the_demo():
    ctx = context.demo_context()
    team = demo.DEMO_STORY["followed_up_team"]
    q2 = team_tables(ctx, team=team, quarter="2026Q2").actions
    q3 = team_tables(ctx, team=team, quarter="2026Q3").actions
    key = ["rule", "subject"]
    both = q2.merge(q3, on=key, suffixes=("_q2", "_q3"))
    assert len(both) >= 2  # billing errors, follow-up, promoters are recommended in both
    assert (both["action_id_q2"] == both["action_id_q3"]).all()
    # The title changes (counts in it) without changing the id.
    follow = both[both["rule"] == "follow_up_detractors"].iloc[0]
    assert follow["title_q2"] != follow["title_q3"]
    # Every id is the hash of its row's team, rule and subject.
    assert q3["action_id"].tolist() == [action_id(team, r, s) for r, s in zip(q3["rule"], q3["subject"])]


def test_ids_differ_across_teams_rules_and_subjects_and_ignore_spelling():
    base = action_id("Support", "fix_pain_point", "billing errors")
    others = {action_id("Sales", "fix_pain_point", "billing errors"),
              action_id("Support", "fix_driver", "billing errors"),
              action_id("Support", "fix_pain_point", "slow support"),
              action_id("Suppor", "tfix_pain_point", "billing errors"),  # no run-together
              action_id("Support", "fix_pain_point", "billing errors!")}
    assert base not in others and len(others) == 5
    assert action_id(" SUPPORT ", "fix_pain_point", "Billing Errors") == base
    composed, decomposed = "Équipe", unicodedata.normalize("NFD", "Équipe")
    assert composed != decomposed
    assert action_id(composed, "fix_driver", "x") == action_id(decomposed, "fix_driver", "x")
    assert len(base) == 12 and int(base, 16) >= 0


def test_with_action_ids_uses_each_rows_team():
    table = pd.DataFrame({"team": ["A", "B"], "rule": ["fix_driver"] * 2, "subject": ["x"] * 2})
    ids = with_action_ids(table, team="ignored")["action_id"].tolist()
    assert ids == [action_id("A", "fix_driver", "x"), action_id("B", "fix_driver", "x")]


# ----------------------------------------------------------------------------- the log
def _actions(team="Support"):
    return with_action_ids(pd.DataFrame({
        "rule": ["fix_pain_point", "fix_driver", "engage_promoters"],
        "subject": ["billing errors", "support_speed", "promoters"],
        "title": ["Fix the recurring pain point: Billing errors", "=HYPERLINK(\"http://x\")",
                  "Engage the 40 promoters"]}), team=team)


def test_action_log_workbook_has_status_dropdown_and_is_formula_safe(tmp_path):
    log = followup.action_log({"Support": _actions(), "Sales": _actions("Sales")}, quarter="2026Q2")
    assert len(log) == 6 and log["status"].eq("").all()
    book, csv = followup.write_action_log(log, tmp_path)
    assert unsafe_cells(book) == [] and unsafe_cells(csv) == []  # the =HYPERLINK title is text
    sheet = load_workbook(book)["Actions"]
    rules = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    status = next(v for ref, v in rules.items() if ref.startswith("G2:"))
    assert status.type == "list" and status.formula1 == '"planned,in progress,done,dropped"'
    assert status.showErrorMessage  # Excel refuses another value
    assert any(v.type == "date" for v in rules.values())
    back = followup.read_returned_log(book)
    assert back["action_id"].tolist() == log["action_id"].tolist()
    assert back["title"].iloc[1] == "=HYPERLINK(\"http://x\")"  # the safety quote is taken off


def _returned(tmp_path, rows, name="returned.xlsx", quarter="2026Q2"):
    """Write the log the build writes, then fill cells with openpyxl as an owner does."""
    log = followup.action_log({"Support": _actions()}, quarter=quarter)
    book, csv = followup.write_action_log(log, tmp_path / "written")
    workbook = load_workbook(book)
    sheet = workbook["Actions"]
    columns = {c: i for i, c in enumerate(followup.LOG_COLUMNS, start=1)}
    for row, values in rows.items():
        for column, value in values.items():
            sheet.cell(row=row, column=columns[column], value=value)
    target = tmp_path / "returned" / name
    target.parent.mkdir(exist_ok=True)
    workbook.save(target)
    return target


def test_bad_rows_are_rejected_with_reasons(tmp_path):
    path = _returned(tmp_path, {
        2: {"status": "Done", "owner": "Ann", "date": dt.date(2026, 8, 1)},      # good
        3: {"status": "finished", "date": dt.date(2027, 1, 5)},                  # two reasons
        4: {"status": "planned", "action_id": "0123456789ab"},                   # edited id
        5: {"action_id": action_id("Support", "fix_driver", "x"), "quarter": "2026Q2",
            "team": "Support", "rule": "fix_driver", "subject": "x", "owner": "Bo"},  # no status
        6: {"action_id": action_id("Ghost", "fix_driver", "x"), "quarter": "2026Q2",
            "team": "Ghost", "rule": "fix_driver", "subject": "x", "status": "done"},  # unknown team
        7: {"action_id": action_id("Support", "fix_driver", "y"), "quarter": "Q2",
            "team": "Support", "rule": "fix_driver", "subject": "y", "status": "done",
            "date": "next week"}})
    accepted, rejected = followup.check_returns(followup.read_returned_log(path),
                                                teams=["Support", "Sales"], today=TODAY)
    assert accepted["source_row"].tolist() == [2]
    assert accepted.iloc[0][["status", "owner", "date"]].tolist() == ["done", "Ann", "2026-08-01"]
    reasons = dict(zip(rejected["source_row"], rejected["reason"]))
    assert set(reasons) == {3, 4, 5, 6, 7}
    assert "unknown status 'finished'" in reasons[3] and "in the future" in reasons[3]
    assert "unknown action id '0123456789ab'" in reasons[4]
    assert reasons[5].startswith("no status")
    assert "unknown action id" in reasons[6]
    assert "unknown quarter 'Q2'" in reasons[7] and "'next week' is not a date" in reasons[7]
    # What the owner typed is kept in the rejected file.
    assert rejected.set_index("source_row").loc[3, "status"] == "finished"


def test_history_keeps_every_return_and_the_latest_wins(tmp_path):
    build = tmp_path / "build"
    first = _returned(tmp_path, {2: {"status": "planned", "owner": "Ann"}}, name="a.xlsx")
    store.write_quarter_log(build, "2026Q2", {"Support": _actions()})  # the build's own log
    returns = store.read_returns(build, first.parent, teams=["Support"], today=TODAY)
    assert returns.latest["status"].tolist() == ["planned"]
    # A later return of the same action by CSV, with the id alone (the build issued it).
    later = first.parent / "b.csv"
    pd.DataFrame({"action_id": [_actions()["action_id"].iloc[0]], "status": ["done"],
                  "date": ["2026-09-01"], "note": ["-fixed the template"]}).to_csv(later, index=False)
    stamp = first.stat().st_mtime + 60
    import os

    os.utime(later, (stamp, stamp))
    returns = store.read_returns(build, first.parent, teams=["Support"], today=TODAY)
    latest = returns.latest.set_index("action_id").iloc[0]
    assert (latest["status"], latest["quarter"], latest["team"]) == ("done", "2026Q2", "Support")
    assert latest["note"] == "-fixed the template"
    assert sorted(returns.history["status"]) == ["done", "planned"]
    # Read again: nothing doubles; the returned files gone, the history still holds both.
    assert len(store.read_returns(build, first.parent, teams=["Support"], today=TODAY).history) == 2
    for path in first.parent.iterdir():
        path.unlink()
    kept = store.read_returns(build, first.parent, teams=["Support"], today=TODAY)
    assert len(kept.history) == 2 and kept.latest["status"].tolist() == ["done"]
    assert unsafe_cells(build / "actions" / "history.csv") == []


def test_untouched_rows_are_not_entries(tmp_path):
    path = _returned(tmp_path, {})
    accepted, rejected = followup.check_returns(followup.read_returned_log(path),
                                                teams=["Support"], today=TODAY)
    assert accepted.empty and rejected.empty


# ----------------------------------------------------------------------------- statistics
def test_newcombe_interval_matches_newcombe_1998():
    # Newcombe (1998), Statistics in Medicine 17:873-890, Table II, method 10.
    assert np.round(newcombe_interval(56, 70, 48, 80), 4).tolist() == [0.0524, 0.3339]
    assert np.round(newcombe_interval(9, 10, 3, 10), 4).tolist() == [0.1705, 0.8090]


def test_share_change_tests_match_the_formulas():
    # DERIVED by hand: pooled z for 56/70 against 48/80 (what R's prop.test(correct = FALSE)
    # reports as X-squared = z^2), two-sided normal p-value.
    import math

    pooled = 104 / 150
    z = (56 / 70 - 48 / 80) / math.sqrt(pooled * (1 - pooled) * (1 / 70 + 1 / 80))
    row = share_change(48, 80, 56, 70)
    assert row["test"] == "two-proportion z-test"
    assert row["p_value"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-9)
    assert z ** 2 == pytest.approx(7.0234, abs=1e-4) and row["change"] == pytest.approx(20.0)
    # Exact enumeration: Fisher's two-sided p for 7/16 then against 1/16 now sums the
    # hypergeometric probabilities of every table with the same margins no likelier than it.
    def prob(k):  # k of the 8 mentions fall in the first quarter
        return math.comb(16, k) * math.comb(16, 8 - k) / math.comb(32, 8)

    observed = prob(7)
    exact = sum(prob(k) for k in range(9) if prob(k) <= observed * (1 + 1e-7))
    small = share_change(7, 16, 1, 16)
    assert small["test"] == "Fisher's exact test"
    assert small["p_value"] == pytest.approx(exact, rel=1e-9)
    assert exact == pytest.approx(0.0373, abs=1e-4)


def test_mean_change_matches_r_welch():
    # R: t.test(extra ~ group, data = sleep): t = -1.8608, df = 17.776, p-value = 0.07939,
    # 95 percent CI -3.3654832 0.2054832 (group 1 minus group 2).
    group1 = pd.Series([0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0])
    group2 = pd.Series([1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4])
    row = mean_change(group2, group1)  # now = group 1, then = group 2
    assert row["p_value"] == pytest.approx(0.07939, abs=5e-6)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((-3.3654832, 0.2054832), abs=1e-6)


def test_share_test_size_and_interval_coverage_when_nothing_changed():
    # 4,000 seeded pairs of quarters with the same true share (30%, 40 and 60 commenting
    # detractors): Monte-Carlo SE of a 5% rate is 0.34 points, of a 95% coverage 0.34 points.
    rng = np.random.default_rng(18)
    n_then, n_now, p, reps = 40, 60, 0.30, 4000
    k_then, k_now = rng.binomial(n_then, p, reps), rng.binomial(n_now, p, reps)
    rows = [share_change(a, n_then, b, n_now) for a, b in zip(k_then, k_now)]
    rejected = np.mean([r["p_value"] < 0.05 for r in rows])
    covered = np.mean([r["ci_low"] <= 0 <= r["ci_high"] for r in rows])
    assert 0.035 <= rejected <= 0.065
    assert covered >= 0.93


# ----------------------------------------------------------------------------- the follow-up
def _responses(share: float, *, n_detractors=60, seed=0):
    """Detractors who all comment: ``share`` of them about billing errors, the rest about delays."""
    k = int(round(share * n_detractors))
    comments = ["the invoice was wrong, billing error again"] * k + ["delivery was late"] * (n_detractors - k)
    frame = pd.DataFrame({"score": [2] * n_detractors + [9] * 40,
                          "comment": comments + ["great"] * 40,
                          "support_speed": np.random.default_rng(seed).integers(3, 8, n_detractors + 40)})
    return frame


def _latest(status="done", rule="fix_pain_point", subject="billing errors", quarter="2026Q2"):
    return pd.DataFrame([{"action_id": action_id("T", rule, subject), "quarter": quarter,
                          "team": "T", "rule": rule, "subject": subject, "title": "Fix it",
                          "status": status, "owner": "Ann", "date": "2026-08-01", "note": ""}])


def test_followup_says_significant_when_the_share_fell_and_not_when_it_did_not():
    then = _responses(0.40)
    fell = followup.followup_table(_latest(), team="T", quarter="2026Q3",
                                   then_responses=lambda q: then, now_responses=_responses(0.10))
    row = fell.iloc[0]
    assert row["sentence"] == ("Billing errors: 40% -> 10% of commenting detractors "
                               "(significant, p < 0.001)")
    assert row["ci_high"] < 0 and row["verdict"] == "significant"
    same = followup.followup_table(_latest(), team="T", quarter="2026Q3",
                                   then_responses=lambda q: then, now_responses=_responses(0.35))
    assert same.iloc[0]["sentence"].startswith(
        "Billing errors: 40% -> 35% of commenting detractors (not significant, p = 0.")
    assert same.iloc[0]["ci_low"] < 0 < same.iloc[0]["ci_high"]


def test_followup_says_too_few_below_the_floor_and_flags_repeats():
    small = _responses(0.5, n_detractors=4)
    current = pd.DataFrame({"action_id": [action_id("T", "fix_pain_point", "billing errors")]})
    table = followup.followup_table(_latest(), team="T", quarter="2026Q3",
                                    then_responses=lambda q: small, now_responses=_responses(0.1),
                                    current_actions=current, display_floor=5)
    row = table.iloc[0]
    assert row["verdict"] == "too few" and "too few commenting detractors" in row["sentence"]
    assert row["recommended_again"]
    from nps_report import render

    page = render.action_followup(table)._repr_html_()
    assert "worth a second look" in page and "too few" in page


def test_followup_of_a_driver_uses_welch_and_skips_later_or_other_statuses():
    then, now = _responses(0.4, seed=1), _responses(0.4, seed=2)
    now["support_speed"] = now["support_speed"] + 2
    latest = pd.concat([_latest(rule="fix_driver", subject="support_speed"),
                        _latest(status="planned", subject="other"),
                        _latest(quarter="2026Q3", subject="later")], ignore_index=True)
    table = followup.followup_table(latest, team="T", quarter="2026Q3",
                                    then_responses=lambda q: then, now_responses=now)
    assert len(table) == 1 and table.attrs["other"] == {"planned": 1}
    row = table.iloc[0]
    assert row["test"] == "Welch's t-test" and row["verdict"] == "significant"
    assert row["sentence"].startswith("Support speed: mean rating ")
    assert row["change"] == pytest.approx(2.0, abs=0.5)


def test_empty_followup_renders_a_plain_sentence():
    from nps_report import render

    table = followup.followup_table(pd.DataFrame(columns=store.HISTORY_COLUMNS), team="T",
                                    quarter="2026Q3", then_responses=lambda q: None,
                                    now_responses=_responses(0.2))
    assert table.empty
    assert "nothing to follow up yet" in render.action_followup(table)._repr_html_()


# ----------------------------------------------------------------------------- the demo story
def test_demo_log_holds_actions_the_demo_recommended_and_the_theme_truly_fell(tmp_path):
    ctx = context.demo_context()
    team = demo.DEMO_STORY["followed_up_team"]
    q2 = team_tables(ctx, team=team, quarter="2026Q2")
    path = write_demo_action_log(tmp_path)
    accepted, rejected = followup.check_returns(followup.read_returned_log(path), teams=[team],
                                                today=TODAY)
    assert rejected.empty and len(accepted) == len(DEMO_ACTIONS)
    assert set(accepted["action_id"]) <= set(q2.actions["action_id"])
    q3 = team_tables(ctx, team=team, quarter="2026Q3")
    latest = accepted.assign(received="2026-10-01")
    table = followup.followup_table(
        latest, team=team, quarter="2026Q3", then_responses=lambda q: q2.responses,
        now_responses=q3.responses, current_actions=q3.actions)
    rows = table.set_index("subject")
    theme = demo.DEMO_STORY["followed_up_theme"]
    assert rows.loc[theme, "verdict"] == "significant" and rows.loc[theme, "change"] < 0
    assert rows.loc["billing errors", "verdict"] == "not significant"
    assert rows.loc["billing errors", "recommended_again"]
