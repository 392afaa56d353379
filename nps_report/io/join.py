"""Join side files (segments, roles, accounts ...) to the responses by a key: ``data.join``.

Each side file is read through the same readers as the responses (any supported
format) and reduced to one row per key by the declared policy before the join:

========  ===========================================================================
error     several rows for a key stop the load, naming the file, the key and examples
first     the first row of each key in the file is kept
latest    the row with the latest ``date`` is kept (rows without a readable date count
          as oldest; among rows with the same latest date, the later one in the file)
========  ===========================================================================

Rows are conserved: the join is a lookup per response, so every response keeps its
place; a response whose key has no row gets blanks (``how: left``) or is rejected with
the reason (``how: inner``). Every choice is counted in a :class:`JoinSummary`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from ..exceptions import DataError
from .dates import arrow_text, parse_dates
from .layouts import import_grid
from .readers import RawTable, read_grid

__all__ = ["JoinSummary", "join_side_files"]

# The side file's own score/date/comment are not wanted: skip guessing them.
_NO_GUESS = {schema.SCORE, schema.SUBMITTED_AT, schema.COMMENT}


@dataclass(frozen=True)
class JoinSummary:
    """What joining one side file did.

    Attributes
    ----------
    path : str
        The side file.
    key, side_key : str
        The responses' key column and the side file's.
    columns : tuple of str
        The columns added to the responses.
    how, conflict : str
        The declared policies.
    side_rows : int
        Rows read from the side file.
    blank_keys : int
        Side rows without a key (not usable).
    keys : int
        Distinct keys in the side file.
    several : int
        Keys with several rows; ``differing`` of them disagree on the joined columns.
    set_aside : int
        Side rows not used because another row of their key was kept.
    undated : int
        With ``latest``: side rows whose date could not be read (taken as oldest).
    matched, unmatched : int
        Responses whose key found a row, and those that did not (blank or unknown key).
    """

    path: str
    key: str
    side_key: str
    columns: tuple
    how: str
    conflict: str
    side_rows: int
    blank_keys: int
    keys: int
    several: int
    differing: int
    set_aside: int
    undated: int
    matched: int
    unmatched: int

    def describe(self) -> str:
        """One line: ``joined segments.csv on user_id (3 columns): 95 of 100 responses matched ...``."""
        name = Path(self.path).name
        on = self.key if self.key == self.side_key else f"{self.key} = {self.side_key}"
        text = (f"joined {name} on {on} ({', '.join(self.columns)}): {self.matched:,} of "
                f"{self.matched + self.unmatched:,} responses matched")
        if self.unmatched:
            text += (f", {self.unmatched:,} unmatched " + ("kept with blanks" if self.how == "left"
                                                            else "rejected (how: inner)"))
        if self.several:
            rule = {"first": "the first row in the file kept",
                    "latest": "the row with the latest date kept"}.get(self.conflict, "")
            text += (f"; {self.several:,} keys with several rows ({self.differing:,} with differing values), "
                     f"{rule}, {self.set_aside:,} rows set aside")
        if self.undated:
            text += f"; {self.undated:,} side rows without a readable date (taken as oldest)"
        if self.blank_keys:
            text += f"; {self.blank_keys:,} side rows without a key ignored"
        return text


def _text(values: pd.Series) -> pd.Series:
    """Cells as stripped strings (missing = ""), the way keys are compared."""
    return pd.Series(np.asarray(arrow_text(values).to_numpy(zero_copy_only=False), dtype=object),
                     index=values.index, dtype=object)


def _read_side(spec) -> RawTable:
    grid = read_grid(spec.path, format=spec.format, encoding=spec.encoding, sheet=spec.sheet)
    return import_grid(grid, format=spec.format, given=_NO_GUESS)


def _one_row_per_key(side: pd.DataFrame, key: str, columns: dict, spec, *, dayfirst, path):
    """The side rows kept (one per key) and the counts of what the policy decided."""
    keys = side[key]
    several_mask = keys.duplicated(keep=False)
    several = int(keys[several_mask].nunique())
    values = side[list(columns)]
    differing = 0
    if several:
        groups = values[several_mask].groupby(keys[several_mask], sort=False)
        differing = int((groups.nunique(dropna=False) > 1).any(axis=1).sum())
    undated = 0
    if several and spec.conflict == "error":
        counts = keys[several_mask].value_counts()
        examples = ", ".join(f"{k!r} ({n} rows)" for k, n in counts.head(3).items())
        raise DataError(
            f"data.join: {several:,} values of {key!r} have several rows in this file ({differing:,} with "
            f"differing values; e.g. {examples}): declare which row counts with conflict: latest (and "
            "date: <column>) or conflict: first", path=path, column=key)
    if spec.conflict == "latest":
        if spec.date not in side.columns:
            raise DataError(f"data.join: no column {spec.date!r} (the date for conflict: latest) in this "
                            f"file; columns found: {', '.join(map(repr, side.columns))}", path=path,
                            column=spec.date)
        parsed = parse_dates(side[spec.date], dayfirst=dayfirst, column=spec.date, path=path)
        stamps = parsed.timestamps
        undated = int(stamps.isna().sum())
        # Oldest first (an unreadable date is NaT, the smallest int64), file order among equals: the last wins.
        nanoseconds = stamps.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("int64")
        order = np.lexsort((np.arange(len(side)), nanoseconds))
        ordered = side.iloc[order]
        kept = ordered[~ordered[key].duplicated(keep="last")]
    else:
        kept = side[~keys.duplicated(keep="first")]
    return kept, several, differing, undated


def join_side_files(raw: RawTable, joins, *, dayfirst="auto") -> tuple[RawTable, list, pd.DataFrame | None]:
    """Add the columns of each ``data.join`` side file to the responses' raw table.

    Parameters
    ----------
    raw : RawTable
        The responses as read.
    joins : list of :class:`~nps_report.params.JoinFile`
    dayfirst : bool or "auto"
        Day/month order of the side files' dates (``conflict: latest``), as ``data.dayfirst``.

    Returns
    -------
    (RawTable, list of JoinSummary, DataFrame or None)
        The table with the joined columns (same rows, same order), what each join did,
        and the rows to reject (``how: inner`` without a match: ``reason, column, value``).

    Raises
    ------
    DataError
        Naming the file and the key: a missing file or key column, a joined column that
        would replace an existing one, several rows per key under ``conflict: error``.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> from nps_report.io.readers import RawTable
    >>> from nps_report.params import JoinFile
    >>> side = pathlib.Path(tempfile.mkdtemp()) / "plans.csv"
    >>> _ = side.write_text("user,plan\\nu1,Pro\\nu1,Basic\\nu2,Basic\\n")
    >>> raw = RawTable(pd.DataFrame({"user": ["u1", "u2", "u3"], "score": ["9", "3", "7"]}), "r.csv", "csv")
    >>> joined, summaries, _ = join_side_files(raw, [JoinFile(path=str(side), on="user", conflict="first")])
    >>> list(joined.frame["plan"])
    ['Pro', 'Basic', '']
    >>> summaries[0].matched, summaries[0].unmatched, summaries[0].set_aside
    (2, 1, 1)
    """
    frame = raw.frame.copy()
    summaries, problems = [], []
    for spec in joins:
        key, side_key = (spec.on, spec.on) if isinstance(spec.on, str) else next(iter(spec.on.items()))
        if key not in frame.columns:
            raise DataError(f"data.join {spec.path}: the responses have no column {key!r} to join on; "
                            f"columns found: {', '.join(map(repr, frame.columns))}", path=raw.path, column=key)
        side_raw = _read_side(spec)
        side, path = side_raw.frame, side_raw.path
        if side_key not in side.columns:
            raise DataError(f"data.join: no key column {side_key!r} in this file; columns found: "
                            f"{', '.join(map(repr, side.columns))}", path=path, column=side_key)
        if isinstance(spec.columns, dict):
            columns = dict(spec.columns)
        else:
            columns = {c: c for c in (spec.columns or [c for c in side.columns if c != side_key])}
        absent = [c for c in columns if c not in side.columns]
        if absent:
            raise DataError(f"data.join: no column {absent[0]!r} in this file; columns found: "
                            f"{', '.join(map(repr, side.columns))}", path=path, column=absent[0])
        clash = [new for new in columns.values() if new in frame.columns]
        if clash:
            raise DataError(f"data.join: column {clash[0]!r} of this file is already a column of the "
                            f"responses; rename it, e.g. columns: {{{clash[0]}: {clash[0]}_joined}}",
                            path=path, column=clash[0])
        side = side.assign(**{side_key: _text(side[side_key])})
        blank = side[side_key] == ""
        usable = side[~blank]
        kept, several, differing, undated = _one_row_per_key(usable, side_key, columns, spec,
                                                            dayfirst=dayfirst, path=path)
        lookup = kept.set_index(side_key)
        left = _text(frame[key])
        matched = left.isin(lookup.index) & (left != "")
        for source, new in columns.items():
            frame[new] = left.map(lookup[source]).where(matched, "").astype(object)
        unmatched = ~matched
        if spec.how == "inner" and unmatched.any():
            name = Path(path).name
            problems.append(pd.DataFrame({
                "reason": [f"no row in {name} for {key} {v!r}" if v else f"no {key} to join {name} on"
                           for v in left[unmatched]],
                "column": key, "value": left[unmatched].to_numpy()}, index=frame.index[unmatched.to_numpy()]))
        summaries.append(JoinSummary(
            path=path, key=key, side_key=side_key, columns=tuple(columns.values()), how=spec.how,
            conflict=spec.conflict, side_rows=len(side), blank_keys=int(blank.sum()),
            keys=int(usable[side_key].nunique()), several=several, differing=differing,
            set_aside=len(usable) - len(kept), undated=undated, matched=int(matched.sum()),
            unmatched=int(unmatched.sum())))
    found = pd.concat(problems) if problems else None
    if found is not None:
        found = found[~found.index.duplicated(keep="first")]
    return dataclasses.replace(raw, frame=frame), summaries, found
