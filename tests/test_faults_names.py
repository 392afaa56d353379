"""Fault injection (issue 17): hostile names, bounded inputs, long comments and redaction.

Each reproduction of the issue is a test that asserts what is on disk (or what a loader
refuses) afterwards: names with braces and mathtext, a 150-character CJK name, the same
team in two departments, NFC/NFD/case look-alikes, an RTL override; a YAML alias bomb;
a wide header; a huge cell; a 100 kB comment; the redaction gaps. The end-to-end build
(one, marked slow) checks the same on the reports themselves.
"""

from __future__ import annotations

import ast
import json
import os
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nps_report import cli, io, naming, params
from nps_report.closeloop import close_the_loop, write_close_the_loop
from nps_report.exceptions import DataError, ParamsError
from nps_report.io.load import distinct_team_names, to_canonical
from nps_report.pipeline.plan import make_plan
from nps_report.redact import compile_patterns, iban_valid, luhn_valid, redact
from nps_report.themes.quotes import shown
from nps_report.truncation import MARK, truncate

CJK = "漢" * 150  # 450 bytes of UTF-8: past the 255 a folder name may have
HOSTILE_NAMES = ["{quarter}", "2026Q3", "{{7*7}}", "${7*7}", CJK, "Café", "Cafe\u0301", "café",
                 "\u202eevil.exe", "Team $\\foo{$", "a/b", "a:b", "a_b", "..", "CON", "x\x00y", " "]
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


# ----------------------------------------------------------------------------- names are data
def test_folder_names_are_distinct_short_and_clean_by_construction():
    folders = naming.folder_names(HOSTILE_NAMES)
    assert len(folders) == len(HOSTILE_NAMES)
    # distinct even where the file system ignores case (macOS, Windows)
    assert len({f.casefold() for f in folders.values()}) == len(HOSTILE_NAMES)
    for name, folder in folders.items():
        assert 0 < len(folder.encode("utf-8")) <= naming.FOLDER_BYTES <= naming.MAX_COMPONENT_BYTES
        assert not re.search(r'[\x00-\x1f\x7f/\\:*?"<>|]', folder) and not BIDI.search(folder)
        assert unicodedata.is_normalized("NFC", folder)
        assert folder not in {".", ".."} and not folder.startswith(".") and folder.upper() != "CON"
    # readable: a plain name is its own folder; the long one keeps its characters
    assert folders["2026Q3"] == "2026Q3" and folders["{quarter}"] == "{quarter}"
    assert folders[CJK].startswith("漢" * 40)
    # stable: the same names in another order give the same folders
    assert naming.folder_names(list(reversed(HOSTILE_NAMES))) == folders


def test_folder_names_survive_a_name_built_to_look_like_a_hashed_folder():
    first = naming.folder_names(["x", "X"])
    forged = naming.folder_names(["x", "X", first["x"]])
    assert len({f.casefold() for f in forged.values()}) == 3


def test_report_paths_pass_through_papermill_unformatted():
    from papermill.parameterize import parameterize_path

    parameters = {"quarter": "2026Q3", "team": "x", "department": "y"}
    for name in ["{quarter}", "{{7*7}}", "${7*7}", "{team}}{", "{0}"]:
        path = f"/out/2026Q3/teams/{name}/report.ipynb"
        assert parameterize_path(naming.format_proof(path), parameters) == path
    with pytest.raises(Exception):  # what main did: a brace is a format field
        parameterize_path("/out/${7*7}/report.ipynb", parameters)


def raw_frame(rows):
    return pd.DataFrame(rows, columns=["id", "when", "score", "team", "dept", "comment"], dtype=object)


def test_same_team_in_two_departments_becomes_two_teams_with_a_note():
    rows = [[f"{d}{i}", "2026-07-15T09:00:00Z", str(i % 11), "Support", d, "ok"]
            for d in ("Sales", "Service") for i in range(6)]
    rows += [["m1", "2026-04-15T09:00:00Z", "9", "Mover", "Sales", ""],  # moved between quarters
             ["m2", "2026-07-15T09:00:00Z", "9", "Mover", "Service", ""]]
    result = to_canonical(raw_frame(rows), mapping={"id": "response_id", "when": "submitted_at",
                                                    "score": "score", "team": "team",
                                                    "dept": "department", "comment": "comment"})
    r = result.responses
    pairs = set(zip(r["team"], r["department"]))
    assert pairs == {("Support (Sales)", "Sales"), ("Support (Service)", "Service"),
                     ("Mover", "Sales"), ("Mover", "Service")}  # a move keeps one team and its trend
    note = next(n for n in result.notes if "Support" in n)
    assert "'Sales'" in note and "'Service'" in note and "'Support (Sales)'" in note
    assert result.counts["accepted"] == 14  # no row lost
    plan = make_plan(r, quarters=["2026Q3"])
    folders = [p.folder for p in plan.reports if p.kind == "team"]
    assert len(folders) == len(set(folders)) == 3


