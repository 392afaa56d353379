"""A team report's tables: one team, one quarter, computed in dependency order.

Everything a team report shows is a field of :class:`TeamTables`, computed by
:func:`team_tables` from the build's context and build tables, with no notebook state:
the actions are ranked from the drivers and themes tables computed just before them, so
showing only the actions gives the same actions as the whole report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from .. import actions, benchmarks, drivers, schema, stats, themes
from ..actions.ids import with_action_ids
from ..loading import loading_figures
from ..options import ReportOptions
from ..storage import ParsedFiles
from .build import current_responses, window_quarters
from .saving import SavedTables
from .theme_change import theme_shares

__all__ = ["DRIVER_BOOTSTRAP", "TeamTables", "comment_tables", "comparison_table", "driver_table",
           "external_table", "rating_scales",
           "segment_table", "team_tables"]

#: Bootstrap resamples of a report's key-driver intervals.
DRIVER_BOOTSTRAP = 200


@dataclass(frozen=True, eq=False)
class TeamTables(SavedTables):
    """Everything one team report shows, as DataFrames (see :func:`team_tables`).

    Attributes
    ----------
    team, department, quarter : str
    options : ReportOptions
    responses : DataFrame
        The current responses of the team (:func:`~nps_report.tables.build.current_responses`).
    headline : DataFrame
        One row of :func:`nps_report.stats.grouped_nps` (the build's NPS row of the team).
    changes : DataFrame
        The team's rows of the build's changes (QoQ, YoY) with their ``family``, the
        ``test`` that gave each verdict and ``mde``, the smallest change the two quarters'
        sample sizes detect with 80% power at the build's alpha (the headline says it).
    trend : DataFrame
        The team's NPS per quarter over the trend window.
    segments : DataFrame
        Long form: ``segment``, ``value`` and the :func:`~nps_report.stats.grouped_nps`
        columns, largest groups first within each segment.
    comparison : DataFrame
        Team, department and company NPS, the columns of
        :func:`nps_report.benchmarks.internal_benchmarks` (the build's NPS rows; scores
        blank below the display floor).
    gaps : DataFrame
        The team against the rest of its department and of the company (the build's rows
        of :func:`nps_report.benchmarks.team_vs_rest`, with their ``family``).
    rank : DataFrame
        The team's company-wide rank (one row of the build's ranks).
    external : DataFrame
        Gaps to published benchmarks (:func:`nps_report.benchmarks.external_gaps`);
        empty without a benchmarks file or without a score.
    drivers : DataFrame
        Key drivers (:func:`nps_report.drivers.key_drivers`); empty without
        attribute columns.
    drivers_status, drivers_reason : str
        ``"ok"`` or why there is no driver analysis (``"no_attributes"`` ...).
    themes : DataFrame
        Theme impact (:func:`nps_report.themes.theme_impact`), taxonomy themes and topics.
    topics : DataFrame
        Discovered topics the theme list does not cover.
    verbatims : DataFrame
        Redacted quotes per theme (:func:`nps_report.themes.verbatims`).
    previous_themes : DataFrame
        Taxonomy theme impact of the previous quarter (what the decline rule compares with).
    actions : DataFrame
        Ranked actions (:func:`nps_report.actions.recommend`) from the tables above,
        with their ``action_id`` (:func:`nps_report.actions.ids.action_id`).
    anomalies : DataFrame
        The team's anomaly flags this quarter.
    families : DataFrame
        The build's multiple-testing families (which one the team's changes belong to,
        and how many tests it adjusts over).
    data_quality : DataFrame
        One row: ``used``, the build's loading figures (``rows_read``, ``rejected``,
        ``duplicates``, ``missing_values``, ``repaired_lines``: see
        :func:`nps_report.loading.loading_figures`), ``below_floor`` (quarters of the trend without a
        score, ``"; "``-joined), ``display_floor``, ``trend_responses``, ``expired``.
    window_note : str
        What "current" means when the build file sets a window ("" otherwise).
    loop : DataFrame
        The team's loop figures, previous quarter and this one (the build's rows of
        :func:`nps_report.loop.loop_figures`: counts and shares, no names, no ids).
    callback : DataFrame
        "Did calling back help?": the team's rows of :func:`nps_report.loop.callback_effect`
        (empty when the team has never returned a workbook).
    """

    KIND: ClassVar[str] = "team"
    NOT_SAVED: ClassVar[tuple] = ("responses",)  # the build's data, naming customers

    team: str
    department: str
    quarter: str
    options: ReportOptions
    responses: pd.DataFrame
    headline: pd.DataFrame
    changes: pd.DataFrame
    trend: pd.DataFrame
    segments: pd.DataFrame
    comparison: pd.DataFrame
    gaps: pd.DataFrame
    rank: pd.DataFrame
    external: pd.DataFrame
    drivers: pd.DataFrame
    drivers_status: str
    drivers_reason: str
    themes: pd.DataFrame
    topics: pd.DataFrame
    verbatims: pd.DataFrame
    previous_themes: pd.DataFrame
    actions: pd.DataFrame
    anomalies: pd.DataFrame
    families: pd.DataFrame
    data_quality: pd.DataFrame
    window_note: str = ""
    loop: pd.DataFrame | None = None
    callback: pd.DataFrame | None = None


# ----------------------------------------------------------------------------- building blocks
def segment_table(current: pd.DataFrame, segments, options: ReportOptions) -> pd.DataFrame:
    """NPS per value of each segment column, long form (``segment``, ``value``, NPS columns)."""
    parts = []
    codes = stats.categorize(current["score"]).cat.codes.to_numpy() if segments else None
    for segment in segments:
        table = stats.nps_table_from_counts(_segment_counts(current[segment], codes),
                                            **options.grouped_nps_kwargs())
        table = table.sort_values("n", ascending=False, kind="stable")
        parts.append(table.rename(columns={segment: "value"}).assign(segment=segment))
    if not parts:
        return pd.DataFrame(columns=["segment", "value"] + stats.NPS_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["value"] = out["value"].astype("string")
    return out[["segment", "value"] + stats.NPS_COLUMNS]


def _segment_counts(values: pd.Series, codes: np.ndarray) -> pd.DataFrame:
    """Detractors, passives and promoters per value of a segment column, as
    ``stats.grouped_nps(data, [column])`` groups them (values sorted, a missing value
    last, a value whose scores are all missing kept with zero counts), counted once
    from the scores' category codes (``codes``, -1 for a missing score) instead of a
    group-by per column."""
    keys, uniques = pd.factorize(values, sort=True, use_na_sentinel=False)
    counts = np.zeros((len(uniques), 3), dtype="int64")
    scored = codes >= 0
    np.add.at(counts, (keys[scored], codes[scored]), 1)
    return pd.DataFrame({values.name: uniques, "detractors": counts[:, 0],
                         "passives": counts[:, 1], "promoters": counts[:, 2]})


def rating_scales(ctx) -> dict:
    """``{attribute: (lowest, highest)}`` over all of the build's responses.

    The common scale of the key-driver quadrant: one scale per rating for every report of
    the build, so a team that happened to give no rating of 1 to a question does not see
    that question moved to another quadrant. Read once per build (only the attribute
    columns) and kept.
    """
    attributes = tuple(ctx.attributes or ())
    if not attributes:
        return {}
    # A build's file is read once; responses held in memory are cheap to scan again.
    key = (str(ctx.data_path), ctx.fingerprint, attributes) if ctx.data_path else None
    if key in _SCALES:
        return _SCALES[key]
    values = ctx.responses(columns=list(attributes)).apply(pd.to_numeric, errors="coerce")
    scales = {a: (float(values[a].min()), float(values[a].max())) for a in attributes
              if values[a].notna().any() and values[a].max() > values[a].min()}
    if key is not None:
        _SCALES[key] = scales
    return scales


# Rating scales per build (see rating_scales): small, one entry per build read.
_SCALES: dict = {}


def driver_table(current: pd.DataFrame, attributes, options: ReportOptions,
                 rules, *, scales: dict | None = None) -> tuple[pd.DataFrame, str, str]:
    """Key drivers of ``current``; (table, status, reason).

    The tests that decide which ratings the report names (the model's F-test, partial
    F-tests, intervals of pairwise differences) run at the build's ``alpha``; the
    intervals shown at its ``confidence``. ``scales`` (:func:`rating_scales`) puts the
    ratings' performance on their scales; default the range observed in ``current``.
    """
    if not attributes:
        return (pd.DataFrame(columns=drivers.COLUMNS), "no_attributes",
                "The build file lists no attribute-rating columns (add them under data.attributes).")
    table = drivers.key_drivers(current, drivers=list(attributes), n_boot=DRIVER_BOOTSTRAP,
                                seed=options.seed, confidence=options.confidence,
                                alpha=options.alpha, scales=scales)
    status, reason = str(table.attrs.get("status", "ok")), str(table.attrs.get("reason") or "")
    return table, status, reason


def comment_tables(current: pd.DataFrame, options: ReportOptions):
    """Themes (impact), discovered topics, redacted verbatims and the theme matches of ``current``
    (indexed as ``current.reset_index(drop=True)``)."""
    taxonomy = themes.load_taxonomy(options.themes)
    analysis = themes.analyze_comments(current.reset_index(drop=True), taxonomy=taxonomy,
                                       seed=options.seed, alpha=options.alpha,
                                       min_detractors=options.min_detractors,
                                       confidence=options.confidence, fdr=options.fdr,
                                       comment_max_chars=options.comment_max_chars,
                                       redact_patterns=options.redact_patterns)
    return (analysis.impact, analysis.topics.reset_index(drop=True), analysis.verbatims,
            analysis.matches)


def external_table(nps_value, options: ReportOptions) -> pd.DataFrame:
    """Gaps of ``nps_value`` to the build's published benchmarks (empty: no file or no score)."""
    if not options.benchmarks or nps_value is None or pd.isna(nps_value):
        return pd.DataFrame(columns=benchmarks.EXTERNAL_COLUMNS + ["nps", "gap", "position",
                                                                    "sentence"])
    return benchmarks.external_gaps(float(nps_value), _PUBLISHED.get(
        options.benchmarks, lambda: benchmarks.load_external_benchmarks(options.benchmarks)))


