"""Report PDFs: cover, running header, page x of y, page size, fonts, layout, no code, and
the message when WeasyPrint's system library is missing.

The build is the small one of tests/test_packs.py (made once per session).
"""

from __future__ import annotations

import builtins
import re

import pytest

from nps_report.exceptions import MissingDependencyError
from nps_report.export import pdf

from .helpers import PACK_DEPARTMENT as DEPARTMENT
from .helpers import PACK_OK_TEAMS as OK_TEAMS
from .helpers import PACK_QUARTER as QUARTER

pypdf = pytest.importorskip("pypdf")

A4 = (595.28, 841.89)
LETTER = (612.0, 792.0)
TEAM = OK_TEAMS[0]


@pytest.fixture(scope="module")
def built(small_pack):
    return small_pack


@pytest.fixture(scope="module")
def team_pdf(built):
    out = built.out
    return pypdf.PdfReader(out / QUARTER / "teams" / TEAM / "report.pdf")


def size_of(page):
    box = page.mediabox
    return (float(box.width), float(box.height))


def test_every_built_report_has_a_pdf_beside_its_html(built):
    out, result = built.out, built.result
    for report in result.plan.reports:
        folder = out / report.folder
        if result.results[report.key]["status"] == "ok":
            assert (folder / "report.html").exists() and (folder / "report.pdf").exists(), report.key
            assert "pdf" in result.results[report.key]["timings"]
    overview = pypdf.PdfReader(out / QUARTER / "overview" / "report.pdf")
    assert "Company overview" in overview.pages[0].extract_text()
    assert len(overview.pages) >= 2


def test_cover_says_team_department_quarter_and_date(built, team_pdf):
    created = built.created
    cover = " ".join(team_pdf.pages[0].extract_text().split())
    for expected in (TEAM, f"{DEPARTMENT} department", QUARTER, f"Built {created}"):
        assert expected in cover
    assert all(size_of(p) == pytest.approx(A4, abs=0.5) for p in team_pdf.pages)


def test_running_header_and_page_x_of_y(team_pdf):
    total = len(team_pdf.pages)
    assert total >= 3
    assert "Page 1 of" not in team_pdf.pages[0].extract_text()  # the cover stays clean
    for number, page in enumerate(team_pdf.pages[1:], start=2):
        text = page.extract_text()
        assert f"{TEAM} · {QUARTER}" in text, number
        assert f"Page {number} of {total}" in text, number


