"""Report HTML -> PDF with WeasyPrint: a cover, running header and footer, page x of y.

The PDF is made from the HTML the build already wrote (``report.html``): its ``<main>``
is wrapped in a print document (cover, running-header strings) and rendered with the
project's style sheets, report.css then print.css, plus the page size. No browser, no
network: images are inlined (the charts' PNG pixel data goes into the PDF as it is,
see :mod:`.pdf_images`), fonts are the system's DejaVu.

One :class:`PdfEngine` per process (:func:`get_engine`) keeps WeasyPrint imported, its
font configuration and the parsed style sheets; every report of a worker reuses it.
"""

from __future__ import annotations

import gc
import html
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..exceptions import MissingDependencyError
from ..atomic import atomic_path
from .html import TEMPLATE_DIR, report_css
from .pdf_images import image_cache, images_by_reference
from .pdf_tables import CellMeasure, fixed_table_widths

PAGE_SIZES = ("A4", "Letter")
PRINT_CSS = TEMPLATE_DIR / "nps_report" / "print.css"

INSTALL_HINT = (
    "Install the Pango text library, then run the build again:\n"
    "  Debian/Ubuntu: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0\n"
    "  macOS:         brew install pango\n"
    "  conda:         conda install -c conda-forge pango\n"
    "HTML reports build without it: nps-report build PARAMS --formats html")

KIND_LABELS = {"team": "Team report", "department": "Department summary",
               "overview": "Company overview", "pack": "Department pack"}

_MAIN = re.compile(r"<main\b[^>]*>(.*)</main>", re.S | re.I)
_BODY = re.compile(r"<body\b[^>]*>(.*)</body>", re.S | re.I)
_RUNNING = re.compile(r"<div class=\"running-header\">.*?</div>", re.S)
_DIV = re.compile(r"<div\b[^>]*>|</div\s*>", re.I)
_CLASS = re.compile(r"""\bclass\s*=\s*["']([^"']*)["']""", re.I)
_STYLED_TAG = re.compile(r'<[a-zA-Z][a-zA-Z0-9]*\b[^<>]*\sstyle="[^"<>]*"[^<>]*>')
_STYLE_ATTR = re.compile(r'\sstyle="([^"<>]*)"')
_CLASS_ATTR = re.compile(r'\sclass="([^"]*)"')
_SVG = re.compile(r"(<svg\b.*?</svg\s*>)", re.S | re.I)
_ANCHOR_LINK = re.compile(r"<a class=\"anchor-link\" href=\"[^\"]*\"></a>")
# nbconvert's wrappers around a cell's outputs (and a markdown cell's text): no style of
# report.css or print.css gives them a box of their own (no margin, padding or border).
_OUTPUT_WRAPPERS = ({"jp-Cell-outputWrapper"}, {"jp-OutputArea", "jp-Cell-outputArea"},
                    {"jp-OutputArea-child", "jp-OutputArea-executeResult"})
_INPUT_WRAPPERS = ({"jp-Cell-inputWrapper"}, {"jp-InputArea", "jp-Cell-inputArea"})


def load_weasyprint():
    """Import WeasyPrint, turning a missing package or system library into a clear error.

    Raises
    ------
    MissingDependencyError
        When ``weasyprint`` or the Pango library it loads at import cannot be found;
        the message says how to install it on Debian/Ubuntu, macOS and with conda.
    """
    try:
        import weasyprint
    except ModuleNotFoundError as exc:
        if exc.name and not exc.name.startswith("weasyprint"):
            raise
        raise MissingDependencyError(
            "PDF output needs the Python package WeasyPrint (pip install weasyprint) and the "
            f"Pango text library ({exc}).\n{INSTALL_HINT}") from None
    except (OSError, ImportError) as exc:  # cffi could not dlopen libpango / libgobject
        raise MissingDependencyError(
            f"PDF output needs the Pango text library, which WeasyPrint could not load ({exc}).\n"
            f"{INSTALL_HINT}") from None
    return weasyprint


