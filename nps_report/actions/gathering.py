"""The top actions across a department's teams, from the tables their reports show."""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from .table import ACTION_COLUMNS, empty_actions, rank_actions

__all__ = ["gather"]


def gather(actions_by_team: dict, top: int = 5, *, sizes: Optional[dict] = None,
           always=("check_score_pattern",)) -> pd.DataFrame:
    """The top actions across teams, for a department summary.

    Parameters
    ----------
    actions_by_team : dict
        Team name -> its :func:`recommend` table.
    top : int, default 5
        Actions kept (after ranking across all teams).
    sizes : dict, optional
        Team name -> responses this quarter. With it, ``department_effect`` is the
        team's expected effect scaled to the department (``expected_effect x n_team /
        n_all``; a team's NPS moves the department's in proportion to its responses)
        and the ranking uses it. Without it the ranking uses ``expected_effect``.
    always : tuple of str, default ("check_score_pattern",)
        Rules whose actions are kept even beyond ``top``: a score to check before
        trusting it is never left out of a summary.

    Returns
    -------
    DataFrame
        ``team`` followed by :data:`ACTION_COLUMNS` (and ``department_effect`` with
        ``sizes``), ``rank`` renumbered 1.. across the department.
    """
    if int(top) < 1:
        raise ValueError(f"top must be 1 or more, got {top!r}")
    frames = [table.assign(team=str(name)) for name, table in actions_by_team.items()
              if table is not None and not table.empty]
    columns = ["team"] + ACTION_COLUMNS + (["department_effect"] if sizes else [])
    if not frames:
        out = empty_actions().assign(team=pd.Series(dtype="object"))
        if sizes:
            out["department_effect"] = pd.Series(dtype="float64")
        return out[columns]
    table = pd.concat(frames, ignore_index=True)
    effect = "expected_effect"
    if sizes:
        total = float(sum(sizes.get(t, 0) for t in actions_by_team))
        weight = table["team"].map(lambda t: sizes.get(t, 0) / total if total else np.nan)
        table["department_effect"] = table["expected_effect"] * weight.astype(float)
        effect = "department_effect"
    table = rank_actions(table, effect=effect)
    keep = (table["rank"] <= int(top)) | table["rule"].isin(list(always))
    out = table[keep].reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1, dtype="int64")
    return out[columns]
