"""Turn a raw table into canonical responses: map columns, parse, validate, quarantine, dedupe."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from ..exceptions import DataError
from .dates import parse_timestamps

# The canonical columns a source must provide (from a column or a constant).
REQUIRED = [schema.SCORE, schema.SUBMITTED_AT, schema.TEAM]

REJECTED_COLUMNS = ["source_file", "source_row", "reason", "column", "value"]

_LABELLED_SCORE = re.compile(r"^\s*(\d{1,2})\s*[-–:]\s*\D.*$")


@dataclass
class LoadResult:
    """What loading one source produced: accepted responses, rejected rows and the counts.

    Attributes
    ----------
    responses : DataFrame
        Canonical responses (see :mod:`nps_report.schema`) plus ``quarter``, segment
        and attribute columns.
    rejected : DataFrame
        One row per rejected source row: ``source_file, source_row, reason, column,
        value`` and the row's original cells.
    counts : dict
        ``rows_read``, ``accepted``, ``rejected``, ``exact_duplicates``,
        ``repeated_response_ids``, ``superseded`` (earlier answers of a respondent in
        the same quarter, when that policy is on). They always add up:
        ``rows_read = accepted + rejected + exact_duplicates + repeated_response_ids + superseded``.
    segments, attributes : list of str
        The segment and attribute-rating columns present in ``responses``.
    """

    responses: pd.DataFrame
    rejected: pd.DataFrame
    counts: dict
    segments: list = field(default_factory=list)
    attributes: list = field(default_factory=list)
    source: str = ""

    def summary(self) -> str:
        """One line a person can read: ``rows read 1,204: accepted 1,190, rejected 9, ...``."""
        c = self.counts
        dropped = c["exact_duplicates"] + c["repeated_response_ids"] + c["superseded"]
        return (f"rows read {c['rows_read']:,}: accepted {c['accepted']:,}, "
                f"rejected {c['rejected']:,}, duplicates dropped {dropped:,}")


def _snake(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def resolve_mapping(columns, mapping: dict, constants: dict, *, path=None) -> dict:
    """Decide which source column feeds each target column.

    With an empty ``mapping``, columns whose names already are canonical (ignoring
    case, spaces and punctuation) are used as they are. Raises :class:`DataError`
    naming the file, the missing column and the columns found.
    """
    found = list(columns)
    if not mapping:
        canonical = schema.CORE_COLUMNS + schema.OPTIONAL_COLUMNS
        mapping = {c: _snake(c) for c in found if _snake(c) in canonical}
    absent = [src for src in mapping if src not in found]
    if absent:
        raise DataError(
            f"column {absent[0]!r} named in the mapping is not in the file; "
            f"columns found: {', '.join(map(repr, found))}",
            path=path, column=absent[0])
    targets = {}
    for src, target in mapping.items():
        if target in targets:
            raise DataError(f"columns {targets[target]!r} and {src!r} both map to {target!r}",
                            path=path, column=src)
        targets[target] = src
    for required in REQUIRED:
        if required not in targets and required not in constants:
            raise DataError(
                f"no column gives '{required}': map one of the file's columns to it "
                f"(columns found: {', '.join(map(repr, found))})"
                + (" or set it as a constant" if required == schema.TEAM else ""),
                path=path, column=required)
    return targets


def parse_scores(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse 0..10 scores written as ``9``, ``9.0`` or ``10 - Extremely likely``.

    Returns
    -------
    (scores, reasons) : Series of float, Series of str
        ``reasons`` is empty where the score is usable, otherwise why not.
    """
    text = values.astype("string").str.strip().fillna("")
    label = text.str.extract(_LABELLED_SCORE, expand=False)
    text = label.fillna(text)
    number = pd.to_numeric(text, errors="coerce")
    reasons = pd.Series("", index=values.index, dtype="object")
    reasons[text == ""] = "missing score"
    unparsable = number.isna() & (text != "")
    reasons[unparsable] = "unparsable score"
    fractional = number.notna() & (number != np.floor(number))
    reasons[fractional] = "score is not a whole number"
    out_of_range = number.notna() & ~fractional & ((number < schema.SCORE_MIN) | (number > schema.SCORE_MAX))
    reasons[out_of_range] = "score out of range 0..10"
    return number.astype("float64"), reasons


