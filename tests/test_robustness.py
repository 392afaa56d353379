"""Hostile input: every loader ends in accepted + rejected rows that add up, or a clear
NpsReportError; never any other exception, never a row unaccounted for.

Property-based (hypothesis), 500 examples per loader: random bytes (auto-detection and
inspect), generic CSV (shapes, delimiters, line ends, encodings, NUL bytes, huge cells,
ragged lines, random scores and dates), Qualtrics (new and legacy, with an independent
oracle for the NPS group check), SurveyMonkey, Typeform, Google Forms, Delighted (JSON and
CSV), XLSX, Parquet and SQL through SQLAlchemy; plus the two CSV parsers against each
other and the date parser alone. Measured on the 2-CPU development machine: the whole
file takes about 85 s of CPU (15 tests, 7,000 examples), under the two minutes allowed.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nps_report import io, params
from nps_report.exceptions import NpsReportError
from nps_report.io.inspect import format_report, inspect_file

# Hypothesis warns when it prints a falsifying example holding a 140,000-character cell.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

# `make test-fast` runs fewer examples (NPS_TEST_EXAMPLES); `make test` (CI) runs them all.
EXAMPLES = int(os.environ.get("NPS_TEST_EXAMPLES", 500))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example])
WORK = Path(tempfile.mkdtemp(prefix="nps-robustness-"))

# ----------------------------------------------------------------------------- strategies

SPECIAL = ["", " ", "\x00", '"', '""', ",", ";", "\n", "\r\n", "\r", "=1+1", "+1", "-1", "@SUM(A1)",
           "NA", "null", "None", "5.70306E+17", "\ufeff", "\t", "é", "日本", "💥", "-99"]
text_cell = st.one_of(
    st.text(max_size=20),
    st.sampled_from(SPECIAL),
    st.text(alphabet="\x00\r\n\",;\t| =+-@", max_size=8),
)
# 140,000 characters passes the csv module's default field limit of 131,072.
huge_cell = st.sampled_from(["x" * 140_000, "é" * 20_000, '"' * 5_000, "\n" * 2_000])
# About one cell in twenty is huge: enough to meet them, not enough to slow every example.
cell = st.one_of(*[text_cell] * 19, huge_cell)

plain_score = st.integers(-3, 13).map(str)
score_cell = st.one_of(
    plain_score, plain_score,
    st.sampled_from(["", " 7 ", "9.0", "7.5", "ten", "10 - Extremely likely", "0 - Not at all likely",
                     "-99", "1e1", "nan", "inf", "11", "-1"]),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    text_cell,
)
moment = st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2150, 12, 31)).map(
    lambda d: d.replace(microsecond=0))
DATE_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S+02:00", "%d/%m/%Y %H:%M",
                "%m/%d/%Y %I:%M:%S %p", "%Y/%m/%d %I:%M:%S %p GMT+3", "%d %b %Y", "%d-%m-%Y %H.%M",
                "%Y-%m-%d"]
date_cell = st.one_of(
    st.tuples(moment, st.sampled_from(DATE_FORMATS)).map(lambda t: t[0].strftime(t[1])),
    st.integers(0, 4_000_000_000).map(str),
    st.floats(10_000, 99_999).map(lambda x: f"{x:.2f}"),
    st.sampled_from(["", "5th Jan 2020", "Monday - 13th Jan", "30/02/2020", "24:00", "2020-13-45"]),
    text_cell,
)
team_cell = st.one_of(st.sampled_from(["Support", "Billing", "=HYPERLINK(\"x\")", "@team", "", " "]), text_cell)
encoding = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252", "utf-16-le"])


def write_csv(rows, *, delimiter=",", newline="\n") -> str:
    """RFC 4180 quoting: a cell with the delimiter, a quote, CR or LF is quoted. (Python's
    csv.writer quotes only the characters of its own line terminator, so with "\r" it
    would write an unquoted LF and a different table.)"""
    def quote(cell):
        cell = str(cell)
        if any(ch in cell for ch in (delimiter, '"', "\r", "\n")):
            return '"' + cell.replace('"', '""') + '"'
        return cell

    return "".join(delimiter.join(quote(c) for c in row) + newline for row in rows)


def save(name: str, data) -> Path:
    path = WORK / name
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def settle(load):
    """Run a load: a LoadResult whose counts add up, or None for a clear NpsReportError.
    Any other exception fails the test."""
    try:
        result = load()
    except NpsReportError as exc:
        assert str(exc).strip(), "an NpsReportError needs a message"
        return None
    c = result.counts
    assert c["rows_read"] == (c["accepted"] + c["rejected"] + c["exact_duplicates"]
                              + c["repeated_response_ids"] + c["superseded"]), c
    assert len(result.responses) == c["accepted"] and len(result.rejected) == c["rejected"]
    if c["rejected"]:
        assert (result.rejected["reason"].astype(str) != "").all()
        rows = result.rejected["source_row"]
        assert rows.is_unique and rows.between(1, c["rows_read"]).all()
    scores = result.responses["score"]
    assert str(scores.dtype) == "int8" and scores.between(0, 10).all()
    assert str(result.responses["submitted_at"].dtype) == "datetime64[ns, UTC]"
    assert result.responses["submitted_at"].notna().all()
    return result


def source(path, **kwargs):
    return params.DataSource(path=str(path), **kwargs)


def load(path, **kwargs):
    return io.load_source(source(path, **kwargs))


GENERIC = {"id": "response_id", "submitted": "submitted_at", "score": "score", "comment": "comment",
           "team": "team"}
response_row = st.tuples(text_cell, date_cell, score_cell, cell, team_cell)

# ----------------------------------------------------------------------------- any file


@SETTINGS
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".txt", ".xlsx", ".parquet", ".json"]))
def test_random_bytes_to_every_entry_point(data, suffix):
    path = save("random" + suffix, data)
    settle(lambda: load(path, constants={"team": "T", "submitted_at": "2026-07-01"}))
    settle(lambda: load(path, columns={"a": "score"}, constants={"team": "T", "submitted_at": "2026-07-01"}))
    try:
        format_report(inspect_file(path))
    except NpsReportError as exc:
        assert str(exc).strip()


# ----------------------------------------------------------------------------- generic CSV


@SETTINGS
@given(rows=st.lists(response_row, max_size=10), enc=encoding,
       delimiter=st.sampled_from([",", ";", "\t", "|"]), newline=st.sampled_from(["\n", "\r\n", "\r"]),
       duplicate=st.booleans(), ragged=st.booleans(),
       asked=st.sampled_from(["auto", "auto", "auto", "utf-8", "latin-1", "utf-16", "no-such-codec"]))
def test_generic_csv_shapes_encodings_scores(rows, enc, delimiter, newline, duplicate, ragged, asked):
    rows = [list(r) for r in rows]
    if duplicate and rows:
        rows.append(list(rows[0]))
    if ragged and rows:
        rows[len(rows) // 2] = rows[len(rows) // 2] + ["extra", "cells"]
    text = write_csv([list(GENERIC)] + rows, delimiter=delimiter, newline=newline)
    path = save("generic.csv", text.encode(enc, errors="replace"))
    result = settle(lambda: load(path, columns=GENERIC, encoding=asked))
    if result is not None and asked == "auto" and enc in ("utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"):
        # Every data line is one row read: none lost, none invented.
        assert result.counts["rows_read"] == len(rows)


@SETTINGS
@given(header=st.lists(st.sampled_from(["id", "score", "team", "date", "x", "", "Unnamed: 0", "id"]),
                       min_size=1, max_size=6),
       rows=st.lists(st.lists(cell, max_size=8), max_size=8), mapped=st.booleans())
def test_csv_with_any_header_and_ragged_rows(header, rows, mapped):
    path = save("shapes.csv", write_csv([header] + rows))
    columns = {header[0]: "score"} if mapped and header[0] else {}
    settle(lambda: load(path, columns=columns, constants={"team": "T", "submitted_at": "2026-07-01"}))


@SETTINGS
@given(text=st.lists(st.sampled_from(list('ab ,;\t"\r\n\x00é') + ["x" * 50]), max_size=120).map("".join),
       delimiter=st.sampled_from([",", ";", "\t"]))
def test_csv_parsers_agree(text, delimiter):
    """Small files go through the csv module, large ones through pyarrow's parser or
    pandas' C parser: all must read the same records (or all refuse the text)."""
    from nps_report.io.readers import parse_csv_grid

    outcomes = []
    for engine in ("python", "c", "arrow"):
        try:
            frame, _, malformed = parse_csv_grid(text, delimiter=delimiter, engine=engine)
            outcomes.append((frame.values.tolist(), sorted(malformed)))
        except NpsReportError as exc:
            outcomes.append(type(exc).__name__)
    assert outcomes[0] == outcomes[1] == outcomes[2]


