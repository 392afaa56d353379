"""Fault injection for the build's state and processes (issue 17, deliverables 2, 3, 4, 6).

Each test breaks something on purpose (a write that fails, a manifest cut short, a second
build, a worker or kernel killed, the build itself killed, a full or read-only disk) and
asserts what is on disk afterwards. The tests that run whole builds are marked ``slow``.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from nps_report import atomic, params
from nps_report.cli import main as cli_main
from nps_report.exceptions import BuildLockedError, OutputError
from nps_report.pipeline import run_build
from nps_report.pipeline.execution import Workers, run_each
from nps_report.pipeline.processes import build_environment, threads_per_worker
from nps_report.pipeline.runner import MANIFEST, outputs_match
from nps_report.pipeline.state import LOCK_FILE, BuildLock, read_state

from .conftest import ROOT

PYTHON = sys.executable
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


# ----------------------------------------------------------------------------- helpers
def fault_build_file(folder: Path, output=None, teams=("Alpha", "Beta", "Gamma", "Delta")) -> Path:
    """A build file of four teams in two departments, one quarter, HTML only."""
    rng = np.random.default_rng(3)
    departments = ["Sales", "Care"]
    rows = [{"id": f"{t}-{i}", "when": f"2026-07-{1 + i % 28:02d}T10:00:00Z",
             "score": int(rng.integers(0, 11)), "team": t, "dept": departments[k % 2],
             "comment": "fine" if i % 3 else ""}
            for k, t in enumerate(teams) for i in range(40)]
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(folder / "survey.csv", index=False)
    path = folder / "build.yaml"
    path.write_text(
        "name: faults\n"
        f"data:\n  path: {folder / 'survey.csv'}\n"
        "  columns: {id: response_id, when: submitted_at, score: score, team: team, dept: department,"
        " comment: comment}\n"
        "quarters: all\nformats: [html]\n"
        f"output_dir: {output or folder / 'output'}\n", encoding="utf-8")
    return path


def leftovers(folder: Path) -> list:
    """Temporary or partial files below ``folder``."""
    return sorted(str(p) for p in folder.rglob("*")
                  if atomic.is_temporary(p) or p.name.endswith(".partial"))


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its parent does not run)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def wait_gone(pids, seconds=30.0) -> list:
    """The ``pids`` still running after waiting up to ``seconds`` for them to end.

    Without the parent-death signal they would live on for good (a kernel idles, a worker
    waits for work), so the bound only has to be long enough for a busy machine to deliver
    the signal: 30 s, not the issue's 5 s (measured by hand, quoted in the issue's note)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.1)
    return [p for p in pids if alive(p)]


def connection_files(folders) -> list:
    """Kernel connection files (JSON naming a ``signature_scheme`` and ``key``) in ``folders``."""
    found = []
    # os.walk, not rglob: other builds (tests run in parallel) remove their folders meanwhile
    paths = [Path(root) / name for folder in folders for root, _, names in os.walk(folder)
             for name in names if name.endswith(".json")]
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8", errors="ignore")
        except OSError:
            continue
        if '"signature_scheme"' in text and '"key"' in text:
            found.append(str(path))
    return found


# ----------------------------------------------------------------------------- atomic writes
def test_failed_write_keeps_the_previous_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "manifest.json"
    atomic.write_json(target, {"a": 1})

    def full_disk(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError):
        atomic.write_json(target, {"a": 2, "long": "x" * 10_000})
    assert json.loads(target.read_text()) == {"a": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]


