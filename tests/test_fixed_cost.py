"""The build's fixed cost at scale (issue 19): the faster paths give what the plain ones gave.

Loading (pyarrow's CSV parser, the exact-duplicate check on candidate rows, whole numbers
cast by arrow), every team's close-the-loop list drawn up in one pass, and the reports'
printed-rows fingerprints from row hashes made once. No timing is asserted here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nps_report import schema


@pytest.fixture(scope="module")
def demo_ctx():
    from nps_report import context

    return context.load_context(None)


# ----------------------------------------------------------------------------- loading
def test_exact_duplicate_rows_is_pandas_duplicated():
    """Random tables with many repeated cells and some repeated rows, in both keep modes."""
    from nps_report.io.load import exact_duplicate_rows

    rng = np.random.default_rng(19)
    for trial in range(40):
        n, width = int(rng.integers(0, 300)), int(rng.integers(1, 5))
        frame = pd.DataFrame({f"c{j}": rng.choice(["a", "b", "", "c"], n) for j in range(width)})
        if n:  # repeat some whole rows
            frame = pd.concat([frame, frame.sample(n=min(n, 20), random_state=trial)], ignore_index=True)
        for keep in ("first", False):
            expected = frame.duplicated(keep=keep).to_numpy()
            assert np.array_equal(exact_duplicate_rows(frame, keep=keep), expected), (trial, keep)


def test_text_to_float_reads_as_to_numeric():
    from nps_report.io.load import text_to_float

    cells = ["7", "7.0", "", " 8 ", "6.5", "1e1", "x", None, "-0", "+3", "0012", "NaN", "inf",
             "1,5", "9.00", "123456789012345678", "3.000000", "4.0000001", "٣"]
    expected = pd.to_numeric(pd.Series([c.strip() if isinstance(c, str) else "" for c in cells], dtype=object),
                             errors="coerce").astype("float64").to_numpy()
    got = text_to_float(pd.Series(cells, dtype=object))
    assert np.array_equal(got, expected, equal_nan=True)
    assert np.array_equal(np.signbit(got), np.signbit(expected))  # "-0" stays -0.0


@pytest.mark.parametrize("text", [
    'a,b\n"ab"c,d\n',            # text after a closing quote
    'a,b\nx"y,z\n',              # a quote inside an unquoted cell
    'a,b\n1,"2\n3,4\n',          # a quote never closed
    'a,b\n"x\ny",2\n"p ""q""",3\n',  # a line break and doubled quotes inside quoted cells
    'a,b\r\n1,2\r\n\r\n3,4\r\n',  # CRLF and a blank line
    'a,b\n1,2\n \n3,4\n',        # a line of spaces
    'a,b\n1\x002,3\n',           # NUL
])
def test_arrow_parser_reads_as_the_csv_module(text):
    from nps_report.exceptions import NpsReportError
    from nps_report.io.readers import parse_csv_grid

    outcomes = []
    for engine in ("python", "arrow"):
        try:
            frame, _, malformed = parse_csv_grid(text, engine=engine)
            outcomes.append((frame.values.tolist(), sorted(malformed)))
        except NpsReportError as exc:
            outcomes.append(type(exc).__name__)
    assert outcomes[0] == outcomes[1]


def test_a_large_file_loads_the_same_through_either_parser(tmp_path, monkeypatch):
    """A file past the small-text limit (pyarrow's parser) with quoted cells, duplicates,
    bad scores and a quote inside an unquoted cell in another file: the same responses,
    rejected and dropped rows as through the csv module."""
    from nps_report import io as nio
    from nps_report.io import readers

    rng = np.random.default_rng(7)

    def row(i, score):
        return (f"r{i},c{i % 500},{score},2026-0{7 + i % 3}-1{i % 9}T10:00:00Z,"
                f"\"Team {i % 7}\",\"slow, then \"\"fine\"\"\",{rng.integers(1, 6)}.0")

    rows = [row(i, rng.integers(0, 11)) for i in range(4000)]
    rows[10], rows[11] = row(10, "abc"), row(11, "11")  # rejected
    rows += rows[100:130]  # exact duplicates
    header = "id,customer,score,date,team,comment,ease"
    path = tmp_path / "big.csv"
    path.write_text("\n".join([header] + rows) + "\n", encoding="utf-8")
    columns = {"id": "response_id", "customer": "respondent_id", "score": "score", "date": "submitted_at",
               "team": "team", "comment": "comment", "ease": "ease"}

    def load():
        raw = nio.read_table(path, format="csv")
        return nio.to_canonical(raw.frame, mapping=columns, attributes=["ease"], path=path)

    assert path.stat().st_size > readers._SMALL_TEXT
    fast = load()
    assert not isinstance(nio.read_table(path, format="csv").frame.iloc[:, 0].dtype, np.dtypes.ObjectDType)
    monkeypatch.setattr(readers, "_SMALL_TEXT", 10**9)  # the csv module for any size
    plain = load()
    pd.testing.assert_frame_equal(fast.responses, plain.responses, check_exact=True)
    pd.testing.assert_frame_equal(fast.rejected, plain.rejected, check_exact=True)
    pd.testing.assert_frame_equal(fast.duplicates, plain.duplicates, check_exact=True)
    assert fast.counts == plain.counts
    assert fast.counts["exact_duplicates"] == 30 and fast.counts["rejected"] == 2


