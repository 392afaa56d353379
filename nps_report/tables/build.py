"""Build tables: what every report of a build and quarter reads, computed once.

One :class:`BuildTables` per build and quarter holds the NPS of every team, department
and the company, their trends, their changes (QoQ and YoY) with the multiple-testing
family each belongs to, the company-wide ranks, the anomaly flags and each team's
follow-up counts. A team report, its department summary and the overview print the
same rows, so a change has one verdict everywhere.

The current responses have ONE definition, :func:`current_responses`: the quarter's
responses, or the build file's rolling window and expiry. Every figure "of the quarter"
(headline, ranks, gaps, the current side of a change) uses it.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import anomalies, benchmarks, closeloop, loop, schema, stats, windows
from ..options import ReportOptions
from ..spreadsheets import write_csv
from . import saving
from .saving import load_tables, save_tables

__all__ = ["BuildTables", "CHANGE_LAGS", "COMPANY", "FAMILY_GAPS", "FAMILY_OWN", "FAMILY_TEAMS",
           "GAP_LEVELS", "LEVELS",
           "TABLES_FOLDER", "as_quarter", "close_the_loop_lists", "compute_build_tables",
           "current_responses", "followup_counts", "load_build_tables", "loop_tables", "printed_build_rows",
           "printed_rows_fingerprint",
           "quarters_needed", "team_departments", "window_quarters", "write_build_tables"]

#: Folder of a build holding ``<quarter>/`` folders of build tables.
TABLES_FOLDER = saving.TABLES_FOLDER
#: Levels of the NPS, trend and change tables.
LEVELS = ("team", "department", "company")
#: Quarters back a change compares with: previous quarter (QoQ), same quarter last year (YoY).
CHANGE_LAGS = (1, 4)
#: The company's name in the ``department``/``team`` key columns of company rows.
COMPANY = benchmarks.COMPANY
#: Multiple-testing family of every team's changes (one per build and quarter).
FAMILY_TEAMS = "team changes"
#: Multiple-testing family of the departments' and the company's own changes.
FAMILY_OWN = "department and company changes"
#: Multiple-testing family of one team's gaps to the rest of its department and company.
FAMILY_GAPS = "team vs rest (per team)"
#: What a team is compared with in the gaps.
GAP_LEVELS = ("department", "company")

_KEYS = ["level", schema.DEPARTMENT, schema.TEAM]
_FOLLOWUP_COLUMNS = [schema.TEAM, "count", "overdue", "oldest_days", "sla_hours"]


@dataclass(frozen=True, eq=False)
class BuildTables:
    """The tables of one build and quarter that every report reads.

    Attributes
    ----------
    quarter : str
    options : ReportOptions
        The options the tables were computed with.
    nps : DataFrame
        ``level`` (``"team"``, ``"department"``, ``"company"``), ``department``,
        ``team`` (``None`` above the team level) and :data:`nps_report.stats.NPS_COLUMNS`,
        from the current responses (:func:`current_responses`).
    trend : DataFrame
        The same keys, ``quarter`` and the columns of :func:`nps_report.benchmarks.trend`,
        over the ``options.trend_quarters`` quarters ending with ``quarter`` (whole quarters).
    changes : DataFrame
        The same keys, the columns of :func:`nps_report.benchmarks.changes` (lags
        :data:`CHANGE_LAGS`; ``test`` names the two-sample test and ``mde`` the smallest
        change the two quarters' sample sizes detect with 80% power at ``options.alpha``)
        and ``family``: every team's changes form ONE
        Benjamini-Hochberg family (:data:`FAMILY_TEAMS`), the departments' and the
        company's own changes a second one (:data:`FAMILY_OWN`).
    gaps : DataFrame
        Every team against the rest of its department and of the company
        (:func:`nps_report.benchmarks.team_vs_rest`, current responses), with ``family``:
        each team's two gaps are one Benjamini-Hochberg family (:data:`FAMILY_GAPS`).
    ranks : DataFrame
        Company-wide rank of every team: ``team``, ``department``, ``rank``, its
        interval ``rank_low``..``rank_high`` and ``rank_uncertain``, ``n_ranked``,
        ``percentile``, ``rank_sentence``, ``shown``, ``n``, ``nps``, ``ci_low``, ``ci_high``
        (:func:`nps_report.benchmarks.team_ranks`).
    anomalies : DataFrame
        The quarter's anomaly flags (:data:`nps_report.anomalies.ANOMALY_COLUMNS`).
    families : DataFrame
        ``family``, ``level``, ``tests`` (p-values adjusted together: over all teams for
        the team changes, per team for the gaps), ``adjustment``.
    followup : DataFrame
        ``team``, ``count`` (detractors), ``overdue``, ``oldest_days``, ``sla_hours``
        (:func:`nps_report.closeloop.followup_summary` of each team's current detractors
        not yet contacted or closed in a returned workbook).
    loop : DataFrame
        Loop figures of every team for the previous quarter and this one
        (:func:`nps_report.loop.loop_figures`: counts and shares, no names, no ids).
    callback : DataFrame
        "Did calling back help?" of every team that returns workbooks
        (:func:`nps_report.loop.callback_effect`).
    expired : int
        Responses of the quarter left out as expired (``options.windows.max_age_days``).
    window_note : str
        What "current" means when a window or expiry is set ("" otherwise).
    """

    quarter: str
    options: ReportOptions
    nps: pd.DataFrame
    trend: pd.DataFrame
    changes: pd.DataFrame
    gaps: pd.DataFrame
    ranks: pd.DataFrame
    anomalies: pd.DataFrame
    families: pd.DataFrame
    followup: pd.DataFrame
    expired: int = 0
    window_note: str = ""
    loop: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=loop.LOOP_COLUMNS))
    callback: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=loop.CALLBACK_COLUMNS))

    def save(self, folder) -> Path:
        """Write the tables into ``<folder>/tables/<quarter>/`` (``folder``: the build folder)."""
        return save_tables(self, Path(folder) / TABLES_FOLDER / self.quarter, kind="build").parent

    def nps_row(self, level: str, name: str | None = None) -> pd.Series | None:
        """The NPS row of a team, a department (by name) or the company; None if absent."""
        table = self.nps[self.nps["level"] == level]
        if level != "company":
            table = table[table[schema.TEAM if level == "team" else schema.DEPARTMENT] == name]
        return None if table.empty else table.iloc[0]


def load_build_tables(folder, quarter: str) -> BuildTables:
    """Read the build tables of ``quarter`` saved in the build folder ``folder`` (kept for
    the reports this process runs next, :func:`~nps_report.tables.saving.load_tables`)."""
    return load_tables(BuildTables, Path(folder) / TABLES_FOLDER / quarter, keep=True)


# ----------------------------------------------------------------------------- current responses
def quarters_needed(quarter: str, options: ReportOptions, rules=None) -> list[str]:
    """The quarters the build tables of ``quarter`` read: trend, change bases, anomaly history.

    Examples
    --------
    >>> from nps_report.options import ReportOptions
    >>> quarters_needed("2026Q3", ReportOptions(trend_quarters=2))
    ['2025Q3', '2025Q4', '2026Q1', '2026Q2', '2026Q3']
    """
    history = 4
    if rules is not None:
        checks = rules.anomalies
        history = max(checks.tens_jump.history_quarters, checks.silent_channel.history_quarters)
    back = max(int(options.trend_quarters), max(CHANGE_LAGS) + 1, history + 1,
               len(window_quarters(quarter, options)))
    return schema.quarter_range(quarter, back)


def window_quarters(quarter: str, options: ReportOptions) -> list[str]:
    """The quarters the current responses can come from: the quarter, or those a rolling window reaches.

    Examples
    --------
    >>> from nps_report.options import ReportOptions, Windows
    >>> window_quarters("2026Q3", ReportOptions(windows=Windows(rolling_days=120)))
    ['2025Q4', '2026Q1', '2026Q2', '2026Q3']
    """
    if not options.windows.rolling_days:
        return [quarter]
    # A quarter has at least 90 days: one more quarter than the window's length covers it.
    back = int(np.ceil(options.windows.rolling_days / 90)) + 2
    return schema.quarter_range(quarter, back)


def current_responses(responses: pd.DataFrame, *, quarter: str,
                      options: ReportOptions) -> tuple[pd.DataFrame, int, str]:
    """The responses a report's "current" figures use: the ONE definition.

    Parameters
    ----------
    responses : DataFrame
        Canonical responses; with a rolling window they must include the quarters the
        window reaches back into (other quarters and groups may be present).
    quarter : str
    options : ReportOptions
        ``options.windows``: with neither ``rolling_days`` nor ``max_age_days``, the
        quarter's responses. With ``rolling_days``, the responses of that many days up
        to the end of the quarter (whatever their quarter); with ``max_age_days``,
        responses older than that at the end of the quarter are left out and counted
        as expired.

    Returns
    -------
    current : DataFrame
        The rows kept (index reset; their ``quarter`` column unchanged).
    expired : int
        Rows left out as expired.
    note : str
        A sentence saying what "current" means ("" without a window).

    Examples
    --------
    >>> import pandas as pd
    >>> from nps_report.options import ReportOptions, Windows
    >>> data = pd.DataFrame({"quarter": ["2026Q3"] * 3, "score": [9, 3, 10],
    ...     "submitted_at": pd.to_datetime(["2026-07-02", "2026-09-10", "2026-09-25"], utc=True)})
    >>> len(current_responses(data, quarter="2026Q3", options=ReportOptions())[0])
    3
    >>> rows, expired, note = current_responses(data, quarter="2026Q3",
    ...     options=ReportOptions(windows=Windows(max_age_days=45)))
    >>> len(rows), expired
    (2, 1)
    """
    window = options.windows
    in_quarter = responses[responses[schema.QUARTER] == quarter]
    if not window.active:
        return in_quarter.reset_index(drop=True), 0, ""
    # The last second of the quarter: quarter_end is the first moment of the next one.
    as_of = closeloop.quarter_end(quarter, tz=options.timezone,
                                  fiscal_year_start_month=options.fiscal_year_start_month) \
        - pd.Timedelta(seconds=1)
    source = responses if window.rolling_days else in_quarter
    current, expired = windows.apply_windows(source, window, as_of=as_of)
    parts = []
    if window.rolling_days:
        parts.append(f"responses of the {window.rolling_days} days up to {as_of:%Y-%m-%d}")
    if window.max_age_days:
        parts.append(f"responses older than {window.max_age_days} days left out ({expired} expired)")
    return current.reset_index(drop=True), int(expired), "Current figures use " + "; ".join(parts) + "."


def as_quarter(current: pd.DataFrame, quarter: str) -> pd.DataFrame:
    """``current`` with every row labelled ``quarter``: the form the per-quarter tables take.

    A rolling window may hold responses of the previous quarter; the comparison, rank
    and change functions select rows by quarter label, so they see the window as the
    report's quarter.
    """
    return current.assign(**{schema.QUARTER: quarter})


def team_departments(responses: pd.DataFrame) -> dict:
    """Each team's department: the most frequent one among its latest quarter's responses."""
    if responses.empty:
        return {}
    latest = responses[schema.QUARTER].astype(str)
    rows = responses[[schema.TEAM, schema.DEPARTMENT]].assign(_q=latest)  # only the columns read
    last = rows.groupby(schema.TEAM, observed=True)["_q"].transform("max")
    rows = rows[rows["_q"] == last]
    # Each team's most frequent department, the first in sorted order on a tie (as
    # Series.mode sorts its modes): counts per (team, department) in sorted order, the
    # largest first within each team by a stable sort.
    counts = rows.groupby([schema.TEAM, schema.DEPARTMENT], observed=True, sort=True).size()
    counts = counts[counts > 0].reset_index(name="_n")
    counts = counts.iloc[np.argsort(-counts["_n"].to_numpy(), kind="stable")]
    first = counts.drop_duplicates(schema.TEAM, keep="first").sort_values(schema.TEAM, kind="stable")
    return {str(team): str(department)
            for team, department in zip(first[schema.TEAM], first[schema.DEPARTMENT])}


# ----------------------------------------------------------------------------- the tables
def _keyed(table: pd.DataFrame, level: str, departments: dict) -> pd.DataFrame:
    """Add the ``level``/``department``/``team`` keys to a table grouped by team, department or nothing."""
    out = table.copy()
    if level == "team":
        out[schema.DEPARTMENT] = out[schema.TEAM].astype(str).map(departments)
    elif level == "department":
        out[schema.TEAM] = None
    else:
        out[schema.DEPARTMENT] = None
        out[schema.TEAM] = None
    out.insert(0, "level", level)
    first = ["level", schema.DEPARTMENT, schema.TEAM]
    out[schema.DEPARTMENT] = out[schema.DEPARTMENT].astype(object)
    out[schema.TEAM] = out[schema.TEAM].astype(object)
    return out[first + [c for c in out.columns if c not in first]]


_BY = {"team": [schema.TEAM], "department": [schema.DEPARTMENT], "company": []}


def _nps(current: pd.DataFrame, options: ReportOptions, departments: dict) -> pd.DataFrame:
    parts = [_keyed(stats.grouped_nps(current, _BY[level], **options.grouped_nps_kwargs()),
                    level, departments) for level in LEVELS]
    return pd.concat(parts, ignore_index=True)


def _trend(history: pd.DataFrame, quarter: str, options: ReportOptions,
           departments: dict) -> pd.DataFrame:
    parts = [_keyed(benchmarks.trend(history, quarter=quarter, n_quarters=options.trend_quarters,
                                     by=_BY[level], **options.interval_kwargs()),
                    level, departments) for level in LEVELS]
    return pd.concat(parts, ignore_index=True)


def _changes(current: pd.DataFrame, history: pd.DataFrame, quarter: str,
             options: ReportOptions, departments: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Changes of every team (one family) and of the departments and company (a second one)."""
    bases = [schema.previous_quarter(quarter, k) for k in CHANGE_LAGS]
    # The current side is the current responses; each base is its whole quarter (a rolling
    # window reaching into the previous quarter puts those responses on both sides of QoQ).
    data = pd.concat([as_quarter(current, quarter), history[history[schema.QUARTER].isin(bases)]],
                     ignore_index=True)
    kwargs = dict(quarter=quarter, lags=CHANGE_LAGS, **options.changes_kwargs())
    teams = _keyed(benchmarks.changes(data, by=[schema.TEAM], **kwargs), "team", departments)
    teams["family"] = FAMILY_TEAMS
    own = pd.concat([_keyed(benchmarks.changes(data, by=_BY[level], **kwargs), level, departments)
                     for level in ("department", "company")], ignore_index=True)
    # One family for the departments and the company together: adjust their p-values jointly.
    own["p_adjusted"] = benchmarks.adjust_pvalues(own["p_value"].to_numpy(dtype="float64"),
                                                  fdr=options.fdr)
    own["significant"] = (own["p_adjusted"] < options.alpha).fillna(False).astype(bool)
    own["sentence"] = [benchmarks.describe_change(r) for _, r in own.iterrows()]
    own["family"] = FAMILY_OWN
    table = pd.concat([teams, own], ignore_index=True)
    adjustment = benchmarks.ADJUSTMENT_BH if options.fdr else benchmarks.ADJUSTMENT_NONE
    families = pd.DataFrame({
        "family": [FAMILY_TEAMS, FAMILY_OWN, FAMILY_GAPS],
        "level": ["team", "department and company", "team"],
        "tests": [int(np.isfinite(teams["p_value"].astype(float)).sum()),
                  int(np.isfinite(own["p_value"].astype(float)).sum()), len(GAP_LEVELS)],
        "adjustment": [adjustment] * 3})
    return table, families


def _gaps(current: pd.DataFrame, quarter: str, options: ReportOptions) -> pd.DataFrame:
    """Each team against the rest of its department and company: one small family per team."""
    if current.empty:
        return pd.DataFrame(columns=[schema.TEAM, schema.DEPARTMENT, "level", "sentence", "family"])
    kwargs = {**options.changes_kwargs(), "fdr": False}  # adjusted below, team by team
    table = benchmarks.team_vs_rest(as_quarter(current, quarter), quarter=quarter,
                                    level=list(GAP_LEVELS), **kwargs)
    p_values = table["p_value"].astype(float)
    table["p_adjusted"] = p_values.groupby(table[schema.TEAM]).transform(
        lambda p: benchmarks.adjust_pvalues(p.to_numpy(), fdr=options.fdr))
    table["adjustment"] = benchmarks.ADJUSTMENT_BH if options.fdr else benchmarks.ADJUSTMENT_NONE
    table["significant"] = (table["p_adjusted"] < options.alpha).fillna(False).astype(bool)
    table["sentence"] = [benchmarks.describe_gap(r) for _, r in table.iterrows()]
    return table.assign(family=FAMILY_GAPS)


def _ranks(current: pd.DataFrame, quarter: str, options: ReportOptions,
           departments: dict) -> pd.DataFrame:
    table = benchmarks.team_ranks(as_quarter(current, quarter), quarter=quarter,
                                  **options.interval_kwargs())
    table[schema.DEPARTMENT] = table[schema.TEAM].astype(str).map(departments)
    return table[[schema.TEAM, schema.DEPARTMENT, "rank", "rank_low", "rank_high",
                  "rank_uncertain", "n_ranked", "percentile", "rank_sentence", "shown", "n",
                  "nps", "ci_low", "ci_high"]]


def close_the_loop_lists(current: pd.DataFrame, *, quarter: str, options: ReportOptions,
                         rules=None, cases: pd.DataFrame | None = None,
                         responses: pd.DataFrame | None = None) -> dict:
    """Each team's close-the-loop lists from the current responses: team -> (detractors, promoters).

    One :func:`nps_report.closeloop.close_the_loop` per team, at the build's service level
    (``options.loop.sla_hours``), made into the workbook's list by
    :func:`nps_report.loop.loop_list`: with ``cases`` (the build's case state) each case
    shows what was last returned for it and the team's cases still open from earlier
    quarters are carried over into it (``responses``: the build's, for their comments).
    The build writes the teams' workbooks from these and passes them to
    :func:`compute_build_tables` (``loop_lists=``), so the lists are drawn up once per
    team and build. ``rules`` is accepted for older callers and not used.
    """
    sla = options.loop.sla_hours
    # Only the columns close_the_loop reads: each team's slice copies fewer columns.
    labelled = as_quarter(current[[c for c in current.columns if c in _LIST_READS]], quarter)
    kwargs = dict(quarter=quarter, sla_hours=sla, tz=options.timezone,
                  fiscal_year_start_month=options.fiscal_year_start_month,
                  comment_max_chars=options.comment_max_chars)
    if _listed_at_once(labelled, cases):
        return _lists_at_once(labelled, **kwargs)
    cases_of = _CasesByTeam(cases, responses)
    out = {}
    for team, frame in labelled.groupby(schema.TEAM, observed=True, sort=True):
        detractors, promoters = closeloop.close_the_loop(frame, team=team, **kwargs)
        team_cases, team_responses = cases_of(str(team), detractors)
        out[str(team)] = (loop.loop_list(detractors, team_cases, responses=team_responses), promoters)
    return out


def _listed_at_once(labelled: pd.DataFrame, cases) -> bool:
    """Whether every team's lists can be drawn up in one pass: no team has returned a
    workbook (so no case carries over and none shows a returned state) and the response
    ids tell the rows apart (they give each listed row back to its team)."""
    if cases is not None and len(cases) and loop.loop_start(cases):
        return False
    ids = labelled[schema.RESPONSE_ID] if schema.RESPONSE_ID in labelled else None
    return ids is not None and not ids.isna().any() and ids.is_unique


def _lists_at_once(labelled: pd.DataFrame, **kwargs) -> dict:
    """:func:`close_the_loop_lists` when :func:`_listed_at_once`: the same lists, from one
    :func:`nps_report.closeloop.close_the_loop` and one :func:`nps_report.loop.loop_list`
    over every team's rows (labelled as one team), then split by team.

    Every column of a list is computed row by row and its order is by submission time
    and response id (a stable sort): a team's rows of the whole list, in that order,
    are its own list. Without returned workbooks a list is its detractors with blank
    edit columns, whatever the case state (no case carries over, none was returned).
    """
    teams = labelled[schema.TEAM].astype(str)
    team_of = pd.Series(teams.to_numpy(), index=labelled[schema.RESPONSE_ID].astype(str).to_numpy())
    one = "all teams"
    detractors, promoters = closeloop.close_the_loop(labelled.assign(**{schema.TEAM: one}), team=one, **kwargs)
    detractors = loop.loop_list(detractors)
    out = {}
    split = []
    for frame in (detractors, promoters):
        owner = team_of.reindex(frame[schema.RESPONSE_ID].astype(str).to_numpy()).to_numpy()
        split.append(pd.Series(np.arange(len(frame))).groupby(owner, sort=False).indices)
    for team in sorted(set(teams)):
        pair = []
        for frame, rows in zip((detractors, promoters), split):
            part = frame.iloc[rows.get(team, np.array([], dtype=np.intp))].reset_index(drop=True)
            part[schema.TEAM] = pd.Series(team, index=part.index, dtype="string")
            part.attrs = {**frame.attrs, "team": team}
            pair.append(part)
        out[team] = tuple(pair)
    return out


#: The columns of the responses the NPS, trend, change, gap and rank tables read.
_SCORE_READS = (schema.QUARTER, schema.TEAM, schema.DEPARTMENT, schema.SCORE)

#: The columns of the responses :func:`nps_report.closeloop.close_the_loop` reads.
_LIST_READS = (schema.TEAM, schema.QUARTER, schema.SCORE, schema.SUBMITTED_AT, schema.RESPONSE_ID,
               schema.RESPONDENT_ID, schema.COMMENT, "email")


class _CasesByTeam:
    """The rows of the build's case state (and responses) one team's loop list reads.

    :func:`nps_report.loop.loop_list` looks up the team's cases, the cases of its
    detractors (first row per response id) and, for carried-over cases, their responses
    (first row per response id). Given every row whose response id is the team's (in
    their order), it gives the same list as with the whole build's: what it reads is
    in them. Selecting those rows by integer codes costs a fraction of a millisecond per
    team, where ``loop_list`` on the whole case state (300,000 cases at 1M responses)
    took about 0.1 s per team, mostly converting and de-duplicating the whole table.
    """

    def __init__(self, cases, responses):
        self.cases, self.responses = cases, responses
        if cases is None or not len(cases):
            return
        self.codes, self.ids = pd.factorize(cases[schema.RESPONSE_ID].astype("string"), use_na_sentinel=True)
        self.order = np.argsort(self.codes, kind="stable")
        self.sorted_codes = self.codes[self.order]
        self.team_rows = {str(k): v for k, v in
                          cases.groupby(cases[schema.TEAM].astype(str), sort=False).indices.items()}
        # Carried-over cases need the responses only when some team returned a workbook.
        self.response_codes = None
        if responses is not None and loop.loop_start(cases):
            ids = responses[schema.RESPONSE_ID].astype("string")
            self.response_codes = self.ids.get_indexer(ids)
            self.response_without_id = ids.isna().to_numpy()

    def __call__(self, team: str, detractors: pd.DataFrame):
        cases = self.cases
        if cases is None or not len(cases):
            return cases, self.responses
        own = self.codes[self.team_rows.get(team, np.array([], dtype=np.intp))]
        listed = self.ids.get_indexer(detractors[schema.RESPONSE_ID].astype("string"))
        wanted = np.union1d(own[own >= 0], listed[listed >= 0])
        if not len(wanted):  # nothing of this team in the case state: the whole table's path
            return cases, self.responses
        # The rows of each wanted code, from the codes sorted once (no scan of every case).
        low = np.searchsorted(self.sorted_codes, wanted, side="left")
        counts = np.searchsorted(self.sorted_codes, wanted, side="right") - low
        steps = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        found = self.order[np.repeat(low, counts) + steps]
        keep = np.zeros(len(cases), dtype=bool)
        keep[found] = True
        keep[self.team_rows.get(team, [])] = True  # with its cases without an id
        responses = None
        if self.response_codes is not None:
            chosen = np.isin(self.response_codes, own[own >= 0]) | self.response_without_id
            responses = self.responses.iloc[np.flatnonzero(chosen)]
        return cases.iloc[np.flatnonzero(keep)], responses


def followup_counts(lists: dict) -> pd.DataFrame:
    """Each team's detractors waiting for a call (count, overdue, oldest) from :func:`close_the_loop_lists`.

    The quarter's own detractors (not the carried-over ones) that no returned workbook
    reports as contacted or closed. The team reports' follow-up action reads these.
    """
    rows = []
    for team, (detractors, _) in sorted(lists.items()):
        waiting = detractors
        if loop.CARRIED_OVER in detractors:
            # The columns the summary reads, of the rows waiting: no blank carry-over mark,
            # status open (or none), no contact date. Plain arrays: a team's list is small,
            # and pandas' per-operation cost was most of this (200 teams at 1M).
            fresh = [_missing(v) or v == "" for v in detractors[loop.CARRIED_OVER].to_numpy(dtype=object)]
            still_open = [_missing(v) or str(v) == loop.OPEN for v in detractors["status"].to_numpy(dtype=object)]
            waits = (np.array(fresh, dtype=bool) & np.array(still_open, dtype=bool)
                     & pd.isna(detractors["contacted_on"].to_numpy()))
            rows.append({schema.TEAM: team, **closeloop.followup_figures(
                detractors["sla_status"].to_numpy(dtype=object)[waits],
                detractors["age_days"].to_numpy(dtype="float64")[waits],
                detractors.attrs.get("sla_hours", 48.0))})
            continue
        rows.append({schema.TEAM: team, **closeloop.followup_summary(waiting)})
    return pd.DataFrame(rows, columns=_FOLLOWUP_COLUMNS)


def _missing(value) -> bool:
    """A missing cell (None, NaN, NA, NaT) of an object array."""
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def loop_tables(responses: pd.DataFrame, *, quarter: str, options: ReportOptions,
                cases: pd.DataFrame | None = None, as_of=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Loop figures (previous quarter and this one) and "did calling back help?" of every team.

    ``cases``: the build's case state (:func:`nps_report.loop.case_state`); None: nothing
    returned (every case open). ``as_of``: when open cases' ages are measured (now).

    Examples
    --------
    >>> from nps_report import context
    >>> ctx = context.load_context(None)
    >>> figures, callback = loop_tables(ctx.responses(), quarter="2026Q3", options=ctx.options)
    >>> sorted(figures["quarter"].unique()), int(figures["contacted"].sum()), len(callback)
    (['2026Q2', '2026Q3'], 0, 0)
    """
    if cases is None:
        cases = loop.detractor_cases(responses)
    quarters = [schema.previous_quarter(quarter), quarter]
    teams = sorted(responses.loc[responses[schema.QUARTER].isin(quarters), schema.TEAM]
                   .dropna().astype(str).unique())
    figures = loop.loop_figures(cases, quarters=quarters, sla_hours=options.loop.sla_hours,
                                display_floor=options.display_floor, as_of=as_of, teams=teams)
    callback = loop.callback_effect(responses, cases, quarter=quarter,
                                    display_floor=options.display_floor,
                                    confidence=options.confidence, method=options.interval)
    return figures, callback


def compute_build_tables(responses: pd.DataFrame, *, quarter: str, options: ReportOptions,
                         rules=None, loop_lists: dict | None = None,
                         cases: pd.DataFrame | None = None) -> BuildTables:
    """The build tables of one quarter, from the build's canonical responses.

    Parameters
    ----------
    responses : DataFrame
        Every team's responses, at least over :func:`quarters_needed` (more is fine).
    quarter : str
    options : ReportOptions
    rules : ActionRules, optional
        Anomaly thresholds and the follow-up SLA; default the shipped rules.
    loop_lists : dict, optional
        :func:`close_the_loop_lists` of this quarter, when the caller already has them.
    cases : DataFrame, optional
        The build's detractor cases with their returned state (:func:`nps_report.loop.case_state`);
        default: none returned.

    Returns
    -------
    BuildTables

    Examples
    --------
    >>> from nps_report import context
    >>> from nps_report.tables import compute_build_tables
    >>> ctx = context.load_context(None)
    >>> bt = compute_build_tables(ctx.responses(), quarter="2026Q3", options=ctx.options)
    >>> sorted(bt.nps["level"].unique())
    ['company', 'department', 'team']
    >>> int(bt.families.set_index("family").loc["team changes", "tests"])  # 30 teams, QoQ and YoY
    60
    """
    from .. import actions

    rules = actions.load_rules(options.actions) if rules is None else rules
    history = responses[responses[schema.QUARTER].isin(quarters_needed(quarter, options, rules))]
    current, expired, note = current_responses(history, quarter=quarter, options=options)
    # The NPS, trend, change, gap and rank tables read these columns only: row selections
    # and concatenations of a slimmer frame copy less (a quarter is 125,000 rows at 1M).
    keys = [c for c in _SCORE_READS if c in history.columns]
    slim_history, slim_current = history[keys], current[keys]
    departments = team_departments(pd.concat([slim_history[slim_history[schema.QUARTER] != quarter],
                                              as_quarter(slim_current, quarter)]))
    changes, families = _changes(slim_current, slim_history, quarter, options, departments)
    flags = anomalies.flag_anomalies(history, quarter=quarter, rules=rules)
    figures, callback = loop_tables(responses, quarter=quarter, options=options, cases=cases)
    return BuildTables(
        quarter=quarter, options=options,
        nps=_nps(slim_current, options, departments),
        trend=_trend(slim_history, quarter, options, departments),
        changes=changes, gaps=_gaps(slim_current, quarter, options),
        ranks=_ranks(slim_current, quarter, options, departments),
        anomalies=flags.reset_index(drop=True), families=families,
        followup=followup_counts(loop_lists if loop_lists is not None else close_the_loop_lists(
            current, quarter=quarter, options=options, rules=rules, cases=cases, responses=responses)),
        expired=int(expired), window_note=note, loop=figures, callback=callback)


def write_build_tables(responses: pd.DataFrame, quarters, options: ReportOptions, rules,
                       folder, *, loop_lists: dict | None = None,
                       cases: pd.DataFrame | None = None) -> dict:
    """Compute and save the build tables of every quarter into ``<folder>/tables/<quarter>/``.

    The build calls this once, before any report runs; reports read the files through
    :meth:`nps_report.context.ReportContext.build_tables`. Also writes the build-wide
    ``anomalies.csv`` (every quarter's flags, with a ``quarter`` column).

    ``loop_lists``: quarter -> :func:`close_the_loop_lists`, when the build has them;
    ``cases``: the build's case state (:func:`nps_report.loop.case_state`).

    Returns
    -------
    dict
        Quarter -> :class:`BuildTables`.
    """
    folder = Path(folder)
    out = {}
    for quarter in quarters:
        out[quarter] = compute_build_tables(responses, quarter=quarter, options=options, rules=rules,
                                            loop_lists=(loop_lists or {}).get(quarter), cases=cases)
        out[quarter].save(folder)
    flags = [t.anomalies.assign(quarter=q) for q, t in out.items()]
    table = pd.concat(flags, ignore_index=True) if flags else pd.DataFrame(
        columns=anomalies.ANOMALY_COLUMNS + ["quarter"])
    write_csv(table, folder / "anomalies.csv")
    return out


# ----------------------------------------------------------------------------- fingerprints
def _printed(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """Rows as a report prints them: NPS, intervals and percentages to integers, counts,
    sentences, verdicts."""
    out = frame[[c for c in columns if c in frame]].copy()
    for column in ("nps", "ci_low", "ci_high", "base_nps", "diff", "level_nps", "rest_nps",
                   "percentile", "pct_promoters", "pct_detractors", "mde"):
        if column in out:
            out[column] = out[column].astype(float).round(0)
    return out.reset_index(drop=True)


def _printed_positions(bt: BuildTables, *, kind: str, team: str | None = None,
                       department: str | None = None) -> tuple:
    """The text rows of the tables a report of ``kind`` prints (made once per ``bt``), the
    positions of its rows among them, and the tables' names (see :func:`printed_build_rows`)."""
    printed = _printed_tables(bt)
    nps, changes = bt.nps, bt.changes
    if kind == "team":
        if team is None:
            raise ValueError("a team report needs team=")
        # The rows of each value, found once per bt: hundreds of team reports at scale,
        # each comparing a dozen columns took 3-5 ms of pandas per report.
        nps_rows = _rows_by(bt, "nps", ("level", schema.TEAM))
        at = nps_rows.get(("team", team))
        dept = nps[schema.DEPARTMENT].iloc[at[0]] if at is not None else department
        found = {
            "nps": np.sort(np.concatenate([
                _rows_of(nps_rows, ("team", team)),
                _rows_of(_rows_by(bt, "nps", ("level", schema.DEPARTMENT)), ("department", dept)),
                _rows_of(_rows_by(bt, "nps", ("level",)), "company")])),
            "changes": _rows_of(_rows_by(bt, "changes", ("level", schema.TEAM)), ("team", team)),
            "gaps": _rows_of(_rows_by(bt, "gaps", (schema.TEAM,)), team),
            "ranks": _rows_of(_rows_by(bt, "ranks", (schema.TEAM,)), team),
            "anomalies": _rows_of(_rows_by(bt, "anomalies", ("team",)), team),
            "loop": _rows_of(_rows_by(bt, "loop", (schema.TEAM,)), team),
            "callback": _rows_of(_rows_by(bt, "callback", (schema.TEAM,)), team),
        }
        strings, starts = _printed_strings(bt, tuple(found))
        positions = [starts[name] + rows for name, rows in found.items()]
        positions.append(np.arange(starts["families"], len(strings)))
        return strings, np.concatenate(positions), tuple(found)
    elif kind == "department":
        if department is None:
            raise ValueError("a department report needs department=")
        mine = nps[schema.DEPARTMENT] == department
        masks = {
            "nps": mine,
            # its own changes, and of its teams' only those it lists (the significant ones)
            "changes": (changes[schema.DEPARTMENT] == department)
                       & ((changes["level"] != "team") | changes["significant"].astype(bool)),
            "ranks": bt.ranks[schema.DEPARTMENT] == department,
            "anomalies": bt.anomalies["team"].isin(nps.loc[mine & (nps["level"] == "team"),
                                                           schema.TEAM]),
            "loop": bt.loop[schema.DEPARTMENT] == department,
        }
    elif kind == "overview":
        masks = {"nps": None, "changes": None, "ranks": None, "anomalies": None, "loop": None}
    else:
        raise ValueError(f"kind must be 'team', 'department' or 'overview', got {kind!r}")
    strings, starts = _printed_strings(bt, tuple(masks))
    positions = [np.arange(starts[name], starts[name] + len(printed[name])) if mask is None
                 else starts[name] + np.flatnonzero(np.asarray(mask, dtype=bool))
                 for name, mask in masks.items()]
    positions.append(np.arange(starts["families"], len(strings)))
    return strings, np.concatenate(positions), tuple(masks)


def _rows_by(bt: BuildTables, table: str, columns: tuple) -> dict:
    """Positions of the rows of build table ``table`` per value of ``columns`` (a tuple of
    values when there are several; rows with a missing value in none), made once per ``bt``:
    the rows where ``frame[column] == value`` for each column, in order."""
    cache = _printed_tables(bt)
    key = ("rows by", table, columns)
    if key not in cache:
        frame = getattr(bt, table)
        by = list(columns) if len(columns) > 1 else columns[0]
        cache[key] = ({} if frame.empty else
                      {k: np.asarray(v, dtype=np.int64) for k, v in frame.groupby(by, sort=False).indices.items()})
    return cache[key]


def _rows_of(rows_by: dict, value) -> np.ndarray:
    return rows_by.get(value, np.zeros(0, dtype=np.int64))


def printed_build_rows(bt: BuildTables, *, kind: str, team: str | None = None,
                       department: str | None = None) -> pd.DataFrame:
    """The build-table rows a report of ``kind`` prints, rounded as printed.

    A report's fingerprint hashes these: when another team's data changes a number a
    report prints (its department's NPS, its rank, the verdict of its change after the
    family's adjustment), the report is rebuilt; when nothing it prints changes, it is not.

    Parameters
    ----------
    bt : BuildTables
    kind : {"team", "department", "overview"}
    team, department : str, optional
        The report's team (``kind="team"``) or department (``kind="department"``).

    Returns
    -------
    DataFrame
        ``table`` (which build table), the keys and the printed values, as strings.

    Notes
    -----
    The build asks for the rows of every report of a quarter (hundreds at scale), so the
    printed (rounded) tables are made once per :class:`BuildTables` and each report only
    picks its rows; the result is the same as rounding the picked rows.

    Examples
    --------
    >>> from nps_report import context
    >>> bt = context.load_context(None).build_tables("2026Q3")
    >>> rows = printed_build_rows(bt, kind="team", team="Billing Operations")
    >>> rows.loc[rows["table"] == "nps", "level"].tolist()
    ['team', 'department', 'company']
    >>> rows.loc[rows["table"] == "changes", "sentence"].str.startswith("NPS fell").tolist()
    [True, True]
    """
    strings, positions, _ = _printed_positions(bt, kind=kind, team=team, department=department)
    return strings.iloc[positions].reset_index(drop=True)


def printed_rows_fingerprint(bt: BuildTables, *, kind: str, team: str | None = None,
                             department: str | None = None) -> str:
    """``frame_fingerprint(printed_build_rows(...))``, from row hashes made once per ``bt``.

    :func:`nps_report.pipeline.fingerprints.frame_fingerprint` hashes each row of the
    text table on its own (``pd.util.hash_pandas_object``), then the rows' hashes in
    order: the hashes of every printed row are made once, and a report's fingerprint
    hashes those of its rows. The same value as hashing the report's rows, for the
    hundreds of reports of a build at scale.

    Examples
    --------
    >>> from nps_report import context
    >>> from nps_report.pipeline.fingerprints import frame_fingerprint
    >>> bt = context.load_context(None).build_tables("2026Q3")
    >>> rows = printed_build_rows(bt, kind="department", department="Operations")
    >>> printed_rows_fingerprint(bt, kind="department", department="Operations") == frame_fingerprint(rows)
    True
    """
    import hashlib

    from ..pipeline.fingerprints import hash_text

    strings, positions, names = _printed_positions(bt, kind=kind, team=team, department=department)
    cache = _printed_tables(bt)
    key = ("row hashes", names)
    if key not in cache:
        cache[key] = pd.util.hash_pandas_object(strings.astype(str), index=False).to_numpy()
    values = cache[key][positions]
    return hash_text(list(strings.columns), hashlib.sha256(values.tobytes()).hexdigest())


# The columns each build table prints (see printed_build_rows).
_PRINTED_COLUMNS = {
    "nps": _KEYS + ["n", "nps", "ci_low", "ci_high", "shown", "pct_promoters", "pct_detractors"],
    # a change row prints its sentence, the test that gave it and what the sizes could detect
    "changes": _KEYS + ["lag", "base_quarter", "n", "base_n", "diff", "significant", "sentence",
                        "test", "mde", "family"],
    "gaps": [schema.TEAM, "level", "comparator", "diff", "level_nps", "significant", "sentence",
             "test"],
    "ranks": [schema.TEAM, schema.DEPARTMENT, "rank", "rank_low", "rank_high", "n_ranked",
              "percentile", "rank_sentence"],
    "anomalies": ["team", "flag", "evidence", "severity"],
    "loop": list(loop.LOOP_COLUMNS),
    "callback": list(loop.CALLBACK_COLUMNS),
}

# Printed tables per BuildTables object (dropped with it): made once, read by every report.
_PRINTED_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _printed_strings(bt: BuildTables, names: tuple) -> tuple[pd.DataFrame, dict]:
    """All rows of the tables ``names`` and the families, as printed_build_rows writes them.

    Returns the strings and the first row of each table. Made once per ``bt`` and set of
    tables: a report's rows are a selection of these rows, and converting them to strings
    is cell by cell with each column's type, which is that of the concatenation of the
    same tables whichever rows a report picks (an empty table still gives its columns'
    types), so the selection equals the conversion of the report's own concatenation.
    """
    key = ("strings", names)
    cache = _printed_tables(bt)
    if key not in cache:
        frames = [cache[name] for name in names] + [cache["families"]]
        out = pd.concat(frames, ignore_index=True)
        out = out[["table"] + [c for c in out.columns if c != "table"]]
        strings = out.astype(object).where(out.notna(), None).astype(str)
        sizes = np.cumsum([0] + [len(frame) for frame in frames])
        cache[key] = (strings, dict(zip([*names, "families"], sizes[:-1].tolist())))
    return cache[key]


def _printed_tables(bt: BuildTables) -> dict:
    """Every build table rounded as printed, with its ``table`` column (once per ``bt``)."""
    cached = _PRINTED_CACHE.get(bt)
    if cached is None:
        cached = {name: _printed(getattr(bt, name), columns).assign(table=name)
                  for name, columns in _PRINTED_COLUMNS.items()}
        cached["families"] = bt.families.assign(table="families")
        _PRINTED_CACHE[bt] = cached
    return cached
