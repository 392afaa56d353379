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
from .io.readers import MAX_CELL_CHARS, MAX_COLUMNS
from .options import Loop, ReportOptions, Windows, default

__all__ = ["BuildParams", "Comparisons", "DataSource", "Dedupe", "JoinFile", "Loop", "Redaction", "SendOptions",
           "SmtpServer", "SqlSource", "StatsOptions", "Windows", "YAML_MAX_CHARS", "YAML_MAX_VALUES",
           "YamlTooLargeError", "expanded_size", "load_params", "load_yaml", "parse_params"]


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


#: The largest YAML file read (characters): build, theme, action and benchmark files are
#: a few kB; the shipped theme file, the largest, 16 kB.
YAML_MAX_CHARS = 5_000_000
#: The most values a YAML file may hold once its aliases are expanded (every key, value
#: and list item counted; the shipped theme file holds about 400). A "billion laughs"
#: file of nested aliases is small on disk and cheap to parse, but validating it walks
#: every expanded copy: it is refused here, before anything uses it.
YAML_MAX_VALUES = 200_000


class YamlTooLargeError(yaml.YAMLError):
    """A YAML file too large, or whose aliases expand to too many values."""


def expanded_size(value, limit: int = YAML_MAX_VALUES) -> int:
    """How many values ``value`` holds with its shared parts (YAML aliases) counted once
    per use: what a walk of the whole structure would visit. Computed from the shared
    structure (each distinct list or mapping once), so it is cheap whatever the total.

    Raises
    ------
    YamlTooLargeError
        When the total passes ``limit``, or an alias refers to itself (no finite size).

    Examples
    --------
    >>> laughs = ["ha"] * 10
    >>> expanded_size({"a": laughs, "b": [laughs, laughs]})
    37
    """
    sizes: dict = {}
    busy: set = set()

    def size(node) -> int:
        if not isinstance(node, (dict, list)):
            return 1
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in busy:
            raise YamlTooLargeError("an alias refers to the value that contains it (a recursive alias)")
        busy.add(key)
        items = [x for pair in node.items() for x in pair] if isinstance(node, dict) else node
        total = 1
        for item in items:
            total += size(item)
            if total > limit:
                break
        busy.discard(key)
        sizes[key] = total
        if total > limit:
            raise YamlTooLargeError(
                f"its aliases expand to more than {limit:,} values (an alias bomb?): "
                "write the values out, or use fewer nested aliases")
        return total

    return size(value)


