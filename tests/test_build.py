"""End-to-end builds: papermill execution, HTML export, failures, incremental re-runs, safe names."""

from __future__ import annotations

import hashlib
import json
import re
import shutil

import nbformat
import numpy as np
import pandas as pd
import pytest

from nps_report import params, stats
from nps_report.pipeline import make_plan, run_build, safe_name

from .conftest import ROOT
from .helpers import HOSTILE

TEAMS = {"Équipe Montréal": "Ventes", "../escape": "Ventes"}
# "../escape" loses its "/" in a folder name: the folder says so with a hash of the name.
ESCAPE = "_escape-" + hashlib.sha256(b"../escape").hexdigest()[:8]


@pytest.fixture(scope="module")
def small_build(tmp_path_factory):
    """2 teams x 2 quarters, hostile comments, a team name that tries to leave the output folder."""
    folder = tmp_path_factory.mktemp("small")
    rng = np.random.default_rng(11)
    rows = []
    for team, dept in TEAMS.items():
        for quarter_start in ("2026-04-10", "2026-07-10"):
            for i in range(40):
                rows.append({
                    "id": f"{team[:3]}-{quarter_start}-{i}", "when": f"{quarter_start}T10:{i:02d}:00Z",
                    "score": int(rng.integers(0, 11)), "team": team, "dept": dept,
                    "plan": ["Basic", "Pro"][i % 2],
                    # a theme's words with each payload: a report quotes comments of its themes
                    "comment": f"{HOSTILE[i]} billing error" if i < len(HOSTILE) else ("fine" if i % 3 else ""),
                })
    pd.DataFrame(rows).to_csv(folder / "survey.csv", index=False)
    (folder / "build.yaml").write_text(
        "name: small\n"
        f"data:\n  path: {folder / 'survey.csv'}\n"
        "  columns: {id: response_id, when: submitted_at, score: score, team: team, dept: department,"
        " plan: plan, comment: comment}\n"
        "  segments: [plan]\n"
        "quarters: all\n"
        f"output_dir: {folder / 'output'}\n")
    build = params.load_params(folder / "build.yaml")
    result = run_build(build, jobs=2)
    return folder, build, result


def test_small_build_succeeds(small_build):
    folder, _, result = small_build
    assert result.exit_code == 0, result.failed
    kinds = pd.Series([r.kind for r in result.plan.reports]).value_counts().to_dict()
    assert kinds == {"team": 4, "department": 2, "overview": 2}
    out = folder / "output" / "small"
    for report in result.plan.reports:
        assert (out / report.folder / "report.html").exists(), report.folder
        assert (out / report.folder / "report.ipynb").exists(), report.folder


def test_names_stay_inside_output(small_build):
    folder, _, _ = small_build
    out = (folder / "output" / "small").resolve()
    for path in (folder / "output").rglob("*"):
        assert path.resolve().is_relative_to(out), path
    assert (out / "2026Q3" / "teams" / "Équipe Montréal" / "report.html").exists()
    assert (out / "2026Q3" / "teams" / ESCAPE / "report.html").exists()


def test_team_html_shows_stats_value_and_escapes(small_build):
    folder, build, _ = small_build
    page = (folder / "output" / "small" / "2026Q3" / "teams" / "Équipe Montréal" / "report.html").read_text()
    assert "Équipe Montréal" in page
    responses = pd.read_parquet(folder / "output" / "small" / "responses.parquet")
    mine = responses[(responses.team == "Équipe Montréal") & (responses.quarter == "2026Q3")]
    expected = round(stats.nps(mine.score))
    headline = re.search(r'<div class="value" style="[^"]*">([+\-]?\d+)</div>'
                         r'<div class="label" style="[^"]*">NPS 2026Q3', page)
    assert headline and int(headline.group(1)) == expected
    assert "In&nbsp;[" not in page and 'class="jp-InputPrompt' not in page
    assert "render." not in page and "context_path" not in page  # no code
    assert not re.search(r"<script[^>]+src=[\"']?https?:", page)
    assert "<script" not in page  # no script at all, and customer text never becomes one
    for raw in ("<img src=x", "<svg", "<iframe", "<body onload", "<style>body", "<a href=\"javascript"):
        assert raw not in page, raw
    assert not re.search(r"<[a-z][^>]*\s(href|src)\s*=\s*[\"']?\s*javascript:", page, re.I)
    # the payloads quoted as verbatims are there, as text
    assert any(f"&lt;{tag}" in page for tag in ("script&gt;", "img", "svg", "iframe", "body"))
    assert "data:image/png;base64" in page  # charts are embedded


def test_hostile_comment_is_escaped_in_notebook_output(small_build):
    folder, _, _ = small_build
    # nothing in the executed notebook's HTML outputs carries the raw payload either
    nb = nbformat.read(folder / "output" / "small" / "2026Q3" / "teams" / "Équipe Montréal" / "report.ipynb", 4)
    html_outputs = [o["data"].get("text/html", "") for c in nb.cells if c.cell_type == "code"
                    for o in c.get("outputs", []) if "data" in o]
    assert html_outputs and not any("<script>alert" in h for h in html_outputs)


