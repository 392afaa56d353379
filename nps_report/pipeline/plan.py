"""The build plan: which reports to make (teams x quarters, departments x quarters, overviews)."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import schema
from ..exceptions import DataError
from ..resources import TEMPLATE_FILES

_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def safe_name(name: str) -> str:
    """A file-system-safe folder name for a team or department, still readable.

    Path separators, control characters and characters Windows forbids become
    ``_``; leading dots and spaces are stripped (no ``..`` or hidden folders);
    unicode letters stay (``Équipe Montréal`` stays readable). Never empty.
    """
    text = unicodedata.normalize("NFC", str(name))
    text = _UNSAFE.sub("_", text).strip().lstrip(".").strip()
    text = re.sub(r"_+", "_", text)
    if text in {"", "_"} or set(text) <= {".", "_"}:
        text = "unnamed"
    return text[:120]


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


def make_plan(responses: pd.DataFrame, *, quarters="latest", teams="all", departments="all") -> Plan:
    """Plan the reports of a build from the validated responses.

    A team is planned for a quarter if it has any response in the trend window's data
    (it may fall below the display floor: the report then says "too few responses").
    Folder names come from :func:`safe_name`; two names that collide get a numbered suffix.
    """
    available = sorted(responses[schema.QUARTER].dropna().unique())
    chosen = resolve_quarters(quarters, available)
    pairs = responses[[schema.DEPARTMENT, schema.TEAM]].drop_duplicates()
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
    in_quarter = responses.groupby(schema.QUARTER)[schema.TEAM].unique().to_dict()
    plan = Plan(quarters=chosen)
    team_folders = _unique_names(pairs[schema.TEAM])
    dept_folders = _unique_names(pairs[schema.DEPARTMENT].drop_duplicates())
    for quarter in chosen:
        present = set(in_quarter.get(quarter, []))
        for dept, team in pairs.itertuples(index=False):
            if team in present:
                plan.reports.append(Report("team", quarter, team=team, department=dept,
                                           folder=f"{quarter}/teams/{team_folders[team]}"))
        for dept in pairs[schema.DEPARTMENT].drop_duplicates():
            plan.reports.append(Report("department", quarter, department=dept,
                                       folder=f"{quarter}/departments/{dept_folders[dept]}"))
        plan.reports.append(Report("overview", quarter, folder=f"{quarter}/overview"))
    return plan


def _unique_names(names) -> dict:
    """Map each name to a safe folder name, numbering collisions (``a/b`` and ``a:b``)."""
    out, used = {}, {}
    for name in pd.Series(names).drop_duplicates():
        base = safe_name(name)
        count = used.get(base.casefold(), 0)
        used[base.casefold()] = count + 1
        out[name] = base if count == 0 else f"{base}-{count + 1}"
    return out


def inside(folder: Path, root: Path) -> bool:
    """True when ``folder`` resolves inside ``root`` (guards every write of the build)."""
    try:
        folder.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False
