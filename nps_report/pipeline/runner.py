"""Run a build: load and validate once, plan, execute reports in parallel workers, write the manifest."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import __version__, io, schema
from ..context import RESPONSES_FILE, ReportContext, options_of, write_context, write_responses
from ..exceptions import BuildError, DataError, ParamsError
from ..tables.build import close_the_loop_lists, current_responses, write_build_tables
from ..storage import download_folder
from .index import write_index
from .plan import Plan, Report, inside, make_plan
from .publish import mark_published, output_location, publish

PACKAGE_DIR = Path(__file__).resolve().parents[1]
TEMPLATES_DIR = PACKAGE_DIR.parent / "templates"
MANIFEST = "manifest.json"


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
    published: object = None                      # PublishResult when output_dir is a URL

    @property
    def failed(self) -> list:
        return [r for r in self.results.values() if r["status"] == "failed"]

    @property
    def failed_packs(self) -> list:
        return [r for r in self.packs.values() if r["status"] == "failed"]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or self.failed_packs else 0


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _hash_text(*parts) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(str(part).encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def code_fingerprint() -> str:
    """Hash of the package's source: a new toolkit version rebuilds every report."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.suffix in {".py", ".j2", ".css", ".json", ".txt", ".yaml"} and "__pycache__" not in path.parts:
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def slice_fingerprints(responses: pd.DataFrame) -> dict:
    """Hash of each team's, each department's and the whole data's rows.

    A team report's fingerprint covers its own team's rows, so changing one team's data
    rebuilds that team, its department and the overview, not every team.
    """
    row_hash = pd.Series(pd.util.hash_pandas_object(responses, index=False).to_numpy(), index=responses.index)
    out = {"all": format(int(row_hash.sum()) % (1 << 64), "x")}
    for column in (schema.TEAM, schema.DEPARTMENT):
        sums = row_hash.groupby(responses[column].astype(str)).sum()
        out.update({f"{column}:{k}": format(int(v) % (1 << 64), "x") for k, v in sums.items()})
    return out


def report_fingerprint(report: Report, slices: dict, common: str, formats, templates=TEMPLATES_DIR) -> str:
    if report.kind == "team":
        data = slices.get(f"team:{report.team}")
    elif report.kind == "department":
        data = slices.get(f"department:{report.department}")
    else:
        data = slices["all"]
    template = (Path(templates) / report.template).read_bytes()
    return _hash_text(common, data, hashlib.sha256(template).hexdigest(), sorted(formats),
                      json.dumps(report.parameters(), sort_keys=True))


