"""The faster code paths of issue 19 give the same tables as the straightforward ones.

Every optimisation is checked here against a plain implementation (written out in this
file, as the code was before) on the seeded demo survey: same rows, same values, same
dtypes. No timing is asserted (the benchmark, ``make bench``, measures speed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nps_report import schema


@pytest.fixture(scope="module")
def demo_ctx():
    from nps_report import context

    return context.load_context(None)


@pytest.fixture(scope="module")
def demo_bt(demo_ctx):
    return demo_ctx.build_tables("2026Q3")


# ----------------------------------------------------------------------------- fingerprint rows
def _printed_plain(frame, columns):
    out = frame[[c for c in columns if c in frame]].copy()
    for column in ("nps", "ci_low", "ci_high", "base_nps", "diff", "level_nps", "rest_nps",
                   "percentile", "pct_promoters", "pct_detractors", "mde"):
        if column in out:
            out[column] = out[column].astype(float).round(0)
    return out.reset_index(drop=True)


def printed_build_rows_plain(bt, *, kind, team=None, department=None):
    """printed_build_rows as written before the per-build cache (rounds each report's rows)."""
    from nps_report import loop

    keys = ["level", schema.DEPARTMENT, schema.TEAM]
    nps_cols = keys + ["n", "nps", "ci_low", "ci_high", "shown", "pct_promoters", "pct_detractors"]
    change_cols = keys + ["lag", "base_quarter", "n", "base_n", "diff", "significant", "sentence",
                          "test", "mde", "family"]
    nps, changes = bt.nps, bt.changes
    if kind == "team":
        row = bt.nps_row("team", team)
        dept = row[schema.DEPARTMENT] if row is not None else department
        parts = {
            "nps": nps[((nps["level"] == "team") & (nps[schema.TEAM] == team))
                       | ((nps["level"] == "department") & (nps[schema.DEPARTMENT] == dept))
                       | (nps["level"] == "company")],
            "changes": changes[(changes["level"] == "team") & (changes[schema.TEAM] == team)],
            "gaps": bt.gaps[bt.gaps[schema.TEAM] == team],
            "ranks": bt.ranks[bt.ranks[schema.TEAM] == team],
            "anomalies": bt.anomalies[bt.anomalies["team"] == team],
            "loop": bt.loop[bt.loop[schema.TEAM] == team],
            "callback": bt.callback[bt.callback[schema.TEAM] == team],
        }
    elif kind == "department":
        mine = nps[schema.DEPARTMENT] == department
        parts = {
            "nps": nps[mine],
            "changes": changes[(changes[schema.DEPARTMENT] == department)
                               & ((changes["level"] != "team") | changes["significant"].astype(bool))],
            "ranks": bt.ranks[bt.ranks[schema.DEPARTMENT] == department],
            "anomalies": bt.anomalies[bt.anomalies["team"].isin(
                nps.loc[mine & (nps["level"] == "team"), schema.TEAM])],
            "loop": bt.loop[bt.loop[schema.DEPARTMENT] == department],
        }
    else:
        parts = {"nps": nps, "changes": changes, "ranks": bt.ranks, "anomalies": bt.anomalies,
                 "loop": bt.loop}
    columns = {"nps": nps_cols, "changes": change_cols,
               "gaps": [schema.TEAM, "level", "comparator", "diff", "level_nps", "significant",
                        "sentence", "test"],
               "ranks": [schema.TEAM, schema.DEPARTMENT, "rank", "rank_low", "rank_high",
                         "n_ranked", "percentile", "rank_sentence"],
               "anomalies": ["team", "flag", "evidence", "severity"],
               "loop": list(loop.LOOP_COLUMNS), "callback": list(loop.CALLBACK_COLUMNS)}
    frames = [_printed_plain(frame, columns[name]).assign(table=name) for name, frame in parts.items()]
    frames.append(bt.families.assign(table="families"))
    out = pd.concat(frames, ignore_index=True)
    out = out[["table"] + [c for c in out.columns if c != "table"]]
    return out.astype(object).where(out.notna(), None).astype(str)


def test_printed_build_rows_match_the_plain_version_for_every_report(demo_bt):
    from nps_report.tables.build import printed_build_rows

    teams = demo_bt.nps.loc[demo_bt.nps["level"] == "team", schema.TEAM].tolist()
    departments = demo_bt.nps.loc[demo_bt.nps["level"] == "department", schema.DEPARTMENT].tolist()
    assert len(teams) == 30 and len(departments) == 6
    cases = ([dict(kind="team", team=t) for t in teams]
             + [dict(kind="team", team="No Such Team", department=departments[0])]
             + [dict(kind="department", department=d) for d in departments]
             + [dict(kind="overview")])
    for case in cases:
        fast = printed_build_rows(demo_bt, **case)
        plain = printed_build_rows_plain(demo_bt, **case)
        pd.testing.assert_frame_equal(fast, plain, obj=str(case))
    # empty tables (no anomaly flag, no rank, no gap anywhere) keep their columns' types
    emptied = type(demo_bt)(**{**demo_bt.__dict__, "anomalies": demo_bt.anomalies.iloc[:0],
                               "ranks": demo_bt.ranks.iloc[:0], "gaps": demo_bt.gaps.iloc[:0]})
    for case in [dict(kind="team", team=teams[0]), dict(kind="department", department=departments[0]),
                 dict(kind="overview")]:
        pd.testing.assert_frame_equal(printed_build_rows(emptied, **case),
                                      printed_build_rows_plain(emptied, **case), obj=str(case))
    assert demo_bt.anomalies["team"].nunique() < len(teams)  # teams without flags were compared
    # the cache is per build-tables object: a changed table is not served from it
    changed = type(demo_bt)(**{**demo_bt.__dict__,
                               "nps": demo_bt.nps.assign(nps=demo_bt.nps["nps"] + 10)})
    a = printed_build_rows(changed, kind="team", team=teams[0])
    b = printed_build_rows(demo_bt, kind="team", team=teams[0])
    assert not a.equals(b)
    pd.testing.assert_frame_equal(a, printed_build_rows_plain(changed, kind="team", team=teams[0]))


# ----------------------------------------------------------------------------- grouped NPS
def _finish_table_plain(table, *, method, confidence, display_floor, precision_moe, n_boot, seed):
    """stats._finish_table as written before (one column insert per statistic)."""
    from nps_report.stats import (NPS_COLUMNS, interval_from_counts, nps_from_counts,
                                  se_from_counts)

    d, pa, p = (table[c].to_numpy(dtype="float64") for c in ("detractors", "passives", "promoters"))
    n = d + pa + p
    table["n"] = n.astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        table["pct_detractors"] = 100 * d / n
        table["pct_passives"] = 100 * pa / n
        table["pct_promoters"] = 100 * p / n
    table["nps"] = nps_from_counts(d, pa, p)
    low, high = interval_from_counts(d, pa, p, method=method, confidence=confidence,
                                     n_boot=n_boot, seed=seed)
    table["ci_low"], table["ci_high"] = low, high
    table["moe"] = (table["ci_high"] - table["ci_low"]) / 2
    table["se"] = se_from_counts(d, pa, p, scale=100.0)
    table["shown"] = table["n"] >= display_floor
    table["imprecise"] = table["moe"] > precision_moe
    cols = [c for c in table.columns if c not in NPS_COLUMNS] + NPS_COLUMNS
    return table[cols]


@pytest.mark.parametrize("method", ["adjusted_wald", "wald", "bootstrap"])
def test_grouped_nps_matches_the_plain_version(demo_ctx, method, monkeypatch):
    from nps_report import stats

    responses = demo_ctx.responses(quarters=["2026Q2", "2026Q3"])
    noise = pd.DataFrame({"team": list("abcab") + ["c"], "score": [0, 10, 9, 10, 6, 7]})
    cases = [(responses, ["team", "quarter"]), (responses, ["region"]), (responses, []),
             (responses.iloc[:0], ["team"]), (noise, ["team"]), (noise.iloc[:1], [])]
    fast = [stats.grouped_nps(data, by, method=method, n_boot=300, seed=3) for data, by in cases]
    monkeypatch.setattr(stats, "_finish_table", _finish_table_plain)
    plain = [stats.grouped_nps(data, by, method=method, n_boot=300, seed=3) for data, by in cases]
    for (_, by), a, b in zip(cases, fast, plain):
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=f"grouped_nps by {by}")
        assert list(a.columns) == list(b.columns)
    assert fast[0]["n"].sum() == len(responses) and fast[3].empty


