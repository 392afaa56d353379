"""data.join: side files joined by a key under a declared policy for several rows per key;
every response kept (or rejected with a reason), every decision counted and said."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from nps_report import io, params
from nps_report.exceptions import DataError, ParamsError

RESPONSES = """\
response_id,user_id,submitted_at,score,comment
r1,u1,2026-07-01,9,Fast
r2,u2,2026-07-02,3,Slow
r3,u3,2026-07-03,10,
r4,u4,2026-07-04,7,ok
r5,u5,2026-07-05,6,no segment row
r6,,2026-07-06,8,no user id
r7,u1,2026-07-07,2,second answer of u1
"""
# u1: two rows that disagree (Enterprise is the latest, written first); u2: the same row
# twice; u3, u4: one row; u5: none; a row without a key.
SEGMENTS = """\
id,plan,role,updated
u1,Enterprise,Admin,2026-06-30
u2,Basic,User,2026-01-01
u3,Pro,User,2026-02-01
u1,Pro,User,2026-03-15
u4,Basic,Admin,2026-05-01
u2,Basic,User,2026-01-01
,Pro,User,2026-04-01
"""
TEAMS = json.dumps([{"user": "u1", "team": "North"}, {"user": "u2", "team": "South"},
                    {"user": "u3", "team": "North"}, {"user": "u4", "team": "South"},
                    {"user": "u5", "team": "South"}])


@pytest.fixture
def files(tmp_path):
    (tmp_path / "responses.csv").write_text(RESPONSES)
    (tmp_path / "segments.csv").write_text(SEGMENTS)
    (tmp_path / "teams.json").write_text(TEAMS)
    return tmp_path


def build_file(folder, conflict, *, how="left", extra=""):
    """A build file joining the segments (several rows per key) and the teams (JSON)."""
    date = "\n      date: updated" if conflict == "latest" else ""
    path = folder / f"build_{conflict}_{how}.yaml"
    path.write_text(f"""\
