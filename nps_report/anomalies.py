"""Anomaly flags: score patterns of a quarter to check before trusting the numbers.

A flag asks for a look at how the survey was collected; it says nothing about why a
pattern appeared. The thresholds live in the ``anomalies`` section of the action rules
file (``nps_report/data/actions.yaml``); on seeded surveys with no anomaly they flag under 1% of
team-quarters (tests/test_anomalies.py, docs/statistics.md ("Anomaly checks")).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import schema

__all__ = ["ANOMALY_COLUMNS", "FLAGS", "flag_anomalies", "answers_per_respondent", "internal_addresses", "repeat_tail"]

#: Columns of the table :func:`flag_anomalies` returns, in order.
ANOMALY_COLUMNS = ["team", "flag", "evidence", "severity"]
#: Flag names, in report order.
FLAGS = ("tens_jump", "silent_channel", "repeat_respondent", "internal_email")
_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


def _pct(share: float) -> str:
    return f"{100 * share:.0f}%"


def _plural(k: int, word: str, plural: str | None = None) -> str:
    return f"{k} {word if k == 1 else (plural or word + 's')}"


def _signed_points(value: float) -> str:
    k = int(round(value))
    return f"{k:+d} point" if abs(k) == 1 else f"{k:+d} points"


def _robust_z(value: float, peers: np.ndarray) -> tuple[float, float]:
    """Robust z of ``value`` among ``peers``: (value - median) / (1.4826 MAD); and the median.

    A zero MAD (most peers equal) falls back to 1.2533 x the mean absolute deviation,
    both consistent estimates of the standard deviation for normal data.
    """
    median = float(np.median(peers))
    spread = 1.4826 * float(np.median(np.abs(peers - median)))
    if spread == 0:
        spread = 1.2533 * float(np.mean(np.abs(peers - median)))
    if spread == 0:
        return (float("inf") if value > median else 0.0), median
    return (value - median) / spread, median


def _tens_jump(data, quarter, check, score):
    """Teams whose share of 10s jumps above their own history and their peers' jumps."""
    previous = [schema.previous_quarter(quarter, k) for k in range(1, check.history_quarters + 1)]
    # Only the columns read: a row selection copies every column it keeps.
    window = data.loc[data[schema.QUARTER].isin([quarter, *previous]), [schema.TEAM, schema.QUARTER, score]]
    cells = (window.assign(_ten=(window[score] == 10))
             .groupby([schema.TEAM, schema.QUARTER], observed=True)["_ten"]
             .agg(n="size", tens="sum").reset_index())
    cells["share"] = cells["tens"] / cells["n"]
    big = cells[cells["n"] >= check.min_n]
    now = big[big[schema.QUARTER] == quarter].set_index(schema.TEAM)
    past = big[big[schema.QUARTER] != quarter].groupby(schema.TEAM)["share"].agg(["max", "size"])
    past = past[past["size"] >= check.min_history]
    eligible = now.join(past, how="inner")
    if eligible.empty:
        return []
    jumps = 100 * (eligible["share"] - eligible["max"])
    rows = []
    values = jumps.to_numpy(dtype=float)
    for position, (team, jump) in enumerate(jumps.items()):
        peers = np.delete(values, position)  # the other teams' jumps (team names are unique)
        if jump < check.min_jump:
            continue
        cur = eligible.loc[team]
        lead = (f"{_pct(cur['share'])} of this quarter's {int(cur['n'])} scores are 10s, against "
                f"at most {_pct(cur['max'])} in each of the previous {int(cur['size'])} quarters "
                f"with {check.min_n}+ responses (+{jump:.0f} points).")
        if len(peers) >= check.min_peers:
            z, median = _robust_z(float(jump), peers)
            if z < check.min_z:
                continue
            z_text = "far above" if not np.isfinite(z) else f"robust z = {z:.1f}"
            peer = (f" Among the other {len(peers)} teams the median change is "
                    f"{_signed_points(median)} ({z_text}).")
        else:
            peer = (f" Too few other teams ({len(peers)}) to compare the jump with; it is flagged "
                    f"on its size alone.")
        rows.append({"team": team, "flag": "tens_jump", "severity": "high",
                     "evidence": lead + peer + " A sudden surge of 10s can come from how or to "
                     "whom the survey was sent: check before trusting the score."})
    return rows


