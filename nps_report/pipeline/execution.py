"""Running a build's work items: the worker pool, and executing report notebooks in it.

One pool of worker processes per build serves the team reports, then the department
summaries and overviews, then the packs; each worker starts its kernel and PDF engine
once. With one job, work runs in the build's own process.

A worker that dies (killed, out of memory) fails only the item it was running: the
broken pool is replaced and the items it had not finished run again in the new one.
"""

from __future__ import annotations

import errno
import os
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from ..exceptions import OutputError
from ..storage import download_folder
from .publish import mark_published

__all__ = ["RESOURCE_ERRORS", "Workers", "execute_reports", "failure", "resource_fault", "run_each"]

#: Errors of the output's file system that fail every report alike: the build stops.
RESOURCE_ERRORS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT}
#: Times a work item runs again after a pool broke while it waited or ran beside the
#: one that died (only when the dead worker's item could not be told).
MAX_RERUNS = 2


class Workers:
    """The build's worker processes: started on first need (or early with :meth:`start`),
    none with one job (work then runs in this process).

    Workers start with the numeric thread caps in their environment, die with the build
    (a launcher asks Linux for the parent-death signal before Python imports anything),
    and note the report they run in ``<home>/running/<pid>`` (see :meth:`replace`).

    Parameters
    ----------
    jobs : int
    warm, pdf : bool
        Start each worker's kernel (and PDF engine) when it starts.
    threads : int, optional
        Numeric threads each worker may use (default: the cores divided by ``jobs``).
    """

    def __init__(self, jobs: int, *, warm: bool, pdf: bool, threads: int | None = None):
        from .processes import threads_per_worker

        self.jobs, self.warm, self.pdf = jobs, warm, pdf
        self.threads = threads or threads_per_worker(jobs)
        self.pool = None
        self.replaced = 0
        self.home = None

    @property
    def notes(self):
        return None if self.home is None else self.home / "running"

    def start(self):
        """Start every worker now; each warms up (kernel, PDF engine) in its initializer."""
        if self.pool is None and self.jobs > 1:
            import multiprocessing
            import tempfile
            from multiprocessing import spawn

            from . import worker
            from .processes import LEFTOVER_PREFIX, thread_environment, worker_launcher

            if self.home is None:
                self.home = Path(tempfile.mkdtemp(prefix=f"{LEFTOVER_PREFIX}{os.getpid()}-workers-"))
            self.notes.mkdir(parents=True, exist_ok=True)
            setup = {"parent": os.getpid(), "threads": self.threads, "running": str(self.notes)}
            # Spawned workers copy this environment: BLAS and OpenMP read the caps when
            # they load, before the worker's first import of numpy ...
            changes = thread_environment(self.threads)
            saved = {k: os.environ.get(k) for k in changes}
            os.environ.update(changes)
            # ... and start through a launcher that ties them to this process at once.
            python, launcher = spawn.get_executable(), worker_launcher(self.home)
            if launcher is not None:
                spawn.set_executable(str(launcher))
            try:
                self.pool = ProcessPoolExecutor(max_workers=self.jobs,
                                                mp_context=multiprocessing.get_context("spawn"),
                                                initializer=worker.prepare,
                                                initargs=(self.warm, self.pdf, setup))
                for _ in range(self.jobs):  # the pool starts a process per task it cannot place
                    self.pool.submit(worker.ready)
            finally:
                spawn.set_executable(python)
                for key, value in saved.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value
        return self.pool

    def replace(self) -> set:
        """After a worker died: end the broken pool, start a new one; return the keys of
        the items whose worker died while running them.

        The pool ends its other workers with SIGTERM, and their handler removes their
        notes; the notes left are those of workers that died by themselves.
        """
        old, self.pool = self.pool, None
        if old is not None:
            old.shutdown(wait=True, cancel_futures=True)
        died = set()
        if self.notes is not None and self.notes.is_dir():
            for note in self.notes.iterdir():
                try:
                    died.add(note.read_text(encoding="utf-8"))
                    note.unlink()
                except OSError:
                    pass
        self.replaced += 1
        self.start()
        return died

    def stop_now(self) -> None:
        """End the workers at once (Ctrl-C, a fault that stops the build), not waiting
        for the reports they run."""
        if self.pool is None:
            return
        import multiprocessing

        for child in multiprocessing.active_children():
            child.terminate()
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.pool is not None:
            if exc[0] is not None:
                self.stop_now()
            else:
                self.pool.shutdown(wait=True)
                self.pool = None
        if self.home is not None:
            shutil.rmtree(self.home, ignore_errors=True)
            self.home = None


