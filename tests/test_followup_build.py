"""The outer loop end to end (issue 18): build a quarter, an owner marks actions done in its
action log with openpyxl, the next quarter's build reports what came of them.

Two teams, every detractor commenting: in "Fell Desk" the share of commenting detractors
complaining of billing errors truly falls (24 of 60 -> 6 of 60), in "Steady Desk" it does
not (24 of 60 -> 23 of 60). Both actions are marked done; the reports must say
"significant" for the first and "not significant" for the second.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pandas as pd
import pytest
from openpyxl import load_workbook

from nps_report import params
from nps_report.followup import LOG_COLUMNS
from nps_report.pipeline import run_build

pytestmark = pytest.mark.slow

MENTIONS = {"Fell Desk": (24, 6), "Steady Desk": (24, 23)}  # of 60 commenting detractors, Q2, Q3
BILLING = "billing error on my invoice again"


def _survey(folder):
    rows = []
    for team, counts in MENTIONS.items():
        for (start, mentions) in zip(("2026-04-15", "2026-07-15"), counts):
            comments = [BILLING] * mentions + ["the app keeps crashing"] * (60 - mentions)
            for i, comment in enumerate(comments):
                rows.append({"id": f"{team}-{start}-d{i}", "when": f"{start}T09:{i % 60:02d}:00Z",
                             "score": i % 7, "team": team, "dept": "Ops", "comment": comment})
            for i in range(60):
                rows.append({"id": f"{team}-{start}-p{i}", "when": f"{start}T10:{i % 60:02d}:00Z",
                             "score": 9 + i % 2, "team": team, "dept": "Ops",
                             "comment": "great service" if i % 2 else ""})
    pd.DataFrame(rows).to_csv(folder / "survey.csv", index=False)
    (folder / "build.yaml").write_text(
        f"name: loop\ndata:\n  path: {folder / 'survey.csv'}\n"
        "  columns: {id: response_id, when: submitted_at, score: score, team: team,"
        " dept: department, comment: comment}\n"
        f"quarters: [2026Q3]\noutput_dir: {folder / 'out'}\n"
        f"action_log: {folder / 'returned'}\n")
    return params.load_params(folder / "build.yaml")


@pytest.fixture(scope="module")
def followed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("followup")
    build = _survey(folder)
    first = run_build(build, quarters=["2026Q2"], jobs=1)
    assert first.exit_code == 0
    written = folder / "out" / "loop" / "2026Q2" / "action_log.xlsx"
    # The owner opens the log, marks the billing actions done and returns it.
    book = load_workbook(written)
    sheet = book["Actions"]
    column = {c: i for i, c in enumerate(LOG_COLUMNS, start=1)}
    marked = []
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row=row, column=column["subject"]).value == "billing errors":
            sheet.cell(row=row, column=column["status"], value="done")
            sheet.cell(row=row, column=column["owner"], value="Kim Lead")
            sheet.cell(row=row, column=column["date"], value=dt.date(2026, 7, 1))
            marked.append(sheet.cell(row=row, column=column["team"]).value)
        elif sheet.cell(row=row, column=column["rule"]).value == "engage_promoters":
            sheet.cell(row=row, column=column["status"], value="finished")  # not a status
    (folder / "returned").mkdir()
    book.save(folder / "returned" / "log_from_kim.xlsx")
    second = run_build(build, jobs=1)
    assert second.exit_code == 0
    return folder / "out" / "loop", sorted(marked)


def _text(path):
    page = html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))
    return " ".join(page.split())


def test_both_billing_actions_were_recommended_and_marked(followed):
    _, marked = followed
    assert marked == sorted(MENTIONS)


def test_the_report_says_significant_where_the_share_fell(followed):
    out, _ = followed
    page = _text(out / "2026Q3" / "teams" / "Fell Desk" / "report.html")
    assert "What came of last quarter's actions" in page
    assert ("Billing errors: 40% -> 10% of commenting detractors (significant, p < 0.001)"
            in page)
    assert "two-proportion z-test" in page


def test_the_report_says_not_significant_where_it_did_not(followed):
    out, _ = followed
    page = _text(out / "2026Q3" / "teams" / "Steady Desk" / "report.html")
    found = re.search(r"Billing errors: 40% -> 38% of commenting detractors "
                      r"\(not significant, p = 0\.(\d+)\)", page)
    assert found and float("0." + found.group(1)) > 0.05
    # Still a complaint this quarter: recommended again although marked done.
    assert "Recommended again this quarter although marked done" in page


def test_the_bad_row_is_rejected_and_the_next_log_is_written(followed):
    out, _ = followed
    rejected = pd.read_csv(out / "actions" / "rejected.csv", encoding="utf-8-sig")
    assert len(rejected) == 2 and rejected["reason"].str.contains("unknown status 'finished'").all()
    latest = pd.read_csv(out / "actions" / "latest.csv", encoding="utf-8-sig")
    assert sorted(latest["team"]) == sorted(MENTIONS) and set(latest["status"]) == {"done"}
    log = pd.read_excel(out / "2026Q3" / "action_log.xlsx")
    assert set(log["team"]) == set(MENTIONS) and log["action_id"].str.len().eq(12).all()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="2026Q3/action_log.xlsx"' in index and 'href="actions/rejected.csv"' in index


def test_a_new_return_rebuilds_the_reports_and_an_old_one_does_not(followed, tmp_path):
    out, _ = followed
    build = params.load_params(out.parent.parent / "build.yaml")
    again = run_build(build, jobs=1)
    assert "2026Q3/teams/Fell Desk" in again.skipped  # nothing new returned: up to date
    latest = pd.read_csv(out / "actions" / "latest.csv", encoding="utf-8-sig")
    fell = latest[latest["team"] == "Fell Desk"].iloc[0]
    # The owner corrects the 2026Q2 entry in a CSV (an id alone would mean the latest log
    # that listed it: 2026Q3's, followed up next quarter).
    pd.DataFrame({"action_id": [fell["action_id"]], "quarter": ["2026Q2"], "status": ["in progress"],
                  "note": ["reopened"]}).to_csv(out.parent.parent / "returned" / "later.csv",
                                                index=False)
    rebuilt = run_build(build, jobs=1, teams=["Fell Desk"])
    assert "2026Q3/teams/Fell Desk" in rebuilt.results
    page = _text(out / "2026Q3" / "teams" / "Fell Desk" / "report.html")
    assert "in progress" in page and "Owner's note: reopened" in page
    history = pd.read_csv(out / "actions" / "history.csv", encoding="utf-8-sig")
    assert sorted(history.loc[history["team"] == "Fell Desk", "status"]) == ["done", "in progress"]
