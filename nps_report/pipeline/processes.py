"""The build's child processes: they die with their parent, share the cores, keep no keys.

- **Die with the parent.** Workers and kernels ask Linux to signal them when the process
  that started them ends (``prctl(PR_SET_PDEATHSIG)``), so a build killed with ``kill -9``
  leaves no worker or kernel behind. Elsewhere this is a no-op (the kernels' own parent
  polling and the pool's shutdown then do the work).
- **Numeric threads capped.** Each of N workers (and its kernel) may use ``cores // N``
  threads (at least 1): the variables BLAS and OpenMP read when they load are set in the
  environment the processes start with, and :func:`limit_loaded_threads` caps the
  libraries a process has loaded already (threadpoolctl).
- **A private runtime folder.** Jupyter writes each kernel's connection file (its ports
  and signing key) into ``JUPYTER_RUNTIME_DIR``; a build points it at a folder of its own
  (mode 0700), removed when the build ends, and a kernel's file is deleted as soon as the
  kernel has read it (:mod:`nps_report.pipeline.kernels`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

__all__ = ["THREAD_VARIABLES", "UNUSED_IMPORTS", "available_cores", "build_environment",
           "die_with_parent", "kernel_preexec", "limit_loaded_threads", "skip_unused_imports",
           "thread_environment", "threads_per_worker", "sweep_leftovers", "worker_launcher"]

#: Environment variables that size the thread pools of OpenMP, OpenBLAS, MKL, numexpr
#: and Accelerate; read once, when the library loads.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


#: Optional modules that libraries of a build import for nothing, costly at import:
#: jsonschema 4.26 imports ``rfc3987_syntax`` (when installed) for its "iri" and
#: "iri-reference" format checks, and that module builds a Lark grammar as it is imported
#: (about 1 CPU s of the 1.2 that ``import nbformat`` costs). nbformat's schemas use no
#: ``format`` keyword and nbformat validates without a format checker, so a build's
#: processes never run those checks.
UNUSED_IMPORTS = ("rfc3987_syntax",)


def skip_unused_imports() -> tuple:
    """Keep :data:`UNUSED_IMPORTS` from being imported in this process; return the names.

    For nps-report's own processes only (the command's entry, a build's workers), never
    done by ``import nps_report``: an analyst's session keeps jsonschema's "iri" checks.
    Nothing is done once jsonschema is imported (it has looked for them already) or for
    a module already imported. A later ``import rfc3987_syntax`` raises ``ImportError``,
    which is how jsonschema learns that the checks are not available.

    Examples
    --------
    >>> import subprocess, sys
    >>> code = ("from nps_report.pipeline.processes import skip_unused_imports; skip_unused_imports(); "
    ...         "import jsonschema, sys; print(sys.modules['rfc3987_syntax'])")
    >>> subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip()
    'None'
    """
    if "jsonschema" in sys.modules:
        return ()
    skipped = tuple(name for name in UNUSED_IMPORTS if name not in sys.modules)
    for name in skipped:
        sys.modules[name] = None  # the import system's "not importable" mark
    return skipped


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS tells, else all)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def threads_per_worker(jobs: int, cores: int | None = None) -> int:
    """Numeric threads each of ``jobs`` workers may use: ``max(1, cores // jobs)``.

    Examples
    --------
    >>> threads_per_worker(2, cores=8), threads_per_worker(4, cores=2), threads_per_worker(1, cores=2)
    (4, 1, 2)
    """
    cores = available_cores() if cores is None else cores
    return max(1, cores // max(1, jobs))


def thread_environment(threads: int) -> dict:
    """The environment variables that cap numeric libraries at ``threads`` threads.

    Examples
    --------
    >>> thread_environment(2)["OMP_NUM_THREADS"]
    '2'
    """
    return {name: str(threads) for name in THREAD_VARIABLES}


def limit_loaded_threads(threads: int) -> None:
    """Cap the thread pools of numeric libraries this process has loaded already."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # the environment variables still hold for what loads later
        return
    threadpool_limits(limits=threads)


def die_with_parent(sig: int = signal.SIGTERM, parent: int | None = None) -> bool:
    """Ask Linux to send ``sig`` to this process when its parent ends; True if it will.

    With ``parent`` (the pid the parent had), a parent that died before the request was
    made is noticed too, and this process exits at once.
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if parent is not None and os.getppid() != parent:  # orphaned before the request
        os._exit(1)
    return True


# Started as the pool's "Python": asks for the parent-death signal and ignores Ctrl-C (the
# build handles it and ends its workers), then becomes the real interpreter (execv keeps
# the pid, the signal and the ignored SIGINT). A spawned worker otherwise spends seconds
# importing the build's modules before its own code could do either, and a build killed
# then would leave it running.
LAUNCHER = """#!{python}
import ctypes, os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
try:
    ctypes.CDLL(None).prctl(1, {signal}, 0, 0, 0)
except Exception:
    pass
if os.getppid() != {parent}:
    os._exit(1)
os.execv({python!r}, [{python!r}] + sys.argv[1:])
"""


def worker_launcher(folder, parent: int | None = None):
    """An executable that starts Python so that it dies with ``parent`` (default: this
    process); written into ``folder``. None where Linux's ``prctl`` is not available, or
    the interpreter's path is too long for a ``#!`` line.
    """
    if not sys.platform.startswith("linux") or len(sys.executable) > 120 or " " in sys.executable:
        return None
    path = Path(folder) / "python-dies-with-build"
    path.write_text(LAUNCHER.format(python=sys.executable, signal=int(signal.SIGTERM),
                                    parent=os.getpid() if parent is None else parent), encoding="utf-8")
    path.chmod(0o700)
    return path


def kernel_preexec():
    """A ``preexec_fn`` for a kernel's ``Popen``: the kernel is killed when its starter ends.

    Kernels run in their own session (jupyter_client starts them so, out of reach of the
    terminal's Ctrl-C), so only the parent-death signal ties them to the build.
    """
    parent = os.getpid()

    def preexec():
        die_with_parent(signal.SIGKILL, parent)

    return preexec if sys.platform.startswith("linux") else None


#: Prefix of the temporary folders a build makes (runtime, workers), followed by its pid.
LEFTOVER_PREFIX = "nps-report-build-"


def sweep_leftovers() -> list:
    """Remove the temporary folders of builds that were killed (their pid is gone);
    return them. They hold no keys (a kernel's connection file is deleted once read),
    only empty folders and the workers' launcher."""
    removed = []
    for path in Path(tempfile.gettempdir()).glob(f"{LEFTOVER_PREFIX}*"):
        pid = path.name[len(LEFTOVER_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


@contextlib.contextmanager
def build_environment(jobs: int):
    """The environment a build's workers and kernels start with, for the build's duration.

    Sets the thread caps (:func:`threads_per_worker` of ``jobs``) and a private
    ``JUPYTER_RUNTIME_DIR`` (mode 0700, in the system's temporary folder) in this
    process's environment, which spawned workers and kernels inherit; restores the
    previous values and removes the folder at the end.

    Yields
    ------
    (int, Path)
        The threads per worker and the runtime folder.
    """
    threads = threads_per_worker(jobs)
    sweep_leftovers()
    runtime = Path(tempfile.mkdtemp(prefix=f"{LEFTOVER_PREFIX}{os.getpid()}-"))  # mode 0700
    changes = {**thread_environment(threads), "JUPYTER_RUNTIME_DIR": str(runtime)}
    saved = {name: os.environ.get(name) for name in changes}
    os.environ.update(changes)
    try:
        yield threads, runtime
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(runtime, ignore_errors=True)
