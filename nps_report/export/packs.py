"""Department packs: one PDF per department and quarter for the department head.

A pack is ONE HTML document rendered by WeasyPrint, so its contents page carries real
page numbers (``target-counter``) and its outline has a bookmark for every part:

1. a cover (department, quarter, date of the build),
2. the contents: the department summary and each team (alphabetical) with the page it
   starts on; a report that failed to build is named there as not included; where each
   team's close-the-loop list is (those lists name customers and are never in a PDF),
3. the department summary, then each team's report (a team below the display floor is
   included: its report says "too few responses this quarter").
"""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import BuildError
from .pdf import Cover, get_engine, print_document, report_body

CLOSE_THE_LOOP_FILE = "close_the_loop.xlsx"

_ID = re.compile(r'(\sid=")([^"]*")')
_HREF = re.compile(r'(\shref="#)([^"]*")')


@dataclass(frozen=True)
class PackPart:
    """One report a pack is made of.

    Attributes
    ----------
    kind : str
        ``"department"`` (the summary) or ``"team"``.
    name : str
        The department or team name.
    folder : str
        The report's folder relative to the build folder (``2026Q3/teams/Web Portal``).
    html_path : str
        Absolute path of its ``report.html``.
    status : str
        The manifest status: ``"ok"`` parts are included, any other is listed as not
        included.
    error : str, optional
        Why it failed (kept out of the pack, which only says it failed).
    """

    kind: str
    name: str
    folder: str
    html_path: str
    status: str = "ok"
    error: str | None = None

    @property
    def included(self) -> bool:
        return self.status == "ok" and Path(self.html_path).exists()

    @property
    def missing_reason(self) -> str:
        if self.status == "failed":
            return "report failed to build, not included"
        if self.status == "ok":  # recorded as built, but its page is gone
            return "report file missing, not included"
        return "report not built, not included"


@dataclass
class PackResult:
    """What :func:`build_pack` wrote: the file, its pages and where each part starts."""

    path: str
    pages: int
    seconds: float
    contents_pages: int
    starts: dict = field(default_factory=dict)      # part folder -> first page (1-based)
    included: list = field(default_factory=list)    # part folders
    not_included: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"path": self.path, "pages": self.pages, "seconds": self.seconds,
                "contents_pages": self.contents_pages, "starts": self.starts,
                "included": self.included, "not_included": self.not_included}


def order_parts(parts) -> list:
    """The department summary first, then the teams alphabetically (case-insensitive)."""
    summaries = [p for p in parts if p.kind == "department"]
    teams = sorted((p for p in parts if p.kind == "team"), key=lambda p: (p.name.casefold(), p.name))
    return summaries + teams


def _scoped(body: str, prefix: str) -> str:
    """Prefix the ids (and the links to them) of one part: reports reuse the same ids."""
    body = _ID.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", body)
    return _HREF.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", body)


