"""Build files (params YAML): read, validate with clear messages, and return frozen objects."""

from __future__ import annotations

import difflib
import functools
import pickle
from pathlib import Path
from typing import Any, Literal, Optional, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from . import schema
from .exceptions import ParamsError
from .options import Loop, ReportOptions, Windows, default

__all__ = ["BuildParams", "Comparisons", "DataSource", "Dedupe", "JoinFile", "Loop", "SqlSource", "StatsOptions",
           "Windows", "load_params", "load_yaml", "parse_params"]


class _DateLessLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """A YAML loader that keeps dates as strings: ``2026-07-01`` stays ``"2026-07-01"``."""


_DateLessLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class DuplicateKeyError(yaml.YAMLError):
    """A mapping of a YAML file has the same key twice (YAML would keep the last silently)."""

    def __init__(self, key, first_line: int, second_line: int, where: str):
        self.key, self.first_line, self.second_line, self.where = key, first_line, second_line, where
        super().__init__(f"key {where!r} is given twice, on lines {first_line} and {second_line}: "
                         "keep one (YAML would silently use the last)")


def _mapping_without_repeats(loader, node, deep=False):
    """Construct a mapping, refusing a key given twice (naming both lines)."""
    loader.flatten_mapping(node)
    seen: dict = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            continue  # the constructor reports unhashable keys itself
        if key in seen:
            raise DuplicateKeyError(key, seen[key] + 1, key_node.start_mark.line + 1, str(key))
        seen[key] = key_node.start_mark.line
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_DateLessLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_repeats)


