"""Incremental builds never show stale numbers, and rebuild nothing whose printed numbers stay.

Six teams in two departments, two quarters; the build makes the latest quarter's reports
(HTML). Then one score of one team changes: an incremental build over the first build's
folder is compared, report by report, with a fresh ``--force`` build of the changed data.
"""

from __future__ import annotations

import html as html_lib
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from nps_report import params
from nps_report.pipeline import run_build

pytestmark = pytest.mark.slow  # three builds

TEAMS = {"North": ["N1", "N2", "N3"], "South": ["S1", "S2", "S3"]}
CHANGED_TEAM = "N1"


def _survey(folder, survey: pd.DataFrame, name: str):
    """``folder/name/``: the survey, its build file (same name in every build), its output."""
    here = folder / name
    here.mkdir(exist_ok=True)
    survey.to_csv(here / "survey.csv", index=False)
    (here / "build.yaml").write_text(
        "name: inc\n"
        f"data:\n  path: {here / 'survey.csv'}\n"
        "  columns: {id: response_id, when: submitted_at, score: score, team: team, dept: department,"
        " comment: comment}\n"
        "quarters: [2026Q3]\nformats: [html]\n"
        f"output_dir: {here / 'out'}\n")
    return params.load_params(here / "build.yaml")


def _text(path) -> str:
    """What a report prints, as text: tags, images and the build's date and data
    fingerprint (provenance, not figures) left out."""
    page = path.read_text(encoding="utf-8")
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", page))
    text = re.sub(r"data fingerprint \w+", "data fingerprint X", text)
    text = re.sub(r"built \d{4}-\d\d-\d\d \d\d:\d\d UTC", "built X", text)
    return " ".join(text.split())


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("incremental")
    rng = np.random.default_rng(3)
    rows = [{"id": f"{team}-{q}-{i}", "when": f"{q}T10:{i % 60:02d}:00Z", "score": int(rng.integers(0, 11)),
             "team": team, "dept": dept, "comment": ["slow support", "great service", ""][i % 3]}
            for dept, teams in TEAMS.items() for team in teams
            for q in ("2026-04-20", "2026-07-20") for i in range(50)]
    survey = pd.DataFrame(rows)
    first = run_build(_survey(folder, survey, "first"), jobs=2)
    assert first.exit_code == 0
    # One score of one team in the built quarter: a passive becomes a promoter.
    changed = survey.copy()
    row = changed.index[(changed.team == CHANGED_TEAM) & changed.when.str.startswith("2026-07")
                        & changed.score.isin([7, 8])][0]
    changed.loc[row, "score"] = 10
    shutil.copytree(folder / "first" / "out", folder / "changed" / "out")
    incremental = run_build(_survey(folder, changed, "changed"), jobs=2)
    fresh = run_build(_survey(folder, changed, "fresh"), jobs=2, force=True)
    assert incremental.exit_code == 0 and fresh.exit_code == 0
    return folder, first, incremental, fresh


def test_every_printed_figure_equals_a_fresh_forced_build(builds):
    """Rebuilt and skipped reports alike print what a --force build of the new data prints."""
    folder, _, incremental, fresh = builds
    assert set(fresh.results) == {r.key for r in fresh.plan.reports}
    for report in incremental.plan.reports:
        got = _text(folder / "changed" / "out" / "inc" / report.folder / "report.html")
        want = _text(folder / "fresh" / "out" / "inc" / report.folder / "report.html")
        assert got == want, f"{report.key} ({'rebuilt' if report.key in incremental.results else 'skipped'})"


def test_only_reports_whose_printed_numbers_change_are_rebuilt(builds):
    """A rebuilt report either reads the changed rows itself (the team, its department, the
    overview) or prints something different from the first build; some teams are skipped."""
    folder, first, incremental, _ = builds
    own_rows = {r.key for r in incremental.plan.reports
                if r.kind == "overview" or r.team == CHANGED_TEAM
                or (r.kind == "department" and r.department == "North")}
    assert own_rows <= set(incremental.results)
    for key in set(incremental.results) - own_rows:
        before = _text(folder / "first" / "out" / "inc" / key / "report.html")
        after = _text(folder / "changed" / "out" / "inc" / key / "report.html")
        assert before != after, f"{key} was rebuilt but prints the same"
    assert incremental.skipped, "no report was left as it was"
    assert all(k.split("/")[1] in ("teams", "departments") for k in incremental.skipped)