@dataclass(frozen=True)
class Cover:
    """What the first page of a PDF says.

    Attributes
    ----------
    kind : str
        ``"team"``, ``"department"``, ``"overview"`` or ``"pack"``.
    title : str
        The big line: the team, the department or "Company overview".
    quarter : str
    subtitle : str
        The line under the title (e.g. the team's department).
    lines : tuple of str
        Extra lines under the quarter (e.g. what a pack contains).
    build : str
        The build's name.
    built : str
        Date of the build (as written in the build's context).
    """

    kind: str
    title: str
    quarter: str
    subtitle: str = ""
    lines: tuple = ()
    build: str = ""
    built: str = ""

    def html(self) -> str:
        esc = html.escape
        kicker = "Net Promoter Score · " + KIND_LABELS.get(self.kind, self.kind)
        lines = "".join(f"<li>{esc(line)}</li>" for line in self.lines)
        meta = []
        if self.built:
            meta.append(f"<p>Built {esc(self.built)}</p>")
        if self.build:
            meta.append(f"<p>Build “{esc(self.build)}” · nps-report</p>")
        meta.append("<p>Internal: scores below the display floor are not shown; customer "
                    "contact lists are never part of this document.</p>")
        return (f"<section class='cover'>"
                f"<div class='doc-kind'>{esc(self.running_kind())}</div>"
                f"<div class='build-line'>{esc(self.build_line())}</div>"
                f"<div class='cover-band'><p class='cover-kicker'>{esc(kicker)}</p>"
                f"<h1 class='cover-title'>{esc(self.title)}</h1>"
                + (f"<p class='cover-subtitle'>{esc(self.subtitle)}</p>" if self.subtitle else "")
                + f"</div><p class='cover-quarter'>{esc(self.quarter)}</p>"
                + (f"<ul class='cover-lines'>{lines}</ul>" if lines else "")
                + f"<div class='cover-meta'>{''.join(meta)}</div></section>")

    def running_kind(self) -> str:
        if self.kind == "pack":
            return f"{self.title} department pack · {self.quarter}"
        return f"NPS {KIND_LABELS.get(self.kind, self.kind).lower()} · {self.quarter}"

    def build_line(self) -> str:
        parts = [f"Build {self.build}" if self.build else "", f"built {self.built}" if self.built else ""]
        return " · ".join(p for p in parts if p)


def report_cover(kind: str, *, quarter: str, team=None, department=None, build: str = "",
                 built: str = "") -> Cover:
    """The cover of one report: team, department summary or company overview."""
    if kind == "team":
        return Cover("team", str(team), quarter, f"{department} department" if department else "",
                     build=build, built=built)
    if kind == "department":
        return Cover("department", str(department), quarter, "Department summary",
                     build=build, built=built)
    return Cover("overview", "Company overview", quarter, "Every department and team",
                 build=build, built=built)


def report_body(page: str) -> tuple[str, str]:
    """Split a report page written by :func:`~nps_report.export.export_html`.

    Returns
    -------
    (str, str)
        The running-header text (unescaped) and the inner HTML of ``<main>``
        (the whole ``<body>`` when the page has no ``<main>``).
    """
    header = ""
    found = _RUNNING.search(page)
    if found:
        header = html.unescape(re.sub(r"<[^>]+>", "", found.group(0))).strip()
    match = _MAIN.search(page) or _BODY.search(page)
    body = match.group(1) if match else page
    return header, without_notebook_wrappers(_RUNNING.sub("", body))


def without_notebook_wrappers(body: str) -> str:
    """The report's HTML without the elements of nbconvert's page that print nothing.

    Removed: the collapser divs and anchor links (``display: none`` in report.css
    and print.css) and the wrappers around each cell's output and each markdown cell's
    text (no margin, padding or border). Kept: every cell's own ``div`` (the print
    rules that keep a heading with its text and hide tagged cells select it) and the
    output ``div`` itself. The pages are laid out the same, from about a fifth fewer
    elements. ``body`` is returned unchanged when its ``div`` tags do not pair up.

    Examples
    --------
    >>> without_notebook_wrappers(
    ...     '<div class="jp-Cell jp-CodeCell"><div class="jp-Cell-outputWrapper">'
    ...     '<div class="jp-Collapser jp-OutputCollapser"></div>'
    ...     '<div class="jp-OutputArea jp-Cell-outputArea"><div class="jp-OutputArea-child">'
    ...     '<div class="jp-OutputArea-output"><p>NPS +12</p></div></div></div></div></div>')
    '<div class="jp-Cell jp-CodeCell"><div class="jp-OutputArea-output"><p>NPS +12</p></div></div>'
    """
    stack, cuts = [], []  # stack: (opening tag match, what to do, in a markdown cell)
    for tag in _DIV.finditer(body):
        if tag.group(0)[1] != "/":
            found = _CLASS.search(tag.group(0))
            classes = set(found.group(1).split()) if found else set()
            markdown = "jp-MarkdownCell" in classes or bool(stack and stack[-1][2])
            if "jp-Collapser" in classes:
                action = "drop"
            elif classes and any(classes <= wrapper for wrapper in _OUTPUT_WRAPPERS) or (
                    markdown and classes and any(classes <= wrapper for wrapper in _INPUT_WRAPPERS)):
                action = "unwrap"
            else:
                action = None
            stack.append((tag, action, markdown))
            continue
        if not stack:
            return body
        opening, action, _ = stack.pop()
        if action == "drop":
            cuts.append((opening.start(), tag.end()))
        elif action == "unwrap":
            cuts += [(opening.start(), opening.end()), (tag.start(), tag.end())]
    if stack:
        return body
    parts, at = [], 0
    for start, end in sorted(cuts):
        if start >= at:  # (cuts inside a dropped div are gone with it)
            parts.append(body[at:start])
            at = end
    parts.append(body[at:])
    return _ANCHOR_LINK.sub("", "".join(parts))