# ----------------------------------------------------------------------------- Qualtrics

GROUPS = {"promoter": "promoter", "promoters": "promoter", "passive": "passive", "passives": "passive",
          "neutral": "passive", "detractor": "detractor", "detractors": "detractor",
          "1": "detractor", "2": "passive", "3": "promoter"}
group_cell = st.one_of(st.sampled_from(["Promoter", "Passive", "Detractor", "Neutral", "1", "2", "3", "",
                                        "-99", "PROMOTER", "Kritiker"]),
                       st.text(alphabet="xyzqk", max_size=5))
nps_score = st.one_of(st.integers(-2, 12).map(str), st.sampled_from(["", "-99", "10 - Extremely likely",
                                                                     "0 - Not at all likely", "abc"]))


def expected_score(text: str):
    """The 0-10 score a cell stands for (an oracle written apart from the loader)."""
    head = text.split(" - ")[0].strip()
    if head.lstrip("-").isdigit() and 0 <= int(head) <= 10:
        return int(head)
    return None


def expected_accepted(score: str, group: str) -> bool:
    value = expected_score(score)
    if value is None:
        return False
    stated = GROUPS.get(group.strip().lower())
    actual = "detractor" if value <= 6 else ("passive" if value <= 8 else "promoter")
    return stated is None or stated == actual


