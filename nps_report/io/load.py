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
from ..naming import lookalikes, team_in_department
from ..spreadsheets import write_csv
from .columns import snake
from .dates import arrow_text, parse_dates
from .textbytes import any_byte, byte_lengths, has_non_ascii, value_bytes

# The canonical columns a source must provide (from a column or a constant).
REQUIRED = [schema.SCORE, schema.SUBMITTED_AT, schema.TEAM]

REJECTED_COLUMNS = ["source_file", "source_row", "reason", "column", "value"]
#: Columns of the dropped-duplicates table (``duplicates.csv``), before the row's own cells.
DUPLICATE_COLUMNS = ["source_file", "source_row", "reason", "kept_source_row", "kept_response_id",
                     "response_id", "score", "kept_score"]

EXACT_DUPLICATE = "exact duplicate (every cell equal to the row kept)"
REPEATED_SAME = "repeated response id, same score as the row kept"
REPEATED_CONFLICT = "repeated response id with a conflicting score (the first answer is kept)"
SUPERSEDED = "earlier answer of the same respondent in the quarter (the latest is kept)"

# A score with its scale label (pyarrow / RE2 syntax): ``10 - Extremely likely`` -> 10.
_LABELLED_SCORE_RE2 = r"^(?P<n>\d{1,2})\s*[-–:]\s*\D"
# How a survey tool writes a score: digits, maybe ".0" (RE2 syntax).
_PLAIN_SCORE = r"^[+-]?\d+(?:[.,]\d+)?$"
# NUL, other C0 controls (tab, LF and CR aside), DEL and C1 controls.
_CONTROL = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]"
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
        Beside them, not rows: ``missing_values`` (cells holding a missing-value token
        such as ``NA``, blanked) and ``repaired_lines`` (lines of the file whose text
        was repaired while decoding; set by :func:`nps_report.io.load_source`).
    duplicates : DataFrame
        One row per dropped duplicate (:data:`DUPLICATE_COLUMNS`, then its cells): why
        it was dropped and which row was kept.
    missing_values : dict
        Canonical column -> cells blanked because they held a missing-value token.
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
    duplicates: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DUPLICATE_COLUMNS))
    missing_values: dict = field(default_factory=dict)
    joins: list = field(default_factory=list)

    def summary(self) -> str:
        """What a person reads: ``rows read 1,204: accepted 1,190, rejected 9, ...``, then
        one indented line per joined side file (what matched, what its policy decided)."""
        c = self.counts
        dropped = c["exact_duplicates"] + c["repeated_response_ids"] + c["superseded"]
        text = (f"rows read {c['rows_read']:,}: accepted {c['accepted']:,}, "
                f"rejected {c['rejected']:,}, duplicates dropped {dropped:,}")
        if c.get("missing_values"):
            text += f"; missing-value tokens read as blank {c['missing_values']:,}"
        if c.get("repaired_lines"):
            text += f"; lines with repaired text {c['repaired_lines']:,}"
        return "\n".join([text] + [f"  {join.describe()}" for join in self.joins])


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

    A score must be written as a survey tool writes it: digits, optionally followed
    by a decimal point and zeros. ``1e1`` (exponent notation) and
    ``9.9999999999999999`` (which a float rounds to 10) are refused, and so is a cell
    holding a NUL or another control character (``"1\\x000"`` is not 10).

    Returns
    -------
    (scores, reasons) : Series of float, Series of str
        ``reasons`` is empty where the score is usable, otherwise why not.

    Examples
    --------
    >>> scores, reasons = parse_scores(pd.Series(["9", "10 - Extremely likely", "1e1", "7.5"]))
    >>> scores.tolist()[:2], reasons.tolist()[2:]
    ([9.0, 10.0], ['score not written as a plain number (exponent notation)', 'score is not a whole number'])
    """
    index = pd.Series(values).index
    arrow = arrow_text(values)
    label = pc.struct_field(pc.extract_regex(arrow, _LABELLED_SCORE_RE2), "n")
    text = pc.coalesce(label, arrow)
    number = text_to_float(text)
    empty = _bool(pc.equal(text, ""))
    reasons = np.full(len(text), "", dtype=object)
    reasons[empty] = "missing score"
    known = ~np.isnan(number)
    reasons[~known & ~empty] = "unparsable score"
    plain = _bool(pc.match_substring_regex(text, _PLAIN_SCORE))
    with np.errstate(invalid="ignore"):
        fractional = known & (number != np.floor(number))
        out_of_range = known & ~fractional & ((number < schema.SCORE_MIN) | (number > schema.SCORE_MAX))
    decimals = _bool(pc.match_substring_regex(text, r"^[+-]?\d*[.,]\d*[1-9]"))
    reasons[known & ~plain] = "score not written as a plain number (exponent notation)"
    reasons[fractional | (known & plain & decimals)] = "score is not a whole number"
    reasons[out_of_range & plain] = "score out of range 0..10"
    # Checked on the cell as read: a NUL inside "1\x000" must not be read as 10.
    control = _bool(pc.match_substring_regex(arrow, _CONTROL))
    reasons[control] = "control character (such as NUL) in the score cell"
    return pd.Series(number, index=index, dtype="float64"), pd.Series(reasons, index=index, dtype="object")


#: Text every parser reads as the same float: whole numbers of up to 15 digits, maybe
#: with ".0" (no sign: pandas reads "-0" as 0, arrow as -0.0).
_WHOLE_NUMBER = r"^\d{1,15}(?:\.0{1,6})?$"


def text_to_float(values) -> np.ndarray:
    """Numbers written as text, as ``pd.to_numeric(values, errors="coerce")`` reads them
    (NaN where no number), as float64.

    Whole numbers (``7``, ``7.0``: most ratings and scores) are cast by arrow without a
    Python object per cell; any other cell is left to ``pd.to_numeric``.

    Examples
    --------
    >>> text_to_float(pd.Series(["7", "7.0", "", "6.5", "1e1", "x", None])).tolist()
    [7.0, 7.0, nan, 6.5, 10.0, nan, nan]
    """
    array = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else arrow_text(values)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    whole = _bool(pc.match_substring_regex(array, _WHOLE_NUMBER))
    out = np.full(len(array), np.nan)
    if whole.any():
        out[whole] = pc.cast(array.filter(pa.array(whole)), pa.float64()).to_numpy(zero_copy_only=False)
    other = ~whole & _bool(pc.not_equal(array, ""))
    if other.any():
        cells = np.asarray(array.filter(pa.array(other)).to_numpy(zero_copy_only=False), dtype=object)
        out[other] = np.asarray(pd.to_numeric(cells, errors="coerce"), dtype="float64")
    return out


def to_canonical(raw: pd.DataFrame, *, mapping: dict | None = None, constants: dict | None = None,
                 segments=(), attributes=(), source_timezone: str = "UTC", dayfirst="auto",
                 timezone: str = "UTC", fiscal_year_start_month: int = 1,
                 latest_per_respondent: bool = False, path=None,
                 row_problems: pd.DataFrame | None = None, na_values=schema.NA_VALUES) -> LoadResult:
    """Map, parse and validate a raw table of text cells into canonical responses.

    Every row read ends in exactly one place: accepted, rejected (with a reason), or
    dropped as a duplicate (counted). See :class:`LoadResult`.

    ``row_problems`` (``reason, column, value`` indexed like ``raw``) rejects rows an
    importer already found unusable; its reasons come first. Text cells are kept as
    text: a comment or team name starting with ``=``, ``+``, ``-`` or ``@`` is data.
    A cell of a used column that is one of ``na_values`` (``NA``, ``N/A``, ``-`` ...,
    compared trimmed and ignoring case) is blank: it is no comment, no team, no score;
    :attr:`LoadResult.missing_values` counts them per column. Text is stripped of
    control characters (NUL ...) and put in Unicode NFC form, so a team written with a
    decomposed accent is the same team.

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
    duplicated = exact_duplicate_rows(raw)
    exact = None
    if duplicated.any():
        exact = _exact_duplicates(raw, duplicated, source_row)
        raw, source_row = raw[~duplicated], source_row[~duplicated]
    tokens = {str(v).strip().casefold() for v in (na_values or ())}
    missing_values: dict = {}

    columns: dict = {}

    def column(target):
        if target not in columns:
            if target in targets:
                # Each used column made trimmed arrow text once: every step below starts
                # with arrow_text, which gives the same text again (and cheaply) from it.
                # (arrow's own string type: the "str" dtype would store large strings,
                # which every arrow_text would convert back)
                text = pd.Series(pd.arrays.ArrowExtensionArray(arrow_text(raw[targets[target]])),
                                 index=raw.index)
                columns[target], blanked = blank_missing(text, tokens)
                if blanked:
                    missing_values[target] = blanked
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
    team = _text(column(schema.TEAM), raw.index, name=True)
    flag(team.isna(), "missing team", targets.get(schema.TEAM, schema.TEAM))
    department = column(schema.DEPARTMENT)
    department = (pd.Series("All", index=raw.index, dtype="string") if department is None
                  else _text(department, raw.index, name=True))
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
        out[name] = pd.Series(text_to_float(_text(values, raw.index)), index=raw.index, dtype="float64")
        kept_attributes.append(name)
    unknown = [t for t in targets if t not in out]
    if unknown:
        raise DataError(
            f"the mapping sends column {targets[unknown[0]]!r} to {unknown[0]!r}, which is not a "
            f"canonical column; list it under 'segments' or 'attributes' to keep it",
            path=path, column=targets[unknown[0]])

    is_rejected = reasons != ""
    cells = raw[is_rejected].astype(object)  # Python strings whichever parser read them
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
    accepted["_row"] = accepted.index  # which source row, for duplicates.csv
    accepted[schema.QUARTER] = schema.quarter_label(
        accepted[schema.SUBMITTED_AT], tz=timezone, fiscal_year_start_month=fiscal_year_start_month)

    # Repeated response ids: the first valid answer stays.
    row_of = pd.Series(source_row, index=raw.index)
    repeated = accepted[schema.RESPONSE_ID].duplicated(keep="first")
    dropped = [exact] if exact is not None else []
    conflicts = 0
    if repeated.any():
        first = accepted[~repeated].drop_duplicates(schema.RESPONSE_ID).set_index(schema.RESPONSE_ID)
        later = accepted[repeated]
        kept = first.loc[later[schema.RESPONSE_ID]]
        same = later[schema.SCORE].to_numpy() == kept[schema.SCORE].to_numpy()
        conflicts = int((~same).sum())
        dropped.append(_duplicate_rows(
            raw, later.index, row_of, np.where(same, REPEATED_SAME, REPEATED_CONFLICT),
            kept_source_row=row_of.loc[kept["_row"]].to_numpy(),
            kept_response_id=later[schema.RESPONSE_ID].to_numpy(),
            response_id=later[schema.RESPONSE_ID].to_numpy(), score=later[schema.SCORE].to_numpy(),
            kept_score=kept[schema.SCORE].to_numpy()))
    accepted = accepted[~repeated]
    superseded = 0
    if latest_per_respondent:
        has_id = accepted[schema.RESPONDENT_ID].notna()
        order = accepted.sort_values(schema.SUBMITTED_AT, kind="stable")
        older = order[has_id.loc[order.index]].duplicated(
            [schema.RESPONDENT_ID, schema.QUARTER], keep="last")
        drop = older[older].index
        superseded = len(drop)
        if superseded:
            latest = (order[has_id.loc[order.index]].drop_duplicates(
                [schema.RESPONDENT_ID, schema.QUARTER], keep="last")
                .set_index([schema.RESPONDENT_ID, schema.QUARTER]))
            gone = accepted.loc[drop]
            kept = latest.loc[list(zip(gone[schema.RESPONDENT_ID], gone[schema.QUARTER]))]
            dropped.append(_duplicate_rows(
                raw, drop, row_of, SUPERSEDED,
                kept_source_row=row_of.loc[kept["_row"]].to_numpy(),
                kept_response_id=kept[schema.RESPONSE_ID].to_numpy(),
                response_id=gone[schema.RESPONSE_ID].to_numpy(), score=gone[schema.SCORE].to_numpy(),
                kept_score=kept[schema.SCORE].to_numpy()))
        accepted = accepted.drop(index=drop)

    accepted = accepted.drop(columns="_row").reset_index(drop=True)
    accepted, name_notes = distinct_team_names(accepted)
    counts = {
        "rows_read": rows_read,
        "accepted": len(accepted),
        "rejected": int(is_rejected.sum()),
        "exact_duplicates": int(duplicated.sum()),
        "repeated_response_ids": int(repeated.sum()),
        "superseded": superseded,
        "missing_values": int(sum(missing_values.values())),
        "repaired_lines": 0,
    }
    duplicates = (pd.concat(dropped, ignore_index=True) if dropped
                  else pd.DataFrame(columns=DUPLICATE_COLUMNS))
    if exact is not None and len(exact):
        duplicates.loc[duplicates["reason"] == EXACT_DUPLICATE, "kept_response_id"] = (
            response_id.reindex(exact["_kept_index"].to_numpy()).to_numpy())
    duplicates = duplicates.drop(columns="_kept_index", errors="ignore")
    duplicates["source_file"] = source
    notes = []
    if conflicts:
        notes.append(f"{conflicts:,} repeated response id(s) had a different score from the answer kept "
                     "(the first): listed in duplicates.csv")
    if missing_values:
        shown = ", ".join(f"{name} {n:,}" for name, n in missing_values.items())
        listed = ", ".join(str(v).strip() for v in list(na_values)[:8])
        notes.append(f"cells holding a missing-value token ({listed}) read as "
                     f"blank: {shown}")
    refused = int(np.isin(reasons, ["score out of range 0..10", "score is not a whole number",
                                    "score not written as a plain number (exponent notation)"]).sum())
    notes += scale_notes(accepted[schema.SCORE], refused)
    notes += name_notes
    return LoadResult(accepted, rejected.reset_index(drop=True), counts,
                      kept_segments, kept_attributes, source, notes=notes,
                      duplicates=duplicates, missing_values=missing_values)


