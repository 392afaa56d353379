"""What came of last quarter's actions: each action an owner marked done, its evidence then and now."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema, themes
from ..tables.theme_change import theme_shares
from .evidence import mean_change, share_change
from .store import read_latest

__all__ = ["FOLLOWED_STATUSES", "FOLLOWUP_COLUMNS", "action_followup", "followup_table",
           "p_text"]

#: Statuses whose actions the report follows up (the others are only counted).
FOLLOWED_STATUSES = ("done", "in progress")
#: Columns of :func:`followup_table`, in order.
FOLLOWUP_COLUMNS = ["action_id", "title", "rule", "subject", "label", "quarter_then", "status",
                    "owner", "date", "note", "measure", "then", "now", "n_then", "n_now",
                    "change", "ci_low", "ci_high", "p_value", "test", "verdict", "sentence",
                    "recommended_again"]


def p_text(p: float) -> str:
    """A p-value as a report prints it: ``p = 0.003``, ``p = 0.41``, ``p < 0.001``.

    Examples
    --------
    >>> p_text(0.0031), p_text(0.41), p_text(0.00001)
    ('p = 0.003', 'p = 0.41', 'p < 0.001')
    """
    if not np.isfinite(p):
        return "p not defined"
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def _quarter_key(label: str):
    try:
        return schema.parse_quarter(str(label))
    except (ValueError, TypeError):
        return None


def _theme_counts(responses: pd.DataFrame, theme: str, taxonomy) -> tuple[int, int, str]:
    """Commenting detractors mentioning ``theme``, commenting detractors, the theme's label."""
    impact = theme_shares(responses, taxonomy=taxonomy)
    commented = int((impact.attrs.get("commented") or {}).get("detractors", 0))
    rows = impact[impact["theme"].astype(str).str.casefold() == str(theme).casefold()]
    if rows.empty:
        return 0, commented, str(theme)
    return int(rows["detractors"].iloc[0]), commented, str(rows["label"].iloc[0])


def _verdict(change: dict, *, floor: int, alpha: float) -> str:
    if min(change["n_then"], change["n_now"]) < floor:
        return "too few"
    if not np.isfinite(change["p_value"]):
        return "not significant"
    return "significant" if change["p_value"] < alpha else "not significant"


def followup_table(latest: pd.DataFrame, *, team: str, quarter: str, then_responses,
                   now_responses: pd.DataFrame, current_actions: pd.DataFrame | None = None,
                   taxonomy=None, drivers: pd.DataFrame | None = None, alpha: float = 0.05,
                   confidence: float = 0.95, display_floor: int = 5) -> pd.DataFrame:
    """Each action of ``team`` marked done or in progress before ``quarter``: its evidence then and now.

    Parameters
    ----------
    latest : DataFrame
        The latest log entry per action (:func:`nps_report.followup.store.read_latest`).
    team, quarter : str
        The report's team and quarter; entries of earlier quarters are followed up.
    then_responses : callable
        ``then_responses(quarter_label)`` -> the team's current responses of that
        earlier quarter (the responses its report used).
    now_responses : DataFrame
        The team's current responses of ``quarter``.
    current_actions : DataFrame, optional
        This quarter's actions (with ``action_id``): an action marked done and
        recommended again is flagged.
    taxonomy : Taxonomy or path, optional
        The theme list, the same for both quarters (default: the shipped one).
    drivers : DataFrame, optional
        A key-driver table, for the drivers' labels.
    alpha, confidence : float
        Level of the tests and of the intervals.
    display_floor : int, default 5
        Fewest commenting detractors (or ratings) in each quarter for a comparison.

    Returns
    -------
    DataFrame
        :data:`FOLLOWUP_COLUMNS`, one row per followed action (most recent quarter
        first, done before in progress): the log's ``status``, ``owner``, ``date``,
        ``note``; ``measure`` (``"share of commenting detractors"``, ``"mean rating"``
        or ``""``), ``then`` and ``now`` (percent or mean rating), their counts, the
        ``change`` with its interval, ``p_value``, ``test``; ``verdict``
        (``significant``, ``not significant``, ``too few`` or ``no measure``), the
        ``sentence`` the report prints and ``recommended_again``. ``attrs["other"]``
        counts this team's earlier entries that are planned or dropped.

    Notes
    -----
    A theme action (rule ``fix_pain_point``) is followed by the theme's share of the
    commenting detractors, matched with the same theme list in both quarters
    (:func:`nps_report.tables.theme_change.theme_shares`), tested by
    :func:`~nps_report.followup.evidence.share_change`; a driver action
    (``fix_driver``) by the driver's mean rating, tested by
    :func:`~nps_report.followup.evidence.mean_change`. Each test stands alone (not
    adjusted for the team's other follow-ups), and a change after an action does not
    prove the action caused it. Other rules have no before-and-after measure.

    Examples
    --------
    >>> import pandas as pd
    >>> from nps_report.actions.ids import action_id
    >>> latest = pd.DataFrame([{"action_id": action_id("T", "fix_pain_point", "billing errors"),
    ...     "quarter": "2026Q2", "team": "T", "rule": "fix_pain_point",
    ...     "subject": "billing errors", "title": "Fix billing", "status": "done",
    ...     "owner": "Ann", "date": "2026-08-01", "note": ""}])
    >>> then = pd.DataFrame({"score": [2] * 40, "comment": ["billing error"] * 20 + ["slow"] * 20})
    >>> now = pd.DataFrame({"score": [2] * 40, "comment": ["billing error"] * 4 + ["slow"] * 36})
    >>> row = followup_table(latest, team="T", quarter="2026Q3", then_responses=lambda q: then,
    ...                      now_responses=now).iloc[0]
    >>> row["sentence"]
    'Billing errors: 50% -> 10% of commenting detractors (significant, p < 0.001)'
    """
    rows = latest[(latest["team"].astype(str) == str(team))] if not latest.empty else latest
    now_key = _quarter_key(quarter)
    earlier = rows[[(_quarter_key(q) is not None and _quarter_key(q) < now_key)
                    for q in rows["quarter"]]] if not rows.empty else rows
    followed = earlier[earlier["status"].isin(FOLLOWED_STATUSES)] if not earlier.empty else earlier
    other = earlier["status"].value_counts().to_dict() if not earlier.empty else {}
    again = set(current_actions["action_id"]) if current_actions is not None and \
        "action_id" in current_actions else set()
    if taxonomy is None or not isinstance(taxonomy, themes.Taxonomy):
        taxonomy = themes.load_taxonomy(taxonomy)
    labels = {}
    if drivers is not None and not drivers.empty and "label" in drivers:
        labels = dict(zip(drivers["driver"].astype(str), drivers["label"].astype(str)))
    out = []
    for _, entry in followed.iterrows():
        rule, subject, then_q = str(entry["rule"]), str(entry["subject"]), str(entry["quarter"])
        row = {c: entry.get(c, "") for c in ("action_id", "title", "rule", "subject", "status",
                                             "owner", "date", "note")}
        row.update(quarter_then=then_q, label=subject, measure="", test="", verdict="no measure",
                   recommended_again=bool(entry["action_id"] in again and
                                          entry["status"] == "done"))
        change = None
        if rule == "fix_pain_point":
            k0, n0, label = _theme_counts(then_responses(then_q), subject, taxonomy)
            k1, n1, _ = _theme_counts(now_responses, subject, taxonomy)
            change = share_change(k0, n0, k1, n1, confidence=confidence)
            row.update(label=label, measure="share of commenting detractors")
        elif rule == "fix_driver":
            before, after = then_responses(then_q), now_responses
            label = labels.get(subject, subject.replace("_", " ").capitalize())
            change = mean_change(before[subject] if subject in before else pd.Series(dtype=float),
                                 after[subject] if subject in after else pd.Series(dtype=float),
                                 confidence=confidence)
            row.update(label=label, measure="mean rating")
        if change is not None:
            row.update(change)
            row["verdict"] = _verdict(change, floor=int(display_floor), alpha=float(alpha))
        row["sentence"] = _sentence(row, then_q=then_q, quarter=quarter, floor=int(display_floor))
        out.append(row)
    table = pd.DataFrame(out, columns=FOLLOWUP_COLUMNS)
    if not table.empty:
        order = table.assign(_q=[_quarter_key(q) for q in table["quarter_then"]],
                             _s=table["status"].map({s: i for i, s in enumerate(FOLLOWED_STATUSES)}))
        table = order.sort_values(["_q", "_s"], ascending=[False, True], kind="stable") \
            .drop(columns=["_q", "_s"]).reset_index(drop=True)
    table.attrs["other"] = {k: int(v) for k, v in other.items() if k not in FOLLOWED_STATUSES}
    return table