def _silent(comments: pd.Series) -> pd.Series:
    text = comments.astype("string").str.strip()
    return (text.isna() | (text == "")).fillna(True).astype(bool)


def _silent_channel(data, quarter, check, comment):
    """Channels of a team where far more scores than usual come without a comment."""
    column = next((c for c in check.columns if c in data.columns), None)
    if column is None or comment not in data.columns:
        return []
    previous = [schema.previous_quarter(quarter, k) for k in range(1, check.history_quarters + 1)]
    window = data.loc[data[schema.QUARTER].isin([quarter, *previous]) & data[column].notna(),
                      list(dict.fromkeys([schema.TEAM, schema.QUARTER, column, comment]))]
    frame = pd.DataFrame({"team": window[schema.TEAM], "channel": window[column].astype(str),
                          "now": (window[schema.QUARTER] == quarter).to_numpy(),
                          "silent": _silent(window[comment]).to_numpy()})
    table = frame.groupby(["team", "channel", "now"], observed=True)["silent"].agg(
        n="size", silent="sum").unstack("now")
    if True not in table.columns.get_level_values("now") or \
            False not in table.columns.get_level_values("now"):
        return []
    table = table.dropna()
    rows = []
    for (team, channel), row in table.iterrows():
        n1, s1 = float(row[("n", True)]), float(row[("silent", True)])
        n0, s0 = float(row[("n", False)]), float(row[("silent", False)])
        if n1 < check.min_n or n0 < check.min_n:
            continue
        p1, p0 = s1 / n1, s0 / n0
        pooled = (s1 + s0) / (n1 + n0)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
        z = (p1 - p0) / se if se > 0 else (np.inf if p1 > p0 else 0.0)
        if 100 * (p1 - p0) < check.min_excess or z < check.min_z:
            continue
        rows.append({"team": team, "flag": "silent_channel", "severity": "medium",
                     "evidence": f"{_pct(p1)} of the {int(n1)} scores received through {column} "
                     f"'{channel}' this quarter came without a comment, against {_pct(p0)} of "
                     f"this team's {int(n0)} through it in the previous quarters (+"
                     f"{100 * (p1 - p0):.0f} points, z = {z:.1f}). Check how that {column} "
                     f"collected answers before trusting the score."})
    return rows


def repeat_tail(others, count: int, respondents: int) -> float:
    """Chance that the busiest of ``respondents`` answers at least ``count`` times, by chance.

    Parameters
    ----------
    others : array-like of int
        Answers per respondent of the team's *other* respondents in the quarter (each
        at least 1): how often this team's customers answer.
    count : int
        Answers of the busiest respondent.
    respondents : int
        Respondents of the team in the quarter (the busiest included).

    Returns
    -------
    float
        :math:`1 - (1 - P(K \\ge \\mathrm{count}))^{R}` under the fitted distribution.

    Notes
    -----
    Answers per respondent are modelled as :math:`1 + K`, :math:`K` negative
    binomial with the mean :math:`a` and variance :math:`b` of the others' extra
    answers (method of moments: :math:`r = a^2 / (b - a)`; Poisson when
    :math:`b \\le a`): customers differ in how often they deal with the team (a
    gamma mixture of Poisson rates). Fitting on the *other* respondents keeps the
    suspect from widening its own yardstick. With no repeat among the others, one
    extra answer is given a rate of :math:`1/(2R)` (half a repeat), so a handful of
    answers from one respondent is not flagged on an empty yardstick.

    Examples
    --------
    >>> round(repeat_tail([1] * 99, 2, 100), 2)         # one repeat among 100 one-timers
    0.39
    >>> repeat_tail([1] * 99, 12, 100) < 1e-9           # twelve answers from one
    True
    >>> round(repeat_tail([1, 2, 3, 5, 4, 1, 1, 2, 8] * 20, 12, 181), 2)  # heavy users
    0.7
    """
    from scipy import stats as sps

    others = np.asarray(others, dtype="float64")
    respondents = max(int(respondents), 1)
    extra = others - 1
    mean = float(extra.mean()) if extra.size else 0.0
    mean = max(mean, 0.5 / respondents)
    var = float(extra.var(ddof=1)) if extra.size > 1 else mean
    k = int(count) - 1
    if var > mean:
        r = mean ** 2 / (var - mean)
        tail = float(sps.nbinom.sf(k - 1, r, r / (r + mean)))
    else:
        tail = float(sps.poisson.sf(k - 1, mean))
    return float(-np.expm1(respondents * np.log1p(-min(tail, 1.0)))) if tail < 1 else 1.0


