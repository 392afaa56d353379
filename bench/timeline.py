"""The timeline of one build, from its ``manifest.json`` and ``build_stats.json``.

Usage (after a build, e.g. ``nps-report demo /tmp/demo``)::

    python bench/timeline.py /tmp/demo/demo [--json out.json]

Prints, in seconds from the build's start: when the first report started (the build's
fixed cost before it), each worker's first start, last end, busy and idle time, when it
was ready and the CPU seconds it and its kernel had spent starting up, the
phases (team reports, summaries, packs) and the tail (from the moment the first worker
has nothing more to do to the end of the last item), then the CPU seconds: each
report's worker and kernel CPU, execute's wall time against the kernel's CPU, and the
build process's own CPU. Only items built in this run (with a ``clock`` entry, written
by :func:`nps_report.pipeline.worker.stop_clock`) are counted.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path


def timeline(folder: Path) -> dict:
    manifest = json.loads((folder / "manifest.json").read_text())
    stats = json.loads((folder / "build_stats.json").read_text())
    t0 = stats["started"]
    items = [dict(key=k, kind=v["kind"], timings=v.get("timings", {}), **v["clock"])
             for k, v in manifest.items() if v.get("clock") and v["clock"]["start"] >= t0 - 1]
    for item in items:
        item["start"] -= t0
        item["end"] -= t0
    by_worker = {}
    for item in sorted(items, key=lambda i: i["start"]):
        by_worker.setdefault(item["pid"], []).append(item)
    workers = {}
    for pid, own in by_worker.items():
        busy = sum(i["end"] - i["start"] for i in own)
        workers[pid] = {"items": len(own), "first_start": own[0]["start"], "last_end": own[-1]["end"],
                        "busy": busy, "idle_between": own[-1]["end"] - own[0]["start"] - busy,
                        "cpu": sum(i["cpu"] for i in own),
                        # the worker's first item carries its start-up (worker.stop_clock)
                        "startup": next(({**i["startup"], "ready": i["startup"]["ready"] - t0}
                                         for i in own if i.get("startup")), None),
                        "kernel_cpu": sum(i.get("kernel_cpu", 0) for i in own)}
    phases = {}
    for kind in ("team", "department", "overview", "pack"):
        own = [i for i in items if i["kind"] == kind]
        if own:
            phases[kind] = {"count": len(own), "first_start": min(i["start"] for i in own),
                            "last_end": max(i["end"] for i in own)}
    reports = [i for i in items if i["kind"] != "pack"]
    first_idle = min(w["last_end"] for w in workers.values()) if workers else None
    last_end = max(w["last_end"] for w in workers.values()) if workers else None

    def mean(values):
        values = [v for v in values if v is not None]
        return statistics.fmean(values) if values else None

    return {
        "wall": stats["seconds"], "reports": len(reports), "packs": len(items) - len(reports),
        "first_report_start": min((i["start"] for i in items), default=None),
        "after_last_item": stats["seconds"] - last_end if last_end is not None else None,
        "tail": (last_end - first_idle) if workers else None,
        "workers": workers, "phases": phases,
        "per_report_mean": {
            "wall (seconds of the item)": mean([i["end"] - i["start"] for i in reports]),
            "worker cpu": mean([i["cpu"] for i in reports]),
            "kernel cpu (execute)": mean([i.get("kernel_cpu") for i in reports]),
            **{f"worker {k.replace('_', ' ')}": mean([i.get(k) for i in reports])
               for k in ("execute_cpu", "html_cpu", "pdf_cpu")},
            **{f"timing {k}": mean([i["timings"].get(k) for i in reports])
               for k in ("kernel", "execute", "html", "pdf")},
        },
        "per_team_report_mean": {
            "execute wall": mean([i["timings"].get("execute") for i in reports if i["kind"] == "team"]),
            "kernel cpu": mean([i.get("kernel_cpu") for i in reports if i["kind"] == "team"]),
            "worker cpu": mean([i["cpu"] for i in reports if i["kind"] == "team"]),
            "worker execute cpu": mean([i.get("execute_cpu") for i in reports if i["kind"] == "team"]),
        },
        "build_cpu_seconds": stats.get("build_cpu_seconds"),
        "build_steps": stats.get("steps", {}),
    }


def show(t: dict) -> None:
    print(f"wall {t['wall']:.1f} s, {t['reports']} reports + {t['packs']} packs; "
          f"first item starts at {t['first_report_start']:.1f} s; "
          f"after the last item: {t['after_last_item']:.1f} s; tail (one worker idle): {t['tail']:.1f} s")
    for name, p in t["phases"].items():
        print(f"  {name:<10} {p['count']:>3} items  {p['first_start']:6.1f} -> {p['last_end']:6.1f} s")
    for pid, w in t["workers"].items():
        print(f"  worker {pid}: {w['items']} items, {w['first_start']:.1f} -> {w['last_end']:.1f} s, "
              f"busy {w['busy']:.1f} s, idle between items {w['idle_between']:.1f} s, "
              f"cpu {w['cpu']:.1f} s (worker)"
              # a pool worker runs its reports' cells itself: no kernel since issue 19's third pass
              + (f" + {w['kernel_cpu']:.1f} s (kernel)" if w["kernel_cpu"] else ""))
        up = w.get("startup")
        if up:
            print(f"    start-up: ready at {up['ready']:.1f} s; CPU then: worker {up.get('worker_cpu', 0):.2f} s"
                  + (f", kernel {up['kernel_cpu']:.2f} s" if up.get("kernel_cpu") else ""))
    print("  per report (mean): " + ", ".join(f"{k} {v:.3f}" for k, v in t["per_report_mean"].items()
                                               if v is not None))
    print("  per team report (mean): " + ", ".join(f"{k} {v:.3f}" for k, v in t["per_team_report_mean"].items()
                                                    if v is not None))
    print(f"  build process cpu: {t['build_cpu_seconds']} s; its steps (end, CPU so far): "
          + "; ".join(f"{k} {v['end']:.1f} s ({v['cpu']:.1f})" for k, v in t["build_steps"].items()))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the build folder (holds manifest.json)")
    parser.add_argument("--json", type=Path, help="also write the timeline here")
    args = parser.parse_args(argv)
    t = timeline(args.folder)
    show(t)
    if args.json:
        args.json.write_text(json.dumps(t, indent=1))


if __name__ == "__main__":
    main()
