"""Running a build's work items: the worker pool, and executing report notebooks in it.

One pool of worker processes per build serves the team reports, then the department
summaries and overviews, then the packs; each worker starts its kernel and PDF engine
once. With one job, work runs in the build's own process.
"""

from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from ..storage import download_folder
from .publish import mark_published

__all__ = ["Workers", "execute_reports", "failure", "run_each"]


class Workers:
    """The build's worker processes: started on first need (or early with :meth:`start`),
    none with one job (work then runs in this process)."""

    def __init__(self, jobs: int, *, warm: bool, pdf: bool):
        self.jobs, self.warm, self.pdf = jobs, warm, pdf
        self.pool = None

    def start(self):
        """Start every worker now; each warms up (kernel, PDF engine) in its initializer."""
        if self.pool is None and self.jobs > 1:
            import multiprocessing

            from . import worker

            self.pool = ProcessPoolExecutor(max_workers=self.jobs,
                                            mp_context=multiprocessing.get_context("spawn"),
                                            initializer=worker.prepare, initargs=(self.warm, self.pdf))
            for _ in range(self.jobs):  # the pool starts a process per task it cannot place
                self.pool.submit(worker.ready)
        return self.pool

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=exc[0] is not None)


def run_each(function, payloads, workers, record) -> None:
    """Call ``function`` on every payload (in the workers when there are several) and
    ``record`` each outcome."""
    pool = None
    if workers is not None:  # a single item runs here, unless the workers are up already
        pool = workers.pool or (workers.start() if len(payloads) > 1 else None)
    if pool is None:
        for payload in payloads:
            record(function(payload))
        return
    try:
        futures = {pool.submit(function, p): p for p in payloads}
    except BrokenProcessPool as exc:  # a worker died earlier: every item still to do fails
        for payload in payloads:
            record(failure(payload, exc))
        return
    for future in as_completed(futures):
        record(_outcome(future, futures[future]))


def _outcome(future, payload) -> dict:
    """A worker's result, or a failure record when the worker process itself died."""
    try:
        return future.result()
    except Exception as exc:  # e.g. BrokenProcessPool after a crash: that item failed, others go on
        return failure(payload, exc)


def failure(payload, exc) -> dict:
    """The outcome of a work item whose worker failed before returning one."""
    return {"key": payload["key"], "status": "failed", "cell": None, "seconds": 0.0, "timings": {},
            "error": f"worker process failed: {type(exc).__name__}: {exc}"}


def execute_reports(tasks, workers, result, manifest, *, desc="Reports", scheduler=None,
                    fetch_from=None, folder=None) -> None:
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
                     memory={k: round(v) for k, v in outcome.get("memory", {}).items() if v is not None})
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

    if scheduler is not None:
        from .distributed import execute_on_dask

        execute_on_dask(payloads, scheduler, record)
    else:  # the caller stops this process's kernel when the build ends (both waves use it)
        run_each(worker.execute_report, payloads, workers, record)
    bar.close()
