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


# ----------------------------------------------------------------------------- like an analyst

def printed_snippet(report) -> dict:
    """The params snippet as ``nps-report inspect`` prints it, parsed as YAML."""
    text = format_report(report)
    lines = text.split("Suggested params (copy into your build file and check the lines marked):\n", 1)[1]
    return yaml.safe_load("\n".join(line[2:] for line in lines.splitlines()))


def test_counts_are_on_the_whole_file(tmp_path):
    # Six airlines, but the first 1,000 rows (the sample the roles are guessed from) hold two.
    airlines = ["Alpha"] * 500 + ["Beta"] * 500 + ["Gamma", "Delta", "Epsilon", "Zeta"] * 150
    frame = pd.DataFrame({"Airline": airlines, "How likely are you to recommend us?": [i % 11 for i in range(1600)],
                          "Submitted": [f"2026-07-{1 + i % 28:02d}" for i in range(1600)]})
    frame.to_csv(tmp_path / "airlines.csv", index=False)
    report = inspect_file(tmp_path / "airlines.csv")
    text = format_report(report)
    assert "'Airline' (6 values" in text and "1,600 answers" in text
    assert report.counted_rows == 1600 and "Counts    below are on the first" not in text


def test_counts_on_a_sample_are_labelled_with_its_size(tmp_path, monkeypatch):
    from nps_report.io import columns, inspect as inspect_mod

    monkeypatch.setattr(columns, "PROFILE_ROWS", 1000)
    monkeypatch.setattr(inspect_mod, "PROFILE_ROWS", 1000)
    frame = pd.DataFrame({"Airline": ["A", "B"] * 800, "How likely are you to recommend us?": [i % 11 for i in range(1600)],
                          "Submitted": ["2026-07-01"] * 1600})
    frame.to_csv(tmp_path / "big.csv", index=False)
    text = format_report(inspect_file(tmp_path / "big.csv"))
    assert "Counts    below are on the first 1,000 rows (a sample of 1,000 of 1,600)" in text
    assert "1,000 answers" in text


def test_free_text_mostly_na_is_a_comment_never_a_team(tmp_path):
    # As in a real export: the French comments sit in a column without a comment word, and
    # most of its cells (all of the first thousand rows) are "NA".
    comments = ["NA"] * 1000 + [f"Il y a très peu de caisses ouvertes le samedi numéro {i}" for i in range(300)]
    frame = pd.DataFrame({"magasin": (["Lyon", "Paris", "Nantes"] * 500)[:1300],
                          "note_recommandation": [i % 11 for i in range(1300)],
                          "date_reponse": ["2026-07-01"] * 1300, "texte": comments})
    frame.to_csv(tmp_path / "fr.csv", index=False)
    report = inspect_file(tmp_path / "fr.csv")
    assert "texte" not in [c["column"] for c in report.team]
    assert report.mapping["texte"] == "comment"
    free = next(c for c in report.comment if c["column"] == "texte")
    assert free["free_text"] and free["distinct"] == 300      # NA is no answer, not a distinct one
    assert "(free text, 300 distinct answers)" in format_report(report)


def test_scale_labels_are_not_comments_and_ids_are_not_dates(tmp_path):
    labels = ["Extremely likely", "Very likely", "Somewhat likely", "Not so likely", "Not at all likely"]
    n = 200
    frame = pd.DataFrame({
        "id": [1_782_892_800 + 3600 * i for i in range(n)],          # would parse as epoch seconds
        "How likely are you to recommend us?": [i % 11 for i in range(n)],
        "Likelihood label (comment scale)": [labels[i % 5] for i in range(n)],
        "Why?": [f"Because reason number {i} matters to me" for i in range(n)],
        "Team": ["North", "South"] * (n // 2)})
    frame.to_csv(tmp_path / "labels.csv", index=False)
    report = inspect_file(tmp_path / "labels.csv")
    assert "id" not in [c["column"] for c in report.date]
    assert report.mapping.get("id") != "submitted_at"
    assert "Likelihood label (comment scale)" not in [c["column"] for c in report.comment]
    assert report.mapping["Why?"] == "comment"


def test_question_headers_are_not_teams():
    report = inspect_file(REALDATA / "prepbench_case040_input_01.csv")
    assert not [c for c in report.team if "How would you rate the food" in c["column"]]
    assert "team: \"All responses\"" in report.snippet


@pytest.mark.parametrize("values,expected", [
    ([0] * 99 + [3], "99% of the 100 answers in 'score' are 0"),                 # a retweet count
    ([0, 5, 9, 10] * 20 + [12, 40, 15, 150, 11] * 4, "20 of 100 numbers in 'score' are outside 0-10 (e.g. '12'"),
    ([round(0.01 * i, 2) for i in range(100)], "are not whole (e.g. '0.01')"),  # a confidence in 0-1
])
def test_score_that_does_not_look_like_survey_answers_is_warned(tmp_path, values, expected):
    frame = pd.DataFrame({"response_id": range(len(values)), "score": values,
                          "submitted_at": ["2026-07-01"] * len(values), "team": ["T"] * len(values)})
    frame.to_csv(tmp_path / "odd.csv", index=False)
    report = inspect_file(tmp_path / "odd.csv")
    assert any(expected in m for m in problems(report, "warning")), problems(report)


def test_real_answers_raise_no_score_doubt():
    report = inspect_file(REALDATA / "prepbench_case122_input_01.csv")
    assert not [m for m in problems(report) if "outside 0-10" in m or "not whole" in m or "answers in" in m]


def test_xml_and_survey_definition_recognised_and_the_printed_snippet_loads():
    xml, qsf = FIXTURES / "qualtrics_nps.xml", FIXTURES / "qualtrics_nps.qsf"
    report = inspect_file(xml, survey_definition=qsf)
    assert report.format == "qualtrics-xml"
    assert report.question_kinds["QID1"] == "nps" and report.question_kinds["QID2_TEXT"] == "text"
    text = format_report(report)
    assert "Questions NPS: 'QID1' 'How likely are you to recommend Acme" in text
    assert "text: 'QID2_TEXT' 'What is the main reason for your score?'" in text
    raw = printed_snippet(report)
    assert raw["data"]["format"] == "qualtrics-xml" and raw["data"]["survey_definition"] == str(qsf)
    result = io.load_responses(params.parse_params(raw))
    assert (result.counts["accepted"], result.counts["rejected"]) == (5, 3)
    with pytest.raises(DataError, match="Qualtrics survey definition"):
        inspect_file(qsf)


@pytest.mark.parametrize("path", [FIXTURES / "qualtrics_nps.csv", FIXTURES / "typeform.csv",
                                  REALDATA / "prepbench_case050_input_03.csv",
                                  REALDATA / "prepbench_case040_input_02.csv"])
def test_printed_snippet_loads_as_is(path):
    report = inspect_file(path)
    assert not problems(report, "error")
    result = io.load_responses(params.parse_params(printed_snippet(report)))
    assert result.counts["accepted"] >= 3
    assert result.counts["rows_read"] == report.rows