def scale_notes(scores: pd.Series, refused: int = 0) -> list[str]:
    """Warn when accepted scores do not look like answers to the 0-10 recommend question.

    A 1-10 scale (no 0 among many answers); one value for nearly every answer (a
    retweet count that is mostly 0 gives an NPS of -100); more score cells refused as
    not 0-10 integers (``refused``: out of range, fractional, exponent) than accepted
    (a 0-1 confidence value, a count).

    Examples
    --------
    >>> scale_notes(pd.Series([0] * 99 + [3]))[0][:40]
    '99% of the 100 accepted scores are 0: ch'
    """
    notes = []
    n = len(scores)
    if n >= 50 and scores.min() >= 1 and scores.max() == 10:
        notes.append(f"no score of 0 among {n:,} answers: this may be a 1-10 scale, which is not "
                     "the NPS 0-10 scale; scores are used as they are, never rescaled")
    if n >= 20:
        top = scores.value_counts()
        share = top.iloc[0] / n
        if share >= 0.9:
            notes.append(f"{share:.0%} of the {n:,} accepted scores are {int(top.index[0])}: check that the "
                         "score column holds answers to the 0-10 recommend question (not a count or a flag)")
    if refused > max(n, 0) and refused >= 10:
        notes.append(f"{refused:,} score cells are not whole numbers from 0 to 10, more than the {n:,} "
                     "accepted: check that the score column holds answers to the recommend question")
    return notes