# ----------------------------------------------------------------------------- build tables
@pytest.mark.parametrize("with_cases", [True, False])
def test_lists_drawn_up_at_once_are_each_teams_list(demo_ctx, with_cases):
    """Without returned workbooks every team's lists come from one pass: each is the list
    of the team's own close_the_loop and loop_list (with the build's case state or none)."""
    from nps_report import closeloop, loop
    from nps_report.tables.build import close_the_loop_lists, current_responses

    responses = demo_ctx.responses()
    options = demo_ctx.options
    cases = loop.detractor_cases(responses) if with_cases else None
    current = current_responses(responses, quarter="2026Q3", options=options)[0]
    lists = close_the_loop_lists(current, quarter="2026Q3", options=options, cases=cases, responses=responses)
    teams = sorted(current[schema.TEAM].astype(str).unique())
    assert sorted(lists) == teams and len(teams) == 30
    for team in teams:
        detractors, promoters = closeloop.close_the_loop(
            current, team=team, quarter="2026Q3", sla_hours=options.loop.sla_hours, tz=options.timezone,
            fiscal_year_start_month=options.fiscal_year_start_month,
            comment_max_chars=options.comment_max_chars)
        plain = loop.loop_list(detractors, cases, responses=responses)
        pd.testing.assert_frame_equal(lists[team][0], plain, check_exact=True)
        pd.testing.assert_frame_equal(lists[team][1], promoters, check_exact=True)
        assert lists[team][0].attrs == plain.attrs and lists[team][1].attrs == promoters.attrs
    assert sum(len(d) for d, _ in lists.values()) > 100


def test_printed_rows_fingerprint_is_the_frame_fingerprint_of_every_report(demo_ctx):
    from nps_report.pipeline.fingerprints import frame_fingerprint
    from nps_report.tables.build import printed_build_rows, printed_rows_fingerprint

    bt = demo_ctx.build_tables("2026Q3")
    nps = bt.nps
    reports = ([("team", t, None) for t in nps.loc[nps["level"] == "team", schema.TEAM]]
               + [("department", None, d) for d in nps.loc[nps["level"] == "department", schema.DEPARTMENT]]
               + [("overview", None, None)])
    prints = set()
    for kind, team, department in reports:
        rows = printed_build_rows(bt, kind=kind, team=team, department=department)
        fingerprint = printed_rows_fingerprint(bt, kind=kind, team=team, department=department)
        assert fingerprint == frame_fingerprint(rows), (kind, team, department)
        prints.add(fingerprint)
    assert len(prints) == len(reports) == 37  # every report prints its own rows


# ----------------------------------------------------------------------------- category counts
def _category_counts_plain(data, by, score):
    """benchmarks.counting.category_counts as written before: one grouping of every response."""
    from nps_report import stats

    cat = pd.Categorical(stats.categorize(data[score]), categories=stats.CATEGORIES)
    frame = pd.DataFrame({c: data[c].to_numpy() for c in by})
    frame["_cat"] = cat
    if by:
        table = (frame.groupby(by + ["_cat"], observed=True, dropna=False).size()
                 .unstack("_cat", fill_value=0).reindex(columns=stats.CATEGORIES, fill_value=0))
        table.columns = ["detractors", "passives", "promoters"]
        table.columns.name = None
        return table.reset_index()
    return pd.DataFrame({name: [int((frame["_cat"] == c).sum())] for name, c in
                         zip(["detractors", "passives", "promoters"], stats.CATEGORIES)})


