"""Every file in ../shared/realdata/ (written by people outside this project, see its
PROVENANCE.md) either loads, with counts checked here independently with the csv module,
or is refused with a DataError that says why it is not NPS data."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from nps_report import io, params
from nps_report.exceptions import DataError
from nps_report.io.inspect import format_report, inspect_file

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"

AIRLINE_SCORE = "How likely are you to recommend this airline?"
SUDZILLA = "On a scale of 0-10, how would you rate Sudzilla?"
CBS_SCORE = "Would you recommend C&BSco to your friends and family? (Score 0-10)"

# How each file is loaded, or why it cannot be: every data file must be listed here.
LOADS = {
    "prepbench_case122_input_01.csv": dict(columns={"Airline": "team", "CustomerID": "respondent_id"},
                                           constants={"submitted_at": "2026-09-30"}),
    "prepbench_case122_input_02.csv": dict(columns={"Airline": "team", "CustomerID": "respondent_id"},
                                           constants={"submitted_at": "2026-09-30"}),
    "prepbench_case040_input_01.csv": dict(columns={SUDZILLA: "score"}, constants={"team": "Sudzilla"},
                                           dayfirst=False),
    "prepbench_case040_input_02.csv": dict(columns={SUDZILLA: "score"}, constants={"team": "Sudzilla"}),
    "prepbench_case050_input_03.csv": dict(columns={"Store": "team", "Country": "department",
                                                    "Name": "respondent_id"}),
}
REFUSED = {
    "qualtrics_qualtRics_sample.csv": "not an NPS survey",
    "qualtrics_qualtRics_sample_legacy.csv": "not an NPS survey",
    "prepbench_case050_input_01.csv": "long format",
    "prepbench_case050_input_02.csv": "list of questions",
}


def data_files():
    return sorted(p.name for p in REALDATA.iterdir() if p.is_file() and p.suffix.lower() != ".md")


def load(name, **kwargs):
    return io.load_source(params.DataSource(path=str(REALDATA / name), **kwargs))


def csv_rows(name, encoding="utf-8"):
    with open(REALDATA / name, newline="", encoding=encoding) as handle:
        return list(csv.DictReader(handle))


def nps(scores):
    scores = list(scores)
    return 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)


def accounted(result):
    c = result.counts
    assert c["rows_read"] == (c["accepted"] + c["rejected"] + c["exact_duplicates"]
                              + c["repeated_response_ids"] + c["superseded"])
    return result


def test_every_file_is_covered():
    assert REALDATA.is_dir(), REALDATA
    assert set(data_files()) == set(LOADS) | set(REFUSED)


@pytest.mark.parametrize("name", sorted(LOADS))
def test_nps_files_yield_responses(name):
    result = accounted(load(name, **LOADS[name]))
    assert result.counts["accepted"] > 0
    assert result.counts["rejected"] == 0


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_other_files_are_refused_with_the_reason(name):
    with pytest.raises(DataError) as info:
        load(name, constants={"team": "All"})
    message = str(info.value)
    assert REFUSED[name] in message and name in message


@pytest.mark.parametrize("name", sorted(set(LOADS) | set(REFUSED)))
def test_every_file_can_be_inspected(name):
    text = format_report(inspect_file(REALDATA / name))
    assert "Suggested params" in text


@pytest.mark.parametrize("name", ["prepbench_case122_input_01.csv", "prepbench_case122_input_02.csv"])
def test_airline_counts_and_nps_match_the_csv_module(name):
    rows = csv_rows(name)
    result = load(name, **LOADS[name])
    assert result.counts["rows_read"] == len(rows) == result.counts["accepted"]
    by_airline = Counter(r["Airline"] for r in rows)
    assert result.responses.team.value_counts().to_dict() == dict(by_airline)
    for airline, _ in by_airline.most_common(3):
        expected = nps(int(r[AIRLINE_SCORE]) for r in rows if r["Airline"] == airline)
        mine = result.responses[result.responses.team == airline]
        assert nps(mine.score) == pytest.approx(expected)


def test_sudzilla_two_timestamp_styles_give_the_same_answers():
    us_style = load("prepbench_case040_input_01.csv", **LOADS["prepbench_case040_input_01.csv"])
    iso_style = load("prepbench_case040_input_02.csv", **LOADS["prepbench_case040_input_02.csv"])
    rows = csv_rows("prepbench_case040_input_01.csv")
    assert us_style.counts["accepted"] == iso_style.counts["accepted"] == len(rows) == 39
    assert list(us_style.responses.score) == [int(r[SUDZILLA]) for r in rows]
    assert nps(us_style.responses.score) == pytest.approx(nps(int(r[SUDZILLA]) for r in rows))
    # 11/1/2019 8:51:12 (month first, whole seconds) is 2019-11-01 08:51:12.402 to the second
    seconds = iso_style.responses.submitted_at.dt.floor("s")
    assert list(us_style.responses.submitted_at) == list(seconds)
    assert set(us_style.responses.quarter) == {"2019Q4"}
    comments = us_style.responses.comment.dropna()
    assert comments.iloc[0] == "Bad service" and len(comments) == sum(r["...why?"] != "" for r in rows)


def test_sudzilla_without_dayfirst_explains_the_ambiguity():
    options = dict(LOADS["prepbench_case040_input_01.csv"])
    options.pop("dayfirst")
    with pytest.raises(DataError, match="'Timestamp'.*set 'dayfirst: true' or 'dayfirst: false'"):
        load("prepbench_case040_input_01.csv", **options)


def test_sudzilla_score_must_be_named_among_three_rating_columns():
    with pytest.raises(DataError, match="several columns could hold the 0-10 score"):
        load("prepbench_case040_input_02.csv", constants={"team": "Sudzilla"})


def test_chin_and_beard_wide_layout():
    rows = csv_rows("prepbench_case050_input_03.csv", encoding="utf-8-sig")
    result = load("prepbench_case050_input_03.csv", **LOADS["prepbench_case050_input_03.csv"])
    assert result.counts["accepted"] == len(rows) == 24
    for store in ("Clapham", "Putney"):
        expected = nps(int(r[CBS_SCORE]) for r in rows if r["Store"] == store)
        assert nps(result.responses[result.responses.team == store].score) == pytest.approx(expected)
    # dd/mm/yyyy settled by 20/01/2020; the Promoter/Detractor/Passive flags agree with every score
    first = result.responses.iloc[0]
    assert first.submitted_at == pd.Timestamp("2020-01-05 13:03", tz="UTC") and first.department == "England"
    promoters = {r["Name"] + r["Completion Date"] for r in rows if r["Promoter"] == "1"}
    assert len(promoters) == int((result.responses.score >= 9).sum())


def test_chin_and_beard_flags_would_catch_a_disagreement(tmp_path):
    text = (REALDATA / "prepbench_case050_input_03.csv").read_text(encoding="utf-8-sig")
    lines = text.splitlines(keepends=True)
    lines[1] = lines[1].replace(",First,7,,,1,", ",First,7,1,,,")  # Juliana: passive flagged promoter
    path = tmp_path / "tampered.csv"
    path.write_text("".join(lines), encoding="utf-8")
    result = io.load_source(params.DataSource(path=str(path), **LOADS["prepbench_case050_input_03.csv"]))
    assert list(result.rejected.reason) == ["NPS group 'Promoter flag' does not match the score 7 (a passive)"]