# ----------------------------------------------------------------------------- charts
def test_chart_png_has_the_pixels_matplotlib_draws(demo_ctx):
    """The report's charts as RGB PNG: the same pixels as savefig's RGBA PNG, which is opaque."""
    import io

    from PIL import Image

    import nps_report as nr
    from nps_report import render
    from nps_report.render.charts import agg_canvas, png_bytes

    render.setup()
    t = nr.report_tables(demo_ctx, team="Billing Operations", quarter="2026Q3")
    names = ["distribution", "trend", "comparison", "driver_importance", "driver_quadrant",
             "theme_impact"]
    for name in names:
        figure = render.section(t, name).figure
        agg_canvas(figure)  # savefig draws with the report's canvas too
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=figure.dpi)
        before = np.asarray(Image.open(io.BytesIO(buffer.getvalue())))
        after = Image.open(io.BytesIO(png_bytes(figure)))
        assert after.mode == "RGB", name
        assert before.shape[2] == 4 and (before[..., 3] == 255).all(), name
        np.testing.assert_array_equal(np.asarray(after), before[..., :3], err_msg=name)
    # a figure with a transparent background keeps its alpha channel
    import matplotlib.pyplot as plt

    figure, _ = plt.subplots(figsize=(2, 1), dpi=40)
    figure.patch.set_alpha(0.0)
    assert Image.open(io.BytesIO(png_bytes(figure))).mode == "RGBA"
    plt.close(figure)