def load_yaml(path, what: str = "build file") -> Any:
    """Read a YAML file with dates kept as strings; errors name the file and line.

    ``what`` names the file in messages ("build file", "theme file", ...); ``path`` may
    be an fsspec URL (a build on a Dask cluster reads its theme and action files so)."""
    from .storage import is_url, read_text

    path = path if is_url(path) else Path(path)
    try:
        text = read_text(path)
    except FileNotFoundError:
        raise ParamsError(f"{what} not found", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParamsError(f"cannot read {what}: {exc}", path=path) from None
    try:
        return pickle.loads(_parse_yaml(text))  # a fresh copy: callers may change what they get
    except DuplicateKeyError as exc:
        raise ParamsError(str(exc), path=path, key=exc.where) from None
    except yaml.YAMLError as exc:
        raise ParamsError(f"not valid YAML: {exc}", path=path) from None


@functools.lru_cache(maxsize=32)
def _parse_yaml(text: str) -> bytes:
    # Report kernels read the same theme, action and benchmark files for every report:
    # each text is parsed once, and unpickling a copy is far cheaper than a deep copy.
    return pickle.dumps(yaml.load(text, Loader=_DateLessLoader))


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SqlSource(_Frozen):
    """A table or query read through SQLAlchemy."""

    url: str
    query: Optional[str] = None
    table: Optional[str] = None

    @model_validator(mode="after")
    def _one_of(self):
        if (self.query is None) == (self.table is None):
            raise ValueError("give exactly one of 'query' or 'table'")
        return self


_FILE_FORMATS = Literal["auto", "csv", "xlsx", "parquet", "qualtrics", "qualtrics_legacy", "qualtrics-xml",
                       "surveymonkey", "typeform", "google_forms", "delighted"]


class JoinFile(_Frozen):
    """A side file (segments, roles, accounts ...) joined to the responses by a key.

    ``on`` names the key column (the same name in both files) or maps the responses'
    column to the side file's (``{user_id: id}``). ``columns`` lists the side file's
    columns to bring (default: all but the key), or maps them to new names; they can
    then be mapped under ``data.columns`` like any column (to team, department, a
    segment or an attribute). ``how: left`` keeps every response (blanks where the key
    has no row); ``how: inner`` rejects those responses, with the reason. ``conflict``
    decides for a key with several rows: ``error`` (stop and say which keys),
    ``first`` (the first row in the file) or ``latest`` (the row with the latest
    ``date``).
    """

    path: str
    on: Union[str, dict[str, str]]
    columns: Union[list[str], dict[str, str]] = Field(default_factory=list)
    how: Literal["left", "inner"] = "left"
    conflict: Literal["error", "first", "latest"] = "error"
    date: Optional[str] = None
    format: _FILE_FORMATS = "auto"
    encoding: str = "auto"
    sheet: Optional[Union[str, int]] = None

    @model_validator(mode="before")
    @classmethod
    def _yaml_on(cls, value):
        # YAML 1.1 reads a bare ``on:`` key as the boolean true: it means this key.
        if isinstance(value, dict) and True in value and "on" not in value:
            value = {("on" if k is True else k): v for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _checks(self):
        if isinstance(self.on, dict) and len(self.on) != 1:
            raise ValueError("'on' is one key column, or one pair {responses column: side-file column}")
        if self.conflict == "latest" and not self.date:
            raise ValueError("conflict: latest needs 'date': the side file's column that says which row is latest")
        return self


class DataSource(_Frozen):
    """Where the survey responses come from and how their columns map to the canonical ones."""

    path: Optional[str] = None
    sql: Optional[SqlSource] = None
    format: Literal["auto", "csv", "xlsx", "parquet", "sql", "qualtrics", "qualtrics_legacy", "qualtrics-xml",
                    "surveymonkey", "typeform", "google_forms", "delighted"] = "auto"
    # A Qualtrics survey definition (.qsf): question texts, choice labels, the NPS question.
    survey_definition: Optional[str] = None
    # Side files joined to the responses by a key, in order (see JoinFile).
    join: list[JoinFile] = Field(default_factory=list)
    encoding: str = "auto"
    sheet: Optional[Union[str, int]] = None
    # source column -> canonical column (or a segment / attribute name listed below)
    columns: dict[str, str] = Field(default_factory=dict)
    # canonical column -> one value for every row (e.g. team: "Web shop")
    constants: dict[str, Union[str, int, float]] = Field(default_factory=dict)
    segments: list[str] = Field(default_factory=list)
    attributes: list[str] = Field(default_factory=list)
    # Time zone of timestamps written without one (Qualtrics writes none).
    source_timezone: str = "UTC"
    # "auto" detects day/month order and refuses to guess when a file is ambiguous.
    dayfirst: Union[bool, Literal["auto"]] = "auto"
    # Cells that mean "no answer" (compared trimmed, ignoring case); [] keeps every cell.
    na_values: list[str] = Field(default_factory=lambda: list(schema.NA_VALUES))

    @model_validator(mode="after")
    def _where(self):
        if self.path is None and self.sql is None:
            raise ValueError("give 'path' (a file) or 'sql' (a database table or query)")
        return self


def _option(name: str):
    """A field of a build-file section with the default and checks of :class:`ReportOptions`."""
    bounds = {k: getattr(m, k) for m in ReportOptions.model_fields[name].metadata
              for k in ("gt", "ge", "lt", "le") if hasattr(m, k)}
    return Field(default(name), **bounds)


class StatsOptions(_Frozen):
    """How intervals and small groups are handled (defaults: :class:`ReportOptions`)."""

    confidence: float = _option("confidence")
    interval: Literal["adjusted_wald", "wald", "bootstrap"] = _option("interval")
    display_floor: int = _option("display_floor")
    precision_moe: float = _option("precision_moe")
    bootstrap_samples: int = _option("bootstrap_samples")
    seed: int = _option("seed")


class Comparisons(_Frozen):
    """Significance testing of changes and gaps (defaults: :class:`ReportOptions`)."""

    alpha: float = _option("alpha")
    # Benjamini-Hochberg control of the false discovery rate where a report lists many tests.
    fdr: bool = _option("fdr")


class Dedupe(_Frozen):
    """Duplicate policy: exact duplicates and repeated response ids are always dropped."""

    latest_per_respondent: bool = False


class BuildParams(_Frozen):
    """One build: data, scope (quarters, teams, departments), statistics and outputs."""

    name: str = "build"
    data: DataSource
    quarters: Union[Literal["latest", "all"], list[str]] = "latest"
    teams: Union[Literal["all"], list[str]] = "all"
    departments: Union[Literal["all"], list[str]] = "all"
    timezone: str = _option("timezone")
    fiscal_year_start_month: int = _option("fiscal_year_start_month")
    trend_quarters: int = _option("trend_quarters")
    stats: StatsOptions = StatsOptions()
    dedupe: Dedupe = Dedupe()
    windows: Windows = Windows()
    comparisons: Comparisons = Comparisons()
    # Closing the loop: returned workbooks (folder relative to this file) and the service level.
    loop: Loop = Loop()
    output_dir: str = "output"
    formats: list[Literal["html", "pdf"]] = Field(default_factory=lambda: ["html"])
    page_size: Literal["A4", "Letter"] = "A4"
    benchmarks: Optional[str] = None
    themes: Optional[str] = None
    actions: Optional[str] = None
    jobs: Optional[int] = Field(None, ge=1)
    # A dask.distributed scheduler address (tcp://host:port): run reports on that cluster.
    scheduler: Optional[str] = None
    # A folder of one's own report templates (default: the shipped ones).
    templates: Optional[str] = None
    source_file: Optional[str] = Field(None, exclude=True)

    @field_validator("benchmarks", "themes", "actions")
    @classmethod
    def _shipped_file(cls, value, info):
        # "shipped": the file that ships in the package, as a path (resources.input_file)
        from .resources import SHIPPED, input_file

        return input_file(info.field_name, value) if value == SHIPPED else value

    def report_options(self, base=None) -> ReportOptions:
        """The options every report of this build reads (one typed object).

        ``base``: the folder the build file's benchmark, theme and action paths are
        relative to (default: as written; see :func:`nps_report.options.resolve_file`).

        Examples
        --------
        >>> from nps_report.params import parse_params
        >>> build = parse_params({"data": {"path": "x.csv"}, "stats": {"confidence": 0.9}})
        >>> build.report_options().confidence
        0.9
        """
        options = ReportOptions(
            **self.stats.model_dump(), **self.comparisons.model_dump(),
            trend_quarters=self.trend_quarters, timezone=self.timezone,
            fiscal_year_start_month=self.fiscal_year_start_month, windows=self.windows,
            loop=self.loop, benchmarks=self.benchmarks, themes=self.themes, actions=self.actions)
        return options if base is None else options.with_files_from(base)

    def loop_returns_folder(self) -> Optional[Path]:
        """The folder of returned close-the-loop workbooks: ``loop.returns`` from the build file's folder.

        None when the build file names none. A relative path is taken from the folder the
        build file is in (the current folder for a build file given as a dictionary).

        Examples
        --------
        >>> from nps_report.params import parse_params
        >>> build = parse_params({"data": {"path": "x.csv"}, "loop": {"returns": "loop/returned"}},
        ...                      path="/builds/q3/build.yaml")
        >>> build.loop_returns_folder().as_posix()
        '/builds/q3/loop/returned'
        """
        if not self.loop.returns:
            return None
        folder = Path(self.loop.returns)
        if folder.is_absolute() or not self.source_file:
            return folder
        return Path(self.source_file).parent / folder

    @field_validator("quarters")
    @classmethod
    def _quarter_labels(cls, value):
        if isinstance(value, list):
            for label in value:
                schema.parse_quarter(label)
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value):
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(value)
        except Exception:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like 'Europe/Paris')")
        return value


