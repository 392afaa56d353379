"""Report notebooks run in the worker's own Python: a papermill engine without a kernel.

A pool worker runs one report at a time and nothing else, so it needs no second process
to run a report's cells: its own interpreter, the same Python the ``python3`` kernel
would start, runs them in an IPython shell. Papermill still executes the notebook (its
parameters, bookkeeping and errors); what goes is the kernel's messaging: each cell's
request, its outputs and its reply signed, serialised, sent over ZMQ and parsed again on
both sides, about a quarter of a team report's execution, and a second process per
worker that imports pandas and matplotlib again.

The executed notebook is the one a kernel gives: the same outputs (``execute_result``
with its execution count, ``display_data``, ``stream``, ``error`` with IPython's
traceback), execution counts from 1, the ``execution`` timestamps nbclient records, and
the kernel's ``language_info``. Between reports the shell is reset as the warm kernel is
(:data:`~nps_report.pipeline.kernels.RESET`): a new namespace, no figures, matplotlib's
defaults. The build process itself (one job) and Dask workers, which may run inside
someone's Jupyter kernel or run several reports at once, keep using a warm kernel.

One difference remains: a kernel also captures what C code writes to its file
descriptors; here only Python's ``sys.stdout`` and ``sys.stderr`` become outputs, and
output a library writes below Python goes to the build's terminal.
"""

from __future__ import annotations

import datetime
import io
import sys
from contextlib import redirect_stderr, redirect_stdout

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from nbformat import NotebookNode
from papermill.engines import papermill_engines
from traitlets import Type

from .kernels import RESET, WARMUP, ReportEngine

__all__ = ["ENGINE", "InProcessEngine", "ReportShell", "last_notebook", "report_shell"]

ENGINE = "nps-in-process"
#: What the ``python3`` kernel (ipykernel) tells nbclient of its language; nbclient copies it
#: into the executed notebook's metadata.
LANGUAGE_INFO = {"name": "python", "version": sys.version.split()[0], "mimetype": "text/x-python",
                 "codemirror_mode": {"name": "ipython", "version": sys.version_info[0]},
                 "pygments_lexer": "ipython3", "nbconvert_exporter": "python",
                 "file_extension": ".py"}
#: ipykernel's default matplotlib backend (it sets ``MPLBACKEND`` so in every kernel).
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
_LAST = {"notebook": None}


class CellOutputs(list):
    """The outputs of the cell being run, as nbclient collects them from a kernel."""

    def __init__(self):
        super().__init__()
        self.clear_before_next = False

    def add(self, output: NotebookNode) -> NotebookNode:
        if self.clear_before_next:
            self.clear()
            self.clear_before_next = False
        self.append(output)
        return output


class CellStream(io.TextIOBase):
    """``sys.stdout`` or ``sys.stderr`` while a cell runs: text becomes a ``stream`` output,
    appended to the previous output when that one is the same stream (the kernel sends
    what was printed between two flushes as one message)."""

    def __init__(self, name: str, outputs: CellOutputs):
        super().__init__()
        self.name, self.outputs = name, outputs

    @property
    def encoding(self):
        return "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if text:
            last = self.outputs[-1] if self.outputs and not self.outputs.clear_before_next else None
            if last is not None and last.output_type == "stream" and last.name == self.name:
                last.text += text
            else:
                self.outputs.add(NotebookNode(output_type="stream", name=self.name, text=text))
        return len(text)


class NotebookDisplayHook(DisplayHook):
    """A cell's value becomes an ``execute_result`` output (ipykernel's display hook
    sends the same content: the formatted data, its metadata, the execution count)."""

    def write_output_prompt(self):
        pass

    def write_format_data(self, format_dict, md_dict=None):
        self.shell.cell_outputs.add(NotebookNode(
            output_type="execute_result", data=NotebookNode(format_dict),
            metadata=NotebookNode(md_dict or {}), execution_count=self.prompt_count))

    def finish_displayhook(self):
        pass


class NotebookDisplayPublisher(DisplayPublisher):
    """``display()`` becomes a ``display_data`` output; ``update_display`` changes the
    outputs showing that display id, as nbclient does."""

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
        outputs = self.shell.cell_outputs
        display_id = (transient or {}).get("display_id")
        if update:
            for shown in self.shell.displays.get(display_id, []):
                shown.data, shown.metadata = NotebookNode(data), NotebookNode(metadata or {})
            return
        shown = outputs.add(NotebookNode(output_type="display_data", data=NotebookNode(data),
                                         metadata=NotebookNode(metadata or {})))
        if display_id:
            self.shell.displays.setdefault(display_id, []).append(shown)

    def clear_output(self, wait=False):
        if wait:
            self.shell.cell_outputs.clear_before_next = True
        else:
            self.shell.cell_outputs.clear()


