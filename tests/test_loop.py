"""Closing the loop case by case: the lead's workbook, returns validated and merged, loop
figures, "did calling back help?", carried-over cases, and no customer on any page."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from nps_report import loop, params, stats
from nps_report.spreadsheets import unsafe_cells

QUARTER_BEFORE, QUARTER = "2026Q2", "2026Q3"


def cases_data(n=12, team="A", quarter="2026Q3", day="2026-08-03"):
    """``n`` detractors (scores 0-6) and two promoters of one team, one an hour apart."""
    start = pd.Timestamp(f"{day}T09:00:00Z")
    scores = [i % 7 for i in range(n)] + [9, 10]
    return pd.DataFrame({
        "team": team, "department": "Ops", "quarter": quarter,
        "response_id": [f"RESP-{team}-{quarter}-{i:03d}" for i in range(n + 2)],
        "respondent_id": [f"CUST-{team}-{i:03d}" for i in range(n + 2)],
        "submitted_at": [start + pd.Timedelta(hours=i) for i in range(n + 2)],
        "score": scores, "comment": [f"comment {i}" for i in range(n + 2)],
        "email": [f"cust{i}.{team.lower()}@example.com" for i in range(n + 2)]})


def lead_workbook(data, folder, team="A", quarter="2026Q3"):
    """The workbook the build gives the lead (from the canonical rows), and its column numbers."""
    from nps_report import closeloop

    detractors, promoters = closeloop.close_the_loop(data, team=team, quarter=quarter,
                                                     as_of="2026-12-01")
    paths = loop.write_loop_workbook(loop.loop_list(detractors), promoters, folder)
    book = load_workbook(paths["xlsx"])
    header = [c.value for c in book["Detractors"][1]]
    return paths["xlsx"], book, {name: i + 1 for i, name in enumerate(header)}


def fill(sheet, columns, row, **values):
    for name, value in values.items():
        sheet.cell(row=row, column=columns[name]).value = value


def row_of(sheet, columns, response_id):
    for r in range(2, sheet.max_row + 1):
        if sheet.cell(row=r, column=columns["response_id"]).value == response_id:
            return r
    raise KeyError(response_id)


# ----------------------------------------------------------------------------- the workbook
def test_workbook_has_drop_down_status_date_column_and_greyed_customer_columns(tmp_path):
    data = cases_data()
    path, book, columns = lead_workbook(data, tmp_path)
    sheet = book["Detractors"]
    assert list(columns)[-5:] == loop.EDIT_COLUMNS
    checks = {v.type: v for v in sheet.data_validations.dataValidation}
    assert checks["list"].formula1 == '"open,contacted,resolved,unreachable,no action needed"'
    status = sheet.cell(row=1, column=columns["status"]).column_letter
    assert str(checks["list"].sqref) == f"{status}2:{status}{sheet.max_row}"
    assert checks["date"].sqref and checks["list"].showErrorMessage
    grey = sheet.cell(row=2, column=columns["score"]).fill.start_color.rgb
    assert grey.endswith(loop.CUSTOMER_FILL)
    assert sheet.cell(row=2, column=columns["status"]).fill.fill_type is None
    assert sheet.max_row - 1 == int((data["score"] <= 6).sum())
    assert unsafe_cells(path) == []


# ----------------------------------------------------------------------------- returns
def returned_files(tmp_path):
    """Two returns of a 12-detractor team: a workbook with good and bad rows, then a CSV."""
    data = cases_data()
    ids = data["response_id"].tolist()
    returns = tmp_path / "returned"
    path, book, columns = lead_workbook(data, tmp_path / "given")
    sheet = book["Detractors"]
    r = lambda i: row_of(sheet, columns, ids[i])  # noqa: E731
    fill(sheet, columns, r(0), status="resolved", contacted_on=pd.Timestamp("2026-08-04").to_pydatetime(),
         owner="Priya N.", outcome="refund", note="+33 6 12 34 56 78 after 6pm")
    fill(sheet, columns, r(1), status="contacted", contacted_on=pd.Timestamp("2026-08-07").to_pydatetime(),
         owner="Tom B.")
    fill(sheet, columns, r(2), status="unreachable")
    fill(sheet, columns, r(3), status="phoned")                                   # unknown status
    fill(sheet, columns, r(4), status="resolved",
         contacted_on=pd.Timestamp("2026-07-30").to_pydatetime())                # before the response
    fill(sheet, columns, r(5), status="resolved",
         contacted_on=pd.Timestamp("2030-01-01").to_pydatetime())                # in the future
    fill(sheet, columns, r(6), status="resolved", score=9)                       # edited customer field
    fill(sheet, columns, r(7), status="no action needed", comment="all fine")    # edited comment
    fill(sheet, columns, r(8), contacted_on="2026-08-05 10:30")                  # a date, no status
    last = sheet.max_row + 1
    fill(sheet, columns, last, response_id="RESP-NOPE", status="resolved")       # unknown id
    returns.mkdir()
    first = returns / "A returned.xlsx"
    book.save(first)
    os.utime(first, (1_790_000_000, 1_790_000_000))
    # Later the lead sends a CSV: case 1 is now resolved; case 0's row is untouched (blank).
    csv = returns / "A update.csv"
    pd.DataFrame({"response_id": [ids[1], ids[0]], "status": ["resolved", ""],
                  "contacted_on": ["2026-08-09", ""], "owner": ["Tom B.", ""],
                  "outcome": ["invoice corrected", ""], "note": ["", ""]}).to_csv(csv, index=False)
    os.utime(csv, (1_790_100_000, 1_790_100_000))
    return data, returns, first.name, last


def test_returns_are_validated_row_by_row_with_reasons(tmp_path):
    data, returns, first, unknown_row = returned_files(tmp_path)
    ids = data["response_id"].tolist()
    found = loop.read_returns(returns, data, now="2026-12-01")
    reasons = found.rejected.set_index("response_id")["reason"]
    assert set(reasons.index) == {ids[3], ids[4], ids[5], ids[6], ids[7], "RESP-NOPE"}
    assert reasons[ids[3]] == ("unknown status 'phoned' (use one of: open, contacted, resolved, "
                               "unreachable, no action needed)")
    assert reasons[ids[4]] == "contacted on 2026-07-30 is before the response (submitted 2026-08-03)"
    assert reasons[ids[5]] == "contacted on 2030-01-01 is in the future"
    assert reasons[ids[6]].startswith("customer field(s) edited: score ")
    assert reasons[ids[7]].startswith("customer field(s) edited: comment ")
    assert reasons["RESP-NOPE"] == "unknown response id RESP-NOPE (not a detractor of the data)"
    assert found.rejected.set_index("response_id").loc["RESP-NOPE", "row"] == unknown_row
    assert (found.rejected["file"] == first).all()
    # what the lead typed is kept with the reason
    assert found.rejected.set_index("response_id").loc[ids[3], "status"] == "phoned"
    assert found.files == [first, "A update.csv"]  # oldest first


def test_latest_return_wins_and_history_keeps_the_older_rows(tmp_path):
    data, returns, first, _ = returned_files(tmp_path)
    ids = data["response_id"].tolist()
    state, found, history = loop.case_state(data, returns, now="2026-12-01")
    by_id = state.set_index("response_id")
    assert by_id.loc[ids[1], "status"] == "resolved"                # the CSV came later
    assert by_id.loc[ids[1], "outcome"] == "invoice corrected"
    assert by_id.loc[ids[1], "returned_from"] == "A update.csv"
    # first contact is the earliest of any return (the workbook's 7 August, end of day)
    assert by_id.loc[ids[1], "first_contact"] == pd.Timestamp("2026-08-07T23:59:59Z")
    assert by_id.loc[ids[0], "status"] == "resolved"                # a blank row is no return
    assert by_id.loc[ids[0], "returned_from"] == first
    assert by_id.loc[ids[8], "status"] == "contacted"               # a date alone: reached
    assert by_id.loc[ids[8], "first_contact"] == pd.Timestamp("2026-08-05T10:30Z")
    for rejected in (ids[3], ids[4], ids[5], ids[6], ids[7]):
        assert by_id.loc[rejected, "status"] == "open" and not by_id.loc[rejected, "returned"]
    old = history[history["response_id"] == ids[1]]
    assert old["file"].tolist() == [first, "A update.csv"]
    assert old["current"].tolist() == [False, True]
    assert old["status"].tolist() == ["contacted", "resolved"]
    assert len(history) == 5  # rows 0, 1, 2, 8 of the workbook and one of the CSV

    written = loop.write_case_files(tmp_path / "build", state, found, history)
    for name in ("rejected", "history"):
        assert unsafe_cells(written[name]) == []  # the lead's "+33 ..." note stays text
    saved = pd.read_parquet(written["cases"])
    assert written["cases"].parent.name == "tables"
    assert saved.set_index("response_id").loc[ids[1], "status"] == "resolved"
    history_csv = pd.read_csv(written["history"], encoding="utf-8-sig")
    assert history_csv.loc[history_csv["response_id"] == ids[0], "note"].iloc[0] == "'+33 6 12 34 56 78 after 6pm"


# ----------------------------------------------------------------------------- figures
def test_loop_figures_count_by_hand_and_hide_shares_below_the_floor():
    data = cases_data(n=8)
    cases = loop.detractor_cases(data)
    sub = cases["submitted_at"]
    # hours to first contact: 10, 30, 47.9, 48.1, 100 (the last "unreachable": an attempt)
    contact = [10, 30, 47.9, 48.1, 100]
    for i, hours in enumerate(contact):
        cases.loc[i, "first_contact"] = sub[i] + pd.Timedelta(hours=hours)
    cases.loc[0:4, "status"] = ["resolved", "contacted", "resolved", "resolved", "unreachable"]
    cases.loc[5, "status"] = "no action needed"
    cases["returned"] = True
    as_of = sub[7] + pd.Timedelta(hours=47.5)  # case 6 open for 48.5 h, case 7 for 47.5 h
    row = loop.loop_figures(cases, quarters=[QUARTER], as_of=as_of).iloc[0]
    assert (row["detractors"], row["contacted"], row["within_sla"]) == (8, 4, 3)
    assert row["share_within_sla"] == pytest.approx(3 / 8)
    assert row["median_hours"] == pytest.approx(np.median([10, 30, 47.9, 48.1]))
    assert (row["resolved"], row["unreachable"], row["no_action"], row["open"]) == (3, 1, 1, 2)
    assert row["open_overdue"] == 1  # case 6 (older than 48 h); case 7 is not yet
    assert row["share_resolved"] == pytest.approx(3 / 8)
    tight = loop.loop_figures(cases, quarters=[QUARTER], as_of=as_of, sla_hours=24).iloc[0]
    assert tight["within_sla"] == 1
    few = loop.loop_figures(cases, quarters=[QUARTER], as_of=as_of, display_floor=9).iloc[0]
    assert not few["shown"] and few["contacted"] == 4
    assert np.isnan(few["share_within_sla"]) and np.isnan(few["median_hours"])


def test_callback_compares_later_scores_and_says_too_few_below_the_floor():
    before = cases_data(n=20, quarter=QUARTER_BEFORE, day="2026-05-04")
    cases = loop.detractor_cases(before)
    ids = cases["response_id"]
    contacted = ids.index[:10]
    cases.loc[contacted, "status"] = "resolved"
    cases.loc[contacted, "first_contact"] = cases.loc[contacted, "submitted_at"] + pd.Timedelta(days=1)
    cases["returned"] = True
    # later answers: the contacted ten score 10,10,10,10,10,9,8,7,3,2; six others 2,2,5,8,9,0
    later_scores = {**dict(zip(range(10), [10, 10, 10, 10, 10, 9, 8, 7, 3, 2])),
                    **dict(zip(range(10, 16), [2, 2, 5, 8, 9, 0]))}
    who = before.set_index("response_id").loc[ids, "respondent_id"].to_numpy()
    later = pd.DataFrame({"team": "A", "department": "Ops", "quarter": QUARTER,
                          "response_id": [f"L{i}" for i in later_scores],
                          "respondent_id": [who[i] for i in later_scores],
                          "submitted_at": pd.Timestamp("2026-08-20", tz="UTC"),
                          "score": list(later_scores.values())})
    responses = pd.concat([before, later], ignore_index=True)
    table = loop.callback_effect(responses, cases, quarter=QUARTER).set_index("group")
    yes, no = table.loc["contacted"], table.loc["not contacted"]
    assert (yes["cases"], yes["answered_later"], no["cases"], no["answered_later"]) == (10, 10, 10, 6)
    assert (yes["detractors"], yes["passives"], yes["promoters"]) == (2, 2, 6)
    assert yes["nps"] == pytest.approx(40.0) and no["nps"] == pytest.approx(100 * (1 - 4) / 6)
    low, high = stats.interval_from_counts(2, 2, 6)
    assert (yes["ci_low"], yes["ci_high"]) == pytest.approx((low, high))
    compared = stats.compare_counts((2, 2, 6), (4, 1, 1))
    assert yes["diff"] == pytest.approx(compared.diff) and yes["p_value"] == pytest.approx(compared.p_value)
    # a floor of 7 later answers per group: the not-contacted six are too few, nothing shown
    hidden = loop.callback_effect(responses, cases, quarter=QUARTER, display_floor=7)
    assert not hidden["shown"].any() and hidden["nps"].isna().all() and hidden["diff"].isna().all()
    from nps_report.render.closing import callback

    text = callback(hidden)._repr_html_()
    assert "Too few detractors answered a later survey" in text and "NPS" not in text
    shown = callback(table.reset_index())._repr_html_()
    assert "Contact was not randomized" in shown and "+40" in shown


def test_open_cases_carry_over_from_the_loop_start_with_their_returned_state(tmp_path):
    before = cases_data(n=6, quarter=QUARTER_BEFORE, day="2026-05-04")
    now = cases_data(n=3, quarter=QUARTER, day="2026-08-03")
    now["response_id"] = now["response_id"].str.replace("RESP", "NEW")
    responses = pd.concat([before, now], ignore_index=True)
    cases = loop.detractor_cases(responses)
    q2 = cases.index[cases["quarter"] == QUARTER_BEFORE]
    cases.loc[q2, "status"] = ["resolved", "contacted", "unreachable", "open", "no action needed", "open"]
    cases.loc[q2[:2], "returned"] = True
    cases.loc[q2[1], "owner"] = "Tom B."
    from nps_report import closeloop

    detractors, _ = closeloop.close_the_loop(responses, team="A", quarter=QUARTER, as_of="2026-09-30")
    listed = loop.loop_list(detractors, cases, responses=responses)
    carried = listed[listed["carried_over"] != ""]
    assert carried["response_id"].tolist() == before["response_id"].iloc[[1, 3, 5]].tolist()
    assert (carried["carried_over"] == "carried over from 2026Q2").all()
    assert carried["status"].tolist()[0] == "contacted" and carried["owner"].tolist()[0] == "Tom B."
    assert carried["email"].tolist() == before["email"].iloc[[1, 3, 5]].tolist()
    assert (carried["sla_status"] == "overdue").all()
    assert (listed["carried_over"] == "").sum() == 3
    # a team that never returned a workbook is not running the loop: nothing carries over
    cases["returned"] = False
    assert (loop.loop_list(detractors, cases, responses=responses)["carried_over"] == "").all()


# ----------------------------------------------------------------------------- a whole build
def loop_build_data(folder: Path) -> pd.DataFrame:
    """Two teams over 2026Q2 and 2026Q3; Alpha's customers answer again in 2026Q3."""
    rng = np.random.default_rng(18)
    rows = []
    for team, size in (("Alpha", 60), ("Bravo", 30)):
        for quarter, day in ((QUARTER_BEFORE, "2026-05-05"), (QUARTER, "2026-08-04")):
            for i in range(size):
                score = int(rng.choice([0, 2, 3, 5, 6, 7, 8, 9, 10], p=[.1, .1, .1, .1, .1, .1, .1, .15, .15]))
                rows.append({"rid": f"RESP-{team[0]}{quarter[-1]}-{i:04d}",
                             "cust": f"CUST-{team[0]}-{i:04d}",
                             "when": f"{day}T{8 + i % 9:02d}:{i % 60:02d}:00Z", "score": score,
                             "team": team, "dept": "Ops",
                             "email": f"client{i:04d}.{team.lower()}@example.org",
                             "comment": f"late delivery number {i}" if score <= 6 else "fine"})
    data = pd.DataFrame(rows)
    data.to_csv(folder / "survey.csv", index=False)
    return data


