"""The actions table: its columns, one action's row, the ranking, a copy for display."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .rules import PRIORITIES, RULE_ORDER, URGENCIES

__all__ = ["ACTION_COLUMNS", "action_row", "display_table", "empty_actions", "is_finite",
           "rank_actions"]

#: Columns of the table :func:`recommend` returns, in order.
ACTION_COLUMNS = ["rule", "subject", "title", "why", "expected_effect", "owner", "priority",
                  "urgency", "rank"]


def is_finite(value) -> bool:
    """True for a number that is not NaN or infinite (False for None and text)."""
    try:
        return value is not None and np.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def action_row(rule_id, subject, title, why, effect, owner, priority, urgency) -> dict:
    """One action: a row of the actions table before ranking (effect NaN if not estimated)."""
    return {"rule": rule_id, "subject": subject, "title": title, "why": why,
            "expected_effect": float(effect) if is_finite(effect) else np.nan, "owner": owner,
            "priority": priority, "urgency": urgency}


def empty_actions() -> pd.DataFrame:
    """An actions table without rows: :data:`ACTION_COLUMNS` with their types."""
    return pd.DataFrame({c: pd.Series(dtype="float64" if c == "expected_effect" else
                                      "int64" if c == "rank" else "object")
                         for c in ACTION_COLUMNS})


def rank_actions(table: pd.DataFrame, *, effect: str = "expected_effect") -> pd.DataFrame:
    """Sort by expected effect (largest first, not estimated last), then urgency, priority, rule."""
    if table.empty:
        return table.assign(rank=pd.Series(dtype="int64"))
    key = pd.DataFrame({
        "effect": -table[effect].astype("float64").fillna(-np.inf),
        "urgency": table["urgency"].map({u: i for i, u in enumerate(URGENCIES)}).fillna(9),
        "priority": table["priority"].map({p: i for i, p in enumerate(PRIORITIES)}).fillna(9),
        "rule": table["rule"].map({r: i for i, r in enumerate(RULE_ORDER)}).fillna(99),
    }, index=table.index)
    order = key.sort_values(list(key.columns), kind="stable").index
    out = table.loc[order].reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1, dtype="int64")
    return out


def display_table(actions: pd.DataFrame) -> pd.DataFrame:
    """Presentation copy of an actions table: numbered, effect as text, plain column names."""
    effect = [f"+{v:.1f} NPS points" if is_finite(v) else "not estimated"
              for v in actions["expected_effect"]]
    shown = pd.DataFrame({"#": actions["rank"].to_numpy()})
    if "team" in actions:
        shown["team"] = actions["team"].to_numpy()
    shown["action"] = actions["title"].to_numpy()
    shown["why"] = actions["why"].to_numpy()
    shown["expected effect"] = effect
    if "department_effect" in actions:
        shown["effect on the department"] = [
            f"+{v:.1f} NPS points" if is_finite(v) else "not estimated"
            for v in actions["department_effect"]]
    shown["owner"] = actions["owner"].to_numpy()
    shown["priority"] = actions["priority"].to_numpy()
    shown["urgency"] = actions["urgency"].to_numpy()
    return shown