def pack_html(parts, *, department: str, quarter: str, build: str = "", built: str = "") -> str:
    """The pack as one HTML document (see the module's docstring for its layout)."""
    esc = html.escape
    parts = order_parts(parts)
    teams = [p for p in parts if p.kind == "team"]
    included_teams = [p for p in teams if p.included]
    reports = f"{len(included_teams)} team report{'' if len(included_teams) == 1 else 's'}"
    summary_in = any(p.included for p in parts if p.kind == "department")
    lines = [f"Department summary and {reports}" if summary_in else reports.capitalize()]
    if included_teams:
        lines.append("Teams: " + ", ".join(p.name for p in included_teams))
    missing = [p for p in parts if not p.included]
    if missing:
        lines.append(f"{len(missing)} report{'' if len(missing) == 1 else 's'} not included "
                     "(see the contents)")
    cover = Cover("pack", department, quarter, "Department summary and team reports",
                  lines=tuple(lines), build=build, built=built)

    toc, sections = [], []
    for number, part in enumerate(parts, start=1):
        anchor = f"part-{number}"
        css = "toc-summary" if part.kind == "department" else "toc-team"
        label = "Department summary" if part.kind == "department" else part.name
        if not part.included:
            toc.append(f"<li class='{css} toc-missing'>{esc(label)}: {esc(part.missing_reason)}</li>")
            continue
        toc.append(f"<li class='{css}'><a href='#{anchor}'>{esc(label)}</a></li>")
        _, body = report_body(Path(part.html_path).read_text(encoding="utf-8"))
        if part.kind == "department":
            bookmark = f"Department summary: {department}"
            header = f"{department} · department summary · {quarter}"
        else:
            bookmark = part.name
            header = f"{part.name} · {department} · {quarter}"
        sections.append(
            f"<section class='part part-{part.kind}' id='{anchor}' data-bookmark='{esc(bookmark)}'>"
            f"<div class='running-header'>{esc(header)}</div>"
            f"<div class='part-body'>{_scoped(body, f'p{number}-')}</div></section>")

    loop_rows = "".join(
        f"<tr><td>{esc(p.name)}</td><td class='path'>{esc(p.folder)}/{CLOSE_THE_LOOP_FILE}</td></tr>"
        for p in teams)
    loop = ""
    if teams:
        loop = ("<h2>Close-the-loop lists</h2><p>Each team's list of detractors to call back "
                "(and promoters to thank) names customers, so it is never part of this pack. "
                "The team lead finds it in the build's output folder"
                f"{' “' + esc(build) + '”' if build else ''}:</p>"
                f"<table><thead><tr><th>Team</th><th>File</th></tr></thead>"
                f"<tbody>{loop_rows}</tbody></table>")
    contents = (f"<section class='contents' id='contents'>"
                f"<div class='running-header'>{esc(department)} · contents · {esc(quarter)}</div>"
                f"<h1>Contents</h1><ol class='toc'>{''.join(toc)}</ol>{loop}</section>")
    body = cover.html() + contents + "".join(sections)
    return print_document(f"{department} department pack · {quarter}", body, created=built)


def build_pack(parts, target, *, department: str, quarter: str, build: str = "", built: str = "",
               page_size: str = "A4") -> PackResult:
    """Render a department pack to ``target`` (a PDF file).

    Parameters
    ----------
    parts : iterable of PackPart
        The department summary and the department's team reports of the quarter, in
        any order (the pack orders them). Parts whose status is not ``"ok"`` are named
        on the contents page as not included.
    target : path-like
        ``<build>/<quarter>/packs/<department>.pdf`` in a build.
    page_size : {"A4", "Letter"}

    Returns
    -------
    PackResult

    Raises
    ------
    BuildError
        When no part can be included (every report failed): no empty pack is written.
    """
    started = time.perf_counter()
    parts = order_parts(parts)
    if not any(p.included for p in parts):
        raise BuildError(f"no report of {department} built for {quarter}; pack not written")
    document = pack_html(parts, department=department, quarter=quarter, build=build, built=built)
    target = Path(target)
    engine = get_engine()
    rendered = engine.render(document, base_url=target.parent, page_size=page_size)
    starts = _part_starts(rendered)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    rendered.write_pdf(partial)
    partial.replace(target)
    numbered = [p for p in parts if p.included]
    by_anchor = {f"part-{i}": p.folder for i, p in enumerate(parts, start=1) if p.included}
    starts = {by_anchor[a]: page for a, page in starts.items() if a in by_anchor}
    first_part = min(starts.values(), default=len(rendered.pages) + 1)
    return PackResult(path=str(target), pages=len(rendered.pages),
                      seconds=time.perf_counter() - started,
                      contents_pages=first_part - 2,
                      starts=starts, included=[p.folder for p in numbered],
                      not_included=[p.folder for p in parts if not p.included])


def _part_starts(rendered) -> dict:
    """First page (1-based) of each ``part-N`` anchor in a rendered document."""
    starts = {}
    for number, page in enumerate(rendered.pages, start=1):
        for anchor in page.anchors:
            if anchor.startswith("part-") and anchor not in starts:
                starts[anchor] = number
    return starts