def to_canonical(raw: pd.DataFrame, *, mapping: dict | None = None, constants: dict | None = None,
                 segments=(), attributes=(), source_timezone: str = "UTC", dayfirst="auto",
                 timezone: str = "UTC", fiscal_year_start_month: int = 1,
                 latest_per_respondent: bool = False, path=None) -> LoadResult:
    """Map, parse and validate a raw table of text cells into canonical responses.

    Every row read ends in exactly one place: accepted, rejected (with a reason), or
    dropped as a duplicate (counted). See :class:`LoadResult`.
    """
    constants = dict(constants or {})
    source = "" if path is None else str(path)
    targets = resolve_mapping(raw.columns, dict(mapping or {}), constants, path=path)
    rows_read = len(raw)
    raw = raw.reset_index(drop=True)
    source_row = pd.Series(np.arange(1, rows_read + 1), name="source_row")

    # Exact duplicate rows (every cell equal) are dropped first and counted.
    duplicated = raw.duplicated(keep="first").to_numpy()
    raw, source_row = raw[~duplicated], source_row[~duplicated]

    def column(target):
        if target in targets:
            return raw[targets[target]]
        if target in constants:
            return pd.Series(str(constants[target]), index=raw.index)
        return None

    reasons = pd.Series("", index=raw.index, dtype="object")
    bad_column = pd.Series("", index=raw.index, dtype="object")

    def flag(mask, reason, col):
        fresh = mask & (reasons == "")
        reasons[fresh] = reason
        bad_column[fresh] = col

    scores, score_reasons = parse_scores(column(schema.SCORE))
    for reason in score_reasons[score_reasons != ""].unique():
        flag(score_reasons == reason, reason, targets.get(schema.SCORE, schema.SCORE))

    dates_text = column(schema.SUBMITTED_AT).astype("string").str.strip().fillna("")
    submitted = parse_timestamps(dates_text, source_timezone=source_timezone, dayfirst=dayfirst)
    date_col = targets.get(schema.SUBMITTED_AT, schema.SUBMITTED_AT)
    flag(dates_text == "", "missing date", date_col)
    flag(submitted.isna() & (dates_text != ""), "unparsable date", date_col)

    team = column(schema.TEAM).astype("string").str.strip()
    flag(team.isna() | (team == ""), "missing team", targets.get(schema.TEAM, schema.TEAM))
    department = column(schema.DEPARTMENT)
    department = (pd.Series("All", index=raw.index, dtype="string") if department is None
                  else department.astype("string").str.strip())
    flag(department.isna() | (department == ""), "missing department",
         targets.get(schema.DEPARTMENT, schema.DEPARTMENT))

    response_id = column(schema.RESPONSE_ID)
    if response_id is None:
        response_id = "row-" + source_row.astype(str).str.zfill(7)
        response_id.index = raw.index
    response_id = response_id.astype("string").str.strip()
    flag(response_id == "", "missing response id", targets.get(schema.RESPONSE_ID, schema.RESPONSE_ID))

    frame = pd.DataFrame({
        schema.RESPONSE_ID: response_id,
        schema.RESPONDENT_ID: _text(column(schema.RESPONDENT_ID), raw.index),
        schema.SUBMITTED_AT: submitted,
        schema.SCORE: scores,
        schema.COMMENT: _text(column(schema.COMMENT), raw.index),
        schema.TEAM: team,
        schema.DEPARTMENT: department,
    })
    for name in schema.OPTIONAL_COLUMNS:
        if column(name) is not None:
            frame[name] = _text(column(name), raw.index)
    if "transaction_at" in frame:
        frame["transaction_at"] = parse_timestamps(frame["transaction_at"], source_timezone=source_timezone,
                                                   dayfirst=dayfirst)
    kept_segments = []
    for name in segments:
        values = column(name)
        if values is None:
            raise DataError(f"segment {name!r} is not mapped from any column", path=path, column=name)
        frame[name] = values.astype("string").str.strip().replace("", pd.NA)
        kept_segments.append(name)
    kept_attributes = []
    for name in attributes:
        values = column(name)
        if values is None:
            raise DataError(f"attribute {name!r} is not mapped from any column", path=path, column=name)
        frame[name] = pd.to_numeric(values.astype("string").str.strip().replace("", pd.NA),
                                    errors="coerce").astype("float64")
        kept_attributes.append(name)
    unknown = [t for t in targets if t not in frame.columns]
    if unknown:
        raise DataError(
            f"the mapping sends column {targets[unknown[0]]!r} to {unknown[0]!r}, which is not a "
            f"canonical column; list it under 'segments' or 'attributes' to keep it",
            path=path, column=targets[unknown[0]])

    is_rejected = reasons != ""
    rejected = raw[is_rejected].copy()
    rejected.insert(0, "value", [
        str(raw.at[i, c]) if c in raw.columns else "" for i, c in
        zip(raw.index[is_rejected], bad_column[is_rejected])])
    rejected.insert(0, "column", bad_column[is_rejected])
    rejected.insert(0, "reason", reasons[is_rejected])
    rejected.insert(0, "source_row", source_row[is_rejected].to_numpy())
    rejected.insert(0, "source_file", source)

    accepted = frame[~is_rejected].copy()
    accepted[schema.SCORE] = accepted[schema.SCORE].astype("int8")
    accepted[schema.QUARTER] = schema.quarter_label(
        accepted[schema.SUBMITTED_AT], tz=timezone, fiscal_year_start_month=fiscal_year_start_month)

    # Repeated response ids: the first valid answer stays.
    repeated = accepted[schema.RESPONSE_ID].duplicated(keep="first")
    accepted = accepted[~repeated]
    superseded = 0
    if latest_per_respondent:
        has_id = accepted[schema.RESPONDENT_ID].notna()
        order = accepted.sort_values(schema.SUBMITTED_AT, kind="stable")
        older = order[has_id.loc[order.index]].duplicated(
            [schema.RESPONDENT_ID, schema.QUARTER], keep="last")
        drop = older[older].index
        superseded = len(drop)
        accepted = accepted.drop(index=drop)

    accepted = accepted.reset_index(drop=True)
    counts = {
        "rows_read": rows_read,
        "accepted": len(accepted),
        "rejected": int(is_rejected.sum()),
        "exact_duplicates": int(duplicated.sum()),
        "repeated_response_ids": int(repeated.sum()),
        "superseded": superseded,
    }
    return LoadResult(accepted, rejected.reset_index(drop=True), counts,
                      kept_segments, kept_attributes, source)


def _text(values, index) -> pd.Series:
    if values is None:
        return pd.Series(pd.NA, index=index, dtype="string")
    text = values.astype("string").str.strip()
    return text.mask(text == "")


def write_rejected(result: LoadResult, path) -> Path:
    """Write the rejected rows to ``path`` (CSV, UTF-8) and return it; the file always exists."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = result.rejected if len(result.rejected) else pd.DataFrame(columns=REJECTED_COLUMNS)
    table.to_csv(path, index=False, encoding="utf-8")
    return path
