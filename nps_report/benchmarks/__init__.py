"""Benchmarks: team vs rest of department and company, ranks, QoQ/YoY changes, trends, external NPS.

One module per concern, each importing only the ones before it:

==============  ===================================================================
``counting``    column checks, category counts per group, the display floor, one
                two-sample comparison of counts (shared by the modules below)
``verdicts``    one family's p-values adjusted (Benjamini-Hochberg), the
                ``significant`` column and the wording of a verdict
``internal``    a team against the rest of its department or company, NPS of team,
                department and company, ranks (:func:`team_vs_rest`, :func:`team_ranks`)
``over_time``   the trend with interval bands and QoQ / YoY changes
                (:func:`trend`, :func:`changes`)
``external``    published NPS figures read from a file and a score's gap to each
                (:func:`load_external_benchmarks`, :func:`external_gaps`)
==============  ===================================================================

The names below are the package's public API; import them from here
(``from nps_report import benchmarks; benchmarks.changes(...)``).
"""

from __future__ import annotations

from .external import EXTERNAL_COLUMNS, ExternalBenchmark, external_gaps, load_external_benchmarks
from .internal import (COMPANY, RANK_DRAWS, describe_gap, describe_rank, internal_benchmarks,
                       ordinal, rank_intervals, shrinkage_prior, team_ranks, team_vs_rest)
from .over_time import COMPARISON_LABELS, changes, describe_change, trend
from .verdicts import (ADJUSTMENT_BH, ADJUSTMENT_NONE, adjust_pvalues, detectable_text, format_p,
                       method_note)

__all__ = [
    "ADJUSTMENT_BH",
    "ADJUSTMENT_NONE",
    "COMPANY",
    "COMPARISON_LABELS",
    "RANK_DRAWS",
    "EXTERNAL_COLUMNS",
    "ExternalBenchmark",
    "adjust_pvalues",
    "changes",
    "describe_change",
    "describe_gap",
    "describe_rank",
    "detectable_text",
    "external_gaps",
    "format_p",
    "internal_benchmarks",
    "load_external_benchmarks",
    "method_note",
    "ordinal",
    "rank_intervals",
    "shrinkage_prior",
    "team_ranks",
    "team_vs_rest",
    "trend",
]
