"""Saving report tables (issue 19): the same Parquet files as ``DataFrame.to_parquet``, written
as one set (synced, then renamed, the folder synced once), never a half-written file."""

from __future__ import annotations

import dataclasses
import errno
import os

import numpy as np
import pandas as pd
import pytest

from nps_report import atomic
from nps_report.tables.saving import TABLES_FILE, load_tables, save_tables


@dataclasses.dataclass(frozen=True)
class Tables:
    headline: pd.DataFrame
    segments: pd.DataFrame
    note: str = ""


def _tables():
    headline = pd.DataFrame({"nps": [12.5, np.nan], "n": [40, 3], "team": ["A", "B"]})
    headline.attrs.update(status="ok", r2=0.41, notes=["few answers"], missing=float("nan"))
    segments = pd.DataFrame({"segment": ["plan", "plan", "region"],
                             "value": ["Pro", 3, None],  # values of several types
                             "label": pd.array(["a", None, "c"], dtype="string"),
                             "at": pd.to_datetime(["2026-08-01", None, "2026-09-30"], utc=True)})
    return Tables(headline=headline, segments=segments, note="x")


def _reference(frame: pd.DataFrame) -> pd.DataFrame:
    """What the writer before issue 19 handed to ``to_parquet``: a copy, mixed columns as text."""
    out = frame.copy()
    out.columns = [str(c) for c in out.columns]
    for column in out.columns:
        if out[column].dtype == object and len({type(v) for v in out[column].dropna()}) > 1:
            out[column] = out[column].map(lambda v: v if v is None or (isinstance(v, float) and np.isnan(v))
                                          else str(v))
    return out


def test_saved_files_are_the_bytes_to_parquet_writes(tmp_path):
    tables = _tables()
    save_tables(tables, tmp_path / "t", kind="team")
    for name in ("headline", "segments"):
        reference = tmp_path / f"{name}.parquet"
        _reference(getattr(tables, name)).to_parquet(reference, index=False)
        assert (tmp_path / "t" / f"{name}.parquet").read_bytes() == reference.read_bytes(), name
    back = load_tables(Tables, tmp_path / "t")
    assert back.segments["value"].tolist() == ["Pro", "3", None]
    assert back.headline.attrs["status"] == "ok" and back.headline.attrs["r2"] == 0.41
    assert back.note == "x"
    # the tables themselves are not changed by saving
    assert tables.segments["value"].tolist() == ["Pro", 3, None]


def test_a_set_that_fails_half_way_keeps_the_previous_set_and_no_temporary(tmp_path, monkeypatch):
    folder = tmp_path / "t"
    first = _tables()
    save_tables(first, folder, kind="team")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    calls = []
    real_fsync = os.fsync

    def full_disk(fd):
        calls.append(fd)
        if len(calls) == 2:  # the second Parquet file of the set cannot be synced
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_disk)
    changed = dataclasses.replace(first, headline=first.headline.assign(n=[1, 2]))
    with pytest.raises(OSError) as caught:
        save_tables(changed, folder, kind="team")
    assert caught.value.errno == errno.ENOSPC and str(folder / "segments.parquet") in str(caught.value)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # not even headline renamed
    monkeypatch.setattr(os, "fsync", real_fsync)
    save_tables(changed, folder, kind="team")
    assert load_tables(Tables, folder).headline["n"].tolist() == [1, 2]
    assert sorted(p.name for p in folder.iterdir()) == ["headline.parquet", "segments.parquet", TABLES_FILE]


def test_atomic_paths_renames_nothing_when_the_block_fails(tmp_path):
    (tmp_path / "a.txt").write_text("old a")
    with pytest.raises(RuntimeError):
        with atomic.atomic_paths() as temporary:
            temporary(tmp_path / "a.txt").write_text("new a")
            temporary(tmp_path / "b.txt").write_text("new b")
            raise RuntimeError("killed half way")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
    assert (tmp_path / "a.txt").read_text() == "old a"
