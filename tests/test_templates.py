"""Report templates: tagged and typed, run as-is on the demo, clean in stock nbconvert and our export.

Each template is executed once per session (papermill, the demo data in memory); the
export tests read those executed notebooks.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from .conftest import ROOT

TEMPLATES = ["team_report", "department_summary", "company_overview"]
PLACEHOLDER = "No description has been provided for this image"
# what a code cell of the templates contains; none of it may reach a report
CODE = ["render.", "nr.report_tables", "nr.load_context", "import nps_report", "tables_dir",
        "context_path", "t.save(", "In&nbsp;[", "In [", "input_area"]
CHARTS = {"team_report": 6, "department_summary": 5, "company_overview": 2}


def template(name):
    return nbformat.read(ROOT / "templates" / f"{name}.ipynb", 4)


def tags(cell):
    return set(cell.metadata.get("tags", []))


@pytest.mark.parametrize("name", TEMPLATES)
def test_templates_are_tagged_typed_and_stripped(name):
    """Every code cell says what an export shows; the parameters are typed; no outputs are stored."""
    import papermill as pm

    nb = template(name)
    assert nb.metadata.kernelspec.name == "python3"
    parameters = [c for c in nb.cells if "parameters" in tags(c)]
    assert len(parameters) == 1 and "remove-cell" in tags(parameters[0])
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert tags(cell) & {"remove-input", "remove-cell"}, cell.source
            assert not cell.get("outputs") and cell.get("execution_count") is None
    inferred = {p["name"]: p["inferred_type_name"] for p in pm.inspect_notebook(
        str(ROOT / "templates" / f"{name}.ipynb")).values()}
    expected = {"quarter": "str", "context_path": "Optional[str]", "tables_dir": "Optional[str]"}
    expected.update({"team_report": {"team": "str"}, "department_summary": {"department": "str"},
                     "company_overview": {}}[name])
    assert inferred == expected


@pytest.fixture(scope="session")
def executed(tmp_path_factory):
    """Each template run through papermill with its defaults (the in-memory demo)."""
    import papermill as pm

    folder = tmp_path_factory.mktemp("templates")
    out = {}
    for name in TEMPLATES:
        out[name] = pm.execute_notebook(str(ROOT / "templates" / f"{name}.ipynb"),
                                        str(folder / f"{name}.ipynb"), kernel_name="python3",
                                        progress_bar=False, cwd=str(folder))
    return out


def outputs_html(cell):
    return "".join(o.get("data", {}).get("text/html", "") for o in cell.get("outputs", []))


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_runs_with_defaults(executed, name):
    """Each template runs top to bottom on the demo data, as an analyst opening it in JupyterLab."""
    nb = executed[name]
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    shown = [c for c in nb.cells if "remove-input" in tags(c) and outputs_html(c)]
    assert len(shown) >= 9  # title, headline, charts, tables, data quality, provenance ...
    # cells show values (no display() side effects): one execute_result per shown cell
    assert all(o.output_type == "execute_result" for c in shown for o in c.outputs
               if o.output_type != "stream")


@pytest.mark.parametrize("name", TEMPLATES)
def test_each_section_shows_a_table_or_a_figure(executed, name):
    """In JupyterLab every section has a visible call whose value is a DataFrame or a chart."""
    nb = executed[name]
    sections, current = {}, None
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("## "):
            current = cell.source.splitlines()[0][3:]
            sections[current] = False
        elif current and cell.cell_type == "code":
            page = outputs_html(cell)
            if 'class="dataframe' in page or "<img " in page:
                sections[current] = True
    assert sections and all(sections.values()), sections


def stock_html(nb):
    """What `jupyter nbconvert --to html` with the usual TagRemovePreprocessor flags writes."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.remove_input_tags = ["remove-input"]
    config.TagRemovePreprocessor.remove_cell_tags = ["remove-cell"]
    config.TagRemovePreprocessor.enabled = True
    body, _ = HTMLExporter(config=config).from_notebook_node(nb)
    return body


def check_clean_report(page, name):
    from bs4 import BeautifulSoup

    for code in CODE:
        assert code not in page, code
    soup = BeautifulSoup(page, "html.parser")
    for cell in soup.select(".jp-CodeCell"):
        assert not cell.select(".jp-InputArea, .jp-Editor, .highlight"), cell.get_text()[:200]
    assert re.search(r'<div class="headline" style="[^"]*display:flex', page)
    assert re.search(r'<div class="value" style="[^"]*font-weight:700', page)
    alts = [img.get("alt", "") for img in soup.find_all("img")]
    assert len(alts) == CHARTS[name]
    assert all(alt and PLACEHOLDER not in alt and re.search(r"\d", alt) for alt in alts), alts


@pytest.mark.parametrize("name", TEMPLATES)
def test_stock_nbconvert_shows_no_code_and_a_styled_headline(executed, name):
    check_clean_report(stock_html(executed[name]), name)


@pytest.mark.parametrize("name", TEMPLATES)
def test_project_export_shows_no_code_and_a_styled_headline(executed, name, tmp_path):
    from nps_report.export import export_html

    page = export_html(executed[name], tmp_path / "report.html", title=name).read_text(encoding="utf-8")
    check_clean_report(page, name)
    # the analyst's tables (remove-cell) stay in the notebook, out of the report
    assert 'class="dataframe' not in page