def test_report_canvas_draws_what_matplotlib_draws_but_text_at_whole_pixels(demo_ctx):
    """The report's canvas (text sizes and text bitmaps kept for all figures) against
    matplotlib's own Agg canvas, on the six charts of a team report and a department's
    heatmap (slanted labels): every pixel away from the text identical; each text's
    pixels within a pixel of where matplotlib puts them (it places glyphs at fractions
    of a pixel), so the inked area of each text box is nearly the same."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text
    from PIL import Image

    import nps_report as nr
    from nps_report import render
    from nps_report.plots.layout import fit_margins
    from nps_report.render.charts import ReportCanvas

    render.setup()
    team = nr.report_tables(demo_ctx, team="Billing Operations", quarter="2026Q3")
    department = nr.report_tables(demo_ctx, department="Finance", quarter="2026Q3")
    cases = [(team, n) for n in ("distribution", "trend", "comparison", "driver_importance",
                                 "driver_quadrant", "theme_impact")] + [(department, "heatmap")]
    for repeat in range(2):  # the second time from the kept bitmaps
        for tables, name in cases:
            figure = render.section(tables, name).figure
            fit_margins(figure, ReportCanvas(figure).get_renderer())
            pixels = {}
            for canvas in (FigureCanvasAgg, ReportCanvas):
                canvas(figure).draw()
                pixels[canvas] = np.asarray(figure.canvas.buffer_rgba())[..., :3].astype(int)
            ours, theirs = pixels[ReportCanvas], pixels[FigureCanvasAgg]
            assert ours.shape == theirs.shape, name
            near_text = np.zeros(ours.shape[:2], bool)
            height = ours.shape[0]
            renderer = figure.canvas.get_renderer()
            boxes = [t.get_window_extent(renderer) for t in figure.findobj(Text)
                     if t.get_visible() and t.get_text().strip()]
            for box in boxes:
                x0, x1 = max(int(box.x0) - 3, 0), int(box.x1) + 4
                y0, y1 = max(int(height - box.y1) - 3, 0), int(height - box.y0) + 4
                near_text[y0:y1, x0:x1] = True
            differ = (ours != theirs).any(axis=2)
            assert differ.any() or repeat, name  # text drawn another way
            assert not (differ & ~near_text).any(), name
            for box in boxes:
                x0, x1 = max(int(box.x0) - 3, 0), int(box.x1) + 4
                y0, y1 = max(int(height - box.y1) - 3, 0), int(height - box.y0) + 4
                ink_ours = (255 - ours[y0:y1, x0:x1]).sum()
                ink_theirs = (255 - theirs[y0:y1, x0:x1]).sum()
                assert abs(ink_ours - ink_theirs) <= 0.08 * max(ink_theirs, 1), (name, box)
            Image.fromarray(ours.astype(np.uint8)).save(io.BytesIO(), format="PNG")


# ----------------------------------------------------------------------------- anomaly flags
def _repeat_respondent_plain(data, quarter, check):
    """anomalies._repeat_respondent as written before (every team's mask over all counts)."""
    from nps_report import anomalies

    previous = [schema.previous_quarter(quarter, k) for k in range(1, check.history_quarters + 1)]
    window = data[data[schema.QUARTER].isin([quarter, *previous])
                  & data[schema.RESPONDENT_ID].notna()]
    counts = (window.groupby([schema.TEAM, schema.QUARTER, schema.RESPONDENT_ID], observed=True)
              .size())
    counts = counts[counts > 0]
    k = counts.to_numpy()
    teams = counts.index.get_level_values(schema.TEAM).astype(str).to_numpy()
    is_now = (counts.index.get_level_values(schema.QUARTER) == quarter)
    rows = []
    for team in np.unique(teams[is_now]):
        mine = teams == team
        now = np.flatnonzero(mine & is_now)
        top_at = now[np.argmax(k[now])]
        top = int(k[top_at])
        if top <= check.max_responses:
            continue
        own = np.delete(k, top_at)[np.delete(mine, top_at)]
        pooled = own.size < check.min_yardstick
        yardstick = np.delete(k, top_at) if pooled else own
        p = anomalies.repeat_tail(yardstick, top, now.size)
        if p >= check.max_p:
            continue
        quarters = len(set(counts.index.get_level_values(schema.QUARTER)[mine]))
        rows.append((team, top, float(yardstick.mean()), pooled, quarters, now.size, p))
    return rows


def test_repeat_respondent_flags_match_the_plain_version(demo_ctx):
    from nps_report import actions, anomalies

    check = actions.load_rules().anomalies.repeat_respondent
    data = demo_ctx.responses(columns=[schema.TEAM, schema.QUARTER, schema.RESPONDENT_ID, "score"])
    rng = np.random.default_rng(19)
    data = data.astype({schema.RESPONDENT_ID: object})
    now = np.flatnonzero((data[schema.QUARTER] == "2026Q3").to_numpy())
    # plant busy respondents in some teams (10 to 20 answers), a pooled yardstick in one
    planted = []
    for i, at in enumerate(rng.choice(now, 12, replace=False)):
        team = data.iloc[at][schema.TEAM]
        planted.append(team)
        mine = now[(data.iloc[now][schema.TEAM] == team).to_numpy()]
        data.iloc[mine[: 10 + i], data.columns.get_loc(schema.RESPONDENT_ID)] = f"busy-{i}"
    small = data[data[schema.TEAM].isin(planted[:3])]
    small = small[(small[schema.QUARTER] == "2026Q3") | (rng.random(len(small)) < 0.02)]
    for frame in (data, small):
        fast = anomalies._repeat_respondent(frame, "2026Q3", check)
        plain = _repeat_respondent_plain(frame, "2026Q3", check)
        assert len(fast) == len(plain) > 0
        for row, (team, top, mean, pooled, quarters, size, p) in zip(fast, plain):
            assert row["team"] == team
            assert row["evidence"].startswith(f"One respondent answered {top} times this quarter, "
                                              f"against {mean:.1f} answers")
            assert (f"over {quarters} quarter" in row["evidence"]) == (not pooled)
            assert f"of this team's {size} respondents" in row["evidence"]


# ----------------------------------------------------------------------------- loading
def test_loaded_responses_match_the_plain_text_conversion(demo_params, monkeypatch):
    """Text columns straight from arrow give the frame the object round trip gave."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from nps_report import io
    from nps_report.io import load

    def text_plain(values, index, *, name=False):
        if values is None:
            return pd.Series(pd.NA, index=index, dtype="string")
        array = load.arrow_text(values)
        if name:
            array = pc.replace_substring_regex(array, r"\s+", " ")
        control = load._NAME_CONTROL if name else load._TEXT_CONTROL
        if pc.any(pc.match_substring_regex(array, control)).as_py():
            array = pc.replace_substring_regex(array, control, "")
        array = pc.utf8_normalize(pc.utf8_trim_whitespace(array), "NFC")
        array = pc.if_else(pc.equal(pc.utf8_length(array), 0), pa.scalar(None, pa.string()), array)
        return pd.Series(pd.array(array.to_numpy(zero_copy_only=False), dtype="string"), index=index)

    fast = io.load_responses(demo_params)
    monkeypatch.setattr(load, "_text", text_plain)
    plain = io.load_responses(demo_params)
    pd.testing.assert_frame_equal(fast.responses, plain.responses, check_exact=True)
    assert fast.counts == plain.counts and len(fast.responses) == 60_000
    messy = pd.Series([" caf\u0065\u0301 ", "", None, "a\x00b", "ok"])
    pd.testing.assert_series_equal(load._text(messy, messy.index), text_plain(messy, messy.index))


# ----------------------------------------------------------------------------- charts: titles, attrs
def _with_status_plain(drivers, status, reason):
    """render.charts._with_status as written before: a copy with all the table's attrs."""
    table = drivers.copy()
    table.attrs.update(drivers.attrs)
    status = status or drivers.attrs.get("status", "ok")
    reason = reason or drivers.attrs.get("reason", "")
    table.attrs["status"], table.attrs["reason"] = status, reason
    return table, status, reason


def _charts_of(tables):
    """(alt, RGB pixels) of every chart of the team and department reports' sections."""
    import io

    from PIL import Image

    from nps_report import render

    out = []
    for t, names in tables:
        for name in names:
            chart = render.section(t, name)
            out.append((name, chart.alt, np.asarray(Image.open(io.BytesIO(chart.png())).convert("RGB"))))
    return out


def test_charts_with_fixed_titles_and_fewer_attrs_are_the_plain_charts(demo_ctx, monkeypatch):
    """Titles placed at the top edge and key-driver copies with only the attrs the charts
    read: the same alt text and pixels as matplotlib's own title placement and full attrs."""
    import nps_report as nr
    import importlib

    from nps_report import plots, render
    from nps_report.render import charts

    render.setup()
    team = nr.report_tables(demo_ctx, team="Billing Operations", quarter="2026Q3")
    department = nr.report_tables(demo_ctx, department="Finance", quarter="2026Q3")
    assert len(team.drivers.attrs["differences"]) > 0  # the attrs left out are there
    tables = [(team, ["distribution", "trend", "comparison", "driver_importance",
                      "driver_quadrant", "theme_impact"]),
              (department, ["heatmap", "driver_importance", "driver_quadrant", "theme_impact"])]
    fast = _charts_of(tables)
    for name in ("distribution", "drivers", "heatmap", "themes", "trends"):
        module = importlib.import_module(f"nps_report.plots.{name}")
        monkeypatch.setattr(module, "set_title", lambda ax, text: ax.set_title(text))
    monkeypatch.setattr(charts, "_with_status", _with_status_plain)
    plain = _charts_of(tables)
    assert len(fast) == len(plain) == 10
    for (name, alt, pixels), (_, plain_alt, plain_pixels) in zip(fast, plain):
        assert alt == plain_alt, name
        np.testing.assert_array_equal(pixels, plain_pixels, err_msg=name)
    # the title goes where matplotlib puts it itself only when nothing is above the plot
    ax = plots.new_axes()
    ax.xaxis.set_ticks_position("top")
    plots.style.set_title(ax, "t")
    ax.figure.canvas.draw()
    assert ax.title.get_position()[1] > 1.0


# ----------------------------------------------------------------------------- PDF layout
def _report_page(tables, path):
    """A report page as the build writes it: each section's output in nbconvert's cells."""
    import nbformat

    from nps_report import render
    from nps_report.export.html import export_html

    nb = nbformat.v4.new_notebook()
    for name in ("title", "headline", "distribution", "trend", "segments", "comparison", "gaps",
                 "driver_importance", "driver_quadrant", "drivers", "theme_impact", "themes",
                 "actions", "data_quality"):
        heading = name.replace("_", " ").title()
        nb.cells.append(nbformat.v4.new_markdown_cell(f"## {heading}\n\nWhat it shows."))
        cell = nbformat.v4.new_code_cell("", metadata={"tags": ["remove-input"]})
        cell.outputs = [nbformat.v4.new_output("execute_result", execution_count=1, data={
            "text/html": render.section(tables, name)._repr_html_(), "text/plain": ""})]
        nb.cells.append(cell)
    return export_html(nb, path, title="t", running_header="Billing Operations · 2026Q3")


def _page_contents(rendered):
    """Per page: every text run and image with its position, size, colour and font."""
    from weasyprint.formatting_structure import boxes

    pages = []
    for page in rendered.pages:
        items = []
        for box in page._page_box.descendants():
            at = (round(box.position_x, 3), round(box.position_y, 3), round(box.width, 3),
                  round(box.height, 3))
            if isinstance(box, boxes.TextBox):
                style = box.style
                items.append(("text", box.text, at, tuple(style["color"]), style["font_size"],
                              style["font_weight"], style["font_style"]))
            elif isinstance(box, (boxes.InlineReplacedBox, boxes.BlockReplacedBox)):
                items.append(("image", at))
            elif box.style["background_color"].alpha or box.style["border_bottom_width"] \
                    or box.style["border_left_width"]:
                items.append(("box", at, tuple(box.style["background_color"]),
                              box.style["border_bottom_width"], box.style["border_left_width"]))
        pages.append(items)
    return pages


def test_pdf_of_a_report_lays_out_as_the_plain_document(demo_ctx, tmp_path):
    """The PDF's document without nbconvert's wrappers, with its report tables' column
    widths written in (table-layout: fixed) and its style attributes as rules: every page
    has the same text runs, images and boxes at the same places, in the same colours and
    fonts, as the page's HTML printed as it is."""
    import html
    import re

    import nps_report as nr
    from nps_report.export import pdf

    team = nr.report_tables(demo_ctx, team="Billing Operations", quarter="2026Q3")
    page = _report_page(team, tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.count('class="jp-Collapser') > 10 and page.count(' style="') > 100
    # plain: the page's <main> as it is (report_body before the wrappers were removed)
    main = re.search(r"<main\b[^>]*>(.*)</main>", page, re.S).group(1)
    plain_body = re.sub(r"<div class=\"running-header\">.*?</div>", "", main, flags=re.S)
    header, body = pdf.report_body(page)
    assert header == "Billing Operations · 2026Q3"
    assert "jp-Collapser" not in body and "jp-OutputArea-child" not in body
    engine = pdf.get_engine()
    tables = body.count("<table")
    body = engine.fixed_tables(body)
    assert tables >= 4 and body.count("table-layout:fixed") == tables
    body, rules = pdf.styles_as_rules(body)
    assert ' style="' not in body and rules.count("nps-style-") < 40
    cover = pdf.report_cover("team", quarter="2026Q3", team="Billing Operations", department="Finance")
    running = f"<div class='running-header'>{html.escape(header)}</div>"
    plain = engine.render(pdf.print_document("t", cover.html() + running + f"<main>{plain_body}</main>"))
    fast = engine.render(pdf.print_document("t", cover.html() + running + f"<main>{body}</main>",
                                            rules=rules))
    plain_pages, fast_pages = _page_contents(plain), _page_contents(fast)
    assert len(fast_pages) == len(plain_pages) >= 4
    assert sum(item[0] == "image" for items in fast_pages for item in items) == 6
    for number, (mine, theirs) in enumerate(zip(fast_pages, plain_pages), start=1):
        assert mine == theirs, f"page {number}"


# ----------------------------------------------------------------------------- close-the-loop lists
def test_close_the_loop_lists_match_loop_list_on_the_whole_case_state(demo_ctx):
    """Each team's list from its own cases (``close_the_loop_lists``) is the list from the
    whole build's case state, with carried-over cases, returned states and a response id
    shared by two teams."""
    from nps_report import closeloop, loop
    from nps_report.tables.build import close_the_loop_lists, current_responses

    responses = demo_ctx.responses().copy()
    options = demo_ctx.options
    cases = loop.detractor_cases(responses)
    rng = np.random.default_rng(19)
    earlier = cases.index[cases[schema.QUARTER] == "2026Q2"]
    returned = rng.choice(earlier, size=len(earlier) // 3, replace=False)
    cases.loc[returned, "returned"] = True
    cases.loc[returned, "status"] = rng.choice(["open", "contacted", "resolved", "unreachable"], len(returned))
    cases.loc[returned[:20], "owner"] = "Kim"
    # one quarter's detractor's id also names another team's earlier case
    now = cases.index[cases[schema.QUARTER] == "2026Q3"]
    other = cases.index[(cases[schema.QUARTER] == "2026Q2")
                        & (cases[schema.TEAM] != cases.loc[now[0], schema.TEAM])][0]
    cases.loc[other, schema.RESPONSE_ID] = cases.loc[now[0], schema.RESPONSE_ID]
    cases.loc[other, ["returned", "status", "owner"]] = [True, "contacted", "Ana"]
    current = current_responses(responses, quarter="2026Q3", options=options)[0]
    lists = close_the_loop_lists(current, quarter="2026Q3", options=options, cases=cases,
                                 responses=responses)
    carried = 0
    for team, frame in current.groupby(schema.TEAM, observed=True, sort=True):
        detractors, promoters = closeloop.close_the_loop(
            frame, team=team, quarter="2026Q3", sla_hours=options.loop.sla_hours, tz=options.timezone,
            fiscal_year_start_month=options.fiscal_year_start_month,
            comment_max_chars=options.comment_max_chars)
        plain = loop.loop_list(detractors, cases, responses=responses)
        pd.testing.assert_frame_equal(lists[str(team)][0], plain)
        pd.testing.assert_frame_equal(lists[str(team)][1], promoters)
        assert lists[str(team)][0].attrs == plain.attrs
        carried += int((plain[loop.CARRIED_OVER] != "").sum())
    assert carried > 0  # the comparison covered carried-over cases
    shared = lists[str(cases.loc[now[0], schema.TEAM])][0]
    assert (shared["owner"] == "Ana").any()


# ----------------------------------------------------------------------------- comment themes
def _verbatims_plain(data, matches, *, comment="comment", score="score", k=3, polarity=None,
                     labels=None, language=None, sentiment=None, vectors=None,
                     max_chars=2000, redact_patterns=()):
    """themes.verbatims as written before (pandas selections per theme)."""
    from nps_report import stats
    from nps_report.themes.quotes import VERBATIM_COLUMNS, shown
    from nps_report.themes.text import comment_texts

    comments = comment_texts(data[comment])
    matrix, index = vectors
    position = pd.Series(np.arange(len(index)), index=index)
    category = stats.categorize(data[score])
    preferred_cat = {"negative": "detractor", "positive": "promoter"}
    rows = []
    for theme in matches.columns:
        mask = matches[theme].reindex(comments.index, fill_value=False).fillna(False)
        candidates = comments[mask.to_numpy(dtype=bool)]
        if candidates.empty:
            continue
        want = preferred_cat.get((polarity or {}).get(theme))
        cats = category.reindex(candidates.index)
        first = cats == want if want else pd.Series(True, index=candidates.index)
        pool = candidates[first.to_numpy()] if first.any() else candidates
        if matrix is not None and matrix.shape[1]:
            sub = matrix[position.reindex(candidates.index).to_numpy()]
            centre = np.asarray(matrix[position.reindex(pool.index).to_numpy()].mean(axis=0))
            similarity = np.asarray(sub @ centre.ravel()).ravel()
        else:
            similarity = np.zeros(len(candidates))
        order = pd.DataFrame({"first": first.to_numpy(), "sim": similarity,
                              "pos": np.arange(len(candidates))})
        order = order.sort_values(["first", "sim", "pos"], ascending=[False, False, True])
        seen = set()
        for pos in order["pos"]:
            text = candidates.iloc[pos]
            key = " ".join(text.lower().split())
            if key in seen:
                continue
            seen.add(key)
            label = candidates.index[pos]
            rows.append({"theme": theme, "label": (labels or {}).get(theme, theme),
                         "rank": len(seen), "comment": shown(text, max_chars, redact_patterns),
                         "score": data.at[label, score], "category": cats.loc[label],
                         "language": None if language is None else language.get(label),
                         "sentiment": np.nan if sentiment is None else sentiment.get(label, np.nan),
                         "row": label})
            if len(seen) >= k:
                break
    return pd.DataFrame(rows, columns=VERBATIM_COLUMNS)


def test_verbatims_match_the_plain_version_for_every_team_and_department(demo_ctx, monkeypatch):
    """The verbatims of every demo team and department (as analyze_comments passes them)."""
    from nps_report import themes
    from nps_report.themes import analysis

    current = demo_ctx.responses(quarters=["2026Q3"])
    groups = ([current[current[schema.TEAM] == t] for t in current[schema.TEAM].unique()]
              + [current[current[schema.DEPARTMENT] == d] for d in current[schema.DEPARTMENT].unique()])
    assert len(groups) == 36
    # a group with few comments, none of them scored as the themes prefer, and no comments
    few = groups[0].head(12).assign(score=8)
    groups += [few, few.assign(comment=pd.NA)]
    calls = []
    real = analysis.verbatims

    def both(*args, **kwargs):
        fast = real(*args, **kwargs)
        calls.append((fast, _verbatims_plain(*args, **kwargs)))
        return fast

    monkeypatch.setattr(analysis, "verbatims", both)
    for group in groups:
        themes.analyze_comments(group.reset_index(drop=True))
    assert len(calls) == len(groups)
    for fast, plain in calls:
        pd.testing.assert_frame_equal(fast, plain, check_exact=True)
    assert sum(len(fast) for fast, _ in calls) > 500 and calls[-1][0].empty


def test_a_theme_file_is_parsed_once_until_it_changes(tmp_path):
    from nps_report import themes

    path = tmp_path / "themes.yaml"
    path.write_text("themes:\n  billing:\n    en: [invoice]\n", encoding="utf-8")
    first = themes.load_taxonomy(path)
    assert themes.load_taxonomy(path) is first  # the same parsed taxonomy
    assert themes.load_taxonomy() is themes.load_taxonomy()
    path.write_text("themes:\n  billing:\n    en: [invoize]\n", encoding="utf-8")  # same size
    assert themes.load_taxonomy(path)["billing"].patterns["en"] == ("invoize",)
    path.write_text("themes:\n  billing:\n    en: [invoice, bill]\n  price:\n    en: [price]\n",
                    encoding="utf-8")
    second = themes.load_taxonomy(path)
    assert second.names == ["billing", "price"] and second["billing"].patterns["en"] == ("invoice", "bill")
    path.write_text("themes: [not, a, mapping]\n", encoding="utf-8")
    with pytest.raises(Exception, match="themes"):  # an edited, broken file fails again
        themes.load_taxonomy(path)


# ----------------------------------------------------------------------------- segments
def _segment_table_plain(current, segments, options):
    """tables.team.segment_table as written before (grouped_nps per segment column)."""
    from nps_report import stats

    parts = []
    for segment in segments:
        table = stats.grouped_nps(current, [segment], **options.grouped_nps_kwargs())
        table = table.sort_values("n", ascending=False, kind="stable")
        parts.append(table.rename(columns={segment: "value"}).assign(segment=segment))
    if not parts:
        return pd.DataFrame(columns=["segment", "value"] + stats.NPS_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["value"] = out["value"].astype("string")
    return out[["segment", "value"] + stats.NPS_COLUMNS]


@pytest.mark.parametrize("interval", ["adjusted_wald", "bootstrap"])
def test_segment_table_matches_the_plain_version(demo_ctx, interval):
    from nps_report.tables.team import segment_table

    options = demo_ctx.options.model_copy(update={"interval": interval, "bootstrap_samples": 200})
    current = demo_ctx.responses(quarters=["2026Q3"])
    segments = list(demo_ctx.segments)
    assert len(segments) == 3
    rng = np.random.default_rng(7)
    messy = current.head(300).copy()  # missing values and scores, a categorical and a number column
    messy.loc[rng.random(300) < 0.2, "region"] = pd.NA
    messy["score"] = messy["score"].astype("float64").mask(rng.random(300) < 0.1)
    messy["plan"] = pd.Categorical(messy["plan"].astype(object),
                                   categories=sorted(set(messy["plan"].dropna()))[::-1] + ["unused"])
    messy["channel"] = rng.choice([1.0, 2.0, np.nan], 300)
    messy.loc[messy.index[:5], "region"] = "only missing scores"
    messy.loc[messy.index[:5], "score"] = np.nan
    cases = ([current[current[schema.TEAM] == t] for t in current[schema.TEAM].unique()]
             + [current, current.iloc[:0], messy, messy.head(3)])
    for data in cases:
        for columns in (segments, []):
            pd.testing.assert_frame_equal(segment_table(data, columns, options),
                                          _segment_table_plain(data, columns, options),
                                          check_exact=True)
    assert "only missing scores" in set(segment_table(messy, segments, options)["value"])


# ----------------------------------------------------------------------------- notebook machinery
def _iopub(msg_type, content):
    return {"header": {"msg_type": msg_type}, "msg_type": msg_type, "content": content,
            "parent_header": {}}


def test_output_nodes_are_the_outputs_nbformat_makes():
    import nbformat

    from nps_report.pipeline.kernels import output_node

    messages = [
        _iopub("execute_result", {"data": {"text/plain": "1", "text/html": "<b>1</b>"},
                                  "metadata": {"text/html": {"isolated": True}}, "execution_count": 3}),
        _iopub("display_data", {"data": {"image/png": "iVBOR", "text/plain": "<Figure>"},
                                "metadata": {}, "transient": {"display_id": "x"}}),
        _iopub("stream", {"name": "stderr", "text": "warning\n"}),
        _iopub("error", {"ename": "KeyError", "evalue": "'x'", "traceback": ["a", "b"]}),
    ]
    for msg in messages:
        ours, theirs = output_node(msg), nbformat.v4.output_from_msg(msg)
        assert ours == theirs and list(ours) == list(theirs)
        assert all(type(ours[k]) is type(theirs[k]) for k in theirs)
        nbformat.validate(ours, ref=ours.output_type, version=4, version_minor=5)  # valid, of its type
    for msg_type in ("status", "clear_output", "execute_input"):
        with pytest.raises(ValueError):
            output_node(_iopub(msg_type, {}))


OUTPUTS_NOTEBOOK = [
    "import sys\nprint('to stdout'); print('to stderr', file=sys.stderr)",
    "from IPython.display import display, HTML, update_display\n"
    "display(HTML('<p>first</p>'), display_id='d'); 41 + 1",
    "update_display(HTML('<p>updated</p>'), display_id='d')",
    "from IPython.display import clear_output\nprint('gone'); clear_output(wait=True); print('kept')",
    "import pandas as pd\npd.DataFrame({'a': [1, 2]})",
    "raise ValueError('the report stops here')",
    "print('never run')",
]


def test_warm_engine_executes_a_notebook_as_papermills_engine(tmp_path):
    """Every kind of output, display updates, clear_output and a failing cell: the same
    notebook from the warm engine as from papermill's own (but for times and cell ids)."""
    import nbformat
    import papermill as pm

    from nps_report.pipeline import kernels

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    parameters = nbformat.v4.new_code_cell("team = None")
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [parameters] + [nbformat.v4.new_code_cell(code) for code in OUTPUTS_NOTEBOOK]
    template = tmp_path / "outputs.ipynb"
    nbformat.write(nb, template)

    def run(out, **engine):
        with pytest.raises(pm.PapermillExecutionError, match="the report stops here"):
            pm.execute_notebook(str(template), str(out), parameters={"team": "A"},
                                kernel_name="python3", progress_bar=False, cwd=str(tmp_path),
                                **engine)
        executed = nbformat.read(out, 4)
        for cell in [executed] + executed.cells:
            cell.metadata.pop("execution", None)
            for key in ("start_time", "end_time", "duration"):
                cell.metadata.get("papermill", {}).pop(key, None)
        for cell in executed.cells:
            cell.pop("id", None)
        assert executed.metadata.papermill.pop("output_path") == str(out)
        return executed

    stock = run(tmp_path / "stock.ipynb")
    warm = kernels.WarmKernel(warmup="pass")
    try:
        warm.ready()
        ours = run(tmp_path / "warm.ipynb", engine_name=kernels.ENGINE, warm_kernel=warm.ready(),
                   request_save_on_cell_execute=False)
    finally:
        warm.shutdown()
    assert [c.get("outputs") for c in ours.cells] == [c.get("outputs") for c in stock.cells]
    injected = [c for c in ours.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "remove-cell" in injected[0].metadata.tags
    injected[0].metadata.tags.remove("remove-cell")  # the warm engine hides the injected cell
    assert ours == stock
    outputs = [o for c in ours.cells for o in c.get("outputs", [])]
    assert {o.output_type for o in outputs} == {"stream", "display_data", "execute_result", "error"}
    assert any("updated" in str(o.get("data")) for o in outputs)  # the display was updated
    assert not any("gone" in str(o.get("text")) for o in outputs)
    assert [c.metadata.papermill["status"] for c in ours.cells[-2:]] == ["failed", "pending"]
    assert ours.cells[2].metadata.papermill["exception"] is False


IN_PROCESS_RUN = """
import sys
import papermill as pm
from nps_report.pipeline import inprocess
for out in sys.argv[2:]:  # twice in one process: the second run starts from a cleared shell
    try:
        pm.execute_notebook(sys.argv[1], out, parameters={"team": "A"}, kernel_name="python3",
                            progress_bar=False, cwd=".", engine_name=inprocess.ENGINE,
                            request_save_on_cell_execute=False)
    except pm.PapermillExecutionError as exc:
        print(exc.ename, exc.evalue)
from nbformat.v4 import new_code_cell
for code in ("exit()", "'still here'"):  # exit() fails its report, not the worker
    cell = new_code_cell(code)
    print(inprocess.run_cell(inprocess.report_shell(), cell),
          [o.ename for o in cell.outputs if o.output_type == "error"])
"""
IN_PROCESS_EXTRA = [
    "import matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(1, 1)); ax.plot([1, 2])",
    "import warnings\nwarnings.warn('careful')\nprint('after')",
    "assert 'leaked' not in globals(); leaked = team",
]


def test_in_process_engine_executes_a_notebook_as_a_kernel_does(tmp_path):
    """A pool worker runs report cells in its own Python (``pipeline/inprocess.py``): every
    kind of output, a figure left open, a warning, display updates, clear_output and a
    failing cell give the notebook papermill's own engine gets from a kernel; run twice in
    one process, nothing of the first run is left for the second."""
    import os
    import re
    import subprocess
    import sys

    import nbformat
    import papermill as pm

    from .conftest import ROOT

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    parameters = nbformat.v4.new_code_cell("team = None")
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [parameters] + [nbformat.v4.new_code_cell(code)
                               for code in IN_PROCESS_EXTRA + OUTPUTS_NOTEBOOK]
    template = tmp_path / "outputs.ipynb"
    nbformat.write(nb, template)
    with pytest.raises(pm.PapermillExecutionError, match="the report stops here"):
        pm.execute_notebook(str(template), str(tmp_path / "stock.ipynb"), parameters={"team": "A"},
                            kernel_name="python3", progress_bar=False, cwd=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", IN_PROCESS_RUN, str(template), "first.ipynb",
                           "second.ipynb"], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert done.stdout.splitlines() == ["ValueError the report stops here"] * 2 + [
        "False ['SystemExit']", "True []"], done.stderr

    def plain(text) -> str:  # without colours, object addresses and the cell's file name
        text = re.sub(r"\x1b\[[0-9;]*m", "", "".join(text))
        return re.sub(r"0x[0-9a-f]+", "0x", re.sub(r"^\S*:2: UserWarning", "<cell>:2: UserWarning", text))

    def outputs(executed):
        shown = []
        for cell in executed.cells:
            for out in cell.get("outputs", []):
                out = dict(out)
                if "traceback" in out:
                    out["traceback"] = plain(out["traceback"])
                if "text" in out:
                    out["text"] = plain(out["text"])
                if "text/plain" in out.get("data", {}):
                    out["data"] = {**out["data"], "text/plain": plain(out["data"]["text/plain"])}
                shown.append((cell.execution_count, out["output_type"], sorted(out.items())))
        return shown

    stock = nbformat.read(tmp_path / "stock.ipynb", 4)
    for run in ("first", "second"):
        ours = nbformat.read(tmp_path / f"{run}.ipynb", 4)
        # the same outputs, but that the kernel prints a warning after the text printed
        # after it (its stderr is flushed later): here they come in the order they happened
        assert sorted(outputs(ours)) == sorted(outputs(stock)), run
        assert [c.get("execution_count") for c in ours.cells] == [c.get("execution_count") for c in stock.cells]
        assert ours.metadata.language_info == stock.metadata.language_info
        for mine, theirs in zip(ours.cells, stock.cells):
            assert sorted(mine.metadata.get("execution", {})) == sorted(theirs.metadata.get("execution", {}))
            assert mine.metadata.get("papermill", {}).get("status") == \
                theirs.metadata.get("papermill", {}).get("status")
        assert ours.metadata.papermill["exception"] is True
    figure = [o for c in ours.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(figure) == 1  # the open figure was shown once, inline, as in a kernel
    injected = [c for c in ours.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "remove-cell" in injected[0].metadata.tags


def test_external_table_reads_the_benchmarks_file_again_when_it_changes(demo_ctx, tmp_path):
    import shutil

    from nps_report import benchmarks
    from nps_report.tables.team import external_table

    path = tmp_path / "published.yaml"
    shutil.copy(demo_ctx.options.benchmarks, path)
    options = demo_ctx.options.model_copy(update={"benchmarks": str(path)})
    assert external_table(float("nan"), options).empty  # no score: no gaps
    for value in (-12.5, 0.0, 37.0):
        pd.testing.assert_frame_equal(
            external_table(value, options),
            benchmarks.external_gaps(value, benchmarks.load_external_benchmarks(path)),
            check_exact=True)
    before = external_table(10.0, options)
    text = path.read_text(encoding="utf-8")
    assert "value: 43" in text
    path.write_text(text.replace("value: 43", "value: 42", 1), encoding="utf-8")  # same size, same second
    after = external_table(10.0, options)
    pd.testing.assert_frame_equal(
        after, benchmarks.external_gaps(10.0, benchmarks.load_external_benchmarks(path)))
    assert not after.equals(before)


def test_build_tables_kept_in_a_worker_equal_the_saved_ones_and_follow_a_rewrite(demo_ctx, tmp_path):
    """A worker keeps the build tables it read (``load_tables(keep=True)``): the same
    frames as a plain read, and read again once the build rewrites a file."""
    from nps_report.tables import BuildTables
    from nps_report.tables.saving import load_tables

    saved = demo_ctx.build_tables("2026Q3").save(tmp_path)
    kept, plain = load_tables(BuildTables, saved, keep=True), load_tables(BuildTables, saved)
    for name in ("nps", "trend", "changes", "gaps", "ranks", "anomalies"):
        pd.testing.assert_frame_equal(getattr(kept, name), getattr(plain, name), check_exact=True)
        assert getattr(kept, name).attrs == getattr(plain, name).attrs
    assert load_tables(BuildTables, saved, keep=True).nps is not kept.nps  # each caller its own frame
    changed = plain.nps.assign(nps=plain.nps["nps"] + 1)
    changed.to_parquet(saved / "nps.tmp")
    (saved / "nps.tmp").replace(saved / "nps.parquet")  # as the build rewrites a file
    again = load_tables(BuildTables, saved, keep=True)
    pd.testing.assert_frame_equal(again.nps, load_tables(BuildTables, saved).nps)
    assert not again.nps["nps"].equals(kept.nps["nps"])
