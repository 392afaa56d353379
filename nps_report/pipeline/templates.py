"""The report templates a build runs: where they are, and a check before any work.

A build runs three notebooks (team report, department summary, company overview) with
parameters set by papermill. A templates folder of one's own (``templates:`` in the build
file, ``--templates DIR``) is checked before the data is read: every template must exist,
be a notebook, and declare in its cell tagged ``parameters`` each parameter the build sets.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from ..exceptions import TemplateError
from ..resources import TEMPLATE_FILES, templates_dir

__all__ = ["REQUIRED_PARAMETERS", "check_templates", "template_parameters"]

#: Parameters the build sets, per report kind (the template must declare each one).
REQUIRED_PARAMETERS = {
    "team": ("team", "quarter", "context_path", "tables_dir"),
    "department": ("department", "quarter", "context_path", "tables_dir"),
    "overview": ("quarter", "context_path", "tables_dir"),
}


def template_parameters(path) -> list[str]:
    """The names a notebook's ``parameters`` cell assigns, in order.

    Parameters
    ----------
    path : path-like
        A notebook (``.ipynb``).

    Returns
    -------
    list of str

    Raises
    ------
    TemplateError
        When the file is missing, not a notebook, has no cell tagged ``parameters``, or
        that cell is not valid Python.

    Examples
    --------
    >>> from nps_report.resources import templates_dir
    >>> template_parameters(templates_dir() / "company_overview.ipynb")[0]
    'quarter'
    """
    path = Path(path)
    if not path.is_file():
        raise TemplateError("template not found", path=path)
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb["cells"]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise TemplateError(f"not a readable notebook ({type(exc).__name__}: {exc})", path=path) from None
    tagged = [c for c in cells if "parameters" in (c.get("metadata") or {}).get("tags", [])]
    if not tagged:
        raise TemplateError("no cell is tagged 'parameters' (papermill sets the report's "
                            "team, quarter and paths there)", path=path)
    source = tagged[0].get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise TemplateError(f"the parameters cell is not valid Python (line {exc.lineno}: {exc.msg})",
                            path=path) from None
    names = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) else [])
        names += [t.id for t in targets if isinstance(t, ast.Name) and t.id not in names]
    return names


def check_templates(folder=None) -> Path:
    """Check a templates folder before a build does any work; return it.

    Parameters
    ----------
    folder : path-like, optional
        A folder holding ``team_report.ipynb``, ``department_summary.ipynb`` and
        ``company_overview.ipynb``. Default: the templates shipped with the package.

    Returns
    -------
    pathlib.Path
        The folder, absolute.

    Raises
    ------
    TemplateError
        Naming the folder or the template and the missing parameter (the command line
        prints it and exits with code 2).

    Examples
    --------
    >>> check_templates().name
    'templates'
    """
    folder = Path(folder).expanduser() if folder else templates_dir()
    if not folder.is_dir():
        raise TemplateError("templates folder not found", path=folder)
    for kind, name in TEMPLATE_FILES.items():
        declared = template_parameters(folder / name)
        missing = [p for p in REQUIRED_PARAMETERS[kind] if p not in declared]
        if missing:
            raise TemplateError(
                f"the parameters cell lacks {', '.join(missing)} (a {kind} template declares "
                f"{', '.join(REQUIRED_PARAMETERS[kind])})", path=folder / name)
    return folder.resolve()
