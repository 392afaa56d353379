"""Report tables: one way to compute each report, one verdict per change, save/load, windows.

All on the in-memory demo context (``context.load_context(None)``), as an analyst opening a
template in JupyterLab gets it.
"""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest

from nps_report import actions, context, demo, params, schema
from nps_report.options import ReportOptions, Windows
from nps_report.tables import (build, department_tables, load_build_tables, load_report_tables,
                               overview_tables, printed_build_rows, team_tables, themes_change)
from nps_report.tables.saving import tables_equal

QUARTER = demo.DEMO_STORY["last_quarter"]
TEAM = "Billing Operations"
VERDICT = ["comparison", "base_quarter", "diff", "p_value", "p_adjusted", "significant",
           "sentence", "family"]


@pytest.fixture(scope="module")
def ctx():
    return context.load_context(None)


def fresh(ctx):
    """The same context with nothing computed yet (its build tables cache is not copied)."""
    return dataclasses.replace(ctx)


@pytest.fixture(scope="module")
def all_team_tables(ctx):
    teams = ctx.build_tables(QUARTER).nps.query("level == 'team'")["team"]
    return {team: team_tables(ctx, team=team, quarter=QUARTER) for team in teams}


# ------------------------------------------------------------------------------ one way to compute
def test_actions_come_from_the_drivers_and_themes_whatever_ran_before(ctx):
    """The issue's scenario: the actions cell alone gave 3 actions instead of 5. Now there is one
    computation, so the actions alone are the full report's actions."""
    first = team_tables(fresh(ctx), team=TEAM, quarter=QUARTER)
    titles = first.actions["title"].tolist()
    assert "Fix the recurring pain point: Billing errors" in titles
    assert "Improve Support speed" in titles
    assert len(first.actions) >= 5  # 6 with the issue-15 taxonomy (waiting and delays)
    # A second, fresh computation gives the same table.
    again = team_tables(fresh(ctx), team=TEAM, quarter=QUARTER)
    pd.testing.assert_frame_equal(first.actions, again.actions)
    # ... and the same as ranking the report's own drivers and themes tables directly.
    bt = ctx.build_tables(QUARTER)
    follow = bt.followup.set_index("team").loc[TEAM]
    direct = actions.recommend(
        team_row=first.headline.iloc[0], themes=first.themes, drivers=first.drivers,
        changes=first.changes, followup=follow.to_dict(), anomalies=first.anomalies,
        previous_themes=first.previous_themes, rules=ctx.action_rules(),
        display_floor=first.options.display_floor, team=TEAM)
    # (the report's table adds each action's stable id, the action log's key)
    pd.testing.assert_frame_equal(first.actions.drop(columns="action_id"), direct)


def test_the_actions_section_renders_the_tables_actions(ctx):
    """Rendering reads the tables; it computes nothing of its own."""
    from nps_report import render

    tables = team_tables(fresh(ctx), team=TEAM, quarter=QUARTER)
    html = render.actions(tables)._repr_html_()  # no drivers or themes section rendered before
    for title in tables.actions["title"]:
        assert render.esc(title) in html


# ------------------------------------------------------------------------------ one verdict
def test_every_change_has_one_verdict_in_team_department_and_overview(ctx, all_team_tables):
    bt = ctx.build_tables(QUARTER)
    overview = overview_tables(ctx, quarter=QUARTER)
    departments = {d: department_tables(ctx, department=d, quarter=QUARTER)
                   for d in bt.nps.query("level == 'department'")["department"]}
    movers = overview.movers.set_index(["team", "comparison"])
    checked_movers = 0
    for team, t in all_team_tables.items():
        assert len(t.changes) == 2 and set(t.changes["family"]) == {build.FAMILY_TEAMS}
        mine = t.changes.set_index("comparison")[VERDICT[1:]]
        dept = departments[t.department].team_changes
        theirs = dept[dept["team"] == team].set_index("comparison")[VERDICT[1:]]
        pd.testing.assert_frame_equal(mine, theirs)
        for comparison, row in mine.iterrows():
            if (team, comparison) in movers.index:
                checked_movers += 1
                pd.testing.assert_series_equal(
                    movers.loc[(team, comparison), VERDICT[1:]], row, check_names=False)
            elif row["significant"]:
                # Not listed only because the overview lists the largest MOVERS changes.
                assert len(movers) == 10
                assert abs(row["diff"]) <= movers["diff"].abs().min()
    assert checked_movers == len(movers) > 0
    # One family of every team's QoQ and YoY tests for the build and quarter.
    family = bt.families.set_index("family").loc[build.FAMILY_TEAMS]
    assert family["tests"] == bt.changes.query("level == 'team'")["p_value"].notna().sum()
    # The departments' and the company's own changes: a second family, read the same way.
    own = bt.families.set_index("family").loc[build.FAMILY_OWN]
    assert own["tests"] == bt.changes.query("level != 'team'")["p_value"].notna().sum() > 0
    for name, d in departments.items():
        assert set(d.changes["family"]) == {build.FAMILY_OWN}
        rows = bt.changes[(bt.changes["level"] == "department") & (bt.changes["department"] == name)]
        assert d.changes["sentence"].tolist() == rows["sentence"].tolist()
    assert set(overview.changes["family"]) == {build.FAMILY_OWN}


