"""Loading and validation: every row read ends accepted, rejected with a reason, or counted as dropped."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from nps_report import io, params, schema, stats
from nps_report.exceptions import DataError

from .conftest import DATA, REALDATA, ROOT

BAD_ROWS_MAPPING = {"id": "response_id", "submitted": "submitted_at", "score": "score",
                    "comment": "comment", "team": "team"}


def load(path, mapping=BAD_ROWS_MAPPING, **kwargs):
    raw = io.read_table(path)
    return io.to_canonical(raw.frame, mapping=mapping, path=raw.path, **kwargs)


def assert_accounted(result):
    c = result.counts
    assert c["rows_read"] == (c["accepted"] + c["rejected"] + c["exact_duplicates"]
                              + c["repeated_response_ids"] + c["superseded"])
    assert c["accepted"] == len(result.responses) and c["rejected"] == len(result.rejected)


def test_bad_rows_rejected_with_reasons():
    result = load(DATA / "bad_rows.csv")
    assert_accounted(result)
    reasons = dict(zip(result.rejected["id"], result.rejected["reason"]))
    assert reasons == {"r2": "score out of range 0..10", "r3": "unparsable score", "r4": "missing date"}
    assert list(result.rejected["source_row"]) == [2, 3, 4]
    assert result.counts["exact_duplicates"] == 1
    assert sorted(result.responses["response_id"]) == ["r1", "r5", "r6", "r7"]
    # latin-1 accents survive, labels and floats become integers
    comments = dict(zip(result.responses.response_id, result.responses.comment))
    assert comments["r1"] == "Très bien, équipe sympathique"
    assert comments["r5"] == "Facture erronée à nouveau"
    scores = dict(zip(result.responses.response_id, result.responses.score))
    assert scores == {"r1": 9, "r5": 3, "r6": 10, "r7": 7}
    assert str(result.responses["submitted_at"].dtype) == "datetime64[ns, UTC]"
    assert set(result.responses["quarter"]) == {"2026Q3"}


def test_detected_encoding_of_bad_rows_is_latin1():
    assert io.read_table(DATA / "bad_rows.csv").encoding == "latin-1"


@pytest.mark.parametrize("encoding,expected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("latin-1", "latin-1")])
def test_encodings(tmp_path, encoding, expected):
    text = "id,submitted,score,comment,team\nr1,2026-07-01T10:00:00Z,9,Ünïcödé café,Équipe\n"
    path = tmp_path / "f.csv"
    path.write_bytes(text.encode(encoding))
    raw = io.read_table(path)
    assert raw.encoding == expected
    result = io.to_canonical(raw.frame, mapping=BAD_ROWS_MAPPING)
    assert result.responses.loc[0, "comment"] == "Ünïcödé café"
    assert result.responses.loc[0, "team"] == "Équipe"


def test_latin1_with_dos_byte_that_cp1252_rejects(tmp_path):
    # byte 0x90 is undefined in cp1252; latin-1 decodes it (reference: survey-exports.md)
    path = tmp_path / "dos.csv"
    path.write_bytes(b"id,submitted,score,comment,team\nr1,2026-07-01,9,caf\xe9 \x90,T\n")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("cp1252")
    result = load(path)
    assert result.responses.loc[0, "comment"].startswith("café")


def test_missing_score_column_names_file_and_columns():
    with pytest.raises(DataError) as info:
        load(DATA / "no_score_column.csv")
    message = str(info.value)
    assert "no_score_column.csv" in message
    assert "'score'" in message
    assert "'id', 'submitted', 'comment', 'team'" in message


def test_mapping_names_column_absent_from_file():
    with pytest.raises(DataError, match="column 'Score' named in the mapping is not in the file"):
        load(DATA / "no_score_column.csv", mapping={"id": "response_id", "submitted": "submitted_at",
                                                          "Score": "score", "team": "team"})


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        io.read_table(tmp_path / "nope.csv")


def test_xlsx_and_parquet_load_the_same(tmp_path):
    frame = pd.DataFrame({"id": ["a", "b", "c"], "submitted": ["2026-01-05", "2026-02-05", "2026-04-01"],
                          "score": [10, 6, 8], "comment": ["x", "", "z"], "team": ["T", "T", "U"]})
    frame.to_excel(tmp_path / "f.xlsx", index=False)
    frame.to_parquet(tmp_path / "f.parquet")
    for name in ("f.xlsx", "f.parquet"):
        result = load(tmp_path / name)
        assert_accounted(result)
        assert list(result.responses.score) == [10, 6, 8], name
        assert list(result.responses.quarter) == ["2026Q1", "2026Q1", "2026Q2"], name


def test_repeated_response_id_and_latest_per_respondent(tmp_path):
    path = tmp_path / "dupes.csv"
    path.write_text(
        "id,who,submitted,score,team\n"
        "a,p1,2026-07-01,3,T\n"
        "a,p1,2026-07-02,4,T\n"          # repeated id, different cells
        "b,p1,2026-08-01,9,T\n"          # same respondent, same quarter, later
        "c,p2,2026-08-01,9,T\n"
        "d,p1,2026-10-01,5,T\n")         # next quarter: kept
    mapping = {"id": "response_id", "who": "respondent_id", "submitted": "submitted_at",
               "score": "score", "team": "team"}
    plain = load(path, mapping=mapping)
    assert plain.counts["repeated_response_ids"] == 1 and plain.counts["accepted"] == 4
    latest = load(path, mapping=mapping, latest_per_respondent=True)
    assert_accounted(latest)
    assert latest.counts["superseded"] == 1
    assert sorted(latest.responses.response_id) == ["b", "c", "d"]


def test_timezone_policy_and_quarters():
    values = pd.Series(["2026-06-30T23:30:00Z", "2026-06-30 23:30:00", "2026-07-01T01:30:00+02:00"])
    parsed = io.dates.parse_timestamps(values, source_timezone="America/New_York")
    assert parsed[0] == pd.Timestamp("2026-06-30T23:30:00Z")
    assert parsed[1] == pd.Timestamp("2026-07-01T03:30:00Z")  # EDT is UTC-4
    assert parsed[2] == pd.Timestamp("2026-06-30T23:30:00Z")
    assert list(schema.quarter_label(parsed)) == ["2026Q2", "2026Q3", "2026Q2"]
    assert list(schema.quarter_label(parsed, tz="Europe/Paris")) == ["2026Q3", "2026Q3", "2026Q3"]


def test_fiscal_quarters():
    ts = pd.Series(pd.to_datetime(["2026-07-15", "2026-06-15", "2027-01-10"], utc=True))
    # fiscal year starting in July, named after the calendar year it ends in
    assert list(schema.quarter_label(ts, fiscal_year_start_month=7)) == ["2027Q1", "2026Q4", "2027Q3"]
    assert schema.previous_quarter("2026Q1") == "2025Q4"
    assert schema.previous_quarter("2026Q3", 4) == "2025Q3"
    assert schema.quarter_range("2026Q2", 3) == ["2025Q4", "2026Q1", "2026Q2"]


def test_prepbench_airlines_through_params_file():
    """../shared/realdata/prepbench_case122_input_01.csv loads through params; two airlines'
    NPS equal counts done independently here with the csv module."""
    build = params.load_params(ROOT / "params" / "example_prepbench_airlines.yaml")
    path = (ROOT / build.data.path)
    build = build.model_copy(update={"data": build.data.model_copy(update={"path": str(path)})})
    result = io.load_responses(build)
    assert_accounted(result)
    with open(REALDATA / "prepbench_case122_input_01.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert result.counts["rows_read"] == len(rows)
    for airline in ("Schulist, Adams and Hilpert", "Hand-Maggio"):
        scores = [int(r["How likely are you to recommend this airline?"]) for r in rows if r["Airline"] == airline]
        expected = 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)
        mine = result.responses[result.responses.team == airline]
        assert len(mine) == len(scores)
        assert stats.nps(mine.score) == pytest.approx(expected)


def test_demo_loads_without_loss(demo_responses):
    assert_accounted(demo_responses)
    assert demo_responses.counts["rows_read"] == 60_000
    assert demo_responses.counts["rejected"] == 0
    assert demo_responses.segments == ["region", "plan", "channel"]
    assert demo_responses.responses["billing_accuracy"].dtype == "float64"


def test_rejected_file_written_even_when_empty(tmp_path, demo_responses):
    path = io.write_rejected(demo_responses, tmp_path / "rejected.csv")
    assert list(pd.read_csv(path).columns) == io.load.REJECTED_COLUMNS