def write_build_file(folder: Path, quarter: str, formats: str) -> params.BuildParams:
    (folder / "build.yaml").write_text(
        "name: loop\ndata:\n  path: survey.csv\n"
        "  columns: {rid: response_id, cust: respondent_id, when: submitted_at, score: score,"
        " team: team, dept: department, email: email, comment: comment}\n"
        f"quarters: [{quarter}]\nformats: [{formats}]\noutput_dir: {folder / 'out'}\n"
        "loop:\n  returns: loop/returned\n  sla_hours: 48\n")
    return params.load_params(folder / "build.yaml")


@pytest.mark.slow
def test_a_returned_workbook_flows_into_the_next_quarters_build(tmp_path, monkeypatch):
    """Build 2026Q2, fill Alpha's workbook as its lead would (with bad rows), return it,
    build 2026Q3 (html and pdf): figures, rejected rows, history, carried-over cases, and
    no customer id, e-mail or anything the lead typed on any page."""
    from pypdf import PdfReader

    from nps_report.pipeline import run_build
    from nps_report.tables import load_build_tables

    monkeypatch.chdir(tmp_path)
    data = loop_build_data(tmp_path)
    build = write_build_file(tmp_path, QUARTER_BEFORE, "html")
    assert build.loop_returns_folder() == tmp_path / "loop" / "returned"
    assert run_build(build, jobs=1).exit_code == 0
    out = tmp_path / "out" / "loop"
    given = out / QUARTER_BEFORE / "teams" / "Alpha" / "close_the_loop.xlsx"
    book = load_workbook(given)
    sheet = book["Detractors"]
    columns = {c.value: i + 1 for i, c in enumerate(sheet[1])}
    rows = list(range(2, sheet.max_row + 1))
    ids = [sheet.cell(row=r, column=columns["response_id"]).value for r in rows]
    submitted = {i: pd.Timestamp(sheet.cell(row=r, column=columns["submitted_at"]).value, tz="UTC")
                 for i, r in zip(ids, rows)}
    plan = {}  # response id -> (status, days after the response's day) as the lead fills it
    for k, (r, rid) in enumerate(zip(rows, ids)):
        if k == 0:
            fill(sheet, columns, r, status="done")                              # bad: unknown status
        elif k == 1:
            fill(sheet, columns, r, status="resolved", score=10)                # bad: edited score
        elif k % 5 == 4:
            continue                                                            # left open
        else:
            status, days = [("resolved", 1), ("contacted", 3), ("unreachable", None),
                            ("resolved", 0)][k % 4]
            day = None if days is None else (submitted[rid].normalize() + pd.Timedelta(days=days))
            fill(sheet, columns, r, status=status, owner="Priya Nandakumar",
                 note="called her at home", contacted_on=None if day is None else day.tz_localize(None).to_pydatetime())
            plan[rid] = (status, days)
    (tmp_path / "loop" / "returned").mkdir(parents=True)
    book.save(tmp_path / "loop" / "returned" / "alpha q2.xlsx")

    build = write_build_file(tmp_path, QUARTER, "html, pdf")
    assert run_build(build, jobs=1).exit_code == 0

    rejected = pd.read_csv(out / loop.REJECTED_FILE, encoding="utf-8-sig")
    assert rejected["response_id"].tolist() == ids[:2]
    assert rejected["reason"].str.startswith("unknown status 'done'").iloc[0]
    assert rejected["reason"].iloc[1].startswith("customer field(s) edited: score")
    history = pd.read_csv(out / loop.HISTORY_FILE, encoding="utf-8-sig")
    assert sorted(history["response_id"]) == sorted(plan) and history["current"].all()

    # loop figures of Alpha's 2026Q2, counted here from the plan
    bt = load_build_tables(out, QUARTER)
    row = bt.loop[(bt.loop["team"] == "Alpha") & (bt.loop["quarter"] == QUARTER_BEFORE)].iloc[0]
    hours = {rid: ((submitted[rid].normalize() + pd.Timedelta(days=d + 1, seconds=-1)) - submitted[rid])
             .total_seconds() / 3600 for rid, (s, d) in plan.items() if s in ("resolved", "contacted")}
    assert row["detractors"] == len(ids)
    assert row["contacted"] == len(hours)
    assert row["within_sla"] == sum(h <= 48 for h in hours.values())
    assert row["median_hours"] == pytest.approx(np.median(list(hours.values())))
    assert row["resolved"] == sum(s == "resolved" for s, _ in plan.values())
    assert row["open"] == len(ids) - len(plan)  # left open and the two rejected rows
    assert bt.loop.loc[bt.loop["team"] == "Bravo", "returned"].sum() == 0

    # carried over into 2026Q3's workbook: open and contacted cases, not the closed ones
    later = pd.read_excel(out / QUARTER / "teams" / "Alpha" / "close_the_loop.xlsx", sheet_name="Detractors",
                          dtype=str, keep_default_na=False)
    carried = later[later["carried_over"] != ""]
    still = [rid for rid in ids if plan.get(rid, ("open", None))[0] in ("open", "contacted")]
    assert sorted(carried["response_id"]) == sorted(still)
    assert (carried["carried_over"] == "carried over from 2026Q2").all()
    assert (carried["quarter"] == QUARTER_BEFORE).all()
    bravo = pd.read_excel(out / QUARTER / "teams" / "Bravo" / "close_the_loop.xlsx", sheet_name="Detractors",
                          dtype=str, keep_default_na=False)
    assert (bravo["carried_over"] == "").all()  # Bravo never returned a workbook

    # the pages: the section is there, no customer (or what the lead typed) is
    page = (out / QUARTER / "teams" / "Alpha" / "report.html").read_text(encoding="utf-8")
    assert "Closing the loop with detractors" in page and "Did calling back help?" in page
    assert f"{int(row['within_sla'])} of {len(ids)} detractors" in page
    summary = (out / QUARTER / "departments" / "Ops" / "report.html").read_text(encoding="utf-8")
    assert "Closing the loop with detractors" in summary and "returned no workbook" in summary
    secrets = (set(data["rid"]) | set(data["cust"]) | set(data["email"])
               | {"Priya Nandakumar", "called her at home"})
    digits = re.compile(r"CUST-|RESP-|@example\.org|Nandakumar|at home")
    pages = sorted(out.glob(f"{QUARTER}/**/*.html")) + sorted(out.glob(f"{QUARTER}/**/*.pdf"))
    assert any(p.suffix == ".pdf" for p in pages) and len(pages) >= 6
    for path in pages:
        if path.suffix == ".pdf":
            text = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
            assert "Closing the loop" in text or "packs" in path.parts
        else:
            text = path.read_text(encoding="utf-8")
        assert not digits.search(text), (path, digits.search(text))
        assert not [s for s in secrets if s in text], path