def _open_files_below(folder: Path) -> list:
    """This process's open file descriptors on files below ``folder`` (Linux's /proc)."""
    found = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(folder)):
            found.append(target)
    return found


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux's /proc to list open files")
@pytest.mark.parametrize("writer", ["loop workbook", "action log"])
def test_a_workbook_save_that_fails_closes_its_file(tmp_path, monkeypatch, writer):
    """A workbook whose save fails half way (a full disk) keeps the previous file, leaves no
    temporary file and no open handle: CI once could not remount a full disk read-only
    because the build still held the removed temporary workbook open."""
    from xlsxwriter import Workbook

    from nps_report.followup.log import action_log, write_action_log
    from nps_report.loop.workbook import write_loop_workbook

    rows = pd.DataFrame({"team": ["A"], "quarter": ["2026Q3"], "respondent_id": ["c1"],
                         "response_id": ["r1"], "submitted_at": pd.to_datetime(["2026-08-01"], utc=True),
                         "score": [3], "comment": ["slow"], "email": [pd.NA], "age_days": [2.0],
                         "sla_status": ["overdue"]})

    def write():
        if writer == "loop workbook":
            return write_loop_workbook(rows, rows.iloc[:0, :-1], tmp_path)["xlsx"]
        return write_action_log(action_log({}, quarter="2026Q3"), tmp_path)[0]

    target = write()
    before = target.read_bytes()
    real_close = Workbook.close

    def full_disk(self):
        real_close(self)  # the whole book is made, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Workbook, "close", full_disk)
    with pytest.raises(OSError) as caught:
        write()
    assert caught.value.errno == errno.ENOSPC and str(target) in str(caught.value)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if atomic.is_temporary(p)) == []
    assert _open_files_below(tmp_path) == []


def test_temporary_files_of_a_killed_writer_are_swept(tmp_path):
    (tmp_path / "sub").mkdir()
    left = tmp_path / "sub" / ".report.pdf.0a1b2c3d.tmp.pdf"
    left.write_bytes(b"%PDF half")
    keep = tmp_path / "sub" / "report.pdf"
    keep.write_bytes(b"%PDF whole")
    assert atomic.sweep_temporary(tmp_path) == [left]
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["report.pdf"]


# ----------------------------------------------------------------------------- state files
@pytest.mark.parametrize("content", [b"", b'{"2026Q3/teams/A": {"status": "ok"', b"[1, 2]", b"\xff\xfe"])
def test_unreadable_manifest_is_moved_aside_with_a_warning(tmp_path, capsys, content):
    path = tmp_path / MANIFEST
    path.write_bytes(content)
    assert read_state(path, what="manifest") == {}
    names = [p.name for p in tmp_path.iterdir()]
    assert len(names) == 1 and names[0].startswith("manifest.json.corrupt-")
    assert (tmp_path / names[0]).read_bytes() == content  # kept for a look, not lost
    assert "could not be read" in capsys.readouterr().err


def test_outputs_match_only_the_recorded_files(tmp_path):
    (tmp_path / "report.ipynb").write_text("{}")
    (tmp_path / "report.html").write_text("<p>ok</p>")
    from nps_report.pipeline.worker import output_hashes

    recorded = output_hashes(tmp_path, ["html"])
    assert outputs_match(tmp_path, recorded, ["html"])
    assert not outputs_match(tmp_path, recorded, ["html", "pdf"])  # no PDF recorded
    assert not outputs_match(tmp_path, None, ["html"])  # a manifest of an older version
    (tmp_path / "report.ipynb").write_text('{"cells": []}')  # e.g. an interrupted --force
    assert not outputs_match(tmp_path, recorded, ["html"])


