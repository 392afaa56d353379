"""The key-driver analysis in plain words: the leaders it may name, or "no clear driver"."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..benchmarks.verdicts import format_p

__all__ = ["model_sentence", "summarize"]


def model_sentence(attrs: dict) -> str:
    """How much the ratings explain, with its interval and test, as a parenthesis' content.

    The bootstrap interval of R² is left out when its rounded bounds do not hold the
    rounded estimate (it happens near R² = 0, where the percentile bootstrap is biased up).

    Examples
    --------
    >>> model_sentence({"r2": 0.031, "r2_low": 0.01, "r2_high": 0.09, "model_p": 0.41,
    ...                 "n_used": 200, "confidence": 0.95})
    'the ratings explain 3% of the differences in scores, 95% interval 1% to 9%; F-test p = 0.41, n = 200'
    """
    r2 = attrs.get("r2", float("nan"))
    if not np.isfinite(r2):
        return ""
    text = f"the ratings explain {100 * r2:.0f}% of the differences in scores"
    low, high = attrs.get("r2_low", float("nan")), attrs.get("r2_high", float("nan"))
    # The percentile bootstrap of R² is biased upwards near 0: an interval that would print
    # above its own estimate is left out (the F-test's p-value says what it would have).
    if low is not None and high is not None and np.isfinite(low) and np.isfinite(high) \
            and round(100 * low) <= round(100 * r2) <= round(100 * high):
        level = 100 * float(attrs.get("confidence", 0.95))
        text += f", {level:.0f}% interval {100 * low:.0f}% to {100 * high:.0f}%"
    p = attrs.get("model_p", float("nan"))
    if p is not None and np.isfinite(p):
        text += f"; F-test {format_p(float(p))}"
    n = attrs.get("n_used")
    if n:
        text += f", n = {int(n):,}"
    return text


def summarize(table: pd.DataFrame) -> str:
    """Plain-language summary of a :func:`~nps_report.drivers.key_drivers` table.

    Parameters
    ----------
    table : DataFrame
        A key-driver table (its ``attrs`` carry the verdict). How many ratings may be
        named is decided there (``key_drivers(..., most=2)``): naming fewer than the
        leaders would claim an order the intervals did not show.

    Returns
    -------
    str
        With a verdict ``"drivers"``: the leaders "move the score most", with their part
        of what the ratings explain, and "fix it first" for a leader rated below the
        ratings' average on the common scale. Otherwise "No clear driver" and why; the
        words "moves the score most" and "fix it first" never appear then.

    Examples
    --------
    >>> t = pd.DataFrame({"label": ["Speed", "Price"], "importance": [0.02, 0.01],
    ...                   "share": [0.67, 0.33], "leader": [False, False]})
    >>> t.attrs.update(status="ok", verdict="no_clear_driver", r2=0.03, model_p=0.41,
    ...                n_used=200)
    >>> summarize(t)[:69]
    'No clear driver: the ratings explain 3% of the differences in scores;'
    """
    attrs = table.attrs
    status = attrs.get("status", "ok")
    if status != "ok":
        return (attrs.get("reason") or "No key-driver analysis for this group.").rstrip(".") + "."
    if table.empty:
        return "No key-driver analysis for this group."
    model = model_sentence(attrs)
    verdict = attrs.get("verdict", "no_clear_driver")
    if verdict == "no_clear_driver":
        return (f"No clear driver: {model}, no more than chance would give, so no rating can "
                "be said to move the score. The estimates below are for reading, not for "
                "action.")
    leaders = table[table["leader"].astype(bool)] if "leader" in table else table.iloc[0:0]
    leaders = leaders.sort_values("importance", ascending=False)
    if verdict != "drivers" or leaders.empty:
        return (f"No clear driver: {model}, but no rating stands out from all the others."
                + _clear_pairs(table, attrs) + " The estimates below are for reading, not "
                "for action.")
    names = _join([str(x) for x in leaders["label"]])
    if len(leaders) == 1:
        text = (f"{names} moves the score most: {100 * leaders['share'].iloc[0]:.0f}% of what "
                "the ratings explain, clearly more than any other rating")
    else:
        text = (f"{names} move the score most: together {100 * leaders['share'].sum():.0f}% of "
                "what the ratings explain, each clearly more than any other rating")
    text += f" ({model})." if model else "."
    fix = leaders[leaders["quadrant"] == "fix first"] if "quadrant" in leaders \
        else leaders.iloc[0:0]
    if not fix.empty:
        row = fix.iloc[0]
        text += f" {row['label']} is rated below average ({_rating(row, attrs)}): fix it first."
    else:
        text += (" " + ("It is" if len(leaders) == 1 else "They are")
                 + " rated at or above average: keep " + ("it" if len(leaders) == 1 else "them")
                 + " up.")
    return text


def _clear_pairs(table, attrs) -> str:
    """What the intervals of the differences do show about the most important rating."""
    diffs = pd.DataFrame(attrs.get("differences") or [])
    if diffs.empty or table.empty:
        return ""
    top = table.sort_values("importance", ascending=False).iloc[0]
    p = top.get("p_partial", np.nan)
    alpha = float(attrs.get("alpha", 0.05))
    if not (p is not None and np.isfinite(p) and p < alpha):
        return ""
    mine = diffs[diffs["driver"] == top["driver"]]
    labels = dict(zip(table["driver"], table["label"]))
    ahead = [labels.get(o, o) for o in mine.loc[mine["clear"].astype(bool), "other"]]
    tied = [labels.get(o, o) for o in mine.loc[~mine["clear"].astype(bool), "other"]]
    if not ahead or not tied:
        return ""
    return (f" {top['label']} matters more than {_join(ahead)}, but cannot be told apart "
            f"from {_join(tied)}.")


def _rating(row, attrs) -> str:
    """``6.1 on 1-10, 57% of its scale; average 66%`` (the common scale of the quadrant)."""
    text = f"{row['performance']:.1f}"
    pomp, split = row.get("performance_pomp", np.nan), attrs.get("performance_split", np.nan)
    if pomp is not None and np.isfinite(pomp) and split is not None and np.isfinite(split):
        text += (f" on {row['scale_min']:g}-{row['scale_max']:g}, {100 * pomp:.0f}% of its scale; "
                 f"average of the ratings {100 * split:.0f}%")
    return text


def _join(items):
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
