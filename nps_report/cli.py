"""The ``nps-report`` command: parse arguments, call the package, map errors to exit codes."""

from __future__ import annotations

import argparse
import sys
import time

from . import __version__
from .exceptions import BuildInterrupted, NpsReportError

EPILOG = """\
examples:
  nps-report demo                            build the demo reports into output/demo/ (from any folder)
  nps-report demo-data output/demo-data      write the synthetic demo survey
  nps-report summary params/demo.yaml        NPS per team and quarter, with intervals
  nps-report build params/demo.yaml          every report of the build's quarter(s)
  nps-report send params/demo.yaml           write each department's message to output/demo/outbox/
  nps-report send params/demo.yaml --smtp    send them (server: send.smtp or NPS_REPORT_SMTP_HOST)

exit codes: 0 done, 1 some reports (or messages) failed, or the output could not be written
after some were built, 2 unusable input (file, params) or nothing could start (output not
writable, another build writing the same folder), 130 interrupted (Ctrl-C; run again to resume)."""


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_demo_data(args) -> int:
    from . import demo

    started = time.perf_counter()
    _say(f"Generating the demo survey (seed {args.seed}) ...")
    path = demo.write_demo_data(args.out_dir, seed=args.seed)
    _say(f"Wrote {path} in {time.perf_counter() - started:.1f} s")
    return 0


def cmd_summary(args) -> int:
    import pandas as pd

    from . import io, params as params_mod, summary
    from .spreadsheets import write_csv

    params = params_mod.load_params(args.params)
    started = time.perf_counter()
    _say(f"Loading {params.data.path or params.data.sql.url} ...")
    result = io.load_responses(params)
    _say(f"Loaded in {time.perf_counter() - started:.1f} s: {result.summary()}")
    for note in result.notes:
        _say(f"  note: {note}")
    from .pipeline.publish import output_location, publish

    root, url = output_location(params)  # a URL: written here, then published
    out_dir = root / params.name
    out_dir.mkdir(parents=True, exist_ok=True)
    rejected_path = io.write_rejected(result, out_dir / "rejected.csv")
    io.write_duplicates(result, out_dir / "duplicates.csv")
    table = summary.team_quarter_table(result.responses, params)
    table_path = out_dir / "nps_by_team_quarter.csv"
    write_csv(table, table_path)
    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 250):
        print(summary.format_table(table).to_string())
    _say(f"Wrote {table_path} and {rejected_path} ({result.counts['rejected']} rejected rows)")
    if url:
        published = publish(out_dir, url)
        _say(f"Published to {url}: {published.uploaded} files uploaded, {published.unchanged} unchanged")
    return 0


def _split(values):
    """``["a,b", "c"]`` -> ``["a", "b", "c"]``; ``None`` stays ``None``."""
    if not values:
        return None
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def cmd_build(args) -> int:
    from . import params as params_mod

    return _build(params_mod.load_params(args.params), args)


def _build(params, args) -> int:
    """Run ``params`` with the build options of the command line; the exit code."""
    from .pipeline import run_build

    formats = _split([args.formats]) if args.formats else None
    unknown = [f for f in formats or [] if f not in ("html", "pdf")]
    if unknown:
        _say(f"nps-report: error: --formats takes html and/or pdf, got {', '.join(unknown)}")
        return 2
    result = run_build(params, quarters=_split(args.quarter), teams=args.team,
                       departments=args.department, jobs=args.jobs, formats=formats,
                       force=args.force, dry_run=args.dry_run, scheduler=args.scheduler,
                       templates_dir=args.templates, wait=args.wait)
    return result.exit_code


def cmd_demo(args) -> int:
    """Write the demo survey and build it with the shipped demo build file."""
    from pathlib import Path

    from . import demo, params as params_mod
    from .resources import demo_build_file

    out = Path(args.folder)
    data = demo.write_demo_data(out / "demo-data")
    _say(f"Wrote the demo survey: {data}")
    raw = params_mod.load_yaml(demo_build_file())
    raw["data"]["path"] = str(data)
    raw["output_dir"] = str(out)
    # One team's returned action log of the earlier quarter: the reports follow it up.
    from .followup.demo import write_demo_action_log

    # absolute paths: a relative loop.returns is read from the build file's folder (here the
    # package's), which is not where the demo writes
    raw["action_log"] = str(write_demo_action_log(out / "demo-data" / "actions" / "returned").parent.resolve())
    # a team lead's returned close-the-loop workbook for the earlier quarter (two bad rows)
    raw["loop"] = {**(raw.get("loop") or {}), "returns": str(demo.write_demo_returns(out / "demo-data").resolve())}
    return _build(params_mod.parse_params(raw, path=demo_build_file()), args)


def cmd_send(args) -> int:
    from . import params as params_mod
    from .delivery import send_packs

    params = params_mod.load_params(args.params)
    result = send_packs(params, quarter=args.quarter, smtp=args.smtp, resend=args.resend,
                        outbox=args.outbox, include_team_pdfs=args.include_team_pdfs or None)
    return result.exit_code


def cmd_notebook(args) -> int:
    from .notebook import create_notebook

    path = create_notebook(args.name, build=args.build, folder=args.folder)
    _say(f"Created {path}; open it with: make lab")
    return 0


def cmd_inspect(args) -> int:
    from .io import inspect as inspect_mod

    report = inspect_mod.inspect_file(args.file, format=args.format, encoding=args.encoding,
                                      survey_definition=args.survey_definition,
                                      told_by="given with --format")
    print(inspect_mod.format_report(report))
    # A file that cannot be loaded as it is (an "error" problem) is a failed check.
    return 2 if any(p.level == "error" for p in report.problems) else 0


