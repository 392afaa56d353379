"""Run a build's reports on a dask.distributed cluster: the same plan, each report one task."""

from __future__ import annotations

from ..exceptions import MissingDependencyError


def dask_client(scheduler):
    """Connect to ``scheduler`` (``tcp://host:port``) or use a ``distributed.Client`` as given."""
    try:
        from distributed import Client
    except ImportError:  # the extra is optional
        raise MissingDependencyError(
            "running on a Dask cluster needs dask.distributed: pip install 'nps-report[dask]' "
            "(conda: conda install -c conda-forge dask distributed)") from None
    if isinstance(scheduler, Client):
        return scheduler, False
    return Client(scheduler), True


def execute_on_dask(payloads, scheduler, record) -> None:
    """Submit one task per report and call ``record(result)`` as each finishes.

    Workers need the package installed and the template, context and output paths
    reachable (a shared file system, or fsspec URLs papermill can write). A worker that
    dies is reported as that report's failure; the others go on.
    """
    from distributed import as_completed

    from .worker import execute_report

    client, owned = dask_client(scheduler)
    try:
        futures = {client.submit(execute_report, p, key=f"nps-report-{i}-{p['key']}", pure=False): p
                   for i, p in enumerate(payloads)}
        for future in as_completed(futures):
            payload = futures[future]
            try:
                record(future.result())
            except Exception as exc:  # a lost worker or a cancelled task: that report failed
                record({"key": payload["key"], "status": "failed", "cell": None,
                        "error": f"{type(exc).__name__}: {exc}", "seconds": 0.0, "timings": {}})
    finally:
        if owned:
            client.close()