qualtrics_row = st.tuples(group_cell, nps_score, text_cell, moment)


@SETTINGS
@given(rows=st.lists(qualtrics_row, max_size=10), three_rows=st.booleans())
def test_qualtrics_groups_checked_against_scores(rows, three_rows):
    names = ["StartDate", "EndDate", "Status", "ResponseId", "Q3_NPS_GROUP", "Q3", "Q4", "Team"]
    texts = ["Start Date", "End Date", "Response Type", "Response ID", "Recommend - Group", "Recommend",
             "Why?", "Team"]
    ids = ['{"ImportId":"%s"}' % n for n in ["startDate", "endDate", "status", "_recordId",
                                            "QID3_NPS_GROUP", "QID3", "QID4_TEXT", "Team"]]
    body = [[f"{when:%Y-%m-%d %H:%M:%S}", f"{when:%Y-%m-%d %H:%M:%S}", "0", f"R_{i:015d}", group, score,
             comment, "Support"] for i, (group, score, comment, when) in enumerate(rows)]
    header = [names, texts] + ([ids] if three_rows else [])
    path = save("qualtrics.csv", write_csv(header + body))
    assert io.detect_format(path.read_bytes()) == "qualtrics"
    result = settle(lambda: load(path))
    assert result is not None
    assert result.counts["rows_read"] == len(rows)
    expected = {f"R_{i:015d}" for i, (group, score, _, _) in enumerate(rows) if expected_accepted(score, group)}
    assert set(result.responses["response_id"]) == expected


