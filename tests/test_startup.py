"""A build's processes start with what they need: the imports they skip and keep.

Each check runs in a fresh interpreter (``subprocess``): what a process has imported is
the question, and this test process has imported everything already.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nps_report.pipeline.execution import Workers, run_each

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
HAS_RFC3987_SYNTAX = importlib.util.find_spec("rfc3987_syntax") is not None


def run_python(code: str) -> dict:
    """Run ``code`` in a new interpreter; it prints one JSON object, returned."""
    done = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


VALIDATE = """
import json, sys
from nps_report.pipeline.processes import skip_unused_imports
skipped = skip_unused_imports() if {skip} else ()
import nbformat
from jsonschema import FormatChecker
nb = nbformat.read({template!r}, as_version=4)
nbformat.validate(nb)  # a shipped template: valid
errors = []
for broken in ("execution_count", "source"):
    bad = nbformat.read({template!r}, as_version=4)
    cell = next(c for c in bad.cells if c.cell_type == "code")
    if broken == "execution_count":
        cell["execution_count"] = "three"  # must be an integer or null
    else:
        del cell["source"]  # required
    try:
        nbformat.validate(bad)
    except nbformat.ValidationError as exc:
        errors.append(type(exc).__name__)
print(json.dumps({{"skipped": list(skipped), "errors": errors,
                  "module": repr(sys.modules.get("rfc3987_syntax")),
                  "formats": sorted(FormatChecker().checkers)}}))
"""


def _validate(skip: bool) -> dict:
    template = str(ROOT / "nps_report" / "templates" / "team_report.ipynb")
    return run_python(VALIDATE.format(skip=skip, template=template))


def test_nbformat_validates_and_rejects_without_rfc3987_syntax():
    """Skipped, ``rfc3987_syntax`` is not imported, and nbformat still accepts a valid
    notebook and rejects invalid ones; the only format checks lost are jsonschema's "iri"
    and "iri-reference" (what that module provides)."""
    skipped, plain = _validate(True), _validate(False)
    assert skipped["errors"] == plain["errors"] == ["NotebookValidationError"] * 2
    assert skipped["module"] == "None"
    if HAS_RFC3987_SYNTAX:
        assert skipped["skipped"] == ["rfc3987_syntax"]
        assert plain["module"].startswith("<module 'rfc3987_syntax'")
        assert set(plain["formats"]) - set(skipped["formats"]) == {"iri", "iri-reference"}
    assert set(skipped["formats"]) <= set(plain["formats"])


def _format_keywords(schema, path=""):
    """Every ``format`` keyword of a JSON schema (a string value; a property *named*
    "format" has a schema, a dict, as its value)."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "format" and isinstance(value, str):
                yield path, value
            yield from _format_keywords(value, f"{path}/{key}")
    elif isinstance(schema, list):
        for item in schema:
            yield from _format_keywords(item, path)


def test_nbformat_schemas_ask_for_no_format_check():
    """No schema nbformat validates with uses a ``format`` keyword, so the "iri" checks
    skipped with ``rfc3987_syntax`` are never asked for (nbformat also passes no format
    checker to jsonschema)."""
    import nbformat

    schemas = sorted(Path(nbformat.__file__).parent.rglob("*.json"))
    assert any(p.name == "nbformat.v4.schema.json" for p in schemas)
    found = [(p.name, where, value) for p in schemas
             for where, value in _format_keywords(json.loads(p.read_text(encoding="utf-8")))]
    assert found == []
    # the helper does find a format keyword, and not a property named "format"
    assert list(_format_keywords({"properties": {"format": {"type": "string"},
                                                 "url": {"format": "iri"}}})) == [("/properties/url", "iri")]


ANALYST = """
import json, sys
import nps_report, nps_report.pipeline, nps_report.cli
nps_report.pipeline.run_build, nps_report.render  # lazy names, imported
try:
    nps_report.cli.main(["--help"])  # called from Python, not as the command
except SystemExit:
    pass
import jsonschema
print(json.dumps({"module": repr(sys.modules.get("rfc3987_syntax"))}))
"""


@pytest.mark.skipif(not HAS_RFC3987_SYNTAX, reason="rfc3987_syntax is not installed here")
def test_an_analysts_session_keeps_its_imports():
    """``import nps_report`` (and calling the CLI's ``main`` with arguments) leaves
    jsonschema's optional modules alone."""
    seen = run_python(ANALYST)
    assert seen["module"].startswith("<module 'rfc3987_syntax'"), seen


