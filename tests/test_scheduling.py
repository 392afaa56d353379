"""The build's work items run as soon as what they read is final (execution.run_work)."""

from __future__ import annotations

import os
import time

import pytest

from nps_report.pipeline.execution import Work, Workers, run_work


def echo(payload: dict) -> dict:
    """A work item for the pool: waits a little, returns its key and the worker's pid."""
    time.sleep(payload.get("sleep", 0.0))
    return {"key": payload["key"], "status": "ok", "pid": os.getpid()}


def test_items_run_by_priority_and_what_becomes_ready_runs_after_its_parts_here():
    done = []

    def record(outcome):
        done.append(outcome["key"])
        if outcome["key"] == "team b":
            return [Work(echo, {"key": "summary"}, record, priority=1)]
        return []

    run_work([Work(echo, {"key": "overview"}, record, priority=2),
              Work(echo, {"key": "team a"}, record, priority=0),
              Work(echo, {"key": "team b"}, record, priority=0)], None)
    assert done == ["team a", "team b", "summary", "overview"]


def test_in_the_workers_a_summary_waits_for_its_teams_and_meanwhile_runs_beside_them():
    recorded, teams_left, when = [], {"t1", "t2", "t3"}, {}

    def record(outcome):
        recorded.append(outcome["key"])
        teams_left.discard(outcome["key"])
        if outcome["key"].startswith("t") and not teams_left:
            return [Work(echo, {"key": "summary"}, record, priority=1)]
        return []

    def meanwhile():
        when["meanwhile started"] = len(recorded)
        time.sleep(0.5)

    items = [Work(echo, {"key": k, "sleep": 0.3}, record, priority=0) for k in ("t1", "t2", "t3")]
    items.append(Work(echo, {"key": "overview", "sleep": 0.3}, record, priority=2))
    with Workers(2, warm=False, pdf=False) as workers:
        run_work(items, workers, meanwhile=meanwhile)
    assert sorted(recorded) == ["overview", "summary", "t1", "t2", "t3"]
    assert recorded.index("summary") > max(recorded.index(t) for t in ("t1", "t2", "t3"))
    assert when["meanwhile started"] < 3  # it ran while the team items were in the workers


def test_an_error_of_the_meanwhile_work_is_raised_after_the_items():
    recorded = []

    def meanwhile():
        raise OSError("disk full")

    with Workers(2, warm=False, pdf=False) as workers, pytest.raises(OSError, match="disk full"):
        run_work([Work(echo, {"key": f"r{i}"}, lambda o: recorded.append(o["key"])) for i in range(3)],
                 workers, meanwhile=meanwhile)
    assert sorted(recorded) == ["r0", "r1", "r2"]