def test_lookalike_names_are_named_at_load_and_nfd_is_the_same_team():
    rows = [[f"{t}{i}", "2026-07-15T09:00:00Z", "9", t, "Ops", ""]
            for t in ("Café", "Cafe\u0301", "café", "\u202eevil\u202c.exe", "Ｓupport", "Support")
            for i in range(3)]
    result = to_canonical(raw_frame(rows), mapping={"id": "response_id", "when": "submitted_at",
                                                    "score": "score", "team": "team",
                                                    "dept": "department"})
    teams = set(result.responses["team"])
    assert teams == {"Café", "café", "evil.exe", "Ｓupport", "Support"}  # NFD composed; bidi gone
    notes = " ".join(result.notes)
    assert "'Café' and 'café' look alike" in notes
    assert "'Support' and 'Ｓupport' look alike" in notes


def test_distinct_team_names_never_reuses_an_existing_name():
    frame = pd.DataFrame({"team": ["Support", "Support", "Support (Sales)"],
                          "department": ["Sales", "Service", "Sales"], "quarter": ["2026Q3"] * 3})
    renamed, _ = distinct_team_names(frame)
    assert renamed["team"].nunique() == 3 and "Support (Sales) 2" in set(renamed["team"])


def test_a_360_byte_team_name_gets_a_folder_its_list_can_be_written_in(tmp_path):
    data = pd.DataFrame({"team": [CJK, "漢" * 120], "department": ["D", "D"], "quarter": ["2026Q3"] * 2})
    plan = make_plan(data, root=tmp_path)
    for report in plan.reports:
        folder = tmp_path / report.folder
        folder.mkdir(parents=True)  # ENAMETOOLONG on main (a 450-byte folder name)
        empty = pd.DataFrame(columns=["comment"])
        write_close_the_loop(empty, empty, folder)
        assert (folder / "close_the_loop.xlsx").stat().st_size > 0
    teams = [r.folder for r in plan.reports if r.kind == "team"]
    assert len(set(teams)) == 2


def test_a_path_too_long_for_the_file_system_is_a_data_error_naming_the_report(tmp_path):
    data = pd.DataFrame({"team": ["Alpha"], "department": ["D"], "quarter": ["2026Q3"]})
    deep = tmp_path.joinpath(*["d" * 200] * 20)  # 4,000 bytes of folders
    with pytest.raises(DataError, match="Alpha · 2026Q3.*longer than"):
        make_plan(data, root=deep)


def test_a_mathtext_team_name_is_drawn_as_text():
    from nps_report import plots
    from nps_report.render.charts import Chart

    name = "Team $\\foo{$"
    table = pd.DataFrame({"team": [name, "B"], "quarter": ["2026Q3"] * 2, "nps": [10.0, 20.0],
                          "shown": [True, True], "ci_low": [0.0, 5.0], "ci_high": [20.0, 30.0],
                          "n": [40, 40], "rank": [2, 1]})
    for ax in (plots.heatmap(table), plots.rank_chart(table, highlight=name)):
        chart = Chart(ax, "names drawn as text")
        assert chart.png().startswith(b"\x89PNG")  # main: ValueError (mathtext) while drawing
        labels = [t.get_text() for t in chart.figure.findobj(lambda a: hasattr(a, "get_text"))]
        assert any(label.endswith(name) for label in labels)  # "2. Team $\\foo{$" in the ranking


# ----------------------------------------------------------------------------- bounded inputs
BOMB = "".join(f"{a}: &{a} [{', '.join([f'*{p}'] * 9)}]\n" for p, a in zip("abcdefgh", "bcdefghi"))


