"""The project's benchmark: load/validation time, per-report cost, wall time, peak memory,
and the same reports built the naive way (papermill CLI + nbconvert CLI + WeasyPrint CLI).

Usage (from the project root; `make bench` runs the demo-size case):

    .venv/bin/python bench/run.py --responses 60000 --teams 30 --quarters 8
    .venv/bin/python bench/run.py --responses 1000000 --teams 200 --limit-teams 50,100,200 --formats html
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
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


def main(argv=None) -> int:
    global _formats
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=60_000)
    parser.add_argument("--teams", type=int, default=30)
    parser.add_argument("--quarters", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--formats", default="html,pdf")
    parser.add_argument("--naive", type=int, default=6, help="reports built the naive way (0: skip)")
    parser.add_argument("--limit-teams", default="", help="e.g. 50,100,200: also time builds of that many teams")
    parser.add_argument("--keep", default="", help="folder to keep the data and outputs in")
    args = parser.parse_args(argv)
    _formats = tuple(args.formats.split(","))
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="nps-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    data = make_data(folder, args.responses, args.teams, args.quarters)
    params_path = write_params(folder, data, _formats)
    results = {"size": vars(args)}
    print("components (best of 3 after a warm-up; one run for the slow ones):")
    from components import run as time_components  # bench/ is on sys.path as the script's folder

    results["components"] = time_components()
    results["load"] = time_load(params_path)
    print(f"load + validation: {results['load']['load_seconds']:.1f} s for {results['load']['rows']:,} rows "
          f"(peak RSS of this process {results['load']['peak_rss_mb']:.0f} MB)")
    results["build"] = time_build(params_path, jobs=args.jobs)
    b = results["build"]
    print(f"build: {b['reports']} reports in {b['wall_seconds']:.1f} s wall "
          f"= {b['per_report_amortized']:.2f} s per report amortized; failed {b['failed']}")
    print("  mean per report: " + ", ".join(f"{k} {v:.2f} s" for k, v in b["split_mean_seconds"].items()))
    print("  peak memory (RSS): " + ", ".join(f"{k} {v} MB" for k, v in b["peak_mb"].items()))
    children = peak_rss_mb(resource.RUSAGE_CHILDREN)
    print(f"  peak RSS of the largest child process (build, workers or kernels): {children:.0f} MB")
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
    if args.naive:
        naive = time_naive(params_path, args.naive)
        results["naive"] = naive
        ratio = naive["per_report"] / b["per_report_amortized"]
        print(f"naive loop (papermill CLI + nbconvert CLI{' + weasyprint CLI' if 'pdf' in _formats else ''}): "
              f"{naive['per_report']:.2f} s per report over {naive['reports']} reports; "
              f"the build is {ratio:.1f}x faster per report")
        results["speedup"] = ratio
    (folder / "bench_results.json").write_text(json.dumps(results, indent=2, default=str))
    print(f"results: {folder / 'bench_results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
