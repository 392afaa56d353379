"""Closing the loop with detractors: the loop figures and "did calling back help?", rendered.

Counts and shares only, from :mod:`nps_report.loop` tables: no customer's name, id or
comment ever reaches a page. Below the display floor a row shows its counts and says
"too few" instead of shares.
"""

from __future__ import annotations

import pandas as pd

from ..loop.callback import CALLBACK_CAVEAT
from .html import Html, concat, fmt_nps, heading, lead, note, table

__all__ = ["callback", "comparison", "figures_table", "team_section"]

TOO_FEW = "too few"


def _hours(value) -> str:
    if value is None or pd.isna(value):
        return "—"
    hours = float(value)
    return f"{hours:.0f} h" if hours < 72 else f"{hours / 24:.1f} days"


def _share(count, n, shown) -> str:
    if not shown:  # counts only below the display floor (the median column says "too few")
        return f"{int(count)}"
    return f"{int(count)} ({100.0 * count / n:.0f}%)" if n else "0"


def _sla(figures: pd.DataFrame) -> float:
    return float(figures["sla_hours"].iloc[0]) if len(figures) else 48.0


def figures_table(figures: pd.DataFrame, *, first: str = "quarter") -> Html:
    """The loop figures as a table: one row per quarter (a team) or per team and quarter.

    ``first``: the key column(s) shown first (``"quarter"`` or ``"team"``).
    """
    if figures is None or figures.empty:
        return note("No detractors in these quarters.")
    sla = _sla(figures)
    rows = []
    for _, r in figures.iterrows():
        n, shown = int(r["detractors"]), bool(r["shown"])
        row = {} if first == "quarter" else {"Team": r["team"]}
        row.update({
            "Quarter": r["quarter"], "Detractors": n,
            "Reported": int(r["returned"]),
            f"Reached ≤ {sla:.0f} h": _share(r["within_sla"], n, shown),
            "Median to contact": _hours(r["median_hours"]) if shown else TOO_FEW,
            "Resolved": _share(r["resolved"], n, shown),
            "Unreach\u00adable": _share(r["unreachable"], n, shown),
            "No action": _share(r["no_action"], n, shown),
            "Not closed": _share(int(r["open"]) + int(r["contacted_status"]), n, shown),
            f"Open > {sla:.0f} h": int(r["open_overdue"]),
        })
        rows.append(row)
    frame = pd.DataFrame(rows)
    return table(frame, formats={"Detractors": "{:d}", "Reported": "{:d}",
                                 f"Open > {sla:.0f} h": "{:d}"})


def _sentence(row: pd.Series) -> str:
    sla, n = float(row["sla_hours"]), int(row["detractors"])
    if n == 0:
        return f"No detractors in {row['quarter']}."
    if not int(row["returned"]):
        return (f"No workbook has come back for {row['quarter']} yet ({n} detractor(s), "
                f"{int(row['open_overdue'])} waiting longer than {sla:.0f} hours).")
    if not bool(row["shown"]):
        return (f"{row['quarter']}: {n} detractor(s), too few for shares; "
                f"{int(row['within_sla'])} contacted within {sla:.0f} hours.")
    text = (f"In {row['quarter']}, {int(row['within_sla'])} of {n} detractors "
            f"({100.0 * row['within_sla'] / n:.0f}%) were contacted within {sla:.0f} hours")
    if pd.notna(row["median_hours"]):
        text += f"; median time to first contact {_hours(row['median_hours'])}"
    return text + (f"; {int(row['open_overdue'])} still open past the service level." if
                   row["open_overdue"] else ".")


