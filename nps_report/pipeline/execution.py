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
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from ..exceptions import OutputError
from ..storage import download_folder
from .publish import mark_published

__all__ = ["RESOURCE_ERRORS", "ReportRecorder", "Work", "Workers", "execute_reports", "failure",
           "payload_of", "resource_fault", "run_each", "run_work"]

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
            from multiprocessing import resource_tracker, spawn

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
            # ... and start through a launcher that ties them to this process at once. Not
            # multiprocessing's resource tracker, started here first by a plain Python: it
            # ends with its pipe to this process, and launched late from the launcher it would
            # fail to start when a build stops at once (its launcher file removed meanwhile).
            resource_tracker.ensure_running()
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


@dataclass
class Work:
    """One item for the workers: ``function(payload)`` runs in a worker, then ``record``
    runs here with its outcome and may return more :class:`Work` (what became ready).
    The lowest ``priority`` runs first; equal priorities run in the order they came."""

    function: Callable
    payload: dict
    record: Callable
    priority: int = 0


def run_each(function, payloads, workers, record) -> None:
    """Call ``function`` on every payload (in the workers when there are several) and
    ``record`` each outcome.

    When a worker dies, the item it was running fails ("the worker process died"); the
    pool is replaced and every other unfinished item runs again in the new one.
    """
    def recorded(outcome):
        record(outcome)

    run_work([Work(function, payload, recorded) for payload in payloads], workers,
             start=len(payloads) > 1)


def run_work(items, workers, *, start: bool = True, meanwhile=None) -> None:
    """Run :class:`Work` items, and those their ``record`` returns, until none is left.

    In the workers (started now when ``start``), each worker gets one item at a time, the
    next one chosen when a worker is free: an item that became ready meanwhile (a
    department summary once its teams are done) goes before those waiting with a lower
    priority. The next item is handed out before the finished one is recorded (the
    manifest is saved then), so a worker does not wait for this process. ``meanwhile``
    (this process's own work, such as writing the close-the-loop lists) runs in a thread
    while the workers run the items; its exception is raised after the items are done.
    Without workers (one job) everything runs here, ``meanwhile`` first.

    When a worker dies, the item it was running fails ("the worker process died"); the
    pool is replaced and every other unfinished item runs again in the new one.

    Examples
    --------
    >>> done = []
    >>> def record(outcome):
    ...     done.append(outcome["key"])
    ...     return [Work(dict, {"key": "summary"}, record)] if outcome["key"] == "team" else []
    >>> run_work([Work(dict, {"key": "overview"}, record, priority=2),
    ...           Work(dict, {"key": "team"}, record, priority=0)], None)
    >>> done
    ['team', 'summary', 'overview']
    """
    import heapq
    import itertools

    order = itertools.count()
    queue = []

    def push(more):
        for work in more or ():
            heapq.heappush(queue, (work.priority, next(order), work))

    push(items)
    pool = None
    if workers is not None:  # a single item runs here, unless the workers are up already
        pool = workers.pool or (workers.start() if start else None)
    if pool is None:
        if meanwhile is not None:
            meanwhile()
        while queue:
            work = heapq.heappop(queue)[2]
            push(work.record(work.function(work.payload)))
        return
    helper = _Meanwhile(meanwhile)
    _run_in_pool(queue, push, workers)
    helper.join()


def _run_in_pool(queue, push, workers) -> None:
    import heapq
    from concurrent.futures import FIRST_COMPLETED, wait
    from functools import partial

    from .worker import noted

    reruns, running, broken = {}, {}, []

    def submit_ready():
        while queue and len(running) < workers.jobs:
            work = heapq.heappop(queue)[2]
            try:  # each worker notes the item it runs
                running[workers.pool.submit(partial(noted, work.function), work.payload)] = work
            except BrokenProcessPool:  # a worker died: this item waits for the new pool
                broken.append(work)
                return

    while queue or running:
        if not broken:
            submit_ready()
        if running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            finished = []
            for future in done:
                work = running.pop(future)
                try:
                    finished.append((work, future.result()))
                except BrokenProcessPool:
                    broken.append(work)
                except Exception as exc:  # the item could not be sent or its result not read
                    finished.append((work, failure(work.payload, exc)))
            if not broken:
                submit_ready()  # the free worker starts its next item before this records
            for work, outcome in finished:
                push(work.record(outcome))
        if broken and not running:  # every item of the broken pool has come back
            died = workers.replace()
            for work in broken:
                key = work.payload["key"]
                reruns[key] = reruns.get(key, 0) + 1
                if key in died or reruns[key] > MAX_RERUNS:
                    push(work.record(failure(work.payload, RuntimeError(
                        "the worker process running it died (killed, or out of memory); "
                        "the other reports went on"))))
                else:
                    push([work])
            broken = []