def styles_as_rules(body: str) -> tuple[str, str]:
    """Move the ``style`` attributes of ``body`` into one rule per distinct style.

    Each element's ``style="..."`` becomes a class ``nps-style-N`` whose rule
    ``.nps-style-N:not(#nps-none) { ... }`` has an id's specificity: like the attribute
    (which WeasyPrint weighs as an id), it wins over every rule of report.css and
    print.css (they select no id) except their ``!important`` ones. The pages look the
    same. The report's fragments repeat a few styles on hundreds of elements (every
    table cell): WeasyPrint parses a style attribute once per element and computes the
    style of every element that has one on its own, but shares one computed style
    among elements matched by the same rules, so the PDF is laid out faster.
    Inline SVG (styled by its own attributes) and styles that could not sit in a style
    sheet (with ``<``, ``{`` or ``}``) are left as they are.

    Returns
    -------
    (str, str)
        The body with classes instead of ``style`` attributes, and the style sheet.

    Examples
    --------
    >>> body, css = styles_as_rules('<td class="num" style="color:red">1</td><p style="color:red">a</p>')
    >>> body
    '<td class="num nps-style-0">1</td><p class="nps-style-0">a</p>'
    >>> css
    '.nps-style-0:not(#nps-none) { color:red }'
    """
    names: dict[str, str] = {}

    def as_class(found):
        tag = found.group(0)
        style = _STYLE_ATTR.search(tag)
        value = html.unescape(style.group(1))
        if any(c in value for c in "<{}"):
            return tag
        name = names.setdefault(value, f"nps-style-{len(names)}")
        tag = tag[:style.start()] + tag[style.end():]
        classes = _CLASS_ATTR.search(tag)
        if classes:
            return f"{tag[:classes.end(1)]} {name}{tag[classes.end(1):]}"
        end = len(tag) - (2 if tag.endswith("/>") else 1)
        return f'{tag[:end]} class="{name}"{tag[end:]}'

    parts = _SVG.split(body)  # odd items: inline SVG, kept as written
    body = "".join(part if i % 2 else _STYLED_TAG.sub(as_class, part) for i, part in enumerate(parts))
    return body, "\n".join(f".{name}:not(#nps-none) {{ {value} }}" for value, name in names.items())


def print_document(title: str, body: str, *, lang: str = "en", created: str = "",
                   body_class: str = "", rules: str = "") -> str:
    """A complete HTML document around ``body`` for WeasyPrint (the engine applies
    report.css and print.css; ``rules``, e.g. from :func:`styles_as_rules`, go in a
    ``<style>`` element of its own)."""
    meta = '<meta name="generator" content="nps-report">'
    if re.match(r"\d{4}-\d{2}-\d{2}", created or ""):
        meta += f'<meta name="dcterms.created" content="{html.escape(created[:10])}">'
    if rules:
        meta += f"<style>{rules}</style>"
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title>{meta}</head>"
            f'<body class="{" ".join(["nps-report print", body_class]).strip()}">{body}</body></html>')