@SETTINGS
@given(rows=st.lists(st.tuples(st.sampled_from(["1", "2", "3", ""]), nps_score, cell), max_size=10))
def test_qualtrics_legacy_numeric_groups(rows):
    top = ["V1", "V2", "V3", "V8", "V9", "Q1_NPS_GROUP", "Q1", "Q2", "Team", ""]
    names = ["ResponseID", "ResponseSet", "Name", "StartDate", "EndDate", "Recommend - Group", "Recommend",
             "Why?", "Team", ""]
    body = [[f"R_{i:015d}", "Default", "Anonymous", "2026-07-01 10:00:00", "2026-07-01 10:05:00", group,
             score, comment, "Billing", ""] for i, (group, score, comment) in enumerate(rows)]
    path = save("legacy.csv", b"\xef\xbb\xbf" + write_csv([top, names] + body).encode("utf-8"))
    assert io.detect_format(path.read_bytes()) == "qualtrics_legacy"
    result = settle(lambda: load(path))
    assert result is not None and result.counts["rows_read"] == len(rows)
    expected = {f"R_{i:015d}" for i, (group, score, _) in enumerate(rows) if expected_accepted(score, group)}
    assert set(result.responses["response_id"]) == expected


# ----------------------------------------------------------------------------- other survey tools


@SETTINGS
@given(rows=st.lists(st.tuples(score_cell, cell, st.sampled_from(["Web", ""]), team_cell, date_cell),
                     max_size=10))
def test_surveymonkey(rows):
    top = ["Respondent ID", "Collector ID", "Start Date", "End Date", "How likely is it that you would "
           "recommend us to a friend or colleague?", "What is the main reason for your score?",
           "Which products?", "", "Which team?"]
    second = ["", "", "", "", "Response", "Open-Ended Response", "Web", "App", "Response"]
    body = [[str(100 + i), "7", when, when, score, comment, web, "", team]
            for i, (score, comment, web, team, when) in enumerate(rows)]
    path = save("monkey.csv", write_csv([top, second] + body))
    result = settle(lambda: load(path, columns={"Which team?": "team"}))
    if result is not None:
        assert result.counts["rows_read"] == len(rows)


@SETTINGS
@given(rows=st.lists(st.tuples(score_cell, cell, team_cell, moment, st.sampled_from(["completed", "partial"])),
                     max_size=10))
def test_typeform_dates_are_utc(rows):
    header = ["#", "<strong>How likely are you to <em>recommend</em> us?</strong>", "Why?", "team",
              "Response Type", "Start Date (UTC)", "Stage Date (UTC)", "Submit Date (UTC)", "Network ID"]
    body = [[f"tok{i}", score, comment, team, kind, f"{when:%Y-%m-%d %H:%M:%S}", "",
             f"{when:%Y-%m-%d %H:%M:%S}", "n"] for i, (score, comment, team, when, kind) in enumerate(rows)]
    path = save("typeform.csv", write_csv([header] + body))
    result = settle(lambda: load(path, source_timezone="Asia/Tokyo"))
    if result is not None:
        assert result.counts["rows_read"] == len(rows)
        when = {f"tok{i}": w for i, (_, _, _, w, _) in enumerate(rows)}
        for rid, stamp in zip(result.responses["response_id"], result.responses["submitted_at"]):
            assert stamp == pd.Timestamp(when[rid], tz="UTC")  # the header says UTC


@SETTINGS
@given(rows=st.lists(st.tuples(date_cell, score_cell, cell, team_cell), max_size=10),
       dayfirst=st.sampled_from(["auto", True, False]))
def test_google_forms(rows, dayfirst):
    header = ["Timestamp", "Email Address", "How likely are you to recommend the course?", "Why?", "Team"]
    body = [[when, "a@example.com", score, comment, team] for when, score, comment, team in rows]
    path = save("forms.csv", write_csv([header] + body))
    result = settle(lambda: load(path, dayfirst=dayfirst))
    if result is not None:
        assert result.counts["rows_read"] == len(rows)


json_scalar = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=False),
                        st.text(max_size=8))
json_value = st.one_of(json_scalar, st.lists(json_scalar, max_size=2),
                       st.dictionaries(st.sampled_from(["a", "b"]), json_scalar, max_size=2))