def test_category_counts_counted_from_codes_is_the_plain_grouping(demo_ctx):
    """Random tables (text keys of three dtypes, integer and float keys, missing keys and
    scores, empty tables) and the demo's responses: the same table, dtypes included."""
    from nps_report.benchmarks.counting import category_counts

    rng = np.random.default_rng(1919)
    for trial in range(120):
        n = int(rng.integers(0, 60))
        data = {}
        for j in range(3):
            kind = ("string", "str", object, "int", "float")[int(rng.integers(5))]
            if kind == "int":
                data[f"k{j}"] = pd.Series(rng.integers(0, 3, n))
            elif kind == "float":
                data[f"k{j}"] = pd.Series(rng.choice([1.0, 2.5, np.nan], n))
            else:
                data[f"k{j}"] = pd.Series(rng.choice(["a", "b", "c", None], n), dtype=kind)
        scores = rng.integers(0, 11, n).astype("float64")
        if trial % 2:
            scores[rng.random(n) < 0.2] = np.nan
        data["score"] = scores if trial % 2 else scores.astype("int8")
        frame = pd.DataFrame(data)
        for by in ([], ["k0"], ["k1", "k0"], ["k0", "k1", "k2"]):
            pd.testing.assert_frame_equal(category_counts(frame, by, "score"),
                                          _category_counts_plain(frame, by, "score"), check_exact=True)
    responses = demo_ctx.responses()
    for by in ([schema.TEAM, schema.QUARTER], [schema.DEPARTMENT, schema.QUARTER], [schema.QUARTER]):
        fast = category_counts(responses, by, schema.SCORE)
        pd.testing.assert_frame_equal(fast, _category_counts_plain(responses, by, schema.SCORE), check_exact=True)
    assert len(fast) == 8 and fast[["detractors", "passives", "promoters"]].to_numpy().sum() == len(responses)


def test_category_codes_are_categorize():
    from nps_report import stats

    scores = pd.Series([0, 6, 7, 8, 9, 10, np.nan, 6.0, 8.0])
    codes = stats.category_codes(scores)
    assert codes.tolist() == [0, 0, 1, 1, 2, 2, -1, 0, 1]
    assert np.array_equal(codes, stats.categorize(scores).cat.codes.to_numpy())
    for bad in ([11], [-1], [6.5]):
        with pytest.raises(ValueError, match="whole numbers 0..10"):
            stats.category_codes(bad)


# ----------------------------------------------------------------------------- anomaly checks
def test_answers_per_respondent_is_the_plain_grouping():
    """Random windows with missing keys: the counts, teams and quarters of
    ``groupby([team, quarter, respondent_id]).size()``, in its order."""
    from nps_report.anomalies import answers_per_respondent

    rng = np.random.default_rng(19)
    for trial in range(60):
        n = int(rng.integers(0, 200))
        window = pd.DataFrame({
            schema.TEAM: pd.Series(rng.choice(["B", "A", "Café", "a", None], n), dtype="string"),
            schema.QUARTER: pd.Series(rng.choice(["2026Q3", "2026Q2", "2025Q3"], n), dtype="string"),
            schema.RESPONDENT_ID: pd.Series(rng.choice([f"r{i}" for i in range(12)] + [None], n),
                                            dtype="string" if trial % 2 else object)})
        counts = window.groupby([schema.TEAM, schema.QUARTER, schema.RESPONDENT_ID], observed=True).size()
        k, (teams, quarters) = answers_per_respondent(window)
        assert k.tolist() == counts.tolist()
        assert teams.tolist() == counts.index.get_level_values(schema.TEAM).astype(str).tolist()
        assert quarters.tolist() == counts.index.get_level_values(schema.QUARTER).astype(str).tolist()


def test_internal_addresses_are_the_split_domains():
    """Addresses built from pieces that meet at every edge case (no @, two @, subdomains,
    look-alike domains, case and spaces), against splitting off the domain as before."""
    from nps_report.anomalies import internal_addresses

    rng = np.random.default_rng(7)
    pieces = ["a", "@", ".", "acme.com", "ACME.com", " ", "x-acme.com", "mail.", "co"]
    emails = pd.Series(["".join(rng.choice(pieces, int(rng.integers(0, 6)))) for _ in range(3000)]
                       + [None], dtype="string")
    for domains in (["acme.com"], ["acme.com", "co"], ["a@b"], ["com"]):
        domain = emails.str.strip().str.lower().str.rsplit("@", n=1).str[-1]
        expected = pd.Series(False, index=emails.index)
        for d in domains:
            expected |= (domain == d) | domain.str.endswith("." + d)
        expected = (expected.fillna(False) & emails.str.contains("@", regex=False).fillna(False)).astype(bool)
        got = internal_addresses(emails, domains)
        assert np.array_equal(got, expected.to_numpy()), domains
        assert 0 < got.sum() < len(emails) or domains == ["a@b"]


