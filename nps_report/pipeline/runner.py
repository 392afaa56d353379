"""Run a build, step by step.

1. Check what the build needs before any work: its templates, formats, rule files.
2. Load and validate the data once; plan the reports.
3. Write the build's inputs into the build folder: the responses, copies of the theme,
   action and benchmark files, the build tables of every quarter, ``context.json``. Every
   path in them is relative to the build folder, so a build folder moved, copied or
   zipped keeps its notebooks runnable.
4. Team reports (each saves its tables beside its notebook), department summaries (they
   read their teams' saved tables), overviews and the department packs: with several
   local workers each as soon as what it reads is final (a summary once its teams are
   recorded, a pack once its summary is), the close-the-loop lists written meanwhile;
   in this process or on Dask, in waves (teams, then summaries and overviews, then packs).
5. Mark teams and departments no longer in the data as gone; write the manifest and the
   index.

The build holds the folder's lock throughout (:class:`~nps_report.pipeline.state.BuildLock`:
a second build stops, or waits with ``wait``). Every file is written atomically
(:mod:`nps_report.atomic`), and the manifest is rewritten as each report and pack
finishes, so a build killed at any point resumes with what was done: a report is up to
date only when its notebook ran to the end and its files are the ones recorded (their
SHA-256). Ctrl-C ends the workers and raises
:class:`~nps_report.exceptions.BuildInterrupted`; a full disk, a read-only folder or a
refused permission raises :class:`~nps_report.exceptions.OutputError` naming the path.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import __version__, io, schema
from ..context import CONTEXT_FILE, RESPONSES_FILE, ReportContext, options_of, write_context, write_responses
from ..atomic import sweep_temporary, write_json, write_text
from ..exceptions import BuildError, BuildInterrupted, DataError, OutputError, ParamsError
from ..resources import DEFAULT_FILES
from ..tables.build import printed_rows_fingerprint
from ..tables.department import TEAM_FILES_READ
from ..tables.saving import TABLES_FOLDER
from .execution import RESOURCE_ERRORS, Workers, execute_reports
from .fingerprints import (code_fingerprint, folder_fingerprint, hash_text,
                           report_fingerprint, slice_fingerprints)
from .index import write_index
from .packs import GONE, build_packs, plan_packs
from .plan import Plan, Report, inside, make_plan
from .processes import build_environment
from .publish import output_location, publish
from .state import BuildLock, read_state, save_state
from .templates import check_templates

__all__ = ["BuildResult", "INPUTS", "MANIFEST", "mark_gone", "run_build"]

MANIFEST = "manifest.json"
#: Folder of a build holding copies of its theme, action and benchmark files.
INPUTS = "inputs"
# A report saves its tables with ``t.save(tables_dir)``, which writes ``tables_dir/tables/``:
# the build passes the report's own folder, relative to the notebook (papermill's cwd).
REPORT_TABLES_DIR = "."
FILE_OPTIONS = ("benchmarks", "themes", "actions")


@dataclass
class BuildResult:
    """What a build did: the plan, each report's outcome, and where things are."""

    folder: Path
    plan: Plan
    results: dict = field(default_factory=dict)   # key -> worker result
    skipped: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0
    packs: dict = field(default_factory=dict)     # pack key -> pack result (built this run)
    packs_skipped: list = field(default_factory=list)
    gone: list = field(default_factory=list)      # manifest keys no longer in the data
    published: object = None                      # PublishResult when output_dir is a URL
    marks: dict = field(default_factory=dict)     # step -> (wall s since start, this process's CPU s)

    def mark(self, step: str, started: float) -> None:
        """Note when ``step`` ended (for the timeline in ``build_stats.json``)."""
        self.marks[step] = (round(time.perf_counter() - started, 2), round(time.process_time(), 2))

    @property
    def failed(self) -> list:
        return [r for r in self.results.values() if r["status"] == "failed"]

    @property
    def failed_packs(self) -> list:
        return [r for r in self.packs.values() if r["status"] == "failed"]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or self.failed_packs else 0