def _repeat_respondent(data, quarter, check):
    """Teams whose busiest respondent answered far more often than the team's customers do."""
    if schema.RESPONDENT_ID not in data.columns:
        return []
    previous = [schema.previous_quarter(quarter, k) for k in range(1, check.history_quarters + 1)]
    window = data.loc[data[schema.QUARTER].isin([quarter, *previous]) & data[schema.RESPONDENT_ID].notna(),
                      [schema.TEAM, schema.QUARTER, schema.RESPONDENT_ID]]
    k, (teams, quarter_of) = answers_per_respondent(window)
    is_now = quarter_of == quarter
    # Each team's positions, in the order of ``counts`` (a stable sort keeps it), so the
    # loop below touches only the team's own respondent-quarters, not every team's.
    order = np.argsort(teams, kind="stable")
    names, starts = np.unique(teams[order], return_index=True)
    slices = dict(zip(names, np.split(order, starts[1:])))
    rows = []
    for team in np.unique(teams[is_now]):
        positions = slices[team]
        now = positions[is_now[positions]]
        top_at = now[np.argmax(k[now])]
        top = int(k[top_at])
        if top <= check.max_responses:
            continue
        # the yardstick: the team's other respondent-quarters of the window, or the
        # company's when the team has too few to tell how its customers answer
        own = k[positions[positions != top_at]]
        pooled = own.size < check.min_yardstick
        yardstick = np.delete(k, top_at) if pooled else own
        p = repeat_tail(yardstick, top, now.size)
        if p >= check.max_p:
            continue
        quarters = len(set(quarter_of[positions]))
        whose = ("the company's respondents" if pooled else
                 f"this team's respondents over {_plural(quarters, 'quarter')}")
        rows.append({"team": team, "flag": "repeat_respondent", "severity": "medium",
                     "evidence": f"One respondent answered {top} times this quarter, against "
                     f"{yardstick.mean():.1f} answers per quarter on average from {whose}; "
                     f"chance alone gives one of this team's {now.size} respondents that many "
                     f"answers with a probability of {_chance(p)}. Check whether every "
                     f"repeated answer should count before trusting the score."})
    return rows