def _bool(mask) -> np.ndarray:
    """A plain boolean array from a pandas / pyarrow mask (missing = False)."""
    if isinstance(mask, np.ndarray) and mask.dtype == bool:
        return mask
    if isinstance(mask, pd.Series):
        return mask.fillna(False).to_numpy(dtype=bool)
    if hasattr(mask, "to_numpy") and not isinstance(mask, np.ndarray):  # pyarrow
        return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)
    return np.asarray(mask, dtype=bool)


def _text(values, index, *, name: bool = False) -> pd.Series:
    """Stripped NFC text without control characters, ``<NA>`` where empty, as the
    canonical "string" dtype. A ``name`` (team, department) also loses bidi controls
    (a right-to-left override spoofs how it reads) and has its runs of white space
    (tabs, line breaks) made one space, as :func:`nps_report.naming.clean_name` does."""
    if values is None:
        return pd.Series(pd.NA, index=index, dtype="string")
    array = arrow_text(values)  # trimmed
    changed = False
    # Each step only where some cell needs it: a scan is cheaper than a rewrite of every
    # cell, and a scan of the column's bytes (textbytes) cheaper than a match per cell.
    non_ascii = has_non_ascii(array)
    if name and _runs_of_space(array):
        array, changed = pc.replace_substring_regex(array, r"\s+", " "), True
    control = _NAME_CONTROL if name else _TEXT_CONTROL
    # Every control of _TEXT_CONTROL is ASCII; _NAME_CONTROL's C1 and bidi controls are not.
    if (any_byte(array, _ASCII_CONTROLS[name]) or (name and non_ascii)) \
            and pc.any(pc.match_substring_regex(array, control)).as_py():
        array, changed = pc.replace_substring_regex(array, control, ""), True
    if changed:
        array = pc.utf8_trim_whitespace(array)
        non_ascii = has_non_ascii(array)
    if non_ascii:  # ASCII text is in NFC already
        array = pc.utf8_normalize(array, "NFC")
    array = pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)
    # straight from the arrow array: no Python string object per cell
    return pd.Series(pd.array(array, dtype="string"), index=index)