def run_each(function, payloads, workers, record) -> None:
    """Call ``function`` on every payload (in the workers when there are several) and
    ``record`` each outcome.

    When a worker dies, the item it was running fails ("the worker process died"); the
    pool is replaced and every other unfinished item runs again in the new one.
    """
    pool = None
    if workers is not None:  # a single item runs here, unless the workers are up already
        pool = workers.pool or (workers.start() if len(payloads) > 1 else None)
    if pool is None:
        for payload in payloads:
            record(function(payload))
        return
    from functools import partial

    from .worker import noted

    task = partial(noted, function)  # each worker notes the item it runs
    reruns = {}
    pending = list(payloads)
    while pending:
        broken, futures = [], {}
        for payload in pending:
            try:
                futures[workers.pool.submit(task, payload)] = payload
            except BrokenProcessPool:  # a worker died while these were being submitted
                broken.append(payload)
        for future in as_completed(futures):
            payload = futures[future]
            try:
                outcome = future.result()
            except BrokenProcessPool:
                broken.append(payload)
                continue
            except Exception as exc:  # the item could not be sent or its result not read
                outcome = failure(payload, exc)
            record(outcome)
        pending = []
        if not broken:
            break
        died = workers.replace()
        for payload in broken:
            key = payload["key"]
            reruns[key] = reruns.get(key, 0) + 1
            if key in died or reruns[key] > MAX_RERUNS:
                record(failure(payload, RuntimeError(
                    "the worker process running it died (killed, or out of memory); "
                    "the other reports went on")))
            else:
                pending.append(payload)


def failure(payload, exc) -> dict:
    """The outcome of a work item whose worker failed before returning one."""
    return {"key": payload["key"], "status": "failed", "cell": None, "seconds": 0.0, "timings": {},
            "error": f"worker process failed: {type(exc).__name__}: {exc}"}


def resource_fault(outcome: dict):
    """An :class:`~nps_report.exceptions.OutputError` when ``outcome`` failed on the
    output's file system (disk full, read-only, no permission), else None."""
    if outcome.get("errno") in RESOURCE_ERRORS:
        return OutputError.from_errno(outcome["errno"], outcome.get("path"))
    return None


def item_recorded(outcome: dict, save=None) -> None:
    """After an item's outcome is in the manifest: save the manifest (``save``), then stop
    the build with :class:`~nps_report.exceptions.OutputError` when the item failed on the
    output's file system (the next items would fail the same way)."""
    if save is not None:
        save()
    fault = resource_fault(outcome)
    if fault is not None:
        raise fault


def execute_reports(tasks, workers, result, manifest, *, desc="Reports", scheduler=None,
                    fetch_from=None, folder=None, save=None) -> None:
    """Execute report tasks (locally or on a Dask cluster); record outcomes in the manifest.

    Parameters
    ----------
    tasks : list of dict
        Report tasks made by the runner (``key``, ``report`` and the worker's payload).
    workers : Workers
    result : BuildResult
        ``results`` gets each outcome.
    manifest : dict
        Each task's entry gets its status, timings and error.
    desc : str
        Label of the progress bar.
    scheduler : str or distributed.Client, optional
    fetch_from : str, optional
        The build's URL, when Dask workers upload their reports there: each is fetched
        back into ``folder`` for the packs, the index and the next run.
    save : callable, optional
        Called after each outcome is recorded (the runner rewrites the manifest, so a
        killed build resumes with what finished).

    Raises
    ------
    OutputError
        When a report failed on the output's file system (disk full, read-only, no
        permission): every other report would fail the same way.
    """
    if not tasks:
        return
    from tqdm import tqdm

    from . import worker

    payloads = [{k: v for k, v in t.items() if k != "report"} for t in tasks]
    by_key = {t["key"]: t for t in tasks}
    bar = tqdm(total=len(tasks), desc=desc, unit="report", file=sys.stderr, disable=None,
               dynamic_ncols=True)
    counts = {"done": 0, "failed": 0}

    def record(outcome):
        key = outcome["key"]
        task = by_key[key]
        if fetch_from and outcome.get("uploaded"):  # a copy here for packs, index and reruns
            try:
                mark_published(folder, fetch_from, download_folder(
                    f"{fetch_from}/{task['report'].folder}", folder / task["report"].folder))
            except Exception as exc:
                outcome.update(status="failed", error=f"cannot fetch the report from {fetch_from}: "
                                                      f"{type(exc).__name__}: {exc}")
        result.results[key] = outcome
        entry = manifest[key]
        entry.update(status=outcome["status"], seconds=round(outcome["seconds"], 2),
                     cell=outcome.get("cell"), error=outcome.get("error"),
                     timings={k: round(v, 3) for k, v in outcome.get("timings", {}).items()},
                     memory={k: round(v) for k, v in outcome.get("memory", {}).items() if v is not None},
                     outputs=outcome.get("outputs", {}) if outcome["status"] == "ok" else {},
                     retried=outcome.get("retried"), clock=outcome.get("clock"))
        counts["done"] += 1
        if outcome["status"] != "ok":
            counts["failed"] += 1
            entry["fingerprint"] = None
            report = task["report"]
            where = f"cell {outcome['cell']}" if outcome.get("cell") else "before execution"
            bar.write(f"FAILED {report.title}: {where}: {outcome['error']}", file=sys.stderr)
        bar.set_postfix(done=counts["done"] - counts["failed"], failed=counts["failed"],
                        remaining=len(tasks) - counts["done"])
        bar.update(1)
        item_recorded(outcome, save)

    if scheduler is not None:
        from .distributed import execute_on_dask

        execute_on_dask(payloads, scheduler, record)
    else:  # the caller stops this process's kernel when the build ends (both waves use it)
        try:
            run_each(worker.execute_report, payloads, workers, record)
        finally:
            bar.close()