def answers_per_respondent(window: pd.DataFrame) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Answers of each (team, quarter, respondent) of ``window``, in the sorted order of
    ``groupby([team, quarter, respondent_id]).size()``, with each one's team and quarter
    (as text).

    Counted from integer codes (each column factorized in sorted order, one
    ``np.unique`` of the combined codes): grouping by three text columns, one of them
    nearly unique per response, made a Python string per cell at 1,000,000 responses.
    A row missing any of the three is in no group.

    Examples
    --------
    >>> window = pd.DataFrame({"team": ["B", "A", "A", "A"], "quarter": "2026Q3",
    ...                        "respondent_id": ["x", "y", "x", "y"]})
    >>> k, (teams, quarters) = answers_per_respondent(window)
    >>> k.tolist(), teams.tolist()
    ([1, 2, 1], ['A', 'A', 'B'])
    """
    from .stats import combined_codes

    columns = [schema.TEAM, schema.QUARTER, schema.RESPONDENT_ID]
    present = np.ones(len(window), dtype=bool)
    labels = []
    for column in columns:
        codes, uniques = pd.factorize(window[column], sort=True)
        present &= codes >= 0  # a missing key is in no group (groupby's dropna)
        labels.append((codes, uniques))
    combined = combined_codes([np.where(codes < 0, 0, codes) for codes, _ in labels],
                              [len(uniques) + 1 for _, uniques in labels])
    _, first, k = np.unique(combined[present], return_index=True, return_counts=True)
    first = np.flatnonzero(present)[first]
    named = tuple(np.asarray(uniques.astype(str))[codes[first]] for codes, uniques in labels[:2])
    return k, named


def _chance(p: float) -> str:
    """A small probability in words: "1 in 4,000", "less than 1 in a million"."""
    if p < 1e-6:
        return "less than 1 in a million"
    return f"1 in {int(round(1 / p, -int(np.floor(np.log10(1 / p))) + 1)):,}"


def _internal_email(current, check):
    """Teams with responses from the company's own e-mail domains."""
    domains = [d.strip().lower().lstrip("@") for d in check.internal_domains if d.strip()]
    if "email" not in current.columns or not domains:
        return []
    internal = pd.Series(internal_addresses(current["email"], domains), index=current.index)
    totals = current.groupby(schema.TEAM, observed=True).size()
    hits = current[internal].groupby(schema.TEAM, observed=True).size()
    listed = ", ".join(domains)
    rows = []
    for team, k in hits.items():
        if k < check.min_count:
            continue
        n = int(totals[team])
        rows.append({"team": team, "flag": "internal_email", "severity": "medium",
                     "evidence": f"{_plural(int(k), 'response')} of {n} ({_pct(k / n)}) came from "
                     f"e-mail addresses at {listed}, the company's own domain: colleagues or "
                     f"test entries. Check whether they belong in the score."})
    return rows


