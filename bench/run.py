"""The project's benchmark: load/validation time, per-report cost, wall time, peak memory,
and the same reports built the naive way (papermill CLI + nbconvert CLI + WeasyPrint CLI).

Usage (from the project root; `make bench` runs the demo-size case, `make bench RUNS=3`
three times with medians, `make bench LOADED=1` adds the loaded-machine case):

    .venv/bin/python bench/run.py --responses 60000 --teams 30 --quarters 8 --runs 3 --loaded
    .venv/bin/python bench/run.py --responses 1000000 --teams 200 --naive 0 --fixed-cost --formats html
    .venv/bin/python bench/run.py --responses 1000000 --teams 200 --limit-teams 50,100,200 --formats html
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from nps_report.pipeline.worker import peak_rss_mb

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def make_data(folder: Path, responses: int, teams: int, quarters: int) -> Path:
    from nps_report import demo

    started = time.perf_counter()
    path = demo.write_demo_data(folder, n_responses=responses, n_teams=teams, n_quarters=quarters)
    print(f"generated {responses:,} responses, {teams} teams, {quarters} quarters "
          f"in {time.perf_counter() - started:.1f} s -> {path}")
    return path


def write_params(folder: Path, data: Path, formats) -> Path:
    text = (ROOT / "params" / "demo.yaml").read_text()
    text = text.replace("path: output/demo-data/nps_demo.csv", f"path: {data}")
    text = text.replace("name: demo", "name: bench")
    text += f"\noutput_dir: {folder / 'output'}\n"
    import yaml

    raw = yaml.safe_load(text)
    raw["formats"] = list(formats)
    path = folder / "bench.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def time_load(params_path: Path) -> dict:
    from nps_report import io, params

    build = params.load_params(params_path)
    started = time.perf_counter()
    result = io.load_responses(build)
    seconds = time.perf_counter() - started
    return {"load_seconds": seconds, "rows": result.counts["rows_read"], "peak_rss_mb": peak_rss_mb()}


def time_build(params_path: Path, *, jobs: int, teams=None, force=True) -> dict:
    """Run the project's build in a child process and collect its manifest timings."""
    args = [str(BIN / "nps-report"), "build", str(params_path), "--force", "--jobs", str(jobs)]
    for team in teams or []:
        args += ["--team", team]
    started = time.perf_counter()
    done = subprocess.run(args + ["--formats", ",".join(_formats)], capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):
        print(done.stderr[-3000:])
        raise SystemExit("build failed")
    manifest = json.loads((params_path.parent / "output" / "bench" / "manifest.json").read_text())
    # The manifest keeps every report ever built; count and time only this run's (its "Built N").
    built = re.search(r"Built (\d+), failed (\d+)", done.stderr)
    count = int(built.group(1)) + int(built.group(2)) if built else 0
    # The split per report is read from the manifest: exact for a full --force build.
    entries = [e for e in manifest.values() if e.get("timings")] if teams is None else []
    split = {}
    for entry in entries:
        for key, value in entry["timings"].items():
            split.setdefault(key, []).append(value)
    stats_path = params_path.parent / "output" / "bench" / "build_stats.json"
    memory = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    return {"wall_seconds": wall, "reports": count,
            "peak_mb": {"build process": memory.get("build_peak_mb"),
                        "largest worker": memory.get("worker_peak_mb"),
                        "largest kernel": memory.get("kernel_peak_mb")},
            "per_report_amortized": wall / max(count, 1),
            "split_mean_seconds": {k: sum(v) / len(v) for k, v in split.items()},
            "failed": sum(1 for e in manifest.values() if e.get("status") == "failed"),
            "stderr_tail": done.stderr.strip().splitlines()[-3:]}


