"""The command line as a user meets it: messages, exit codes, no tracebacks."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pandas as pd
import pytest

from nps_report import cli

from .conftest import DATA, ROOT


def run(args, cwd):
    return subprocess.run([sys.executable, "-m", "nps_report.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def write_build(tmp_path, data_file, mapping):
    lines = [f"name: t\ndata:\n  path: {data_file}\n  columns:"]
    lines += [f"    {src}: {dst}" for src, dst in mapping.items()]
    lines += ["output_dir: out"]
    path = tmp_path / "build.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


MAPPING = {"id": "response_id", "submitted": "submitted_at", "score": "score",
           "comment": "comment", "team": "team"}


def test_summary_with_bad_rows(tmp_path):
    shutil.copy(DATA / "bad_rows.csv", tmp_path)
    build = write_build(tmp_path, "bad_rows.csv", MAPPING)
    done = run(["summary", str(build)], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "rows read 8: accepted 4, rejected 3, duplicates dropped 1" in done.stderr
    assert "Traceback" not in done.stderr
    rejected = pd.read_csv(tmp_path / "out" / "t" / "rejected.csv")
    assert list(rejected.reason) == ["score out of range 0..10", "unparsable score", "missing date"]
    table = pd.read_csv(tmp_path / "out" / "t" / "nps_by_team_quarter.csv")
    assert set(table.team) == {"Support", "Billing"}


def test_summary_without_score_column_exits_2(tmp_path):
    shutil.copy(DATA / "no_score_column.csv", tmp_path)
    build = write_build(tmp_path, "no_score_column.csv",
                        {"id": "response_id", "submitted": "submitted_at", "team": "team"})
    done = run(["summary", str(build)], tmp_path)
    assert done.returncode == 2
    assert "no_score_column.csv" in done.stderr and "'score'" in done.stderr
    assert "columns found: 'id', 'submitted', 'comment', 'team'" in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_params_file_exits_2(tmp_path, capsys):
    assert cli.main(["summary", str(tmp_path / "nope.yaml")]) == 2
    assert "build file not found" in capsys.readouterr().err


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "demo-data" in out and "summary" in out


def test_demo_data_command(tmp_path, capsys):
    assert cli.main(["demo-data", str(tmp_path)]) == 0
    frame = pd.read_csv(tmp_path / "nps_demo.csv")
    assert len(frame) == 60_000


def demo_build_file(tmp_path, demo_csv):
    """The shipped demo build file, pointed at the session's demo CSV and a temporary output."""
    build = tmp_path / "b.yaml"
    text = (ROOT / "params" / "demo.yaml").read_text().replace("output/demo-data/nps_demo.csv", str(demo_csv))
    build.write_text(text + f"\noutput_dir: {tmp_path / 'out'}\n")
    return build


def test_missing_theme_file_stops_the_build_before_any_report(tmp_path, demo_csv):
    build = demo_build_file(tmp_path, demo_csv)
    build.write_text(build.read_text() + f"themes: {tmp_path / 'themez.yaml'}\n")
    done = run(["build", str(build), "--formats", "html", "-t", "Billing Operations"], tmp_path)
    assert done.returncode == 2, done.stderr
    assert f"{tmp_path / 'themez.yaml'}: theme file not found" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "out").exists()


