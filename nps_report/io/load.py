"""Turn a raw table into canonical responses: map columns, parse, validate, quarantine, dedupe."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema
from ..exceptions import DataError
from .columns import snake
from .dates import arrow_text, parse_dates

# The canonical columns a source must provide (from a column or a constant).
REQUIRED = [schema.SCORE, schema.SUBMITTED_AT, schema.TEAM]

REJECTED_COLUMNS = ["source_file", "source_row", "reason", "column", "value"]

# A score with its scale label (pyarrow / RE2 syntax): ``10 - Extremely likely`` -> 10.
_LABELLED_SCORE_RE2 = r"^(?P<n>\d{1,2})\s*[-–:]\s*\D"
# A long id after a spreadsheet round trip: 570306123456789012 -> 5.70306E+17.
DAMAGED_ID = r"^\d(?:[.,]\d+)?[eE]\+\d+$"


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
    source : str
        The file or database the rows came from.
    format : str
        The layout read (``qualtrics``, ``csv`` ...), when known.
    notes : list of str
        Warnings a person should read (a 1-10 scale, groups not checked ...).
    joins : list of JoinSummary
        What each ``data.join`` side file added and decided (see :mod:`nps_report.io.join`).
    """

    responses: pd.DataFrame
    rejected: pd.DataFrame
    counts: dict
    segments: list = field(default_factory=list)
    attributes: list = field(default_factory=list)
    source: str = ""
    format: str = ""
    notes: list = field(default_factory=list)
    joins: list = field(default_factory=list)

    def summary(self) -> str:
        """What a person reads: ``rows read 1,204: accepted 1,190, rejected 9, ...``, then
        one indented line per joined side file (what matched, what its policy decided)."""
        c = self.counts
        dropped = c["exact_duplicates"] + c["repeated_response_ids"] + c["superseded"]
        line = (f"rows read {c['rows_read']:,}: accepted {c['accepted']:,}, "
                f"rejected {c['rejected']:,}, duplicates dropped {dropped:,}")
        return "\n".join([line] + [f"  {join.describe()}" for join in self.joins])


def resolve_mapping(columns, mapping: dict, constants: dict, *, path=None) -> dict:
    """Decide which source column feeds each target column.

    With an empty ``mapping``, columns whose names already are canonical (ignoring
    case, spaces and punctuation) are used as they are. Raises :class:`DataError`
    naming the file, the missing column and the columns found.
    """
    found = list(columns)
    if not mapping:
        canonical = schema.CORE_COLUMNS + schema.OPTIONAL_COLUMNS
        mapping = {c: snake(c) for c in found if snake(c) in canonical}
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
    index = pd.Series(values).index
    arrow = arrow_text(values)
    label = pc.struct_field(pc.extract_regex(arrow, _LABELLED_SCORE_RE2), "n")
    text = np.asarray(pc.coalesce(label, arrow).to_numpy(zero_copy_only=False), dtype=object)
    number = np.asarray(pd.to_numeric(text, errors="coerce"), dtype="float64")
    empty = text == ""
    reasons = np.full(len(text), "", dtype=object)
    reasons[empty] = "missing score"
    known = ~np.isnan(number)
    reasons[~known & ~empty] = "unparsable score"
    with np.errstate(invalid="ignore"):
        fractional = known & (number != np.floor(number))
        out_of_range = known & ~fractional & ((number < schema.SCORE_MIN) | (number > schema.SCORE_MAX))
    reasons[fractional] = "score is not a whole number"
    reasons[out_of_range] = "score out of range 0..10"
    return pd.Series(number, index=index, dtype="float64"), pd.Series(reasons, index=index, dtype="object")