# ----------------------------------------------------------------------------- the lock
HOLD_LOCK = """
import sys, time
from nps_report.pipeline.state import BuildLock
with BuildLock(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _hold_lock(folder, seconds):
    holder = subprocess.Popen([PYTHON, "-c", HOLD_LOCK, str(folder), str(seconds)], env=ENV,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_second_build_stops_with_the_holders_pid(tmp_path, capsys):
    build_file = fault_build_file(tmp_path)
    folder = tmp_path / "output" / "faults"
    holder = _hold_lock(folder, 120)
    try:
        with pytest.raises(BuildLockedError, match=f"pid {holder.pid}"):
            BuildLock(folder).acquire()
        code = cli_main(["build", str(build_file), "-j", "1"])
        err = capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()
    assert code == 2
    assert f"another build (pid {holder.pid}) is writing {folder}" in err and "--wait" in err
    assert sorted(p.name for p in folder.iterdir()) == [LOCK_FILE]  # the second wrote nothing
    with BuildLock(folder):  # the kill released it: no stale lock
        assert (folder / LOCK_FILE).read_text().strip() == str(os.getpid())


def test_wait_takes_the_lock_when_the_other_build_ends(tmp_path, capsys):
    holder = _hold_lock(tmp_path, 1.0)
    with BuildLock(tmp_path, wait=True):  # blocks until the holder leaves its lock
        assert (tmp_path / LOCK_FILE).read_text().strip() == str(os.getpid())
    holder.wait()
    assert f"(pid {holder.pid}) to finish" in capsys.readouterr().err


# ----------------------------------------------------------------------------- workers
def maybe_die(payload: dict) -> dict:
    """A work item for the pool: kills its own worker when asked, else returns ok."""
    if payload.get("die"):
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.2)
    return {"key": payload["key"], "status": "ok", "pid": os.getpid()}


def test_a_dead_worker_fails_only_its_report(tmp_path):
    payloads = [{"key": f"r{i}", "die": i == 2} for i in range(6)]
    outcomes = {}
    with Workers(2, warm=False, pdf=False) as workers:
        workers.start()
        run_each(maybe_die, payloads, workers, lambda o: outcomes.__setitem__(o["key"], o))
        replaced = workers.replaced
    assert sorted(outcomes) == [f"r{i}" for i in range(6)]
    assert outcomes["r2"]["status"] == "failed" and "died" in outcomes["r2"]["error"]
    assert [k for k, o in outcomes.items() if o["status"] != "ok"] == ["r2"]
    assert replaced == 1


PEAK_OF_A_WORKER = """
import multiprocessing as mp
from nps_report.pipeline.worker import peak_rss_mb
if __name__ == "__main__":
    big = bytearray(600 * 1024 * 1024)
    big[::4096] = b"\\1" * len(big[::4096])  # every page touched: resident
    with mp.get_context("spawn").Pool(1) as pool:
        print(round(peak_rss_mb()), round(pool.apply(peak_rss_mb)))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="VmHWM is Linux's")
def test_a_worker_reports_its_own_peak_memory_not_its_parents(tmp_path):
    """build_stats.json's largest worker: a worker started from a 600 MB build process
    used to report 600 MB (ru_maxrss survives exec), whatever it used itself."""
    script = tmp_path / "peak.py"
    script.write_text(PEAK_OF_A_WORKER, encoding="utf-8")
    out = subprocess.run([PYTHON, str(script)], env=ENV, capture_output=True, text=True, timeout=300)
    parent, child = map(int, out.stdout.split())
    assert parent >= 600 and child < parent - 300, out.stdout


KERNEL_THREADS = """
import json, os, threadpoolctl
json.dump({"pools": [{"api": p["internal_api"], "threads": p["num_threads"]}
                     for p in threadpoolctl.threadpool_info()],
           "env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}},
          open({path!r}, "w"))
"""


def kernel_thread_report(payload: dict) -> dict:
    """Run in a worker: ask the worker's warm kernel for its numeric thread pools."""
    from nps_report.pipeline import kernels

    kernels.warm_kernel().run(KERNEL_THREADS.replace("{path!r}", repr(payload["key"])))
    return {"key": payload["key"], "status": "ok"}


def shell_thread_report(payload: dict) -> dict:
    """Run in a worker: ask the shell its reports run in for its numeric thread pools."""
    from nps_report.pipeline import inprocess

    code = KERNEL_THREADS.replace("{path!r}", repr(payload["key"]))
    assert inprocess.report_shell().run_cell(code, store_history=False).success
    return {"key": payload["key"], "status": "ok"}