def test_the_issues_onboarding_change_reads_the_same_everywhere(ctx, all_team_tables):
    """Raw p 0.019: once 'significant' in its team report and 'not significant' elsewhere."""
    t = all_team_tables["Onboarding"]
    qoq = t.changes.set_index("comparison").loc["vs previous quarter"]
    d = department_tables(ctx, department=t.department, quarter=QUARTER).team_changes
    there = d[(d["team"] == "Onboarding")].set_index("comparison").loc["vs previous quarter"]
    assert qoq["sentence"] == there["sentence"]
    assert bool(qoq["significant"]) == bool(there["significant"])
    movers = overview_tables(ctx, quarter=QUARTER).movers
    listed = movers[(movers["team"] == "Onboarding") & (movers["comparison"] == "vs previous quarter")]
    assert len(listed) == int(bool(qoq["significant"]))


def test_department_actions_are_actions_its_teams_reports_show(ctx, all_team_tables):
    keys = ["rule", "subject", "title", "why", "evidence"]
    for department in ctx.build_tables(QUARTER).nps.query("level == 'department'")["department"]:
        d = department_tables(ctx, department=department, quarter=QUARTER)
        assert not d.actions.empty
        for _, row in d.actions.iterrows():
            team = all_team_tables[row["team"]]
            assert team.department == department
            shown = team.actions[keys].astype(str).apply(tuple, axis=1).tolist()
            assert tuple(row[keys].astype(str)) in shown, (department, row["title"])


def test_a_department_in_a_build_reads_its_teams_saved_tables(ctx, tmp_path):
    """In a build, the department gathers the actions saved beside its teams' reports."""
    folder = tmp_path / "build"
    folder.mkdir()
    context.write_responses(ctx.responses(), folder / context.RESPONSES_FILE)
    built = dataclasses.replace(ctx, data_path=str(folder / context.RESPONSES_FILE), _frame=None)
    build.write_build_tables(ctx.responses(), [QUARTER], ctx.options, ctx.action_rules(), folder)
    assert (folder / "tables" / QUARTER / "nps.parquet").exists()
    assert (folder / "anomalies.csv").exists()
    finance = ctx.build_tables(QUARTER).nps.query("level == 'team' and department == 'Finance'")["team"]
    for i, team in enumerate(finance):
        t = team_tables(built, team=team, quarter=QUARTER)
        if team == TEAM:  # what this team's report showed: its top action only
            t = dataclasses.replace(t, actions=t.actions.head(1))
        t.save(folder / QUARTER / "teams" / f"folder-{i}")
    d = department_tables(built, department="Finance", quarter=QUARTER)
    mine = d.actions[d.actions["team"] == TEAM]
    assert mine["title"].tolist() == ["Fix the recurring pain point: Billing errors"]


def test_close_the_loop_is_drawn_up_once_per_team(ctx, monkeypatch):
    """Not three times per build: the build tables keep the follow-up counts, reports read them."""
    from nps_report import closeloop

    calls = []
    original = closeloop.close_the_loop
    monkeypatch.setattr(closeloop, "close_the_loop",
                        lambda *a, **k: calls.append(k["team"]) or original(*a, **k))
    mine = fresh(ctx)
    teams = mine.build_tables(QUARTER).nps.query("level == 'team'")["team"]
    # once per team, or (no returned workbook) once for every team's rows together
    assert sorted(calls) in (sorted(teams), ["all teams"])
    drawn = list(calls)
    team_tables(mine, team=TEAM, quarter=QUARTER)
    department_tables(mine, department="Finance", quarter=QUARTER)
    assert calls == drawn