def time_naive(params_path: Path, count: int) -> dict:
    """The loop an analyst would script from the docs: one CLI process per step and report."""
    context = params_path.parent / "output" / "bench" / "context.json"
    manifest = json.loads((params_path.parent / "output" / "bench" / "manifest.json").read_text())
    teams = [e for e in manifest.values() if e["kind"] == "team"][:count]
    work = Path(tempfile.mkdtemp(prefix="naive-"))
    started = time.perf_counter()
    for i, entry in enumerate(teams):
        out = work / f"r{i}.ipynb"
        subprocess.run([str(BIN / "papermill"), str(ROOT / "templates" / "team_report.ipynb"), str(out),
                        "-p", "team", entry["team"], "-p", "quarter", entry["quarter"],
                        "-p", "context_path", str(context), "--no-progress-bar"],
                       check=True, capture_output=True)
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(out)],
                       check=True, capture_output=True)
        if "pdf" in _formats:
            subprocess.run([str(BIN / "weasyprint"), str(out.with_suffix(".html")), str(out.with_suffix(".pdf"))],
                           check=True, capture_output=True)
    seconds = time.perf_counter() - started
    shutil.rmtree(work, ignore_errors=True)
    return {"reports": len(teams), "seconds": seconds, "per_report": seconds / max(len(teams), 1)}


_formats = ("html", "pdf")

#: The CPU-bound background load of the loaded-machine case: one busy loop per process.
BUSY_LOOP = "while True: pass"


@contextmanager
def busy_machine(processes: int = 2):
    """Run ``processes`` CPU-bound Python loops in the background; kill them (by pid) after."""
    busy = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(processes)]
    try:
        yield [p.pid for p in busy]
    finally:
        for process in busy:
            process.kill()
            process.wait()


def time_fixed_cost(params_path: Path) -> dict:
    """The build's fixed cost (load, validation, build tables: everything before the first
    report) in a child process of its own, so its peak memory is its own (bench/fixed_cost.py)."""
    out = params_path.parent / "fixed_cost.json"
    done = subprocess.run([sys.executable, str(Path(__file__).with_name("fixed_cost.py")),
                           str(params_path), "--json", str(out)], capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stderr[-3000:])
        raise SystemExit("fixed-cost run failed")
    return json.loads(out.read_text())


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def one_run(params_path: Path, args) -> dict:
    """One build of every report and (``--naive N``) N reports the naive way; the ratio."""
    run = {"build": time_build(params_path, jobs=args.jobs)}
    if args.naive:
        run["naive"] = time_naive(params_path, args.naive)
        run["speedup"] = run["naive"]["per_report"] / run["build"]["per_report_amortized"]
    return run


def print_run(run: dict, label: str) -> None:
    b = run["build"]
    print(f"{label}: build {b['reports']} reports in {b['wall_seconds']:.1f} s wall "
          f"= {b['per_report_amortized']:.2f} s per report amortized; failed {b['failed']}")
    print("    mean per report: " + ", ".join(f"{k} {v:.2f} s" for k, v in b["split_mean_seconds"].items()))
    print("    peak memory (RSS): " + _memory(b["peak_mb"]))
    if "naive" in run:
        naive = run["naive"]
        print(f"    naive loop (papermill CLI + nbconvert CLI"
              f"{' + weasyprint CLI' if 'pdf' in _formats else ''}): {naive['per_report']:.2f} s "
              f"per report over {naive['reports']} reports; the build is {run['speedup']:.1f}x faster")


def summarise(runs: list) -> dict:
    """Medians over runs of the wall time, the time per report, its split, the naive loop and the ratio."""
    builds = [r["build"] for r in runs]
    keys = sorted({k for b in builds for k in b["split_mean_seconds"]})
    out = {"runs": len(runs),
           "wall_seconds": median([b["wall_seconds"] for b in builds]),
           "per_report_amortized": median([b["per_report_amortized"] for b in builds]),
           "split_mean_seconds": {k: median([b["split_mean_seconds"].get(k) for b in builds]) for k in keys},
           "peak_mb": {k: max((b["peak_mb"].get(k) or 0) for b in builds) for k in builds[0]["peak_mb"]}}
    if all("naive" in r for r in runs):
        out["naive_per_report"] = median([r["naive"]["per_report"] for r in runs])
        out["speedup"] = median([r["speedup"] for r in runs])
    return out


def print_summary(summary: dict, label: str) -> None:
    print(f"{label}, median of {summary['runs']} run(s): {summary['per_report_amortized']:.2f} s per report "
          f"amortized ({summary['wall_seconds']:.1f} s wall)"
          + (f"; naive loop {summary['naive_per_report']:.2f} s per report; ratio {summary['speedup']:.1f}x"
             if "speedup" in summary else ""))
    print("    split per report (median of the runs' means): "
          + ", ".join(f"{k} {v:.2f} s" for k, v in summary["split_mean_seconds"].items()))
    print("    peak memory (RSS, largest over the runs): " + _memory(summary["peak_mb"]))


