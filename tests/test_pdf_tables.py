"""Report tables laid out with the column widths computed by export/pdf_tables.py: the
same widths as WeasyPrint's automatic table layout, so the same lines and pages."""

from __future__ import annotations

import doctest

import pandas as pd
import pytest

from nps_report.export import pdf, pdf_tables
from nps_report.render import html as render_html

pytest.importorskip("weasyprint")


def tables(rendered) -> list:
    """Column widths of every ``<table>`` of a rendered document, in order (a table
    split over pages counted once)."""
    from weasyprint.formatting_structure import boxes

    found, seen = [], set()

    def walk(box):
        if isinstance(box, boxes.TableBox) and box.element_tag == "table" and id(box.element) not in seen:
            seen.add(id(box.element))
            found.append(list(box.column_widths))
        for child in getattr(box, "children", ()) or ():
            walk(child)

    for page in rendered.pages:
        walk(page._page_box)
    return found


def laid_out(body: str, page_size="A4"):
    engine = pdf.get_engine()
    body, rules = pdf.styles_as_rules(body)
    document = pdf.print_document("t", "<main><div class='jp-Cell jp-CodeCell'><div class="
                                  f"'jp-OutputArea-output'>{body}</div></div></main>", rules=rules)
    rendered = engine.render(document, page_size=page_size)
    text = ["".join(box.text for box in _texts(page._page_box)) for page in rendered.pages]
    return tables(rendered), text


def _texts(box):
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        yield box
    for child in getattr(box, "children", ()) or ():
        yield from _texts(child)


FRAMES = {
    "narrow": pd.DataFrame({"region": ["EMEA", "North America"], "n": [154, 1200],
                            "interval": ["-19 to +8", "+5 to +77"]}),
    # too wide for the page: the columns share the line between min and max content
    "wide": pd.DataFrame({
        "theme": ["Billing errors", "Waiting and delays"],
        "verdict": ["pain point: mentioned by 93% of commenting detractors", "mentioned"],
        "NPS difference (95% interval)": ["-155 (-162 to -138)", "-82 (-98 to -11)"],
        "if these detractors became passives": ["up to +18.0 points (14.6 to 21.9)", "n/a"],
        "Unreach\u00adable contacts > 3 days": [4, 0], "source": ["Temkin Group NPS Benchmark "
                                                        "Study, 2017", "XM Institute, 2022"]}),
    # wider than the page even at min-content: the table overflows as before
    "overflowing": pd.DataFrame({f"column_with_a_long_unbreakable_name_{i}": [i * 1000]
                                 for i in range(8)}),
}


@pytest.mark.parametrize("page_size", ["A4", "Letter"])
@pytest.mark.parametrize("name", sorted(FRAMES))
def test_fixed_widths_are_the_automatic_ones(name, page_size):
    body = render_html.table(FRAMES[name])._repr_html_()
    fixed = pdf.get_engine().fixed_tables(body, page_size)
    assert "table-layout:fixed" in fixed and fixed.count("<col ") == FRAMES[name].shape[1]
    automatic_widths, automatic_text = laid_out(body, page_size)
    fixed_widths, fixed_text = laid_out(fixed, page_size)
    assert len(fixed_widths) == len(automatic_widths) == 1
    assert fixed_widths[0] == pytest.approx(automatic_widths[0], abs=1e-9)
    assert fixed_text == automatic_text  # the same words on the same lines, page by page


def test_the_wide_table_wraps_and_the_narrow_one_does_not():
    """The cases above are the three branches of the width distribution."""
    engine = pdf.get_engine()
    width = engine.output_width("A4")
    narrow, = laid_out(render_html.table(FRAMES["narrow"])._repr_html_())[0]
    wide, = laid_out(render_html.table(FRAMES["wide"])._repr_html_())[0]
    over, = laid_out(render_html.table(FRAMES["overflowing"])._repr_html_())[0]
    assert sum(narrow) < width
    assert sum(wide) == pytest.approx(width)
    assert sum(over) > width


def test_cell_widths_are_pango_measurements_of_the_text():
    measure = pdf_tables.CellMeasure(pdf.get_engine().font_config)
    low, high = measure.widths("North America")
    assert low == pytest.approx(measure.widths("America")[1]) and high > low
    assert measure.widths("NPS", 600)[1] > measure.widths("NPS", 400)[1]  # bold is wider
    soft_low, soft_high = measure.widths("Unreach\u00adable")
    assert soft_low > measure.widths("Unreach")[1]  # the hyphen shown at the break counts
    assert soft_high == pytest.approx(measure.widths("Unreachable")[1])


def test_other_tables_are_left_to_the_automatic_layout():
    engine = pdf.get_engine()
    with_markup = render_html.table(FRAMES["narrow"])._repr_html_().replace(
        ">EMEA<", "><b>EMEA</b><")
    plain = FRAMES["narrow"].to_html()
    restyled = render_html.table(FRAMES["narrow"])._repr_html_().replace(
        "text-align:left;vertical-align:top;color", "text-align:center;vertical-align:top;color", 1)
    for body in (with_markup, plain, restyled):
        assert engine.fixed_tables(body) == body


def test_examples_run():
    tests = doctest.DocTestFinder().find(pdf_tables)
    assert sum(doctest.DocTestRunner().run(t).failed for t in tests) == 0
    assert sum(len(t.examples) for t in tests) >= 5
