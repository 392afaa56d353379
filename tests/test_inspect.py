"""`nps-report inspect FILE`: what the file holds, the problems, a params snippet that loads it."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from nps_report import cli, io, params
from nps_report.exceptions import DataError
from nps_report.io.inspect import format_report, inspect_file

from .conftest import DATA, REALDATA

FIXTURES = DATA / "importers"


def problems(report, level=None):
    return [p.message for p in report.problems if level is None or p.level == level]


def load_snippet(report, **data_updates):
    """The suggested snippet as a build would read it, loaded."""
    raw = yaml.safe_load(report.snippet)
    raw["data"].update(data_updates)
    build = params.parse_params(raw)
    return io.load_responses(build)


def test_qualtrics_report_and_snippet_round_trip():
    report = inspect_file(FIXTURES / "qualtrics_nps.csv")
    assert (report.format, report.header_rows, report.encoding) == ("qualtrics", 3, "utf-8")
    assert report.mapping["Q1"] == "score" and report.mapping["Q2"] == "comment"
    assert report.mapping["Team"] == "team" and report.scale == "0-10"
    assert report.questions["Q1"].startswith("How likely are you to recommend")
    assert any("disagrees with the score" in m for m in problems(report, "warning"))
    assert any("start with '='" in m for m in problems(report, "warning"))
    text = format_report(report)
    for expected in ("Format    qualtrics", "3 header rows", "Score     'Q1' (scale 0-10)", "Suggested params"):
        assert expected in text
    result = load_snippet(report)
    assert result.counts["accepted"] == 5 and result.counts["rejected"] == 3


@pytest.mark.parametrize("name", ["surveymonkey.csv", "typeform.csv", "google_forms.csv", "delighted.json",
                                  "qualtrics_legacy_nps.csv"])
def test_every_fixture_snippet_loads(name):
    report = inspect_file(FIXTURES / name)
    assert not problems(report, "error"), problems(report)
    result = load_snippet(report)
    assert result.counts["accepted"] >= 3


def test_ambiguous_dates_are_an_error_with_the_fix():
    report = inspect_file(REALDATA / "prepbench_case040_input_01.csv")
    assert report.format == "google_forms" and report.date_needs_dayfirst
    assert any("dayfirst" in m for m in problems(report, "error"))
    assert "# dayfirst: true    # REQUIRED" in report.snippet
    assert any("several 0-10 columns" in m for m in problems(report, "warning"))
    result = load_snippet(report, dayfirst=False)
    assert result.counts["accepted"] == 39


def test_one_to_ten_scale_is_warned_never_rescaled(tmp_path):
    path = tmp_path / "scale.csv"
    rows = [f"r{i},2026-07-{1 + i % 28:02d},{1 + i % 10},Team A" for i in range(60)]
    path.write_text("id,date,How likely are you to recommend us (1-10)?,team\n" + "\n".join(rows) + "\n")
    report = inspect_file(path)
    assert report.scale == "1-10"
    assert any("1-10 scale" in m and "never rescales" in m for m in problems(report, "warning"))
    result = load_snippet(report)
    assert sorted(result.responses.score.unique()) == list(range(1, 11))  # as written
    assert any("1-10 scale" in note for note in result.notes)


def test_recoded_minus_100_scale_is_an_error(tmp_path):
    path = tmp_path / "recoded.csv"
    path.write_text("id,NPS,team\n" + "".join(f"r{i},{v},T\n" for i, v in enumerate([100, 0, -100, 100] * 3)))
    report = inspect_file(path)
    assert report.scale == "-100/0/100"
    assert any("recoded" in m for m in problems(report, "error"))


def test_mixed_dates_damaged_ids_and_formulas_are_flagged(tmp_path):
    path = tmp_path / "messy.csv"
    path.write_text(
        "Response ID,Submitted,How likely are you to recommend us?,Comment,Team\n"
        "5.70306E+17,2026-07-01 10:00:00,9,=HYPERLINK(\"http://x\"),Support\n"
        "5.70306E+17,13/07/2026 10:00,7,@SUM(A1),Support\n"
        "570306123456789012,46204.5,3,-not a number,+Billing\n"
        "r4,5th Jul 2026,10,-5,Billing\n")
    report = inspect_file(path)
    warnings = " | ".join(problems(report, "warning"))
    assert "mixed date formats in 'Submitted'" in warnings
    assert "scientific notation" in warnings and "'5.70306E+17'" in warnings
    assert "cells of 'Comment' start with '='" in warnings
    assert "cells of 'Team' start with '+'" in warnings
    assert "'-5'" not in warnings  # a negative number is not a formula
    assert len(report.dates) >= 3


def test_flags_long_format_and_question_lists():
    report = inspect_file(REALDATA / "prepbench_case050_input_03.csv")
    assert report.mapping["Would you recommend C&BSco to your friends and family? (Score 0-10)"] == "score"
    assert report.dayfirst is True
    assert any("agrees with the score in every row" in m for m in problems(report, "note"))
    assert any("several comment columns" in m for m in problems(report, "note"))
    long = inspect_file(REALDATA / "prepbench_case050_input_01.csv")
    assert any("long format" in m for m in problems(long, "error"))
    questions = inspect_file(REALDATA / "prepbench_case050_input_02.csv")
    assert any("list of questions" in m for m in problems(questions, "error"))


def test_not_nps_qualtrics_sample_says_so():
    report = inspect_file(REALDATA / "qualtrics_qualtRics_sample.csv")
    assert report.format == "qualtrics" and report.header_rows == 3
    assert any("not an NPS survey" in m for m in problems(report, "error"))
    assert "# no score column found" in report.snippet


@pytest.mark.parametrize("content,match", [
    (b"", "empty"),
    (b"\n\n  \n", "empty"),
    (b"id,score,team\n", "no data rows"),
    (b"PK\x03\x04garbage", "Excel workbook"),
])
def test_unusable_files_raise_data_error(tmp_path, content, match):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=match):
        inspect_file(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        inspect_file(tmp_path / "nope.csv")


def test_cli_inspect_prints_report(capsys):
    assert cli.main(["inspect", str(FIXTURES / "typeform.csv")]) == 0
    out = capsys.readouterr().out
    assert "Format    typeform" in out and "source_timezone: UTC" in out


def test_cli_inspect_unusable_file_exits_2(tmp_path, capsys):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert cli.main(["inspect", str(path)]) == 2
    assert "empty" in capsys.readouterr().err


def test_snippet_quotes_awkward_column_names(tmp_path):
    path = tmp_path / "awkward.csv"
    frame = pd.DataFrame({'Team: "name"': ["A", "B", "A"], "How likely are you to recommend us? #1": [9, 3, 10],
                          "Submitted at": ["2026-07-01", "2026-07-02", "2026-07-03"]})
    frame.to_csv(path, index=False)
    report = inspect_file(path)
    raw = yaml.safe_load(report.snippet)
    assert raw["data"]["columns"]["How likely are you to recommend us? #1"] == "score"
    assert raw["data"]["columns"]['Team: "name"'] == "team"
    assert load_snippet(report).counts["accepted"] == 3
