"""Files shipped inside the package: report templates, the demo build file, the default
theme taxonomy, action rules and published benchmarks, the export templates.

Everything is read through :mod:`importlib.resources`, so a plain (non-editable)
``pip install`` finds them wherever the package lands. In a clone, the top-level
``templates/`` folder is a link to ``nps_report/templates/`` and ``params/demo.yaml`` a
link to ``nps_report/data/demo.yaml``: one copy of each file, in the package.
"""

from __future__ import annotations

import tempfile
from importlib import resources
from pathlib import Path

__all__ = ["DEFAULT_FILES", "SHIPPED", "TEMPLATE_FILES", "demo_build_file", "export_templates_dir",
           "input_file", "shipped_path", "templates_dir"]

PACKAGE = "nps_report"
#: A build file value meaning "the file that ships with nps-report" (``benchmarks: shipped``).
SHIPPED = "shipped"
#: The shipped file for each of a build file's ``themes``, ``actions`` and ``benchmarks`` keys.
DEFAULT_FILES = {"themes": "themes.yaml", "actions": "actions.yaml",
                 "benchmarks": "published_benchmarks.yaml"}
#: Report kind -> template notebook file name.
TEMPLATE_FILES = {"team": "team_report.ipynb", "department": "department_summary.ipynb",
                  "overview": "company_overview.ipynb"}

_EXTRACTED: dict = {}


def shipped_path(*parts: str) -> Path:
    """A real file-system path of a file or folder shipped in the package.

    Parameters
    ----------
    *parts : str
        Path parts below the package folder, e.g. ``("data", "actions.yaml")``.

    Returns
    -------
    pathlib.Path
        The file itself for an ordinary install; for a package imported from a zip
        archive, a copy extracted once per process (papermill and nbconvert need paths).

    Examples
    --------
    >>> shipped_path("data", "actions.yaml").name
    'actions.yaml'
    """
    resource = resources.files(PACKAGE).joinpath(*parts)
    if isinstance(resource, Path):
        return resource
    key = "/".join(parts)
    if key not in _EXTRACTED:
        target = Path(tempfile.mkdtemp(prefix="nps-report-")) / parts[-1]
        _copy(resource, target)
        _EXTRACTED[key] = target
    return _EXTRACTED[key]


def _copy(resource, target: Path) -> None:
    if resource.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        for child in resource.iterdir():
            _copy(child, target / child.name)
    else:
        target.write_bytes(resource.read_bytes())


def templates_dir() -> Path:
    """The folder of the shipped report templates (``nps_report/templates``)."""
    return shipped_path("templates")


def export_templates_dir() -> Path:
    """The folder of the nbconvert templates used to export reports (``nps_report/export_templates``)."""
    return shipped_path("export_templates")


def demo_build_file() -> Path:
    """The demo build file (``nps_report/data/demo.yaml``; ``params/demo.yaml`` in a clone)."""
    return shipped_path("data", "demo.yaml")


def input_file(kind: str, value: str | None) -> str | None:
    """The file a build file's ``themes``, ``actions`` or ``benchmarks`` value stands for.

    Parameters
    ----------
    kind : {"themes", "actions", "benchmarks"}
    value : str or None
        The build file's value: a path, ``"shipped"`` (the file that ships with the
        package), or ``None`` (key left out).

    Returns
    -------
    str or None
        A path. Left out, ``themes`` and ``actions`` are the shipped files; ``benchmarks``
        stays ``None`` (no published figures are compared unless asked for: the shipped
        ones are examples).

    Examples
    --------
    >>> input_file("actions", None).endswith("actions.yaml")
    True
    >>> input_file("benchmarks", None) is None
    True
    >>> input_file("themes", "my/themes.yaml")
    'my/themes.yaml'
    """
    if kind not in DEFAULT_FILES:
        raise ValueError(f"kind is one of {', '.join(DEFAULT_FILES)}, got {kind!r}")
    if value == SHIPPED or (value is None and kind != "benchmarks"):
        return str(shipped_path("data", DEFAULT_FILES[kind]))
    return value
