"""A department's headline for a message body: NPS with its interval, changes, top actions.

Read from the department summary's saved tables (``<build>/<quarter>/departments/<name>/
tables/``), so a message says exactly what the pack says. Only aggregate figures are
read: never a verbatim, a response id or an address.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd

from ..render.html import fmt_nps, interval_text
from ..tables.department import TOP_ACTIONS
from ..tables.saving import load_report_tables

__all__ = ["DepartmentHeadline", "department_headline", "headline_html", "headline_text"]


@dataclass(frozen=True)
class DepartmentHeadline:
    """What a department's message says about its quarter (aggregates only).

    Attributes
    ----------
    department, quarter : str
    nps_line : str
        ``"Department NPS: +12 (95% confidence interval +5 to +19), 1,234 responses"``,
        or the "too few responses" sentence below the display floor.
    changes : list of str
        The department's own change sentences (significant or not, as the pack says them).
    team_changes : list of str
        ``"Team: sentence"`` for each of its teams whose change is significant.
    no_team_change : str
        The sentence to print when ``team_changes`` is empty.
    actions : list of str
        The top actions of the department summary, ``"title (team)"``.
    teams : int
        Number of teams in the pack.
    """

    department: str
    quarter: str
    nps_line: str
    changes: list = field(default_factory=list)
    team_changes: list = field(default_factory=list)
    no_team_change: str = ""
    actions: list = field(default_factory=list)
    teams: int = 0


def _nps_line(row: pd.Series, confidence: float) -> str:
    n = int(row["n"])
    if not bool(row["shown"]):
        return (f"Department NPS: too few responses this quarter to show a score "
                f"({n:,} responses)")
    return (f"Department NPS: {fmt_nps(row['nps'])} ({round(100 * confidence)}% confidence "
            f"interval {interval_text(row)}), {n:,} responses")


def department_headline(folder) -> DepartmentHeadline:
    """The headline of the department summary whose report (or ``tables/``) folder is ``folder``.

    Parameters
    ----------
    folder : path
        ``<build>/<quarter>/departments/<department>`` (or its ``tables`` subfolder).

    Returns
    -------
    DepartmentHeadline

    Examples
    --------
    >>> import tempfile
    >>> from nps_report import context
    >>> from nps_report.tables import department_tables
    >>> d = department_tables(context.load_context(None), department="Finance", quarter="2026Q3")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = d.save(folder)
    ...     h = department_headline(folder)
    >>> h.nps_line.startswith("Department NPS: ")
    True
    """
    d = load_report_tables(folder)
    confidence = float(d.options.confidence)
    row = d.headline.iloc[0]
    changes = [str(s) for s in d.changes.get("sentence", [])]
    significant = d.team_changes[d.team_changes["significant"].fillna(False).astype(bool)] \
        if "significant" in d.team_changes else d.team_changes.iloc[0:0]
    team_changes = [f"{r['team']}: {r['sentence']}" for _, r in significant.iterrows()]
    compared = d.team_changes[d.team_changes["shown"].fillna(False).astype(bool)] \
        if "shown" in d.team_changes else d.team_changes.iloc[0:0]
    if compared.empty:
        no_change = "No team had enough responses in both quarters to compare."
    else:
        bases = ", ".join(sorted(set(compared["base_quarter"].astype(str))))
        no_change = f"No team's NPS changed significantly vs {bases}."
    top = d.actions.head(TOP_ACTIONS)
    actions = [f"{r['title']} ({r['team']})" if "team" in top else str(r["title"])
               for _, r in top.iterrows()]
    return DepartmentHeadline(department=str(d.department), quarter=str(d.quarter),
                              nps_line=_nps_line(row, confidence), changes=changes,
                              team_changes=team_changes, no_team_change=no_change,
                              actions=actions, teams=int(len(d.teams)))


def headline_text(h: DepartmentHeadline) -> str:
    """The headline as plain text lines (the body of every department message).

    Examples
    --------
    >>> print(headline_text(DepartmentHeadline("Finance", "2026Q3", "Department NPS: +12")))
    Department NPS: +12
    <BLANKLINE>
    Teams with a significant change:
    - none
    <BLANKLINE>
    Top actions:
    - none recommended this quarter
    """
    lines = [h.nps_line]
    lines += [f"- {s}" for s in h.changes]
    lines += ["", "Teams with a significant change:"]
    lines += [f"- {s}" for s in h.team_changes] or [f"- {h.no_team_change or 'none'}"]
    lines += ["", "Top actions:"]
    lines += [f"{i}. {a}" for i, a in enumerate(h.actions, 1)] or ["- none recommended this quarter"]
    return "\n".join(lines)


def headline_html(h: DepartmentHeadline) -> str:
    """The headline as a small HTML fragment (every text escaped).

    Examples
    --------
    >>> print(headline_html(DepartmentHeadline("R&D", "2026Q3", "Department NPS: +3 <R&D>")))
    ... # doctest: +ELLIPSIS
    <p><strong>Department NPS: +3 &lt;R&amp;D&gt;</strong></p>
    ...
    """
    esc = html.escape

    def items(values, tag="ul"):
        return f"<{tag}>" + "".join(f"<li>{esc(v)}</li>" for v in values) + f"</{tag}>"

    parts = [f"<p><strong>{esc(h.nps_line)}</strong></p>"]
    if h.changes:
        parts.append(items(h.changes))
    parts.append("<p>Teams with a significant change:</p>")
    parts.append(items(h.team_changes) if h.team_changes
                 else f"<p>{esc(h.no_team_change or 'none')}</p>")
    parts.append("<p>Top actions:</p>")
    parts.append(items(h.actions, "ol") if h.actions else "<p>None recommended this quarter.</p>")
    return "\n".join(parts)