# ------------------------------------------------------------------------------ save and load
def test_report_tables_round_trip_through_parquet(ctx, tmp_path):
    for name, tables in [("team", team_tables(ctx, team=TEAM, quarter=QUARTER)),
                         ("department", department_tables(ctx, department="Finance", quarter=QUARTER)),
                         ("overview", overview_tables(ctx, quarter=QUARTER))]:
        assert tables.save(tmp_path / name) == tmp_path / name / "tables"
        assert (tmp_path / name / "tables" / "tables.json").exists()
        back = load_report_tables(tmp_path / name)
        assert type(back) is type(tables)
        if name == "team":  # the responses name customers: never written
            assert back.responses.empty
            back = dataclasses.replace(back, responses=tables.responses)
        for item in dataclasses.fields(tables):
            value, loaded = getattr(tables, item.name), getattr(back, item.name)
            if isinstance(value, pd.DataFrame):
                pd.testing.assert_frame_equal(value.reset_index(drop=True), loaded, obj=item.name)
                for key, attr in value.attrs.items():  # plain attributes come back
                    if isinstance(attr, (str, int, float, bool)) and attr == attr:
                        assert loaded.attrs[key] == attr, (item.name, key)
            else:
                assert loaded == value, item.name
        assert tables_equal(tables, back)
    # The drivers' attributes (status, r2, splits) survive, so charts draw from loaded tables.
    team = load_report_tables(tmp_path / "team")
    assert team.drivers.attrs["status"] == "ok" and team.drivers_status == "ok"
    assert team.themes.attrs["n_commented"] > 0


def test_build_tables_round_trip(ctx, tmp_path):
    bt = ctx.build_tables(QUARTER)
    bt.save(tmp_path)
    back = load_build_tables(tmp_path, QUARTER)
    assert tables_equal(bt, back)
    for item in dataclasses.fields(bt):
        value = getattr(bt, item.name)
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(value.reset_index(drop=True), getattr(back, item.name))
    assert back.options == ctx.options


# ------------------------------------------------------------------------------ current responses
def test_a_rolling_window_is_the_current_responses_of_every_section(ctx):
    windowed = dataclasses.replace(ctx, options=ctx.options.model_copy(update={
        "windows": Windows(rolling_days=30)}))
    t = team_tables(windowed, team=TEAM, quarter=QUARTER)
    plain = team_tables(ctx, team=TEAM, quarter=QUARTER)
    n = len(t.responses)
    assert 0 < n < len(plain.responses)
    assert int(t.headline["n"].iloc[0]) == n
    assert int(t.comparison.set_index("level").loc["team", "n"]) == n
    assert set(t.gaps["n"]) == {n}
    assert int(t.rank["n"].iloc[0]) == n
    assert int(t.changes["n"].iloc[0]) == n  # the current side of each change
    assert int(t.data_quality["used"].iloc[0]) == n
    # The department and company the team is compared with are windowed too.
    bt = windowed.build_tables(QUARTER)
    company = bt.nps_row("company")
    assert int(t.comparison.set_index("level").loc["company", "n"]) == int(company["n"])
    assert int(t.gaps.set_index("level").loc["company", "level_n"]) == int(company["n"])
    assert int(company["n"]) < int(ctx.build_tables(QUARTER).nps_row("company")["n"])


@pytest.mark.parametrize("window", [Windows(), Windows(rolling_days=45)])
def test_comparisons_from_the_build_rows_equal_the_benchmark_functions(ctx, window):
    """The team's comparison and gaps are the build's rows: the same numbers as
    internal_benchmarks / team_vs_rest on every team's current responses."""
    from nps_report import benchmarks

    mine = dataclasses.replace(ctx, options=ctx.options.model_copy(update={"windows": window}))
    t = team_tables(mine, team=TEAM, quarter=QUARTER)
    current = build.current_responses(ctx.responses(), quarter=QUARTER, options=mine.options)[0]
    current = build.as_quarter(current, QUARTER)
    expected = benchmarks.internal_benchmarks(current, team=TEAM, quarter=QUARTER,
                                              **mine.options.interval_kwargs())
    pd.testing.assert_frame_equal(t.comparison, expected, check_dtype=False)
    gaps = benchmarks.team_vs_rest(current, quarter=QUARTER, team=TEAM,
                                   level=["department", "company"], **mine.options.changes_kwargs())
    pd.testing.assert_frame_equal(t.gaps.drop(columns="family"), gaps, check_dtype=False)
    assert set(t.gaps["family"]) == {build.FAMILY_GAPS}


def test_current_responses_is_the_quarter_without_a_window(ctx):
    rows, expired, note = build.current_responses(ctx.responses(), quarter=QUARTER,
                                                  options=ctx.options)
    assert (rows[schema.QUARTER] == QUARTER).all() and expired == 0 and note == ""
    assert len(rows) == int(ctx.build_tables(QUARTER).nps_row("company")["n"])