def _build_options(p) -> argparse.ArgumentParser:
    """The options ``build`` and ``demo`` share."""
    p.add_argument("-q", "--quarter", action="append", metavar="Q",
                   help="quarter(s) to build, e.g. 2026Q3 (repeat or comma-separate; default: the build file's)")
    p.add_argument("-t", "--team", action="append", metavar="TEAM", help="only this team (repeat for several)")
    p.add_argument("-d", "--department", action="append", metavar="DEPT", help="only this department (repeat for several)")
    p.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                   help="parallel worker processes (default: number of cores)")
    p.add_argument("--formats", default=None, metavar="LIST", help="html,pdf (default: the build file's)")
    p.add_argument("--force", action="store_true", help="rebuild reports that are up to date")
    p.add_argument("--dry-run", action="store_true", help="print the plan, build nothing")
    p.add_argument("--wait", action="store_true",
                   help="when another build is writing the same output folder, wait for it "
                        "(default: stop with exit code 2)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run the reports on a dask.distributed cluster, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--templates", default=None, metavar="DIR",
                   help="folder of your own report templates (team_report.ipynb, "
                        "department_summary.ipynb, company_overview.ipynb; default: the build "
                        "file's templates, else the shipped ones)")
    return p


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nps-report", description="Turn NPS survey exports into per-team and per-quarter reports.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"nps-report {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("demo", help="build the demo reports from the embedded demo survey",
                       description="Write the seeded synthetic survey to FOLDER/demo-data/nps_demo.csv "
                                   "and build it with the shipped demo build file into FOLDER/demo/ "
                                   "(index.html lists every report). Works from any folder.")
    p.add_argument("folder", nargs="?", default="output", metavar="FOLDER",
                   help="where to write the survey and the build (default: output)")
    _build_options(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("demo-data", help="write the seeded synthetic demo survey (CSV)")
    p.add_argument("out_dir", metavar="OUT_DIR", help="folder to write nps_demo.csv into")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the demo's own)")
    p.set_defaults(func=cmd_demo_data)

    p = sub.add_parser("summary", help="print and write the NPS per team and quarter")
    p.add_argument("params", metavar="PARAMS", help="build file (YAML), e.g. params/demo.yaml")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("build", help="build every report of a build file (HTML, PDF, packs)",
                       description="Load and validate the data once, then build each team report, "
                                   "department summary and company overview of the chosen quarters.")
    p.add_argument("params", metavar="PARAMS", help="build file (YAML), e.g. params/demo.yaml")
    _build_options(p)
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("send", help="send each department's pack to its recipients (outbox or SMTP)",
                       description="Compose one message per department listed under send.departments "
                                   "in the build file: its pack of the quarter attached, its headline "
                                   "(NPS with interval, significant changes, top actions) in the body. "
                                   "By default the messages are written as .eml files to the outbox "
                                   "to check; --smtp sends them. What was sent is recorded in "
                                   "<build>/sent.jsonl; a pack already sent unchanged is not sent again.")
    p.add_argument("params", metavar="PARAMS", help="build file (YAML) with a send: section, already built")
    p.add_argument("-q", "--quarter", default=None, metavar="Q",
                   help="the quarter whose packs to send (default: the build's latest)")
    p.add_argument("--smtp", action="store_true",
                   help="send through the SMTP server of send.smtp / NPS_REPORT_SMTP_HOST "
                        "(login from NPS_REPORT_SMTP_USER and NPS_REPORT_SMTP_PASSWORD)")
    p.add_argument("--resend", action="store_true", help="send packs already sent unchanged again")
    p.add_argument("--outbox", default=None, metavar="DIR",
                   help="where to write the .eml files (default: send.outbox, else <build>/outbox)")
    p.add_argument("--include-team-pdfs", action="store_true",
                   help="attach each team's report PDF too (default: send.team_pdfs)")
    p.set_defaults(func=cmd_send)

    p = sub.add_parser("notebook", help="create an ad-hoc analysis notebook under notebooks/")
    p.add_argument("name", metavar="NAME", help="name of the notebook (e.g. plan-question)")
    p.add_argument("--build", default="output/demo", metavar="DIR",
                   help="build folder whose data the notebook loads (default: output/demo)")
    p.add_argument("--folder", default="notebooks", metavar="DIR", help="where to create it")
    p.set_defaults(func=cmd_notebook)

    p = sub.add_parser("inspect", help="say what a survey export holds and suggest a params snippet")
    p.add_argument("file", metavar="FILE", help="a CSV, XLSX, Parquet, JSON or Qualtrics XML export")
    p.add_argument("--format", default="auto", help="force a layout, e.g. qualtrics, surveymonkey, csv")
    p.add_argument("--encoding", default="auto", help="force a text encoding, e.g. utf-8, latin-1")
    p.add_argument("--survey-definition", default=None, metavar="QSF",
                   help="a Qualtrics survey definition (.qsf) naming the questions")
    p.set_defaults(func=cmd_inspect)
    return parser


def main(argv=None) -> int:
    """Entry point of the console script; returns the exit code.

    Run as the command (``argv`` None: the process is nps-report's own), it first keeps
    out the imports no command uses (:func:`nps_report.pipeline.processes.skip_unused_imports`);
    called from Python with ``argv``, it leaves the caller's session as it is.
    """
    if argv is None:
        from .pipeline.processes import skip_unused_imports

        skip_unused_imports()
    parser = make_parser()
    args = parser.parse_args(argv)
    if getattr(args, "seed", 0) is None:
        from .demo import DEMO_SEED

        args.seed = DEMO_SEED
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except BuildInterrupted as exc:  # Ctrl-C during a build: one line, what is done is kept
        _say(str(exc))
        return exc.exit_code
    except NpsReportError as exc:
        _say(f"nps-report: error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        _say("nps-report: interrupted")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