class ReportShell(InteractiveShell):
    """The IPython shell a worker runs report cells in; its outputs are notebook outputs.

    Examples
    --------
    >>> shell = ReportShell()
    >>> cell = NotebookNode(cell_type="code", source="print('hi')\\n6 * 7", outputs=[],
    ...                     metadata=NotebookNode(), execution_count=None)
    >>> run_cell(shell, cell)
    True
    >>> [(o.output_type, o.get("text"), o.get("data", {}).get("text/plain")) for o in cell.outputs]
    [('stream', 'hi\\n', None), ('execute_result', None, '42')]
    """

    displayhook_class = Type(NotebookDisplayHook)
    display_pub_class = Type(NotebookDisplayPublisher)

    def __init__(self, **kwargs):
        from traitlets.config import Config

        config = Config({"HistoryManager": {"enabled": False}})  # no user to recall inputs
        super().__init__(config=config, **kwargs)
        self.cell_outputs = CellOutputs()
        self.displays = {}

    def enable_gui(self, gui=None):
        pass  # no event loop here: figures are shown inline, as in a kernel

    def ask_exit(self):
        # exit() in a cell: a kernel would stop and the report fail; here the report fails
        # with this error and the worker goes on with its next report
        raise SystemExit("exit() was called in a report's cell")

    def _showtraceback(self, etype, evalue, stb):
        # ipykernel sends this content as the cell's ``error`` output
        self.cell_outputs.add(NotebookNode(output_type="error", ename=str(etype.__name__),
                                           evalue=str(evalue), traceback=list(stb)))


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def run_cell(shell: ReportShell, cell) -> bool:
    """Run one code cell as a kernel would and set its outputs, execution count and
    nbclient's ``execution`` timestamps; False when it raised."""
    outputs = shell.cell_outputs = CellOutputs()
    started, count = _now(), shell.execution_count
    with redirect_stdout(CellStream("stdout", outputs)), redirect_stderr(CellStream("stderr", outputs)):
        result = shell.run_cell(cell.source, store_history=True)
    ended = _now()
    cell.metadata["execution"] = {"iopub.status.busy": started, "iopub.execute_input": started,
                                  "shell.execute_reply": ended, "iopub.status.idle": ended}
    cell.outputs = list(outputs)
    cell.execution_count = count
    return result.success


class InProcessEngine(ReportEngine):
    """Papermill's engine for a report run in this process's :class:`ReportShell`."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
        shell = report_shell()
        if not _SHELL.get("clean"):  # a report that stopped before its own clearing
            clear(shell)
        _SHELL["clean"] = False
        try:
            return cls._run_cells(shell, nb_man)
        finally:  # the report's objects go now, not during the export of its HTML and PDF
            clear(shell)
            _SHELL["clean"] = True

    @staticmethod
    def _run_cells(shell, nb_man):
        from nbclient.exceptions import CellExecutionError

        nb = _LAST["notebook"] = nb_man.nb
        nb.metadata["language_info"] = NotebookNode(LANGUAGE_INFO)
        # papermill's loop over the cells (PapermillNotebookClient.papermill_execute_cells)
        for index, cell in enumerate(nb.cells):
            try:
                nb_man.cell_start(cell, index)
                if cell.cell_type == "code" and cell.source.strip() and not run_cell(shell, cell):
                    error = next((o for o in cell.outputs if o.output_type == "error"), {})
                    raise CellExecutionError("".join(error.get("traceback", [])),
                                             error.get("ename", "Error"), error.get("evalue", ""))
            except CellExecutionError as exc:
                nb_man.cell_exception(nb.cells[index], cell_index=index, exception=exc)
                break
            finally:
                nb_man.cell_complete(nb.cells[index], cell_index=index)
        return nb


_SHELL: dict = {}


def clear(shell: ReportShell) -> None:
    """Clear what a report left in the shell, as the warm kernel is reset between reports
    (:data:`~nps_report.pipeline.kernels.RESET`): a new namespace, no figures, matplotlib's
    defaults, the execution count back to 1."""
    shell.cell_outputs, shell.displays = CellOutputs(), {}
    if not shell.run_cell(RESET, store_history=False, silent=True).success:
        raise RuntimeError("the previous report's state could not be cleared")


def report_shell() -> ReportShell:
    """This process's report shell, made (and the report modules imported) on first use.

    Matplotlib draws inline, as in a kernel (ipykernel's default backend); the shell is
    made before pyplot is imported, so that matplotlib-inline attaches its figure display
    to it.
    """
    shell = _SHELL.get("shell")
    if shell is None:
        import matplotlib

        shell = _SHELL["shell"] = ReportShell.instance()
        if "matplotlib.pyplot" not in sys.modules:
            matplotlib.use(INLINE_BACKEND)
        if not shell.run_cell(WARMUP, store_history=False, silent=True).success:
            raise RuntimeError("the report modules could not be imported in the worker")
        import pandas

        # pandas fits a frame's text to the terminal (0) when imported outside a kernel;
        # in a kernel it shows up to 20 columns: the executed notebook must not depend on
        # the width of the terminal the build was started from.
        pandas.set_option("display.max_columns", 20)
    return shell


def last_notebook():
    """The notebook this process ran last, as far as it ran (None if none)."""
    return _LAST["notebook"]


papermill_engines.register(ENGINE, InProcessEngine)
