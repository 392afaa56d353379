"""How a pack is put together from small report PDFs made here (no build): the pack's
page numbers stamped one per page, the contents' numbers and links where each part
starts, also when the contents take several pages.

tests/test_packs.py checks the same things on a pack of a real (small) build.
"""

from __future__ import annotations

import re

import pytest

from nps_report.export.packs import PackPart, without_empty_groups, build_pack, part_starts
from nps_report.export.pdf import export_pdf, report_cover

pikepdf = pytest.importorskip("pikepdf")
pypdf = pytest.importorskip("pypdf")

QUARTER = "2026Q3"


def report(folder, title, pages):
    """A report folder with report.html and its report.pdf: a cover, a title page and
    ``pages`` pages of one section each."""
    folder.mkdir(parents=True)
    sections = "".join(f"<h2 style='break-before: page'>Section {n} of {title}</h2><p>Text {n}.</p>"
                       for n in range(1, pages + 1))
    page = (f"<html><body><div class=\"running-header\">{title} · {QUARTER}</div>"
            f"<main><h1>{title}</h1>{sections}</main></body></html>")
    (folder / "report.html").write_text(page, encoding="utf-8")
    export_pdf(folder / "report.html", cover=report_cover("team", quarter=QUARTER, team=title,
                                                         department="Big"))
    return str(folder / "report.html")


@pytest.fixture(scope="module")
def big_pack(tmp_path_factory):
    """A department of 40 teams (1 to 3 pages each) and a failed one: the contents take
    more than one page."""
    root = tmp_path_factory.mktemp("packs")
    parts = [PackPart("department", "Big", f"{QUARTER}/departments/Big",
                      report(root / "departments" / "Big", "Big summary", 2))]
    for number in range(40):
        name = f"Team {number:02d}"
        parts.append(PackPart("team", name, f"{QUARTER}/teams/{name}",
                              report(root / "teams" / name, name, 1 + number % 3)))
    parts.append(PackPart("team", "Broken", f"{QUARTER}/teams/Broken",
                          str(root / "teams" / "Broken" / "report.html"), status="failed"))
    result = build_pack(parts, root / "Big.pdf", department="Big", quarter=QUARTER)
    return result, parts, pikepdf.open(result.path), pypdf.PdfReader(result.path)


def test_contents_take_several_pages_and_parts_start_after_them(big_pack):
    result, parts, pack, _ = big_pack
    assert result.contents_pages >= 2
    # each report: its cover, its title page, then one page per section
    sizes = {p.folder: 2 + int(p.name[-2:]) % 3 for p in parts if p.kind == "team" and p.included}
    sizes[f"{QUARTER}/departments/Big"] = 3
    assert sizes == {p.folder: len(pypdf.PdfReader(p.pdf_path).pages) - 1 for p in parts if p.included}
    assert result.pages == len(pack.pages) == 1 + result.contents_pages + sum(sizes.values())
    assert result.starts == part_starts([p.folder for p in parts if p.included], sizes,
                                        result.contents_pages)
    assert result.starts[f"{QUARTER}/departments/Big"] == 2 + result.contents_pages
    assert result.not_included == [f"{QUARTER}/teams/Broken"]


def test_each_page_after_the_cover_carries_its_own_pack_number_only(big_pack):
    result, _, _, reader = big_pack
    assert "Pack page" not in reader.pages[0].extract_text()
    for number in range(2, result.pages + 1):
        found = re.findall(r"Pack page (\d+) of (\d+)", reader.pages[number - 1].extract_text())
        assert found == [(str(number), str(result.pages))], number


def test_each_report_page_is_its_own_page_of_the_report(big_pack):
    result, parts, _, reader = big_pack
    for part in parts:
        if not part.included:
            continue
        first = result.starts[part.folder]
        alone = pypdf.PdfReader(part.pdf_path)
        for offset, page in enumerate(alone.pages[1:]):
            in_pack = reader.pages[first - 1 + offset].extract_text()
            assert page.extract_text().split("\n")[0] in in_pack, (part.name, offset)
            assert f"Page {offset + 2} of {len(alone.pages)}" in in_pack


def test_contents_numbers_and_links_lead_to_each_part(big_pack):
    result, parts, pack, reader = big_pack
    contents = "\n".join(reader.pages[i].extract_text() for i in range(1, 1 + result.contents_pages))
    numbers = {m.group(1): int(m.group(2))
               for m in re.finditer(r"^\s*(.+?)\s*(?:\.\s*){3,}(\d+)\s*$", contents, re.M)}
    expected = {("Department summary" if p.kind == "department" else p.name): result.starts[p.folder]
                for p in parts if p.included}
    assert numbers == expected
    assert "Broken: report failed to build, not included" in " ".join(contents.split())
    index = {page.objgen: number for number, page in enumerate(pack.pages, start=1)}
    destinations = pikepdf.NameTree(pack.Root.Names.Dests)
    linked = set()
    for page in pack.pages[1:1 + result.contents_pages]:
        for annotation in page.obj.get("/Annots", []):
            target = destinations[str(annotation.Dest)]
            linked.add(index[target[0].objgen])
            # the top left of the page area, where the old blank page's anchor sat
            assert [float(x) for x in list(target)[2:4]] == pytest.approx([45.354331, 785.19685])
    assert linked == set(expected.values())
    assert all(objgen in index for objgen in (d[0].objgen for _, d in destinations.items()))


def test_outline_has_each_part_at_its_first_page(big_pack):
    result, parts, pack, _ = big_pack
    index = {page.objgen: number for number, page in enumerate(pack.pages, start=1)}
    with pack.open_outline() as outline:
        tops = [(item.title, index[item.destination[0].objgen]) for item in outline.root]
    assert tops[0] == ("Contents", 2)
    assert tops[1:] == [("Department summary: Big" if p.kind == "department" else p.name,
                         result.starts[p.folder]) for p in parts if p.included]


def test_groups_that_only_set_the_state_are_dropped():
    document = pikepdf.Pdf.new()
    ops = pikepdf.parse_content_stream(document.make_stream(
        b"q 1 0 0 1 0 0 cm q /a gs 0 0 1 rg Q Q q 1 0 0 rg 0 0 5 5 re f Q q q 1 g Q BT ET Q"))
    kept = pikepdf.unparse_content_stream(without_empty_groups(ops)).split()
    assert kept == b"q 1 0 0 rg 0 0 5 5 re f Q q BT ET Q".split()


def test_packs_examples_run():
    import doctest

    from nps_report.export import packs

    tests = doctest.DocTestFinder().find(packs)
    assert sum(doctest.DocTestRunner().run(t).failed for t in tests) == 0
    assert sum(len(t.examples) for t in tests) >= 4
