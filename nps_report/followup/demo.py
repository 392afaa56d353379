"""The demo's returned action log: one team's 2026Q2 actions, filled in as its owner would."""

from __future__ import annotations

from pathlib import Path

from ..actions.ids import action_id
from ..atomic import atomic_path
from .log import LOG_COLUMNS, LOG_SHEET, action_log, write_action_log

__all__ = ["DEMO_ACTIONS", "write_demo_action_log"]

#: (rule, subject, title, status, owner, date, note) of the demo's returned log: the team
#: and quarter are :data:`nps_report.demo.DEMO_STORY`'s followed-up team and 2026Q2, the
#: actions its 2026Q2 report recommended (a test checks they still are).
DEMO_ACTIONS = [
    ("fix_pain_point", "slow support", "Fix the recurring pain point: Slow support", "done",
     "Priya Natarajan", "2026-07-30", "Second-line queue added; first replies within 4 hours."),
    ("fix_pain_point", "billing errors", "Fix the recurring pain point: Billing errors", "Done",
     "Priya Natarajan", "2026-08-20", "Invoice template corrected."),
    ("follow_up_detractors", "detractors", "Close the loop with every detractor (89)",
     "in progress", "Tom Okafor", "2026-09-15", "Two thirds called back so far."),
]


def write_demo_action_log(folder, *, team: str | None = None, quarter: str = "2026Q2") -> Path:
    """Write the demo's returned action log into ``folder`` (created) and return its path.

    The log is written as a build writes it (:func:`~nps_report.followup.log.write_action_log`)
    and then filled in with openpyxl, cell by cell, as an owner would in Excel.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> path = write_demo_action_log(tempfile.mkdtemp())
    >>> pd.read_excel(path)["status"].tolist()
    ['done', 'Done', 'in progress']
    """
    import datetime as dt

    import pandas as pd
    from openpyxl import load_workbook

    from ..demo import DEMO_STORY

    team = team or DEMO_STORY["followed_up_team"]
    actions = pd.DataFrame([{"action_id": action_id(team, rule, subject), "rule": rule,
                             "subject": subject, "title": title}
                            for rule, subject, title, *_ in DEMO_ACTIONS])
    folder = Path(folder)
    name = f"action_log_{quarter}_{team.replace(' ', '_')}"
    book, csv = write_action_log(action_log({team: actions}, quarter=quarter), folder, name=name)
    csv.unlink()  # the owner returns the workbook only
    workbook = load_workbook(book)
    sheet = workbook[LOG_SHEET]
    column = {c: i for i, c in enumerate(LOG_COLUMNS, start=1)}
    for row, (*_, status, owner, date, note) in enumerate(DEMO_ACTIONS, start=2):
        sheet.cell(row=row, column=column["status"], value=status)
        sheet.cell(row=row, column=column["owner"], value=owner)
        sheet.cell(row=row, column=column["date"], value=dt.date.fromisoformat(date))
        sheet.cell(row=row, column=column["note"], value=note)
    with atomic_path(book) as temporary:
        workbook.save(temporary)
    return book