@pytest.mark.parametrize("runs_in", [kernel_thread_report, shell_thread_report])
def test_report_code_in_workers_uses_their_share_of_the_cores(tmp_path, runs_in):
    """A pool worker's reports run in its own shell; a worker's kernel (Dask, one job)
    is capped the same way."""
    expected = threads_per_worker(2)
    assert expected < os.cpu_count() or os.cpu_count() == 1  # the cap is a real limit here
    paths = [str(tmp_path / f"k{i}.json") for i in range(2)]
    with Workers(2, warm=True, pdf=False) as workers:
        workers.start()
        outcomes = []
        run_each(runs_in, [{"key": p} for p in paths], workers, outcomes.append)
    assert [o["status"] for o in outcomes] == ["ok", "ok"], outcomes
    for path in paths:
        seen = json.loads(Path(path).read_text())
        assert seen["env"] == {"OMP_NUM_THREADS": str(expected), "OPENBLAS_NUM_THREADS": str(expected)}
        assert seen["pools"] and all(p["threads"] == expected for p in seen["pools"]), seen


# ----------------------------------------------------------------------------- kernels
DIE_ONCE = """
import os, pathlib
marker = pathlib.Path("died-once")
if not marker.exists() or {always}:
    marker.write_text("the kernel died here once")
    os.kill(os.getpid(), 9)
"""


