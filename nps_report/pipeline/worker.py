"""Work done in a worker process: execute a report (papermill, HTML, PDF) or render a pack.

A pool worker runs a report's cells in its own Python (:mod:`.inprocess`): it runs one
report at a time and nothing else, so a kernel process would only add the messaging. Run
anywhere else (the build process with one job, a Dask worker), a report runs in the
process's warm kernel (:mod:`.kernels`). The PDF engine
(:func:`nps_report.export.pdf.get_engine`) is created once per worker process, on its
first PDF, and reused by every report and pack that worker makes.

A pool worker notes the report it is running in a file of the build's ``running``
folder (named by its pid) and removes it when done. When a worker dies, the pool
breaks; the pool ends the other workers with SIGTERM, whose handler here removes their
notes first, so the note left names the one report whose worker died
(:mod:`nps_report.pipeline.execution` fails that report and runs the others again).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import traceback
from pathlib import Path

from ..atomic import write_text
from ..naming import format_proof

__all__ = ["build_pack", "execute_report", "noted", "output_hashes", "peak_rss_mb",
           "portable_notebook", "prepare", "ready"]

#: Files of a report folder whose hashes the manifest records (those that exist).
OUTPUTS = ("report.ipynb", "report.html", "report.pdf")
_RUNNING = {"folder": None}  # the build's notes folder, in a pool worker
_STARTUP = {}  # this worker's start-up, until its first work item's clock takes it
_IN_PROCESS = {"on": False}  # a pool worker runs its reports' cells itself (inprocess.py)


def prepare(warm: bool, pdf: bool, setup: dict | None = None) -> None:
    """Set a new worker process up before its first report (the pool's initializer).

    With ``setup`` (``parent``: the build's pid, ``threads``: numeric threads allowed,
    ``running``: the folder of running-report notes): the worker dies with the build,
    ignores Ctrl-C (the build handles it and ends its workers), removes its note when
    the pool ends it, and caps the numeric libraries it has loaded; with ``warm``, it
    makes the shell its reports run in (:func:`~nps_report.pipeline.inprocess.report_shell`,
    which imports what the templates call). Without ``setup`` (not a pool worker),
    ``warm`` launches a warm kernel instead, which imports them while this process goes
    on. Then it loads the HTML exporter, the close-the-loop writer and (for PDF builds)
    the PDF engine, so that the objects they make are frozen out of the collector's
    passes. Never raises: a step that fails here is tried again by the first report,
    which reports the error.

    The worker first skips the imports no build uses
    (:func:`~nps_report.pipeline.processes.skip_unused_imports`), and notes when it was
    ready and the CPU seconds it and its kernel had used by then: its first work item's
    ``clock`` carries the note as ``startup`` (``bench/timeline.py``).
    """
    from .processes import skip_unused_imports

    skip_unused_imports()  # before papermill imports nbformat, hence jsonschema
    if setup:
        import atexit

        from .processes import die_with_parent, limit_loaded_threads

        atexit.register(_exit_now)
        _RUNNING["folder"] = setup.get("running")
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, _ended_by_pool)
        die_with_parent(signal.SIGTERM, setup.get("parent"))
        limit_loaded_threads(setup.get("threads", 1))
    kernel = None
    try:
        if warm and setup:  # a pool worker: reports run in its own Python (module docstring)
            _IN_PROCESS["on"] = True
            from .inprocess import report_shell

            report_shell()  # imports what the templates call, and papermill
        elif warm:
            from . import kernels

            kernel = kernels.start_kernel()
            kernel.begin_warmup()
            import papermill  # noqa: F401  (imported here, once, not in the first report)
        if warm:
            from ..export.html import html_exporter

            html_exporter()
        if pdf:
            from ..export.pdf import get_engine

            get_engine()
            from PIL import Image
            import pikepdf  # noqa: F401  (the packs)

            Image.preinit()  # the image formats WeasyPrint reads
        # A team report's close-the-loop workbook (pandas, XlsxWriter): imported before the
        # freeze below, or every full collection of every report would scan their objects.
        import xlsxwriter  # noqa: F401

        from ..closeloop import write_close_the_loop  # noqa: F401
        from ..loop.workbook import write_loop_workbook  # noqa: F401
        import gc

        # What the imports made lives as long as the worker: frozen, the collector's full
        # passes during a report (WeasyPrint makes many cycles) no longer scan it.
        gc.freeze()
        _STARTUP["worker_cpu"] = round(time.process_time(), 3)
        if kernel is not None:
            kernel.ready()
            _STARTUP["kernel_cpu"] = kernel.cpu_seconds()
    except Exception:  # the first report retries (a fresh kernel if this one died) and says why
        pass
    _STARTUP["ready"] = round(time.time(), 3)


def _exit_now() -> None:
    """The last step of a pool worker's exit (its first exit handler, so it runs last):
    stop its kernel, then leave without tearing the interpreter down (2-3 s of freeing
    pandas, matplotlib and WeasyPrint objects and closing ZMQ sockets, with nothing left
    to write: every file a report makes is written and synced before its result returns)."""
    import sys

    kernels = sys.modules.get(f"{__package__}.kernels")
    if kernels is not None:
        kernels.shutdown_all()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)


def ready() -> bool:
    """A no-op task: submitting one per worker makes the pool start its processes now."""
    return True


def _note_path():
    folder = _RUNNING["folder"]
    return Path(folder) / str(os.getpid()) if folder else None


def noted(function, payload: dict):
    """``function(payload)``, noted for the build as running in this worker (see the
    module's docstring): the pool runs every work item through this."""
    note = _note_path()
    if note is not None:
        with contextlib.suppress(OSError):
            note.write_text(payload["key"], encoding="utf-8")
    try:
        return function(payload)
    finally:
        if note is not None:
            with contextlib.suppress(OSError):
                note.unlink()


def _ended_by_pool(signum, frame):
    """SIGTERM: the pool (or the build's death) ends this worker, which did not fail.

    Removes this worker's note and exits at once; its kernel dies with it.
    """
    note = _note_path()
    if note is not None:
        with contextlib.suppress(OSError):
            note.unlink()
    os._exit(128 + signum)


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
        the build) and ``page_size`` ("A4" or "Letter"); for a team report, optionally
        ``close_the_loop``: its (detractors, promoters), written first as the team's
        close-the-loop workbook and CSV (:func:`nps_report.closeloop.write_close_the_loop`).

    Returns
    -------
    dict
        ``key``, ``status`` ("ok" or "failed"), ``seconds`` and, for a failure,
        ``cell`` (1-based index of the failing code cell as shown in JupyterLab),
        ``error`` (exception name and message), and for a failure on the file system
        ``errno`` and ``path``; when built, ``outputs`` (file name -> SHA-256 of the
        notebook and the exported files); ``retried`` when the kernel died once.
    """
    import nbformat
    from papermill.exceptions import PapermillExecutionError

    from ..export import export_html

    started, clock = time.perf_counter(), start_clock()
    folder = Path(task["folder"])
    folder.mkdir(parents=True, exist_ok=True)
    notebook_path = folder / "report.ipynb"
    timings = {}
    result = {"key": task["key"], "status": "ok", "cell": None, "error": None, "timings": timings}
    kernel_cpu = None
    try:
        if task.get("close_the_loop") is not None:  # the team's lists, written first (runner)
            from ..closeloop import write_close_the_loop

            write_close_the_loop(*task["close_the_loop"], folder)
        cpu = time.process_time()
        nb, text, warm, kernel_cpu = _run_notebook(task, folder, timings, result)
        clock["execute_cpu"] = time.process_time() - cpu  # this process's share: papermill, nbclient
        nb = portable_notebook(nb, template=Path(task["template"]).name)
        write_text(notebook_path, text or nbformat.writes(nb))
        result["memory"] = {"kernel_peak_mb": None if warm is None else warm.peak_rss_mb()}
        if "html" in task["formats"] or "pdf" in task["formats"]:
            mark, cpu = time.perf_counter(), time.process_time()
            export_html(nb, folder / "report.html", title=task["title"],
                        running_header=task["running_header"])
            timings["html"] = time.perf_counter() - mark
            clock["html_cpu"] = time.process_time() - cpu
        if "pdf" in task["formats"]:
            mark, cpu = time.perf_counter(), time.process_time()
            _export_pdf(task, folder)
            timings["pdf"] = time.perf_counter() - mark
            clock["pdf_cpu"] = time.process_time() - cpu
        result["outputs"] = output_hashes(folder, task["formats"])
    except PapermillExecutionError as exc:
        ran = _last_notebook(task)  # as far as it ran
        result.update(status="failed", cell=_code_cell_number(ran, exc.cell_index),
                      error=f"{exc.ename}: {exc.evalue}")
        try:
            _keep_failed_notebook(notebook_path, ran, template=Path(task["template"]).name)
        except OSError as kept:  # the disk is full too: the build stops with its path
            result.update(errno=kept.errno, path=kept.filename or str(notebook_path))
    except OSError as exc:  # disk full, read-only, no permission: the build stops with its path
        result.update(status="failed", error=f"{type(exc).__name__}: {exc}", errno=exc.errno,
                      path=exc.filename or str(folder))
    except Exception as exc:  # a report failing must never stop the others
        result.update(status="failed", error=f"{type(exc).__name__}: {exc}",
                      detail=traceback.format_exc(limit=5))
    result["seconds"] = time.perf_counter() - started
    result["clock"] = stop_clock(clock, kernel_cpu=kernel_cpu)
    result.setdefault("memory", {})["worker_peak_mb"] = peak_rss_mb()
    return result


def start_clock() -> dict:
    """When a work item starts: the time of day and this process's CPU seconds so far."""
    return {"start": time.time(), "cpu": time.process_time()}


def stop_clock(clock: dict, kernel_cpu=None) -> dict:
    """What the build's timeline needs of a finished work item (``bench/timeline.py``):
    its start and end (seconds since the epoch), the worker's pid, the CPU seconds the
    worker spent on it and, for a report, the CPU seconds its kernel spent executing it;
    on a pool worker's first item, ``startup``: when the worker was ready (``ready``,
    seconds since the epoch) and the CPU seconds it (``worker_cpu``) and its kernel
    (``kernel_cpu``) had used to get there."""
    out = {"start": round(clock["start"], 3), "end": round(time.time(), 3), "pid": os.getpid(),
           "cpu": round(time.process_time() - clock["cpu"], 3),
           **{k: round(v, 3) for k, v in clock.items() if k.endswith("_cpu")}}
    if kernel_cpu is not None:
        out["kernel_cpu"] = round(kernel_cpu, 3)
    if _STARTUP:  # the worker's first item: when it was ready, and what its start-up cost
        out["startup"] = dict(_STARTUP)
        _STARTUP.clear()
    return out


def _last_notebook(task: dict):
    if _IN_PROCESS["on"]:
        from .inprocess import last_notebook

        return last_notebook()
    from . import kernels

    return kernels.last_notebook(task.get("kernel", "python3"))


def _run_in_process(task: dict, folder: Path, timings: dict):
    """Execute the report's notebook in this worker's own shell (:mod:`.inprocess`):
    the notebook, its text as papermill serialised it (portable) and no kernel."""
    import papermill as pm

    from . import inprocess, kernels

    out = f"{kernels.CAPTURE}{os.getpid()}/report.ipynb"
    mark = time.perf_counter()
    inprocess.report_shell()
    timings["kernel"] = time.perf_counter() - mark
    mark = time.perf_counter()
    try:
        nb = pm.execute_notebook(format_proof(task["template"]), out, parameters=task["parameters"],
                                 kernel_name=task.get("kernel", "python3"), progress_bar=False,
                                 log_output=False, engine_name=inprocess.ENGINE, cwd=str(folder),
                                 request_save_on_cell_execute=False,
                                 portable_paths=(Path(task["template"]).name, "report.ipynb"))
    finally:
        text = kernels.captured(out)  # also the failed notebook papermill wrote: the caller writes its own
    timings["execute"] = time.perf_counter() - mark
    return nb, text, None, None


def _run_notebook(task: dict, folder: Path, timings: dict, result: dict):
    """Execute the report's notebook in the warm kernel; a kernel that dies on the way
    is replaced and the notebook run once more. Returns the notebook, its text (as
    papermill serialised it, portable), the kernel and the kernel's CPU seconds.

    Papermill writes into memory (:data:`~nps_report.pipeline.kernels.CAPTURE`), once,
    at the end: the caller writes the notebook whole, so a killed build never leaves
    half an executed notebook on disk.
    """
    if _IN_PROCESS["on"]:
        return _run_in_process(task, folder, timings)
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from . import kernels

    kernel_name = task.get("kernel", "python3")
    out = f"{kernels.CAPTURE}{os.getpid()}/report.ipynb"
    for attempt in (1, 2):
        mark = time.perf_counter()
        warm = kernels.warm_kernel(kernel_name)  # started once per worker, restarted if it died
        warm.notebook = None
        try:
            warm.reset(cwd=folder.resolve())
            timings["kernel"] = time.perf_counter() - mark
            mark, kernel_cpu = time.perf_counter(), warm.cpu_seconds()
            # papermill formats the input path with the parameters: a folder named {x} is data
            nb = pm.execute_notebook(format_proof(task["template"]), out, parameters=task["parameters"],
                                     kernel_name=kernel_name, progress_bar=False, log_output=False,
                                     engine_name=kernels.ENGINE, warm_kernel=warm, cwd=str(folder),
                                     request_save_on_cell_execute=False,  # no save at start and end
                                     portable_paths=(Path(task["template"]).name, "report.ipynb"))
            timings["execute"] = time.perf_counter() - mark
            if kernel_cpu is not None:
                kernel_cpu = (warm.cpu_seconds() or kernel_cpu) - kernel_cpu
            return nb, kernels.captured(out), warm, kernel_cpu
        except PapermillExecutionError:
            kernels.captured(out)  # the failed notebook papermill wrote: the caller writes its own
            raise
        except Exception:
            kernels.captured(out)
            if attempt == 2 or warm.alive():
                raise
            result["retried"] = "the kernel died; the report ran again in a new kernel"


def portable_notebook(nb, *, template: str):
    """The executed notebook without the build machine's paths: papermill records the
    template's and the notebook's absolute paths; they become the template's file name
    and ``report.ipynb`` (the notebook's parameters are already relative)."""
    meta = nb.metadata.get("papermill")
    if meta is not None:
        meta["input_path"] = template
        meta["output_path"] = "report.ipynb"
    return nb


def _keep_failed_notebook(notebook_path: Path, nb, *, template: str) -> None:
    """Write a failed report's notebook, as far as it ran, for debugging (portable)."""
    if nb is None:
        return
    import nbformat

    write_text(notebook_path, nbformat.writes(portable_notebook(nb, template=template)))


def output_hashes(folder: Path, formats) -> dict:
    """SHA-256 of a report's notebook and of its files in ``formats`` (the manifest keeps
    them: a report is up to date only while its files are these)."""
    from .fingerprints import file_hash

    names = ["report.ipynb"] + [f"report.{fmt}" for fmt in formats]
    return {name: file_hash(folder / name) for name in names if (folder / name).exists()}


def peak_rss_mb(who=None) -> float:
    """Peak resident memory in MB of this process (default) or, with
    ``resource.RUSAGE_CHILDREN``, of its largest finished child.

    On Linux this process's own peak is ``VmHWM`` of ``/proc/self/status``: ``ru_maxrss``
    survives ``exec``, so a worker started from a 1 GB build process would report 1 GB
    whatever it used itself. Elsewhere ``ru_maxrss`` (kB on Linux, bytes on macOS).
    """
    import resource
    import sys

    if who is None:
        try:
            with open("/proc/self/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
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

    started, clock = time.perf_counter(), start_clock()
    result = {"key": task["key"], "status": "ok", "error": None}
    try:
        made = render_pack([PackPart(**part) for part in task["parts"]], task["path"],
                           department=task["department"], quarter=task["quarter"],
                           build=task.get("build", ""), built=task.get("built", ""),
                           page_size=task.get("page_size", "A4"))
        result.update(made.to_dict())
        from .fingerprints import file_hash

        result["sha256"] = file_hash(task["path"])  # here, not in the build's one process
    except OSError as exc:  # disk full, read-only, no permission: the build stops with its path
        result.update(status="failed", error=f"{type(exc).__name__}: {exc}", errno=exc.errno,
                      path=exc.filename or task["path"])
    except Exception as exc:  # one pack failing must never stop the others
        result.update(status="failed", error=f"{type(exc).__name__}: {exc}",
                      detail=traceback.format_exc(limit=5))
    result["seconds"] = time.perf_counter() - started
    result["clock"] = stop_clock(clock)
    return result


def _code_cell_number(nb, cell_index: int):
    """Number of the failing cell among the template's cells (1-based, injected cell not counted)."""
    try:
        injected = sum(1 for c in nb.cells[:cell_index]
                       if "injected-parameters" in c.get("metadata", {}).get("tags", []))
        return cell_index + 1 - injected
    except Exception:
        return cell_index + 1
