"""Importers: read survey data from files, survey-tool exports and databases into canonical rows.

Modules, in the order data flows through them (each imports only those above it):

``dates``    parse date and timestamp cells (formats, day/month order, time zones)
``decoding`` decode a text file line by line where its lines disagree; repair and count
``readers``  read a file or SQL query as a grid of text cells (encoding, delimiter)
``columns``  guess column roles (score, date, comment, team, id) from headers and cells
``load``     turn a raw table into canonical, validated responses (rejected rows kept)
``groups``   check stated Promoter/Passive/Detractor groups against the scores
``layouts``  survey-tool layouts: detect the tool, apply its header rows, suggest a mapping
``source``   read a build's data source through the above
``inspect``  describe an export and suggest the build file that loads it
===========  ==========================================================================
=======
=====================  ==============================================================================
``dates``              parse date and timestamp cells (formats, day/month order, time zones)
``decoding``           decode a text file line by line where its lines disagree; repair and count
``survey_definition``  Qualtrics survey definitions (.qsf): questions, kinds, choice labels
``xml_export``         Qualtrics XML exports (``<Responses><Response>``) as a table of text cells
``readers``            read a file or SQL query as a grid of text cells (encoding, delimiter)
``columns``            guess column roles (score, date, comment, team, id) from headers and cells
``load``               turn a raw table into canonical, validated responses (rejected rows kept)
``groups``             check stated Promoter/Passive/Detractor groups against the scores
``layouts``            survey-tool layouts: detect the tool, apply its header rows, suggest a mapping
``join``               join side files to the responses by a key (``data.join``), counted
``source``             read a build's data source through the above
``inspect``            describe an export and suggest the build file that loads it
=====================  ==============================================================================
"""

from __future__ import annotations

from . import dates
from .layouts import FORMATS, detect_format, import_grid
from .load import (LoadResult, missing_value_counts, parse_scores, resolve_mapping, to_canonical,
                   write_duplicates, write_rejected)
from .readers import RawTable, detect_encoding, read_grid, read_sql
from .source import import_source, load_source, merged_mapping, read_table

__all__ = ["FORMATS", "LoadResult", "RawTable", "dates", "detect_encoding", "detect_format",
           "import_grid", "import_source", "load_responses", "load_source", "merged_mapping",
           "parse_scores", "read_grid", "read_source", "read_sql", "read_table", "resolve_mapping",
           "to_canonical", "write_duplicates", "write_rejected", "missing_value_counts"]


def read_source(source) -> RawTable:
    """Read the raw table a :class:`~nps_report.params.DataSource` points to (file or
    database), its layout detected, with a suggested column mapping."""
    return import_source(source)


def load_responses(params) -> LoadResult:
    """Load and validate the responses of a build (a :class:`~nps_report.params.BuildParams`).

    ``data.format: auto`` detects the survey tool; its suggested mapping fills the
    canonical columns the build's ``columns`` leave open. Relative paths are taken
    from the current working directory.
    """
    return load_source(params.data, timezone=params.timezone,
                       fiscal_year_start_month=params.fiscal_year_start_month,
                       latest_per_respondent=params.dedupe.latest_per_respondent)
