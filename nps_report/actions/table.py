"""The actions table: its columns, one action's row, the ranking, a copy for display."""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from .rules import PRIORITIES, RULE_ORDER, URGENCIES

__all__ = ["ACTION_COLUMNS", "WARNING_RULES", "action_row", "display_table", "empty_actions",
           "evidence_text", "is_finite", "rank_actions"]

#: Columns of the table :func:`~nps_report.actions.recommend` returns, in order:
#:
#: - ``rule``: the rule that fired (:data:`~nps_report.actions.RULE_ORDER`);
#: - ``subject``: the theme, rating, topic or check it is about;
#: - ``title``, ``why``: the action and its evidence, in words and numbers;
#: - ``evidence``: the ranking basis, in NPS points: the lower end of the 95% interval
#:   of the action's scenario (a pain point: "if its detractors became passives"); NaN
#:   for an action without a figure in NPS points (a clear driver, whose figure is a
#:   share of explained variance, a follow-up, a warning ...);
#: - ``owner``, ``priority`` (:data:`PRIORITIES`), ``urgency`` (:data:`URGENCIES`);
#: - ``rank``: 1 first (see :func:`rank_actions`).
ACTION_COLUMNS = ["rule", "subject", "title", "why", "evidence", "owner", "priority", "urgency",
                  "rank"]

#: Rules that warn about the numbers themselves (too few responses, a score pattern to
#: check): they rank above every effect claim of the same team.
WARNING_RULES = ("check_score_pattern", "small_sample")


def is_finite(value) -> bool:
    """True for a number that is not NaN or infinite (False for None and text)."""
    try:
        return value is not None and np.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def action_row(rule_id, subject, title, why, evidence, owner, priority, urgency) -> dict:
    """One action: a row of the actions table before ranking (evidence NaN if none)."""
    return {"rule": rule_id, "subject": subject, "title": title, "why": why,
            "evidence": float(evidence) if is_finite(evidence) else np.nan, "owner": owner,
            "priority": priority, "urgency": urgency}


def empty_actions() -> pd.DataFrame:
    """An actions table without rows: :data:`ACTION_COLUMNS` with their types."""
    return pd.DataFrame({c: pd.Series(dtype="float64" if c == "evidence" else
                                      "int64" if c == "rank" else "object")
                         for c in ACTION_COLUMNS})


def rank_actions(table: pd.DataFrame, *, evidence: str = "evidence",
                 by: Optional[str] = None) -> pd.DataFrame:
    """Warnings first, then by evidence (largest first, none last), urgency, priority, rule.

    Parameters
    ----------
    table : DataFrame
        Actions (:data:`ACTION_COLUMNS` without ``rank``, or with it: it is renumbered).
    evidence : str, default "evidence"
        The column ranked on (NPS points; NaN: no figure in NPS points).
    by : str, optional
        A column naming whose action each row is (``team`` across a department). A
        warning (:data:`WARNING_RULES`) is placed just above the best-ranked other action
        of its own group; without ``by`` the whole table is one group, so warnings come
        first.

    Returns
    -------
    DataFrame
        ``table`` sorted, with ``rank`` 1.. .

    Notes
    -----
    A warning says the numbers of its team cannot yet be relied on: no effect claim of
    that team may be read before it. It takes the ranking key of its group's best
    other action and wins the tie; a group with only warnings keeps their own keys.

    Examples
    --------
    >>> t = pd.DataFrame({"rule": ["fix_pain_point", "small_sample"], "subject": ["a", "n"],
    ...                   "evidence": [4.0, float("nan")], "urgency": "this quarter",
    ...                   "priority": "medium"})
    >>> rank_actions(t)["rule"].tolist()
    ['small_sample', 'fix_pain_point']
    """
    if table.empty:
        return table.assign(rank=pd.Series(dtype="int64"))
    warning = table["rule"].isin(WARNING_RULES).to_numpy()
    key = pd.DataFrame({
        "evidence": -table[evidence].astype("float64").fillna(-np.inf),
        "urgency": table["urgency"].map({u: i for i, u in enumerate(URGENCIES)}).fillna(9),
        "priority": table["priority"].map({p: i for i, p in enumerate(PRIORITIES)}).fillna(9),
        "rule": table["rule"].map({r: i for i, r in enumerate(RULE_ORDER)}).fillna(99),
    }, index=table.index)
    columns = list(key.columns)
    key["anchor"] = np.arange(len(table))
    own = key[["urgency", "priority", "rule"]].add_prefix("own_")  # orders warnings among themselves
    # A warning takes the whole key of its group's best-ranked other action and wins the
    # tie: it sits just above that action (its group's first claim).
    groups = table[by] if by is not None else pd.Series(0, index=table.index)
    others = key[~warning].sort_values(columns + ["anchor"], kind="stable")
    best = others.groupby(groups[~warning], sort=False).head(1)
    best.index = groups[best.index].to_numpy()
    for pos in np.flatnonzero(warning):
        group = groups.iloc[pos]
        if group in best.index:
            key.iloc[pos, :] = best.loc[group].to_numpy()
    key["warning"] = np.where(warning, 0, 1)
    key = key.join(own)
    order = key.sort_values(columns + ["anchor", "warning"] + list(own.columns),
                            kind="stable").index
    out = table.loc[order].reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1, dtype="int64")
    out.attrs.update(table.attrs)
    return out


def evidence_text(value) -> str:
    """The ranking basis as a report prints it.

    Examples
    --------
    >>> evidence_text(2.345), evidence_text(float("nan"))
    ('at least +2.3 NPS points (lower end of the 95% interval)', 'no figure in NPS points')
    """
    if not is_finite(value):
        return "no figure in NPS points"
    return f"at least +{float(value):.1f} NPS points (lower end of the 95% interval)"


def display_table(actions: pd.DataFrame) -> pd.DataFrame:
    """Presentation copy of an actions table: numbered, evidence as text, plain column names."""
    shown = pd.DataFrame({"#": actions["rank"].to_numpy()})
    if "team" in actions:
        shown["team"] = actions["team"].to_numpy()
    shown["action"] = actions["title"].to_numpy()
    shown["why"] = actions["why"].to_numpy()
    shown["evidence"] = [evidence_text(v) for v in actions["evidence"]]
    if "department_evidence" in actions:
        shown["evidence for the department"] = [
            evidence_text(v) for v in actions["department_evidence"]]
    shown["owner"] = actions["owner"].to_numpy()
    shown["priority"] = actions["priority"].to_numpy()
    shown["urgency"] = actions["urgency"].to_numpy()
    return shown
