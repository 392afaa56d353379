"""Read a build's data source (file or database), merge the importer's suggested mapping
with the build's own, and load canonical responses."""

from __future__ import annotations

import dataclasses

import pandas as pd

from .. import schema
from ..exceptions import DataError
from .columns import snake
from .groups import nps_group_problems
from .join import join_side_files
from .layouts import import_grid
from .load import LoadResult, missing_value_counts, to_canonical
from .readers import MAX_CELL_CHARS, MAX_COLUMNS, RawTable, read_grid, read_sql
from .survey_definition import read_survey_definition


def import_source(source) -> RawTable:
    """Read the raw table a :class:`~nps_report.params.DataSource` points to, its layout
    detected (``format: auto``) or as given, with a suggested column mapping (and the
    question texts of ``survey_definition``, when given)."""
    # Columns the build names itself need no guess (and no time spent guessing).
    given = set(source.columns.values()) | set(source.constants)
    definition = (read_survey_definition(source.survey_definition)
                  if getattr(source, "survey_definition", None) else None)
    if source.sql is not None:
        grid = read_sql(source.sql)
        return import_grid(grid, format="auto" if source.format in ("auto", "sql") else source.format,
                           given=given, definition=definition)
    grid = read_grid(source.path, format=source.format, encoding=source.encoding, sheet=source.sheet,
                     max_columns=getattr(source, "max_columns", MAX_COLUMNS),
                     max_cell_chars=getattr(source, "max_cell_chars", MAX_CELL_CHARS))
    return with_decoding(import_grid(grid, format=source.format, given=given, definition=definition), grid)


def read_table(path, *, format: str = "auto", encoding: str = "auto", sheet=None,
               survey_definition=None, told_by: str = "from the build file") -> RawTable:
    """Read a file into a :class:`RawTable` of string cells, its layout detected.

    ``format`` is ``auto`` (detect), a survey tool (``qualtrics`` ...) or a plain
    container (``csv``, ``xlsx``, ``parquet``: one header row, no detection);
    ``told_by`` says where an explicit format came from. ``survey_definition``: a
    Qualtrics ``.qsf`` file naming the questions.

    Raises
    ------
    DataError
        Naming the file when it is missing, unreadable or not the format expected.
    """
    definition = read_survey_definition(survey_definition) if survey_definition else None
    grid = read_grid(path, format=format, encoding=encoding, sheet=sheet)
    raw = with_decoding(import_grid(grid, format=format, told_by=told_by, definition=definition), grid)
    tokens = missing_value_counts(raw.frame)
    tokens = tokens[tokens > 0].sort_values(ascending=False, kind="stable")
    if len(tokens):
        shown = ", ".join(f"{c!r} {n:,} of {len(raw.frame):,}" for c, n in tokens.head(6).items())
        raw = dataclasses.replace(raw, notes=raw.notes + (
            f"cells holding a missing-value token ({', '.join(schema.NA_VALUES)}), read as blank: {shown}",))
    return raw


def with_decoding(raw: RawTable, grid) -> RawTable:
    """``raw`` with how its file was decoded (``grid.decoding``) and the repairs as notes."""
    decoding = getattr(grid, "decoding", None)
    if decoding is None:
        return raw
    return dataclasses.replace(raw, decoding=decoding, notes=raw.notes + tuple(decoding.notes()))


def merged_mapping(raw: RawTable, columns: dict, constants: dict) -> dict:
    """The build's mapping plus the importer's suggestions for targets it leaves open.

    A suggestion is dropped when its column is already mapped, its target is already
    given by a column or a constant, or the build maps nothing and the suggestion is
    empty (then the loader's own canonical-name rule applies).
    """
    merged = dict(columns)
    taken = set(columns.values()) | set(constants)
    for column, target in raw.mapping.items():
        if column in merged or target in taken or column not in raw.frame.columns:
            continue
        merged[column] = target
        taken.add(target)
    return merged


def load_source(source, *, timezone: str = "UTC", fiscal_year_start_month: int = 1,
                latest_per_respondent: bool = False, raw: RawTable | None = None) -> LoadResult:
    """Load and validate the responses of one :class:`~nps_report.params.DataSource`.

    Every row read ends accepted, rejected with a reason, or counted as a duplicate.

    Raises
    ------
    DataError
        When the source cannot be read or has no usable score, date or team; the
        message says why (for example: a Qualtrics export without an NPS question).
    """
    raw = raw if raw is not None else import_source(source)
    joins = []
    join_problems = None
    if getattr(source, "join", None):
        raw, joins, join_problems = join_side_files(raw, source.join, dayfirst=source.dayfirst)
    constants = dict(source.constants)
    mapping = merged_mapping(raw, dict(source.columns), constants)
    _explain_missing(raw, mapping, constants)
    problems = [p for p in (raw.row_problems, join_problems) if p is not None and len(p)]
    notes = list(raw.notes)
    score_column = next((c for c, t in mapping.items() if t == schema.SCORE), None)
    spec = raw.nps_groups.get(score_column)
    if spec is not None:
        found, group_notes = nps_group_problems(raw.frame, score_column, spec)
        if len(found):
            problems.append(found)
        notes += group_notes
    row_problems = None
    if len(problems) == 1:
        row_problems = problems[0]
    elif problems:
        row_problems = pd.concat(problems)
        row_problems = row_problems[~row_problems.index.duplicated(keep="first")]
    zone = source.source_timezone
    if raw.source_timezone and raw.source_timezone != zone:
        # The export states its zone in the header (Typeform's "Submit Date (UTC)").
        notes.append(f"dates read in {raw.source_timezone}, the zone the file's header states "
                     f"(source_timezone {zone} is not used for them)")
        zone = raw.source_timezone
    result = to_canonical(
        raw.frame, mapping=mapping, constants=constants,
        segments=source.segments, attributes=source.attributes,
        source_timezone=zone, dayfirst=source.dayfirst,
        timezone=timezone, fiscal_year_start_month=fiscal_year_start_month,
        latest_per_respondent=latest_per_respondent, path=raw.path, row_problems=row_problems,
        na_values=getattr(source, "na_values", schema.NA_VALUES))
    if raw.decoding is not None:
        result.counts["repaired_lines"] = raw.decoding.repaired_lines
    result.format = raw.format
    result.joins = joins
    result.notes = notes + result.notes
    return result


def _explain_missing(raw: RawTable, mapping: dict, constants: dict) -> None:
    """Raise the importer's explanation when no column gives the score."""
    if mapping:
        given = set(mapping.values()) | set(constants)
    else:
        given = {snake(c) for c in raw.frame.columns} | set(constants)
    found = ", ".join(map(repr, list(raw.frame.columns)[:40]))
    if schema.SCORE not in given and raw.no_score:
        raise DataError(f"no column gives 'score': {raw.no_score} (columns found: {found})",
                        path=raw.path, column=schema.SCORE)
    if schema.SUBMITTED_AT not in given and schema.SCORE in given:
        raise DataError(
            "no column gives 'submitted_at': map the column holding the response dates to it, or, "
            "if the file has none, set the survey date as a constant (constants: {submitted_at: "
            f"\"2026-09-30\"}}) (columns found: {found})", path=raw.path, column=schema.SUBMITTED_AT)


__all__ = ["import_source", "load_source", "merged_mapping", "read_table"]