@SETTINGS
@given(records=st.lists(st.fixed_dictionaries(
    {"id": st.one_of(st.integers(0, 10**6), st.text(max_size=6)),
     "score": st.one_of(st.integers(-2, 12), st.none(), st.floats(allow_nan=False), st.text(max_size=4)),
     "comment": st.one_of(st.none(), text_cell),
     "created_at": st.one_of(st.integers(-10**10, 10**11), st.none(), date_cell),
     "survey_type": st.sampled_from(["nps", "csat", "ces", ""]),
     "person_properties": st.dictionaries(st.sampled_from(["Team", "Plan", "team"]), json_value, max_size=3)},
    optional={"person": st.one_of(st.integers(), st.text(max_size=5)), "notes": json_value}), max_size=8),
    as_csv=st.booleans())
def test_delighted_json_and_csv(records, as_csv):
    if as_csv:
        frame = pd.json_normalize(records, sep=".") if records else pd.DataFrame(columns=["score"])
        cells = frame.astype(object).where(frame.notna(), "").astype(str)
        path = save("delighted.csv", write_csv([list(frame.columns)] + cells.values.tolist()))
    else:
        path = save("delighted.json", json.dumps(records))
    result = settle(lambda: load(path, constants={"team": "T"}))
    if result is not None:
        assert result.counts["rows_read"] == len(records)
        # Ids can repeat with different survey types: an accepted id must belong to an NPS answer
        # (or be one the loader generated for a record without an id).
        nps_ids = {str(r["id"]) for r in records if r["survey_type"] in ("nps", "")}
        known = {str(r["id"]) for r in records}
        assert all(rid in nps_ids or rid not in known for rid in result.responses["response_id"])


# ----------------------------------------------------------------------------- XLSX, Parquet, SQL

xlsx_cell = st.one_of(st.integers(-5, 15), st.floats(allow_nan=False, allow_infinity=False),
                      st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=10),
                      st.sampled_from(["", "=1+1", "10 - Extremely likely"]), st.none(),
                      st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)))


@SETTINGS
@given(rows=st.lists(st.tuples(xlsx_cell, xlsx_cell, xlsx_cell, xlsx_cell), max_size=6))
def test_xlsx(rows):
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["id", "submitted", "score", "team"])
    for i, (submitted, score, team, extra) in enumerate(rows):
        sheet.append([f"r{i}", submitted, score, team, extra])
    path = WORK / "book.xlsx"
    book.save(path)
    result = settle(lambda: load(path, columns={"id": "response_id", "submitted": "submitted_at",
                                                "score": "score", "team": "team"}))
    if result is not None:
        assert result.counts["rows_read"] == len(rows)


parquet_column = st.sampled_from(["int", "float", "text", "date", "bool", "mixed"])


@SETTINGS
@given(n=st.integers(0, 12), kinds=st.tuples(parquet_column, parquet_column, parquet_column),
       seed=st.integers(0, 2**32 - 1))
def test_parquet_typed_columns(n, kinds, seed):
    import numpy as np

    rng = np.random.default_rng(seed)

    def make(kind):
        if kind == "int":
            return pd.array(rng.integers(-3, 14, n), dtype="Int64")
        if kind == "float":
            values = rng.normal(5, 5, n)
            values[rng.random(n) < 0.2] = np.nan
            return values
        if kind == "text":
            return [None if rng.random() < 0.2 else str(rng.integers(0, 11)) for _ in range(n)]
        if kind == "date":
            return pd.to_datetime(rng.integers(0, 2_000_000_000, n), unit="s", utc=bool(rng.random() < 0.5))
        if kind == "bool":
            return rng.random(n) < 0.5
        return [["a"], {"b": 1}, b"\x00\xff", None, 3.5][: 1] * n

    frame = pd.DataFrame({"score": make(kinds[0]), "submitted": make(kinds[1]), "team": make(kinds[2])})
    path = WORK / "table.parquet"
    try:
        frame.to_parquet(path)
    except Exception:  # a mixed object column pyarrow cannot store: not our input
        return
    result = settle(lambda: load(path, columns={"score": "score", "submitted": "submitted_at",
                                                "team": "team"}))
    if result is not None:
        assert result.counts["rows_read"] == n