def test_callback_on_pure_noise_rarely_claims_a_difference():
    """Contact decided by a coin and later scores drawn from one distribution for everyone:
    the comparison should call a difference "significant" in about alpha = 5% of teams.

    300 simulated teams (seed 18), each with 60 earlier detractors all answering again;
    one call of callback_effect handles them all. Monte-Carlo standard error of the
    false-positive share at 5%: sqrt(0.05 * 0.95 / 300) = 1.3 points.
    """
    rng = np.random.default_rng(18)
    teams, size = 300, 60
    team = np.repeat([f"T{i:03d}" for i in range(teams)], size)
    who = np.array([f"C{i}" for i in range(teams * size)])
    before = pd.DataFrame({"team": team, "department": "D", "quarter": QUARTER_BEFORE,
                           "response_id": [f"B{i}" for i in range(teams * size)], "respondent_id": who,
                           "submitted_at": pd.Timestamp("2026-05-04", tz="UTC"),
                           "score": rng.integers(0, 7, teams * size)})
    later = before.assign(quarter=QUARTER, response_id=[f"L{i}" for i in range(teams * size)],
                          submitted_at=pd.Timestamp("2026-08-20", tz="UTC"),
                          score=rng.choice(11, teams * size, p=np.r_[np.full(7, 0.06), [0.12, 0.12],
                                                                      [0.17, 0.17]]))
    cases = loop.detractor_cases(before)
    reached = rng.random(len(cases)) < 0.5
    cases.loc[reached, "status"] = "resolved"
    cases.loc[reached, "first_contact"] = cases.loc[reached, "submitted_at"] + pd.Timedelta(days=1)
    cases["returned"] = True
    table = loop.callback_effect(pd.concat([before, later], ignore_index=True), cases, quarter=QUARTER)
    rows = table[table["group"] == "contacted"]
    assert len(rows) == teams and rows["shown"].all()
    assert (rows["answered_later"] + table.loc[table["group"] == "not contacted", "answered_later"].to_numpy()
            == size).all()
    false_positives = float((rows["p_value"] < 0.05).mean())
    assert false_positives <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / teams)
    # and the interval of the difference covers the true difference (0) about 95% of the time
    covered = float(((rows["diff_low"] <= 0) & (rows["diff_high"] >= 0)).mean())
    assert covered >= 0.95 - 3 * np.sqrt(0.05 * 0.95 / teams)


@pytest.mark.slow
def test_make_demo_reads_its_returned_workbook_from_a_relative_folder(tmp_path, monkeypatch):
    """``make demo`` runs ``nps-report demo output`` (a relative folder): the returned
    workbook it writes must be read (a relative loop.returns is taken from the build file's
    folder, the package's, so the demo passes an absolute one)."""
    from nps_report import cli

    monkeypatch.chdir(tmp_path)
    assert cli.main(["demo", "output", "-d", "Finance", "--formats", "html", "-j", "2"]) == 0
    history = pd.read_csv(tmp_path / "output" / "demo" / "loop_history.csv")
    rejected = pd.read_csv(tmp_path / "output" / "demo" / "loop_rejected.csv")
    assert len(history) > 0 and len(rejected) == 2
    assert (tmp_path / "output" / "demo" / "actions" / "history.csv").exists()
