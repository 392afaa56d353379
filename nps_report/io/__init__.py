"""Importers: read survey data from files, survey-tool exports and databases into canonical rows."""

from __future__ import annotations

from .load import LoadResult, parse_scores, resolve_mapping, to_canonical, write_rejected
from .readers import RawTable, detect_encoding, read_table

__all__ = ["LoadResult", "RawTable", "detect_encoding", "load_responses", "parse_scores",
           "read_source", "read_table", "resolve_mapping", "to_canonical", "write_rejected"]


def read_source(source) -> RawTable:
    """Read the raw table a :class:`~nps_report.params.DataSource` points to."""
    return read_table(source.path, format=source.format, encoding=source.encoding, sheet=source.sheet)


def load_responses(params) -> LoadResult:
    """Load and validate the responses of a build (a :class:`~nps_report.params.BuildParams`).

    Relative paths are taken from the current working directory.
    """
    source = params.data
    raw = read_source(source)
    return to_canonical(
        raw.frame, mapping=source.columns, constants=source.constants,
        segments=source.segments, attributes=source.attributes,
        source_timezone=source.source_timezone, dayfirst=source.dayfirst,
        timezone=params.timezone, fiscal_year_start_month=params.fiscal_year_start_month,
        latest_per_respondent=params.dedupe.latest_per_respondent, path=raw.path)