@dataclass
class _Build:
    """What the steps of one build share once the data is loaded."""

    params: object
    folder: Path
    templates: Path
    formats: list
    force: bool
    remote: str | None           # the build's URL when Dask workers read and write there
    responses: pd.DataFrame
    context: ReportContext
    tables: dict                 # quarter -> BuildTables
    loop_lists: dict             # quarter -> team -> (detractors, promoters)
    manifest: dict
    slices: dict
    common: str
    code: str

    def save_manifest(self) -> None:
        """Rewrite the manifest atomically (after each report: a killed build resumes)."""
        save_state(self.folder / MANIFEST, self.manifest)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_build(params, *, quarters=None, teams=None, departments=None, jobs=None, formats=None,
              force=False, dry_run=False, templates_dir=None, scheduler=None,
              wait=False) -> BuildResult:
    """Build every planned report of ``params``; see ``nps-report build --help``.

    Parameters
    ----------
    params : BuildParams
    quarters, teams, departments : list of str, optional
        Narrow the plan (default: the build file's choice).
    jobs : int, optional
        Worker processes (default: the build file's ``jobs``, else the number of cores).
    formats : list of {"html", "pdf"}, optional
    force : bool
        Rebuild reports that are up to date.
    dry_run : bool
        Load the data and print the plan; execute nothing.
    templates_dir : path-like, optional
        Folder of the report templates (default: the build file's ``templates``, else the
        templates shipped with the package). Checked before any work.
    scheduler : str or distributed.Client, optional
        Run the reports on a Dask cluster (``tcp://host:port``) instead of local workers.
    wait : bool
        When another build is writing the same folder, wait for it instead of stopping.

    Returns
    -------
    BuildResult

    Raises
    ------
    BuildLockedError
        Another build holds the folder's lock (exit code 2).
    BuildInterrupted
        Ctrl-C: the message says how many reports were built (exit code 130).
    OutputError
        The output cannot be written (disk full, read-only, permission denied): the
        message names the path; exit code 1 when some reports were built, else 2.
    """
    started = time.perf_counter()
    templates = check_templates(templates_dir or params.templates)
    formats = list(formats or params.formats)  # PDF support is checked once the workers start
    rules = check_rule_files(params)
    root, publish_to = output_location(params)  # a URL: made locally, then published
    folder = root / params.name
    if not inside(folder, root):
        raise BuildError(f"build name {params.name!r} would write outside {root}")
    try:
        lock = BuildLock(folder, wait=wait).acquire()
    except OSError as exc:  # the folder cannot be created or written: nothing could start
        raise _output_error(exc, folder, None) from None
    try:
        return _run_locked(params, folder, root, publish_to, templates, formats, rules, started,
                           quarters=quarters, teams=teams, departments=departments, jobs=jobs,
                           force=force, dry_run=dry_run, scheduler=scheduler)
    finally:
        lock.release()


def _output_error(exc: OSError, folder: Path, result) -> Exception:
    """The :class:`OutputError` for an ``OSError`` of the output's file system (other
    errors are returned as they are)."""
    if exc.errno not in RESOURCE_ERRORS:
        return exc
    built = 0 if result is None else len(result.results) - len(result.failed)
    return OutputError.from_errno(exc.errno, exc.filename or folder, built=built)


def _run_locked(params, folder: Path, root: Path, publish_to, templates, formats, rules, started,
                *, quarters, teams, departments, jobs, force, dry_run, scheduler) -> BuildResult:
    """The build, once this process holds the folder's lock."""
    sweep_temporary(folder)  # files a killed build was writing when it died
    try:
        with _early_workers(params, folder, formats, jobs=jobs, force=force, dry_run=dry_run,
                            scheduler=scheduler) as workers:
            # After the workers started (they import WeasyPrint meanwhile), before any work:
            # a missing Pango stops the build here, with how to install it.
            _check_formats(formats, dry_run=dry_run)
            return _build_locked(params, folder, root, publish_to, templates, formats, rules, started,
                                 quarters=quarters, teams=teams, departments=departments, jobs=jobs,
                                 force=force, dry_run=dry_run, scheduler=scheduler, workers=workers)
    except (BuildInterrupted, OutputError):
        # Ctrl-C, or a full or read-only disk: the workers (and kernels) are ended by now,
        # perhaps in the middle of a write; their temporary files go now, not at the next
        # build (the lock is still ours).
        sweep_temporary(folder)
        raise


@contextlib.contextmanager
def _early_workers(params, folder: Path, formats, *, jobs, force, dry_run, scheduler):
    """The build's workers, started before the data is loaded when every report is going
    to be built (``force``, or no manifest yet): they start their kernels and PDF engines
    (seconds of imports) while this process loads the data and computes the build tables.
    Yields None otherwise (an incremental build may have nothing to run: its workers
    start once it knows)."""
    jobs = jobs or params.jobs or os.cpu_count() or 1
    if dry_run or (scheduler or params.scheduler) is not None or jobs < 2 \
            or not (force or not (folder / MANIFEST).exists()):
        yield None
        return
    with build_environment(jobs), Workers(jobs, warm=True, pdf="pdf" in formats) as workers:
        workers.start()
        yield workers


