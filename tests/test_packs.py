"""Department packs, read back with pypdf: cover, contents page numbers, bookmarks, parts.

One small build (the session fixture ``small_pack``, shared with tests/test_pdf.py): a
department of four teams over two quarters, built for the latest quarter with html and pdf.
"Mini Team" is below the display floor this quarter; "Broken Desk" fails on purpose (a
planted cell in a copy of the team template), so the pack must leave it out and say so
(see tests/helpers.py).
"""

from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest

from nps_report.pipeline import run_build

from .helpers import PACK_BROKEN as BROKEN
from .helpers import PACK_DEPARTMENT as DEPARTMENT
from .helpers import PACK_OK_TEAMS as OK_TEAMS
from .helpers import PACK_QUARTER as QUARTER

pypdf = pytest.importorskip("pypdf")

@pytest.fixture(scope="module")
def built(small_pack):
    return small_pack


@pytest.fixture(scope="module")
def pack(built):
    out = built.out
    path = out / QUARTER / "packs" / f"{DEPARTMENT}.pdf"
    assert path.exists()
    return pypdf.PdfReader(path)


def outline_entries(reader) -> list:
    """``(level, title, 1-based page)`` for every bookmark, in order."""
    out = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                out.append((level, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 1)
    return out


def contents_numbers(text: str) -> dict:
    """``{label: page}`` from the contents page's dotted lines."""
    found = {}
    for line in text.splitlines():
        match = re.match(r"\s*(.+?)\s*(?:\.\s*){3,}(\d+)\s*$", line)
        if match:
            found[match.group(1).strip()] = int(match.group(2))
    return found


def image_count(page) -> int:
    """Images actually painted on a page: ``Do`` operators of its content stream that name
    an image XObject, following form XObjects (resource dictionaries may be shared)."""
    def painted(content, resources, depth=0) -> int:
        xobjects = (resources or {}).get("/XObject") or {}
        count = 0
        for name in re.findall(rb"/([^\s/\[\]()<>]+)\s+Do\b", content):
            ref = xobjects.get("/" + name.decode())
            if ref is None:
                continue
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image":
                count += 1
            elif obj.get("/Subtype") == "/Form" and depth < 5:
                count += painted(obj.get_data(), obj.get("/Resources") or resources, depth + 1)
        return count

    contents = page.get_contents()
    return painted(contents.get_data(), page.get("/Resources")) if contents is not None else 0


def part_pdf(out, team=None):
    folder = out / QUARTER / ("departments" if team is None else "teams") / (team or DEPARTMENT)
    return pypdf.PdfReader(folder / "report.pdf")


def test_build_records_packs_and_the_failure(built):
    out, result = built.out, built.result
    assert [r["key"] for r in result.failed] == [f"{QUARTER}/teams/{BROKEN}"]
    assert result.exit_code == 1
    manifest = json.loads((out / "manifest.json").read_text())
    entry = manifest[f"{QUARTER}/packs/{DEPARTMENT}.pdf"]
    assert entry["kind"] == "pack" and entry["status"] == "ok"
    assert entry["not_included"] == [f"{QUARTER}/teams/{BROKEN}"]
    assert set(entry["included"]) == {f"{QUARTER}/departments/{DEPARTMENT}"} | {
        f"{QUARTER}/teams/{t}" for t in OK_TEAMS}
    index = (out / "index.html").read_text()
    assert f"{QUARTER}/packs/{DEPARTMENT}.pdf" in index and "not included" in index


def test_cover_names_department_and_quarter(pack):
    text = pack.pages[0].extract_text()
    assert DEPARTMENT in text and QUARTER in text and "Department pack".upper() in text.upper()


def test_every_team_has_a_bookmark_with_its_sections(pack):
    entries = outline_entries(pack)
    top = [title for level, title, _ in entries if level == 1]
    assert top == ["Contents", f"Department summary: {DEPARTMENT}", *OK_TEAMS]
    assert BROKEN not in {title for _, title, _ in entries}
    for team in OK_TEAMS:
        position = next(i for i, e in enumerate(entries) if e[0] == 1 and e[1] == team)
        children = []
        for level, title, _ in entries[position + 1:]:
            if level == 1:
                break
            children.append(title)
        assert "Where the team stands" in children and "Score distribution" in children, team


def test_page_count_is_cover_contents_and_parts(built, pack):
    """Each part rendered on its own (its report.pdf, minus that PDF's cover) has as many
    pages as it takes in the pack; the contents take the pages before the first part."""
    out = built.out
    starts = {title: page for level, title, page in outline_entries(pack) if level == 1}
    contents_pages = starts[f"Department summary: {DEPARTMENT}"] - starts["Contents"]
    assert starts["Contents"] == 2 and contents_pages >= 1
    part_pages = [len(part_pdf(out).pages) - 1] + [len(part_pdf(out, t).pages) - 1 for t in OK_TEAMS]
    assert len(pack.pages) == 1 + contents_pages + sum(part_pages)
    # and each part starts where the previous one's pages end
    expected = 2 + contents_pages
    for label, pages in zip([f"Department summary: {DEPARTMENT}", *OK_TEAMS], part_pages):
        assert starts[label] == expected, label
        expected += pages


def test_contents_page_numbers_are_where_parts_start(pack):
    text = pack.pages[1].extract_text()
    assert "Contents" in text
    numbers = contents_numbers(text)
    assert set(numbers) == {"Department summary", *OK_TEAMS}, text
    starts = {title: page for level, title, page in outline_entries(pack) if level == 1}
    assert numbers["Department summary"] == starts[f"Department summary: {DEPARTMENT}"]
    summary_page = pack.pages[numbers["Department summary"] - 1].extract_text()
    assert "Department summary for" in summary_page and DEPARTMENT in summary_page
    for team in OK_TEAMS:
        assert numbers[team] == starts[team]
        first = pack.pages[numbers[team] - 1].extract_text()
        assert f"{DEPARTMENT} · NPS report for {QUARTER}" in first, team
        assert re.search(rf"^{re.escape(team)}$", first, re.M), team  # the report's title line
        previous = pack.pages[numbers[team] - 2].extract_text()
        assert not re.search(rf"^{re.escape(team)}$", previous, re.M)  # it starts there, not before


def test_every_page_after_the_cover_carries_the_pack_page_number(built, pack):
    """Report pages keep their own "Page x of y" and gain the pack's number at the foot."""
    total = len(pack.pages)
    assert "Pack page" not in pack.pages[0].extract_text()  # the cover has none
    for number in range(2, total + 1):
        assert f"Pack page {number} of {total}" in pack.pages[number - 1].extract_text(), number
    starts = {title: page for level, title, page in outline_entries(pack) if level == 1}
    alone = part_pdf(built.out, OK_TEAMS[0])
    first = pack.pages[starts[OK_TEAMS[0]] - 1].extract_text()
    assert f"Page 2 of {len(alone.pages)}" in first  # the report's own numbering, after its cover


def test_failed_report_is_left_out_and_named(pack):
    text = pack.pages[1].extract_text()
    assert f"{BROKEN}: report failed to build, not included" in " ".join(text.split())
    body = "\n".join(page.extract_text() for page in pack.pages[2:])
    assert "planted failure" not in body and f"{BROKEN} · {DEPARTMENT}" not in body


def test_team_below_display_floor_is_kept(pack):
    starts = {title: page for level, title, page in outline_entries(pack) if level == 1}
    page = pack.pages[starts["Mini Team"] - 1].extract_text()
    assert "too few responses this quarter" in page


def test_charts_are_images_in_every_part(built, pack):
    out = built.out
    entries = [(t, p) for level, t, p in outline_entries(pack) if level == 1]
    bounds = {title: (start, end) for (title, start), (_, end) in
              zip(entries, [*entries[1:], ("end", len(pack.pages) + 1)])}
    for label, reader in [(f"Department summary: {DEPARTMENT}", part_pdf(out))] + [
            (t, part_pdf(out, t)) for t in OK_TEAMS]:
        start, end = bounds[label]
        in_pack = sum(image_count(pack.pages[i - 1]) for i in range(start, end))
        alone = sum(image_count(page) for page in reader.pages)
        assert in_pack >= 1, label
        assert in_pack == alone, label  # every chart of the report made it into the pack


def test_close_the_loop_lists_are_pointed_to_not_included(pack):
    contents = " ".join(pack.pages[1].extract_text().split())
    for team in (*OK_TEAMS, BROKEN):
        assert f"{QUARTER}/teams/{team}/close_the_loop.xlsx" in contents, team
    everything = "\n".join(page.extract_text() for page in pack.pages)
    assert "@example.com" not in everything


def test_packs_rebuild_only_when_a_part_changed(built):
    out, build, templates = built.out, built.build, built.templates
    key = f"{QUARTER}/packs/{DEPARTMENT}.pdf"
    up_to_date = run_build(build, jobs=1, teams=["alpha Desk"], templates_dir=templates)
    assert not up_to_date.results and key in up_to_date.packs_skipped and not up_to_date.packs
    before = (out / key).stat().st_mtime_ns
    # one team rebuilt (as when its data changed): its department's pack is rebuilt, still
    # with every team the manifest knows, though this run was narrowed to one team
    manifest_path = out / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest[f"{QUARTER}/teams/Zulu Desk"]["fingerprint"] = "stale"
    manifest_path.write_text(json.dumps(manifest))
    again = run_build(build, jobs=1, teams=["Zulu Desk"], templates_dir=templates)
    assert list(again.results) == [f"{QUARTER}/teams/Zulu Desk"]
    assert again.packs[key]["status"] == "ok" and (out / key).stat().st_mtime_ns != before
    reader = pypdf.PdfReader(out / key)
    assert [t for level, t, _ in outline_entries(reader) if level == 1][2:] == OK_TEAMS
    # a missing pack is rebuilt even when nothing else changed
    (out / key).unlink()
    restored = run_build(build, jobs=1, teams=["alpha Desk"], templates_dir=templates)
    assert not restored.results and restored.packs[key]["status"] == "ok" and (out / key).exists()


def test_pack_without_its_summary_and_without_any_part(built, tmp_path):
    from nps_report.exceptions import BuildError
    from nps_report.export.packs import PackPart, build_pack

    out = built.out
    summary = PackPart("department", DEPARTMENT, f"{QUARTER}/departments/{DEPARTMENT}",
                       str(out / QUARTER / "departments" / DEPARTMENT / "report.html"), status="failed")
    team = PackPart("team", "alpha Desk", f"{QUARTER}/teams/alpha Desk",
                    str(out / QUARTER / "teams" / "alpha Desk" / "report.html"))
    made = build_pack([team, summary], tmp_path / "pack.pdf", department=DEPARTMENT, quarter=QUARTER)
    reader = pypdf.PdfReader(made.path)
    cover = " ".join(reader.pages[0].extract_text().split())
    assert "1 team report" in cover and "Department summary and 1 team report" not in cover
    contents = " ".join(reader.pages[1].extract_text().split())
    assert "Department summary: report failed to build, not included" in contents
    assert [t for level, t, _ in outline_entries(reader) if level == 1] == ["Contents", "alpha Desk"]
    assert made.starts == {team.folder: 3} and made.not_included == [summary.folder]
    # nothing to include: no empty pack is written
    with pytest.raises(BuildError, match="pack not written"):
        build_pack([summary], tmp_path / "empty.pdf", department=DEPARTMENT, quarter=QUARTER)
    assert not (tmp_path / "empty.pdf").exists()


def test_team_no_longer_in_the_data_is_gone_and_not_packed(built, tmp_path):
    """A team whose responses left the data: marked gone in the manifest and the index, left
    out of its department's pack (never packed from its old manifest entry)."""
    out, build, templates = built.out, built.build, built.templates
    gone_team = "Zulu Desk"
    survey = pd.read_csv(build.data.path)
    survey[survey.team != gone_team].to_csv(tmp_path / "survey.csv", index=False)
    shutil.copytree(out.parent, tmp_path / "output")
    later = build.model_copy(update={
        "output_dir": str(tmp_path / "output"),
        "data": build.data.model_copy(update={"path": str(tmp_path / "survey.csv")})})
    result = run_build(later, jobs=2, templates_dir=templates)
    key = f"{QUARTER}/teams/{gone_team}"
    assert result.gone == [key]
    here = tmp_path / "output" / "packs"
    manifest = json.loads((here / "manifest.json").read_text())
    assert manifest[key]["status"] == "gone"
    pack_key = f"{QUARTER}/packs/{DEPARTMENT}.pdf"
    assert pack_key in result.packs and result.packs[pack_key]["status"] == "ok"
    assert key not in manifest[pack_key]["included"] + manifest[pack_key]["not_included"]
    reader = pypdf.PdfReader(here / pack_key)
    assert gone_team not in [t for level, t, _ in outline_entries(reader) if level == 1]
    index = (here / "index.html").read_text()
    assert "No longer in the data" in index and gone_team in index.split("No longer in the data")[1]