data:
  path: {folder / 'responses.csv'}
  join:
    - path: {folder / 'segments.csv'}
      on: {{user_id: id}}
      columns: [plan, role]
      how: {how}
      conflict: {conflict}{date}
    - path: {folder / 'teams.json'}
      on: {{user_id: user}}
      columns: {{team: user_team}}
  columns: {{user_team: team, plan: plan, role: role}}
  segments: [plan, role]
{extra}""")
    return params.load_params(path)


def test_conflict_error_stops_and_names_file_key_and_examples(files):
    with pytest.raises(DataError) as info:
        io.load_responses(build_file(files, "error"))
    message = str(info.value)
    assert "segments.csv" in message and "'id'" in message and "2 values" in message
    assert "'u1' (2 rows)" in message and "1 with differing values" in message
    assert "conflict: latest" in message and "conflict: first" in message


@pytest.mark.parametrize("conflict,u1_plan", [("first", "Enterprise"), ("latest", "Enterprise")])
def test_each_policy_conserves_rows_and_says_what_it_did(files, conflict, u1_plan):
    result = io.load_responses(build_file(files, conflict))
    c = result.counts
    assert c["rows_read"] == 7 == c["accepted"] + c["rejected"] + c["exact_duplicates"] + \
        c["repeated_response_ids"] + c["superseded"]
    assert c["accepted"] == 6 and c["rejected"] == 1    # r6: no user id, so no team: rejected for that
    by_id = result.responses.set_index("response_id")
    assert by_id.loc["r1", "plan"] == by_id.loc["r7", "plan"] == u1_plan
    assert pd.isna(by_id.loc["r5", "plan"])              # unmatched: kept, blank
    assert by_id.loc["r5", "team"] == "South"            # ... and still has its team
    assert list(result.responses.team) == ["North", "South", "North", "South", "South", "North"]
    assert result.segments == ["plan", "role"]
    segments, teams = result.joins
    assert (segments.several, segments.differing, segments.set_aside, segments.blank_keys) == (2, 1, 2, 1)
    assert (segments.matched, segments.unmatched) == (5, 2)   # r5 (u5 has no row) and r6 (no id)
    assert (teams.matched, teams.unmatched, teams.several) == (6, 1, 0)
    summary = result.summary()
    assert "joined segments.csv on user_id = id (plan, role): 5 of 7 responses matched" in summary
    assert "2 unmatched kept with blanks" in summary
    kept = "the first row in the file kept" if conflict == "first" else "the row with the latest date kept"
    assert f"2 keys with several rows (1 with differing values), {kept}, 2 rows set aside" in summary
    assert "1 side rows without a key ignored" in summary
    assert "joined teams.json on user_id = user (user_team): 6 of 7" in summary


def test_latest_takes_the_latest_date_not_the_file_order(files):
    # Swap the dates of u1's rows: now the Pro row (second in the file) is the latest.
    swapped = SEGMENTS.replace("Enterprise,Admin,2026-06-30", "Enterprise,Admin,2026-03-15") \
                      .replace("Pro,User,2026-03-15", "Pro,User,2026-06-30")
    (files / "segments.csv").write_text(swapped)
    latest = io.load_responses(build_file(files, "latest")).responses.set_index("response_id")
    first = io.load_responses(build_file(files, "first")).responses.set_index("response_id")
    assert latest.loc["r1", "plan"] == "Pro" and latest.loc["r1", "role"] == "User"
    assert first.loc["r1", "plan"] == "Enterprise"


def test_latest_counts_rows_without_a_readable_date_as_oldest(files):
    (files / "segments.csv").write_text(SEGMENTS.replace("Pro,User,2026-03-15", "Pro,User,not a date"))
    result = io.load_responses(build_file(files, "latest"))
    assert result.responses.set_index("response_id").loc["r1", "plan"] == "Enterprise"
    assert result.joins[0].undated == 1 and "1 side rows without a readable date" in result.summary()


def test_inner_join_rejects_unmatched_responses_with_the_reason(files):
    result = io.load_responses(build_file(files, "first", how="inner"))
    c = result.counts
    assert c["rows_read"] == 7 == c["accepted"] + c["rejected"] and c["accepted"] == 5
    reasons = dict(zip(result.rejected["response_id"], result.rejected["reason"]))
    assert reasons == {"r5": "no row in segments.csv for user_id 'u5'",
                       "r6": "no user_id to join segments.csv on"}
    assert "2 unmatched rejected (how: inner)" in result.summary()


def test_build_log_says_what_the_join_did(files, capsys):
    from nps_report.pipeline import run_build

    build = build_file(files, "latest", extra=f"output_dir: {files / 'out'}\nquarters: [2026Q3]\n")
    run_build(build, dry_run=True)
    log = capsys.readouterr().err
    assert "rows read 7: accepted 6, rejected 1" in log
    assert "joined segments.csv on user_id = id" in log and "the row with the latest date kept" in log


@pytest.mark.parametrize("change,match,named", [
    ({"path": "missing.csv"}, "file not found", "missing.csv"),
    ({"on": {"customer": "id"}}, "the responses have no column 'customer' to join on", "segments.csv"),
    ({"on": {"user_id": "customer"}}, "no key column 'customer' in this file", "segments.csv"),
    ({"columns": ["plan", "tier"]}, "no column 'tier' in this file", "segments.csv"),
    ({"columns": {"plan": "comment"}}, "'comment' of this file is already a column of the responses",
     "segments.csv"),
])
def test_join_errors_name_the_file_and_the_key(files, change, match, named):
    spec = {"path": str(files / "segments.csv"), "on": {"user_id": "id"}, "conflict": "first", **change}
    if change.get("path"):
        spec["path"] = str(files / change["path"])
    source = params.DataSource(path=str(files / "responses.csv"), join=[spec], constants={"team": "T"})
    with pytest.raises(DataError, match=match) as info:
        io.load_source(source)
    assert named in str(info.value)


def test_join_keys_are_checked_in_the_build_file(tmp_path):
    with pytest.raises(ParamsError, match="conflict: latest needs 'date'"):
        params.parse_params({"data": {"path": "x.csv", "join": [
            {"path": "s.csv", "on": "id", "conflict": "latest"}]}})
    with pytest.raises(ParamsError, match="data.join.0.how"):
        params.parse_params({"data": {"path": "x.csv", "join": [{"path": "s.csv", "on": "id", "how": "outer"}]}})
