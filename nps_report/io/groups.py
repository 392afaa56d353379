"""NPS group columns: Promoter/Passive/Detractor flags or labels a survey tool writes beside
the score, and the rows whose stated group disagrees with their score."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .dates import arrow_text
from .load import parse_scores

__all__ = ["category", "flag_columns", "nps_group_problems"]

_GROUP_NAMES = {"detractor": "detractor", "detractors": "detractor", "passive": "passive",
                "passives": "passive", "neutral": "passive", "neutrals": "passive",
                "promoter": "promoter", "promoters": "promoter",
                # Qualtrics' numeric mode: 1 Detractor, 2 Passive, 3 Promoter
                "1": "detractor", "2": "passive", "3": "promoter"}
_TRUE = {"1", "1.0", "true", "yes", "y", "x", "t"}

def flag_columns(frame: pd.DataFrame) -> dict:
    """Promoter / Passive / Detractor flag columns (1 or blank), when all three exist."""
    found = {}
    for column in frame.columns:
        key = str(column).strip().lower().rstrip("s")
        if key in ("promoter", "passive", "detractor"):
            found.setdefault(key, column)
    return found if len(found) == 3 else {}


def category(scores) -> pd.Series:
    """``detractor`` (0-6), ``passive`` (7-8), ``promoter`` (9-10), ``""`` where missing."""
    values = np.asarray(scores, dtype="float64")
    with np.errstate(invalid="ignore"):
        named = np.select([values <= 6, values <= 8, values <= 10], ["detractor", "passive", "promoter"],
                          default="")
    named = np.where(np.isnan(values), "", named).astype(object)
    return pd.Series(named, index=getattr(scores, "index", None))


def _cells(frame: pd.DataFrame, column) -> np.ndarray:
    """A column's cells as stripped Python strings (missing = "")."""
    return np.asarray(arrow_text(frame[column]).to_numpy(zero_copy_only=False), dtype=object)


def nps_group_problems(frame: pd.DataFrame, score_column: str, spec: dict) -> tuple[pd.DataFrame, list]:
    """Rows whose stated NPS group disagrees with their score.

    ``spec`` is ``{"column": name}`` (text ``Detractor/Passive/Promoter``, ``Neutral``, or
    Qualtrics' numeric 1/2/3) or ``{"flags": {"promoter": col, "passive": col,
    "detractor": col}}``; with ``"unanswered": "-99"`` a score of -99 is reported as
    seen but not answered. Returns ``(problems, notes)``: ``problems`` has ``reason,
    column, value`` indexed like ``frame``; rows with unrecognised group labels are
    not checked and counted in ``notes``.
    """
    scores, reasons = parse_scores(frame[score_column])
    usable = reasons.to_numpy() == ""
    actual = category(np.where(usable, scores.to_numpy(), np.nan)).to_numpy()
    raw_score = _cells(frame, score_column)
    n = len(frame)
    reason = np.full(n, "", dtype=object)
    where_column = np.full(n, "", dtype=object)
    value = np.full(n, "", dtype=object)
    notes = []
    unanswered = spec.get("unanswered")
    if unanswered:
        skipped = raw_score == unanswered
        reason[skipped] = f"missing score ({unanswered}: seen but not answered)"
        where_column[skipped] = score_column
        value[skipped] = unanswered
    if "column" in spec:
        column = spec["column"]
        text = _cells(frame, column)
        stated = pd.Series(text, dtype=object).str.lower().map(_GROUP_NAMES).to_numpy(dtype=object)
        known = pd.notna(stated)
        unknown = (text != "") & ~known & (text != (unanswered or "\0"))
        if unknown.any():
            labels = ", ".join(repr(v) for v in pd.unique(text[unknown])[:5])
            notes.append(f"{int(unknown.sum())} rows with NPS group labels {labels} in {column}: not checked")
        labels = text
    else:
        flags = spec["flags"]
        kinds = list(flags)
        set_ = np.column_stack([pd.Series(_cells(frame, c), dtype=object).str.lower().isin(_TRUE).to_numpy()
                                for c in flags.values()]) if n else np.zeros((0, 3), dtype=bool)
        count = set_.sum(axis=1)
        column = ", ".join(flags.values())
        several = (count > 1) & (reason == "")
        for row in np.flatnonzero(several):
            reason[row] = "several NPS group flags set (" + ", ".join(
                k for k, on in zip(kinds, set_[row]) if on) + ")"
            where_column[row] = column
            value[row] = raw_score[row]
        stated = np.where(count == 1, np.array(kinds, dtype=object)[set_.argmax(axis=1)] if n else [], None)
        known = count == 1
        labels = np.array([f"{k.capitalize()} flag" if k else "" for k in stated], dtype=object)
    mismatch = known & (actual != "") & (stated != actual) & (reason == "")
    for row in np.flatnonzero(mismatch):
        reason[row] = (f"NPS group {labels[row]!r} does not match the score {raw_score[row]} "
                       f"(a {actual[row]})")
        where_column[row] = column
        value[row] = labels[row]
    bad = reason != ""
    out = pd.DataFrame({"reason": reason[bad], "column": where_column[bad], "value": value[bad]},
                       index=frame.index[bad])
    return out, notes
