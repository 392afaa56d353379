"""Render layer: pure functions of the report tables, escaped values, inline styles, alt text.

On the in-memory demo context, as an analyst opening a template gets it; no kernel.
"""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest

from nps_report import context, demo, render
from nps_report.render import charts, html
from nps_report.tables import department_tables, overview_tables, team_tables

from .helpers import HOSTILE

QUARTER = demo.DEMO_STORY["last_quarter"]
TEAM = "Billing Operations"
PLACEHOLDER = "No description has been provided for this image"
MODULES = {"team": render.team, "department": render.department, "overview": render.overview}


@pytest.fixture(scope="module")
def ctx():
    return context.load_context(None)


@pytest.fixture(scope="module")
def reports(ctx):
    return {"team": team_tables(ctx, team=TEAM, quarter=QUARTER),
            "department": department_tables(ctx, department="Finance", quarter=QUARTER),
            "overview": overview_tables(ctx, quarter=QUARTER)}


def rendered(tables):
    """Every section of a report: name -> (object, its HTML)."""
    kind = render.kind_of(tables)
    out = {}
    for name in MODULES[kind].__all__:
        obj = render.section(tables, name)
        out[name] = (obj, obj._repr_html_())
    return out


@pytest.fixture(scope="module")
def sections(reports):
    return {kind: rendered(tables) for kind, tables in reports.items()}


def test_every_section_shows_itself_without_display(reports, monkeypatch):
    """Tables in, an object out: nothing displayed as a side effect, nothing stored on the tables."""
    import IPython.display

    def refuse(*args, **kwargs):
        raise AssertionError("a render function called display()")

    monkeypatch.setattr(IPython.display, "display", refuse)
    for kind, tables in reports.items():
        before = {f.name: id(getattr(tables, f.name)) for f in dataclasses.fields(tables)}
        for name in MODULES[kind].__all__:
            obj = render.section(tables, name)
            assert isinstance(obj, (html.Html, charts.Chart)), (kind, name)
            assert isinstance(obj._repr_html_(), str)
        assert before == {f.name: id(getattr(tables, f.name)) for f in dataclasses.fields(tables)}


def test_headline_is_styled_inline(sections, reports):
    """Stock nbconvert loads none of the project's CSS: the headline styles itself (and keeps its classes)."""
    for kind in ("team", "department", "overview"):
        page = sections[kind]["headline"][1]
        assert re.search(r'<div class="headline" style="[^"]*display:flex', page), kind
        assert re.search(r'<div class="kpi" style="[^"]*background:', page), kind
        assert re.search(r'<div class="value" style="[^"]*font-size:2em[^"]*font-weight:700', page), kind
    team = sections["team"]["headline"][1]
    value = re.search(r'<div class="value" style="[^"]*">([+\-]?\d+)</div><div class="label" '
                      rf'style="[^"]*">NPS {QUARTER}</div>', team)
    assert value and int(value.group(1)) == round(reports["team"].headline["nps"].iloc[0])


def test_charts_carry_alt_text_saying_what_they_show(sections):
    """Each chart's alt text names what it shows and its numbers, never nbconvert's placeholder."""
    alts = {}
    for kind, parts in sections.items():
        for name, (obj, page) in parts.items():
            for alt in re.findall(r'<img [^>]*alt="([^"]*)"', page):
                alts[(kind, name)] = alt
                assert alt and PLACEHOLDER not in alt
                assert len(alt) > 60 and re.search(r"\d", alt), (kind, name, alt)
            if isinstance(obj, charts.Chart):
                assert obj.alt in html.esc(obj.alt) or html.esc(obj.alt) in page
    # the team report's six charts, the department's five, the overview's two
    assert sum(k == "team" for k, _ in alts) == 6
    assert sum(k == "department" for k, _ in alts) == 5
    assert sum(k == "overview" for k, _ in alts) == 2
    team = dict((name, alt) for (kind, name), alt in alts.items() if kind == "team")
    assert "Billing accuracy" in team["driver_importance"] and "%" in team["driver_importance"]
    assert "fix first: Billing accuracy" in team["driver_quadrant"]
    assert "Billing errors" in team["theme_impact"]
    assert TEAM in team["trend"] and QUARTER in team["trend"]