def test_followup_counts_are_the_plain_selection(demo_ctx):
    """Every team's waiting detractors, counted from arrays, as selected by pandas before;
    on lists with carried-over cases, statuses and contact dates set at random."""
    from nps_report import closeloop, loop
    from nps_report.tables.build import close_the_loop_lists, current_responses, followup_counts

    responses = demo_ctx.responses()
    options = demo_ctx.options
    current = current_responses(responses, quarter="2026Q3", options=options)[0]
    lists = close_the_loop_lists(current, quarter="2026Q3", options=options,
                                 cases=loop.detractor_cases(responses), responses=responses)
    rng = np.random.default_rng(3)
    for team, (detractors, promoters) in list(lists.items()):
        changed = detractors.copy()
        n = len(changed)
        changed[loop.CARRIED_OVER] = pd.Series(rng.choice(["", "2026Q2", None], n), dtype="str")
        changed["status"] = rng.choice([None, loop.OPEN, "contacted", "closed"], n)
        changed["contacted_on"] = pd.Series(pd.to_datetime(
            rng.choice(["2026-08-01", None], n), utc=True)).astype("datetime64[s, UTC]")
        changed.attrs.update(detractors.attrs)
        lists[team] = (changed, promoters)

    rows = []
    for team, (detractors, _) in sorted(lists.items()):  # as written before
        status = detractors["status"].astype("string").fillna(loop.OPEN)
        waiting = detractors[(detractors[loop.CARRIED_OVER].fillna("") == "")
                             & (status == loop.OPEN) & detractors["contacted_on"].isna()]
        waiting.attrs.update(detractors.attrs)
        rows.append({schema.TEAM: team, **closeloop.followup_summary(waiting)})
    plain = pd.DataFrame(rows, columns=[schema.TEAM, "count", "overdue", "oldest_days", "sla_hours"])
    fast = followup_counts(lists)
    pd.testing.assert_frame_equal(fast, plain, check_exact=True)
    assert 0 < fast["count"].sum() < sum(len(d) for d, _ in lists.values())


def test_team_vs_rest_departments_are_each_teams_mode():
    """Every team's department (its most frequent in the quarter, else in all its rows; the
    first in sorted order on a tie) found in one count, as the per-team lookup found it."""
    from nps_report.benchmarks import team_vs_rest

    rng = np.random.default_rng(11)
    for trial in range(30):
        n = int(rng.integers(1, 80))
        data = pd.DataFrame({
            "team": pd.Series(rng.choice(["A", "B", "C", "D"], n), dtype="string"),
            "department": pd.Series(rng.choice(["Sales", "Ops", "Finance"], n), dtype="string"),
            "quarter": rng.choice(["2026Q3", "2026Q2"], n),
            "score": rng.integers(0, 11, n)})
        teams = sorted(data["team"].unique())
        # level "company": a team spread over departments would leave a negative "rest of" them
        table = team_vs_rest(data, quarter="2026Q3", team=teams, level="company")
        for team in teams:
            rows = data[data["team"] == team]
            now = rows[rows["quarter"] == "2026Q3"]
            expected = str((now if len(now) else rows)["department"].mode().iloc[0])
            assert (table.loc[table["team"] == team, "department"] == expected).all(), (trial, team)
    with pytest.raises(KeyError, match="no responses"):
        team_vs_rest(data, quarter="2026Q3", team=["Nobody"])



# ----------------------------------------------------------------------------- responses.parquet
def test_responses_written_meanwhile_are_whole_before_the_first_report(tmp_path, monkeypatch):
    """responses.parquet is written by a thread while the build tables are computed: a
    slow writer (0.5 s more) still has its file complete and in place when the first
    report would start."""
    import time

    from nps_report import params
    from nps_report.pipeline import runner
    from tests.test_faults_state import fault_build_file, leftovers

    out = tmp_path / "output" / "faults"
    real = runner.write_responses

    def slow(responses, path):
        time.sleep(0.5)
        return real(responses, path)

    seen = []

    def first_report(*args, **kwargs):
        if not seen:
            seen.append(pd.read_parquet(out / "responses.parquet"))

    monkeypatch.setattr(runner, "write_responses", slow)
    monkeypatch.setattr(runner, "execute_reports", first_report)
    monkeypatch.setattr(runner, "build_packs", lambda *args, **kwargs: None)
    runner.run_build(params.load_params(fault_build_file(tmp_path)), jobs=1, force=True)
    assert len(seen) == 1 and len(seen[0]) == 160 and set(seen[0][schema.TEAM]) == {"Alpha", "Beta", "Gamma", "Delta"}
    assert leftovers(out) == []