def _known_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys allowed at ``loc`` inside ``model`` (for suggestions)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        annotation = field.annotation
        candidates = [annotation] + list(getattr(annotation, "__args__", ()))
        current = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if current is None:
            return []
    return list(getattr(current, "model_fields", {}))


def _describe(error: dict, path, model) -> str:
    loc = tuple(error["loc"])
    key = ".".join(str(p) for p in loc) or "(top level)"
    if error["type"] == "extra_forbidden":
        known = [k for k in _known_keys(model, loc) if k != "source_file"]
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(known)}"
        return f"unknown key '{key}'{hint}"
    if error["type"] == "missing":
        return f"missing key '{key}'"
    given = error.get("input")
    given_text = "" if isinstance(given, dict) else f" (got {given!r})"
    return f"key '{key}': {error['msg']}{given_text}"


def parse_params(raw: Any, *, path=None) -> BuildParams:
    """Validate a dictionary (as read from YAML) into :class:`BuildParams`.

    Raises
    ------
    ParamsError
        Naming the file, the key and what was expected; an unknown key comes with
        the closest known key.
    """
    if raw is None:
        raise ParamsError("the build file is empty", path=path)
    if not isinstance(raw, dict):
        raise ParamsError(f"a build file is a mapping of keys, got {type(raw).__name__}", path=path)
    try:
        params = BuildParams.model_validate({**raw, "source_file": None if path is None else str(path)})
    except ValidationError as exc:
        lines = [_describe(e, path, BuildParams) for e in exc.errors()]
        first = exc.errors()[0]
        raise ParamsError("; ".join(lines), path=path,
                          key=".".join(str(p) for p in first["loc"])) from None
    return params


def load_params(path, **overrides) -> BuildParams:
    """Read and validate a build file; ``overrides`` replace top-level keys (from the CLI)."""
    raw = load_yaml(path)
    if isinstance(raw, dict):
        raw = {**raw, **{k: v for k, v in overrides.items() if v is not None}}
    return parse_params(raw, path=path)
