"""``nps-report notebook NAME``: a starter notebook for an ad-hoc question on a build's data."""

from __future__ import annotations

from pathlib import Path

from .pipeline.plan import safe_name
from .exceptions import NpsReportError

STARTER = [
    ("markdown", "# {title}\n\nAn ad-hoc question on the validated responses of build `{build}`. "
                 "Every function used here is documented: try `help(nr.grouped_nps)`."),
    ("code", "import nps_report as nr\nfrom nps_report import plots, render, stats\nrender.setup()\n"
             "ctx = nr.load_context({context!r})  # None: the demo survey in memory\n"
             "responses = ctx.responses()\nresponses.head()"),
    ("markdown", "## Example: NPS by plan for one team, with 95% intervals"),
    ("code", "team = responses['team'].value_counts().index[0]\n"
             "by_plan = nr.grouped_nps(responses[responses.team == team], ['quarter', 'plan'])\n"
             "by_plan[['quarter', 'plan', 'n', 'nps', 'ci_low', 'ci_high', 'shown']].tail(12)"),
    ("markdown", "## Is the difference between two plans real?"),
    ("code", "latest = responses[(responses.team == team) & (responses.quarter == responses.quarter.max())]\n"
             "pro, basic = latest[latest.plan == 'Pro'].score, latest[latest.plan == 'Basic'].score\n"
             "nr.compare_nps(pro, basic) if len(pro) and len(basic) else 'no data for one plan'"),
]


def create_notebook(name: str, *, build: str | None = "output/demo", folder="notebooks") -> Path:
    """Write ``folder/<name>.ipynb`` loading ``build``'s canonical data; never overwrite.

    The notebook names the build's ``context.json`` relative to its own folder (JupyterLab
    runs a notebook there), and the kernel ``python3``, as the report templates do.
    """
    import os

    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    context = None
    path = Path(folder) / f"{safe_name(name)}.ipynb"
    if build:
        context_file = Path(build) / "context.json"
        if not context_file.exists():
            raise NpsReportError(f"{context_file} not found: build it first (nps-report build ...) "
                                 "or pass --build with a build folder")
        context = Path(os.path.relpath(context_file.resolve(), Path(folder).resolve())).as_posix()
    if path.exists():
        raise NpsReportError(f"{path} already exists; choose another name")
    values = {"title": name, "build": build or "demo", "context": context}
    cells = [new_markdown_cell(src.format(**values)) if kind == "markdown"
             else new_code_cell(src.format(**values)) for kind, src in STARTER]
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"}})
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path