class _Meanwhile:
    """``job()`` in a daemon thread (a build stopped by an error or Ctrl-C does not wait
    for it); :meth:`join` waits for it and raises its exception."""

    def __init__(self, job):
        import threading

        self.error = None
        self.thread = None
        if job is not None:
            self.thread = threading.Thread(target=self._run, args=(job,), daemon=True,
                                           name="nps-report-meanwhile")
            self.thread.start()

    def _run(self, job):
        try:
            job()
        except BaseException as exc:  # raised in the build's thread by join
            self.error = exc

    def join(self):
        if self.thread is not None:
            self.thread.join()
            if self.error is not None:
                raise self.error


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


def payload_of(task: dict) -> dict:
    """What a worker gets of a report task (the task without its ``report`` object)."""
    return {k: v for k, v in task.items() if k != "report"}


class ReportRecorder:
    """Records report outcomes: in the build's results and manifest, on the progress bar
    (``FAILED ...`` lines), then :func:`item_recorded` (the manifest saved; a fault of the
    output's file system stops the build). :meth:`add` the tasks before their outcomes.

    ``fetch_from``: the build's URL when Dask workers uploaded their reports there (each
    is fetched back into ``folder``).
    """

    def __init__(self, result, manifest: dict, bar, *, fetch_from=None, folder=None, save=None):
        self.result, self.manifest, self.bar = result, manifest, bar
        self.fetch_from, self.folder, self.save = fetch_from, folder, save
        self.tasks = {}
        self.done = self.failed = 0

    def add(self, tasks) -> None:
        self.tasks.update((t["key"], t) for t in tasks)

    def __call__(self, outcome: dict) -> None:
        key = outcome["key"]
        task = self.tasks[key]
        fetch_from, folder, bar = self.fetch_from, self.folder, self.bar
        if fetch_from and outcome.get("uploaded"):  # a copy here for packs, index and reruns
            try:
                mark_published(folder, fetch_from, download_folder(
                    f"{fetch_from}/{task['report'].folder}", folder / task["report"].folder))
            except Exception as exc:
                outcome.update(status="failed", error=f"cannot fetch the report from {fetch_from}: "
                                                      f"{type(exc).__name__}: {exc}")
        self.result.results[key] = outcome
        entry = self.manifest[key]
        entry.update(status=outcome["status"], seconds=round(outcome["seconds"], 2),
                     cell=outcome.get("cell"), error=outcome.get("error"),
                     timings={k: round(v, 3) for k, v in outcome.get("timings", {}).items()},
                     memory={k: round(v) for k, v in outcome.get("memory", {}).items() if v is not None},
                     outputs=outcome.get("outputs", {}) if outcome["status"] == "ok" else {},
                     retried=outcome.get("retried"), clock=outcome.get("clock"))
        self.done += 1
        if outcome["status"] != "ok":
            self.failed += 1
            entry["fingerprint"] = None
            report = task["report"]
            where = f"cell {outcome['cell']}" if outcome.get("cell") else "before execution"
            bar.write(f"FAILED {report.title}: {where}: {outcome['error']}", file=sys.stderr)
        bar.set_postfix(done=self.done - self.failed, failed=self.failed,
                        remaining=len(self.tasks) - self.done)
        bar.update(1)
        item_recorded(outcome, self.save)


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

    payloads = [payload_of(t) for t in tasks]
    bar = tqdm(total=len(tasks), desc=desc, unit="report", file=sys.stderr, disable=None,
               dynamic_ncols=True)
    record = ReportRecorder(result, manifest, bar, fetch_from=fetch_from, folder=folder, save=save)
    record.add(tasks)

    if scheduler is not None:
        from .distributed import execute_on_dask

        execute_on_dask(payloads, scheduler, record)
    else:  # the caller stops this process's kernel when the build ends (both waves use it)
        try:
            run_each(worker.execute_report, payloads, workers, record)
        finally:
            bar.close()