def _build_locked(params, folder: Path, root: Path, publish_to, templates, formats, rules, started,
                  *, quarters, teams, departments, jobs, force, dry_run, scheduler, workers) -> BuildResult:
    """Load, plan and build (``workers``: already started by :func:`_early_workers`, or None)."""
    loaded, responses = load_data(params, folder, started)
    plan = make_plan(responses, quarters=quarters or params.quarters,
                     teams=teams or params.teams, departments=departments or params.departments,
                     root=folder)
    _check_quarters(plan, responses)
    _log(f"Plan: {plan.describe()}")
    result = BuildResult(folder=folder, plan=plan, counts=loaded.counts)
    result.mark("data loaded and planned", started)
    if dry_run:
        for report in plan.reports:
            _log(f"  {report.kind:<10} {report.title}  ->  {folder / report.folder}")
        return result

    scheduler = scheduler or params.scheduler
    jobs = jobs or params.jobs or os.cpu_count() or 1
    try:
        with build_environment(jobs):  # thread caps and a private runtime folder for kernels
            _run_reports(params, plan, loaded, responses, rules, folder, templates, formats, force,
                         publish_to, scheduler, jobs, result, started, workers=workers)
    except KeyboardInterrupt:
        import logging

        # With one job the notebook ran in this process's event loop: its abandoned task
        # would log "Task exception was never retrieved" (a dead kernel) when it is collected.
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)
        done = len(result.results) - len(result.failed) + len(result.skipped)  # skipped: up to date
        raise BuildInterrupted(f"Interrupted: {done} of {len(plan.reports)} reports built; "
                               f"run again to resume") from None
    except OSError as exc:
        error = _output_error(exc, folder, result)
        if error is exc:
            raise
        raise error from None
    except OutputError as exc:  # a report failed on the output's file system
        exc.built = len(result.results) - len(result.failed)
        exc.exit_code = 1 if exc.built else 2
        raise
    return result


def _run_reports(params, plan, loaded, responses, rules, folder, templates, formats, force,
                 publish_to, scheduler, jobs, result, started, workers=None) -> None:
    """Steps 3 to 5: the inputs, the reports, the packs, the manifest and the index
    (``workers``: started early by :func:`_early_workers`, else started here)."""
    # On a Dask cluster with a URL output_dir, the workers read the build's inputs from
    # the URL and write their reports there: they share no file system with this machine.
    remote = publish_to if scheduler is not None else None
    build = _write_inputs(params, loaded, responses, plan, rules, folder, templates, formats, force, remote)
    result.gone = mark_gone(build.manifest, responses)
    result.mark("build tables and inputs written", started)
    teams_first = [r for r in plan.reports if r.kind == "team"]
    then = [r for r in plan.reports if r.kind != "team"]
    team_tasks = _report_tasks(build, teams_first, result, "team reports")
    save = build.save_manifest
    save()  # the reports about to run are pending: a killed build does not take them as done
    result.mark("report tasks made", started)
    # One pool for the reports and the packs: each worker starts its kernel and PDF engine
    # once, and starts them now.
    warm = scheduler is None and bool(team_tasks or _stale(build, then))
    early = workers
    with contextlib.nullcontext(early) if early else Workers(jobs, warm=warm, pdf="pdf" in formats) as workers:
        try:
            if workers.warm:
                workers.start()
            # A rebuilt team's close-the-loop workbook is written by the worker running its
            # report (first, so a failing report still leaves it): not before the first report.
            in_workers = _close_the_loop_in_tasks(build, team_tasks) if scheduler is None else set()
            for task in team_tasks:  # a team report that fails now leaves no older tables behind
                shutil.rmtree(build.folder / task["report"].folder / TABLES_FOLDER, ignore_errors=True)
            if scheduler is None and workers.jobs > 1:  # each item as soon as it can run
                _run_as_ready(build, plan, team_tasks, then, workers, result, save, skip=in_workers)
            else:  # in this process, or on Dask: teams, then summaries, then packs
                _run_in_waves(build, plan, team_tasks, then, workers, result, save, formats=formats,
                              scheduler=scheduler, remote=remote, params=params, force=force,
                              skip=in_workers)
        finally:
            kernels = sys.modules.get(f"{__package__}.kernels")  # not imported: no kernel here
            if kernels is not None:  # (importing it would load papermill and nbformat: 2-3 s)
                kernels.shutdown_all()  # this process's kernel (one job); workers' kernels end with the pool
    result.mark("reports and packs done", started)
    _finish(build, result, plan, jobs, started, publish_to)


#: Which ready item a free worker takes first: the one with the longest chain of work
#: behind it (a team report, then its summary, then its pack), so that the build ends on
#: short items spread over the workers instead of one department's summary and pack
#: running alone. The overview reads only the build tables: it can run at any time.
PRIORITY = {"team": 0, "department": 1, "overview": 2, "pack": 3}


