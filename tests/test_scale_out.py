"""Warm kernels keep reports isolated; a Dask cluster builds the same reports as local workers."""

from __future__ import annotations

import re
import shutil

import nbformat
import pytest

from nps_report.pipeline import run_build

from .conftest import ROOT
from .helpers import small_build_file

pytestmark = pytest.mark.slow  # every test here runs builds

LEAK_CHECK = '''
import matplotlib
assert "leaked_from_previous_report" not in globals(), "a variable survived from the previous report"
assert matplotlib.rcParams["lines.linewidth"] != 7.25, "plotting state survived from the previous report"
leaked_from_previous_report = team
matplotlib.rcParams["lines.linewidth"] = 7.25
'''


@pytest.mark.parametrize("jobs", [1, 2])
def test_reports_run_one_after_another_are_isolated(tmp_path, jobs):
    """Three team reports, their department summaries and the overview, one after another
    in one warm kernel (one job: the build process's) or in each pool worker's own shell
    (two jobs): nothing set by one report is visible to the next."""
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    nb = nbformat.read(templates / "team_report.ipynb", 4)
    position = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])) + 1
    nb.cells.insert(position, nbformat.v4.new_code_cell(LEAK_CHECK))
    nbformat.write(nb, templates / "team_report.ipynb")
    build = small_build_file(tmp_path)
    result = run_build(build, jobs=jobs, templates_dir=templates)
    teams = [r for k, r in result.results.items() if "/teams/" in k]
    assert len(teams) == 3
    assert all(r["status"] == "ok" for r in teams), [r["error"] for r in teams]
    if jobs == 2:  # two workers ran three team reports: one of them ran two in its shell
        workers = [r["clock"]["pid"] for r in teams]
        assert len(set(workers)) < len(workers)
        assert all(r["memory"]["kernel_peak_mb"] is None for r in result.results.values())
        return
    # the same kernel really was reused: only the first report paid for starting it
    kernel_times = sorted(r["timings"]["kernel"] for r in result.results.values())
    assert kernel_times[-1] > 5 * kernel_times[0]

    # the build records its memory for `make bench`: its own peak and the kernel's
    import json
    import sys

    stats = json.loads((result.folder / "build_stats.json").read_text())
    assert stats["reports_built"] == len(result.results) and stats["build_peak_mb"] > 50
    if sys.platform.startswith("linux"):  # the kernel's peak is read from /proc
        assert all(r["memory"]["kernel_peak_mb"] > 50 for r in result.results.values())
        assert stats["kernel_peak_mb"] == round(max(r["memory"]["kernel_peak_mb"]
                                                    for r in result.results.values()))


def _comparable(html: str) -> str:
    """A report page without what legitimately differs between two builds (the build time)."""
    return re.sub(r"built \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "built <time>", html)


def test_dask_local_cluster_matches_local_build(tmp_path):
    distributed = pytest.importorskip("distributed", reason="the dask extra is part of make test")
    local_folder, dask_folder = tmp_path / "local", tmp_path / "dask"
    local_folder.mkdir()
    dask_folder.mkdir()
    local = run_build(small_build_file(local_folder), jobs=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        remote = run_build(small_build_file(dask_folder), scheduler=client)
    assert local.exit_code == remote.exit_code == 0
    assert sorted(local.results) == sorted(remote.results)
    for key in local.results:
        mine = (local_folder / "out" / "scale" / key / "report.html").read_text()
        theirs = (dask_folder / "out" / "scale" / key / "report.html").read_text()
        assert _comparable(mine).replace(str(local_folder), "") == \
            _comparable(theirs).replace(str(dask_folder), ""), key


def test_dask_workers_read_and_write_through_the_output_url(tmp_path, monkeypatch):
    """output_dir is a URL and the reports run on a Dask cluster: the workers read the
    data, context and template from the URL side and upload their reports there; this
    machine fetches a copy. Same reports as a local build (file:// stands in for s3://)."""
    distributed = pytest.importorskip("distributed", reason="the dask extra is part of make test")
    local_folder, dask_folder = tmp_path / "local", tmp_path / "dask"
    local_folder.mkdir()
    dask_folder.mkdir()
    monkeypatch.chdir(dask_folder)  # the staging folder is output/.remote under the current folder
    local = run_build(small_build_file(local_folder), jobs=1, formats=["html"])
    url = (tmp_path / "bucket").as_uri() + "/nps"
    build = small_build_file(dask_folder).model_copy(update={"output_dir": url})
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        remote = run_build(build, scheduler=client, formats=["html"])
        again = run_build(build, scheduler=client, formats=["html"])
    assert remote.exit_code == 0, [r["error"] for r in remote.failed]
    assert not again.results and len(again.skipped) == len(remote.results)  # still incremental
    assert sorted(local.results) == sorted(remote.results)
    published = tmp_path / "bucket" / "nps" / "scale"
    assert (published / "responses.parquet").exists() and (published / "index.html").exists()
    # what the workers uploaded (and this machine fetched) is not sent again at the end
    report_files = sum(outcome["uploaded"] for outcome in remote.results.values())
    assert remote.published.unchanged >= report_files
    for key, outcome in remote.results.items():
        assert outcome["uploaded"] >= 2, key  # report.ipynb and report.html, sent by the worker
        mine = (local_folder / "out" / "scale" / key / "report.html").read_text()
        theirs = (published / key / "report.html").read_text()
        assert _comparable(mine).replace(str(local_folder), "") == \
            _comparable(theirs).replace(str(dask_folder), ""), key  # the build file's path differs
        fetched = remote.folder / key / "report.html"
        assert fetched.read_text() == theirs, key
        executed = (published / key / "report.ipynb").read_text()
        assert f'context_path = \\"{url}/scale/context.json\\"' in executed, key