def test_a_yaml_alias_bomb_used_by_a_real_key_is_refused_naming_the_file(tmp_path, capsys):
    build = tmp_path / "bomb.yaml"
    build.write_text('name: bomb\ndata: {path: x.csv}\na: &a ["lol", "lol", "lol", "lol", "lol", "lol", '
                     '"lol", "lol", "lol"]\n' + BOMB + "teams: *i\n")
    with pytest.raises(ParamsError, match="alias"):
        params.load_params(build)
    assert cli.main(["build", str(build), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "bomb.yaml" in err and "200,000 values" in err and "Traceback" not in err


def test_a_recursive_alias_is_refused(tmp_path):
    build = tmp_path / "loop.yaml"
    build.write_text("data: {path: x.csv}\nteams: &t [*t]\n")
    with pytest.raises(ParamsError, match="recursive alias"):
        params.load_params(build)


def test_ordinary_aliases_still_load(tmp_path):
    build = tmp_path / "ok.yaml"
    build.write_text("data: &d {path: x.csv}\nteams: &t [A, B]\ndepartments: all\n")
    assert params.load_params(build).teams == ["A", "B"]
    assert params.expanded_size({"a": [1, 2], "b": [[1, 2]] * 3}) == 1 + 1 + 3 + 1 + 1 + 3 * 3


def test_a_header_wider_than_max_columns_is_refused_before_parsing(tmp_path):
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(20_001)) + "\n" + ",".join(["1"] * 20_001) + "\n")
    with pytest.raises(DataError, match="20,001 cells, more than the 10,000 columns") as error:
        io.read_grid(wide)
    assert "wide.csv" in str(error.value)
    io.read_grid(wide, max_columns=20_001)  # the limit is an option


def write_survey(path, comments, extra_columns=0):
    rows = [{"id": i, "when": "2026-07-15T09:00:00Z", "score": i % 11, "team": "A", "dept": "D",
             "email": f"c{i}@example.com", "comment": c} for i, c in enumerate(comments)]
    frame = pd.DataFrame(rows)
    for k in range(extra_columns):
        frame[f"x{k}"] = ""
    frame.to_csv(path, index=False)


def build_file(folder, **data_options):
    extra = "".join(f"  {k}: {v}\n" for k, v in data_options.items())
    (folder / "build.yaml").write_text(
        f"name: b\ndata:\n  path: {folder / 'survey.csv'}\n{extra}"
        "  columns: {id: response_id, when: submitted_at, score: score, team: team, dept: department,"
        " comment: comment, email: email}\n")
    return params.load_params(folder / "build.yaml")


def test_max_columns_and_max_cell_chars_come_from_the_build_file(tmp_path):
    write_survey(tmp_path / "survey.csv", ["ok"] * 5 + ["x" * 1_500_000], extra_columns=30)
    with pytest.raises(DataError, match="1,500,000 characters, more than the 1,000,000"):
        io.load_responses(build_file(tmp_path))
    with pytest.raises(DataError, match="more than the 20 columns"):
        io.load_responses(build_file(tmp_path, max_columns=20, max_cell_chars=2_000_000))
    loaded = io.load_responses(build_file(tmp_path, max_cell_chars=2_000_000))
    assert loaded.counts["accepted"] == 6


def test_a_long_comment_is_truncated_visibly_in_the_list_on_disk(tmp_path):
    long_comment = "slow reply " * 10_000  # 110,000 characters
    data = pd.DataFrame({"team": "A", "quarter": "2026Q3", "score": [2, 10], "response_id": ["r1", "r2"],
                         "respondent_id": ["p1", "p2"], "comment": [long_comment, "great"],
                         "submitted_at": pd.to_datetime(["2026-07-15", "2026-07-16"], utc=True)})
    detractors, promoters = close_the_loop(data, team="A", quarter="2026Q3", as_of="2026-09-30")
    paths = write_close_the_loop(detractors, promoters, tmp_path)
    cell = pd.read_excel(paths["xlsx"], sheet_name="Detractors")["comment"].iloc[0]
    assert cell.endswith(MARK) and len(cell) <= 2_000 and cell.startswith("slow reply slow reply")
    csv_text = paths["csv"].read_text(encoding="utf-8-sig")
    assert "(truncated)" in csv_text and len(csv_text) < 5_000
    assert pd.read_excel(paths["xlsx"], sheet_name="Promoters")["comment"].iloc[0] == "great"


def test_truncate_keeps_short_text_and_marks_long_text():
    assert truncate("short") == "short"
    cut = truncate("word " * 1000, limit=100)
    assert cut.endswith(MARK) and len(cut) <= 100 and "word wo" not in cut[:-len(MARK)].rstrip()[-7:]
    assert truncate("x" * 10_000, limit=2_000) == "x" * (2_000 - len(MARK)) + MARK