@pytest.mark.parametrize("tables_fail_too", [False, True])
def test_a_full_disk_writing_the_responses_stops_the_build_naming_them(tmp_path, monkeypatch, tables_fail_too):
    """The disk fills up while responses.parquet is written (in its thread): the build
    stops before any report with the file's path and exit code 2, as when it was written
    first; when the build tables' files then fail too, the responses' error is the one shown."""
    import errno

    from nps_report import atomic, params
    from nps_report.exceptions import OutputError
    from nps_report.pipeline import runner
    from tests.test_faults_state import fault_build_file, leftovers

    out = tmp_path / "output" / "faults"

    def full(responses, path):
        with atomic.atomic_path(path) as temporary:
            temporary.write_bytes(b"PAR1")
            raise OSError(errno.ENOSPC, "No space left on device", str(temporary))

    def context_full(context, folder):
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "context.json"))

    started = []
    monkeypatch.setattr(runner, "write_responses", full)
    if tables_fail_too:
        monkeypatch.setattr(runner, "write_context", context_full)
    monkeypatch.setattr(runner, "execute_reports", lambda *args, **kwargs: started.append(1))
    with pytest.raises(OutputError) as raised:
        runner.run_build(params.load_params(fault_build_file(tmp_path)), jobs=1, force=True)
    assert raised.value.exit_code == 2 and not started
    assert "no space left on the device" in str(raised.value) and "responses.parquet" in str(raised.value)
    assert "context.json" not in str(raised.value)
    assert not (out / "responses.parquet").exists() and leftovers(out) == []


# ----------------------------------------------------------------------------- text by its bytes
_PIECES = ["a", "B", "é", "e\u0301", " ", "  ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\x00", "\x01",
           "\x7f", "\x85", "\u00a0", "\u3000", "\u202e", "\u200e", "\u061c", "NA", "x y", "-", "🙂", "\u2028"]


def _messy_cells(rng, n):
    return [None if rng.random() < 0.05 else "".join(rng.choice(_PIECES, int(rng.integers(0, 5))))
            for _ in range(n)]


def test_byte_checks_answer_as_the_cell_by_cell_matches():
    """textbytes' answers against arrow's own cell-by-cell functions, on cells made of white
    space, controls (C0, C1, bidi), non-ASCII letters and missing cells, sliced arrays too:
    "no" only where the cells agree, "yes" wherever they find one."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from nps_report.io.textbytes import any_byte, has_non_ascii, maybe_untrimmed

    rng = np.random.default_rng(5)
    answers = {"untrimmed": set(), "ascii": set(), "control": set()}
    for trial in range(400):
        array = pa.array(_messy_cells(rng, int(rng.integers(0, 6))), type=pa.string())
        if trial % 3 == 0 and len(array) > 1:
            array = array.slice(1)
        trimmed = pc.utf8_trim_whitespace(array)
        if not maybe_untrimmed(array):
            assert trimmed.equals(array)
        answers["untrimmed"].add(maybe_untrimmed(array))
        assert has_non_ascii(array) == (not pc.all(pc.string_is_ascii(array)).as_py() if
                                        array.null_count < len(array) else False)
        answers["ascii"].add(has_non_ascii(array))
        control = pc.any(pc.match_substring_regex(array, "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]")).as_py()
        codes = [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]
        assert any_byte(array, codes) == bool(control)
        answers["control"].add(bool(control))
    assert all(seen == {True, False} for seen in answers.values())


def test_names_and_text_cleaned_from_bytes_as_by_the_plain_rewrites():
    """to_canonical's team, department, comment and segment columns, whose rewrites are
    now skipped on a scan of their bytes, against every rewrite applied to every cell
    (trim, runs of white space in names, controls, NFC), on messy random cells."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from nps_report.io.load import to_canonical

    name_controls = ("[\\x00-\\x1f\\x7f-\\x9f\\x{061c}\\x{200e}\\x{200f}\\x{202a}-\\x{202e}"
                     "\\x{2066}-\\x{2069}]")

    def plain(cells, name):
        array = pc.fill_null(pc.utf8_trim_whitespace(pa.array(cells, type=pa.string())), "")
        if name:
            array = pc.replace_substring_regex(array, r"\s+", " ")
        array = pc.replace_substring_regex(array, name_controls if name else "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]", "")
        array = pc.utf8_normalize(pc.utf8_trim_whitespace(array), "NFC")
        return [None if v == "" else v for v in array.to_pylist()]

    rng = np.random.default_rng(8)
    checked = 0
    for trial in range(60):
        n = 40
        # some columns plain ASCII words, so both the skipped and the applied rewrites run
        simple = trial % 2 == 0
        raw = pd.DataFrame({
            "id": [f"r{trial}-{i}" for i in range(n)], "score": ["9"] * n,
            "when": ["2026-08-01T10:00:00Z"] * n,
            "team": [f"T{i % 3}" for i in range(n)] if simple else ["T" + (c or "") for c in _messy_cells(rng, n)],
            "dept": ["D"] * n if trial % 3 else ["D" + (c or "") for c in _messy_cells(rng, n)],
            "comment": _messy_cells(rng, n), "region": _messy_cells(rng, n)}, dtype=object)
        result = to_canonical(raw, mapping={"id": "response_id", "score": "score", "when": "submitted_at",
                                            "team": "team", "dept": "department", "comment": "comment",
                                            "region": "region"}, segments=["region"], na_values=())
        kept = result.responses
        rows = [int(i) for i in kept["response_id"].str.split("-").str[1]]
        for column, source, name in (("team", "team", True), ("department", "dept", True),
                                     ("comment", "comment", False), ("region", "region", False)):
            expected = [plain(raw[source].tolist(), name)[i] for i in rows]
            got = [None if pd.isna(v) else v for v in kept[column]]
            if column == "team":  # a name shared by departments is renamed: compare the unshared
                pairs = [(g, e) for g, e in zip(got, expected) if g == e or " (" not in str(g)]
                assert all(g == e for g, e in pairs), (trial, column)
            else:
                assert got == expected, (trial, column)
            checked += len(rows)
    assert checked > 5000


