"""What several test files share (public names: no test file imports another's).

- :data:`HOSTILE`: comments that must reach a page as text, never as markup
  (tests/test_build.py, tests/test_render.py).
- :func:`small_build_file`: a three-team build file over two quarters (tests/test_scale_out.py,
  tests/test_publish.py).
- :func:`build_small_pack`: a department of four teams built with html and pdf (run once per
  session through the ``small_pack`` fixture of tests/conftest.py; tests/test_packs.py and
  tests/test_pdf.py read it). "Mini Team" is below the display floor this quarter; "Broken
  Desk" fails on purpose (a planted cell in a copy of the team template), so the pack must
  leave it out and say so.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import NamedTuple

import nbformat
import numpy as np
import pandas as pd

from nps_report import params
from nps_report.pipeline import run_build

from .conftest import ROOT

# OWASP XSS filter-evasion classics: every one must reach the page as text, never as markup.
HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>",
           "\"><script>alert(2)</script>", "<iframe src=javascript:alert(3)></iframe>",
           "[click](javascript:alert(4))", "<a href=\"javascript:alert(5)\">late delivery</a>",
           "<body onload=alert(6)>", "{{7*7}} ${7*7} <style>body{display:none}</style>"]

PACK_DEPARTMENT = "Field Care"
PACK_QUARTER = "2026Q3"
PACK_TEAMS = {"Zulu Desk": 40, "alpha Desk": 40, "Mini Team": 3, "Broken Desk": 30}  # in 2026Q3
PACK_BROKEN = "Broken Desk"
PACK_OK_TEAMS = sorted((t for t in PACK_TEAMS if t != PACK_BROKEN), key=str.casefold)  # pack order


def small_build_file(folder, teams=("Alpha", "Bravo", "Charlie")):
    """A build file ``folder/build.yaml`` (and its ``survey.csv``): ``teams`` of one department,
    30 seeded responses each in 2026Q2 and 2026Q3, built for 2026Q3 into ``folder/out``."""
    rng = np.random.default_rng(5)
    rows = [{"id": f"{t}-{q}-{i}", "when": f"{q}T09:{i % 60:02d}:00Z", "score": int(rng.integers(0, 11)),
             "team": t, "dept": "Ops", "comment": ["late delivery", "great service", ""][i % 3]}
            for t in teams for q in ("2026-04-15", "2026-07-15") for i in range(30)]
    pd.DataFrame(rows).to_csv(folder / "survey.csv", index=False)
    (folder / "build.yaml").write_text(
        f"name: scale\ndata:\n  path: {folder / 'survey.csv'}\n"
        "  columns: {id: response_id, when: submitted_at, score: score, team: team, dept: department,"
        " comment: comment}\n"
        f"quarters: [2026Q3]\noutput_dir: {folder / 'out'}\n")
    return params.load_params(folder / "build.yaml")


class PackBuild(NamedTuple):
    """What :func:`build_small_pack` built."""

    out: Path  # the build folder, output/packs
    build: object  # the BuildParams
    result: object  # run_build's result
    templates: Path  # the copy of the templates (with the planted failure)
    created: str  # the date the reports were built (a later incremental run rewrites context.json)


def build_small_pack(folder: Path) -> PackBuild:
    """Build the small department (html and pdf, two workers) in ``folder``."""
    rng = np.random.default_rng(5)
    rows = []
    for team, current in PACK_TEAMS.items():
        for quarter_start, count in (("2026-04-10", 40), ("2026-07-10", current)):
            for i in range(count):
                rows.append({
                    "id": f"{team}-{quarter_start}-{i}", "when": f"{quarter_start}T09:{i:02d}:00Z",
                    "score": int(rng.integers(0, 11)), "team": team, "dept": PACK_DEPARTMENT,
                    "plan": ["Basic", "Pro"][i % 2], "email": f"customer{i}@example.com",
                    "comment": "slow reply" if i % 3 else ""})
    pd.DataFrame(rows).to_csv(folder / "survey.csv", index=False)
    (folder / "build.yaml").write_text(
        "name: packs\n"
        f"data:\n  path: {folder / 'survey.csv'}\n"
        "  columns: {id: response_id, when: submitted_at, score: score, team: team, dept: department,"
        " plan: plan, email: email, comment: comment}\n"
        "  segments: [plan]\n"
        f"quarters: [{PACK_QUARTER}]\n"
        "formats: [html, pdf]\n"
        f"output_dir: {folder / 'output'}\n")
    templates = folder / "templates"
    shutil.copytree(ROOT / "templates", templates)
    nb = nbformat.read(templates / "team_report.ipynb", 4)
    position = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])) + 2
    nb.cells.insert(position, nbformat.v4.new_code_cell(
        f'if team == "{PACK_BROKEN}":\n    raise RuntimeError("planted failure")'))
    nbformat.write(nb, templates / "team_report.ipynb")
    build = params.load_params(folder / "build.yaml")
    result = run_build(build, jobs=2, templates_dir=templates)
    out = folder / "output" / "packs"
    created = json.loads((out / "context.json").read_text())["created"]
    return PackBuild(out, build, result, templates, created)
