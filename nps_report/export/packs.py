"""Department packs: one PDF per department and quarter for the department head.

A pack is assembled from the PDFs the build already made (each report's ``report.pdf``),
so no report is laid out twice:

1. WeasyPrint lays out a skeleton: a cover (department, quarter, date of the build), the
   contents, and one page of stamps. The contents name the department summary and each
   team (alphabetical) with the page it starts on (computed from the reports' page
   counts), name a report that failed to build as not included, and say where each
   team's close-the-loop list is (those lists name customers and are never in a PDF).
   The stamps page holds every report page's pack page number ("Pack page 13 of 35"),
   all at the place the page's foot gives it, and an anchor for each part's first page.
2. pikepdf (qpdf) makes one page per report page: the stamps page with only that page's
   number left in its drawing, then the report page drawn over it (the report keeps its
   own number at the right). The contents' links are pointed at each part's first page,
   the stamps page is dropped, and a bookmark is added for every part with the report's
   own section bookmarks.

Laying out one page of stamps instead of one blank page per report page makes the same
pages (the same drawing, text and links) at about half the cost of a pack.

A team below the display floor is included: its report says "too few responses this
quarter".
"""

from __future__ import annotations

import html
import io
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import BuildError
from ..atomic import atomic_path
from .pdf import Cover, cyclic_gc_paused, get_engine, print_document

CLOSE_THE_LOOP_FILE = "close_the_loop.xlsx"



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
        Absolute path of its ``report.html``; the pack uses the ``report.pdf`` beside it.
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
    def pdf_path(self) -> Path:
        return Path(self.html_path).with_suffix(".pdf")

    @property
    def included(self) -> bool:
        return self.status == "ok" and self.pdf_path.exists()

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


def part_starts(folders, pages: dict, contents_pages: int = 1) -> dict:
    """First pack page (1-based) of each included part.

    The cover is page 1, the contents take ``contents_pages`` pages, then come the
    parts in the order of ``folders``, each taking ``pages[folder]`` pages (at least one).

    Examples
    --------
    >>> part_starts(["q/departments/Sales", "q/teams/Web", "q/teams/Zoo"],
    ...             {"q/departments/Sales": 3, "q/teams/Web": 5, "q/teams/Zoo": 2})
    {'q/departments/Sales': 3, 'q/teams/Web': 6, 'q/teams/Zoo': 11}
    """
    starts, at = {}, 2 + contents_pages
    for folder in folders:
        starts[folder] = at
        at += max(1, int(pages.get(folder, 1)))
    return starts


def pack_html(parts, *, department: str, quarter: str, build: str = "", built: str = "",
              pages: dict | None = None, contents_pages: int = 1) -> str:
    """The pack's skeleton as one HTML document (see the module's docstring).

    Parameters
    ----------
    parts : iterable of PackPart
    pages : dict, optional
        Part folder -> number of pages the part takes (its report PDF without its cover);
        default 1 for every included part.
    contents_pages : int
        How many pages the contents take: the page numbers of the contents and of the
        stamps count on it (:func:`build_pack` lays the skeleton out again when the
        contents took another number of pages).
    """
    esc = html.escape
    parts = order_parts(parts)
    pages = pages or {}
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

    starts = part_starts([p.folder for p in parts if p.included], pages, contents_pages)
    total = 1 + contents_pages + sum(max(1, int(pages.get(f, 1))) for f in starts)
    toc, anchors = [], []
    for number, part in enumerate(parts, start=1):
        css = "toc-summary" if part.kind == "department" else "toc-team"
        label = "Department summary" if part.kind == "department" else part.name
        if not part.included:
            toc.append(f"<li class='{css} toc-missing'>{esc(label)}: {esc(part.missing_reason)}</li>")
            continue
        toc.append(f"<li class='{css}'><a href='#part-{number}' data-page='{starts[part.folder]}'>"
                   f"{esc(label)}</a></li>")
        anchors.append(f"<div class='pack-anchor' id='part-{number}'></div>")
    # one stamp per report page, in page order: build_pack gives stamp i to page i
    stamps = "".join(f"<div class='pack-stamp'>Pack page {number} of {total}</div>"
                     for number in range(2 + contents_pages, total + 1))

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
                f"<div class='pack-total'>{total}</div>"
                f"<h1>Contents</h1><ol class='toc'>{''.join(toc)}</ol>"
                "<p class='note'>Page numbers are the pack's, printed at the foot of each page; "
                f"each report keeps its own page numbers at the right.</p>{loop}</section>")
    body = (cover.html() + contents
            + f"<section class='pack-stamps'>{''.join(anchors)}{stamps}</section>")
    return print_document(f"{department} department pack · {quarter}", body, created=built,
                          body_class="pack-skeleton")