def test_no_code_and_embedded_dejavu_fonts(team_pdf):
    text = "\n".join(page.extract_text() for page in team_pdf.pages)
    for code in ("render.", "import ", "nr.report_tables", "context_path", "In ["):
        assert code not in text
    fonts = set()
    for page in team_pdf.pages:
        for ref in ((page.get("/Resources") or {}).get("/Font") or {}).values():
            font = ref.get_object()
            fonts.add(str(font.get("/BaseFont")))
            descendants = font.get("/DescendantFonts")
            for d in descendants or []:
                descriptor = d.get_object().get("/FontDescriptor")
                assert descriptor is not None and any(
                    k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert fonts and all("DejaVu" in f for f in fonts), fonts


def test_letter_page_size(built, tmp_path):
    out = built.out
    cover = pdf.report_cover("team", quarter=QUARTER, team=TEAM, department=DEPARTMENT)
    made = pdf.export_pdf(out / QUARTER / "teams" / TEAM / "report.html", tmp_path / "letter.pdf",
                          cover=cover, page_size="Letter")
    reader = pypdf.PdfReader(tmp_path / "letter.pdf")
    assert made["pages"] == len(reader.pages)
    assert all(size_of(p) == pytest.approx(LETTER, abs=0.5) for p in reader.pages)
    assert f"NPS report for {QUARTER}" in reader.pages[1].extract_text()  # the cover is one page
    with pytest.raises(ValueError, match="A4, Letter"):
        pdf.export_pdf(out / QUARTER / "teams" / TEAM / "report.html", tmp_path / "x.pdf",
                       cover=cover, page_size="A3")


def _layout(html_path):
    """Lay out a report as its PDF is made; yield (page number, page box) pairs."""
    header, body = pdf.report_body(html_path.read_text(encoding="utf-8"))
    document = pdf.print_document("t", f"<div class='running-header'>{header}</div><main>{body}</main>")
    rendered = pdf.get_engine().render(document, base_url=html_path.parent)
    return [(n, page._page_box) for n, page in enumerate(rendered.pages, start=1)]


def _content_boxes(page_box):
    """Block-level boxes of the page's content (not its margin boxes), in document order."""
    from weasyprint.formatting_structure import boxes

    root = page_box.children[0]
    return [b for b in root.descendants()
            if isinstance(b, (boxes.BlockBox, boxes.TableBox, boxes.BlockReplacedBox,
                              boxes.InlineReplacedBox)) and b.element is not None]


@pytest.mark.parametrize("which", ["team", "department", "overview"])
def test_headings_stay_with_their_content_and_tables_fit(built, which):
    out = built.out
    folder = {"team": f"teams/{TEAM}", "department": f"departments/{DEPARTMENT}",
              "overview": "overview"}[which]
    for number, page_box in _layout(out / QUARTER / folder / "report.html"):
        content = _content_boxes(page_box)
        left = page_box.children[0].content_box_x()
        right = left + page_box.children[0].width
        for box in content:
            if box.element_tag in ("table", "img"):
                assert box.position_x >= left - 0.5 and box.position_x + box.margin_width() <= right + 0.5, \
                    f"{box.element_tag} wider than the page on page {number}"
        headings = [b for b in content if b.element_tag in ("h1", "h2", "h3")]
        if headings:
            last = headings[-1]
            after = [b for b in content if b.position_y > last.position_y + last.margin_height() - 0.5
                     and b.element is not last.element and b.element_tag not in ("h1", "h2", "h3")]
            assert after, f"page {number} ends with the heading {last.element.text!r}"
        images = [b for b in content if b.element_tag == "img"]
        for image in images:  # a chart is never cut: it ends inside the page (its bottom
            # margin may not: CSS truncates a margin at a page break)
            assert image.border_box_y() + image.border_height() <= page_box.children[0].position_y \
                + page_box.children[0].margin_height() + 0.5


def test_close_the_loop_content_never_reaches_a_pdf(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(
        "<html><body><div class='running-header'>T · Q</div><main><h1>T</h1>"
        "<div class='close-the-loop'>call jane@example.com</div>"
        "<div class='jp-Cell celltag_close-the-loop'>call joe@example.com</div>"
        "<p>kept</p></main></body></html>", encoding="utf-8")
    pdf.export_pdf(page, cover=pdf.report_cover("team", quarter="2026Q3", team="T", department="D"))
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(tmp_path / "report.pdf").pages)
    assert "kept" in text and "@example.com" not in text


def test_one_engine_per_process_with_cached_stylesheets():
    engine = pdf.get_engine()
    assert pdf.get_engine() is engine
    assert engine.stylesheets("A4") is engine.stylesheets("A4")
    assert engine.stylesheets("Letter")[:2] == engine.stylesheets("A4")[:2]  # base sheets shared


@pytest.fixture
def no_pango(monkeypatch):
    """Make ``import weasyprint`` fail the way it does when Pango is not installed."""
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "weasyprint" or name.startswith("weasyprint."):
            raise OSError("cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open "
                          "shared object file: No such file or directory")
        return real_import(name, *args, **kwargs)

    pdf.get_engine.cache_clear()
    monkeypatch.setattr(builtins, "__import__", fake_import)
    yield
    monkeypatch.undo()
    pdf.get_engine.cache_clear()


def test_missing_pango_says_how_to_install_it(no_pango):
    with pytest.raises(MissingDependencyError) as caught:
        pdf.get_engine()
    message = str(caught.value)
    assert "Pango" in message and "libpango-1.0-0" in message
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0" in message
    assert "brew install pango" in message
    assert "conda install -c conda-forge pango" in message


def test_build_with_pdf_stops_early_without_pango(built, no_pango, capsys):
    from nps_report import cli

    build = built.build
    code = cli.main(["build", str(build.source_file), "--formats", "html,pdf", "--dry-run"])
    assert code == 0  # a dry run makes no PDF
    code = cli.main(["build", str(build.source_file), "--formats", "html,pdf"])
    assert code == 2
    err = capsys.readouterr().err
    assert "brew install pango" in err and re.search(r"apt-get install libpango", err)


def test_garbage_collector_paused_while_a_pdf_is_made_and_restored_after():
    import gc

    assert gc.isenabled()
    with pdf.cyclic_gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError):  # restored when making the PDF fails too
        with pdf.cyclic_gc_paused():
            raise RuntimeError("layout failed")
    assert gc.isenabled()
    gc.disable()  # a caller that had it off keeps it off
    try:
        with pdf.cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_long_team_name_stays_on_one_header_line(tmp_path):
    """The margin boxes have fixed widths (print.css): the header's share still holds a
    long team name and quarter on one line, beside the document kind."""
    import html

    team = "Enterprise Customer Success and Renewals Operations (EMEA North)"
    page = tmp_path / "report.html"
    page.write_text(f'<html><body><main><div class="running-header">{html.escape(team)} · 2026Q3</div>'
                    "<h1>Title</h1><p>Text.</p></main></body></html>", encoding="utf-8")
    cover = pdf.report_cover("team", quarter="2026Q3", team=team, department="Finance")
    made = pdf.export_pdf(page, tmp_path / "report.pdf", cover=cover)
    assert made["pages"] == 2
    text = pypdf.PdfReader(made["path"]).pages[1].extract_text()
    lines = [line.strip() for line in text.splitlines()]
    assert any(line.startswith(f"{team} · 2026Q3") for line in lines), lines
    assert any("NPS team report · 2026Q3" in line for line in lines), lines