def _tiny_template(folder: Path, always: bool) -> Path:
    nb = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell("team = None")
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [parameters, nbformat.v4.new_code_cell(DIE_ONCE.format(always=always)),
                nbformat.v4.new_code_cell("print('finished', team)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / f"die_{'always' if always else 'once'}.ipynb"
    nbformat.write(nb, path)
    return path


def test_a_report_whose_kernel_died_runs_once_more(tmp_path):
    from nps_report.pipeline import kernels, worker

    outcomes = {}
    try:
        for always in (False, True):
            folder = tmp_path / ("always" if always else "once")
            task = {"key": folder.name, "template": str(_tiny_template(tmp_path, always)),
                    "folder": str(folder), "parameters": {"team": "A"}, "title": "A",
                    "running_header": "A", "formats": []}
            outcomes[folder.name] = worker.execute_report(task)
    finally:
        kernels.shutdown_all()
    once, always = outcomes["once"], outcomes["always"]
    assert once["status"] == "ok" and "kernel died" in once["retried"], once
    executed = nbformat.read(tmp_path / "once" / "report.ipynb", 4)
    assert "finished A" in executed.cells[-1].outputs[0]["text"]
    assert executed.metadata.papermill["exception"] is not True
    assert once["outputs"] == {"report.ipynb": worker.output_hashes(tmp_path / "once", [])["report.ipynb"]}
    assert always["status"] == "failed" and always["error"]  # tried twice, then it fails
    assert not (tmp_path / "always" / "report.ipynb").exists()  # no half-run notebook taken as a report
    assert leftovers(tmp_path) == []


def test_kernel_keys_stay_in_the_builds_private_folder_and_are_deleted_once_read():
    from nps_report.pipeline import kernels

    with build_environment(1) as (_, runtime):
        assert oct(runtime.stat().st_mode & 0o777) == "0o700"
        kernel = kernels.WarmKernel(warmup="pass")
        try:
            assert Path(kernel.km.connection_file).parent == runtime
            kernel.ready()
            assert connection_files([runtime]) == []  # read by the kernel, then deleted
            kernel.run("x = 1")  # the kernel still answers
        finally:
            kernel.shutdown()
    assert not runtime.exists()


KILLED_PARENT = """
import sys, time
from nps_report.pipeline.execution import Workers, run_each
from nps_report.pipeline.processes import build_environment
from tests.test_faults_state import pids_of_worker_and_kernel
with build_environment(2) as (_, runtime):
    with Workers(2, warm=True, pdf=False) as workers:
        workers.start()
        seen = []
        meet = sys.argv[1]
        run_each(pids_of_worker_and_kernel, [{"key": "a", "meet": meet}, {"key": "b", "meet": meet}],
                 workers, seen.append)
        print(runtime, *[p for o in seen for p in (o["worker"], o["kernel"])], flush=True)
        time.sleep(600)
"""


def pids_of_worker_and_kernel(payload: dict) -> dict:
    """Run in a worker: its pid and its warm kernel's."""
    from nps_report.pipeline import kernels

    # Both workers get one item: each waits until the other item has started (a busy
    # machine may start the second worker seconds after the first, which would take both).
    meet = Path(payload["meet"])
    (meet / payload["key"]).touch()
    deadline = time.monotonic() + 300
    while len(list(meet.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    return {"key": payload["key"], "worker": os.getpid(), "kernel": kernels.warm_kernel().km.provisioner.pid}


def test_killing_the_build_ends_its_workers_and_kernels_and_leaves_no_keys(tmp_path):
    meet = tmp_path / "meet"
    meet.mkdir()
    parent = subprocess.Popen([PYTHON, "-c", KILLED_PARENT, str(meet)],
                              env=ENV, stdout=subprocess.PIPE, text=True)
    line = parent.stdout.readline().split()
    runtime, pids = Path(line[0]), [int(p) for p in line[1:]]
    assert len(set(pids)) == 4 and all(alive(p) for p in pids)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    assert wait_gone(pids) == []
    assert connection_files([runtime]) == []


# ----------------------------------------------------------------------------- whole builds
@pytest.mark.slow
def test_resume_corrupt_manifest_and_full_disk(tmp_path, monkeypatch, capsys):
    """One build, then: a report whose notebook is not the recorded one is rebuilt (alone);
    a manifest cut to 0 bytes is moved aside and everything rebuilt; a disk that fills up
    while the manifest is written stops the build with one message naming the path, leaves
    the previous manifest whole, and the next build finishes."""
    build = params.load_params(fault_build_file(tmp_path))
    out = tmp_path / "output" / "faults"
    first = run_build(build, jobs=2)
    assert first.exit_code == 0, first.failed
    manifest = json.loads((out / MANIFEST).read_text())
    teams = sorted(k for k, v in manifest.items() if v["kind"] == "team")
    assert len(teams) == 4 and all(set(manifest[k]["outputs"]) == {"report.ipynb", "report.html"} for k in teams)

    # an interrupted --force left a half-executed notebook: not accepted as up to date
    half = nbformat.read(out / teams[0] / "report.ipynb", 4)
    half.cells = half.cells[: len(half.cells) // 2]
    nbformat.write(half, out / teams[0] / "report.ipynb")
    second = run_build(build, jobs=2)
    assert sorted(second.results) == [teams[0]] and second.exit_code == 0
    assert len(nbformat.read(out / teams[0] / "report.ipynb", 4).cells) > len(half.cells)

    # a manifest emptied by a crash of an older version: moved aside, rebuilt, no traceback
    (out / MANIFEST).write_bytes(b"")
    capsys.readouterr()
    assert cli_main(["build", str(tmp_path / "build.yaml"), "-j", "2"]) == 0
    assert "could not be read (empty); moved aside" in capsys.readouterr().err
    assert len(list(out.glob("manifest.json.corrupt-*"))) == 1
    assert json.loads((out / MANIFEST).read_text())[teams[0]]["status"] == "ok"

    # the disk fills up at the first manifest write of a forced build
    before = (out / MANIFEST).read_bytes()
    real_write_json = atomic.write_json
    import nps_report.pipeline.state as state

    def full(path, value, indent=2):
        if Path(path).name == MANIFEST:
            with atomic.atomic_path(path) as temporary:
                temporary.write_text("{")
                raise OSError(errno.ENOSPC, "No space left on device", str(temporary))
        return real_write_json(path, value, indent)

    monkeypatch.setattr(state, "write_json", full)
    with pytest.raises(OutputError) as raised:
        run_build(build, jobs=2, force=True)
    assert "no space left on the device" in str(raised.value) and str(out) in str(raised.value)
    assert raised.value.exit_code == 2  # nothing was built this time
    assert (out / MANIFEST).read_bytes() == before and leftovers(out) == []
    monkeypatch.setattr(state, "write_json", real_write_json)
    again = run_build(build, jobs=2)  # the cause is gone: it finishes
    assert again.exit_code == 0 and not again.results  # and nothing needed rebuilding


@pytest.mark.slow
def test_a_worker_killed_during_a_build_fails_only_its_report(tmp_path):
    """The team template kills the worker running its cells for team Beta."""
    import shutil

    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "nps_report" / "templates", templates)
    nb = nbformat.read(templates / "team_report.ipynb", 4)
    position = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])) + 1
    nb.cells.insert(position, nbformat.v4.new_code_cell(
        'import os, signal\nif team == "Beta":\n    os.kill(os.getpid(), signal.SIGKILL)'))
    nbformat.write(nb, templates / "team_report.ipynb")
    build = params.load_params(fault_build_file(tmp_path))
    result = run_build(build, jobs=2, templates_dir=templates)
    failed = {r["key"]: r["error"] for r in result.failed}
    assert list(failed) == ["2026Q3/teams/Beta"] and "died" in failed["2026Q3/teams/Beta"]
    ok = sorted(k for k, r in result.results.items() if r["status"] == "ok")
    assert len(ok) == len(result.plan.reports) - 1
    manifest = json.loads((tmp_path / "output" / "faults" / MANIFEST).read_text())
    assert manifest["2026Q3/teams/Beta"]["status"] == "failed"
    assert all(manifest[k]["status"] == "ok" and manifest[k]["outputs"] for k in ok)
    assert result.exit_code == 1


@pytest.mark.slow
def test_killed_build_leaves_no_process_or_key_and_resumes(tmp_path):
    """``kill -9`` of a build once two team reports are recorded: soon after no process of
    the build runs, no kernel connection file is left (its workers start no kernel), and
    the next run builds only the unfinished reports."""
    build_file = fault_build_file(tmp_path)
    out = tmp_path / "output" / "faults"
    import tempfile

    temp = Path(tempfile.gettempdir())
    keys_before = set(connection_files([temp]))
    build = subprocess.Popen([PYTHON, "-m", "nps_report.cli", "build", str(build_file), "-j", "2"],
                             env=ENV, stderr=subprocess.DEVNULL)
    done = []
    while len(done) < 2:
        time.sleep(0.2)
        assert build.poll() is None, "the build ended before it could be killed"
        manifest = read_state(out / MANIFEST) if (out / MANIFEST).exists() else {}
        done = [k for k, v in manifest.items() if v.get("status") == "ok" and v.get("outputs")]
    children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(build.pid)], capture_output=True,
                              text=True).stdout.split()
    grandchildren = subprocess.run(["ps", "-o", "pid=", "--ppid", ",".join(children)], capture_output=True,
                                   text=True).stdout.split()
    pids = [int(p) for p in children + grandchildren]
    assert len(pids) >= 3  # two workers (and the pool's resource tracker)
    kernel_files = [_connection_file_of(int(p)) for p in grandchildren]
    assert [f for f in kernel_files if f] == []  # no kernels: workers run the reports' cells
    os.kill(build.pid, signal.SIGKILL)
    build.wait()
    assert wait_gone(pids) == []
    assert [f for f in kernel_files if f and Path(f).exists()] == []
    # (other programs on this machine may write connection files too: only this build's count)
    assert [f for f in set(connection_files([temp])) - keys_before if "nps-report" in f] == []
    # A process killed while writing leaves its hidden temporary file (nothing can remove
    # it); what it was writing keeps its previous content or is absent, never half written.
    assert [f for f in leftovers(out) if not atomic.is_temporary(f)] == []
    recorded = json.loads((out / MANIFEST).read_text())  # whole, with what was finished
    finished = sorted(k for k, v in recorded.items() if v.get("status") == "ok")
    assert all(outputs_match(out / k, recorded[k]["outputs"], ["html"]) for k in finished)
    rerun = run_build(params.load_params(build_file), jobs=2)
    assert rerun.exit_code == 0
    assert sorted(rerun.skipped) == finished
    assert len(rerun.results) == len(rerun.plan.reports) - len(finished)
    assert leftovers(out) == []  # the next build swept the killed writers' temporary files


