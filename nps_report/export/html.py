"""Executed notebook -> self-contained HTML: no code, no prompts, no scripts, images inlined."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .. import __version__
from ..atomic import write_text
from ..resources import export_templates_dir

TEMPLATE_DIR = export_templates_dir()
# The tags of Jupyter Book / nbconvert's TagRemovePreprocessor, so a template reads the same
# here and in stock nbconvert: whole cells (set-up, parameters, the analyst's tables) ...
REMOVE_TAGS = {"remove-cell", "parameters", "injected-parameters"}
# ... a cell's code, its output kept (every code cell's input is dropped here anyway) ...
REMOVE_INPUT_TAGS = {"remove-input"}
# ... or a cell's output, its code kept (and then dropped with every input).
REMOVE_OUTPUT_TAGS = {"remove-output"}


@lru_cache(maxsize=1)
def report_css() -> str:
    """The report style sheet (screen and print)."""
    return (TEMPLATE_DIR / "nps_report" / "report.css").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def html_exporter():
    """One configured nbconvert ``HTMLExporter`` per process (building it is not free)."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    # optimistic_validation: the notebook is validated once, after the preprocessors, not
    # after each of its 13 (the same checks on the same notebook; half the export's CPU).
    exporter = HTMLExporter(template_name="nps_report", extra_template_basedirs=[str(TEMPLATE_DIR)],
                            exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, anchor_link_text="",
                            optimistic_validation=True)
    exporter.register_preprocessor(TagRemovePreprocessor(
        remove_cell_tags=REMOVE_TAGS, remove_input_tags=REMOVE_INPUT_TAGS,
        remove_all_outputs_tags=REMOVE_OUTPUT_TAGS), enabled=True)
    return exporter


def _drop_noise(nb):
    """The notebook without stderr streams (library warnings); ``nb`` is left as it is.

    A shallow copy (a new list of cells, a new cell where outputs go): nbconvert deep-copies
    the notebook before its preprocessors anyway, so a deep copy here would copy every
    output (the charts' PNGs) twice.
    """
    from nbformat import NotebookNode

    cells = []
    for cell in nb.cells:
        outputs = cell.get("outputs", []) if cell.get("cell_type") == "code" else []
        kept = [o for o in outputs if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
        cells.append(NotebookNode({**cell, "outputs": kept}) if len(kept) != len(outputs) else cell)
    return NotebookNode({**nb, "cells": cells})


def export_html(nb, path, *, title: str, running_header: str = "") -> Path:
    """Write an executed notebook as a self-contained report page.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed report notebook.
    path : path-like
        Where to write the ``.html`` file (folders are created).
    title : str
        The page title (escaped by the template).
    running_header : str
        Text of the running header used by the PDF (team, quarter).
    """
    nb = _drop_noise(nb)
    resources = {"metadata": {"name": title},
                 "nps": {"title": title, "running_header": running_header,
                         "css": report_css(), "version": __version__}}
    body, _ = html_exporter().from_notebook_node(nb, resources=resources)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, body)
    return path