def _run_as_ready(build, plan, team_tasks, then, workers, result, save, *, skip=frozenset()) -> None:
    """The reports and packs on the workers, each as soon as what it reads is final.

    Team reports and overviews are ready at once; a department summary when its teams'
    reports are recorded (its fingerprint covers their saved tables), its pack when the
    summary is; a free worker takes the ready item first in :data:`PRIORITY`, and no
    worker waits for a whole wave to end. The close-the-loop lists not in ``skip`` (those
    the workers write with their reports) are written by this process meanwhile (no report
    reads them; the manifest's links to them are added when they are written), and the
    quarters' action logs once the last team report is in.
    """
    from functools import partial

    from tqdm import tqdm

    from . import worker
    from .execution import ReportRecorder, Work, payload_of, run_work
    from .packs import pack_payload, pack_recorder

    folder = build.folder
    bar = tqdm(total=0, desc="Reports", unit="item", file=sys.stderr, disable=None, dynamic_ncols=True)
    record_report = ReportRecorder(result, build.manifest, bar, save=save)
    waiting = {}  # (quarter, department) -> its team reports not recorded yet
    for task in team_tasks:
        report = task["report"]
        waiting.setdefault((report.quarter, report.department), set()).add(report.key)
    teams_left = {task["key"] for task in team_tasks}
    summaries = {(r.quarter, r.department): r for r in then if r.kind == "department"}

    def reports(tasks):
        record_report.add(tasks)
        bar.total += len(tasks)
        return [Work(worker.execute_report, payload_of(t), on_report, PRIORITY[t["report"].kind])
                for t in tasks]

    def summary(report):
        tasks = _report_tasks(build, [report], result, "department summaries")
        save()
        return reports(tasks) if tasks else pack(report)

    def pack(summary_report):
        if "pdf" not in build.formats:
            return []
        tasks = plan_packs(folder, Plan(reports=[summary_report], quarters=[summary_report.quarter]),
                           build.manifest, result, build.params, build.context, force=build.force,
                           code=build.code)
        if not tasks:
            return []
        save()
        bar.total += len(tasks)
        record_pack = pack_recorder(tasks, result, build.manifest, bar, save)
        return [Work(worker.build_pack, pack_payload(t), record_pack, PRIORITY["pack"]) for t in tasks]

    def on_report(outcome):
        record_report(outcome)
        report = record_report.tasks[outcome["key"]]["report"]
        if report.kind == "department":
            return pack(report)
        if report.kind != "team":
            return []
        teams_left.discard(report.key)
        if not teams_left:
            _write_action_logs(folder, plan)
        group = (report.quarter, report.department)
        waiting[group].discard(report.key)
        return summary(summaries.pop(group)) if not waiting[group] and group in summaries else []

    first = reports(team_tasks)
    for group in [g for g in summaries if not waiting.get(g)]:  # its teams are all up to date
        first += summary(summaries.pop(group))
    overviews = [r for r in then if r.kind == "overview"]
    if overviews:
        first += reports(_report_tasks(build, overviews, result, "company overviews"))
    save()
    # The lists are written into a copy of the manifest (this thread saves the manifest
    # after each item), and their links merged in when they are all written.
    lists = _Build(**{**build.__dict__, "manifest": {}})
    try:
        run_work(first, workers, meanwhile=partial(_write_close_the_loop, lists, plan,
                                                   rebuilt={t["key"] for t in team_tasks}, skip=skip))
    finally:
        bar.close()
    for key, entry in lists.manifest.items():
        build.manifest.setdefault(key, {}).update(entry)
    save()
    if not team_tasks:
        _write_action_logs(folder, plan)


def _run_in_waves(build, plan, team_tasks, then, workers, result, save, *, formats, scheduler,
                  remote, params, force, skip=frozenset()) -> None:
    """The reports in waves: the close-the-loop lists (but those in ``skip``, which the
    workers write with their reports), the team reports, then the summaries and overviews
    (their fingerprints cover the teams' saved tables), then the packs."""
    folder = build.folder
    _write_close_the_loop(build, plan, rebuilt={t["key"] for t in team_tasks}, skip=skip)
    if remote and team_tasks:
        publish(folder, remote)  # the data, context, tables and inputs the workers read
    execute_reports(team_tasks, workers, result, build.manifest, desc="Team reports",
                    scheduler=scheduler, fetch_from=remote, folder=folder, save=save)
    _write_action_logs(folder, plan)
    # Now the teams' saved tables are final: the summaries' fingerprints cover them.
    summary_tasks = _report_tasks(build, then, result, "summaries and overviews")
    save()
    execute_reports(summary_tasks, workers, result, build.manifest, desc="Summaries",
                    scheduler=scheduler, fetch_from=remote, folder=folder, save=save)
    if "pdf" in formats:
        build_packs(plan_packs(folder, plan, build.manifest, result, params, build.context,
                               force=force, code=build.code), workers, result, build.manifest,
                    save=save)


# ----------------------------------------------------------------------------- 1. checks
def _check_formats(formats, *, dry_run: bool) -> list:
    formats = list(formats)
    if "pdf" in formats and not dry_run:
        from ..export.pdf import check_pdf_support

        check_pdf_support()  # a missing Pango stops the build here, with how to install it
    return formats


def check_rule_files(params):
    """Read the build's action, theme and benchmark files once, before any work.

    A missing or malformed one stops the build with its name (exit 2) instead of failing
    in every report.

    Returns
    -------
    ActionRules
        The action rules (the build uses them itself).
    """
    from .. import actions, benchmarks, themes

    rules = actions.load_rules(params.actions)
    themes.load_taxonomy(params.themes)
    if params.benchmarks:
        benchmarks.load_external_benchmarks(params.benchmarks)
    return rules


