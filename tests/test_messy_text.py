"""Issue 16: real exports as they come. Missing-value tokens, mixed encodings, control
characters, strict scores, duplicates listed, formula-safe files, figures that agree.

Every fixture is written by the test itself (bytes chosen to reproduce one defect of
the issue's "Why"), so nothing here depends on a file outside the repository.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from nps_report import closeloop, io, params, schema
from nps_report.exceptions import DataError, NpsReportError, ParamsError
from nps_report.io.decoding import decode_file_text, plausibility
from nps_report.loading import loading_figures, loading_sentences
from nps_report.pipeline.plan import make_plan
from nps_report.spreadsheets import unsafe_cells

HEADER = "id,submitted,score,comment,team\n"
COLUMNS = {"id": "response_id", "submitted": "submitted_at", "score": "score",
           "comment": "comment", "team": "team"}
C1 = re.compile("[\x80-\x9f]")


def source(path, **extra):
    return params.DataSource(path=str(path), columns=COLUMNS, **extra)


def load(path, **extra):
    result = io.load_source(source(path, **extra))
    c = result.counts
    assert c["rows_read"] == (c["accepted"] + c["rejected"] + c["exact_duplicates"]
                              + c["repeated_response_ids"] + c["superseded"])
    assert c["accepted"] == len(result.responses) and c["rejected"] == len(result.rejected)
    assert len(result.duplicates) == c["exact_duplicates"] + c["repeated_response_ids"] + c["superseded"]
    return result


def line(i, score, comment, team="Support", day="2026-07-01"):
    return f"r{i},{day}T10:00:00Z,{score},{comment},{team}\n"


# ------------------------------------------------------------------ 1. missing-value tokens
TOKENS = ["NA", "N/A", "n/a", "-", "none", "null", "#N/A", "Null", "  NA  "]


def test_missing_value_tokens_are_no_comments(tmp_path):
    real = ["slow reply", "great staff", "billing was wrong"]
    body = [line(i, 3, c) for i, c in enumerate(TOKENS + real + ["   "])]
    path = tmp_path / "na.csv"
    path.write_text(HEADER + "".join(body), encoding="utf-8")
    result = load(path)
    comments = result.responses[schema.COMMENT]
    assert sorted(comments.dropna()) == sorted(real)  # every detractor "commented" before the fix
    assert result.missing_values == {"comment": len(TOKENS)}
    assert result.counts["missing_values"] == len(TOKENS)
    assert any("missing-value token" in n and "comment 9" in n for n in result.notes)
    # the close-the-loop list quotes real comments only (it showed "NA" before)
    detractors, _ = closeloop.close_the_loop(result.responses, team="Support", quarter="2026Q3")
    assert set(detractors["comment"].dropna()) == set(real)
    # an empty list keeps every cell as written
    kept = load(path, na_values=[])
    assert "NA" in set(kept.responses[schema.COMMENT].dropna()) and kept.missing_values == {}


def test_missing_value_tokens_in_team_and_score_are_missing(tmp_path):
    path = tmp_path / "na_team.csv"
    path.write_text(HEADER + line(1, "N/A", "ok") + line(2, 9, "ok", team="NA") + line(3, 9, "ok"),
                    encoding="utf-8")
    result = load(path)
    assert dict(zip(result.rejected["id"], result.rejected["reason"])) == {
        "r1": "missing score", "r2": "missing team"}
    assert result.missing_values == {"score": 1, "team": 1}


def test_inspect_notes_missing_value_tokens_per_column(tmp_path):
    path = tmp_path / "na.csv"
    path.write_text(HEADER + "".join(line(i, 9, "NA" if i % 4 else "fine") for i in range(20)),
                    encoding="utf-8")
    raw = io.read_table(path)
    note = next(n for n in raw.notes if "missing-value token" in n)
    assert "'comment' 15 of 20" in note
    assert io.missing_value_counts(raw.frame).to_dict()["comment"] == 15


def test_build_file_takes_na_values():
    build = params.parse_params({"data": {"path": "x.csv", "na_values": ["n.a.", "?"]}})
    assert build.data.na_values == ["n.a.", "?"]
    assert params.parse_params({"data": {"path": "x.csv"}}).data.na_values == list(schema.NA_VALUES)


# ------------------------------------------------------------------------- 2. decoding
def test_mostly_utf8_file_with_two_bad_bytes_stays_utf8(tmp_path):
    rows = [line(i, 9, "“great” café service") for i in range(40)]
    data = (HEADER + "".join(rows)).encode("utf-8")
    data += line(40, 9, "bad \xff byte “ok”").encode("utf-8").replace("\xc3\xbf".encode("latin-1"), b"\xff")
    data += line(41, 9, "another \xfe one “x”").encode("utf-8").replace("\xc3\xbe".encode("latin-1"), b"\xfe")
    path = tmp_path / "mostly_utf8.csv"
    path.write_bytes(data)
    raw = io.read_table(path)
    assert raw.encoding == "utf-8"
    assert raw.decoding.replaced_bytes == 2 and raw.decoding.replaced_lines == 2
    assert any("2 undecodable bytes" in n for n in raw.notes)
    result = load(path)
    comments = list(result.responses[schema.COMMENT])
    # 40 comments garbled as â\x80\x9c before the fix
    assert comments[:40] == ["“great” café service"] * 40
    assert comments[40:] == ["bad \ufffd byte “ok”", "another \ufffd one “x”"]
    assert result.counts["repaired_lines"] == 2


def test_half_utf8_half_latin1_is_one_team(tmp_path):
    data = HEADER.encode()
    for i in range(20):
        data += line(i, 9, "très bien", team="Café").encode("utf-8" if i % 2 else "latin-1")
    path = tmp_path / "half.csv"
    path.write_bytes(data)
    result = load(path)
    assert set(result.responses[schema.TEAM]) == {"Café"}  # "Café" and "CafÃ©" before
    assert set(result.responses[schema.COMMENT]) == {"très bien"}
    decoding = io.read_table(path).decoding
    assert decoding.encoding in ("utf-8", "latin-1") and sum(decoding.other_encoding.values()) == 10
    assert result.counts["repaired_lines"] == 10


def test_dos_code_page_bytes_in_a_latin1_file_are_repaired(tmp_path):
    # 0x82 is "é" in DOS cp850; latin-1 keeps it as the C1 control U+0082 (a box in a PDF)
    data = HEADER.encode() + line(0, 9, "café ok").encode("latin-1") + line(1, 9, "très bien").encode("latin-1")
    data += b"r9,2026-07-01T10:00:00Z,3,pr\x82f\x82r\x82 le service,Support\n"
    data += b"r10,2026-07-01T10:00:00Z,3,I don\x92t like \x93this\x94,Support\n"
    path = tmp_path / "dos.csv"
    path.write_bytes(data)
    result = load(path)
    comments = dict(zip(result.responses["response_id"], result.responses[schema.COMMENT]))
    assert comments["r9"] == "préféré le service"
    assert comments["r10"] == "I don’t like “this”"  # cp1252 punctuation, not cp850 letters
    assert comments["r0"] == "café ok" and comments["r1"] == "très bien"
    assert not any(C1.search(c) for c in comments.values())
    decoding = io.read_table(path).decoding
    assert decoding.c1_lines == 2
    assert any("préféré" in after for _, kind, _, after in decoding.examples if kind == "c1")


def test_c1_characters_already_in_utf8_text_are_repaired():
    text, how = decode_file_text((HEADER + line(1, 9, "pr\u0082f\u0082r\u0082")).encode("utf-8"))
    assert "préféré" in text and how.c1_lines == 1 and how.repaired_lines == 1


def test_mojibake_in_a_utf8_file_is_repaired():
    text, how = decode_file_text((HEADER + line(1, 9, "CafÃ© â\x80\x9cok\u00e2\x80\x9d")).encode("utf-8"))
    assert "Café “ok”" in text and how.mojibake_lines == 1


def test_code_page_choice_reads_words():
    assert plausibility("préféré") > plausibility("pr‚f‚r‚")
    assert plausibility("café très") > plausibility("cafÚ trÞs")
    assert plausibility("España está") > plausibility("Espa¤a est\xa0")


def test_nfd_and_nfc_are_one_team(tmp_path):
    path = tmp_path / "nfd.csv"
    path.write_text(HEADER + line(1, 9, "ok", team="Cafe\u0301") + line(2, 9, "ok", team="Caf\u00e9"),
                    encoding="utf-8")
    result = load(path)
    assert set(result.responses[schema.TEAM]) == {"Caf\u00e9"}
    # a table from another source (Parquet, SQL, a DataFrame) is normalized by the loader
    frame = pd.DataFrame({"id": ["a", "b"], "submitted": ["2026-07-01"] * 2, "score": ["9", "9"],
                          "comment": ["", ""], "team": ["Cafe\u0301", "Caf\u00e9"]})
    assert set(io.to_canonical(frame, mapping=COLUMNS).responses[schema.TEAM]) == {"Caf\u00e9"}


def test_a_pure_latin1_file_is_still_latin1(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes((HEADER + line(1, 9, "Ünïcödé café", team="Équipe")).encode("latin-1"))
    raw = io.read_table(path)
    assert raw.encoding == "latin-1" and raw.decoding.repaired_lines == 0
    assert load(path).responses.loc[0, schema.TEAM] == "Équipe"


# ------------------------------------------------------------------ 7. strict score cells
@pytest.mark.parametrize("cell,reason", [
    ("1\x000", "control character (such as NUL) in the score cell"),
    ("9\x07", "control character (such as NUL) in the score cell"),
    ("1e1", "score not written as a plain number (exponent notation)"),
    ("9.9999999999999999", "score is not a whole number"),
    ("7.5", "score is not a whole number"),
])
def test_score_cells_that_are_not_survey_answers_are_rejected(tmp_path, cell, reason):
    path = tmp_path / "s.csv"
    path.write_bytes((HEADER + line(1, cell, "x") + line(2, "9.0", "y")
                      + line(3, "10 - Extremely likely", "z")).encode("utf-8"))
    result = load(path)
    assert list(result.rejected["reason"]) == [reason]
    assert list(result.responses[schema.SCORE]) == [9, 10]


def test_a_score_column_that_is_not_survey_answers_is_noted(tmp_path):
    # a retweet count: 99 % zeros and a few large numbers; a confidence value in 0-1
    retweets = [0] * 198 + [3, 250]
    path = tmp_path / "retweets.csv"
    path.write_text(HEADER + "".join(line(i, n, "x") for i, n in enumerate(retweets)), encoding="utf-8")
    notes = load(path).notes
    assert any(n.startswith("99% of the 199 accepted scores are 0") for n in notes), notes
    confidence = [f"0.{k:02d}" for k in range(1, 60)] + ["0", "1"]
    path = tmp_path / "confidence.csv"
    path.write_text(HEADER + "".join(line(i, v, "x") for i, v in enumerate(confidence)), encoding="utf-8")
    result = load(path)
    assert result.counts["accepted"] == 2
    assert any(n.startswith("59 score cells are not whole numbers from 0 to 10") for n in result.notes)
    # a real survey gets neither note
    path = tmp_path / "survey.csv"
    path.write_text(HEADER + "".join(line(i, i % 11, "x") for i in range(200)), encoding="utf-8")
    assert not [n for n in load(path).notes if "check that the score column" in n]


def test_nul_in_a_text_cell_is_stripped_not_kept(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(b"id,submitted,score,comment,team\x00\nr1,2026-07-01,9,\x00ok\x00,T\n")
    result = load(path)
    assert result.responses.loc[0, schema.COMMENT] == "ok" and result.responses.loc[0, schema.SCORE] == 9


def test_duplicate_keys_in_a_build_file_name_both_lines(tmp_path):
    path = tmp_path / "build.yaml"
    path.write_text("name: a\ndata:\n  path: x.csv\n  columns:\n    A: team\n    A: score\n")
    with pytest.raises(ParamsError, match=r"key 'A' is given twice, on lines 5 and 6") as caught:
        params.load_params(path)
    assert caught.value.exit_code == 2
    path.write_text("name: a\ndata:\n  path: x.csv\nname: b\n")
    with pytest.raises(ParamsError, match="lines 1 and 4"):
        params.load_params(path)


def test_unknown_team_asked_is_a_user_error():
    data = pd.DataFrame({schema.TEAM: ["Alpha", "Bravo"], schema.DEPARTMENT: ["Ops", "Ops"],
                         schema.QUARTER: ["2026Q3"] * 2})
    with pytest.raises(DataError, match=r"no team 'Alpah' in the data \(did you mean 'Alpha'") as caught:
        make_plan(data, teams=["Alpah"])
    assert caught.value.exit_code == 2
    with pytest.raises(DataError, match="no department 'Sales'"):
        make_plan(data, departments=["Sales"])


# --------------------------------------------------------- 6. duplicates listed, formula-safe
def test_every_dropped_duplicate_is_listed_with_the_row_kept(tmp_path):
    rows = [line(1, 9, "a"), line(1, 9, "a"),          # exact duplicate of row 1
            line(2, 8, "b"), line(2, 8, "b again"),    # repeated id, same score
            line(3, 10, "c"), line(3, 2, "c changed")]  # repeated id, conflicting score
    path = tmp_path / "dups.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    result = load(path)
    table = result.duplicates.set_index("source_row")
    assert table.loc[2, "reason"] == io.load.EXACT_DUPLICATE and table.loc[2, "kept_source_row"] == 1
    assert table.loc[2, "kept_response_id"] == "r1"
    assert table.loc[4, "reason"] == io.load.REPEATED_SAME and table.loc[4, "kept_source_row"] == 3
    assert table.loc[6, "reason"] == io.load.REPEATED_CONFLICT and table.loc[6, "kept_source_row"] == 5
    assert (table.loc[6, "score"], table.loc[6, "kept_score"]) == (2, 10)
    assert any("1 repeated response id(s) had a different score" in n for n in result.notes)
    written = pd.read_csv(io.write_duplicates(result, tmp_path / "duplicates.csv"))
    assert list(written["source_row"]) == [2, 4, 6] and "comment" in written


def test_latest_per_respondent_lists_superseded_answers(tmp_path):
    path = tmp_path / "latest.csv"
    path.write_text("id,who,submitted,score,comment,team\n"
                    "r1,c1,2026-07-01,3,old,T\nr2,c1,2026-08-01,9,new,T\n", encoding="utf-8")
    result = io.load_source(params.DataSource(path=str(path), columns={**COLUMNS, "who": "respondent_id"}),
                            latest_per_respondent=True)
    row = result.duplicates.iloc[0]
    assert (row["source_row"], row["kept_source_row"], row["kept_response_id"]) == (1, 2, "r2")
    assert row["reason"] == io.load.SUPERSEDED


FORMULAS = ["=HYPERLINK(\"\"http://evil\"\")", "+33 1 23 45", "-2+3", "@SUM(A1:A9)", "\t=1"]


def test_rejected_and_duplicates_files_are_formula_safe(tmp_path):
    rows = [line(i, f, f.replace("\t", " "), team="T") for i, f in enumerate(FORMULAS)]
    rows += [line(9, 9, "=cmd|' /C calc'!A0"), line(9, 9, "=cmd|' /C calc'!A0")]
    path = tmp_path / "formulas.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    result = load(path)
    assert result.counts["rejected"] == len(FORMULAS) and result.counts["exact_duplicates"] == 1
    for written in (io.write_rejected(result, tmp_path / "rejected.csv"),
                    io.write_duplicates(result, tmp_path / "duplicates.csv")):
        raw = written.read_text(encoding="utf-8-sig")
        assert unsafe_cells(written) == [], raw
        assert "'=HYPERLINK" in raw or "'=cmd" in raw
    unsafe = tmp_path / "unsafe.csv"
    result.rejected.to_csv(unsafe, index=False)
    assert len(unsafe_cells(unsafe)) >= len(FORMULAS)  # the check finds what it must


# ---------------------------------------------------------------- 8. figures that agree
def test_loading_figures_say_every_count_once():
    counts = {"rows_read": 13954, "accepted": 13600, "rejected": 342, "exact_duplicates": 5,
              "repeated_response_ids": 6, "superseded": 1, "missing_values": 9810, "repaired_lines": 2}
    figures = loading_figures(counts)
    assert figures == {"rows_read": 13954, "rejected": 342, "duplicates": 12,
                       "missing_values": 9810, "repaired_lines": 2}
    sentences = loading_sentences(figures)
    assert "Rows rejected while loading (listed in rejected.csv): 342" in sentences
    assert "Duplicate rows dropped (listed in duplicates.csv): 12" in sentences
    assert loading_figures(None)["rejected"] is None  # unknown is not 0



# ------------------------------------------- a whole build over hostile, messy input (slow)
@pytest.mark.slow
def test_build_over_formula_cells_writes_only_safe_files_and_agreeing_figures(tmp_path):
    """Every CSV/XLSX a build writes, for an input full of cells starting with = + - @:
    none holds such a cell unescaped; every report's data-quality box, index.html and
    rejected.csv / duplicates.csv say the same loading figures."""
    import numpy as np

    from nps_report.pipeline import run_build

    rng = np.random.default_rng(16)
    hostile = FORMULAS + ["=1+1", "@admin", "-", "NA"]
    rows = []
    for team in ("=Alpha", "Bravo"):
        for day in ("2026-04-10", "2026-07-10"):
            for i in range(30):
                rows.append({"id": f"{team}-{day}-{i}", "who": hostile[i % len(hostile)] + str(i),
                             "when": f"{day}T10:{i:02d}:00Z", "score": str(int(rng.integers(0, 11))),
                             "team": team, "dept": "+Ops", "email": f"@x{i}@example.com",
                             "comment": hostile[i % len(hostile)]})
    rows += [{**rows[0], "score": "=10"}, {**rows[1], "score": "1e1", "id": "=x"}, rows[2], rows[2],
             {**rows[3], "score": "0" if rows[3]["score"] != "0" else "1"}]
    pd.DataFrame(rows).to_csv(tmp_path / "survey.csv", index=False)
    (tmp_path / "build.yaml").write_text(
        f"name: hostile\ndata:\n  path: {tmp_path / 'survey.csv'}\n"
        "  columns: {id: response_id, who: respondent_id, when: submitted_at, score: score, team: team,"
        " dept: department, email: email, comment: comment}\n"
        f"quarters: [2026Q3]\noutput_dir: {tmp_path / 'out'}\n")
    result = run_build(params.load_params(tmp_path / "build.yaml"), jobs=1)
    assert result.exit_code == 0, result.failed
    out = tmp_path / "out" / "hostile"
    written = sorted(p for p in out.rglob("*") if p.suffix.lower() in (".csv", ".xlsx"))
    names = {p.name for p in written}
    assert {"rejected.csv", "duplicates.csv", "anomalies.csv", "close_the_loop.csv",
            "close_the_loop.xlsx"} <= names, names
    for path in written:
        assert unsafe_cells(path) == [], path
    rejected = pd.read_csv(out / "rejected.csv", encoding="utf-8-sig")
    duplicates = pd.read_csv(out / "duplicates.csv", encoding="utf-8-sig")
    assert len(rejected) == result.counts["rejected"] == 2
    assert len(duplicates) == result.counts["exact_duplicates"] + result.counts["repeated_response_ids"] == 3
    assert sorted(duplicates["reason"]) == sorted([io.load.EXACT_DUPLICATE] * 2 + [io.load.REPEATED_CONFLICT])
    tokens = result.counts["missing_values"]
    assert tokens > 0  # the "-" and "NA" comments
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f"rejected {len(rejected):,}" in index and f"duplicates dropped {len(duplicates):,}" in index
    assert f"read as blank: {tokens:,}" in index
    reports = [p for p in out.rglob("report.html")]
    assert len(reports) == 4  # two teams, the department, the overview
    for page in reports:
        text = page.read_text(encoding="utf-8")
        assert f"Rows rejected while loading (listed in rejected.csv): {len(rejected):,}" in text, page
        assert f"Duplicate rows dropped (listed in duplicates.csv): {len(duplicates):,}" in text, page
        assert f"read as blank: {tokens:,}" in text, page
        assert f"Rows read by the build: {result.counts['rows_read']:,}" in text, page