def run_build(params, *, quarters=None, teams=None, departments=None, jobs=None, formats=None,
              force=False, dry_run=False, templates_dir=None, scheduler=None) -> BuildResult:
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
        Folder of the report templates (default: the project's ``templates/``).
    scheduler : str or distributed.Client, optional
        Run the reports on a Dask cluster (``tcp://host:port``) instead of local workers.
    """
    started = time.perf_counter()
    templates = Path(templates_dir) if templates_dir else TEMPLATES_DIR
    if not templates.is_dir():
        raise ParamsError(f"report templates not found in {templates}", key="templates")
    formats = list(formats or params.formats)
    if "pdf" in formats and not dry_run:
        from ..export.pdf import check_pdf_support

        check_pdf_support()  # a missing Pango stops the build here, with how to install it
    rules = _check_rule_files(params)
    root, publish_to = output_location(params)  # a URL: made locally, then published
    folder = root / params.name
    if not inside(folder, root):
        raise BuildError(f"build name {params.name!r} would write outside {root}")
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
    plan = make_plan(responses, quarters=quarters or params.quarters,
                     teams=teams or params.teams, departments=departments or params.departments)
    missing = [q for q in plan.quarters if q not in set(responses[schema.QUARTER])]
    if missing:
        raise DataError(f"no responses in quarter(s) {', '.join(missing)}; the data covers "
                        f"{', '.join(sorted(responses[schema.QUARTER].unique()))}",
                        path=params.data.path)
    _log(f"Plan: {plan.describe()}")
    result = BuildResult(folder=folder, plan=plan, counts=loaded.counts)
    if dry_run:
        for report in plan.reports:
            _log(f"  {report.kind:<10} {report.title}  ->  {folder / report.folder}")
        return result

    data_path = folder / RESPONSES_FILE
    write_responses(responses, data_path)
    slices = slice_fingerprints(responses)
    options = options_of(params)
    scheduler = scheduler or params.scheduler
    # On a Dask cluster with a URL output_dir, the workers read the build's inputs from
    # the URL and write their reports there: they share no file system with this machine.
    remote = publish_to if scheduler is not None else None
    if remote:
        options = _inputs_for_workers(options, folder, remote)
    rejected_by_team = {}
    if len(loaded.rejected) and params.data.columns:
        team_source = next((s for s, t in params.data.columns.items() if t == schema.TEAM), None)
        if team_source in loaded.rejected:
            rejected_by_team = loaded.rejected[team_source].value_counts().to_dict()
    context = ReportContext(
        build=params.name, data_path=str(data_path.resolve()), options=options, counts=loaded.counts,
        segments=loaded.segments, attributes=loaded.attributes, rejected_by_team=rejected_by_team,
        fingerprint=slices["all"], params_file=str(params.source_file or ""), version=__version__,
        created=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    # Build tables (NPS, changes with one multiple-testing family, ranks, anomaly flags,
    # follow-up counts), once per quarter, before any report reads them.
    # The close-the-loop lists are drawn up once per team: the build tables keep their
    # counts, the teams' spreadsheets are written from them.
    loop_lists = {q: close_the_loop_lists(current_responses(responses, quarter=q, options=options)[0],
                                          quarter=q, options=options, rules=rules)
                  for q in plan.quarters}
    write_build_tables(responses, plan.quarters, options, rules, folder, loop_lists=loop_lists)
    context.paths["anomalies"] = str((folder / "anomalies.csv").resolve())
    if remote:
        context.data_path = f"{remote}/{RESPONSES_FILE}"
        context.paths["anomalies"] = f"{remote}/anomalies.csv"
    context_path = write_context(context, folder)
    code = code_fingerprint()
    common = _hash_text(code, options.model_dump_json(),
                        *([params.page_size] if "pdf" in formats else []))

    manifest_path = folder / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    tasks = []
    for report in plan.reports:
        target = folder / report.folder
        if not inside(target, folder):  # safe_name makes this impossible; checked anyway
            raise BuildError(f"report folder {report.folder!r} would leave {folder}")
        fingerprint = report_fingerprint(report, slices, common, formats, templates)
        previous = manifest.get(report.key, {})
        outputs_exist = all((target / f"report.{fmt}").exists() for fmt in formats)
        if (not force and previous.get("status") == "ok" and previous.get("fingerprint") == fingerprint
                and outputs_exist):
            result.skipped.append(report.key)
            continue
        template = templates / report.template
        context_ref = f"{remote}/{context_path.name}" if remote else str(context_path.resolve())
        remote_fields = ({"upload_to": f"{remote}/{report.folder}",
                          "template_text": template.read_text(encoding="utf-8")} if remote else {})
        tasks.append({"key": report.key, "template": str(template), "folder": str(target.resolve()),
                      "parameters": {**report.parameters(), "context_path": context_ref},
                      **remote_fields,
                      "title": report.title, "running_header": report.title, "formats": formats,
                      "fingerprint": fingerprint, "report": report,
                      "pdf": {"kind": report.kind, "quarter": report.quarter, "team": report.team,
                              "department": report.department, "build": params.name,
                              "built": context.created, "page_size": params.page_size}})
        manifest[report.key] = {"kind": report.kind, "quarter": report.quarter, "team": report.team,
                                "department": report.department, "title": report.title,
                                "status": "pending", "fingerprint": fingerprint}
    if result.skipped:
        _log(f"Up to date, skipped: {len(result.skipped)} (use --force to rebuild)")
    jobs = jobs or params.jobs or os.cpu_count() or 1
    # One pool for reports and packs: each worker starts its kernel and PDF engine once,
    # and starts them now, while this process writes the close-the-loop lists.
    with _Workers(jobs, warm=bool(tasks) and scheduler is None, pdf="pdf" in formats) as workers:
        if workers.warm:
            workers.start()
        _write_close_the_loop(loop_lists, plan, folder, manifest,
                              rebuilt={t["key"] for t in tasks})
        if remote and tasks:
            publish(folder, remote)  # the data, context and inputs the workers read
        _execute(tasks, workers, result, manifest, scheduler, fetch_from=remote, folder=folder)
        if "pdf" in formats:
            pack_tasks = _plan_packs(folder, plan, manifest, result, params, context, force, code)
            _build_packs(pack_tasks, workers, result, manifest)
    manifest_path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    write_index(folder, plan, manifest, context, formats)
    result.seconds = time.perf_counter() - started
    _write_build_stats(folder, result, jobs)
    if publish_to:
        result.published = publish(folder, publish_to)
    _summarise(result)
    return result


def _check_rule_files(params):
    """Read the build's action, theme and benchmark files once, before any work: a missing
    or malformed one stops the build with its name (exit 2) instead of failing in every
    report. Returns the action rules (the build uses them itself)."""
    from .. import actions, benchmarks, themes

    rules = actions.load_rules(params.actions)
    if params.themes:
        themes.load_taxonomy(params.themes)
    if params.benchmarks:
        benchmarks.load_external_benchmarks(params.benchmarks)
    return rules


def _inputs_for_workers(options, folder: Path, remote: str):
    """The report options with the benchmark, theme and action files as URLs: copies go
    into ``<build>/inputs/`` and are published with the build for the workers to read."""
    import shutil

    urls = {}
    for key in ("benchmarks", "themes", "actions"):
        if getattr(options, key):
            copy = folder / "inputs" / f"{key}.yaml"
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(getattr(options, key), copy)
            urls[key] = f"{remote}/inputs/{key}.yaml"
    return options.model_copy(update=urls)


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
             **{k: (round(v) if v is not None else None) for k, v in peaks.items()}}
    (folder / "build_stats.json").write_text(json.dumps(stats, indent=2), encoding="utf-8")


def _write_close_the_loop(loop_lists: dict, plan, folder: Path, manifest: dict, rebuilt: set) -> None:
    """Write each team's detractors (and promoters to engage) beside its report.

    The lists name customers, so they are spreadsheets for the team only: never part of
    an HTML or PDF report or a pack. Written for every report being built, or when missing.
    ``loop_lists``: quarter -> team -> (detractors, promoters), see
    :func:`nps_report.tables.build.close_the_loop_lists`.
    """
    from .. import closeloop

    for report in plan.reports:
        if report.kind != "team":
            continue
        target = folder / report.folder
        if report.key not in rebuilt and (target / "close_the_loop.xlsx").exists():
            continue
        lists = loop_lists[report.quarter].get(report.team)
        if lists is None:  # every response of the team expired: empty lists
            lists = (pd.DataFrame(columns=closeloop.DETRACTOR_COLUMNS),
                     pd.DataFrame(columns=closeloop.PROMOTER_COLUMNS))
        detractors, promoters = lists
        target.mkdir(parents=True, exist_ok=True)
        closeloop.write_close_the_loop(detractors, promoters, target)
        manifest.setdefault(report.key, {})["extra_links"] = {
            "close-the-loop XLSX": f"{report.folder}/close_the_loop.xlsx",
            "CSV": f"{report.folder}/close_the_loop.csv"}


class _Workers:
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


def _run(function, payloads, workers, record) -> None:
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
            record(_failure(payload, exc))
        return
    for future in as_completed(futures):
        record(_outcome(future, futures[future]))


def _execute(tasks, workers, result, manifest, scheduler=None, fetch_from=None, folder=None):
    if not tasks:
        return
    from tqdm import tqdm

    from . import worker

    payloads = [{k: v for k, v in t.items() if k != "report"} for t in tasks]
    by_key = {t["key"]: t for t in tasks}
    bar = tqdm(total=len(tasks), desc="Reports", unit="report", file=sys.stderr, disable=None,
               dynamic_ncols=True)
    failed = 0

    def record(outcome):
        nonlocal failed
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
        if outcome["status"] != "ok":
            failed += 1
            entry["fingerprint"] = None
            report = task["report"]
            where = f"cell {outcome['cell']}" if outcome.get("cell") else "before execution"
            bar.write(f"FAILED {report.title}: {where}: {outcome['error']}", file=sys.stderr)
        bar.set_postfix(done=len(result.results) - failed, failed=failed,
                        remaining=len(tasks) - len(result.results))
        bar.update(1)

    if scheduler is not None:
        from .distributed import execute_on_dask

        execute_on_dask(payloads, scheduler, record)
    else:
        from .kernels import shutdown_all

        try:
            _run(worker.execute_report, payloads, workers, record)
        finally:
            shutdown_all()  # no kernel outlives the build in this process (workers end with the pool)
    bar.close()


def _plan_packs(folder: Path, plan: Plan, manifest: dict, result: BuildResult, params, context,
                force: bool, code: str) -> list:
    """One pack task per department and quarter of the plan that needs (re)building.

    A pack holds the department summary and every team report of the department and
    quarter recorded in the manifest (so a build narrowed with ``-t`` still packs the
    department's other teams). It is rebuilt when one of its parts was rebuilt this run,
    when it is missing, when its parts or their statuses changed, or with ``force``.
    """
    tasks = []
    summaries = [r for r in plan.reports if r.kind == "department"]
    for summary in summaries:
        parts = [{"kind": "department", "name": summary.department, "folder": summary.key,
                  "html_path": str((folder / summary.folder / "report.html").resolve()),
                  "status": manifest.get(summary.key, {}).get("status", "pending")}]
        for key, entry in manifest.items():
            if (entry.get("kind") == "team" and entry.get("quarter") == summary.quarter
                    and entry.get("department") == summary.department):
                parts.append({"kind": "team", "name": entry["team"], "folder": key,
                              "html_path": str((folder / key / "report.html").resolve()),
                              "status": entry.get("status", "pending"), "error": entry.get("error")})
        key = f"{summary.quarter}/packs/{Path(summary.folder).name}.pdf"
        target = folder / key
        if not inside(target, folder):
            raise BuildError(f"pack {key!r} would leave {folder}")
        fingerprint = _hash_text(code, params.page_size, *sorted(
            (p["folder"], p["status"], manifest.get(p["folder"], {}).get("fingerprint")) for p in parts))
        previous = manifest.get(key, {})
        rebuilt = any(p["folder"] in result.results for p in parts)
        if (not force and not rebuilt and target.exists() and previous.get("status") == "ok"
                and previous.get("fingerprint") == fingerprint):
            result.packs_skipped.append(key)
            continue
        tasks.append({"key": key, "path": str(target.resolve()), "department": summary.department,
                      "quarter": summary.quarter, "build": params.name, "built": context.created,
                      "page_size": params.page_size, "parts": parts, "fingerprint": fingerprint})
        manifest[key] = {"kind": "pack", "quarter": summary.quarter, "team": None,
                         "department": summary.department,
                         "title": f"{summary.department} department pack · {summary.quarter}",
                         "status": "pending", "fingerprint": fingerprint}
    return tasks


def _build_packs(tasks, workers, result: BuildResult, manifest: dict) -> None:
    """Render the department packs (after every report of their quarter exists)."""
    if not tasks:
        if result.packs_skipped:
            _log(f"Department packs up to date: {len(result.packs_skipped)}")
        return
    from tqdm import tqdm

    from . import worker

    payloads = [{k: v for k, v in t.items() if k != "fingerprint"} for t in tasks]
    by_key = {t["key"]: t for t in tasks}
    bar = tqdm(total=len(tasks), desc="Packs", unit="pack", file=sys.stderr, disable=None,
               dynamic_ncols=True)

    def record(outcome):
        key = outcome["key"]
        result.packs[key] = outcome
        entry = manifest[key]
        entry.update(status=outcome["status"], seconds=round(outcome["seconds"], 2),
                     error=outcome.get("error"), pages=outcome.get("pages"),
                     contents_pages=outcome.get("contents_pages"), starts=outcome.get("starts", {}),
                     included=outcome.get("included", []),
                     not_included=outcome.get("not_included", []))
        if outcome["status"] != "ok":
            entry["fingerprint"] = None
            bar.write(f"FAILED pack {entry['title']}: {outcome['error']}", file=sys.stderr)
        else:
            entry["fingerprint"] = by_key[key]["fingerprint"]
        bar.update(1)

    _run(worker.build_pack, payloads, workers, record)
    bar.close()


def _outcome(future, payload) -> dict:
    """A worker's result, or a failure record when the worker process itself died."""
    try:
        return future.result()
    except Exception as exc:  # e.g. BrokenProcessPool after a crash: that item failed, others go on
        return _failure(payload, exc)


def _failure(payload, exc) -> dict:
    return {"key": payload["key"], "status": "failed", "cell": None, "seconds": 0.0, "timings": {},
            "error": f"worker process failed: {type(exc).__name__}: {exc}"}


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