def _runs_of_space(array: pa.Array) -> bool:
    """Whether a trimmed name holds a tab, line break or form feed, or two white-space
    characters in a row (``[\\t\\n\\f\\r]|\\s\\s``, RE2's ``\\s`` being these and the
    space), from the column's bytes: its cells start and end with no white space, so two
    neighbouring bytes of white space are in one cell."""
    data = value_bytes(array)
    if not len(data):
        return False
    breaks = np.zeros(256, dtype=bool)
    breaks[[0x09, 0x0A, 0x0C, 0x0D]] = True
    if breaks[data].any():
        return True
    space = data == 0x20
    return bool((space[1:] & space[:-1]).any())


# Control characters a text cell never means (NUL, other C0 but tab/LF/CR, DEL).
_TEXT_CONTROL = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]"
#: The ASCII characters of each control class, by ``name``: C0 but tab/LF/CR and DEL in a
#: text cell; every C0 control and DEL in a name.
_ASCII_CONTROLS = {False: [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F],
                   True: [*range(0x00, 0x20), 0x7F]}
# ... and in a name: any C0/C1 control and the bidi controls (RE2 syntax; the same set as
# nps_report.naming.clean_name removes).
_NAME_CONTROL = "[\\x00-\\x1f\\x7f-\\x9f\\x{061c}\\x{200e}\\x{200f}\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]"