# Every report of a build shows the same benchmarks file (``external_gaps`` copies what it
# uses): read once per process and content of the file.
_PUBLISHED = ParsedFiles(limit=1)


def _followup(bt, team: str):
    rows = bt.followup[bt.followup[schema.TEAM] == team]
    return None if rows.empty else {k: rows.iloc[0][k] for k in ("count", "overdue", "oldest_days",
                                                                 "sla_hours")}


# ----------------------------------------------------------------------------- the report
def team_tables(ctx, *, team: str, quarter: str) -> TeamTables:
    """Every table of one team's report, computed in dependency order.

    Parameters
    ----------
    ctx : ReportContext
        The build's context (:func:`nps_report.context.load_context`).
    team, quarter : str

    Returns
    -------
    TeamTables

    Notes
    -----
    Order: current responses (:func:`~nps_report.tables.build.current_responses`), the
    build's rows of the team (headline, changes, trend, comparison with its department
    and the company, gaps to the rest of them, rank, anomalies, follow-up counts),
    segments, published benchmarks, key drivers (200 bootstrap
    resamples, the options' seed), comment themes, the
    previous quarter's themes, and last the actions, ranked from those tables only.

    Examples
    --------
    >>> from nps_report import context
    >>> from nps_report.tables import team_tables
    >>> t = team_tables(context.load_context(None), team="Billing Operations", quarter="2026Q3")
    >>> "Fix the recurring pain point: Billing errors" in t.actions["title"].tolist()
    True
    """
    options = ctx.options
    bt = ctx.build_tables(quarter)
    window = schema.quarter_range(quarter, options.trend_quarters)
    history = ctx.responses(teams=[team], quarters=sorted(
        set(window) | set(window_quarters(quarter, options)) | {schema.previous_quarter(quarter)}))
    if history.empty:
        raise ValueError(f"team {team!r} has no responses in {window[0]}..{quarter}")
    current, expired, note = current_responses(history, quarter=quarter, options=options)
    rules = ctx.action_rules()

    # The build's rows of this team: one verdict, one rank, one set of flags everywhere.
    own = bt.nps_row("team", team)
    if own is not None:
        mine = (bt.nps["level"] == "team") & (bt.nps[schema.TEAM] == team)
        headline = bt.nps.loc[mine, stats.NPS_COLUMNS].reset_index(drop=True)
        department = str(own[schema.DEPARTMENT])
    else:  # no current response: the headline says so (n = 0)
        headline = stats.grouped_nps(current, [], **options.grouped_nps_kwargs())
        department = str(history[schema.DEPARTMENT].iloc[-1])
    headline = headline.astype({"n": "int64", "shown": bool, "imprecise": bool})
    changes = bt.changes[(bt.changes["level"] == "team")
                         & (bt.changes[schema.TEAM] == team)].reset_index(drop=True)
    trend = bt.trend[(bt.trend["level"] == "team") & (bt.trend[schema.TEAM] == team)]
    trend = trend.drop(columns=["level"]).reset_index(drop=True)
    rank = bt.ranks[bt.ranks[schema.TEAM] == team].reset_index(drop=True)
    flags = bt.anomalies[bt.anomalies["team"] == team].reset_index(drop=True)

    segments = segment_table(current, ctx.segments, options)

    # Comparisons: the build's rows, from every team's current responses.
    comparison = comparison_table(bt, team=team, department=department)
    gaps = bt.gaps[bt.gaps[schema.TEAM] == team].reset_index(drop=True)
    row = headline.iloc[0]
    external = external_table(row["nps"] if row["shown"] else np.nan, options)

    driver, status, reason = driver_table(current, ctx.attributes, options, rules,
                                          scales=rating_scales(ctx))
    impact, topics, quotes, matches = comment_tables(current, options)
    # The decline rule names the themes that grew since the previous quarter.
    previous = history[history[schema.QUARTER] == schema.previous_quarter(quarter)]
    before = theme_shares(previous, taxonomy=themes.load_taxonomy(options.themes))

    ranked = actions.recommend(
        team_row=row, themes=impact, drivers=driver if status == "ok" else None,
        changes=changes, followup=_followup(bt, team), anomalies=flags,
        previous_themes=before, rules=rules, display_floor=options.display_floor, team=team,
        responses=current.reset_index(drop=True), matches=matches)
    ranked = with_action_ids(ranked, team=team)  # the action log's key, stable across quarters

    below = [q for q, s in zip(trend[schema.QUARTER], trend["shown"]) if not s]
    quality = pd.DataFrame([{
        "used": int(row["n"]), **loading_figures(ctx.counts),
        "below_floor": "; ".join(below), "display_floor": int(options.display_floor),
        "trend_quarters": len(window),
        "trend_responses": int(history[schema.QUARTER].isin(window).sum()),
        "expired": int(expired)}])
    return TeamTables(
        team=team, department=department, quarter=quarter, options=options,
        responses=current, headline=headline, changes=changes, trend=trend, segments=segments,
        comparison=comparison, gaps=gaps, rank=rank, external=external, drivers=driver,
        drivers_status=status, drivers_reason=reason, themes=impact, topics=topics,
        verbatims=quotes, previous_themes=before, actions=ranked, anomalies=flags,
        families=bt.families, data_quality=quality, window_note=note,
        loop=_team_rows(bt.loop, team), callback=_team_rows(bt.callback, team))