def build_pack(parts, target, *, department: str, quarter: str, build: str = "", built: str = "",
               page_size: str = "A4") -> PackResult:
    """Assemble a department pack from its reports' PDFs and write it to ``target``.

    Parameters
    ----------
    parts : iterable of PackPart
        The department summary and the department's team reports of the quarter, in
        any order (the pack orders them). Parts whose status is not ``"ok"``, or whose
        ``report.pdf`` is missing, are named on the contents page as not included.
    target : path-like
        ``<build>/<quarter>/packs/<department>.pdf`` in a build.
    page_size : {"A4", "Letter"}
        The reports' page size (the skeleton is laid out on the same).

    Returns
    -------
    PackResult

    Raises
    ------
    BuildError
        When no part can be included (every report failed): no empty pack is written.
    """
    import pikepdf

    started = time.perf_counter()
    parts = order_parts(parts)
    if not any(p.included for p in parts):
        raise BuildError(f"no report of {department} built for {quarter}; pack not written")
    reports = {}
    for part in parts:
        if part.included:
            try:
                reports[part.folder] = pikepdf.open(part.pdf_path)
            except Exception as exc:  # a damaged report PDF: say which one
                raise BuildError(f"cannot read {part.pdf_path}: {exc}") from None
    # every report PDF starts with its own cover, which the pack leaves out
    pages = {folder: len(report.pages) - 1 for folder, report in reports.items()}
    target = Path(target)
    contents_pages = 1
    with cyclic_gc_paused():
        for _ in range(3):  # the page numbers count on the contents' length: lay out again if off
            document = pack_html(parts, department=department, quarter=quarter, build=build,
                                 built=built, pages=pages, contents_pages=contents_pages)
            rendered = get_engine().render(document, base_url=target.parent, page_size=page_size)
            laid_out = len(rendered.pages) - 2  # the cover and the stamps page are one page each
            if laid_out == contents_pages:
                break
            contents_pages = laid_out
        skeleton = rendered.write_pdf()
    starts = part_starts([p.folder for p in parts if p.included], pages, contents_pages)
    pack = pikepdf.open(io.BytesIO(skeleton))
    stamps_page = pack.pages[-1]
    first_part = 1 + contents_pages  # 0-based index of the first report page
    for number, stream in enumerate(_stamps(stamps_page, sum(pages.values()))):
        page = pikepdf.Dictionary({key: value for key, value in stamps_page.obj.items()
                                   if key not in ("/Parent", "/Contents", "/Annots")})
        page.Contents = pack.make_stream(stream)
        pack.pages.insert(first_part + number, pikepdf.Page(pack.make_indirect(page)))
    _point_destinations(pack, {f"part-{number}": pack.pages[starts[part.folder] - 1]
                               for number, part in enumerate(parts, start=1) if part.included})
    del pack.pages[-1]
    with pack.open_outline() as outline:
        outline.root.append(pikepdf.OutlineItem("Contents", 1))
        for part in parts:
            if not part.included:
                continue
            first = starts[part.folder] - 1  # 0-based index of the part's first page
            report = reports[part.folder]
            for offset, page in enumerate(report.pages[1:]):
                # drawn as a form XObject: the report page keeps its own fonts and images
                pack.pages[first + offset].add_overlay(page)
            title = f"Department summary: {department}" if part.kind == "department" else part.name
            item = pikepdf.OutlineItem(title, first)
            for section, index, top in _sections(report):
                item.children.append(pikepdf.OutlineItem(
                    section, first + max(index - 1, 0), pikepdf.PageLocation.XYZ, top=top))
            outline.root.append(item)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as temporary:  # a reader never sees half a PDF
        pack.save(temporary)
    return PackResult(path=str(target), pages=len(pack.pages),
                      seconds=time.perf_counter() - started,
                      contents_pages=contents_pages, starts=starts,
                      included=[p.folder for p in parts if p.included],
                      not_included=[p.folder for p in parts if not p.included])