def internal_addresses(emails, domains) -> np.ndarray:
    """Which e-mail addresses are at one of ``domains`` (lower case) or a subdomain of one.

    An address is internal when it holds an ``@`` and the part after its last ``@``
    (trimmed, lower case) is a domain or ends with ``.`` and a domain. As the part
    after the last ``@`` holds no ``@``, that is the address ending with ``@domain``
    or ``.domain`` (a domain with an ``@`` matches nothing), tested on arrow text
    without splitting any address.

    Examples
    --------
    >>> internal_addresses(pd.Series(["a@acme.com", "b@mail.acme.com", "c@notacme.com",
    ...                               "acme.com", None, " D@ACME.COM "]), ["acme.com"]).tolist()
    [True, True, False, False, False, True]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(pd.Series(emails, dtype="string").array)
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    lowered = pc.utf8_lower(pc.utf8_trim_whitespace(text))
    internal = np.zeros(len(text), dtype=bool)
    for d in domains:
        if "@" in d:
            continue
        for suffix in ("@" + d, "." + d):
            internal |= np.asarray(pc.fill_null(pc.ends_with(lowered, suffix), False), dtype=bool)
    has_at = np.asarray(pc.fill_null(pc.match_substring(text, "@"), False), dtype=bool)
    return internal & has_at


def flag_anomalies(data: pd.DataFrame, *, quarter: str, rules=None, score: str = "score",
                   comment: str = "comment") -> pd.DataFrame:
    """Score patterns of one quarter, across all teams, to check before trusting the score.

    Parameters
    ----------
    data : DataFrame
        Canonical responses of *every* team (peers matter), for ``quarter`` and the
        previous quarters the checks compare with (``history_quarters``); without
        them the history-based checks find nothing to compare and stay silent.
    quarter : str
        The quarter checked, like ``"2026Q3"``.
    rules : ActionRules or path, optional
        Thresholds from the rules file's ``anomalies`` section; default the shipped
        ``nps_report/data/actions.yaml`` (see :func:`nps_report.actions.load_rules`).

    Returns
    -------
    DataFrame
        One row per team and flag: ``team``, ``flag`` (one of :data:`FLAGS`),
        ``evidence`` (a sentence with the numbers, worded for review) and
        ``severity`` (``high``/``medium``), high first. ``attrs["quarter"]``.

    Notes
    -----
    - ``tens_jump``: the team's share of 10s this quarter minus its highest share
      in the previous ``history_quarters`` quarters (only quarters with ``min_n``
      responses, at least ``min_history`` of them; the current quarter needs
      ``min_n`` too) is at least ``min_jump`` points, and that jump is at least
      ``min_z`` robust z-scores above the other eligible teams' jumps
      (:math:`z = (j - \\mathrm{median}) / (1.4826\\,\\mathrm{MAD})`). With fewer than
      ``min_peers`` other teams the jump alone decides (the evidence says so).
      Comparing with the team's *highest* past share keeps ordinary quarter-to-quarter
      swings out; comparing with the peers keeps out a company-wide change (a new
      survey question, a season).
    - ``silent_channel``: per team and channel (the first of ``columns`` present),
      the share of scores without a comment this quarter exceeds that of the same
      team and channel over the previous quarters by ``min_excess`` points, with a
      pooled two-proportion z of at least ``min_z`` and ``min_n`` responses on each side.
    - ``repeat_respondent``: the team's busiest ``respondent_id`` of the quarter answered
      more than ``max_responses`` times, and chance gives the busiest of the team's
      respondents that many answers with probability below ``max_p``
      (:func:`repeat_tail`: a negative binomial fitted to how often the team's *other*
      respondents answered per quarter over this and the ``history_quarters`` previous
      quarters; the company's respondents when the team has fewer than
      ``min_yardstick`` of them). Customers who legitimately answer several times a
      quarter set their own team's yardstick.
    - ``internal_email``: at least ``min_count`` responses whose e-mail domain is one
      of ``internal_domains`` (or a subdomain of one).

    Examples
    --------
    >>> import nps_report as nr
    >>> ctx = nr.load_context()  # the demo survey: every team, five quarters of history
    >>> data = ctx.responses(quarters=["2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3"])
    >>> nr.flag_anomalies(data, quarter="2026Q3")[["team", "flag", "severity"]]
                     team            flag severity
    0            Renewals       tens_jump     high
    1  Account Management  internal_email   medium
    """
    from .actions import resolve_rules

    checks = resolve_rules(rules).anomalies
    missing = [c for c in (schema.TEAM, schema.QUARTER, score) if c not in data.columns]
    if missing:
        raise KeyError(f"column(s) {missing} not in data; columns are {list(data.columns)}")
    schema.parse_quarter(quarter)
    # Only the columns the current-quarter check reads: a row selection copies what it keeps.
    current = data.loc[data[schema.QUARTER] == quarter, [c for c in (schema.TEAM, "email") if c in data]]
    rows = []
    if checks.tens_jump.enabled:
        rows += _tens_jump(data, quarter, checks.tens_jump, score)
    if checks.silent_channel.enabled:
        rows += _silent_channel(data, quarter, checks.silent_channel, comment)
    if checks.repeat_respondent.enabled:
        rows += _repeat_respondent(data, quarter, checks.repeat_respondent)
    if checks.internal_email.enabled:
        rows += _internal_email(current, checks.internal_email)
    table = pd.DataFrame(rows, columns=ANOMALY_COLUMNS)
    if not table.empty:
        table["team"] = table["team"].astype(str)
        order = table.assign(_s=table["severity"].map(_SEVERITY_ORDER),
                             _f=table["flag"].map({f: i for i, f in enumerate(FLAGS)}))
        table = order.sort_values(["_s", "_f", "team"], kind="stable")[ANOMALY_COLUMNS]
        table = table.reset_index(drop=True)
    table.attrs["quarter"] = quarter
    return table
