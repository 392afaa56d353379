"""Save and load frozen table objects: one Parquet file per DataFrame, scalars in a JSON file.

Parquet keeps columns and dtypes but not ``DataFrame.attrs``; the attributes that are
plain JSON (a driver table's ``status``, ``r2`` ...) are kept in the JSON file and put
back on load, so a loaded table draws and reads like the computed one.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from ..atomic import atomic_paths
from ..storage import ParsedFiles

__all__ = ["SavedTables", "TABLES_FILE", "TABLES_FOLDER", "load_report_tables", "load_tables", "save_tables",
           "tables_equal", "tables_folder"]

#: Scalars, options and DataFrame attributes of a saved table object.
TABLES_FILE = "tables.json"
#: The folder, inside a report's (or a build's) folder, that holds its saved tables.
TABLES_FOLDER = "tables"


def tables_folder(folder) -> Path:
    """Where the tables of the report in ``folder`` are: ``folder/tables``.

    A folder that already holds a ``tables.json`` is returned as it is.
    """
    folder = Path(folder)
    return folder if (folder / TABLES_FILE).exists() else folder / TABLES_FOLDER


def _plain(value):
    """``value`` as JSON, or ``None`` when it has no faithful JSON form (dropped)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, str) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        items = [_plain(v) for v in value]
        return items
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return None


def _frame_for_parquet(frame: pd.DataFrame) -> pd.DataFrame:
    """Parquet needs string column names and one type per object column.

    ``frame`` itself when it has both (the usual case: no copy), else a copy whose
    object columns holding values of several types (segment values of several types ...)
    are made text, missing values kept.
    """
    names = [str(c) for c in frame.columns]
    mixed = [position for position, dtype in enumerate(frame.dtypes)
             if dtype == object and len(_kinds(frame.iloc[:, position].to_numpy())) > 1]
    if not mixed and names == list(frame.columns):
        return frame
    out = frame.copy()
    out.columns = names
    for position in mixed:
        out.isetitem(position, out.iloc[:, position].map(
            lambda v: v if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)))
    return out


#: Types of the values ``Series.dropna`` drops (a float only when NaN).
_MISSING_TYPES = {type(None), type(pd.NA), type(pd.NaT)}


def _kinds(values: np.ndarray) -> set:
    """The types of the values that are not missing (as ``Series.dropna`` sees them)."""
    kinds = set(map(type, values)) - _MISSING_TYPES
    if float in kinds and not any(type(v) is float and v == v for v in values):
        kinds.discard(float)  # only NaN
    return kinds


def _write_parquet(frame: pd.DataFrame, path) -> None:
    """``frame.to_parquet(path, index=False)``, without pandas copying ``attrs`` per column.

    pyarrow reads a frame column by column and pandas deep-copies ``attrs`` into each
    column it hands out: on a table with attributes that cost more than the writing.
    The attributes are stored as ``to_parquet`` stores them (``PANDAS_ATTRS`` in the
    schema metadata, which ``read_parquet`` puts back).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    plain = frame.copy(deep=False)  # copy-on-write: no data copied
    plain.attrs = {}
    table = pa.Table.from_pandas(_frame_for_parquet(plain), preserve_index=False)
    if frame.attrs:
        metadata = dict(table.schema.metadata)
        described = json.loads(metadata[b"pandas"])
        if "attributes" in described:  # recent pyarrow records them too: written as it would
            described["attributes"] = frame.attrs
            metadata[b"pandas"] = json.dumps(described).encode("utf8")
        metadata["PANDAS_ATTRS"] = json.dumps(frame.attrs)
        table = table.replace_schema_metadata(metadata)
    # through a Python file, as pandas writes: a full disk is an OSError with its errno
    with open(path, "wb") as handle:
        pq.write_table(table, handle, compression="snappy")


def save_tables(tables, folder, *, kind: str, skip=()) -> Path:
    """Write a frozen table object into ``folder`` (created): ``<name>.parquet`` + ``tables.json``.

    Fields named in ``skip`` are not written (they load as empty DataFrames). Returns the
    path of ``tables.json``. The files are written as one set (all synced, then renamed,
    ``tables.json`` last as it names the set, the folder synced once:
    :func:`nps_report.atomic.atomic_paths`): a crash or a full disk leaves the previous
    files and temporary ones (swept by the next build), never a half-written file.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    scalars, attrs, objects = {"kind": kind, "skipped": list(skip)}, {}, {}
    with atomic_paths() as temporary:
        for item in dataclasses.fields(tables):
            value = getattr(tables, item.name)
            if item.name in skip:
                continue
            if isinstance(value, pd.DataFrame):
                _write_parquet(value, temporary(folder / f"{item.name}.parquet"))
                attrs[item.name] = _plain(dict(value.attrs))
                # Parquet reads text back as a string dtype: remember which columns were objects.
                objects[item.name] = [str(c) for c, dtype in zip(value.columns, value.dtypes)
                                      if dtype == object]
            elif item.name == "options":
                scalars["options"] = value.model_dump(mode="json")
            else:
                scalars[item.name] = _plain(value)
        scalars["attrs"] = attrs
        scalars["object_columns"] = objects
        # renamed last: it names the set
        temporary(folder / TABLES_FILE).write_bytes(
            json.dumps(scalars, indent=1, sort_keys=True).encode("utf-8"))
    return folder / TABLES_FILE