def _sentence(row: dict, *, then_q: str, quarter: str, floor: int) -> str:
    label, verdict = row["label"], row["verdict"]
    if verdict == "no measure":
        return f"{row['title']}: no before-and-after measure for this kind of action"
    if row["measure"] == "share of commenting detractors":
        if verdict == "too few":
            return (f"{label}: too few commenting detractors to compare ({row['n_then']} in "
                    f"{then_q}, {row['n_now']} in {quarter}; {floor} needed in each)")
        return (f"{label}: {row['then']:.0f}% -> {row['now']:.0f}% of commenting detractors "
                f"({verdict}, {p_text(row['p_value'])})")
    if verdict == "too few":
        return (f"{label}: too few ratings to compare ({row['n_then']} in {then_q}, "
                f"{row['n_now']} in {quarter}; {floor} needed in each)")
    return (f"{label}: mean rating {row['then']:.1f} -> {row['now']:.1f} "
            f"({verdict}, {p_text(row['p_value'])})")


def action_followup(ctx, t) -> pd.DataFrame:
    """The follow-up table of a team report: :func:`followup_table` for its build and tables.

    Parameters
    ----------
    ctx : ReportContext
        The build's context; its folder's ``actions/latest.csv`` is the log read (an
        in-memory context has none: the table is empty).
    t : TeamTables
        The team report's tables (team, quarter, current responses, actions, options).

    Returns
    -------
    DataFrame
        :func:`followup_table`.

    Examples
    --------
    >>> import nps_report as nr
    >>> from nps_report.followup import action_followup
    >>> ctx = nr.load_context()
    >>> t = nr.report_tables(ctx, team="Billing Operations", quarter="2026Q3")
    >>> action_followup(ctx, t).empty  # the in-memory demo has no returned log
    True
    """
    from ..tables.build import current_responses, window_quarters

    folder = ctx.folder if ctx.folder is not None and not isinstance(ctx.folder, str) else None
    latest = read_latest(folder)
    options = t.options

    def then_responses(label: str) -> pd.DataFrame:
        history = ctx.responses(teams=[t.team], quarters=window_quarters(label, options))
        return current_responses(history, quarter=label, options=options)[0]

    return followup_table(latest, team=t.team, quarter=t.quarter, then_responses=then_responses,
                          now_responses=t.responses, current_actions=t.actions,
                          taxonomy=options.themes, drivers=t.drivers, alpha=options.alpha,
                          confidence=options.confidence, display_floor=options.display_floor)