def to_canonical(raw: pd.DataFrame, *, mapping: dict | None = None, constants: dict | None = None,
                 segments=(), attributes=(), source_timezone: str = "UTC", dayfirst="auto",
                 timezone: str = "UTC", fiscal_year_start_month: int = 1,
                 latest_per_respondent: bool = False, path=None,
                 row_problems: pd.DataFrame | None = None) -> LoadResult:
    """Map, parse and validate a raw table of text cells into canonical responses.

    Every row read ends in exactly one place: accepted, rejected (with a reason), or
    dropped as a duplicate (counted). See :class:`LoadResult`.

    ``row_problems`` (``reason, column, value`` indexed like ``raw``) rejects rows an
    importer already found unusable; its reasons come first. Text cells are kept as
    text: a comment or team name starting with ``=``, ``+``, ``-`` or ``@`` is data.

    Raises
    ------
    DataError
        When a required column is missing, or the dates' day/month order cannot be
        decided (set ``dayfirst``).
    """
    constants = dict(constants or {})
    source = "" if path is None else str(path)
    targets = resolve_mapping(raw.columns, dict(mapping or {}), constants, path=path)
    rows_read = len(raw)
    if row_problems is not None and len(row_problems):
        # Align the importer's problems with rows by position, whatever the index.
        if raw.index.is_unique:
            positions = raw.index.get_indexer(row_problems.index)
        else:  # labels cannot say which row: they are positions
            positions = np.asarray(row_problems.index, dtype="int64")
            positions = np.where((positions >= 0) & (positions < rows_read), positions, -1)
        row_problems = row_problems[positions >= 0].set_axis(positions[positions >= 0])
    if not (isinstance(raw.index, pd.RangeIndex) and raw.index.start == 0 and raw.index.step == 1):
        raw = raw.reset_index(drop=True)
    source_row = np.arange(1, rows_read + 1)

    # Exact duplicate rows (every cell equal) are dropped first and counted.
    duplicated = (raw.duplicated(keep="first").to_numpy() if rows_read > 1
                  else np.zeros(rows_read, dtype=bool))
    if duplicated.any():
        raw, source_row = raw[~duplicated], source_row[~duplicated]

    columns: dict = {}

    def column(target):
        if target not in columns:
            if target in targets:
                columns[target] = raw[targets[target]]
            elif target in constants:
                columns[target] = pd.Series(str(constants[target]), index=raw.index)
            else:
                columns[target] = None
        return columns[target]

    # Why each row is rejected ("" = not rejected), the column and cell concerned.
    reasons = np.full(len(raw), "", dtype=object)
    bad_column = np.full(len(raw), "", dtype=object)
    bad_value = np.full(len(raw), None, dtype=object)

    def flag(mask, reason, col):
        fresh = _bool(mask) & (reasons == "")
        reasons[fresh] = reason
        bad_column[fresh] = col

    if row_problems is not None and len(row_problems):
        problems = row_problems[row_problems.index.isin(raw.index)]
        problems = problems[~problems.index.duplicated(keep="first")]
        where = raw.index.get_indexer(problems.index)
        reasons[where] = problems["reason"].astype(str).to_numpy()
        bad_column[where] = problems["column"].astype(str).to_numpy()
        if "value" in problems:
            bad_value[where] = problems["value"].astype(str).to_numpy()

    scores, score_reasons = parse_scores(column(schema.SCORE))
    score_reasons = score_reasons.to_numpy()
    for reason in pd.unique(score_reasons[score_reasons != ""]):
        flag(score_reasons == reason, reason, targets.get(schema.SCORE, schema.SCORE))

    dates = column(schema.SUBMITTED_AT)
    date_col = targets.get(schema.SUBMITTED_AT, schema.SUBMITTED_AT)
    parsed = parse_dates(dates, source_timezone=source_timezone, dayfirst=dayfirst,
                         column=date_col, path=path)
    submitted = parsed.timestamps
    date_empty = parsed.empty
    flag(date_empty, "missing date", date_col)
    date_reasons = parsed.reasons.to_numpy()
    for reason in pd.unique(date_reasons[date_reasons != ""]):
        flag(date_reasons == reason, reason, date_col)
    flag(submitted.isna().to_numpy() & ~date_empty, "unparsable date", date_col)

    # Team names are data: kept as written (stripped), whatever characters they hold.
    team = _text(column(schema.TEAM), raw.index)
    flag(team.isna(), "missing team", targets.get(schema.TEAM, schema.TEAM))
    department = column(schema.DEPARTMENT)
    department = (pd.Series("All", index=raw.index, dtype="string") if department is None
                  else _text(department, raw.index))
    flag(department.isna(), "missing department", targets.get(schema.DEPARTMENT, schema.DEPARTMENT))

    response_id = column(schema.RESPONSE_ID)
    if response_id is None:
        response_id = pd.Series([f"row-{n:07d}" for n in source_row.tolist()], index=raw.index, dtype=object)
    response_id = _text(response_id, raw.index)
    id_col = targets.get(schema.RESPONSE_ID, schema.RESPONSE_ID)
    flag(response_id.isna(), "missing response id", id_col)
    # Distinct ids collapsed by a spreadsheet would otherwise be dropped as repeats.
    flag(pc.match_substring_regex(pa.array(response_id.array), DAMAGED_ID),
         "response id damaged by a spreadsheet (scientific notation): the original id is lost; "
         "re-export the file, or map no response_id column to number the rows", id_col)

    # Every output column, full length; the accepted rows are taken once at the end.
    out = {
        schema.RESPONSE_ID: response_id,
        schema.RESPONDENT_ID: _text(column(schema.RESPONDENT_ID), raw.index),
        schema.SUBMITTED_AT: submitted,
        schema.SCORE: scores,
        schema.COMMENT: _text(column(schema.COMMENT), raw.index),
        schema.TEAM: team,
        schema.DEPARTMENT: department,
    }
    for name in schema.OPTIONAL_COLUMNS:
        if column(name) is not None:
            out[name] = _text(column(name), raw.index)
    if "transaction_at" in out:
        out["transaction_at"] = parse_dates(
            out["transaction_at"], source_timezone=source_timezone, dayfirst=dayfirst,
            column=targets.get("transaction_at"), path=path).timestamps
    kept_segments = []
    for name in segments:
        values = column(name)
        if values is None:
            raise DataError(f"segment {name!r} is not mapped from any column", path=path, column=name)
        out[name] = _text(values, raw.index)
        kept_segments.append(name)
    kept_attributes = []
    for name in attributes:
        values = column(name)
        if values is None:
            raise DataError(f"attribute {name!r} is not mapped from any column", path=path, column=name)
        out[name] = pd.Series(pd.to_numeric(_text(values, raw.index), errors="coerce"),
                              index=raw.index).astype("float64")
        kept_attributes.append(name)
    unknown = [t for t in targets if t not in out]
    if unknown:
        raise DataError(
            f"the mapping sends column {targets[unknown[0]]!r} to {unknown[0]!r}, which is not a "
            f"canonical column; list it under 'segments' or 'attributes' to keep it",
            path=path, column=targets[unknown[0]])

    is_rejected = reasons != ""
    cells = raw[is_rejected]
    head = pd.DataFrame({
        "source_file": source,
        "source_row": source_row[is_rejected],
        "reason": reasons[is_rejected],
        "column": bad_column[is_rejected],
        "value": [v if isinstance(v, str) else (str(raw.at[i, c]) if c in raw.columns else "")
                  for i, c, v in zip(cells.index, bad_column[is_rejected], bad_value[is_rejected])],
    }, index=cells.index)
    # The row's own cells follow; a source column named like a bookkeeping one is renamed.
    clashes = {c: f"{c} (source)" for c in cells.columns if c in head.columns}
    rejected = pd.concat([head, cells.rename(columns=clashes) if clashes else cells], axis=1)

    keep = ~is_rejected
    out[schema.SCORE] = out[schema.SCORE].where(keep, 0).astype("int8")
    accepted = pd.DataFrame({name: values[keep] for name, values in out.items()})
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
    notes = scale_notes(accepted[schema.SCORE])
    return LoadResult(accepted, rejected.reset_index(drop=True), counts,
                      kept_segments, kept_attributes, source, notes=notes)