def test_chart_needs_alt_text_and_closes_its_figure():
    import matplotlib.pyplot as plt

    from nps_report import plots

    ax = plots.score_distribution(pd.DataFrame({"score": [0, 9, 10]}))
    with pytest.raises(ValueError, match="alt text"):
        render.chart(ax, "  ")
    chart = render.chart(ax, "Share of responses at each score: 0, 9 and 10, a third each.")
    assert not plt.get_fignums()  # closed: a notebook shows it once, as the Chart
    assert chart.png().startswith(b"\x89PNG") and chart.ax is ax


def hostile_tables(tables, text):
    """The team report's tables with ``text`` in every place customer or build text reaches."""
    def with_text(frame, columns):
        frame = frame.copy()
        for column in columns:
            if column in frame and len(frame):
                frame[column] = frame[column].astype(object)
                frame.iloc[0, frame.columns.get_loc(column)] = text
        return frame

    return dataclasses.replace(
        tables, team=text, department=text,
        changes=with_text(tables.changes, ["sentence", "family"]),
        segments=with_text(tables.segments, ["segment", "value"]),
        comparison=with_text(tables.comparison, ["name"]),
        gaps=with_text(tables.gaps, ["sentence"]),
        external=with_text(tables.external, ["name", "citation"]),
        drivers=with_text(tables.drivers, ["label"]),
        themes=with_text(tables.themes, ["label"]),
        topics=with_text(tables.topics, ["terms"]),
        verbatims=with_text(tables.verbatims, ["comment", "label"]),
        actions=with_text(tables.actions, ["title", "why", "owner"]),
        window_note=text)


def test_render_escapes_hostile_text(reports):
    """Customer text and names are shown as text: no tag, attribute or script of theirs survives."""
    payload = " ".join(HOSTILE)  # every OWASP classic at once, in every text the report shows
    from bs4 import BeautifulSoup

    tables = hostile_tables(reports["team"], payload)
    page = "".join(obj._repr_html_() for obj, _ in rendered(tables).values())
    soup = BeautifulSoup(page, "html.parser")
    tags = {t.name for t in soup.find_all(True)}
    assert not tags & {"script", "iframe", "svg", "style", "body", "a"}, tags
    for tag in soup.find_all(True):
        assert not [a for a in tag.attrs if a.lower().startswith("on")], tag.attrs
        for attribute in ("href", "src"):
            assert not str(tag.get(attribute, "")).strip().lower().startswith("javascript:")
    images = soup.find_all("img")
    assert images and all(i["src"].startswith("data:image/png;base64,") for i in images)
    assert html.esc(payload) in page


def test_html_refuses_plain_strings():
    """Html + str would trust the str as markup: refused, so text must go through esc()/note()."""
    fragment = render.note("fine")
    with pytest.raises(TypeError):
        fragment + "<script>alert(1)</script>"
    with pytest.raises(TypeError):
        render.concat(fragment, "<b>x</b>")
    assert "&lt;b&gt;" in render.table(pd.DataFrame({"<b>": ["<b>"]}))._repr_html_()


def test_sections_dispatch_on_the_report_kind(reports):
    assert render.kind_of(reports["department"]) == "department"
    with pytest.raises(ValueError, match="team report has no section 'movers'"):
        render.movers(reports["team"])


def test_flagged_mover_is_shown_with_its_caveat(sections):
    """The suspicious team's jump is among the movers with the caveat, never as plain good news."""
    page = sections["overview"]["movers"][1]
    items = re.findall(r"<li><b>(.*?)</b>: (.*?)</li>", page)
    flagged = {team for team, text in items if "Score pattern flagged" in text}
    assert flagged == {demo.DEMO_STORY["suspicious_team"]}
    assert "Numbers to check before trusting them" in page


def test_verdicts_say_their_family(sections):
    """Each report says which multiple-testing family its verdicts come from."""
    assert "family “team changes”" in sections["team"]["headline"][1]
    assert "family “team changes”" in sections["department"]["changes"][1]
    assert "family “team changes”" in sections["overview"]["movers"][1]


