"""Report options: the one typed object every report reads, and the one place each default is written.

A build file's statistics, comparison, window and file settings become one frozen
:class:`ReportOptions` (see :meth:`nps_report.params.BuildParams.report_options`). It
travels to report kernels as JSON (``context.json``) and comes back as the same object.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from . import stats
from .truncation import COMMENT_MAX_CHARS

__all__ = ["Loop", "ReportOptions", "Windows", "default", "resolve_file"]


class Windows(BaseModel):
    """Which responses count as "current": date used, rolling window, expiry age."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Use the transaction date (when the customer was served) where a source has one.
    date: Literal["submitted_at", "transaction_at"] = "submitted_at"
    rolling_days: Optional[int] = Field(None, ge=1)
    max_age_days: Optional[int] = Field(None, ge=1)

    @property
    def active(self) -> bool:
        """True when a rolling window or an expiry age changes what "current" means."""
        return bool(self.rolling_days or self.max_age_days)


class Loop(BaseModel):
    """Closing the loop with detractors: where returned workbooks are, and the service level.

    ``returns``: the folder the team leads' filled-in close-the-loop workbooks (or CSVs)
    are put in, relative to the build file (None: no returns read). ``sla_hours``: how
    soon a detractor should hear back (48 hours, the common service level).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    returns: Optional[str] = None
    sla_hours: float = Field(48.0, gt=0)


class ReportOptions(BaseModel):
    """Everything a report's numbers depend on besides the data (frozen).

    Attributes
    ----------
    confidence : float
        Level of every interval (0.95).
    interval : {"adjusted_wald", "wald", "bootstrap"}
        How an NPS interval is computed; see :func:`nps_report.stats.interval_from_counts`.
    display_floor : int
        Fewest responses for a score to be shown.
    precision_moe : float
        A margin of error above this many points marks a score as imprecise.
    bootstrap_samples : int
        Resamples of the bootstrap interval.
    seed : int
        Seed of every random step (bootstrap, topic discovery, driver intervals).
    alpha : float
        Significance level of the change and gap tests.
    fdr : bool
        Benjamini-Hochberg control of the false discovery rate over each family of tests.
    min_detractors : int
        Fewest commenting detractors mentioning a comment theme for it to be called a
        pain point (see :func:`nps_report.themes.theme_impact`).
    trend_quarters : int
        Quarters in a trend, the report's quarter included.
    timezone : str
        Where quarter boundaries fall (IANA name).
    fiscal_year_start_month : int
        First month of the fiscal year (1: calendar quarters).
    comment_max_chars : int
        Characters of a comment shown in a report's verbatims and a close-the-loop list;
        a longer one is cut and ends with "(truncated)".
    redact_patterns : tuple of str
        Regular expressions of identifiers of the company's own format, redacted in
        quoted comments as ``[id]`` (see :func:`nps_report.redact.redact`).
    windows : Windows
        Rolling window and expiry of the current responses.
    loop : Loop
        Returned close-the-loop workbooks and the follow-up service level (48 hours).
    benchmarks, themes, actions : str or None
        The published-benchmarks, theme-taxonomy and action-rules files (None: none,
        or the shipped file for themes and actions).

    Examples
    --------
    >>> from nps_report.options import ReportOptions
    >>> options = ReportOptions(confidence=0.9)
    >>> options.display_floor, options.grouped_nps_kwargs()["confidence"]
    (5, 0.9)
    >>> ReportOptions.model_validate_json(options.model_dump_json()) == options
    True
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    confidence: float = Field(0.95, gt=0, lt=1)
    interval: Literal["adjusted_wald", "wald", "bootstrap"] = "adjusted_wald"
    display_floor: int = Field(stats.DISPLAY_FLOOR, ge=1)
    precision_moe: float = Field(stats.PRECISION_MOE, gt=0)
    bootstrap_samples: int = Field(2000, ge=100)
    seed: int = 0
    alpha: float = Field(0.05, gt=0, lt=1)
    fdr: bool = True
    min_detractors: int = Field(5, ge=1)
    trend_quarters: int = Field(8, ge=2)
    timezone: str = "UTC"
    fiscal_year_start_month: int = Field(1, ge=1, le=12)
    # Longer comments are shortened, with a visible mark, in reports and lists (a
    # spreadsheet cell holds at most 32,767 characters).
    comment_max_chars: int = Field(COMMENT_MAX_CHARS, ge=50, le=32_000)
    # The company's own identifiers to redact in quoted comments (regular expressions).
    redact_patterns: tuple[str, ...] = ()
    windows: Windows = Windows()
    loop: Loop = Loop()
    benchmarks: Optional[str] = None
    themes: Optional[str] = None
    actions: Optional[str] = None

    def grouped_nps_kwargs(self) -> dict:
        """Keyword arguments of :func:`nps_report.stats.grouped_nps`.

        Examples
        --------
        >>> sorted(ReportOptions().grouped_nps_kwargs())
        ['confidence', 'display_floor', 'method', 'n_boot', 'precision_moe', 'seed']
        """
        return {"method": self.interval, "confidence": self.confidence,
                "display_floor": self.display_floor, "precision_moe": self.precision_moe,
                "n_boot": self.bootstrap_samples, "seed": self.seed}

    def changes_kwargs(self) -> dict:
        """Keyword arguments of :func:`nps_report.benchmarks.changes` (and ``team_vs_rest``).

        Examples
        --------
        >>> ReportOptions(fdr=False).changes_kwargs()["fdr"]
        False
        """
        return {"fdr": self.fdr, "alpha": self.alpha, "confidence": self.confidence,
                "display_floor": self.display_floor}

    def interval_kwargs(self) -> dict:
        """Keyword arguments of the interval tables (``trend``, ``team_ranks``, ``internal_benchmarks``).

        Examples
        --------
        >>> ReportOptions().interval_kwargs()["method"]
        'adjusted_wald'
        """
        return {"method": self.interval, "confidence": self.confidence,
                "display_floor": self.display_floor}

    def with_files_from(self, base) -> "ReportOptions":
        """A copy whose benchmark, theme and action files are resolved from ``base``.

        See :func:`resolve_file` (the one place file paths are resolved).

        Examples
        --------
        >>> ReportOptions(themes="params/themes.yaml").with_files_from("/x").themes
        '/x/params/themes.yaml'
        """
        return self.model_copy(update={key: resolve_file(getattr(self, key), base)
                                       for key in ("benchmarks", "themes", "actions")})


def resolve_file(path, base) -> Optional[str]:
    """A file named in a build file, as a report reads it: ``base / path`` when relative.

    URLs (``s3://...``) and absolute paths are returned unchanged; ``None`` stays ``None``.

    Examples
    --------
    >>> resolve_file("params/themes.yaml", "/builds/demo")
    '/builds/demo/params/themes.yaml'
    >>> resolve_file(None, "/x") is None
    True
    """
    if not path:
        return None
    if "://" in str(path) or base is None:
        return str(path)
    path = Path(path)
    return str(path if path.is_absolute() else Path(base) / path)


def default(name: str):
    """The default of the option ``name`` (for the build file's own sections).

    Examples
    --------
    >>> default("confidence")
    0.95
    """
    return ReportOptions.model_fields[name].default
