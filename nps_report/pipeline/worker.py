"""Work done in a worker process: execute a report (papermill, HTML, PDF) or render a pack.

The PDF engine (:func:`nps_report.export.pdf.get_engine`) is created once per worker
process, on its first PDF, and reused by every report and pack that worker makes.
"""

from __future__ import annotations

import time
import traceback
from pathlib import Path


def prepare(warm: bool, pdf: bool) -> None:
    """Set a new worker process up before its first report (the pool's initializer).

    Launches the warm kernel, and while the kernel imports pandas and seaborn, loads
    papermill, the HTML exporter and (for PDF builds) the PDF engine. Never raises: a
    step that fails here is tried again by the first report, which reports the error.
    """
    kernel = None
    try:
        if warm:
            from . import kernels

            kernel = kernels.start_kernel()
            kernel.begin_warmup()
            import papermill  # noqa: F401  (imported here, once, not in the first report)

            from ..export.html import html_exporter

            html_exporter()
        if pdf:
            from ..export.pdf import get_engine

            get_engine()
        if kernel is not None:
            kernel.ready()
    except Exception:  # the first report retries (a fresh kernel if this one died) and says why
        pass


def ready() -> bool:
    """A no-op task: submitting one per worker makes the pool start its processes now."""
    return True


def execute_report(task: dict) -> dict:
    """Run one report and export it; never raises (failures are returned).

    With ``upload_to`` in the task (a Dask worker of a build whose ``output_dir`` is a
    URL), the report is made in a temporary folder from the template text the task
    carries and its files are copied to that URL: the worker needs no file system in
    common with the machine that started the build.
    """
    if not task.get("upload_to"):
        return _execute_report(task)
    import shutil
    import tempfile

    from ..storage import upload_folder

    work = Path(tempfile.mkdtemp(prefix="nps-report-"))
    try:
        template = work / "template.ipynb"
        template.write_text(task["template_text"], encoding="utf-8")
        result = _execute_report({**task, "template": str(template), "folder": str(work / "report")})
        try:
            result["uploaded"] = upload_folder(work / "report", task["upload_to"])
        except Exception as exc:  # the report was made but cannot reach the build's storage
            result.update(status="failed", error=f"upload to {task['upload_to']} failed: "
                                                 f"{type(exc).__name__}: {exc}")
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _execute_report(task: dict) -> dict:
    """Run one report notebook and export it; never raises (failures are returned).

    Parameters
    ----------
    task : dict
        ``template`` (path), ``folder`` (absolute output folder), ``parameters``,
        ``title``, ``running_header``, ``formats`` and ``key``; for a PDF, ``pdf``:
        ``kind``, ``quarter``, ``team``, ``department``, ``build``, ``built`` (date of
        the build) and ``page_size`` ("A4" or "Letter").

    Returns
    -------
    dict
        ``key``, ``status`` ("ok" or "failed"), ``seconds`` and, for a failure,
        ``cell`` (1-based index of the failing code cell as shown in JupyterLab),
        ``error`` (exception name and message).
    """
    import nbformat
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from ..export import export_html
    from ..naming import format_proof

    started = time.perf_counter()
    folder = Path(task["folder"])
    folder.mkdir(parents=True, exist_ok=True)
    notebook_path = folder / "report.ipynb"
    timings = {}
    result = {"key": task["key"], "status": "ok", "cell": None, "error": None, "timings": timings}
    try:
        from . import kernels

        kernel_name = task.get("kernel", "python3")
        mark = time.perf_counter()
        warm = kernels.warm_kernel(kernel_name)  # started once per worker, then reused
        warm.reset(cwd=folder.resolve())
        timings["kernel"] = time.perf_counter() - mark
        mark = time.perf_counter()
        # papermill formats both paths with the parameters: a team named {quarter} is data.
        nb = pm.execute_notebook(format_proof(task["template"]), format_proof(notebook_path),
                                 parameters=task["parameters"],
                                 kernel_name=kernel_name, progress_bar=False, log_output=False,
                                 engine_name=kernels.ENGINE, warm_kernel=warm, cwd=str(folder))
        timings["execute"] = time.perf_counter() - mark
        nb = portable_notebook(nb, template=Path(task["template"]).name)
        nbformat.write(nb, notebook_path)
        result["memory"] = {"kernel_peak_mb": warm.peak_rss_mb()}
        if "html" in task["formats"] or "pdf" in task["formats"]:
            mark = time.perf_counter()
            export_html(nb, folder / "report.html", title=task["title"],
                        running_header=task["running_header"])
            timings["html"] = time.perf_counter() - mark
        if "pdf" in task["formats"]:
            mark = time.perf_counter()
            _export_pdf(task, folder)
            timings["pdf"] = time.perf_counter() - mark
    except PapermillExecutionError as exc:
        result.update(status="failed", cell=_code_cell_number(notebook_path, exc.cell_index),
                      error=f"{exc.ename}: {exc.evalue}")
        _make_portable(notebook_path, template=Path(task["template"]).name)
    except Exception as exc:  # a report failing must never stop the others
        result.update(status="failed", error=f"{type(exc).__name__}: {exc}",
                      detail=traceback.format_exc(limit=5))
    result["seconds"] = time.perf_counter() - started
    result.setdefault("memory", {})["worker_peak_mb"] = peak_rss_mb()
    return result