def _stamps(page, count: int) -> list:
    """The content stream of each of ``count`` stamps laid out on ``page``: the page's
    drawing with every text object (``BT`` ... ``ET``) but the stamp's own left out, so
    a page shows, and a reader extracts, its own number only."""
    import pikepdf

    operations = pikepdf.parse_content_stream(page)
    texts, opened = [], None
    for index, (_, operator) in enumerate(operations):
        if str(operator) == "BT":
            opened = index
        elif str(operator) == "ET":
            texts.append((opened, index + 1))
    if len(texts) != count:  # WeasyPrint drew the stamps in another way: say so, never guess
        raise BuildError(f"the pack's page numbers were laid out as {len(texts)} texts, "
                         f"expected {count}")
    streams = []
    for keep in range(count):
        dropped = [span for i, span in enumerate(texts) if i != keep]
        kept, at = [], 0
        for start, end in dropped:
            kept += operations[at:start]
            at = end
        kept += operations[at:]
        streams.append(pikepdf.unparse_content_stream(without_empty_groups(kept)))
    return streams


# operators that only set the graphics state: a q ... Q group of these alone draws nothing
_STATE_OPERATORS = frozenset("q Q cm gs w J j M d ri i g G rg RG k K cs CS sc SC scn SCN".split())


def without_empty_groups(operations) -> list:
    """``operations`` (of :func:`pikepdf.parse_content_stream`) without the ``q`` ... ``Q``
    groups that only set the graphics state: what is left of the other stamps' groups
    once their text is taken out. They draw nothing; dropped, a pack page's drawing
    holds its own stamp only.

    Examples
    --------
    >>> import pikepdf
    >>> pdf = pikepdf.Pdf.new()
    >>> ops = pikepdf.parse_content_stream(pdf.make_stream(b"q 0 0 1 rg Q q 1 g BT ET Q"))
    >>> pikepdf.unparse_content_stream(without_empty_groups(ops)).split()
    [b'q', b'1', b'g', b'BT', b'ET', b'Q']
    """
    out, opened = [], []  # opened: index in out of each open q, and whether it drew
    for operation in operations:
        operator = str(operation[1])
        if operator == "q":
            opened.append([len(out), False])
        elif operator == "Q" and opened:
            start, drew = opened.pop()
            if not drew:
                del out[start:]
                continue
            if opened:
                opened[-1][1] = True
        elif operator not in _STATE_OPERATORS and opened:
            opened[-1][1] = True
        out.append(operation)
    return out


def _point_destinations(pack, pages: dict) -> None:
    """Point the named destinations ``pages`` names (the contents' links go to them) at
    the given pages, keeping where on the page they point."""
    import pikepdf

    names = pack.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return
    tree = pikepdf.NameTree(names.Dests)
    for name, page in pages.items():
        if name in tree:
            destination = tree[name]
            tree[name] = pikepdf.Array([page.obj, *list(destination)[1:]])


def _sections(report) -> list:
    """``(title, page index, top)`` of a report PDF's section bookmarks (level 2): the
    index is 0-based in the report PDF, whose cover is page 0; ``top`` is the heading's
    height on its page (None when the bookmark does not say)."""
    import pikepdf

    found = []
    with report.open_outline() as outline:
        for chapter in outline.root:
            for item in chapter.children:
                destination = item.destination
                if not isinstance(destination, pikepdf.Array) or not len(destination):
                    continue
                index = report.pages.index(pikepdf.Page(destination[0]))
                top = float(destination[3]) if len(destination) > 3 and destination[1] == "/XYZ" else None
                found.append((item.title, index, top))
    return found
