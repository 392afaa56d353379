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
        Team name -> responses this quarter. With it, ``department_evidence`` is the
        team's evidence scaled to the department (``evidence x n_team / n_all``: a
        team's detractors turned passives move the department's NPS in proportion to
        the team's share of its responses) and the ranking uses it. Without it the
        ranking uses ``evidence``.
    always : tuple of str, default ("check_score_pattern",)
        Rules whose actions are kept even beyond ``top``: a score to check before
        trusting it is never left out of a summary.

    Returns
    -------
    DataFrame
        ``team`` followed by :data:`ACTION_COLUMNS` (and ``department_evidence`` with
        ``sizes``), ``rank`` renumbered 1.. across the department; a team's warning
        (too few responses, a score to check) is placed just above that team's
        best-ranked action (:func:`rank_actions` with ``by="team"``). ``attrs["notes"]``:
        "No pain point stands out in any team this quarter." when no team's report
        has a pain-point action.

    Examples
    --------
    >>> a = pd.DataFrame({"rule": ["fix_pain_point", "small_sample"], "subject": ["x", "n"],
    ...                   "title": ["Fix x", "Raise"], "why": "", "evidence": [3.0, np.nan],
    ...                   "owner": "", "priority": "medium", "urgency": "this quarter",
    ...                   "rank": [2, 1]})
    >>> b = a.iloc[:1].assign(evidence=5.0)
    >>> gather({"A": a, "B": b})[["team", "rule"]].values.tolist()
    [['B', 'fix_pain_point'], ['A', 'small_sample'], ['A', 'fix_pain_point']]
    """
    if int(top) < 1:
        raise ValueError(f"top must be 1 or more, got {top!r}")
    frames = [table.assign(team=str(name)) for name, table in actions_by_team.items()
              if table is not None and not table.empty]
    columns = ["team"] + ACTION_COLUMNS + (["department_evidence"] if sizes else [])
    pains = any((f["rule"] == "fix_pain_point").any() for f in frames)
    notes = [] if pains else ["No pain point stands out in any team this quarter."]
    if not frames:
        out = empty_actions().assign(team=pd.Series(dtype="object"))
        if sizes:
            out["department_evidence"] = pd.Series(dtype="float64")
        out = out[columns]
        out.attrs["notes"] = notes
        return out
    table = pd.concat(frames, ignore_index=True)
    evidence = "evidence"
    if sizes:
        total = float(sum(sizes.get(t, 0) for t in actions_by_team))
        weight = table["team"].map(lambda t: sizes.get(t, 0) / total if total else np.nan)
        table["department_evidence"] = table["evidence"] * weight.astype(float)
        evidence = "department_evidence"
    table = rank_actions(table, evidence=evidence, by="team")
    keep = (table["rank"] <= int(top)) | table["rule"].isin(list(always))
    out = table[keep].reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1, dtype="int64")
    out = out[columns]
    out.attrs = {"notes": notes}
    return out