# ------------------------------------------------------------------------------ fingerprints
def test_printed_build_rows_cover_what_a_team_report_prints(ctx):
    bt = ctx.build_tables(QUARTER)
    rows = printed_build_rows(bt, kind="team", team=TEAM)
    nps = rows[rows["table"] == "nps"]
    assert set(nps["level"]) == {"team", "department", "company"}
    assert set(nps.loc[nps["level"] == "department", "department"]) == {"Finance"}
    assert len(rows[rows["table"] == "changes"]) == 2
    # Printed as rounded: a change below half a point of another team's NPS changes nothing.
    nudged = bt.nps.copy()
    other = (nudged["level"] == "team") & (nudged["team"] == "Payments Desk")
    nudged.loc[other, "nps"] += 1e-6
    same = printed_build_rows(dataclasses.replace(bt, nps=nudged), kind="team", team=TEAM)
    pd.testing.assert_frame_equal(rows, same)
    # The department's NPS moving by a point changes the team report's rows.
    moved = bt.nps.copy()
    moved.loc[(moved["level"] == "department") & (moved["department"] == "Finance"), "nps"] += 1
    assert not rows.equals(printed_build_rows(dataclasses.replace(bt, nps=moved), kind="team", team=TEAM))
    for kind, kwargs in (("department", {"department": "Finance"}), ("overview", {})):
        assert not printed_build_rows(bt, kind=kind, **kwargs).empty


# ------------------------------------------------------------------------------ themes that grew
def test_themes_change_names_what_grew_for_the_declining_team(ctx):
    history = ctx.responses(teams=[TEAM])
    now = history[history[schema.QUARTER] == QUARTER]
    before = history[history[schema.QUARTER] == schema.previous_quarter(QUARTER)]
    table = themes_change(now, before, taxonomy=ctx.options.themes)
    assert table.columns.tolist()[:3] == ["theme", "label", "polarity"]
    top = table.iloc[0]
    assert top["theme"] == "billing errors" and top["change"] > 5
    row = table.set_index("theme").loc["billing errors"]
    assert row["change"] == pytest.approx(row["share"] - row["share_before"])
    # The decline action quotes the same growth.
    decline = team_tables(ctx, team=TEAM, quarter=QUARTER).actions.query("rule == 'investigate_decline'")
    assert f"from {row['share_before']:.0f}% to {row['share']:.0f}%" in decline["why"].iloc[0]


# ------------------------------------------------------------------------------ options
def test_options_defaults_are_written_once_and_travel_as_json(tmp_path):
    build_file = params.parse_params({"data": {"path": "x.csv"}})
    assert build_file.report_options() == ReportOptions()
    assert params.StatsOptions().confidence == ReportOptions().confidence
    assert params.Comparisons().fdr == ReportOptions().fdr
    own = params.parse_params({"data": {"path": "x.csv"}, "stats": {"display_floor": 12},
                               "windows": {"rolling_days": 60}, "themes": "t.yaml"})
    options = own.report_options(tmp_path)
    assert options.display_floor == 12 and options.windows.rolling_days == 60
    assert options.themes == str(tmp_path / "t.yaml")
    written = context.ReportContext(build="b", data_path=None, options=options, counts={})
    path = context.write_context(written, tmp_path)
    back = context.load_context(path)
    assert back.options == options and isinstance(back.options, ReportOptions)
    assert json.loads(path.read_text())["options"]["windows"]["rolling_days"] == 60


# ------------------------------------------------------------------------------ examples
@pytest.mark.parametrize("module", ["nps_report.options", "nps_report.params",
                                    "nps_report.tables", "nps_report.tables.build",
                                    "nps_report.tables.team", "nps_report.tables.department",
                                    "nps_report.tables.overview", "nps_report.tables.saving",
                                    "nps_report.tables.theme_change"])
def test_docstring_examples_run(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_printed_build_rows_carry_the_test_and_what_a_team_could_detect(ctx):
    """The headline prints each change's minimum detectable effect and sample sizes, and the
    notes name the test: the fingerprint rows hold them, rounded as printed."""
    bt = ctx.build_tables(QUARTER)
    rows = printed_build_rows(bt, kind="team", team=TEAM)
    changes = rows[rows["table"] == "changes"]
    assert set(changes["test"]) == {"score"}
    mine = bt.changes[(bt.changes["level"] == "team") & (bt.changes["team"] == TEAM)]
    assert changes["mde"].astype(float).tolist() == [round(float(v)) for v in mine["mde"]]
    assert changes["n"].astype(float).tolist() == mine["n"].astype(float).tolist()
    # a change in what the team could detect (another base quarter size) changes the rows
    moved = bt.changes.copy()
    moved.loc[(moved["level"] == "team") & (moved["team"] == TEAM), "mde"] += 3
    assert not rows.equals(printed_build_rows(dataclasses.replace(bt, changes=moved),
                                              kind="team", team=TEAM))
    assert set(rows.loc[rows["table"] == "gaps", "test"]) == {"score"}