def distinct_team_names(responses: pd.DataFrame) -> tuple[pd.DataFrame, list]:
    """Give a team name used by two departments in the same quarter one name per
    department, and name the teams and departments that only look alike.

    Teams are keyed by name in every later step (tables, folders, lists); a "Support"
    team in Sales and another in Service would become one team. Each (department,
    team) pair whose team name occurs under another department in some quarter is
    renamed ``Support (Sales)`` / ``Support (Service)`` in every quarter (a team that
    only moved department between quarters keeps its name and its trend). Names that
    differ only by case, width or invisible characters (``Café``/``café``) are kept
    apart, with a note naming both.

    Returns
    -------
    (DataFrame, list of str)
        The responses (renamed where needed) and the notes to show.

    Examples
    --------
    >>> frame = pd.DataFrame({"team": ["Support", "Support", "Café", "café"],
    ...                       "department": ["Sales", "Service", "Ops", "Ops"], "quarter": ["2026Q3"] * 4})
    >>> renamed, notes = distinct_team_names(frame)
    >>> sorted(renamed["team"])
    ['Café', 'Support (Sales)', 'Support (Service)', 'café']
    >>> len(notes)
    2
    """
    notes = []
    if responses.empty or schema.DEPARTMENT not in responses:
        return responses, notes
    keys = [schema.QUARTER] if schema.QUARTER in responses else []
    pairs = responses[keys + [schema.TEAM, schema.DEPARTMENT]].drop_duplicates()
    shared = pairs.groupby(keys + [schema.TEAM], observed=True)[schema.DEPARTMENT].nunique()
    shared_names = sorted(set(shared[shared > 1].index.get_level_values(schema.TEAM)))
    if shared_names:
        taken = set(pairs[schema.TEAM].astype(str))
        renames = {}
        for team in shared_names:
            departments = sorted(pairs.loc[pairs[schema.TEAM] == team, schema.DEPARTMENT].astype(str).unique())
            new = []
            for department in departments:
                renames[(team, department)] = name = team_in_department(team, department, taken)
                taken.add(name)
                new.append(name)
            notes.append(f"team {team!r} occurs under departments {', '.join(map(repr, departments))}: "
                         f"read as {', '.join(map(repr, new))} (one team per department)")
        responses = responses.copy()
        index = pd.MultiIndex.from_frame(responses[[schema.TEAM, schema.DEPARTMENT]].astype(str))
        mapped = pd.Series(index.map(lambda pair: renames.get(pair)), index=responses.index)
        responses[schema.TEAM] = responses[schema.TEAM].where(mapped.isna(), mapped).astype("string")
    for column, what in ((schema.TEAM, "teams"), (schema.DEPARTMENT, "departments")):
        for group in lookalikes(responses[column].dropna().unique()):
            notes.append(f"{what} {' and '.join(map(repr, group))} look alike (they differ only in case, "
                         "accents written differently, width or invisible characters): kept apart; "
                         "correct the data if they are one")
    return responses, notes