def test_build_dry_run_prints_plan(tmp_path, demo_csv):
    build = demo_build_file(tmp_path, demo_csv)
    done = run(["build", str(build), "--dry-run", "--quarter", "2026Q2,2026Q3"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "reports for 2026Q2, 2026Q3" in done.stderr  # comma-separated quarters are split


def test_build_dry_run_lists_reports(tmp_path, demo_csv):
    build = demo_build_file(tmp_path, demo_csv)
    done = run(["build", str(build), "--dry-run", "-t", "Billing Operations"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Plan: 3 reports for 2026Q3: 1 team report, 1 department summary, 1 company overview" in done.stderr
    assert "Billing Operations · 2026Q3" in done.stderr
    assert not (tmp_path / "out" / "demo" / "2026Q3").exists()  # nothing built


def test_build_rejects_unknown_format(tmp_path, demo_csv):
    build = tmp_path / "b.yaml"
    build.write_text(f"data:\n  path: {demo_csv}\n")
    done = run(["build", str(build), "--formats", "html,docx"], tmp_path)
    assert done.returncode == 2 and "html and/or pdf" in done.stderr


def test_notebook_command(tmp_path, monkeypatch):
    import json

    build_dir = tmp_path / "output" / "demo"
    build_dir.mkdir(parents=True)
    (build_dir / "context.json").write_text(json.dumps({"build": "demo", "data_path": "x", "options": {}, "counts": {}}))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["notebook", "plan question"]) == 0
    path = tmp_path / "notebooks" / "plan question.ipynb"
    nb = json.loads(path.read_text())
    source = "".join("".join(c["source"]) for c in nb["cells"])
    # relative to the notebook's folder (JupyterLab runs it there): no path of this machine
    assert "'../output/demo/context.json'" in source and str(tmp_path) not in source
    assert "grouped_nps" in source and nb["metadata"]["kernelspec"]["name"] == "python3"
    assert cli.main(["notebook", "plan question"]) == 2  # never overwrites


def _own_templates(tmp_path):
    import shutil

    folder = tmp_path / "my-templates"
    shutil.copytree(ROOT / "templates", folder)
    return folder


@pytest.mark.parametrize("how", ["option", "build file"])
def test_own_templates_missing_a_parameter_stop_the_build_before_any_work(tmp_path, demo_csv, capsys, how):
    import nbformat

    templates = _own_templates(tmp_path)
    nb = nbformat.read(templates / "department_summary.ipynb", 4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    cell.source = "\n".join(line for line in cell.source.splitlines() if not line.startswith("tables_dir"))
    nbformat.write(nb, templates / "department_summary.ipynb")
    build = demo_build_file(tmp_path, demo_csv)
    args = ["build", str(build), "--formats", "html"]
    if how == "option":
        args += ["--templates", str(templates)]
    else:
        build.write_text(build.read_text() + f"templates: {templates}\n")
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert f"{templates / 'department_summary.ipynb'}: the parameters cell lacks tables_dir" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()  # nothing read or written


def test_own_templates_folder_without_a_template(tmp_path, demo_csv, capsys):
    templates = _own_templates(tmp_path)
    (templates / "company_overview.ipynb").unlink()
    build = demo_build_file(tmp_path, demo_csv)
    assert cli.main(["build", str(build), "--templates", str(templates), "--dry-run"]) == 2
    assert f"{templates / 'company_overview.ipynb'}: template not found" in capsys.readouterr().err
    assert cli.main(["build", str(build), "--templates", str(tmp_path / "nope"), "--dry-run"]) == 2
    assert "nope: templates folder not found" in capsys.readouterr().err


def test_own_templates_that_declare_every_parameter_pass(tmp_path, demo_csv, capsys):
    templates = _own_templates(tmp_path)
    build = demo_build_file(tmp_path, demo_csv)
    assert cli.main(["build", str(build), "--templates", str(templates), "--dry-run", "-t", "Billing Operations"]) == 0
    assert "Plan: 3 reports" in capsys.readouterr().err


def test_inspect_realdata_and_broken_file(tmp_path):
    from .conftest import REALDATA

    done = run(["inspect", str(REALDATA / "prepbench_case122_input_01.csv")], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "recommend" in done.stdout.lower() and "Traceback" not in done.stderr
    missing = run(["inspect", str(tmp_path / "nope.csv")], tmp_path)
    assert missing.returncode == 2 and "nope.csv" in missing.stderr and "Traceback" not in missing.stderr
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    broken = run(["inspect", str(empty)], tmp_path)
    assert broken.returncode == 2 and "empty.csv" in broken.stderr + broken.stdout
    assert "Traceback" not in broken.stderr