def test_a_quoted_comment_is_redacted_then_truncated():
    text = "card 4111 1111 1111 1111 " + "too slow " * 20_000 + " call me:07700 900123"
    quoted = shown(text, 2_000)
    assert quoted.startswith("card [card number] too slow") and quoted.endswith(MARK)
    assert len(quoted) <= 2_000 and "4111" not in quoted


# ----------------------------------------------------------------------------- redaction
@pytest.mark.parametrize("text, expected", [
    ("card 4111 1111 1111 1111 EUR", "card [card number] EUR"),
    ("paid with € 4111 1111 1111 1111", "paid with € [card number]"),
    ("call me:07700 900123", "call me:[phone]"),
    ("refund to de89370400440532013000 please", "refund to [account number] please"),
    ("my number is 555-2671", "my number is [phone]"),
    # neighbours
    ("EUR4111111111111111 was taken twice", "EUR[card number] was taken twice"),
    ("USD 5555-5555-5555-4444 charged", "USD [card number] charged"),
    ("card 4111.1111.1111.1111.", "card [card number]."),
    ("$4000 0566 5566 5556 on the invoice", "$[card number] on the invoice"),
    ("tel:+44 20 7946 0958", "tel:[phone]"),
    ("phone:0171 2345678 after six", "phone:[phone] after six"),
    ("Call 555 2671 or ring 555.2671", "Call [phone] or ring [phone]"),
    ("iban Gb82 West 1234 5698 7654 32.", "iban [account number]."),
    ("to fr1420041010050500013m02606 now", "to [account number] now"),
])
def test_redaction_gaps_of_issue_17_are_closed(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "It costs € 49.99 a month, was €39.99.",
    "Scores of 9 and 10, NPS 45 (was 32).",
    "Since 2019, and again in 2026.",
    "from 100-1000 euros",
    "At 10:30:45 the call dropped",
    "The whole project was 12 500 000 000 000 EUR",
    "Ticket 1234567 is still open",
    "version 10.2.3 broke the app",
    "ab12cdefghijklmno is my username",
    "555-2671",  # alone, 3-4 digits may be a range or a reference: documented in the README
])
def test_ordinary_numbers_stay(text):
    assert redact(text) == text


def test_checksums_are_the_published_ones():
    # Test numbers published by card networks and the IBAN registry (ISO 13616 examples).
    assert all(luhn_valid(n) for n in ("4111111111111111", "5555555555554444", "378282246310005"))
    assert not luhn_valid("4111111111111112")
    assert all(iban_valid(n) for n in ("GB82WEST12345698765432", "DE89370400440532013000",
                                       "FR1420041010050500013M02606", "NL91ABNA0417164300"))
    assert not iban_valid("GB82WEST12345698765433")


def test_redact_patterns_from_the_build_file(tmp_path):
    assert redact("customer CUST-004211 and ACME/99-12", ["CUST-\\d{6}", r"ACME/\d+-\d+"]) == \
        "customer [id] and [id]"
    with pytest.raises(ValueError, match=r"'ACME-\(\\\\d\+'.*not a valid regular expression"):
        compile_patterns(("ACME-(\\d+",))
    with pytest.raises(ValueError, match="matches empty text"):
        compile_patterns(("x*",))
    (tmp_path / "b.yaml").write_text('data: {path: x.csv}\nredact:\n  patterns: ["CUST-\\\\d{6}", "ACME-(\\\\d+"]\n')
    with pytest.raises(ParamsError, match=r"redact.patterns.*ACME-\("):
        params.load_params(tmp_path / "b.yaml")
    (tmp_path / "c.yaml").write_text('data: {path: x.csv}\nredact:\n  patterns: ["CUST-\\\\d{6}"]\n')
    options = params.load_params(tmp_path / "c.yaml").report_options()
    assert options.redact_patterns == ("CUST-\\d{6}",)


# ----------------------------------------------------------------------------- one whole build
# Each comment carries a theme's words (billing errors): a report quotes comments of its themes.
PII = {"wrong bill: card 4111 1111 1111 1111 EUR": "4111 1111 1111 1111",
       "charged twice, paid with € 4111 1111 1111 1111": "4111 1111 1111 1111",
       "billing error, call me:07700 900123": "07700 900123",
       "billing error: refund to de89370400440532013000": "de89370400440532013000",
       "billing error, my number is 555-2671": "555-2671",
       "billing error for CUST-004211": "CUST-004211"}