def test_floor_headline_shows_no_score(reports):
    tables = reports["team"]
    hidden = tables.headline.assign(shown=False, n=3)
    page = render.headline(dataclasses.replace(tables, headline=hidden))._repr_html_()
    assert "too few responses this quarter (n = 3)" in page and "Fewer than 5 responses" in page


# ------------------------------------------------------------------------- no "nan" in any text
MISSING = re.compile(r"\bnan\b|\bNone\b|\bNaT\b|\binf\b", re.IGNORECASE)


def report_text(tables) -> str:
    """Every section's visible text: tags stripped, chart alt text included."""
    parts = []
    for name, (obj, page) in rendered(tables).items():
        parts.append(f"[{name}] " + re.sub(r"<[^>]+>", " ", page))
        if isinstance(obj, charts.Chart):
            parts.append(f"[{name} alt] {obj.alt}")
    return "\n".join(parts)


def tiny_context():
    """A build of one team with one response per quarter (a detractor now, a promoter before),
    the display floor lowered to 1 so that every section has something to print."""
    from nps_report.options import ReportOptions

    demo_rows = context.load_context(None).responses(quarters=[QUARTER]).head(2).copy()
    rows = demo_rows.assign(team="Solo", department="Only",
                            quarter=[QUARTER, "2026Q2"], score=[3, 10])
    rows["submitted_at"] = pd.to_datetime(["2026-08-03", "2026-05-04"], utc=True)
    return context.ReportContext(build="tiny", data_path=None,
                                 options=ReportOptions(display_floor=1), counts={},
                                 _frame=rows.reset_index(drop=True))


def test_no_missing_value_reaches_report_text(reports):
    """Issue 14: "percentile nan" for a single team. No nan/None/NaN/inf in any section's
    text, on the demo's three reports and on a one-team, one-response build's."""
    tiny = tiny_context()
    small = {"team": team_tables(tiny, team="Solo", quarter=QUARTER),
             "department": department_tables(tiny, department="Only", quarter=QUARTER),
             "overview": overview_tables(tiny, quarter=QUARTER)}
    for label, tables in [*(("demo " + k, v) for k, v in reports.items()),
                          *(("one response " + k, v) for k, v in small.items())]:
        text = report_text(tables)
        found = [text[max(0, m.start() - 60):m.end() + 20] for m in MISSING.finditer(text)]
        assert not found, (label, found)
    # the tiny build prints its score inside its interval, and says what it could detect
    headline = report_text(small["team"])
    assert "-100" in headline and "-100 to " in headline
    assert "too few responses to detect even the largest possible change" in headline


def test_ranks_are_shown_with_their_intervals_and_caveats(sections, reports):
    """A rank comes with its interval; a rank too uncertain to place a team says so, never "nan"."""
    team = sections["team"]["gaps"][1]
    rank = reports["team"].rank.iloc[0]
    assert rank["rank_sentence"] in team and not re.search(r"\bnan\b", team, re.IGNORECASE)
    assert re.search(r"Rank \d+ of \d+ teams with a score this quarter", team)
    overview = sections["overview"]["ranking"][1]
    unsure = reports["overview"].teams
    unsure = unsure[unsure["rank_uncertain"].fillna(False).astype(bool)]
    assert len(unsure)                       # the demo's tiny teams cannot be placed
    assert "Too uncertain to place reliably" in overview and "empirical-Bayes" in overview
    for name in unsure["team"]:
        assert html.esc(name) in overview
    assert "too uncertain to rely on" in re.findall(r'alt="([^"]*)"', overview)[0]
    department = sections["department"]["ranking"][1]
    assert "In brackets: the 95% interval of each rank" in department
    # one team alone: no rank, no percentile, no "nan"
    alone = reports["team"].rank.assign(n_ranked=1, percentile=float("nan"), rank_low=1.0,
                                        rank_high=1.0, rank_uncertain=False)
    alone = alone.drop(columns="rank_sentence")
    page = render.gaps(dataclasses.replace(reports["team"], rank=alone))._repr_html_()
    assert "no rank" in page and not re.search(r"\bnan\b", page, re.IGNORECASE)