def blank_missing(values: pd.Series, na_values) -> tuple[pd.Series, int]:
    """``values`` with every missing-value token made blank, and how many there were.

    A cell is a token when, trimmed and case-folded, it is one of ``na_values``
    (already case-folded and trimmed). Cells that are blank already are not counted.

    Examples
    --------
    >>> blank_missing(pd.Series(["NA", " n/a ", "great", "", "None"]), {"na", "n/a", "none"})[1]
    3
    """
    if not na_values:
        return values, 0
    text = arrow_text(values)
    # Only a cell no longer than the longest token can be one (lower case never has fewer
    # code points): the others (comments, ids) are not case-folded at all.
    longest = max(len(str(token)) for token in na_values)
    # ASCII text has as many characters as bytes: lengths from the offsets, no pass per cell.
    lengths = byte_lengths(text) if not has_non_ascii(text) else pc.utf8_length(text).to_numpy()
    short = np.flatnonzero((lengths <= longest) & (lengths > 0))
    folded = pc.utf8_lower(text.take(pa.array(short)))
    hits = np.zeros(len(text), dtype=bool)
    hits[short] = _bool(pc.is_in(folded, value_set=pa.array(sorted(na_values), type=pa.string())))
    count = int(hits.sum())
    if not count:
        return values, 0
    out = pd.Series(values, copy=True).astype(object)
    out[hits] = ""
    return out, count


def missing_value_counts(frame: pd.DataFrame, na_values=schema.NA_VALUES) -> pd.Series:
    """How many cells of each column of a raw table hold a missing-value token.

    For inspect and notes: a comment column in which most cells are ``NA`` has far
    fewer comments than it seems.

    Examples
    --------
    >>> frame = pd.DataFrame({"comment": ["NA", "slow", "N/A"], "score": ["9", "10", "7"]})
    >>> missing_value_counts(frame).to_dict()
    {'comment': 2, 'score': 0}
    """
    tokens = {str(v).strip().casefold() for v in na_values}
    return pd.Series({c: blank_missing(frame[c], tokens)[1] for c in frame.columns}, dtype="int64")