def _check_quarters(plan: Plan, responses: pd.DataFrame) -> None:
    present = set(responses[schema.QUARTER].unique())  # not set(column): 1M Python strings at scale
    missing = [q for q in plan.quarters if q not in present]
    if missing:
        raise DataError(f"no responses in quarter(s) {', '.join(missing)}; the data covers "
                        f"{', '.join(sorted(responses[schema.QUARTER].unique()))}")


# ----------------------------------------------------------------------------- 2. data
def load_data(params, folder: Path, started: float):
    """Load and validate the build's data once; write ``rejected.csv`` and ``duplicates.csv``.

    Returns
    -------
    (LoadResult, DataFrame)
        The load result and the canonical responses (quarters relabelled when the build
        counts transaction dates).
    """
    _log(f"Loading {params.data.path or params.data.sql.url} ...")
    loaded = io.load_responses(params)
    _log(f"  {loaded.summary()} ({time.perf_counter() - started:.1f} s)")
    for note in loaded.notes:  # repaired text with examples, missing-value tokens, scale ...
        _log(f"  note: {note}")
    if loaded.responses.empty:
        raise DataError("no usable responses: see the rejected rows in "
                        f"{folder / 'rejected.csv'}", path=params.data.path)
    folder.mkdir(parents=True, exist_ok=True)
    io.write_rejected(loaded, folder / "rejected.csv")
    io.write_duplicates(loaded, folder / "duplicates.csv")
    responses = loaded.responses
    if params.windows.date == "transaction_at":
        if "transaction_at" not in responses:
            raise ParamsError("windows.date is transaction_at, but no column of the data is mapped to "
                              "transaction_at (add it under data.columns)", key="windows.date")
        from ..windows import relabel_quarters

        responses = relabel_quarters(responses, date="transaction_at", tz=params.timezone,
                                     fiscal_year_start_month=params.fiscal_year_start_month)
    return loaded, responses


# ----------------------------------------------------------------------------- 3. inputs
def _write_inputs(params, loaded, responses, plan, rules, folder: Path, templates: Path, formats,
                  force: bool, remote) -> _Build:
    """Write the responses, input files, build tables and ``context.json`` (relative paths).

    ``responses.parquet`` is written by a thread while the build tables are computed
    (pyarrow encodes and writes without holding the GIL; about 1 s at 1,000,000
    responses). It is complete, renamed into place, before this returns, so before any
    report starts; an error writing it (a full disk) is raised here, as it was when it
    was written first: the first of the two errors when the build tables then fail too.
    """
    # A shallow copy: the writer's frame shares the columns but no pandas internals
    # (block consolidation) with the frame the tables are computed from meanwhile.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="responses-parquet") as pool:
        written = pool.submit(write_responses, responses.copy(deep=False), folder / RESPONSES_FILE)
        try:
            build = _write_other_inputs(params, loaded, responses, plan, rules, folder, templates,
                                        formats, force, remote)
        except OSError:
            if written.exception() is not None:  # waits for the writer; its error came first
                raise written.exception() from None
            raise
        written.result()
    return build