def load_yaml(path, what: str = "build file") -> Any:
    """Read a YAML file with dates kept as strings; errors name the file and line.

    ``what`` names the file in messages ("build file", "theme file", ...); ``path`` may
    be an fsspec URL (a build on a Dask cluster reads its theme and action files so).
    A file longer than :data:`YAML_MAX_CHARS` or holding more than
    :data:`YAML_MAX_VALUES` values with its aliases expanded is refused
    (:class:`~nps_report.exceptions.ParamsError` naming the file)."""
    from .storage import is_url, read_text

    path = path if is_url(path) else Path(path)
    try:
        text = read_text(path)
    except FileNotFoundError:
        raise ParamsError(f"{what} not found", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParamsError(f"cannot read {what}: {exc}", path=path) from None
    if len(text) > YAML_MAX_CHARS:
        raise ParamsError(f"{what} is {len(text):,} characters long, more than the {YAML_MAX_CHARS:,} "
                          "a YAML file of nps-report may hold", path=path)
    try:
        return pickle.loads(_parse_yaml(text))  # a fresh copy: callers may change what they get
    except YamlTooLargeError as exc:
        raise ParamsError(f"{what} refused: {exc}", path=path) from None
    except DuplicateKeyError as exc:
        raise ParamsError(str(exc), path=path, key=exc.where) from None
    except yaml.YAMLError as exc:
        raise ParamsError(f"not valid YAML: {exc}", path=path) from None


@functools.lru_cache(maxsize=32)
def _parse_yaml(text: str) -> bytes:
    # Report kernels read the same theme, action and benchmark files for every report:
    # each text is parsed once, and unpickling a copy is far cheaper than a deep copy.
    value = yaml.load(text, Loader=_DateLessLoader)
    expanded_size(value)  # before anything walks it
    return pickle.dumps(value)


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
    # Limits checked while reading (a wider file or a longer cell stops the build, exit 2).
    max_columns: int = Field(MAX_COLUMNS, ge=1)
    max_cell_chars: int = Field(MAX_CELL_CHARS, ge=1)

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
    # Fewest commenting detractors mentioning a theme for it to be a pain point.
    min_detractors: int = _option("min_detractors")


class Dedupe(_Frozen):
    """Duplicate policy: exact duplicates and repeated response ids are always dropped."""

    latest_per_respondent: bool = False


def _addresses(value, key: str) -> list[str]:
    """One address or a list of them -> a list of ``name@domain`` texts (checked)."""
    from email.utils import getaddresses

    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise ValueError(f"{key}: give one e-mail address or a list of them")
    for item in items:
        found = getaddresses([item]) if isinstance(item, str) else []
        if len(found) != 1 or "@" not in found[0][1]:
            raise ValueError(f"{key}: {item!r} is not one e-mail address (list several as [a, b])")
    return [item.strip() for item in items]


class SmtpServer(_Frozen):
    """The SMTP server ``nps-report send --smtp`` sends through (login: environment only)."""

    host: Optional[str] = None
    port: Optional[int] = Field(None, ge=1, le=65535)
    # starttls: plain connection upgraded to TLS (port 587); ssl: TLS from the start (465).
    security: Literal["starttls", "ssl", "none"] = "starttls"
    timeout: float = Field(30, gt=0)


class SendOptions(_Frozen):
    """Who receives the department packs (``nps-report send``) and how they travel.

    ``departments`` maps each department to its recipients; ``leads`` maps a team to its
    lead, who receives the team's close-the-loop workbook only when ``team_leads`` is
    true. The SMTP login is never written here: it comes from the environment
    (``NPS_REPORT_SMTP_USER``, ``NPS_REPORT_SMTP_PASSWORD``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_address: Optional[str] = Field(None, alias="from")
    smtp: SmtpServer = SmtpServer()
    # Where the .eml files are written (default: outbox/ in the build folder).
    outbox: Optional[str] = None
    departments: dict[str, list[str]] = Field(default_factory=dict)
    team_pdfs: bool = False
    team_leads: bool = False
    leads: dict[str, list[str]] = Field(default_factory=dict)
    html: bool = True

    @field_validator("departments", "leads", mode="before")
    @classmethod
    def _address_lists(cls, value, info):
        if not isinstance(value, dict):
            return value
        return {name: _addresses(addresses, f"send.{info.field_name}.{name}")
                for name, addresses in value.items()}

    @field_validator("from_address")
    @classmethod
    def _sender(cls, value):
        return None if value is None else _addresses(value, "send.from")[0]

    @model_validator(mode="after")
    def _leads_listed(self):
        if self.team_leads and not self.leads:
            raise ValueError("team_leads is true but 'leads' lists no team lead (team: address)")
        return self


#: Keys that would put an SMTP login into a build file (refused: environment only).
SECRET_KEYS = {"password", "passwd", "pass", "secret", "user", "username", "login", "token"}


def _refuse_secrets(section, where: str, path) -> None:
    """Raise when a login key appears anywhere under ``section`` (naming it)."""
    if isinstance(section, dict):
        for key, value in section.items():
            name = f"{where}.{key}"
            if str(key).lower() in SECRET_KEYS:
                raise ParamsError(f"key '{name}': an SMTP login never goes in the build file; set "
                                  "NPS_REPORT_SMTP_USER and NPS_REPORT_SMTP_PASSWORD in the "
                                  "environment instead", path=path, key=name)
            _refuse_secrets(value, name, path)


class Redaction(_Frozen):
    """What quoted comments lose beyond e-mails, phone, card and account numbers."""

    # Regular expressions of the company's own identifiers (customer ids ...): each match
    # becomes [id] in a report's verbatims.
    patterns: list[str] = Field(default_factory=list)

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, value):
        from .redact import compile_patterns

        compile_patterns(tuple(value))  # ValueError naming the bad pattern
        return value


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
    comment_max_chars: int = _option("comment_max_chars")
    redact: Redaction = Redaction()
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
    # The folder owners return filled-in action logs to (XLSX or CSV; see nps_report.followup),
    # relative to the folder nps-report runs in, like data.path.
    action_log: Optional[str] = None
    jobs: Optional[int] = Field(None, ge=1)
    # A dask.distributed scheduler address (tcp://host:port): run reports on that cluster.
    scheduler: Optional[str] = None
    # A folder of one's own report templates (default: the shipped ones).
    templates: Optional[str] = None
    # Recipients of the department packs (nps-report send).
    send: Optional[SendOptions] = None
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
            comment_max_chars=self.comment_max_chars, redact_patterns=tuple(self.redact.patterns),
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
    return [field.alias or name for name, field in getattr(current, "model_fields", {}).items()]


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
    # pydantic prefixes a validator's own message with "Value error, ": the message is ours
    message = error["msg"].removeprefix("Value error, ")
    return f"key '{key}': {message}{given_text}"


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
    _refuse_secrets(raw.get("send"), "send", path)
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