def callback(table_rows: pd.DataFrame | None, *, confidence: float = 0.95) -> Html:
    """"Did calling back help?": the two groups' later NPS with intervals, and the caveat.

    Below the display floor it says so and shows nothing else.
    """
    title = heading("Did calling back help?", 3)
    if table_rows is None or table_rows.empty:
        return title + note("No close-the-loop workbook has come back for this team from an earlier "
                            "quarter, so there is nothing to compare yet.")
    contacted = table_rows[table_rows["group"] == "contacted"].iloc[0]
    if not bool(contacted["shown"]):
        counts = ", ".join(f"{int(r['answered_later'])} {r['group']}" for _, r in table_rows.iterrows())
        return title + note(f"Too few detractors answered a later survey to compare ({counts}; "
                            "at least the display floor is needed in each group): nothing is shown.")
    level = f"{100 * confidence:.0f}%"
    frame = pd.DataFrame([{
        "Detractors": r["group"], "Cases": int(r["cases"]), "Answered a later survey": int(r["answered_later"]),
        "Later NPS": fmt_nps(r["nps"]),
        f"{level} interval": f"{fmt_nps(r['ci_low'])} to {fmt_nps(r['ci_high'])}"}
        for _, r in table_rows.iterrows()])
    verdict = ("a difference" if contacted["p_value"] < 0.05 else "no clear difference (not significant)")
    sentence = (f"Contacted detractors' later NPS minus the others': {fmt_nps(contacted['diff'])} points "
                f"({level} interval {fmt_nps(contacted['diff_low'])} to {fmt_nps(contacted['diff_high'])}, "
                f"p = {contacted['p_value']:.3f}): {verdict}.")
    return concat(title, lead(sentence),
                  table(frame, formats={"Cases": "{:d}", "Answered a later survey": "{:d}"}),
                  note(CALLBACK_CAVEAT))


def team_section(t) -> Html:
    """A team's loop section: a sentence per quarter, the figures table and the callback check."""
    figures = getattr(t, "loop", None)
    if figures is None:
        return note("These tables were built before close-the-loop figures existed.")
    sla = _sla(figures)
    parts = []
    if not figures["returned"].astype(int).sum():
        parts.append(lead("No close-the-loop workbook has come back for these quarters: as far as "
                          "the build knows, no detractor was contacted."))
    else:
        parts.append(lead(" ".join(_sentence(r) for _, r in figures.iterrows())))
    parts.append(figures_table(figures))
    parts.append(note(_READING.format(sla=sla)))
    options = getattr(t, "options", None)
    parts.append(callback(getattr(t, "callback", None),
                          confidence=getattr(options, "confidence", 0.95)))
    return concat(*parts)


_READING = ("Reached ≤ {sla:.0f} h: detractors reached (status contacted or resolved) at most "
            "{sla:.0f} hours after their response, out of every detractor; a contact date without a "
            "time counts as the end of that day. Not closed: open or contacted, not yet resolved; these "
            "cases carry over into the next quarter's close-the-loop workbook. Open > {sla:.0f} h: "
            "nobody reached yet, older than the service level. No action: no action needed. Below the "
            "display floor only counts are shown.")


def comparison(tables) -> Html:
    """Teams compared on the loop figures (department summaries and the overview)."""
    figures = getattr(tables, "loop", None)
    if figures is None or figures.empty:
        return note("No close-the-loop figures for these quarters.")
    active = figures.groupby("team")["returned"].transform("sum") > 0
    silent = sorted(figures.loc[~active, "team"].astype(str).unique(), key=str.casefold)
    parts = []
    if active.any():
        shown = figures[active].sort_values(["team", "quarter"], key=lambda s: s.str.casefold())
        parts.append(figures_table(shown, first="team"))
        parts.append(note(_READING.format(sla=_sla(figures))))
    else:
        parts.append(lead("No team has returned a close-the-loop workbook for these quarters."))
    if silent:
        named = f": {', '.join(silent)}" if len(silent) <= 12 else ""
        parts.append(note(f"{len(silent)} team(s) returned no workbook for these quarters, so no detractor of "
                          f"theirs counts as contacted{named}."))
    return concat(*parts)