def _quarter_label_plain(timestamps, *, tz="UTC", fiscal_year_start_month=1):
    """schema.quarter_label as written before (every period formatted)."""
    ts = pd.Series(timestamps)
    local = ts.dt.tz_convert(tz).dt.tz_localize(None)
    end_month = (int(fiscal_year_start_month) - 2) % 12 + 1
    month_abbr = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"][end_month - 1]
    periods = local.dt.to_period(f"Q-{month_abbr}")
    labels = periods.astype("string").str.replace(r"^(\d{4})Q(\d)$", r"\1Q\2", regex=True)
    return labels.astype("string")


def test_quarter_labels_written_once_per_quarter_are_the_plain_labels():
    """Random times over eight years with missing ones, shuffled index, three zones and
    fiscal years: the same labels, index, name and dtype."""
    rng = np.random.default_rng(0)
    low, high = pd.Timestamp("2019-01-01").value, pd.Timestamp("2027-01-01").value
    for trial in range(30):
        n = int(rng.integers(0, 300))
        stamps = pd.Series(pd.to_datetime(rng.integers(low, high, n), utc=True), index=rng.permutation(n) + 5,
                           name=schema.SUBMITTED_AT if trial % 2 else None)
        if n:
            stamps.iloc[rng.integers(0, n, 3)] = pd.NaT
        for tz, first_month in (("UTC", 1), ("Europe/Paris", 7), ("America/New_York", 4)):
            pd.testing.assert_series_equal(
                schema.quarter_label(stamps, tz=tz, fiscal_year_start_month=first_month),
                _quarter_label_plain(stamps, tz=tz, fiscal_year_start_month=first_month), check_exact=True)


def test_combined_codes_sort_and_group_as_the_tuples_even_past_64_bits():
    """stats.combined_codes (category_counts and the repeat-respondent counts): four keys of
    2**20 values each need 80 bits, so the codes are renumbered on the way; they must still
    order rows as the tuples and give equal tuples equal codes."""
    from nps_report import stats

    rng = np.random.default_rng(1)
    keys = [rng.integers(0, 2 ** 20, 5000) for _ in range(4)]
    keys = [np.concatenate([k, k[:50]]) for k in keys]  # some tuples twice
    codes = stats.combined_codes(keys, [2 ** 20] * 4)
    order = np.lexsort(keys[::-1])  # by the tuples, first key most significant
    assert np.all(np.diff(codes[order]) >= 0)
    assert len(np.unique(codes)) == len({tuple(row) for row in np.array(keys).T}) == 5000
