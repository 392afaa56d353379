"""Warm kernels: one Jupyter kernel per worker, heavy imports done once, reset between reports.

Starting a kernel and importing pandas/seaborn costs 2-3 s, several times the analysis of
one report. A worker keeps one kernel alive; before each report its namespace is
cleared (IPython ``reset``), figures closed and plotting defaults restored, so nothing
from report A is visible in report B. The notebook itself still runs through papermill's
Python API, with a small papermill engine that hands it the warm kernel.
"""

from __future__ import annotations

import atexit
import datetime
import logging
import os
import time

from nbformat import NotebookNode
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import (Engine, NBClientEngine, NotebookExecutionManager,
                               catch_nb_assignment, papermill_engines)
from papermill.iorw import papermill_io

from .processes import kernel_preexec

ENGINE = "nps-warm"
#: Papermill's output path for a notebook kept in memory (:func:`captured`): papermill
#: serialises the executed notebook once, at its end, and the worker writes that text.
CAPTURE = "nps-report-capture://"
WARMUP = """
import pandas, numpy, scipy.stats, matplotlib, matplotlib.pyplot, seaborn
import nps_report.plots, nps_report.benchmarks, nps_report.drivers, nps_report.themes
import nps_report.tables, nps_report.render  # what the templates call
import importlib
# ... and what their functions import on first use in every report (load_context, the
# follow-up, comment themes, the build's tables), when installed; not scikit-learn's NMF
# (topic discovery only)
for _name in ("nps_report.context", "nps_report.followup", "sklearn.feature_extraction.text",
              "vaderSentiment.vaderSentiment", "ftfy", "pyarrow.parquet", "pyarrow.dataset",
              "matplotlib_inline.backend_inline"):
    try:
        importlib.import_module(_name)
    except ImportError:
        pass
del _name
import gc
gc.freeze()  # what the imports made is permanent: the reset's gc.collect() then only scans a report's garbage
"""
# Fresh namespace (modules stay imported), no figures left, plotting defaults restored.
RESET = """
import matplotlib as _mpl, matplotlib.pyplot as _plt
_plt.close("all")
_mpl.rcdefaults()
get_ipython().reset(new_session=True, aggressive=False)
"""
# No input history: a report kernel has no user to recall it, and its SQLite file would be
# written on every reset.
KERNEL_ARGS = ["--IPKernelApp.log_level=CRITICAL", "--HistoryManager.enabled=False"]
logger = logging.getLogger("nps_report.kernels")


