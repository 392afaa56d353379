"""The build's fixed cost: everything the build process does before the first report starts.

Runs the project's own ``run_build`` with the report workers replaced by stand-ins that
build nothing, so what is measured is exactly the build process's work before a report:
reading and validating the export, ``rejected.csv``/``duplicates.csv``, the plan, the
responses' Parquet file, the build tables of every quarter (NPS, changes, ranks, anomaly
flags, follow-up and close-the-loop lists) and ``context.json``, the close-the-loop
spreadsheets the build process still writes (teams up to date whose file is missing).
Prints wall and CPU seconds (``time.process_time``), the peak memory (RSS) of this
process and, with ``--profile``, the functions that took the most CPU. Then, apart,
the CPU seconds of the close-the-loop spreadsheets the workers write with each team
report (done here one after the other: not part of the time before the first report).

Usage::

    python bench/fixed_cost.py PARAMS.yaml [--profile out.prof] [--json out.json]

``bench/run.py --fixed-cost`` writes a build file for generated data and runs this.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path


class _NoWorkers:
    """Stands in for the build's worker pool: starts nothing."""

    warm = False
    jobs = 1  # the runner's one-process path: execute_reports and build_packs, stubbed below

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def start(self):
        pass


# The steps of run_build before the first report, by the runner's own names.
PHASES = {
    "load_data": "load + validation (+ rejected.csv, duplicates.csv)",
    "make_plan": "plan",
    "write_responses": "responses.parquet (in a thread: its own CPU)",
    "slice_fingerprints": "data fingerprints",
    "_write_build_tables": "build tables of every quarter (+ close-the-loop lists)",
    "mark_gone": "reports gone from the data",
    "_report_tasks": "report tasks (fingerprints of the printed build rows)",
    "_write_close_the_loop": "close-the-loop spreadsheets (xlsx + csv per team)",
}
#: Work the build hands to the workers with each team report (not before the first report).
IN_WORKERS = "close-the-loop spreadsheets, written by the workers with each team report"


@contextmanager
def phases_timed(seconds: dict):
    """Wrap the runner's steps (:data:`PHASES`) to add their CPU seconds to ``seconds``."""
    from nps_report.pipeline import runner

    saved = {name: getattr(runner, name) for name in PHASES if hasattr(runner, name)}

    def timed(name, func):
        def wrapper(*args, **kwargs):
            # A step the runner runs in a thread of its own (responses.parquet, written while
            # the build tables are computed) is timed by its thread's CPU; the others by the
            # process's, which then also holds that thread's CPU while they overlap it.
            clock = time.process_time if threading.current_thread() is threading.main_thread() \
                else time.thread_time
            started = clock()
            try:
                return func(*args, **kwargs)
            finally:
                seconds[name] = seconds.get(name, 0.0) + clock() - started
        return wrapper

    for name, func in saved.items():
        setattr(runner, name, timed(name, func))
    try:
        yield seconds
    finally:
        for name, func in saved.items():
            setattr(runner, name, func)


@contextmanager
def reports_skipped():
    """Patch the runner so that it plans and prepares every report but executes none."""
    from nps_report.pipeline import runner

    saved = runner.Workers, runner.execute_reports, runner.build_packs
    runner.Workers = _NoWorkers
    runner.execute_reports = lambda *args, **kwargs: None
    runner.build_packs = lambda *args, **kwargs: None
    try:
        yield
    finally:
        runner.Workers, runner.execute_reports, runner.build_packs = saved


def measure(params_path, *, profile: str = "", in_workers: bool = True) -> dict:
    """Run the build's fixed part once; return seconds (wall, CPU) and peak RSS (MB)."""
    from nps_report import params as build_params
    from nps_report.pipeline.runner import run_build
    from nps_report.pipeline.worker import peak_rss_mb

    from nps_report.closeloop import write_close_the_loop
    from nps_report.pipeline import runner

    build = build_params.load_params(params_path)
    profiler = cProfile.Profile() if profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    phases, handed = {}, []
    given = runner._close_the_loop_in_tasks

    def keep(build_, tasks):  # the team tasks carrying their lists, written below
        handed.extend(tasks)
        return given(build_, tasks)

    runner._close_the_loop_in_tasks = keep
    try:
        with reports_skipped(), phases_timed(phases):
            if profiler:
                profiler.enable()
            run_build(build, formats=["html"], force=True)
            if profiler:
                profiler.disable()
    finally:
        runner._close_the_loop_in_tasks = given
    out = {"wall_seconds": round(time.perf_counter() - wall, 2),
           "cpu_seconds": round(time.process_time() - cpu, 2),
           "peak_rss_mb": round(peak_rss_mb()),
           "cpu_seconds_per_step": {PHASES[k]: round(v, 2) for k, v in phases.items()}}
    if profiler:
        profiler.dump_stats(profile)
    # What the workers do with each team report, done here one after the other to time it.
    started = time.process_time()
    for task in handed if in_workers else ():
        if task.get("close_the_loop") is not None:
            write_close_the_loop(*task["close_the_loop"], task["folder"])
    out["cpu_seconds_in_workers"] = {IN_WORKERS: round(time.process_time() - started, 2),
                                     "team reports": len(handed) if in_workers else 0}
    if profiler:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("params", help="the build file (YAML)")
    parser.add_argument("--profile", default="", help="write a cProfile to this file and print its top")
    parser.add_argument("--json", default="")
    parser.add_argument("--no-in-workers", action="store_true",
                        help="skip timing the close-the-loop spreadsheets the workers write (about 35 s at 1M)")
    args = parser.parse_args(argv)
    result = measure(Path(args.params), profile=args.profile, in_workers=not args.no_in_workers)
    print(f"fixed cost before the first report: {result['wall_seconds']:.1f} s wall, "
          f"{result['cpu_seconds']:.1f} s CPU, peak RSS {result['peak_rss_mb']} MB")
    for step, seconds in result["cpu_seconds_per_step"].items():
        print(f"  {step:58s} {seconds:7.2f} s CPU")
    print("  (the steps the parquet thread overlaps, fingerprints and build tables, also count its CPU;\n"
          "   the total is the process's CPU, each second once)")
    moved = result["cpu_seconds_in_workers"]
    print(f"not before the first report: {IN_WORKERS}: {moved[IN_WORKERS]:.2f} s CPU "
          f"for {moved['team reports']} team reports")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