class PdfEngine:
    """WeasyPrint, its font configuration and the parsed style sheets, kept for reuse.

    Create one per process with :func:`get_engine`; building one imports WeasyPrint
    (and raises :class:`MissingDependencyError` when it cannot).
    """

    def __init__(self):
        self.weasyprint = load_weasyprint()
        from weasyprint.images import RasterImage
        from weasyprint.text.fonts import FontConfiguration

        self.raster_image = RasterImage
        self.font_config = FontConfiguration()
        self._sheets = {}
        self._widths = {}
        self._measure = None
        self.renders = 0

    def stylesheets(self, page_size: str = "A4") -> list:
        """report.css, print.css and the page size, parsed once per page size."""
        if page_size not in PAGE_SIZES:
            raise ValueError(f"page_size must be one of {', '.join(PAGE_SIZES)}, got {page_size!r}")
        if page_size not in self._sheets:
            css = self.weasyprint.CSS
            base = self._sheets.get("base")
            if base is None:
                base = [css(string=report_css(), font_config=self.font_config),
                        css(string=PRINT_CSS.read_text(encoding="utf-8"), font_config=self.font_config)]
                self._sheets["base"] = base
            size = css(string=f"@page {{ size: {page_size}; }}", font_config=self.font_config)
            self._sheets[page_size] = base + [size]
        return self._sheets[page_size]

    def output_width(self, page_size: str = "A4") -> float:
        """Width in CSS px of a report's output block on a page (what a table may take),
        laid out once per page size."""
        if page_size not in self._widths:
            probe = print_document("", "<main><div class='jp-Cell jp-CodeCell'>"
                                       "<div class='jp-OutputArea-output' id='nps-probe'></div></div></main>")
            rendered = self.render(probe, page_size=page_size)
            boxes = [rendered.pages[0]._page_box]
            while boxes:
                box = boxes.pop()
                if getattr(box, "element", None) is not None and box.element.get("id") == "nps-probe":
                    self._widths[page_size] = box.width
                    break
                boxes.extend(getattr(box, "children", ()) or ())
        return self._widths[page_size]

    def fixed_tables(self, body: str, page_size: str = "A4") -> str:
        """``body`` with its report tables' column widths written in
        (:func:`~nps_report.export.pdf_tables.fixed_table_widths`); unchanged when this
        WeasyPrint's text functions are not the ones the measure calls."""
        if self._measure is False:
            return body
        try:
            if self._measure is None:
                self._measure = CellMeasure(self.font_config)
            return fixed_table_widths(body, self._measure, self.output_width(page_size))
        except (ImportError, AttributeError, KeyError):  # another WeasyPrint: automatic layout
            self._measure = False
            return body

    def render(self, document: str, *, base_url=None, page_size: str = "A4", images=None):
        """Lay out an HTML document; returns WeasyPrint's ``Document`` (pages, outline).

        ``images``: reference -> PNG bytes of the ``nps-image:N`` references in
        ``document`` (:func:`~nps_report.export.pdf_images.images_by_reference`), embedded
        in the PDF as they are.
        """
        self.renders += 1
        cache = image_cache(images, self.raster_image, self.weasyprint.DEFAULT_OPTIONS) \
            if images else None
        return self.weasyprint.HTML(string=document, base_url=str(base_url) if base_url else None) \
            .render(stylesheets=self.stylesheets(page_size), font_config=self.font_config,
                    cache=cache)

    def write(self, document: str, target, *, base_url=None, page_size: str = "A4",
              images=None) -> int:
        """Render ``document`` to the PDF file ``target``; returns the number of pages."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        with cyclic_gc_paused():
            rendered = self.render(document, base_url=base_url, page_size=page_size, images=images)
            with atomic_path(target) as temporary:  # a reader never sees half a PDF
                rendered.write_pdf(temporary)
        return len(rendered.pages)


@contextmanager
def cyclic_gc_paused():
    """Python's cyclic garbage collector off for the ``with`` block, then back as it was.

    WeasyPrint allocates a few hundred thousand objects per report; each of them counts
    towards the collector's next pass, and in a worker (pandas, matplotlib and the
    build's tables loaded) a full pass walks every object of the process. Paused, the
    same PDF is made with about a tenth less CPU time; the cycles WeasyPrint leaves are
    collected by the first pass after the block (memory grows by a few MB meanwhile).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@lru_cache(maxsize=1)
def get_engine() -> PdfEngine:
    """The process's PDF engine, created on first use."""
    return PdfEngine()


def check_pdf_support() -> None:
    """Raise :class:`MissingDependencyError` now if PDFs cannot be made on this machine."""
    get_engine()


def export_pdf(html_path, pdf_path=None, *, cover: Cover, page_size: str = "A4",
               running_header: str | None = None) -> dict:
    """Write the PDF of one report from its ``report.html``.

    Parameters
    ----------
    html_path : path-like
        The report page written by :func:`~nps_report.export.export_html`.
    pdf_path : path-like, optional
        Default: ``report.pdf`` beside ``html_path``.
    cover : Cover
        See :func:`report_cover`.
    page_size : {"A4", "Letter"}
    running_header : str, optional
        Text of the running header (default: the page's own running-header div).

    Returns
    -------
    dict
        ``path``, ``pages`` and ``seconds``.
    """
    started = time.perf_counter()
    html_path = Path(html_path)
    pdf_path = Path(pdf_path) if pdf_path else html_path.with_suffix(".pdf")
    header, body = report_body(html_path.read_text(encoding="utf-8"))
    header = running_header if running_header is not None else header
    engine = get_engine()
    body = engine.fixed_tables(body, page_size)
    body, rules = styles_as_rules(body)
    body, images = images_by_reference(body)
    content = (cover.html() + f"<div class='running-header'>{html.escape(header)}</div>"
               + f"<main>{body}</main>")
    document = print_document(f"{cover.title} · {cover.quarter}", content, created=cover.built,
                              rules=rules)
    pages = engine.write(document, pdf_path, base_url=html_path.parent, page_size=page_size,
                               images=images)
    return {"path": str(pdf_path), "pages": pages, "seconds": time.perf_counter() - started}