def test_index_lists_every_report(small_build):
    folder, _, result = small_build
    index = (folder / "output" / "small" / "index.html").read_text()
    for report in result.plan.reports:
        assert report.folder.replace("'", "&#x27;") in index or report.folder in index
    assert "built" in index and "rejected.csv" in index
    manifest = json.loads((folder / "output" / "small" / "manifest.json").read_text())
    assert {v["status"] for v in manifest.values()} == {"ok"}


def test_build_folder_shows_no_path_of_the_build_machine(small_build):
    """Notebooks, context.json, reports, manifest and index name the build's files relative
    to the build folder: neither the build folder nor the package's location appears."""
    folder, _, _ = small_build
    build = folder / "output" / "small"
    context = json.loads((build / "context.json").read_text())
    assert context["data_path"] == "responses.parquet" and context["params_file"] == "build.yaml"
    nb = nbformat.read(build / "2026Q3" / "teams" / "Équipe Montréal" / "report.ipynb", 4)
    assert nb.metadata.papermill.parameters["context_path"] == "../../../context.json"
    assert nb.metadata.papermill.parameters["tables_dir"] == "."
    machine = [str(folder), str(ROOT), "site-packages", "/tmp/"]
    texts = [p for p in build.rglob("*") if p.suffix in {".ipynb", ".html", ".json", ".csv", ".yaml"}]
    assert len(texts) > 10
    for path in texts:
        text = path.read_text(encoding="utf-8")
        assert not [m for m in machine if m in text], path.relative_to(build)


def test_moved_build_folder_still_runs(small_build, tmp_path):
    """A build folder copied elsewhere (or zipped and unpacked): its notebooks run from there."""
    import papermill as pm

    folder, _, _ = small_build
    moved = tmp_path / "elsewhere" / "small"
    shutil.copytree(folder / "output" / "small", tmp_path / "copy")
    shutil.move(tmp_path / "copy", moved)
    original = folder / "output" / "small"
    hidden = original.with_name("small-hidden")
    original.rename(hidden)  # nothing may still read the original place
    try:
        for report in ("2026Q3/teams/Équipe Montréal", "2026Q3/departments/Ventes"):
            here = moved / report
            nb = pm.execute_notebook(str(here / "report.ipynb"), str(here / "rerun.ipynb"),
                                     kernel_name="python3", progress_bar=False, cwd=str(here))
            errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                      if o.output_type == "error"]
            assert not errors, report
    finally:
        hidden.rename(original)


def test_rerun_skips_up_to_date(small_build):
    _, build, _ = small_build
    again = run_build(build, jobs=2)
    assert again.exit_code == 0
    assert len(again.skipped) == len(again.plan.reports) and not again.results


def _workbook_facts(path):
    """Every cell's value, number format, fill, font and comment, the checks, widths and panes."""
    from openpyxl import load_workbook

    book = load_workbook(path)
    facts = {}
    for sheet in book.worksheets:
        cells = [(c.coordinate, c.value, c.number_format, c.fill.fill_type, c.fill.start_color.rgb,
                  c.font.b, c.font.color.rgb if c.font.color is not None else None,
                  c.comment.text if c.comment else None) for row in sheet.iter_rows() for c in row]
        checks = [(v.type, v.formula1, str(v.sqref), v.error) for v in sheet.data_validations.dataValidation]
        widths = {k: d.width for k, d in sheet.column_dimensions.items()}
        facts[sheet.title] = (cells, checks, widths, sheet.freeze_panes)
    return facts


def test_close_the_loop_files_from_the_workers_match_the_build_process(tmp_path, small_build):
    """The workers write a rebuilt team's workbook and CSV with its report; the build process
    writes those of up-to-date teams whose files are missing: the same files either way."""
    folder, build, _ = small_build
    workers_wrote = folder / "output" / "small"
    copy = tmp_path / "out" / "small"
    shutil.copytree(workers_wrote, copy)
    removed = sorted(p.relative_to(copy) for p in copy.rglob("close_the_loop.*"))
    assert len(removed) == 2 * 4  # xlsx and csv of 2 teams x 2 quarters
    for path in removed:
        (copy / path).unlink()
    again = run_build(build.model_copy(update={"output_dir": str(tmp_path / "out")}), jobs=2)
    assert again.exit_code == 0 and not again.results  # every report up to date: not rebuilt
    for path in removed:
        if path.suffix == ".csv":
            assert (copy / path).read_bytes() == (workers_wrote / path).read_bytes(), path
        else:
            assert _workbook_facts(copy / path) == _workbook_facts(workers_wrote / path), path
    checks = _workbook_facts(copy / removed[1])["Detractors"][1]
    assert [c[0] for c in checks] == ["list", "date"]
    manifest = json.loads((copy / "manifest.json").read_text())
    for key, entry in manifest.items():
        if entry.get("kind") == "team":
            assert entry["extra_links"]["CSV"] == f"{key}/close_the_loop.csv"