def _write_other_inputs(params, loaded, responses, plan, rules, folder: Path, templates: Path, formats,
                        force: bool, remote) -> _Build:
    """:func:`_write_inputs` but ``responses.parquet``: input files, build tables, ``context.json``."""
    options, input_hashes = _copy_inputs(options_of(params), folder)
    slices = slice_fingerprints(responses)
    context = ReportContext(
        build=params.name, data_path=RESPONSES_FILE, options=options, counts=loaded.counts,
        segments=loaded.segments, attributes=loaded.attributes,
        rejected_by_team=_rejected_by_team(params, loaded),
        fingerprint=slices["all"],
        params_file=Path(params.source_file).name if params.source_file else "",
        version=__version__, created=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    tables, loop_lists = _write_build_tables(responses, plan, context, rules, folder,
                                             returns=params.loop_returns_folder())
    returns = _read_action_returns(params, folder, responses)
    context.paths["anomalies"] = "anomalies.csv"
    write_context(context, folder)
    manifest = read_state(folder / MANIFEST, what="manifest")
    code = code_fingerprint()
    common = hash_text(code, options.model_dump_json(), sorted(input_hashes.items()), sorted(formats),
                       returns.latest.to_csv(index=False),  # a new return rebuilds the reports
                       *([params.page_size] if "pdf" in formats else []))
    return _Build(params=params, folder=folder, templates=templates, formats=formats, force=force,
                  remote=remote, responses=responses, context=context, tables=tables, loop_lists=loop_lists,
                  manifest=manifest, slices=slices, common=common, code=code)


def _copy_inputs(options, folder: Path):
    """The options with their theme, action and benchmark files copied into
    ``<build>/inputs/`` and named relative to the build folder; and each copy's hash.

    A build folder then holds everything its notebooks read: moved or zipped, they run.
    A file left out of the build file stays ``None`` (the package's shipped default).
    """
    from ..storage import read_text

    updates, hashes = {}, {}
    for key in FILE_OPTIONS:
        source = getattr(options, key)
        if not source:
            continue
        relative = f"{INPUTS}/{DEFAULT_FILES[key]}"
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        text = read_text(source)  # a path or a URL
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            write_text(target, text)
        updates[key] = relative
        hashes[key] = hash_text(text)
    return options.model_copy(update=updates), hashes


def _rejected_by_team(params, loaded) -> dict:
    if len(loaded.rejected) and params.data.columns:
        team_source = next((s for s, t in params.data.columns.items() if t == schema.TEAM), None)
        if team_source in loaded.rejected:
            return loaded.rejected[team_source].value_counts().to_dict()
    return {}


def _write_build_tables(responses, plan: Plan, context: ReportContext, rules, folder: Path,
                        returns=None) -> dict:
    """The build tables of every planned quarter (NPS, changes with one multiple-testing
    family, ranks, anomaly flags, follow-up counts), computed once, before any report, and
    saved for the reports (``<build>/tables/<quarter>/``, ``anomalies.csv``).

    The close-the-loop lists are drawn up once per team here too: the build tables keep
    their counts, the teams' spreadsheets are written from them. The returned close-the-loop
    workbooks (``returns``, the build file's ``loop.returns``) are read first: the case
    state, rejected rows and history are written (:func:`nps_report.loop.write_case_files`).

    Returns
    -------
    (dict, dict)
        Quarter -> BuildTables; quarter -> team -> (detractors, promoters).
    """
    from ..tables.build import close_the_loop_lists, current_responses, write_build_tables

    from .. import loop

    options = context.options
    if returns is not None and not Path(returns).is_dir():
        _log(f"Close the loop: no folder {returns} (loop.returns in the build file, read from the "
             "build file's folder): no returned workbook read")
    cases, found, history = loop.case_state(responses, returns, tz=options.timezone)
    loop.write_case_files(folder, cases, found, history)
    if len(found.rejected):
        _log(f"Close the loop: {len(found.rejected)} returned row(s) rejected, reasons in "
             f"{folder / loop.REJECTED_FILE}")
    loop_lists = {q: close_the_loop_lists(current_responses(responses, quarter=q, options=options)[0],
                                          quarter=q, options=options, rules=rules, cases=cases,
                                          responses=responses)
                  for q in plan.quarters}
    tables = write_build_tables(responses, plan.quarters, options, rules, folder, loop_lists=loop_lists,
                                cases=cases)
    return tables, loop_lists


# ----------------------------------------------------------------------------- 4. reports
def _fingerprint(build: _Build, report: Report) -> str:
    """A report's fingerprint now (for a summary: with its teams' tables as saved so far)."""
    template = hash_text((build.templates / report.template).read_bytes())
    printed = ""
    tables = build.tables.get(report.quarter)
    if tables is not None:
        printed = printed_rows_fingerprint(tables, kind=report.kind, team=report.team,
                                           department=report.department)
    team_tables = []
    if report.kind == "department":  # an overview reads the build tables only
        team_tables = [(key, folder_fingerprint(build.folder / key / TABLES_FOLDER, TEAM_FILES_READ))
                       for key in _teams_of(build.manifest, report)]
    return report_fingerprint(report, slices=build.slices, common=build.common, template=template,
                              printed=printed, team_tables=team_tables)


def _teams_of(manifest: dict, report: Report) -> list:
    """Keys of the team reports a department summary (its teams) or an overview (every
    team) of the same quarter reads, as the manifest knows them (gone teams left out)."""
    return sorted(key for key, entry in manifest.items()
                  if entry.get("kind") == "team" and entry.get("quarter") == report.quarter
                  and entry.get("status") != GONE
                  and (report.kind == "overview" or entry.get("department") == report.department))


def _up_to_date(build: _Build, report: Report, fingerprint: str) -> bool:
    """True when the manifest says the report ran to the end with this fingerprint and
    its notebook and files are still the ones it recorded (same SHA-256)."""
    previous = build.manifest.get(report.key, {})
    return (not build.force and previous.get("status") == "ok"
            and previous.get("fingerprint") == fingerprint
            and outputs_match(build.folder / report.folder, previous.get("outputs"), build.formats))


def outputs_match(folder: Path, recorded, formats) -> bool:
    """True when ``folder`` holds the report's notebook and its files in ``formats``, each
    with the SHA-256 the manifest ``recorded`` when the report finished."""
    from .fingerprints import file_hash

    names = ["report.ipynb"] + [f"report.{fmt}" for fmt in formats]
    if not recorded or any(name not in recorded for name in names):
        return False
    try:
        return all(file_hash(folder / name) == recorded[name] for name in names)
    except OSError:  # missing or unreadable: not up to date
        return False


def _stale(build: _Build, reports) -> bool:
    """True when one of ``reports`` needs building as things stand now."""
    return any(not _up_to_date(build, r, _fingerprint(build, r)) for r in reports)


def _report_tasks(build: _Build, reports, result: BuildResult, label: str) -> list:
    """A worker task for each report that is not up to date; the others are skipped."""
    tasks, skipped = [], 0
    for report in reports:
        target = build.folder / report.folder
        if not inside(target, build.folder):  # safe_name makes this impossible; checked anyway
            raise BuildError(f"report folder {report.folder!r} would leave {build.folder}")
        fingerprint = _fingerprint(build, report)
        if _up_to_date(build, report, fingerprint):
            result.skipped.append(report.key)
            skipped += 1
            continue
        tasks.append(_task(build, report, fingerprint))
        build.manifest[report.key] = {
            **{k: v for k, v in build.manifest.get(report.key, {}).items() if k == "extra_links"},
            "kind": report.kind, "quarter": report.quarter, "team": report.team,
            "department": report.department, "title": report.title, "status": "pending",
            "fingerprint": fingerprint}
    if skipped:
        _log(f"Up to date, skipped: {skipped} of {len(reports)} {label} (use --force to rebuild)")
    return tasks


def _task(build: _Build, report: Report, fingerprint: str) -> dict:
    """What a worker needs to run one report. Its notebook names the build's context and
    its tables folder relative to its own folder (papermill runs it there)."""
    params, target = build.params, build.folder / report.folder
    template = build.templates / report.template
    if build.remote:  # the worker has no copy of the build folder: it reads the URL
        context_ref = f"{build.remote}/{CONTEXT_FILE}"
        remote_fields = {"upload_to": f"{build.remote}/{report.folder}",
                         "template_text": template.read_text(encoding="utf-8")}
    else:
        context_ref = Path(os.path.relpath(build.folder / CONTEXT_FILE, target)).as_posix()
        remote_fields = {}
    return {"key": report.key, "template": str(template), "folder": str(target.resolve()),
            "parameters": {**report.parameters(), "context_path": context_ref, "tables_dir": REPORT_TABLES_DIR},
            **remote_fields, "title": report.title, "running_header": report.title,
            "formats": build.formats, "fingerprint": fingerprint, "report": report,
            "pdf": {"kind": report.kind, "quarter": report.quarter, "team": report.team,
                    "department": report.department, "build": params.name,
                    "built": build.context.created, "page_size": params.page_size}}


def _team_lists(build: _Build, report: Report) -> tuple:
    """A team report's close-the-loop lists (detractors, promoters) as the build drew them up."""
    from .. import closeloop

    lists = build.loop_lists[report.quarter].get(report.team)
    if lists is None:  # every response of the team expired: empty lists
        lists = (pd.DataFrame(columns=closeloop.DETRACTOR_COLUMNS + ["carried_over"]),
                 pd.DataFrame(columns=closeloop.PROMOTER_COLUMNS))
    return lists


def _link_close_the_loop(build: _Build, report: Report) -> None:
    build.manifest.setdefault(report.key, {})["extra_links"] = {
        "close-the-loop XLSX": f"{report.folder}/close_the_loop.xlsx",
        "CSV": f"{report.folder}/close_the_loop.csv"}


def _close_the_loop_in_tasks(build: _Build, team_tasks: list) -> set:
    """Give each team report task its close-the-loop lists (``close_the_loop``), for the
    worker to write the team's workbook and CSV beside the report; return their keys.

    200 workbooks take about 25 s of CPU: written by the workers, with the reports, they
    no longer delay the first report.
    """
    keys = set()
    for task in team_tasks:
        report = task["report"]
        if report.kind != "team":
            continue
        task["close_the_loop"] = _team_lists(build, report)
        _link_close_the_loop(build, report)
        keys.add(report.key)
    return keys


def _write_close_the_loop(build: _Build, plan: Plan, rebuilt: set, skip=frozenset()) -> None:
    """Write each team's detractors (and promoters to engage) beside its report.

    The lists name customers, so they are spreadsheets for the team only: never part of
    an HTML or PDF report or a pack. Written for every report being built, or when missing;
    not here for the reports in ``skip`` (their workers write them, see
    :func:`_close_the_loop_in_tasks`).
    """
    from .. import closeloop

    folder = build.folder
    for report in plan.reports:
        if report.kind != "team" or report.key in skip:
            continue
        target = folder / report.folder
        if report.key not in rebuilt and (target / "close_the_loop.xlsx").exists():
            continue
        detractors, promoters = _team_lists(build, report)
        target.mkdir(parents=True, exist_ok=True)
        closeloop.write_close_the_loop(detractors, promoters, target)
        _link_close_the_loop(build, report)


def _read_action_returns(params, folder: Path, responses: pd.DataFrame):
    """Read the returned action logs (the build file's ``action_log`` folder) into
    ``<build>/actions/`` (history, latest entry per action, refused rows with reasons)."""
    from ..followup import read_returns

    if params.action_log and not Path(params.action_log).is_dir():
        _log(f"Action logs: no folder {params.action_log} (action_log in the build file, read from the "
             "current folder): no returned action log read")
    returns = read_returns(folder, params.action_log, teams=responses[schema.TEAM].astype(str).unique())
    if returns.files or len(returns.latest):
        _log(f"  {returns.summary()}" + (f"; see {folder / 'actions' / 'rejected.csv'}"
                                         if len(returns.rejected) else ""))
    return returns


def _write_action_logs(folder: Path, plan: Plan) -> None:
    """Each quarter's action log (every team's recommended actions, with their ids) beside
    its reports, from the team reports' saved actions tables."""
    from ..followup import write_quarter_log

    for quarter in plan.quarters:
        actions = {}
        for report in plan.reports:
            path = folder / report.folder / TABLES_FOLDER / "actions.parquet"
            if report.kind == "team" and report.quarter == quarter and path.exists():
                actions[report.team] = pd.read_parquet(path)
        if actions:
            write_quarter_log(folder, quarter, actions)


# ----------------------------------------------------------------------------- 5. gone, finish
def mark_gone(manifest: dict, responses: pd.DataFrame) -> list:
    """Mark the manifest's team and department reports (and packs) whose team or department
    is no longer in the data as ``gone``; return their keys.

    A team is gone from a quarter when the data holds none of its responses in that quarter
    (or holds them under another department); a department when the data holds none of
    its responses at all. Narrowing a build with ``-t``/``-d`` marks nothing gone. Gone
    reports are left out of packs and listed as gone in the index; their old files stay.
    """
    # The distinct keys first, then as text: 1M rows hold a few thousand.
    present = set(responses[[schema.QUARTER, schema.DEPARTMENT, schema.TEAM]].drop_duplicates()
                  .astype(str).itertuples(index=False, name=None))
    departments = set(responses[schema.DEPARTMENT].drop_duplicates().astype(str))
    gone = []
    for key, entry in manifest.items():
        kind = entry.get("kind")
        if kind == "team":
            here = (entry.get("quarter"), entry.get("department"), entry.get("team")) in present
        elif kind in ("department", "pack"):
            here = entry.get("department") in departments
        else:
            continue
        if not here:
            entry.update(status=GONE, fingerprint=None)
            gone.append(key)
    if gone:
        _log(f"No longer in the data, left out of packs: {len(gone)} ({', '.join(sorted(gone))})")
    return gone


def _finish(build: _Build, result: BuildResult, plan: Plan, jobs: int, started: float, publish_to) -> None:
    folder = build.folder
    build.save_manifest()
    write_index(folder, plan, build.manifest, build.context, build.formats)
    result.seconds = time.perf_counter() - started
    _write_build_stats(folder, result, jobs)
    if publish_to:
        result.published = publish(folder, publish_to)
    _summarise(result)


def _write_build_stats(folder: Path, result: BuildResult, jobs: int) -> None:
    """``build_stats.json``: this run's wall time, its reports and packs, and the peak
    memory of the build process and of the workers and kernels (for ``make bench``)."""
    from .worker import peak_rss_mb

    memory = [r.get("memory", {}) for r in result.results.values()]
    peaks = {name: max((m[name] for m in memory if m.get(name) is not None), default=None)
             for name in ("kernel_peak_mb", "worker_peak_mb")}
    stats = {"seconds": round(result.seconds, 2), "jobs": jobs, "reports_built": len(result.results),
             "reports_failed": len(result.failed), "reports_up_to_date": len(result.skipped),
             "packs_built": len(result.packs), "build_peak_mb": round(peak_rss_mb()),
             # the timeline (bench/timeline.py): when the build started, its own CPU seconds
             "started": round(time.time() - result.seconds, 3),
             "build_cpu_seconds": round(time.process_time(), 2),
             "steps": {step: {"end": wall, "cpu": cpu} for step, (wall, cpu) in result.marks.items()},
             **{k: (round(v) if v is not None else None) for k, v in peaks.items()}}
    write_json(folder / "build_stats.json", stats)


def _summarise(result: BuildResult) -> None:
    built = len(result.results) - len(result.failed)
    _log(f"Built {built}, failed {len(result.failed)}, up to date {len(result.skipped)} "
         f"in {result.seconds:.1f} s")
    for outcome in result.failed:
        _log(f"  failed: {outcome['key']}: cell {outcome.get('cell')}: {outcome['error']}")
    if result.packs or result.packs_skipped:
        made = len(result.packs) - len(result.failed_packs)
        _log(f"Department packs: built {made}, failed {len(result.failed_packs)}, "
             f"up to date {len(result.packs_skipped)}")
        for outcome in result.failed_packs:
            _log(f"  failed pack: {outcome['key']}: {outcome['error']}")
    _log(f"Index: {result.folder / 'index.html'}")
    if result.published is not None:
        _log(f"Published to {result.published.url}: {result.published.uploaded} files uploaded, "
             f"{result.published.unchanged} unchanged")