def _team_rows(table, team: str) -> pd.DataFrame | None:
    """The team's rows of a build table (None when the build tables predate it)."""
    if table is None:
        return None
    return table[table[schema.TEAM].astype(str) == team].reset_index(drop=True)


def comparison_table(bt, *, team: str, department: str) -> pd.DataFrame:
    """Team, department and company NPS rows of the build, as a benchmark chart draws them.

    The columns of :func:`nps_report.benchmarks.internal_benchmarks`: ``level``, ``name``,
    ``quarter``, ``n``, ``nps``, ``ci_low``, ``ci_high``, ``moe``, ``shown``,
    ``imprecise``; scores are blank (NaN) below the display floor.
    """
    nps = bt.nps
    keys = [("team", team, (nps["level"] == "team") & (nps[schema.TEAM] == team)),
            ("department", department,
             (nps["level"] == "department") & (nps[schema.DEPARTMENT] == department)),
            ("company", benchmarks.COMPANY, nps["level"] == "company")]
    rows = [nps.loc[mask].iloc[0].to_dict() | {"name": name} for level, name, mask in keys
            if mask.any()]
    columns = ["level", "name", "quarter", "n", "nps", "ci_low", "ci_high", "moe", "shown",
               "imprecise"]
    table = pd.DataFrame(rows).assign(quarter=bt.quarter) if rows else pd.DataFrame(columns=columns)
    hidden = ~table["shown"].astype(bool)
    table.loc[hidden, ["nps", "ci_low", "ci_high", "moe"]] = np.nan
    table.loc[hidden, "imprecise"] = False
    return table[columns].reset_index(drop=True)