def portable_notebook(nb, *, template: str):
    """The executed notebook without the build machine's paths: papermill records the
    template's and the notebook's absolute paths; they become the template's file name
    and ``report.ipynb`` (the notebook's parameters are already relative)."""
    meta = nb.metadata.get("papermill")
    if meta is not None:
        meta["input_path"] = template
        meta["output_path"] = "report.ipynb"
    return nb


def _make_portable(notebook_path: Path, *, template: str) -> None:
    """:func:`portable_notebook` on a notebook file (a failed report's, kept for debugging)."""
    try:
        import nbformat

        nb = nbformat.read(notebook_path, as_version=4)
        nbformat.write(portable_notebook(nb, template=template), notebook_path)
    except Exception:  # the notebook may not exist when the run broke before it was written
        pass


def peak_rss_mb(who=None) -> float:
    """Peak resident memory in MB of this process (default) or, with
    ``resource.RUSAGE_CHILDREN``, of its largest finished child (``ru_maxrss`` is in kB
    on Linux, bytes on macOS)."""
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF if who is None else who).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _export_pdf(task: dict, folder: Path) -> dict:
    from ..export.pdf import export_pdf, report_cover

    info = task.get("pdf") or {}
    cover = report_cover(info.get("kind", "team"), quarter=info.get("quarter", ""),
                         team=info.get("team"), department=info.get("department"),
                         build=info.get("build", ""), built=info.get("built", ""))
    return export_pdf(folder / "report.html", folder / "report.pdf", cover=cover,
                      page_size=info.get("page_size", "A4"), running_header=task["running_header"])


def build_pack(task: dict) -> dict:
    """Render one department pack; never raises (a failure is returned).

    Parameters
    ----------
    task : dict
        ``key``, ``path`` (the PDF to write), ``department``, ``quarter``, ``build``,
        ``built``, ``page_size`` and ``parts``: a list of dicts with the fields of
        :class:`nps_report.export.packs.PackPart`.

    Returns
    -------
    dict
        ``key``, ``status`` ("ok" or "failed"), ``seconds``, ``error`` and, when built,
        ``pages``, ``contents_pages``, ``starts`` (part folder -> first page),
        ``included`` and ``not_included`` (part folders).
    """
    from ..export.packs import PackPart
    from ..export.packs import build_pack as render_pack

    started = time.perf_counter()
    result = {"key": task["key"], "status": "ok", "error": None}
    try:
        made = render_pack([PackPart(**part) for part in task["parts"]], task["path"],
                           department=task["department"], quarter=task["quarter"],
                           build=task.get("build", ""), built=task.get("built", ""),
                           page_size=task.get("page_size", "A4"))
        result.update(made.to_dict())
    except Exception as exc:  # one pack failing must never stop the others
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
