"""The build plan: which reports to make (teams x quarters, departments x quarters, overviews)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import schema
from ..exceptions import DataError
from ..naming import check_path_length, folder_names, slug
from ..resources import TEMPLATE_FILES

# The longest file a report folder holds (the path check adds it to every folder).
_LONGEST_FILE = "close_the_loop.xlsx.partial"


def safe_name(name: str) -> str:
    """A file-system-safe, readable name for a team or department (:func:`nps_report.naming.slug`).

    Path separators and characters Windows forbids become ``_``; control and bidi
    characters go; leading dots and spaces are stripped (no ``..`` or hidden folders);
    unicode letters stay (``Équipe Montréal`` stays readable); at most 200 bytes. Never
    empty. Not unique: the build's folders come from :func:`nps_report.naming.folder_names`.

    Examples
    --------
    >>> safe_name("../x")
    '_x'
    """
    return slug(name)


@dataclass(frozen=True)
class Report:
    """One report to build: its kind, what it covers and where it goes."""

    kind: str                 # "team", "department" or "overview"
    quarter: str
    team: str | None = None
    department: str | None = None
    folder: str = ""          # relative to the build folder

    @property
    def key(self) -> str:
        return self.folder

    @property
    def title(self) -> str:
        if self.kind == "team":
            return f"{self.team} · {self.quarter}"
        if self.kind == "department":
            return f"{self.department} department · {self.quarter}"
        return f"Company overview · {self.quarter}"

    @property
    def template(self) -> str:
        return TEMPLATE_FILES[self.kind]

    def parameters(self) -> dict:
        out = {"quarter": self.quarter}
        if self.kind == "team":
            out["team"] = self.team
        elif self.kind == "department":
            out["department"] = self.department
        return out


@dataclass
class Plan:
    """Every report of a build, in the order they are executed (teams, departments, overview)."""

    reports: list = field(default_factory=list)
    quarters: list = field(default_factory=list)

    def describe(self) -> str:
        kinds = pd.Series([r.kind for r in self.reports]).value_counts()
        labels = (("team", "team report", "team reports"),
                  ("department", "department summary", "department summaries"),
                  ("overview", "company overview", "company overviews"))
        parts = [f"{kinds.get(k, 0)} {one if kinds.get(k, 0) == 1 else many}" for k, one, many in labels]
        return f"{len(self.reports)} reports for {', '.join(self.quarters)}: " + ", ".join(parts)


def resolve_quarters(requested, available: list[str]) -> list[str]:
    """Turn ``"latest"``, ``"all"`` or a list of labels into quarters present in the data."""
    if not available:
        return []
    if requested in (None, "latest"):
        return [max(available)]
    if requested == "all":
        return sorted(available)
    return [str(q) for q in requested]


def make_plan(responses: pd.DataFrame, *, quarters="latest", teams="all", departments="all",
              root=None) -> Plan:
    """Plan the reports of a build from the validated responses.

    A team is planned for a quarter if it has any response in the trend window's data
    (it may fall below the display floor: the report then says "too few responses").
    Folder names come from :func:`nps_report.naming.folder_names` over every team (and
    every department) of the data, so a folder does not depend on ``teams``/``departments``
    narrowing the plan: a readable slug, with a hash of the exact name when the slug is
    ambiguous (``a/b`` and ``a:b``, ``Café`` and ``café``), at most 200 bytes. With
    ``root`` (the build folder), every report's longest file path is checked to fit the
    file system (:class:`DataError` naming the report otherwise).
    """
    available = sorted(responses[schema.QUARTER].dropna().unique())
    chosen = resolve_quarters(quarters, available)
    pairs = responses[[schema.DEPARTMENT, schema.TEAM]].drop_duplicates()
    team_folders = folder_names(pairs[schema.TEAM].astype(str))
    dept_folders = folder_names(pairs[schema.DEPARTMENT].astype(str))
    for key, asked, column in (("teams", teams, schema.TEAM), ("departments", departments, schema.DEPARTMENT)):
        known = set(pairs[column].astype(str))
        unknown = [] if asked == "all" else [name for name in asked if name not in known]
        if unknown:
            close = difflib.get_close_matches(unknown[0], sorted(known), n=3)
            raise DataError(f"{key}: no {column} {unknown[0]!r} in the data"
                            + (f" (did you mean {', '.join(map(repr, close))}?)" if close else
                               f" ({len(known)} {key}, e.g. {', '.join(map(repr, sorted(known)[:3]))})"),
                            column=column)
    if teams != "all":
        pairs = pairs[pairs[schema.TEAM].isin(teams)]
    if departments != "all":
        pairs = pairs[pairs[schema.DEPARTMENT].isin(departments)]
    pairs = pairs.sort_values([schema.DEPARTMENT, schema.TEAM])
    # A team is planned under the department it has in the quarter (a team that moved
    # between quarters is one report, not one per department it ever had).
    in_quarter = {q: set(map(tuple, frame.to_numpy().tolist())) for q, frame in
                  responses[[schema.QUARTER, schema.DEPARTMENT, schema.TEAM]].drop_duplicates()
                  .groupby(schema.QUARTER)[[schema.DEPARTMENT, schema.TEAM]]}
    plan = Plan(quarters=chosen)
    for quarter in chosen:
        present = set(in_quarter.get(quarter, []))
        for dept, team in pairs.itertuples(index=False):
            if (dept, team) in present:
                plan.reports.append(Report("team", quarter, team=team, department=dept,
                                           folder=f"{quarter}/teams/{team_folders[str(team)]}"))
        for dept in pairs[schema.DEPARTMENT].drop_duplicates():
            plan.reports.append(Report("department", quarter, department=dept,
                                       folder=f"{quarter}/departments/{dept_folders[str(dept)]}"))
        plan.reports.append(Report("overview", quarter, folder=f"{quarter}/overview"))
    if root is not None:
        for report in plan.reports:
            try:
                check_path_length(Path(root) / report.folder / _LONGEST_FILE)
            except ValueError as exc:
                raise DataError(f"{report.title}: {exc}") from None
    return plan


def inside(folder: Path, root: Path) -> bool:
    """True when ``folder`` resolves inside ``root`` (guards every write of the build)."""
    try:
        folder.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False