TEAMS = {("Ops", "{quarter}"): 1, ("Ops", "2026Q3"): 2, ("Ops", "{{7*7}}"): 3, ("Ops", "${7*7}"): 4,
         ("Ops", CJK): 5, ("Ops", "Café"): 6, ("Ops", "Cafe\u0301"): 7, ("Ops", "café"): 8,
         ("Ops", "\u202eevil.exe"): 9, ("Math", "Team $\\foo{$"): 10,
         ("Sales", "Support"): 11, ("Service", "Support"): 12}


@pytest.mark.slow
def test_a_build_of_hostile_names_writes_every_report_in_its_own_folder(tmp_path):
    from nps_report.pipeline import run_build

    rng = np.random.default_rng(5)
    comments = list(PII) + ["billing error " + "very slow " * 600, "great service", ""]
    rows = [{"id": f"{n}-{q}-{i}", "when": f"{q}T09:{i % 60:02d}:00Z", "score": int(rng.integers(0, 11)),
             "team": t, "dept": d, "email": f"c{n}x{i}@{d.lower()}.example",
             "comment": comments[i % len(comments)]}
            for (d, t), n in TEAMS.items() for q in ("2026-04-15", "2026-07-15") for i in range(12)]
    pd.DataFrame(rows).to_csv(tmp_path / "survey.csv", index=False)
    (tmp_path / "build.yaml").write_text(
        f"name: hostile\ndata:\n  path: {tmp_path / 'survey.csv'}\n"
        "  columns: {id: response_id, when: submitted_at, score: score, team: team, dept: department,"
        " comment: comment, email: email}\n"
        'redact:\n  patterns: ["CUST-\\\\d{6}"]\n'
        f"quarters: [2026Q3]\nformats: [html]\noutput_dir: {tmp_path / 'out'}\n")
    result = run_build(params.load_params(tmp_path / "build.yaml"), jobs=2)
    out = tmp_path / "out" / "hostile"
    assert result.exit_code == 0, [(k, r.get("error")) for k, r in result.results.items()]
    # 11 teams (NFD Café is Café; Support is one team per department), 4 summaries, 1 overview
    assert len(result.results) == 16 and all(r["status"] == "ok" for r in result.results.values())
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    teams = {e["team"]: key for key, e in manifest.items() if e.get("kind") == "team"}
    assert set(teams) == {"{quarter}", "2026Q3", "{{7*7}}", "${7*7}", CJK, "Café", "café", "evil.exe",
                          "Team $\\foo{$", "Support (Sales)", "Support (Service)"}
    for team, key in teams.items():
        notebook = json.loads((out / key / "report.ipynb").read_text(encoding="utf-8"))
        injected = next(c for c in notebook["cells"] if "injected-parameters" in c["metadata"].get("tags", []))
        assigned = {node.targets[0].id: ast.literal_eval(node.value)
                    for node in ast.parse("".join(injected["source"])).body}
        assert assigned["team"] == team  # its own notebook ({quarter}'s was written over 2026Q3's)
        assert (out / key / "report.html").stat().st_size > 0
    for path in out.rglob("*"):
        assert len(path.name.encode("utf-8")) <= 255 and not BIDI.search(str(path))
    assert not BIDI.search((out / "index.html").read_text(encoding="utf-8"))
    for summary in ("2026Q3/departments/Math", "2026Q3/overview"):
        html = (out / summary / "report.html").read_text(encoding="utf-8")
        assert "Traceback" not in html and "<img" in html
    # one department's list holds only its customers
    sales = pd.read_excel(out / teams["Support (Sales)"] / "close_the_loop.xlsx", sheet_name=None)
    emails = pd.concat(sales.values())["email"].dropna()
    assert len(emails) and emails.str.endswith("@sales.example").all()
    # redaction and truncation, in every report
    htmls = "".join(p.read_text(encoding="utf-8") for p in out.rglob("report.html"))
    assert "[card number]" in htmls and "(truncated)" in htmls
    for secret in PII.values():
        assert secret not in htmls
    assert "very slow " * 300 not in htmls
    # the PDF is printed from the report's HTML: one of them, read back
    import pypdf

    from nps_report.export.pdf import export_pdf, report_cover

    quoted = next(p for p in out.rglob("report.html") if "[card number]" in p.read_text(encoding="utf-8"))
    export_pdf(quoted, tmp_path / "quoted.pdf", cover=report_cover("team", quarter="2026Q3", team="x"))
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(tmp_path / "quoted.pdf").pages)
    assert "[card number]" in " ".join(text.split())
    assert not any(secret in text for secret in PII.values())