#: Tables read with ``keep=True``, per folder and state of its files (a few builds' worth).
_KEPT = ParsedFiles(limit=8)


def _files_state(folder: Path) -> tuple:
    """What identifies the files of ``folder`` as written: name, inode, size and
    modification time of each (a rewrite renames a new file into place: a new inode)."""
    state = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_file():
                stat = entry.stat()
                state.append((entry.name, entry.inode(), stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(state))


def load_tables(cls, folder, *, keep: bool = False):
    """Read what :func:`save_tables` wrote back into an instance of ``cls``.

    With ``keep``, what was read is kept in this process and handed out again while the
    folder's files are the same: a worker runs many reports that read the same build
    tables. Each caller gets its own frames, copies that share the data (pandas'
    copy-on-write copies a column the moment one of them changes it), so a report that
    changes its tables changes nothing another report reads.

    Examples
    --------
    >>> import tempfile
    >>> from nps_report import context
    >>> from nps_report.tables import BuildTables
    >>> folder = Path(tempfile.mkdtemp())
    >>> saved = context.load_context(None).build_tables("2026Q3").save(folder)
    >>> first = load_tables(BuildTables, saved, keep=True)
    >>> first.nps.loc[0, "nps"] = 1000.0  # a report changes its copy ...
    >>> again = load_tables(BuildTables, saved, keep=True)
    >>> bool(again.nps.loc[0, "nps"] == 1000.0)  # ... the next one reads the saved value
    False
    """
    if keep:
        try:
            key = (cls, str(Path(folder).resolve()), _files_state(Path(folder)))
        except OSError:  # missing: the plain read says why
            return load_tables(cls, folder)
        kept = _KEPT.keyed(key, lambda: load_tables(cls, folder))
        return dataclasses.replace(kept, **{item.name: getattr(kept, item.name).copy(deep=False)
                                            for item in dataclasses.fields(cls)
                                            if isinstance(getattr(kept, item.name), pd.DataFrame)})
    from ..options import ReportOptions

    folder = Path(folder)
    scalars = json.loads((folder / TABLES_FILE).read_text(encoding="utf-8"))
    attrs = scalars.get("attrs", {})
    values = {}
    for item in dataclasses.fields(cls):
        path = folder / f"{item.name}.parquet"
        if path.exists():
            frame = pd.read_parquet(path)
            for column in scalars.get("object_columns", {}).get(item.name, []):
                frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
            frame.attrs.update({k: v for k, v in (attrs.get(item.name) or {}).items()
                                if v is not None})
            values[item.name] = frame
        elif item.name == "options":
            values["options"] = ReportOptions.model_validate(scalars["options"])
        elif item.name in scalars.get("skipped", ()):
            values[item.name] = pd.DataFrame()
        else:
            values[item.name] = scalars.get(item.name)
    return cls(**values)


def load_report_tables(folder):
    """A report's saved tables (team, department or overview), from ``folder``.

    ``folder`` is the folder :meth:`TeamTables.save` was given (the report's folder; the
    files are in its ``tables/`` subfolder), or that ``tables/`` folder itself.

    Examples
    --------
    >>> import tempfile
    >>> from nps_report import context
    >>> from nps_report.tables import load_report_tables, team_tables
    >>> t = team_tables(context.load_context(None), team="Billing Operations", quarter="2026Q3")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = t.save(folder)
    ...     back = load_report_tables(folder)
    >>> back.actions["title"].tolist() == t.actions["title"].tolist()
    True
    """
    from .department import DepartmentTables
    from .overview import OverviewTables
    from .team import TeamTables

    folder = tables_folder(folder)
    kind = json.loads((folder / TABLES_FILE).read_text(encoding="utf-8"))["kind"]
    cls = {"team": TeamTables, "department": DepartmentTables, "overview": OverviewTables}[kind]
    return load_tables(cls, folder)


def tables_equal(a, b) -> bool:
    """True when two table objects hold the same values (DataFrames compared by value)."""
    if type(a) is not type(b):
        return False
    for item in dataclasses.fields(a):
        x, y = getattr(a, item.name), getattr(b, item.name)
        if isinstance(x, pd.DataFrame):
            try:
                pd.testing.assert_frame_equal(x.reset_index(drop=True), y.reset_index(drop=True),
                                              check_dtype=False, check_exact=False)
            except AssertionError:
                return False
        elif x != y and not (isinstance(x, float) and isinstance(y, float)
                             and math.isnan(x) and math.isnan(y)):
            return False
    return True


class SavedTables:
    """What every report's tables share: saved beside the report, read back from there.

    A subclass names its report ``KIND`` and the fields it never writes (``NOT_SAVED``).
    """

    KIND: ClassVar[str] = ""
    NOT_SAVED: ClassVar[tuple] = ()

    def save(self, folder) -> Path:
        """Write every table into ``folder/tables/`` (``<name>.parquet`` + ``tables.json``).

        ``folder`` is the report's folder; returns the tables folder. Fields listed in
        ``NOT_SAVED`` are not written (a team's responses: they name customers).
        """
        return save_tables(self, Path(folder) / TABLES_FOLDER, kind=self.KIND,
                           skip=self.NOT_SAVED).parent

    @classmethod
    def load(cls, folder):
        """Read tables written by :meth:`save` (given the report's folder; fields not saved
        come back empty)."""
        return load_tables(cls, tables_folder(folder))