def _memory(peaks: dict) -> str:
    # no kernel when the workers run the reports' cells themselves (pipeline/inprocess.py)
    return ", ".join(f"{k} {v} MB" for k, v in peaks.items() if v)


def main(argv=None) -> int:
    global _formats
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=60_000)
    parser.add_argument("--teams", type=int, default=30)
    parser.add_argument("--quarters", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--formats", default="html,pdf")
    parser.add_argument("--naive", type=int, default=6, help="reports built the naive way per run (0: skip)")
    parser.add_argument("--runs", type=int, default=1,
                        help="repeat the build and the naive loop; medians (0: no build)")
    parser.add_argument("--loaded", action="store_true",
                        help="also measure with two CPU-bound background processes (killed after)")
    parser.add_argument("--fixed-cost", action="store_true",
                        help="measure the build's fixed cost (before the first report) in its own process")
    parser.add_argument("--no-components", action="store_true", help="skip the component timings")
    parser.add_argument("--limit-teams", default="", help="e.g. 50,100,200: also time builds of that many teams")
    parser.add_argument("--keep", default="", help="folder to keep the data and outputs in")
    parser.add_argument("--results", default="",
                        help="where to write bench_results.json (default: in the run's folder)")
    args = parser.parse_args(argv)
    _formats = tuple(args.formats.split(","))
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="nps-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    data = make_data(folder, args.responses, args.teams, args.quarters)
    params_path = write_params(folder, data, _formats)
    results = {"size": vars(args), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "machine": {"cores": os.cpu_count(), "load_average_at_start": os.getloadavg()}}
    if not args.no_components:
        print("components (best of 3 after a warm-up; one run for the slow ones):")
        from components import run as time_components  # bench/ is on sys.path as the script's folder

        results["components"] = time_components()
    results["load"] = time_load(params_path)
    print(f"load + validation: {results['load']['load_seconds']:.1f} s for {results['load']['rows']:,} rows "
          f"(peak RSS of this process {results['load']['peak_rss_mb']:.0f} MB)")
    if args.fixed_cost:
        fixed = results["fixed_cost"] = time_fixed_cost(params_path)
        print(f"fixed cost before the first report (load, validation, Parquet, build tables, "
              f"close-the-loop files): {fixed['wall_seconds']:.1f} s wall, {fixed['cpu_seconds']:.1f} s CPU, "
              f"peak RSS {fixed['peak_rss_mb']} MB")
    runs = []
    for number in range(1, args.runs + 1):
        runs.append(one_run(params_path, args))
        print_run(runs[-1], f"run {number}")
    results["runs"] = runs
    if runs:  # --runs 0: the load and fixed cost only
        results["quiet"] = summary = summarise(runs)
        print_summary(summary, "quiet machine" if not args.loaded else "without background load")
        # kept at the top level as before (one run: the run's own numbers)
        results["build"], results["speedup"] = runs[-1]["build"], summary.get("speedup")
    if args.loaded and args.runs:
        loaded_runs = []
        with busy_machine(2):
            for number in range(1, args.runs + 1):
                loaded_runs.append(one_run(params_path, args))
                print_run(loaded_runs[-1], f"loaded run {number} (two busy background processes)")
        results["loaded_runs"] = loaded_runs
        results["loaded"] = summarise(loaded_runs)
        print_summary(results["loaded"], "loaded machine (two CPU-bound background processes)")
    children = peak_rss_mb(resource.RUSAGE_CHILDREN)
    print(f"peak RSS of the largest child process (build, workers, kernels, naive loop): {children:.0f} MB")
    results["peak_child_rss_mb"] = children
    if args.limit_teams:
        import pandas as pd

        teams = pd.read_csv(data, usecols=["Team"])["Team"].value_counts().index.tolist()
        results["scaling"] = {}
        for count in [int(c) for c in args.limit_teams.split(",")]:
            timing = time_build(params_path, jobs=args.jobs, teams=teams[:count])
            results["scaling"][count] = timing
            print(f"  {count} teams: {timing['reports']} reports, {timing['wall_seconds']:.1f} s "
                  f"({timing['per_report_amortized']:.2f} s per report; build process peak "
                  f"{timing['peak_mb']['build process']} MB)")
    out = Path(args.results) if args.results else folder / "bench_results.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
