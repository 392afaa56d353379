"""The "What came of last quarter's actions" section of a team report."""

from __future__ import annotations

import pandas as pd

from .html import Html, bullets, concat, esc, lead, note

__all__ = ["action_followup"]


def _when(row) -> str:
    parts = [str(row["status"])]
    if row.get("date"):
        parts.append(f"on {row['date']}")
    if row.get("owner"):
        parts.append(f"by {row['owner']}")
    return " ".join(parts)


def action_followup(followup: pd.DataFrame, *, alpha: float = 0.05,
                    confidence: float = 0.95) -> Html:
    """Each action marked done or in progress, what it was based on then and now, said plainly.

    Parameters
    ----------
    followup : DataFrame
        :func:`nps_report.followup.action_followup` of the report.
    alpha, confidence : float
        The build's test level and interval confidence (named in the note).

    Returns
    -------
    Html
        A lead sentence, one item per action (title, status, date and owner from the
        log, the sentence with its test, the interval of the change, a flag when a
        done action is recommended again, the owner's note) and a note on the tests;
        without a followed action, one sentence saying so.

    Examples
    --------
    >>> import pandas as pd
    >>> from nps_report.followup import FOLLOWUP_COLUMNS
    >>> "No action" in action_followup(pd.DataFrame(columns=FOLLOWUP_COLUMNS))._repr_html_()
    True
    """
    other = followup.attrs.get("other") or {}
    others = ", ".join(f"{n} {status}" for status, n in sorted(other.items()))
    if followup.empty:
        text = ("No action of this team was marked done or in progress in a returned action "
                "log, so there is nothing to follow up yet.")
        return concat(lead(text), note(f"In the log: {others}." if others else ""),
                      note("Each quarter's recommended actions are listed in the build's "
                           "action_log.xlsx; owners mark what they did and return it to the "
                           "folder the build file names under action_log."))
    done = int((followup["status"] == "done").sum())
    progress = len(followup) - done
    count = " and ".join(p for p in (f"{done} marked done" if done else "",
                                     f"{progress} in progress" if progress else "") if p)
    items = []
    level = f"{confidence:.0%}"
    for _, row in followup.iterrows():
        detail = [esc(row["sentence"]) + "."]
        if row["verdict"] in ("significant", "not significant"):
            share = row["measure"] == "share of commenting detractors"
            digits, unit = (0, " points") if share else (1, " rating points")
            detail.append(esc(f"Change {row['change']:+.{digits}f}{unit}, {level} interval "
                              f"{row['ci_low']:+.{digits}f} to {row['ci_high']:+.{digits}f} "
                              f"({row['test']}, {row['quarter_then']} against this quarter)."))
        if row["recommended_again"]:
            detail.append("<b>" + esc("Recommended again this quarter although marked done: "
                                      "worth a second look.") + "</b>")
        if row.get("note"):
            detail.append(esc(f"Owner's note: {row['note']}"))
        items.append(Html(f"<b>{esc(row['title'])}</b> <span style=\"color:#555\">"
                          f"({esc(_when(row))}; recommended in {esc(row['quarter_then'])})</span>"
                          f"<br>{' '.join(detail)}"))
    return concat(
        lead(f"{count[:1].upper()}{count[1:]} in the action log; what the evidence says now:"),
        bullets(items),
        note(f"In the log, not followed up: {others}." if others else ""),
        note(f"Each change is tested on its own at the {alpha:g} level (two-proportion z-test, "
             "Fisher's exact test for small counts, Welch's t-test for ratings), not adjusted "
             "for the team's other follow-ups; a change after an action does not prove the "
             "action caused it. \"Too few\": fewer than the display floor in a quarter."))
