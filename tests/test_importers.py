"""Survey-tool importers: layout detection, header rows, default mappings, NPS group checks,
the explicit format override, and every container (CSV, XLSX, Parquet, JSON, SQL)."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from nps_report import io, params
from nps_report.exceptions import DataError, NpsReportError

from .conftest import DATA, REALDATA

FIXTURES = DATA / "importers"


def source(path, **kwargs):
    return params.DataSource(path=str(path), **kwargs)


def load(path, **kwargs):
    return io.load_source(source(path, **kwargs))


def accounted(result):
    c = result.counts
    assert c["rows_read"] == (c["accepted"] + c["rejected"] + c["exact_duplicates"]
                              + c["repeated_response_ids"] + c["superseded"])
    return result


def reasons(result, key="source_row"):
    """Rejection reason by source row (or by another column of the rejected rows)."""
    return dict(zip(result.rejected[key], result.rejected["reason"]))


# ----------------------------------------------------------------------------- detection

@pytest.mark.parametrize("path,expected,header_rows", [
    (FIXTURES / "qualtrics_nps.csv", "qualtrics", 3),
    (FIXTURES / "qualtrics_legacy_nps.csv", "qualtrics_legacy", 2),
    (FIXTURES / "surveymonkey.csv", "surveymonkey", 2),
    (FIXTURES / "typeform.csv", "typeform", 1),
    (FIXTURES / "google_forms.csv", "google_forms", 1),
    (FIXTURES / "delighted.csv", "delighted", 1),
    (FIXTURES / "delighted.json", "delighted", 0),
    (REALDATA / "qualtrics_qualtRics_sample.csv", "qualtrics", 3),
    (REALDATA / "qualtrics_qualtRics_sample_legacy.csv", "qualtrics_legacy", 2),
    (REALDATA / "prepbench_case040_input_01.csv", "google_forms", 1),
    (REALDATA / "prepbench_case122_input_01.csv", "csv", 1),
    (DATA / "bad_rows.csv", "csv", 1),
])
def test_detects_layout_and_header_rows(path, expected, header_rows):
    raw = io.read_table(path)
    assert (raw.format, raw.header_rows) == (expected, header_rows)
    assert io.detect_format(path) == expected
    if path.suffix == ".csv":
        assert io.detect_format(path.read_bytes()) == expected
    assert raw.detected_because


def test_detect_format_accepts_a_named_table():
    frame = pd.DataFrame({"id": ["1"], "score": ["9"], "created_at": ["1782892800"], "survey_type": ["nps"]})
    assert io.detect_format(frame) == "delighted"
    assert io.detect_format(pd.DataFrame({"a": [1]})) == "parquet"


def test_qualtrics_defaults_groups_and_text_cells():
    result = accounted(load(FIXTURES / "qualtrics_nps.csv"))
    assert result.format == "qualtrics"
    assert result.counts == {"rows_read": 8, "accepted": 5, "rejected": 3, "exact_duplicates": 0,
                             "repeated_response_ids": 0, "superseded": 0, "missing_values": 0,
                             "repaired_lines": 0}
    why = dict(zip(result.rejected["ResponseId"], result.rejected["reason"]))
    assert why == {
        "R_5eeeeeeeeeeeeee": "NPS group 'Promoter' does not match the score 5 (a detractor)",
        "R_6ffffffffffffff": "missing score",                       # NPS question unanswered
        "R_7gggggggggggggg": "missing score (-99: seen but not answered)",
    }
    responses = result.responses.set_index("response_id")
    assert responses.loc["R_4dddddddddddddd", "score"] == 7              # "Neutral" is passive
    assert responses.loc["R_8hhhhhhhhhhhhhh", "comment"] == '=HYPERLINK("http://example.com","click")'
    assert responses.loc["R_1aaaaaaaaaaaaaa", "respondent_id"] == "C001"  # ExternalReference
    # The ImportId row states the export's zone: 09:15 in Paris is 07:15 UTC.
    assert responses.loc["R_1aaaaaaaaaaaaaa", "submitted_at"] == pd.Timestamp("2026-07-01 07:15", tz="UTC")
    assert any("Europe/Paris" in note for note in result.notes)


def test_qualtrics_with_two_header_rows(tmp_path):
    lines = (FIXTURES / "qualtrics_nps.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "two_rows.csv"
    path.write_text(lines[0] + lines[1] + "".join(lines[3:]), encoding="utf-8")
    raw = io.read_table(path)
    assert (raw.format, raw.header_rows) == ("qualtrics", 2)
    result = accounted(load(path))
    assert result.counts["accepted"] == 5
    # Without the ImportId row nothing states the zone: source_timezone applies.
    first = result.responses.set_index("response_id").loc["R_1aaaaaaaaaaaaaa", "submitted_at"]
    assert first == pd.Timestamp("2026-07-01 09:15", tz="UTC")


def test_qualtrics_legacy_bom_trailing_commas_numeric_groups():
    raw = io.read_table(FIXTURES / "qualtrics_legacy_nps.csv")
    assert raw.encoding == "utf-8-sig"
    assert not [c for c in raw.frame.columns if c.startswith("Unnamed")]
    assert raw.mapping["Q1"] == "score" and raw.mapping["Q2"] == "comment"
    result = accounted(load(FIXTURES / "qualtrics_legacy_nps.csv"))
    assert dict(zip(result.rejected["ResponseID"], result.rejected["reason"])) == {
        "R_4dddddddddddddd": "NPS group '3' does not match the score 6 (a detractor)"}
    assert sorted(result.responses.score) == [0, 2, 7, 9]


def test_qualtrics_several_nps_questions_asks_which(tmp_path):
    text = ("ResponseId,EndDate,Q1_NPS_GROUP,Q1,Q5_NPS_GROUP,Q5,Team\n"
            "R_1,2026-07-01 10:00:00,Promoter,9,Detractor,9,T\n"
            "R_2,2026-07-01 11:00:00,Passive,7,Passive,8,T\n")
    path = tmp_path / "two_nps.csv"
    path.write_text(text)
    with pytest.raises(DataError, match="several NPS questions .*Q1, Q5"):
        load(path)
    # Mapped explicitly, Q5 is checked against Q5_NPS_GROUP (R_1 disagrees), not Q1's group.
    result = accounted(load(path, columns={"Q5": "score"}))
    assert list(result.rejected["ResponseId"]) == ["R_1"]
    assert list(result.responses.score) == [8]


def test_qualtrics_xlsx_export_is_detected(tmp_path):
    grid = pd.read_csv(FIXTURES / "qualtrics_nps.csv", header=None, dtype=str, keep_default_na=False)
    path = tmp_path / "qualtrics.xlsx"
    grid.to_excel(path, header=False, index=False)
    raw = io.read_table(path)
    assert (raw.format, raw.header_rows, raw.container) == ("qualtrics", 3, "xlsx")
    assert accounted(load(path)).counts["accepted"] == 5


def test_utf16_spreadsheet_export_of_qualtrics(tmp_path):
    path = tmp_path / "utf16.csv"
    path.write_bytes((FIXTURES / "qualtrics_legacy_nps.csv").read_text(encoding="utf-8-sig").encode("utf-16"))
    raw = io.read_table(path)
    assert (raw.format, raw.encoding) == ("qualtrics_legacy", "utf-16")
    assert accounted(load(path)).counts["accepted"] == 4


def test_explicit_format_overrides_detection():
    raw = io.read_table(FIXTURES / "qualtrics_nps.csv", format="csv")
    assert (raw.format, raw.header_rows) == ("csv", 1)
    assert len(raw.frame) == 10  # question-text and ImportId rows are now data rows
    forced = io.read_table(REALDATA / "prepbench_case040_input_02.csv", format="google_forms")
    assert forced.format == "google_forms" and forced.mapping["Timestamp"] == "submitted_at"
    with pytest.raises(DataError, match="unknown format"):
        io.read_table(FIXTURES / "typeform.csv", format="limesurvey")


def test_surveymonkey_two_header_rows_and_labelled_scores():
    raw = io.read_table(FIXTURES / "surveymonkey.csv")
    assert "Which products do you use? - Web" in raw.frame.columns
    assert "Which products do you use? - App" in raw.frame.columns
    assert raw.mapping["What is the main reason for your score?"] == "comment"
    with pytest.raises(DataError, match="'team'"):
        load(FIXTURES / "surveymonkey.csv")
    result = accounted(load(FIXTURES / "surveymonkey.csv", columns={"Which team helped you?": "team"}))
    responses = result.responses.set_index("response_id")
    assert responses.score.to_dict() == {"114000000001": 10, "114000000002": 0, "114000000003": 8,
                                         "114000000004": 6}
    # MM/DD/YYYY hh:mm:ss AM: the 17th settles month-first order; 12:02 AM is just after midnight.
    assert responses.loc["114000000001", "submitted_at"] == pd.Timestamp("2026-03-17 10:15:32", tz="UTC")
    assert responses.loc["114000000004", "submitted_at"] == pd.Timestamp("2026-03-21 00:02:10", tz="UTC")
    assert reasons(result) == {5: "missing score"}


def test_typeform_dates_are_utc_whatever_source_timezone_says():
    result = accounted(load(FIXTURES / "typeform.csv", source_timezone="America/New_York"))
    responses = result.responses.set_index("response_id")
    assert responses.loc["a1b2c3d4e5", "submitted_at"] == pd.Timestamp("2026-09-30 22:30", tz="UTC")
    assert responses.loc["a1b2c3d4e5", "quarter"] == "2026Q3"
    assert any("UTC" in note for note in result.notes)
    assert reasons(result) == {3: "missing score"}  # the partial response


def test_google_forms_offsets():
    result = accounted(load(FIXTURES / "google_forms.csv"))
    stamps = list(result.responses.submitted_at)
    assert stamps[0] == pd.Timestamp("2026-09-27 12:00", tz="UTC")     # 3 PM GMT+3
    assert stamps[2] == pd.Timestamp("2026-10-01 04:59", tz="UTC")     # 11:59 PM GMT-5: next quarter
    assert list(result.responses.quarter) == ["2026Q3", "2026Q3", "2026Q4", "2026Q4"]
    assert result.responses.loc[0, "email"] == "ann@example.com"


@pytest.mark.parametrize("name", ["delighted.json", "delighted.csv"])
def test_delighted_epoch_person_properties_and_survey_type(name):
    raw = io.read_table(FIXTURES / name)
    assert raw.mapping["person_properties.Team"] == "team"
    result = accounted(load(FIXTURES / name))
    assert reasons(result) == {3: "not an NPS answer (Delighted survey_type csat)"}
    responses = result.responses.set_index("response_id")
    assert responses.loc["1001", "submitted_at"] == pd.Timestamp("2026-07-01 08:00", tz="UTC")
    assert responses.loc["1004", "submitted_at"] == pd.Timestamp("2026-09-30 23:59:59", tz="UTC")
    assert responses.loc["1004", "comment"] == "=1+1"
    assert pd.isna(responses.loc["1002", "comment"])
    if name.endswith(".json"):
        assert raw.segments == ("person_properties.Plan",)
        planned = load(FIXTURES / name, columns={"person_properties.Plan": "plan"}, segments=["plan"])
        assert set(planned.responses.plan) == {"Pro", "Free"}


def test_generic_table_same_in_csv_xlsx_parquet_json(tmp_path):
    frame = pd.DataFrame({"Response ID": ["a", "b", "c"], "Submitted at": ["2026-01-05 10:00", "2026-02-05 11:00",
                                                                         "2026-04-01 09:30"],
                          "How likely are you to recommend us?": [10, 6, 8], "Team": ["T", "T", "U"],
                          "Why?": ["Great service overall", "", "Quick and friendly"]})
    frame.to_csv(tmp_path / "f.csv", index=False)
    frame.to_excel(tmp_path / "f.xlsx", index=False)
    frame.to_parquet(tmp_path / "f.parquet")
    frame.to_json(tmp_path / "f.json", orient="records")
    for name in ("f.csv", "f.xlsx", "f.parquet", "f.json"):
        raw = io.read_table(tmp_path / name)
        assert raw.mapping == {"Response ID": "response_id", "Team": "team",
                               "How likely are you to recommend us?": "score",
                               "Submitted at": "submitted_at", "Why?": "comment"}, name
        result = accounted(load(tmp_path / name))
        assert list(result.responses.score) == [10, 6, 8], name
        assert list(result.responses.quarter) == ["2026Q1", "2026Q1", "2026Q2"], name
        assert list(result.responses.comment.fillna("")) == ["Great service overall", "", "Quick and friendly"]


def test_build_mapping_and_constants_take_precedence(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("id,When,How likely are you to recommend us?,Other 0-10 score,team\n"
                    "a,2026-07-01,9,3,T\nb,2026-07-02,2,10,T\n")
    default = load(path)
    assert list(default.responses.score) == [9, 2]
    mine = load(path, columns={"Other 0-10 score": "score"}, constants={"submitted_at": "2026-09-30"})
    assert list(mine.responses.score) == [3, 10]
    assert set(mine.responses.submitted_at) == {pd.Timestamp("2026-09-30", tz="UTC")}


def test_promoter_detractor_flag_columns_checked(tmp_path):
    path = tmp_path / "flags.csv"
    path.write_text("Name,Date,Would you recommend us? (0-10),Promoter,Detractor,Passive,Store\n"
                    "a,2026-07-01,10,1,,,X\n"
                    "b,2026-07-01,8,1,,,X\n"      # flagged promoter, score 8
                    "c,2026-07-01,3,,1,1,X\n"     # two flags
                    "d,2026-07-01,7,,,1,X\n")
    result = accounted(load(path, columns={"Store": "team", "Name": "response_id"}))
    assert reasons(result, "Name") == {
        "b": "NPS group 'Promoter flag' does not match the score 8 (a passive)",
        "c": "several NPS group flags set (detractor, passive)"}


def test_damaged_ids_rejected_and_formula_text_kept(tmp_path):
    path = tmp_path / "damaged.csv"
    path.write_text("id,submitted,score,comment,team\n"
                    "5.70306E+17,2026-07-01,9,fine,T\n"
                    "5.70306E+17,2026-07-02,3,=cmd|' /C calc'!A0,T\n"
                    "570306123456789012,2026-07-03,10,@SUM(1),+team\n"
                    "r4,2026-07-04,7,-minus,=Team\n")
    mapping = {"id": "response_id", "submitted": "submitted_at", "score": "score", "comment": "comment",
               "team": "team"}
    result = accounted(load(path, columns=mapping))
    assert list(result.rejected.source_row) == [1, 2]
    assert result.rejected.reason.str.contains("damaged by a spreadsheet").all()
    assert list(result.responses.comment) == ["@SUM(1)", "-minus"]
    assert list(result.responses.team) == ["+team", "=Team"]
    assert result.counts["repeated_response_ids"] == 0


def test_line_with_too_many_cells_is_rejected_not_lost(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("id,submitted,score,team\nr1,2026-07-01,9,T\nr2,2026-07-01,9,T,extra,cells\n"
                    "r3,2026-07-01,5\n")
    result = accounted(load(path, columns={"id": "response_id", "submitted": "submitted_at",
                                           "score": "score", "team": "team"}))
    assert result.counts["rows_read"] == 3
    assert reasons(result) == {2: "line 3 has 6 cells, the header has 4", 3: "missing team"}
    assert result.rejected.loc[0, "value"] == "extra,cells"


def test_unclosed_quote_names_the_line(tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text('id,score\nr1,9\nr2,"9\nr3,10\n')
    with pytest.raises(DataError, match="quoted cell opened on line 3 is never closed"):
        io.read_table(path)


def test_excel_sep_hint_and_semicolons(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("sep=;\nid;submitted;How likely are you to recommend us?;team\nr1;01.07.2026 10:00;9;T\n"
                    "r2;13.07.2026 10:00;4;T\n")
    raw = io.read_table(path)
    assert raw.delimiter == ";" and list(raw.frame.columns)[0] == "id"
    result = accounted(load(path, columns={"id": "response_id", "submitted": "submitted_at"}))
    assert list(result.responses.submitted_at.dt.month) == [7, 7]


def test_old_excel_and_sqlite_files_explained(tmp_path):
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    with pytest.raises(DataError, match="old Excel"):
        io.read_table(xls)
    db = tmp_path / "survey.db"
    sqlite3.connect(db).execute("CREATE TABLE t (a)").connection.commit()
    with pytest.raises(DataError, match="data: sql:"):
        io.read_table(db)


# ----------------------------------------------------------------------------- SQL

@pytest.fixture
def survey_db(tmp_path):
    path = tmp_path / "survey.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE answers (ResponseId TEXT, EndDate TEXT, Q1_NPS_GROUP TEXT, Q1 INTEGER, "
                           "Team TEXT)")
        connection.executemany("INSERT INTO answers VALUES (?, ?, ?, ?, ?)", [
            ("R_1", "2026-07-01 10:00:00", "Promoter", 10, "Support"),
            ("R_2", "2026-07-02 10:00:00", "Detractor", 9, "Support"),   # group disagrees
            ("R_3", "2026-08-01 10:00:00", "Passive", 7, "Billing"),
            ("R_4", "2026-08-02 10:00:00", None, None, "Billing")])
    connection.close()
    return f"sqlite:///{path}"


def test_sql_table_and_query_with_detected_layout(survey_db):
    for sql in ({"url": survey_db, "table": "answers"},
                {"url": survey_db, "query": "SELECT * FROM answers WHERE Team IS NOT NULL"}):
        result = accounted(io.load_source(params.DataSource(sql=sql)))
        assert result.format == "qualtrics"  # column names give the layout away
        assert list(result.responses.response_id) == ["R_1", "R_3"]
        assert set(result.rejected.reason) == {"NPS group 'Detractor' does not match the score 9 (a promoter)",
                                               "missing score"}


def test_sql_errors_are_data_errors_without_passwords(survey_db):
    with pytest.raises(DataError, match="no table 'nope'"):
        io.load_source(params.DataSource(sql={"url": survey_db, "table": "nope"}))
    with pytest.raises(DataError, match="query failed"):
        io.load_source(params.DataSource(sql={"url": survey_db, "query": "SELEC 1"}))
    with pytest.raises(NpsReportError) as info:
        io.load_source(params.DataSource(sql={"url": "postgresql://ann:s3cret@localhost:1/db", "table": "t"}))
    assert "s3cret" not in str(info.value)
    with pytest.raises(DataError, match="not a database URL"):
        io.load_source(params.DataSource(sql={"url": "::nonsense::", "table": "t"}))