def exact_duplicate_rows(raw: pd.DataFrame, keep="first") -> np.ndarray:
    """Which rows repeat an earlier row cell for cell: ``raw.duplicated(keep=keep)``
    (``keep=False``: every row equal to another).

    Two rows are equal only if their first cells are, and their second cells ...: the
    rows whose cell repeats in each column in turn (among the rows still in question)
    are the only candidates, and the whole rows are compared among those only. In a
    survey export the response id or the time stamp leaves few or none after a column
    or two, so the check costs about one pass over one column instead of all of them.

    Examples
    --------
    >>> raw = pd.DataFrame({"id": ["1", "2", "1", "1"], "score": ["9", "7", "9", "8"]})
    >>> exact_duplicate_rows(raw).tolist()
    [False, False, True, False]
    >>> exact_duplicate_rows(raw, keep=False).tolist()
    [True, False, True, False]
    """
    out = np.zeros(len(raw), dtype=bool)
    if len(raw) < 2 or raw.shape[1] == 0:
        return out
    candidates = np.arange(len(raw))
    for position in range(raw.shape[1]):
        cells = raw.iloc[candidates, position]
        candidates = candidates[cells.duplicated(keep=False).to_numpy()]
        if len(candidates) < 2:
            return out
    out[candidates] = raw.iloc[candidates].duplicated(keep=keep).to_numpy()
    return out


def _exact_duplicates(raw: pd.DataFrame, duplicated: np.ndarray, source_row: np.ndarray) -> pd.DataFrame:
    """The rows dropped as exact duplicates, each with the source row of the one kept."""
    # Only the rows equal to another (the dropped ones and those they repeat) are hashed.
    involved = np.flatnonzero(exact_duplicate_rows(raw, keep=False))
    hashes = pd.util.hash_pandas_object(raw.iloc[involved], index=False).to_numpy()
    first = np.arange(len(raw))
    first[involved] = pd.Series(involved).groupby(hashes).transform("min").to_numpy()
    where = np.flatnonzero(duplicated)
    cells = raw.iloc[where]
    head = pd.DataFrame({
        "source_row": source_row[where], "reason": EXACT_DUPLICATE,
        "kept_source_row": source_row[first[where]], "kept_response_id": None,
        "response_id": None, "score": None, "kept_score": None,
        "_kept_index": raw.index[first[where]]}, index=cells.index)
    return _with_cells(head, cells)


def _duplicate_rows(raw, index, row_of, reason, **columns) -> pd.DataFrame:
    """Dropped rows (labels ``index`` of ``raw``) with why and the row kept."""
    cells = raw.loc[index]
    head = pd.DataFrame({"source_row": row_of.loc[index].to_numpy(), "reason": reason,
                         **columns}, index=cells.index)
    return _with_cells(head, cells)


def _with_cells(head: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    head = head.copy()
    cells = cells.astype(object)  # Python strings whichever parser read them
    if "source_file" not in head:
        head.insert(0, "source_file", "")
    clashes = {c: f"{c} (source)" for c in cells.columns if c in head.columns}
    return pd.concat([head, cells.rename(columns=clashes) if clashes else cells], axis=1)


def write_rejected(result: LoadResult, path) -> Path:
    """Write the rejected rows to ``path`` and return it; the file always exists.

    A formula-safe CSV (:func:`nps_report.spreadsheets.write_csv`): a cell such as
    ``=HYPERLINK(...)`` from the source is written ``'=HYPERLINK(...)``.
    """
    return write_csv(result.rejected, path, columns=REJECTED_COLUMNS)


def write_duplicates(result: LoadResult, path) -> Path:
    """Write the dropped duplicates (why, and the row kept) to ``path``; the file always exists.

    One row per row counted as ``exact_duplicates``, ``repeated_response_ids`` or
    ``superseded``, formula-safe like :func:`write_rejected`.
    """
    return write_csv(result.duplicates, path, columns=DUPLICATE_COLUMNS)
