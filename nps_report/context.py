"""A build's context as a report notebook sees it: where the data is, the options, provenance."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import __version__, schema
from .atomic import atomic_path, write_text
from .options import ReportOptions

__all__ = ["CONTEXT_FILE", "RESPONSES_FILE", "ReportContext", "demo_context", "load_context",
           "options_of", "write_context", "write_responses"]

CONTEXT_FILE = "context.json"
RESPONSES_FILE = "responses.parquet"
# Row groups of the build's responses file: small enough that a team's filtered read
# skips most of a large file, large enough that reading a whole quarter stays fast.
ROW_GROUP_ROWS = 20_000


@dataclass
class ReportContext:
    """What every report of a build shares.

    Attributes
    ----------
    build : str
        The build's name.
    data_path : str or None
        The canonical responses (Parquet) written once per build; ``None`` when the
        responses are held in memory (the demo opened in JupyterLab).
    options : ReportOptions
        The build's statistics, comparison, window and file options (a dict, as read
        from ``context.json``, is validated into one).
    counts : dict
        Rows read, accepted, rejected and dropped when the build loaded its data.
    rejected_by_team : dict
        Rejected rows per team name, where a row's team could be read.
    fingerprint : str
        Hash of the canonical data, for provenance.
    """

    build: str
    data_path: str | None
    options: ReportOptions
    counts: dict
    segments: list = field(default_factory=list)
    attributes: list = field(default_factory=list)
    rejected_by_team: dict = field(default_factory=dict)
    fingerprint: str = ""
    params_file: str = ""
    version: str = __version__
    created: str = ""
    paths: dict = field(default_factory=dict)
    _frame: pd.DataFrame | None = field(default=None, repr=False)
    # Build tables computed here (in-memory contexts): never copied by dataclasses.replace.
    _build_tables: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self):
        if not isinstance(self.options, ReportOptions):
            self.options = ReportOptions.model_validate(self.options or {})

    @property
    def folder(self):
        """The build folder (where ``responses.parquet`` lives), or ``None`` in memory."""
        if self.data_path is None:
            return None
        from .storage import is_url

        if is_url(self.data_path):
            return str(self.data_path).rsplit("/", 1)[0]
        return Path(self.data_path).parent

    def build_tables(self, quarter: str):
        """The build tables of ``quarter`` (:class:`nps_report.tables.build.BuildTables`).

        In a build, read from ``<build>/tables/<quarter>/`` (written once by the build);
        otherwise (the in-memory demo, or a build without them) computed from this
        context's responses once and kept.
        """
        from .tables import build

        if quarter not in self._build_tables:
            folder = self.folder
            tables = None
            if folder is not None and not isinstance(folder, str):
                if (Path(folder) / build.TABLES_FOLDER / quarter).is_dir():
                    tables = build.load_build_tables(folder, quarter)
            if tables is None:
                tables = build.compute_build_tables(
                    self.responses(quarters=build.quarters_needed(quarter, self.options)),
                    quarter=quarter, options=self.options, rules=self.action_rules())
            self._build_tables[quarter] = tables
        return self._build_tables[quarter]

    def action_rules(self):
        """The build's action rules (:func:`nps_report.actions.load_rules` of ``options.actions``)."""
        from . import actions

        return actions.load_rules(self.options.actions)

    def responses(self, *, teams=None, departments=None, quarters=None, columns=None) -> pd.DataFrame:
        """The canonical responses, filtered on read (only the rows a report needs).

        Each argument is a list of values or ``None`` (no filter); the filters combine
        with AND. ``columns`` keeps only those columns (and reads only those).
        The build writes the file sorted by department, team and quarter in row groups
        of :data:`ROW_GROUP_ROWS`, so a team's or a department's read skips the row
        groups of the others.
        """
        filters = []
        for column, values in ((schema.TEAM, teams), (schema.DEPARTMENT, departments),
                               (schema.QUARTER, quarters)):
            if values is not None:
                filters.append((column, "in", list(values)))
        if self._frame is not None:
            frame = self._frame
            for column, _, values in filters:
                frame = frame[frame[column].isin(values)]
            if columns is not None:
                frame = frame[list(columns)]
            return frame.reset_index(drop=True)
        return pd.read_parquet(self.data_path, filters=filters or None,
                               columns=list(columns) if columns is not None else None).reset_index(drop=True)

    def to_json(self) -> str:
        data = {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
        data["options"] = self.options.model_dump(mode="json")
        return json.dumps(data, indent=2, default=str)


def write_responses(responses: pd.DataFrame, path) -> Path:
    """Write the build's validated responses for the reports to read (Parquet).

    Sorted by department, team and quarter, so each team's rows sit in one or two row
    groups whose statistics let :meth:`ReportContext.responses` skip the others.
    """
    order = [c for c in (schema.DEPARTMENT, schema.TEAM, schema.QUARTER) if c in responses]
    with atomic_path(path) as temporary:
        responses.sort_values(order, kind="stable").to_parquet(temporary, index=False,
                                                               row_group_size=ROW_GROUP_ROWS)
    return Path(path)


def write_context(context: ReportContext, folder) -> Path:
    """Write ``context.json`` into a build folder and return its path."""
    path = Path(folder) / CONTEXT_FILE
    write_text(path, context.to_json())
    return path


def load_context(path=None) -> ReportContext:
    """Read a build's ``context.json``; with ``None``, the demo data held in memory.

    The ``None`` default lets every template run as-is in JupyterLab: it generates the
    seeded demo survey and validates it exactly as ``make demo`` does.

    Parameters
    ----------
    path : path-like or URL, optional
        A build's ``context.json`` (``output/<build>/context.json``).

    Returns
    -------
    ReportContext
        Its ``responses(teams=..., quarters=..., columns=...)`` reads the build's
        validated responses; ``options`` are the build's :class:`ReportOptions`.

    Examples
    --------
    >>> import nps_report as nr
    >>> ctx = nr.load_context()  # the demo survey
    >>> billing = ctx.responses(teams=["Billing Operations"], quarters=["2026Q3"])
    >>> len(billing), ctx.options.confidence
    (434, 0.95)
    """
    if path is None:
        return demo_context()
    from .storage import is_url, read_text

    data = json.loads(read_text(path))  # a path, or a URL on a Dask cluster
    # The build writes paths relative to its folder (the one holding context.json), so a
    # build folder moved or zipped still opens; they are made absolute here.
    base = str(path).rsplit("/", 1)[0] if is_url(path) else Path(path).resolve().parent
    data["data_path"] = _from_build_folder(data.get("data_path"), base)
    data["paths"] = {k: _from_build_folder(v, base) for k, v in (data.get("paths") or {}).items()}
    options = dict(data.get("options") or {})
    for key in ("benchmarks", "themes", "actions"):
        if options.get(key):
            options[key] = _from_build_folder(options[key], base)
    data["options"] = options
    return ReportContext(**data)


def _from_build_folder(location, base):
    """``location`` as written in context.json, made absolute from the build folder ``base``."""
    from .storage import is_url

    if not location or is_url(location) or Path(location).is_absolute():
        return location
    if isinstance(base, str):  # the build folder is a URL
        return f"{base}/{location}"
    return str(base / location)


_DEMO = {}


def demo_context() -> ReportContext:
    """The embedded demo survey, loaded through the demo build file's mapping (cached)."""
    if "ctx" not in _DEMO:
        from . import demo, io, params
        from .resources import demo_build_file

        build = params.load_params(demo_build_file())
        raw = demo.generate_demo_export()
        source = build.data
        result = io.to_canonical(raw.astype(str).replace("nan", ""), mapping=source.columns,
                                 segments=source.segments, attributes=source.attributes)
        _DEMO["ctx"] = ReportContext(
            build="demo (in memory)", data_path=None, options=options_of(build),
            counts=result.counts, segments=result.segments, attributes=result.attributes,
            fingerprint="demo-seed-%d" % demo.DEMO_SEED, _frame=result.responses)
    return _DEMO["ctx"]


def options_of(build, base=None) -> ReportOptions:
    """The options of a build's reports, with their file paths as the kernels read them.

    The one place report file paths are decided: today absolute, resolved from ``base``
    (default: the current folder), because report kernels run in their own folders.
    """
    base = Path.cwd() if base is None else Path(base)
    return build.report_options(base.resolve())