def _connection_file_of(pid: int):
    """The connection file a kernel process was started with (``-f PATH``), if it is one."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return None
    return args[args.index("-f") + 1] if "-f" in args and "ipykernel_launcher" in " ".join(args) else None


def _mount(folder: Path, options: str) -> bool:
    return subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                          capture_output=True).returncode == 0


@pytest.mark.slow
def test_a_small_full_disk_then_read_only_then_fixed(tmp_path, capsys):
    """A real 700 kB tmpfs as output folder (root can mount here; elsewhere the injected
    faults above stand in): the build stops with one message naming the path, nothing on
    disk is half written, and once there is room the next build finishes."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if not _mount(disk, "size=700k"):
        pytest.fail("mounting a tmpfs failed; run as root or rely on the injected-fault tests")
    try:
        build_file = fault_build_file(tmp_path, output=disk)
        out = disk / "faults"
        code = cli_main(["build", str(build_file), "-j", "2"])
        err = capsys.readouterr().err
        assert code in (1, 2) and "no space left on the device" in err and "Traceback" not in err
        assert err.count("nps-report: error: cannot write") == 1
        assert f"nps-report: error: cannot write {out}/" in err  # names the file or folder
        assert leftovers(disk) == []
        if (out / MANIFEST).exists():  # the previous (none) or a complete one
            json.loads((out / MANIFEST).read_text())
        assert _open_files_below(disk) == []  # the build holds nothing open once it returns

        assert subprocess.run(["mount", "-o", "remount,ro", str(disk)]).returncode == 0
        code = cli_main(["build", str(build_file), "-j", "2"])
        err = capsys.readouterr().err
        assert code == 2 and "read-only" in err and str(out) in err and "Traceback" not in err

        assert subprocess.run(["mount", "-o", "remount,rw,size=64m", str(disk)]).returncode == 0
        assert cli_main(["build", str(build_file), "-j", "2"]) == 0
        manifest = json.loads((out / MANIFEST).read_text())
        assert all(v["status"] == "ok" for v in manifest.values())
        assert leftovers(disk) == []
    finally:
        subprocess.run(["umount", "-l", str(disk)])


