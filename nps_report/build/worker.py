"""Execute one report in a worker process: papermill's Python API, then the HTML export."""

from __future__ import annotations

import time
import traceback
from pathlib import Path


def execute_report(task: dict) -> dict:
    """Run one report notebook and export it; never raises (failures are returned).

    Parameters
    ----------
    task : dict
        ``template`` (path), ``folder`` (absolute output folder), ``parameters``,
        ``title``, ``running_header``, ``formats`` and ``key``.

    Returns
    -------
    dict
        ``key``, ``status`` ("ok" or "failed"), ``seconds`` and, for a failure,
        ``cell`` (1-based index of the failing code cell as shown in JupyterLab),
        ``error`` (exception name and message).
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from ..export import export_html

    started = time.perf_counter()
    folder = Path(task["folder"])
    folder.mkdir(parents=True, exist_ok=True)
    notebook_path = folder / "report.ipynb"
    timings = {}
    result = {"key": task["key"], "status": "ok", "cell": None, "error": None, "timings": timings}
    try:
        nb = pm.execute_notebook(task["template"], str(notebook_path), parameters=task["parameters"],
                                 kernel_name=task.get("kernel", "python3"), progress_bar=False,
                                 log_output=False, cwd=str(folder),
                                 # the kernel's own start-up warnings are not the analyst's concern
                                 extra_arguments=["--IPKernelApp.log_level=ERROR"])
        timings["execute"] = time.perf_counter() - started
        if "html" in task["formats"] or "pdf" in task["formats"]:
            mark = time.perf_counter()
            export_html(nb, folder / "report.html", title=task["title"],
                        running_header=task["running_header"])
            timings["html"] = time.perf_counter() - mark
    except PapermillExecutionError as exc:
        result.update(status="failed", cell=_code_cell_number(notebook_path, exc.cell_index),
                      error=f"{exc.ename}: {exc.evalue}")
    except Exception as exc:  # a report failing must never stop the others
        result.update(status="failed", error=f"{type(exc).__name__}: {exc}",
                      detail=traceback.format_exc(limit=5))
    result["seconds"] = time.perf_counter() - started
    return result


def _code_cell_number(notebook_path: Path, cell_index: int):
    """Number of the failing cell among the template's cells (1-based, injected cell not counted)."""
    try:
        import nbformat

        nb = nbformat.read(notebook_path, as_version=4)
        injected = sum(1 for c in nb.cells[:cell_index]
                       if "injected-parameters" in c.get("metadata", {}).get("tags", []))
        return cell_index + 1 - injected
    except Exception:
        return cell_index + 1
