"""Close-the-loop lists: exactly a team's detractors and promoters, SLA ages, safe spreadsheets."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from nps_report import closeloop, demo, schema, stats
from nps_report.spreadsheets import excel_text


@pytest.fixture(scope="module")
def demo_frame(demo_responses):
    return demo_responses.responses


def test_lists_hold_exactly_each_teams_detractors_and_promoters(demo_frame):
    quarter = demo.DEMO_STORY["last_quarter"]
    current = demo_frame[demo_frame["quarter"] == quarter]
    expected = stats.grouped_nps(current, ["team"]).set_index("team")
    assert len(expected) >= 20
    for team, row in expected.iterrows():
        detractors, promoters = closeloop.close_the_loop(demo_frame, team=team, quarter=quarter)
        assert len(detractors) == row["detractors"], team
        assert len(promoters) == row["promoters"], team
        slice_ = current[current["team"] == team]
        d, _, p = stats.counts(slice_["score"])
        assert (len(detractors), len(promoters)) == (d, p)
        assert set(detractors["response_id"]) == set(slice_.loc[slice_["score"] <= 6, "response_id"])
        assert set(promoters["response_id"]) == set(slice_.loc[slice_["score"] >= 9, "response_id"])
        assert (detractors["team"] == team).all() and (detractors["quarter"] == quarter).all()
        assert detractors["score"].between(0, 6).all() and promoters["score"].between(9, 10).all()
    assert detractors.columns.tolist() == closeloop.DETRACTOR_COLUMNS
    assert promoters.columns.tolist() == closeloop.PROMOTER_COLUMNS


def test_demo_list_keeps_comments_and_emails_unredacted(demo_frame):
    quarter = demo.DEMO_STORY["last_quarter"]
    team = demo.DEMO_STORY["internal_email_team"]
    detractors, promoters = closeloop.close_the_loop(demo_frame, team=team, quarter=quarter)
    both = pd.concat([detractors, promoters])
    source = demo_frame.set_index("response_id")
    assert both["email"].notna().all()
    assert (both["email"].to_numpy() == source.loc[both["response_id"], "email"].to_numpy()).all()
    commented = both[both["comment"].notna()]
    assert len(commented) > 0
    assert (commented["comment"].to_numpy()
            == source.loc[commented["response_id"], "comment"].to_numpy()).all()
    # The default as_of of a past quarter is its end; every age is measured to it.
    end = closeloop.quarter_end(quarter)
    assert detractors.attrs["as_of"] == end
    assert detractors["submitted_at"].is_monotonic_increasing  # oldest (most overdue) first
    assert promoters["submitted_at"].is_monotonic_decreasing


def frame(rows):
    data = pd.DataFrame(rows)
    data["submitted_at"] = pd.to_datetime(data["submitted_at"], utc=True)
    data["team"] = data["team"].fillna("A") if "team" in data else "A"
    data["quarter"] = schema.quarter_label(data["submitted_at"])
    for column in ("respondent_id", "response_id", "comment"):
        if column not in data:
            data[column] = [f"{column[:4]}-{i}" for i in range(len(data))]
    return data


def test_ages_and_sla_status_are_measured_to_as_of():
    data = frame([
        {"submitted_at": "2026-08-10T12:00:00Z", "score": 2},   # 72 h before as_of
        {"submitted_at": "2026-08-11T12:00:00Z", "score": 5},   # exactly 48 h
        {"submitted_at": "2026-08-12T00:00:00Z", "score": 6},   # 36 h
        {"submitted_at": "2026-08-14T00:00:00Z", "score": 0},   # after as_of
        {"submitted_at": "2026-08-12T00:00:00Z", "score": 10},
        {"submitted_at": "2026-08-12T00:00:00Z", "score": 8},
        {"submitted_at": "2026-08-12T00:00:00Z", "score": 3, "team": "B"},
    ])
    detractors, promoters = closeloop.close_the_loop(data, team="A", quarter="2026Q3",
                                                     as_of="2026-08-13T12:00:00", sla_hours=48)
    assert detractors["score"].tolist() == [2, 5, 6, 0]
    assert detractors["age_days"].tolist() == [3.0, 2.0, 1.5, 0.0]
    assert detractors["sla_status"].tolist() == ["overdue", "within SLA", "within SLA",
                                                 "within SLA"]
    assert closeloop.followup_summary(detractors) == {"count": 4, "overdue": 1,
                                                      "oldest_days": 3.0, "sla_hours": 48.0}
    assert promoters["score"].tolist() == [10] and "sla_status" not in promoters
    assert detractors["email"].isna().all()  # no e-mail column in the source
    tighter, _ = closeloop.close_the_loop(data, team="A", quarter="2026Q3",
                                          as_of="2026-08-13T12:00:00Z", sla_hours=24)
    assert tighter["sla_status"].tolist() == ["overdue", "overdue", "overdue", "within SLA"]
    empty = closeloop.followup_summary(tighter.iloc[:0])
    assert (empty["count"], empty["overdue"]) == (0, 0)


def test_default_as_of_is_the_earlier_of_quarter_end_and_now():
    now = pd.Timestamp.now(tz="UTC")
    running = str(schema.quarter_label(pd.Series([now]))[0])
    data = frame([{"submitted_at": now - pd.Timedelta(hours=1), "score": 1}])
    detractors, _ = closeloop.close_the_loop(data, team="A", quarter=running)
    assert abs(detractors.attrs["as_of"] - pd.Timestamp.now(tz="UTC")) < pd.Timedelta(minutes=5)
    assert detractors["sla_status"].tolist() == ["within SLA"]
    past, _ = closeloop.close_the_loop(frame([{"submitted_at": "2025-02-01", "score": 1}]),
                                       team="A", quarter="2025Q1")
    assert past.attrs["as_of"] == pd.Timestamp("2025-04-01", tz="UTC")


def test_quarter_end_follows_time_zone_and_fiscal_year():
    assert closeloop.quarter_end("2026Q3") == pd.Timestamp("2026-10-01", tz="UTC")
    assert closeloop.quarter_end("2026Q4") == pd.Timestamp("2027-01-01", tz="UTC")
    # Fiscal year starting in July: 2027Q1 is July-September 2026.
    assert closeloop.quarter_end("2027Q1", fiscal_year_start_month=7) == \
        pd.Timestamp("2026-10-01", tz="UTC")
    assert closeloop.quarter_end("2026Q3", tz="Europe/Paris") == \
        pd.Timestamp("2026-09-30T22:00", tz="UTC")


def test_bad_arguments_are_refused():
    data = frame([{"submitted_at": "2026-08-10", "score": 1}])
    with pytest.raises(ValueError, match="sla_hours"):
        closeloop.close_the_loop(data, team="A", quarter="2026Q3", sla_hours=0)
    with pytest.raises(KeyError, match="quarter"):
        closeloop.close_the_loop(data.drop(columns="quarter"), team="A", quarter="2026Q3")


DANGEROUS = ["=1+1", "+SUM(A1:A2)", "-2+3", "@cmd|' /C calc'!A0", "\t=1", "\r=1",
             '=HYPERLINK("http://example.com","x")']
SAFE = ["Billing was wrong again", "café crème, très bien", "", "a=b"]


def test_written_spreadsheets_neutralise_formulas_and_keep_text(tmp_path):
    texts = DANGEROUS + SAFE
    data = frame([{"submitted_at": f"2026-08-{10 + i:02d}T10:00:00Z", "score": 3 if i % 2 else 9,
                   "comment": text, "email": "=evil@example.com" if i == 0 else f"u{i}@x.org",
                   "respondent_id": "-42" if i == 1 else f"C-{i}"}
                  for i, text in enumerate(texts)])
    detractors, promoters = closeloop.close_the_loop(data, team="A", quarter="2026Q3",
                                                     as_of="2026-09-30")
    paths = closeloop.write_close_the_loop(detractors, promoters, tmp_path / "out" / "A")
    assert paths["xlsx"].name == "close_the_loop.xlsx" and paths["csv"].name == "close_the_loop.csv"

    book = load_workbook(paths["xlsx"])
    assert book.sheetnames == ["Detractors", "Promoters"]
    seen = {}
    for sheet in book.worksheets:
        header = [c.value for c in sheet[1]]
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
            values = dict(zip(header, (c.value for c in row)))
            seen[values["response_id"]] = values
    assert len(seen) == len(detractors) + len(promoters) == len(texts)
    originals = dict(zip(data["response_id"], data["comment"]))
    for response_id, values in seen.items():
        original = originals[response_id]
        if original in DANGEROUS:
            # kept behind an apostrophe; a carriage return is stored as Excel stores it
            # (_x000D_, which openpyxl hands back undecoded and the build's readers decode)
            assert excel_text(values["comment"]) == "'" + original
        elif original:
            assert values["comment"] == original
    first = data["response_id"].iloc[0]
    assert seen[first]["email"] == "'=evil@example.com"
    assert seen[data["response_id"].iloc[1]]["respondent_id"] == "'-42"
    assert seen[first]["score"] == 9 and isinstance(seen[first]["age_days"], float)

    csv = pd.read_csv(paths["csv"], encoding="utf-8-sig", keep_default_na=False)
    assert csv.columns[0] == "list"
    assert (csv["list"] == "detractor").sum() == len(detractors)
    assert (csv["list"] == "promoter").sum() == len(promoters)
    by_id = csv.set_index("response_id")["comment"]
    for response_id, original in originals.items():
        if original in DANGEROUS:
            # the CSV reader folds \r; every dangerous cell still starts with the quote
            assert by_id[response_id].startswith("'")
        elif original:
            assert by_id[response_id] == original
    assert len(csv) == len(texts)  # a carriage return in a comment did not split a row
    assert not any(str(v).startswith(tuple("=+-@\t\r")) for v in csv.astype(str).stack())


def test_neutralize_leaves_non_text_alone():
    assert closeloop.neutralize(-3) == -3
    assert closeloop.neutralize(None) is None
    assert closeloop.neutralize("-3") == "'-3"
    assert closeloop.neutralize("ok") == "ok"