WORKER_IMPORTS = """
import json, sys
import nps_report.cli  # the spawned worker's __main__
from nps_report.pipeline import worker, kernels  # its initializer, its kernel's client
from nps_report.closeloop import write_close_the_loop  # a team report's lists
from nps_report.loop.workbook import write_loop_workbook  # ... as a workbook
import nps_report.export.html, nps_report.export.pdf, nps_report.export.packs
print(json.dumps({name: name in sys.modules for name in
                  ("pandas", "scipy", "matplotlib", "seaborn", "sklearn", "nps_report.stats",
                   "nps_report.pipeline.runner", "papermill")}))
"""


def test_a_worker_does_not_import_the_analysis_stack():
    """A worker runs notebooks and exports them: it needs papermill and pandas (the
    close-the-loop lists it writes), not scipy, matplotlib, seaborn, scikit-learn or the
    build's statistics (a pool worker that runs reports imports those into the shell its
    reports run in, ``pipeline/inprocess.py``; a worker for packs never does)."""
    seen = run_python(WORKER_IMPORTS)
    assert seen == {"pandas": True, "scipy": False, "matplotlib": False, "seaborn": False,
                    "sklearn": False, "nps_report.stats": False,
                    "nps_report.pipeline.runner": False, "papermill": True}, seen


CHECK_IN_WORKER = ("__import__('nbformat') and __import__('nps_report.loop.workbook') and "
                   "(repr(__import__('sys').modules.get('rfc3987_syntax')), "
                   "'scipy' in __import__('sys').modules, 'xlsxwriter' in __import__('sys').modules)")


def module_state(payload: dict) -> dict:
    """Run in a pool worker: what it has imported (``eval`` of :data:`CHECK_IN_WORKER`)."""
    return {"key": payload["key"], "status": "ok", "state": eval(CHECK_IN_WORKER)}


def test_pool_workers_skip_the_unused_imports():
    """A build's workers (the pool's initializer) skip ``rfc3987_syntax`` before anything
    imports jsonschema, import the close-the-loop writer up front, and load no scipy
    for themselves."""
    with Workers(2, warm=False, pdf=False) as workers:
        workers.start()
        outcomes = []
        run_each(module_state, [{"key": "a"}, {"key": "b"}], workers, outcomes.append)
    assert sorted(o["status"] for o in outcomes) == ["ok", "ok"], outcomes
    # the close-the-loop writer is imported by the initializer (before its gc.freeze)
    assert all(tuple(o["state"]) == ("None", False, True) for o in outcomes), outcomes


def children_of(pid: int) -> list:
    """The running child processes of ``pid`` (Linux ``/proc``), but multiprocessing's
    resource tracker, which lives as long as its parent."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="ascii").rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z" and b"resource_tracker" not in cmdline:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="lists processes in /proc")
def test_without_pango_a_fresh_build_stops_after_starting_its_workers_and_leaves_none(
        tmp_path, monkeypatch, capsys):
    """The PDF check (WeasyPrint's import in the build process) runs once the early
    workers are starting, so they warm up meanwhile; a missing Pango still stops the
    build before any report (exit 2, how to install it) and ends those workers."""
    import builtins

    from nps_report import cli
    from nps_report.export import pdf

    from .test_faults_state import fault_build_file, wait_gone

    build_file = fault_build_file(tmp_path)
    seen = {"order": [], "workers": []}
    real_start, real_check = Workers.start, pdf.check_pdf_support

    def start(self):
        seen["order"].append("workers started")
        return real_start(self)

    def check():
        seen["order"].append("PDF checked")
        seen["workers"] = children_of(os.getpid())
        return real_check()

    real_import = builtins.__import__

    def no_pango(name, *args, **kwargs):  # as test_pdf's no_pango: in this process only
        if name == "weasyprint" or name.startswith("weasyprint."):
            raise OSError("cannot load library 'libpango-1.0-0': cannot open shared object file")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(Workers, "start", start)
    monkeypatch.setattr(pdf, "check_pdf_support", check)
    pdf.get_engine.cache_clear()
    monkeypatch.setattr(builtins, "__import__", no_pango)
    try:
        code = cli.main(["build", str(build_file), "--formats", "html,pdf", "--jobs", "2"])
    finally:
        monkeypatch.setattr(builtins, "__import__", real_import)
        pdf.get_engine.cache_clear()
    assert code == 2
    assert "apt-get install libpango" in capsys.readouterr().err
    assert seen["order"] == ["workers started", "PDF checked"]
    assert len(seen["workers"]) == 2, seen
    assert wait_gone(seen["workers"]) == []
    assert not (tmp_path / "output" / "faults" / "manifest.json").exists()  # no report ran
