"""Qualtrics XML exports and survey definitions (.qsf): the XML reads to the same canonical
rows as the CSV export of the same responses, the NPS group is checked, the survey
definition names the questions and labels the choices, and a .qsf given as data is refused
with a message that says what it is."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from nps_report import cli, io, params
from nps_report.exceptions import DataError
from nps_report.io.survey_definition import read_survey_definition

from .conftest import DATA

FIXTURES = DATA / "importers"
XML = FIXTURES / "qualtrics_nps.xml"
QSF = FIXTURES / "qualtrics_nps.qsf"
CANONICAL = ["response_id", "respondent_id", "submitted_at", "score", "comment", "team", "quarter"]


def load(path, **data):
    return io.load_source(params.DataSource(path=str(path), **data))


def nps(scores) -> float:
    scores = pd.Series(scores)
    return 100 * ((scores >= 9).mean() - (scores <= 6).mean())


def test_xml_export_reads_to_the_same_rows_and_nps_as_the_csv_export():
    from_csv = load(FIXTURES / "qualtrics_nps.csv")
    # The XML states no time zone (the CSV's ImportId row does): the build says it.
    from_xml = load(XML, source_timezone="Europe/Paris")
    assert from_xml.format == "qualtrics-xml" and io.detect_format(XML) == "qualtrics-xml"
    assert io.detect_format(XML.read_bytes()) == "qualtrics-xml"
    assert from_xml.counts == from_csv.counts == {
        "rows_read": 8, "accepted": 5, "rejected": 3, "exact_duplicates": 0,
        "repeated_response_ids": 0, "superseded": 0, "missing_values": 0, "repaired_lines": 0}
    pd.testing.assert_frame_equal(from_xml.responses[CANONICAL], from_csv.responses[CANONICAL])
    assert nps(from_xml.responses.score) == nps(from_csv.responses.score) == pytest.approx(-20.0)
    # The NPS group check works on the numeric groups of the XML (3 = Promoter).
    why = dict(zip(from_xml.rejected["ResponseID"], from_xml.rejected["reason"]))
    assert why == {"R_5eeeeeeeeeeeeee": "NPS group '3' does not match the score 5 (a detractor)",
                   "R_6ffffffffffffff": "missing score",
                   "R_7gggggggggggggg": "missing score (-99: seen but not answered)"}
    assert from_xml.responses.set_index("response_id").loc["R_8hhhhhhhhhhhhhh", "comment"] == \
        '=HYPERLINK("http://example.com","click")'   # an escaped cell comes back as written


def test_api_style_element_names_and_text_groups(tmp_path):
    path = tmp_path / "api.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Responses>\n'
        "<Response><startDate>2026-08-01 10:00:00</startDate><endDate>2026-08-01 10:05:00</endDate>"
        "<recordedDate>2026-08-01 10:05:01</recordedDate><_recordId>R_a</_recordId>"
        "<QID7_NPS_GROUP>Promoter</QID7_NPS_GROUP><QID7>9</QID7><QID8_TEXT>Caf\u00e9 was great</QID8_TEXT>"
        "<Team>Caf\u00e9</Team></Response>\n"
        "<Response><startDate>2026-08-02 10:00:00</startDate><endDate>2026-08-02 10:05:00</endDate>"
        "<recordedDate>2026-08-02 10:05:01</recordedDate><_recordId>R_b</_recordId>"
        "<QID7_NPS_GROUP>Detractor</QID7_NPS_GROUP><QID7>8</QID7><Team>Caf\u00e9</Team></Response>\n"
        "<Response><endDate>2026-08-03 10:05:00</endDate><_recordId>R_c</_recordId>"
        "<QID7_NPS_GROUP>Passive</QID7_NPS_GROUP><QID7>7</QID7><Team>Bar</Team></Response>\n"
        "</Responses>\n", encoding="utf-8")
    raw = io.read_table(path)
    assert raw.mapping["ResponseId"] == "response_id" and raw.mapping["EndDate"] == "submitted_at"
    assert raw.mapping["QID7"] == "score" and raw.mapping["QID8_TEXT"] == "comment"
    result = load(path)
    assert result.counts["rows_read"] == 3 and result.counts["accepted"] == 2
    assert list(result.rejected.reason) == ["NPS group 'Detractor' does not match the score 8 (a passive)"]
    assert list(result.responses.team) == ["Caf\u00e9", "Bar"]     # UTF-8 as declared
    assert list(result.responses.comment.fillna("")) == ["Caf\u00e9 was great", ""]  # a missing element is blank


@pytest.mark.parametrize("content,match", [
    (b'<?xml version="1.0"?><Responses><Response><QID1>9</QID1></Responses>', "cannot parse as XML"),
    (b'<?xml version="1.0"?><Survey><Question>Q1</Question></Survey>', "without <Response> elements"),
    (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
     b"<Responses><Response><QID1>&b;</QID1></Response></Responses>", "refused to read the XML"),
])
def test_unusable_xml_names_the_file(tmp_path, content, match):
    path = tmp_path / "export.xml"
    path.write_bytes(content)
    with pytest.raises(DataError, match=match) as info:
        io.read_table(path)
    assert "export.xml" in str(info.value)


def test_survey_definition_is_read():
    definition = read_survey_definition(QSF)
    assert definition.name == "Acme customer NPS 2026" and len(definition.questions) == 3
    nps_question = definition.question_for("QID1_NPS_GROUP")
    assert (nps_question.kind, nps_question.export_tag) == ("nps", "Q1")
    assert definition.question_for("Q2").text == "What is the main reason for your score?"  # HTML removed
    assert definition.question_for("QID3").choices == {"1": "Basic", "2": "Pro"}
    assert definition.question_for("Q9") is None


def test_survey_definition_labels_choices_so_they_can_be_segments_or_teams():
    result = load(XML, source_timezone="Europe/Paris", survey_definition=str(QSF),
                  columns={"QID3": "team"})
    # Codes 1/2 in the XML become the plan names of the .qsf; an unanswered plan stays blank.
    assert sorted(result.responses.team.unique()) == ["Basic", "Pro"]
    assert result.counts["rejected"] == 3   # those of the group check (R_5, without a plan, among them)
    assert any("choice codes replaced by their labels" in n and "1 = Basic" in n for n in result.notes)
    # Without the definition the codes are kept as written.
    codes = load(XML, source_timezone="Europe/Paris", columns={"QID3": "team"})
    assert sorted(codes.responses.team.unique()) == ["1", "2"]


def test_survey_definition_finds_the_nps_question_when_no_group_column_shows_it(tmp_path):
    text = XML.read_text(encoding="utf-8")
    path = tmp_path / "no_groups.xml"
    path.write_text("\n".join(line for line in text.splitlines() if "NPS_GROUP" not in line), encoding="utf-8")
    with pytest.raises(DataError, match="no NPS question"):
        load(path)
    result = load(path, survey_definition=str(QSF))
    assert result.counts["accepted"] == 6    # R_5's score of 5 stands once no group contradicts it
    assert result.responses.comment.dropna().iloc[0] == "Great support"


@pytest.mark.parametrize("name", ["survey.qsf", "survey.json"])
def test_qsf_given_as_data_says_what_it_is(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(QSF.read_bytes())
    with pytest.raises(DataError) as info:
        load(path)
    message = str(info.value)
    assert "Qualtrics survey definition" in message and "holds no responses" in message
    assert "data.survey_definition" in message and "Acme customer NPS 2026" in message and name in message


def test_cli_refuses_a_qsf_with_exit_2(tmp_path, capsys):
    build = tmp_path / "build.yaml"
    build.write_text(f"data:\n  path: {json.dumps(str(QSF))}\n  constants: {{team: T}}\n")
    assert cli.main(["summary", str(build)]) == 2
    assert cli.main(["inspect", str(QSF)]) == 2
    err = capsys.readouterr().err
    assert err.count("Qualtrics survey definition") == 2 and "Traceback" not in err


def test_cli_format_is_said_to_come_from_the_command_line(capsys):
    assert cli.main(["inspect", str(FIXTURES / "qualtrics_nps.csv"), "--format", "qualtrics"]) == 0
    out = capsys.readouterr().out
    assert "format: qualtrics (given with --format)" in out and "from the build file" not in out
    build = params.DataSource(path=str(FIXTURES / "qualtrics_nps.csv"), format="qualtrics")
    assert io.read_source(build).detected_because == "format: qualtrics (from the build file)"
