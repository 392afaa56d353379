"""Department packs in a build: which to (re)build, from which parts, and building them."""

from __future__ import annotations

import sys
from pathlib import Path

from ..exceptions import BuildError
from .execution import item_recorded, run_each
from .fingerprints import file_hash, hash_text
from .plan import inside

__all__ = ["GONE", "build_packs", "pack_payload", "pack_recorder", "plan_packs"]

#: Manifest status of a report or pack whose team or department is no longer in the data.
GONE = "gone"


def plan_packs(folder: Path, plan, manifest: dict, result, params, context, *, force: bool,
               code: str) -> list:
    """One pack task per department and quarter of the plan that needs (re)building.

    A pack holds the department summary and every team report of the department and
    quarter recorded in the manifest (so a build narrowed with ``-t`` still packs the
    department's other teams), except teams no longer in the data (status ``gone``). It is
    rebuilt when one of its parts was rebuilt this run, when it is missing, when its parts
    or their statuses changed, or with ``force``.
    """
    tasks = []
    for summary in (r for r in plan.reports if r.kind == "department"):
        parts = [{"kind": "department", "name": summary.department, "folder": summary.key,
                  "html_path": str((folder / summary.folder / "report.html").resolve()),
                  "status": manifest.get(summary.key, {}).get("status", "pending")}]
        for key, entry in manifest.items():
            if (entry.get("kind") == "team" and entry.get("quarter") == summary.quarter
                    and entry.get("department") == summary.department
                    and entry.get("status") != GONE):
                parts.append({"kind": "team", "name": entry["team"], "folder": key,
                              "html_path": str((folder / key / "report.html").resolve()),
                              "status": entry.get("status", "pending"), "error": entry.get("error")})
        key = f"{summary.quarter}/packs/{Path(summary.folder).name}.pdf"
        target = folder / key
        if not inside(target, folder):
            raise BuildError(f"pack {key!r} would leave {folder}")
        fingerprint = hash_text(code, params.page_size, *sorted(
            (p["folder"], p["status"], manifest.get(p["folder"], {}).get("fingerprint")) for p in parts))
        previous = manifest.get(key, {})
        rebuilt = any(p["folder"] in result.results for p in parts)
        if (not force and not rebuilt and previous.get("status") == "ok"
                and previous.get("fingerprint") == fingerprint and _same_file(target, previous)):
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


def _hash_or_none(path):
    try:
        return file_hash(path)
    except OSError:
        return None


def _same_file(target: Path, previous: dict) -> bool:
    """True when the pack on disk is the one the manifest recorded (same SHA-256)."""
    return target.exists() and previous.get("sha256") is not None \
        and _hash_or_none(target) == previous["sha256"]


def build_packs(tasks, workers, result, manifest: dict, save=None) -> None:
    """Render the department packs (after every report of their quarter exists).

    ``save`` is called after each pack is recorded (the runner rewrites the manifest);
    a pack failing on the output's file system raises
    :class:`~nps_report.exceptions.OutputError`.
    """
    if not tasks:
        return
    from tqdm import tqdm

    from . import worker

    payloads = [pack_payload(t) for t in tasks]
    bar = tqdm(total=len(tasks), desc="Packs", unit="pack", file=sys.stderr, disable=None,
               dynamic_ncols=True)
    try:
        run_each(worker.build_pack, payloads, workers, pack_recorder(tasks, result, manifest, bar, save))
    finally:
        bar.close()


def pack_payload(task: dict) -> dict:
    """What a worker gets of a pack task (the task without its fingerprint)."""
    return {k: v for k, v in task.items() if k != "fingerprint"}


def pack_recorder(tasks, result, manifest: dict, bar, save=None):
    """A function recording a pack's outcome (results, manifest, progress ``bar``), then
    :func:`~nps_report.pipeline.execution.item_recorded` (``save``; a fault of the
    output's file system stops the build)."""
    by_key = {t["key"]: t for t in tasks}

    def record(outcome):
        key = outcome["key"]
        result.packs[key] = outcome
        entry = manifest[key]
        entry.update(status=outcome["status"], seconds=round(outcome["seconds"], 2),
                     error=outcome.get("error"), pages=outcome.get("pages"),
                     contents_pages=outcome.get("contents_pages"), starts=outcome.get("starts", {}),
                     included=outcome.get("included", []),
                     not_included=outcome.get("not_included", []), clock=outcome.get("clock"))
        if outcome["status"] != "ok":
            entry["fingerprint"] = None
            bar.write(f"FAILED pack {entry['title']}: {outcome['error']}", file=sys.stderr)
        else:
            entry["fingerprint"] = by_key[key]["fingerprint"]
            entry["sha256"] = outcome.get("sha256") or _hash_or_none(by_key[key]["path"])
        bar.update(1)
        item_recorded(outcome, save)

    return record