@SETTINGS
@given(rows=st.lists(st.tuples(st.one_of(st.integers(-5, 15), st.text(max_size=5), st.none(),
                                         st.floats(allow_nan=False)),
                               st.one_of(date_cell, st.none(), st.integers(0, 2_000_000_000)),
                               st.one_of(team_cell, st.none())), max_size=10),
       by=st.sampled_from(["table", "query", "missing table", "bad sql"]))
def test_sql_through_sqlalchemy(rows, by):
    path = WORK / "survey.db"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA synchronous = OFF")  # a scratch file: no need to wait for the disk
        connection.execute("DROP TABLE IF EXISTS answers")
        connection.execute("CREATE TABLE answers (score, submitted, team)")
        connection.executemany("INSERT INTO answers VALUES (?, ?, ?)",
                               [tuple(r) for r in rows])
    connection.close()
    url = f"sqlite:///{path}"
    sql = {"table": {"url": url, "table": "answers"},
           "query": {"url": url, "query": "SELECT score, submitted, team FROM answers"},
           "missing table": {"url": url, "table": "nope"},
           "bad sql": {"url": url, "query": "SELEC nonsense"}}[by]
    data = params.DataSource(sql=sql, columns={"score": "score", "submitted": "submitted_at", "team": "team"})
    result = settle(lambda: io.load_source(data))
    if by in ("missing table", "bad sql"):
        assert result is None
    elif result is not None:
        assert result.counts["rows_read"] == len(rows)


# ----------------------------------------------------------------------------- dates alone


@SETTINGS
@given(values=st.lists(date_cell, max_size=30), zone=st.sampled_from(["UTC", "Europe/Paris",
                                                                        "America/New_York", "Asia/Kolkata"]),
       dayfirst=st.sampled_from(["auto", True, False]))
def test_date_parser_never_crashes(values, zone, dayfirst):
    from nps_report.io.dates import parse_dates

    try:
        parsed = parse_dates(pd.Series(values, dtype=object), source_timezone=zone, dayfirst=dayfirst)
    except NpsReportError:
        assert dayfirst == "auto"  # only an undecidable day/month order may refuse
        return
    assert len(parsed.timestamps) == len(values)
    assert str(parsed.timestamps.dtype) == "datetime64[ns, UTC]"
    failed = parsed.reasons != ""
    assert parsed.timestamps[failed].isna().all()
    for value, stamp in zip(values, parsed.timestamps):
        if value.strip().endswith("Z") and pd.notna(stamp):
            expected = datetime.strptime(value.strip(), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
            assert stamp == pd.Timestamp(expected)


def test_hostile_inputs_are_reported_not_raised(tmp_path):
    """A few hand-picked cases the strategies above reach only by luck."""
    cases = {
        "nul.csv": b"id,submitted,score,comment,team\x00\nr1,2026-07-01,9,\x00ok\x00,T\n",
        "quote.csv": b'id,submitted,score,comment,team\nr1,2026-07-01,9,"never closed,T\nr2,2026-07-01,9,x,T\n',
        "utf16.csv": "id,submitted,score,comment,team\nr1,2026-07-01,9,日本,T\n".encode("utf-16"),
        "only_header.csv": b"id,submitted,score,comment,team\n",
        "empty.csv": b"",
        "blank_lines.csv": b"\n\n   \n",
    }
    outcomes = {}
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        outcomes[name] = settle(lambda: load(path, columns=GENERIC))
    assert outcomes["nul.csv"].responses.loc[0, "comment"] == "ok"
    assert outcomes["quote.csv"] is None  # a clear error naming the line, not one giant cell
    assert outcomes["utf16.csv"].responses.loc[0, "comment"] == "日本"
    assert outcomes["only_header.csv"].counts["rows_read"] == 0
    assert outcomes["empty.csv"] is None and outcomes["blank_lines.csv"] is None
    with pytest.raises(NpsReportError, match="never closed"):
        load(tmp_path / "quote.csv", columns=GENERIC)