def test_one_failing_report_does_not_stop_others(tmp_path, small_build):
    folder, build, _ = small_build
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    nb = nbformat.read(templates / "team_report.ipynb", 4)
    boom = nbformat.v4.new_code_cell('if team == "../escape":\n    raise RuntimeError("planted failure")')
    position = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])) + 2
    nb.cells.insert(position, boom)
    nbformat.write(nb, templates / "team_report.ipynb")
    failing = build.model_copy(update={"output_dir": str(tmp_path / "out"), "quarters": ["2026Q3"]})
    result = run_build(failing, jobs=2, templates_dir=templates)
    assert result.exit_code == 1
    assert len(result.failed) == 1
    failure = result.failed[0]
    assert failure["key"] == f"2026Q3/teams/{ESCAPE}"
    assert failure["cell"] == position + 1 and "planted failure" in failure["error"]
    built = [k for k, r in result.results.items() if r["status"] == "ok"]
    assert len(built) == len(result.plan.reports) - 1
    kept = tmp_path / "out" / "small" / "2026Q3" / "teams" / ESCAPE / "report.ipynb"
    assert kept.exists()  # the notebook with the error is kept for debugging
    # the next run retries only what failed
    again = run_build(failing, jobs=1, templates_dir=templates)
    assert list(again.results) == [f"2026Q3/teams/{ESCAPE}"]


@pytest.mark.parametrize("name,expected", [
    ("../x", "_x"), ("a/b", "a_b"), ("..", "unnamed"), ("", "unnamed"), ("Équipe Montréal", "Équipe Montréal"),
    ("con:aux*?", "con_aux_"), ("  .hidden", "hidden"), ("a\\b\x00c", "a_bc")])
def test_safe_name(name, expected):
    assert safe_name(name) == expected


def test_plan_tells_colliding_names_apart_by_a_hash_of_the_name():
    data = pd.DataFrame({"team": ["a/b", "a:b"], "department": ["D", "D"], "quarter": ["2026Q3"] * 2})
    folders = [r.folder for r in make_plan(data).reports if r.kind == "team"]
    hashes = [hashlib.sha256(name.encode()).hexdigest()[:8] for name in ("a/b", "a:b")]
    assert folders == [f"2026Q3/teams/a_b-{h}" for h in hashes]


# The templates' own tests (tags, parameters, execution, exports): tests/test_templates.py


def test_heatmap_blanks_groups_below_floor():
    from nps_report.plots import heatmap

    table = pd.DataFrame({"team": ["A", "A", "B", "B"], "quarter": ["2026Q2", "2026Q3"] * 2,
                          "nps": [10.0, 20.0, -30.0, 99.0], "shown": [True, True, True, False]})
    ax = heatmap(table)
    labels = [t.get_text() for t in ax.texts]
    assert labels == ["10", "20", "-30"]  # B's 2026Q3 (below the floor) is not written
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2026Q2", "2026Q3"]


def test_overview_warns_that_a_flagged_mover_needs_checking():
    """The suspicious team's jump appears among the movers with the caveat, never as plain good news."""
    from nps_report import context, demo
    from nps_report.tables import overview_tables

    tables = overview_tables(context.demo_context(), quarter=demo.DEMO_STORY["last_quarter"])
    suspicious = demo.DEMO_STORY["suspicious_team"]
    flagged_movers = set(tables.movers.loc[tables.movers["flagged"], "team"])
    assert flagged_movers == {suspicious}
    assert suspicious in set(tables.anomalies["team"])  # "Numbers to check before trusting them"


def test_rolling_window_and_expiry_change_the_current_figures():
    """With windows in the build file, "current" means the last N days (and expired ones are counted)."""
    import dataclasses

    from nps_report import closeloop, context, demo
    from nps_report.options import Windows
    from nps_report.tables import team_tables

    ctx = context.demo_context()
    quarter = demo.DEMO_STORY["last_quarter"]
    team = demo.DEMO_STORY["declining_team"]
    plain = team_tables(ctx, team=team, quarter=quarter)
    history = ctx.responses(teams=[team])
    windowed_ctx = dataclasses.replace(ctx, options=ctx.options.model_copy(update={
        "windows": Windows(rolling_days=30)}))
    windowed = team_tables(windowed_ctx, team=team, quarter=quarter)
    end = closeloop.quarter_end(quarter)
    recent = history[(history.submitted_at >= end - pd.Timedelta(days=30) - pd.Timedelta(seconds=1))
                     & (history.submitted_at < end)]
    assert len(windowed.responses) == len(recent) < len(plain.responses)
    assert "30 days up to" in windowed.window_note
    expiring_ctx = dataclasses.replace(ctx, options=ctx.options.model_copy(update={
        "windows": Windows(max_age_days=45)}))
    expiring = team_tables(expiring_ctx, team=team, quarter=quarter)
    expired = int(expiring.data_quality["expired"].iloc[0])
    assert expired > 0 and len(expiring.responses) + expired == len(plain.responses)