@pytest.mark.slow
def test_ctrl_c_prints_one_line_and_keeps_what_finished(tmp_path):
    """SIGINT to the build's process group (what Ctrl-C in a terminal sends) once a team
    report is recorded; one job, so the notebook runs in the build's own event loop (where
    an asyncio traceback used to escape)."""
    build_file = fault_build_file(tmp_path)
    out = tmp_path / "output" / "faults"
    build = subprocess.Popen([PYTHON, "-m", "nps_report.cli", "build", str(build_file), "-j", "1"],
                             env=ENV, stderr=subprocess.PIPE, text=True, start_new_session=True)
    done = []
    while not done:
        time.sleep(0.2)
        assert build.poll() is None, "the build ended before it could be interrupted"
        manifest = read_state(out / MANIFEST) if (out / MANIFEST).exists() else {}
        done = [k for k, v in manifest.items() if v.get("status") == "ok" and v.get("outputs")]
    os.killpg(build.pid, signal.SIGINT)
    _, err = build.communicate(timeout=300)
    assert build.returncode == 130
    lines = err.strip().splitlines()
    assert "Traceback" not in err and "Task exception" not in err, err
    finished = sorted(k for k, v in json.loads((out / MANIFEST).read_text()).items() if v.get("status") == "ok")
    assert lines[-1] == f"Interrupted: {len(finished)} of 7 reports built; run again to resume"
    assert leftovers(out) == []