class WarmKernel:
    """A started kernel and its client, reused for many notebooks in one process.

    Creating one launches the kernel and returns at once; :meth:`begin_warmup` sends the
    heavy imports without waiting for them and :meth:`ready` waits until they are done,
    so a worker can prepare its PDF engine while its kernel imports pandas.
    """

    def __init__(self, kernel_name: str = "python3", *, warmup: str = WARMUP, timeout: float = 120):
        from jupyter_client.manager import KernelManager

        self.kernel_name = kernel_name
        self.timeout = timeout
        self.warmup = warmup
        # The connection file (ports and signing key) goes into the runtime folder, which a
        # build makes private to itself, not into the system's temporary folder.
        self.km = KernelManager(kernel_name=kernel_name, connection_file=connection_file())
        # Killed with the process that starts it (the kernel runs in its own session, out
        # of reach of a group kill); its environment carries the build's thread caps.
        self.km.start_kernel(extra_arguments=KERNEL_ARGS, preexec_fn=kernel_preexec())
        self.kc = self.km.client()
        self.kc.start_channels()
        self.reports = 0
        self._warmup_id = None
        self._ready = False
        self._notebook_client = None
        self.notebook = None  # the last notebook run, as far as it ran (kept for a failure)

    def begin_warmup(self) -> None:
        """Wait for the kernel to answer, then send the warm-up imports (not waiting for them)."""
        if self._warmup_id is None and not self._ready:
            self.kc.wait_for_ready(timeout=self.timeout)
            self.forget_connection_file()
            self._warmup_id = self.kc.execute(self.warmup or "pass", silent=True, store_history=False)

    def ready(self) -> "WarmKernel":
        """Block until the warm-up imports are done; raise ``RuntimeError`` if they failed."""
        if self._ready:
            return self
        self.begin_warmup()
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self.kc.get_shell_msg(timeout=max(deadline - time.monotonic(), 0.1))
            if reply.get("parent_header", {}).get("msg_id") == self._warmup_id:
                break
        self._ready = True
        if reply["content"].get("status") != "ok":
            content = reply["content"]
            raise RuntimeError(f"kernel warm-up failed: {content.get('ename')}: {content.get('evalue')}")
        return self

    def run(self, code: str) -> None:
        """Run ``code`` silently in the kernel; raise ``RuntimeError`` if it fails."""
        reply = self.kc.execute_interactive(code, silent=True, store_history=False,
                                            timeout=self.timeout, output_hook=lambda msg: None)
        if reply["content"].get("status") != "ok":
            content = reply["content"]
            raise RuntimeError(f"{content.get('ename')}: {content.get('evalue')}")

    def reset(self, cwd=None) -> None:
        """Clear the namespace and plotting state left by the previous notebook; with
        ``cwd``, move the kernel into that folder (a report runs in its own folder, so the
        relative paths its parameters name resolve from there, as papermill's ``cwd``).
        The move comes first: the previous report's folder may be gone (a Dask worker
        deletes its temporary folders), and the reset must not run in a deleted folder."""
        self.run((f"import os as _os\n_os.chdir({str(cwd)!r})\ndel _os\n" if cwd else "") + RESET)

    def forget_connection_file(self) -> None:
        """Delete the kernel's connection file (its ports and signing key) once the kernel
        has read it: it answered, and this process keeps the connection in memory. A build
        killed afterwards leaves no key on disk."""
        try:
            os.remove(self.km.connection_file)
        except (OSError, TypeError):
            pass

    def alive(self) -> bool:
        return self.km.is_alive()

    def peak_rss_mb(self):
        """The kernel process's peak resident memory so far (Linux ``VmHWM``), or None."""
        try:
            pid = self.km.provisioner.pid
            with open(f"/proc/{pid}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024
        except (AttributeError, OSError, ValueError, TypeError):
            pass
        return None

    def cpu_seconds(self):
        """CPU seconds (user + system) the kernel process has used so far (Linux
        ``/proc``), or None."""
        try:
            with open(f"/proc/{self.km.provisioner.pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (AttributeError, OSError, ValueError, TypeError, IndexError):
            return None

    def notebook_client(self):
        """An asynchronous client of this kernel for nbclient, made once and reused.

        nbclient awaits its client's messages while it polls, every second, whether the
        kernel is still alive; handed the blocking client, it would wait forever for the
        output of a kernel that died (no report would fail, none would be retried).
        """
        if self._notebook_client is None:
            from jupyter_client.asynchronous import AsyncKernelClient
            from jupyter_core.utils import run_sync

            client = AsyncKernelClient()
            client.load_connection_info(self.km.get_connection_info())
            client.start_channels()
            run_sync(client.wait_for_ready)(timeout=self.timeout)  # its iopub subscription is live
            self._notebook_client = client
        return self._notebook_client

    def shutdown(self) -> None:
        try:
            if self._notebook_client is not None:
                self._notebook_client.stop_channels()
            self.kc.stop_channels()
            self.km.shutdown_kernel(now=True)
        except Exception:  # shutting down a dead kernel may fail; nothing to keep
            pass


class ReportEngine(Engine):
    """Papermill's :class:`~papermill.engines.Engine` with the report's bookkeeping
    (:class:`ReportBookkeeping`); the engines below say how the cells run.

    The injected parameters cell is hidden (:func:`hide_injected_parameters`), and with
    ``portable_paths=(input, output)`` the notebook papermill writes at the end records
    those names instead of the build machine's paths.
    """

    @classmethod
    def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True,
                         log_output=False, autosave_cell_every=30, portable_paths=None, **kwargs):
        # papermill's Engine.execute_notebook with the bookkeeping below
        nb_man = ReportBookkeeping(nb, output_path=output_path, progress_bar=progress_bar,
                                   log_output=log_output, autosave_cell_every=autosave_cell_every)
        hide_injected_parameters(nb_man.nb)
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
            meta = nb_man.nb.metadata.get("papermill")
            if portable_paths is not None and meta is not None:  # before papermill's final write
                meta["input_path"], meta["output_path"] = portable_paths
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb


class WarmEngine(ReportEngine, NBClientEngine):
    """A papermill engine that executes the notebook in an already started kernel.

    Same notebook as papermill's own engine, with less work per cell: outputs are not
    schema-checked one by one (:class:`ReportNotebookClient`; papermill validates the
    whole notebook when it writes it) and a cell's start time is read back without
    dateutil's generic parser (:class:`ReportBookkeeping`).
    """

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                 stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
        warm: WarmKernel = kwargs.pop("warm_kernel")
        client = ReportNotebookClient(nb_man, km=warm.km, timeout=execution_timeout,
                                      startup_timeout=start_timeout, kernel_name=kernel_name,
                                      log=logger, log_output=log_output, stdout_file=stdout_file,
                                      stderr_file=stderr_file)
        client.kc = warm.notebook_client()  # reused: no new channels per report
        warm.notebook = nb_man.nb  # papermill raises without the notebook on a failing cell
        # papermill saves the whole notebook before and after every cell; a report is written
        # once when it ends (papermill's own final write, also on a failing cell), and the
        # partial notebook is saved only if the run itself breaks (kernel died, timeout).
        output_path, nb_man.output_path = nb_man.output_path, None
        try:
            return client.execute(cleanup_kc=False)
        except BaseException:
            nb_man.output_path = output_path
            raise


class ReportBookkeeping(NotebookExecutionManager):
    """Papermill's per-cell bookkeeping, with the cell's start time read back by
    :meth:`datetime.datetime.fromisoformat` (papermill wrote it with ``isoformat()``;
    dateutil's generic parser gives the same time for ten times the work)."""

    @catch_nb_assignment
    def cell_complete(self, cell, cell_index=None, **kwargs):
        if self.log_output:
            return super().cell_complete(cell, cell_index, **kwargs)
        end_time = self.now()
        meta = cell.metadata.papermill
        meta["end_time"] = end_time.isoformat()
        if meta.get("start_time"):
            meta["duration"] = (end_time - datetime.datetime.fromisoformat(meta["start_time"])
                                ).total_seconds()
        if meta["status"] != self.FAILED:
            meta["status"] = self.COMPLETED
        self.save()
        if self.pbar:
            self.pbar.update(1)


class ReportNotebookClient(PapermillNotebookClient):
    """Papermill's notebook client, keeping each output as it came (:func:`output_node`)."""

    def output(self, outs, msg, display_id, cell_index):
        # nbclient's NotebookClient.output with output_node for nbformat's output_from_msg
        parent_msg_id = msg["parent_header"].get("msg_id")
        if self.output_hook_stack[parent_msg_id]:
            hook = self.output_hook_stack[parent_msg_id][-1]
            hook.output(outs, msg, display_id, cell_index)
            return None
        try:
            out = output_node(msg)
        except ValueError:
            self.log.error(f"unhandled iopub msg: {msg['msg_type']}")
            return None
        if self.clear_before_next_output:
            outs[:] = []
            self.clear_display_id_mapping(cell_index)
            self.clear_before_next_output = False
        if display_id:
            cell_map = self._display_id_map.setdefault(display_id, {})
            cell_map.setdefault(cell_index, []).append(len(outs))
        if out:
            outs.append(out)
        return out


#: The fields of each output type, as :func:`nbformat.v4.output_from_msg` copies them.
_OUTPUT_FIELDS = {"execute_result": ("metadata", "data", "execution_count"),
                  "display_data": ("metadata", "data"), "stream": ("name", "text"),
                  "error": ("ename", "evalue", "traceback")}


def output_node(msg) -> NotebookNode:
    """The notebook output of a kernel's IOPub message: :func:`nbformat.v4.output_from_msg`
    without checking the output against the notebook schema on its own (a report has
    about 30 outputs and each check walks the schema with jsonschema; the executed
    notebook is validated whole when papermill writes it). ``ValueError`` for a message
    that is not an output, as ``output_from_msg``.
    """
    msg_type = msg["header"]["msg_type"]
    fields = _OUTPUT_FIELDS.get(msg_type)
    if fields is None:
        raise ValueError(f"Unrecognized output msg type: {msg_type!r}")
    content = msg["content"]
    out = NotebookNode(output_type=msg_type)
    out.update({name: content[name] for name in fields})  # NotebookNode converts the dicts
    return out


def hide_injected_parameters(nb) -> None:
    """Tag the cell papermill injects with ``remove-cell``, as the template's own parameters
    cell is: stock ``jupyter nbconvert`` with the TagRemovePreprocessor then shows no code of
    an executed report either (papermill tags it only ``injected-parameters``)."""
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            cell.metadata["tags"] = [*tags, "remove-cell"]


class CapturedNotebooks:
    """A papermill I/O handler for :data:`CAPTURE` paths: what papermill writes there is
    kept in memory until :func:`captured` takes it."""

    def __init__(self):
        self.texts = {}

    def write(self, buf, path):
        self.texts[path] = buf

    def read(self, path):
        raise OSError(f"{path}: a captured notebook is written, never read")

    def listdir(self, path):
        raise OSError(f"{path}: not a folder")

    def pretty_path(self, path):
        return path


_CAPTURED = CapturedNotebooks()


def captured(path: str):
    """The text papermill wrote to the :data:`CAPTURE` ``path`` (None if nothing), forgotten here."""
    return _CAPTURED.texts.pop(path, None)


papermill_engines.register(ENGINE, WarmEngine)
papermill_io.register(CAPTURE, _CAPTURED)

_WARM: dict = {}
atexit.register(lambda: shutdown_all())


def connection_file() -> str:
    """A new connection file name in Jupyter's runtime folder (``JUPYTER_RUNTIME_DIR``: a
    build points it at a folder of its own, see :mod:`nps_report.pipeline.processes`)."""
    import uuid

    from jupyter_core.paths import jupyter_runtime_dir

    folder = jupyter_runtime_dir()
    os.makedirs(folder, mode=0o700, exist_ok=True)
    return os.path.join(folder, f"kernel-nps-report-{uuid.uuid4().hex}.json")


def start_kernel(kernel_name: str = "python3") -> WarmKernel:
    """This process's warm kernel, launched (not yet ready) if there is none or it died."""
    kernel = _WARM.get(kernel_name)
    if kernel is None or not kernel.alive():
        if kernel is not None:
            kernel.shutdown()
        kernel = _WARM[kernel_name] = WarmKernel(kernel_name)
    return kernel


def warm_kernel(kernel_name: str = "python3") -> WarmKernel:
    """This process's warm kernel, started on first use, restarted if it died, and ready."""
    return start_kernel(kernel_name).ready()


def last_notebook(kernel_name: str = "python3"):
    """The notebook this process's kernel ran last, as far as it ran (None if none)."""
    kernel = _WARM.get(kernel_name)
    return None if kernel is None else kernel.notebook


def shutdown_all() -> None:
    """Stop every warm kernel of this process."""
    for kernel in _WARM.values():
        kernel.shutdown()
    _WARM.clear()
