"""The package installs like one: a non-editable ``pip install`` builds reports from any folder.

The slow test does what a pip user does: installs the project (a copy of this tree, built
as a wheel by pip) into a new virtual environment, then, from an empty folder outside the
tree, runs ``nps-report demo`` and ``nps-report build`` with a five-line build file. To
stay fast and offline, the new environment takes its dependencies from the environment
running the tests (a ``.pth`` file and a link to its ``share/jupyter``, where nbconvert's
templates and the kernel spec live) instead of downloading them; the package itself comes
only from the wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from .conftest import ROOT

FIVE_LINES = """\
name: mine
data:
  path: output/demo-data/nps_demo.csv
  columns: {"How likely are you to recommend us to a friend or colleague?": score, Team: team, Department: department, Submitted At: submitted_at}
quarters: [2026Q3]
"""
TEAM = "Billing Operations"


def test_package_finds_nothing_through_its_own_file_path():
    """Shipped files are read through importlib.resources, never ``__file__`` parents."""
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "nps_report").rglob("*.py")
                 if "__file__" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_top_level_templates_and_demo_build_file_are_the_packaged_ones():
    from nps_report import resources

    assert (ROOT / "templates").resolve() == resources.templates_dir().resolve()
    assert (ROOT / "params" / "demo.yaml").resolve() == resources.demo_build_file().resolve()


def _venv_with_the_package(tmp_path: Path) -> Path:
    """A new venv holding the package from a wheel (and this environment's dependencies)."""
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "output", "__pycache__", "*.egg-info", ".pytest_cache", ".hypothesis",
        "notebooks", "build", "dist"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    # pip builds a wheel of the copy (build isolation: setuptools from the package index)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                    "--quiet", str(source)], check=True, env=_clean_env())
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    jupyter_data = Path(sys.prefix) / "share" / "jupyter"
    if jupyter_data.is_dir():
        (venv / "share").mkdir(exist_ok=True)
        (venv / "share" / "jupyter").symlink_to(jupyter_data)
    return venv


def _clean_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONNOUSERSITE"] = "1"
    return env


def _run(venv: Path, args, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([str(venv / "bin" / "nps-report"), *args], cwd=cwd, env=_clean_env(),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-3000:]
    return done


@pytest.mark.slow
def test_pip_user_builds_the_demo_and_a_five_line_build_from_an_empty_folder(tmp_path):
    venv = _venv_with_the_package(tmp_path)
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import nps_report; print(nps_report.__file__)"],
                           cwd=tmp_path, env=_clean_env(), check=True, capture_output=True, text=True).stdout
    assert str(venv) in where  # the installed copy, not this tree
    empty = tmp_path / "somewhere"
    empty.mkdir()
    # One team (with its department and the overview) and one job keep this quick.
    _run(venv, ["demo", "--formats", "html", "-t", TEAM, "-j", "1"], empty)
    build = empty / "output" / "demo"
    for report in (f"2026Q3/teams/{TEAM}", "2026Q3/departments/Finance", "2026Q3/overview"):
        assert (build / report / "report.html").stat().st_size > 10_000, report
    assert "benchmark" in (build / "inputs" / "published_benchmarks.yaml").read_text()
    (empty / "my.yaml").write_text(FIVE_LINES)
    assert len(FIVE_LINES.splitlines()) == 5
    _run(venv, ["build", "my.yaml", "--formats", "html", "-t", TEAM, "-j", "1"], empty)
    assert (empty / "output" / "mine" / "2026Q3" / "teams" / TEAM / "report.html").exists()
    assert (empty / "output" / "mine" / "index.html").exists()


@pytest.mark.parametrize("module", ["nps_report.resources", "nps_report.pipeline.templates",
                                    "nps_report.pipeline.fingerprints"])
def test_docstring_examples_run(module):
    import doctest
    import importlib

    failed, tried = doctest.testmod(importlib.import_module(module))
    assert tried and not failed