def scale_notes(scores: pd.Series) -> list[str]:
    """Warn when accepted scores look like a 1-10 scale (no 0 among many answers)."""
    if len(scores) >= 50 and scores.min() >= 1 and scores.max() == 10:
        return [f"no score of 0 among {len(scores):,} answers: this may be a 1-10 scale, which is not "
                "the NPS 0-10 scale; scores are used as they are, never rescaled"]
    return []


def _bool(mask) -> np.ndarray:
    """A plain boolean array from a pandas / pyarrow mask (missing = False)."""
    if isinstance(mask, np.ndarray) and mask.dtype == bool:
        return mask
    if isinstance(mask, pd.Series):
        return mask.fillna(False).to_numpy(dtype=bool)
    if hasattr(mask, "to_numpy") and not isinstance(mask, np.ndarray):  # pyarrow
        return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)
    return np.asarray(mask, dtype=bool)


def _text(values, index) -> pd.Series:
    """Stripped text, ``<NA>`` where empty, as the canonical "string" dtype."""
    if values is None:
        return pd.Series(pd.NA, index=index, dtype="string")
    array = arrow_text(values)
    array = pc.if_else(pc.equal(pc.utf8_length(array), 0), pa.scalar(None, pa.string()), array)
    return pd.Series(pd.array(array.to_numpy(zero_copy_only=False), dtype="string"), index=index)


def write_rejected(result: LoadResult, path) -> Path:
    """Write the rejected rows to ``path`` (CSV, UTF-8) and return it; the file always exists."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = result.rejected if len(result.rejected) else pd.DataFrame(columns=REJECTED_COLUMNS)
    table.to_csv(path, index=False, encoding="utf-8")
    return path
