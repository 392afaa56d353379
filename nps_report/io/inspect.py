"""Say what a survey export holds (layout, columns, dates, scale, problems) and suggest
the params snippet that loads it: the ``nps-report inspect FILE`` command."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import pandas as pd

from .. import schema
from ..exceptions import DataError
from ..spreadsheets import FORMULA_START
from .dates import parse_dates
from .columns import (PROFILE_ROWS, comment_candidates, date_candidates, id_candidates, score_candidates,
                      team_candidates)
from .groups import flag_columns, nps_group_problems
from .layouts import XML_FORMAT, long_layout
from .load import DAMAGED_ID, parse_scores
from .readers import RawTable
from .source import read_table

# Cells a spreadsheet may run as a formula when the file is opened (CSV injection).
_NUMBER = r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?%?$"
_SCAN_ROWS = 200_000


@dataclass
class Problem:
    """One thing a person should know: ``level`` is ``error`` (cannot load as is),
    ``warning`` (loads, but check) or ``note``."""

    level: str
    message: str
    column: str | None = None


@dataclass
class InspectReport:
    """What :func:`inspect_file` found.

    Attributes
    ----------
    path, format, detected_because, encoding, delimiter, header_rows, rows, columns
        The file and its layout (``format`` as ``data.format`` takes it).
    questions : dict
        Column -> question text, where the header rows give one.
    score, comment, date, team, ids : list of dict
        Candidate columns, best first (see :mod:`nps_report.io.columns`).
    mapping : dict
        The suggested source column -> canonical column.
    scale : str
        The scale of the suggested score column (``0-10``, ``1-10``, ``-100/0/100``) or "".
    dates : list of str
        Date formats found in the suggested date column, with counts and examples.
    date_order : str
        How the day/month order was decided, or why it could not be.
    dayfirst : bool or None
        The day/month order to write in params (None: not needed, or undecided).
    problems : list of Problem
    snippet : str
        A params YAML snippet to copy into a build file.
    counted_rows : int
        The rows the counts (answers, distinct values) are taken on: every row, or the
        first 200,000 of a bigger file (then the report says so).
    question_kinds : dict
        Column -> ``nps``, ``text``, ``choice`` ... from a survey definition.
    survey_definition : str
        The ``.qsf`` file given, if any.
    """

    path: str
    format: str
    detected_because: str = ""
    encoding: str | None = None
    delimiter: str | None = None
    header_rows: int = 1
    rows: int = 0
    columns: list = field(default_factory=list)
    questions: dict = field(default_factory=dict)
    score: list = field(default_factory=list)
    comment: list = field(default_factory=list)
    date: list = field(default_factory=list)
    team: list = field(default_factory=list)
    ids: list = field(default_factory=list)
    mapping: dict = field(default_factory=dict)
    scale: str = ""
    dates: list = field(default_factory=list)
    date_order: str = ""
    dayfirst: bool | None = None
    date_needs_dayfirst: bool = False
    problems: list = field(default_factory=list)
    snippet: str = ""
    counted_rows: int = 0
    question_kinds: dict = field(default_factory=dict)
    survey_definition: str = ""

    def problem(self, level: str, message: str, column=None) -> None:
        self.problems.append(Problem(level, message, column))


def inspect_file(path, *, format: str = "auto", encoding: str = "auto", sheet=None,
                 survey_definition=None, told_by: str = "as asked") -> InspectReport:
    """Read a survey export and report what it holds and how to load it.

    Parameters
    ----------
    path : str or Path
        A CSV, XLSX, Parquet, JSON or Qualtrics XML export (a Qualtrics survey
        definition, ``.qsf``, is refused with a message saying what it holds).
    format, encoding, sheet
        As in a build file's ``data:`` (default: detect).
    survey_definition : str or Path, optional
        A Qualtrics ``.qsf`` file: names the NPS question and the comment questions.
    told_by : str
        Where an explicit ``format`` came from, as the report says it
        (the command line passes "given with --format").

    Returns
    -------
    InspectReport
        Print it with :func:`format_report`.

    Raises
    ------
    DataError
        When the file cannot be read as a table or holds no data rows.
    """
    raw = read_table(path, format=format, encoding=encoding, sheet=sheet,
                     survey_definition=survey_definition, told_by=told_by)
    report = inspect_table(raw)
    if survey_definition:
        report.survey_definition = str(survey_definition)
        report.snippet = suggest_params(report, raw)
    return report


def inspect_table(raw: RawTable) -> InspectReport:
    """The report of :func:`inspect_file` for a table already read."""
    frame = raw.frame
    if frame.shape[1] == 0:
        raise DataError("the file has no columns", path=raw.path)
    if len(frame) == 0:
        raise DataError(f"the file has a header ({frame.shape[1]} columns) but no data rows", path=raw.path)
    report = InspectReport(path=raw.path, format=raw.format, detected_because=raw.detected_because,
                           encoding=raw.encoding, delimiter=raw.delimiter, header_rows=raw.header_rows,
                           rows=len(frame), columns=list(frame.columns), questions=dict(raw.questions),
                           counted_rows=min(len(frame), PROFILE_ROWS), question_kinds=dict(raw.question_kinds))
    mapping = dict(raw.mapping)
    for note in raw.notes:
        if note != raw.no_score and not note.startswith("several columns could hold"):
            report.problem("note", note)

    # Score
    report.score = score_candidates(frame, raw.questions)
    score_column = next((c for c, t in mapping.items() if t == schema.SCORE), None)
    if score_column is None and report.score and raw.format not in ("qualtrics", "qualtrics_legacy"):
        score_column = report.score[0]["column"]
        mapping[score_column] = schema.SCORE
        if len(report.score) > 1:
            others = ", ".join(repr(c["column"]) for c in report.score[1:4])
            report.problem("warning", f"score: {score_column!r} suggested among several 0-10 columns "
                           f"(also {others}); check it is the recommend question", score_column)
        else:
            report.problem("warning", f"score: {score_column!r} suggested from its 0-10 answers; check it "
                           "is the recommend question", score_column)
    if score_column is None:
        why = raw.no_score or long_layout(frame) or "no column holds 0-10 answers"
        report.problem("error", f"no score column: {why}")
    else:
        _count_answers(report, frame)
        _check_scale(report, frame, score_column)
        _check_score_values(report, frame, score_column)
        _check_groups(report, raw, score_column)

    # Date
    report.date = date_candidates(frame)
    date_column = next((c for c, t in mapping.items() if t == schema.SUBMITTED_AT), None)
    if date_column is None and report.date and report.date[0]["points"] > 0:
        date_column = report.date[0]["column"]
        mapping[date_column] = schema.SUBMITTED_AT
        report.problem("warning", f"date: {date_column!r} suggested as the submission date; check it", date_column)
    if date_column is None:
        report.problem("warning", "no date column: map one to 'submitted_at', or set the survey date as a "
                       "constant (constants: {submitted_at: \"2026-09-30\"})")
    else:
        _check_dates(report, frame, date_column)

    # Comment, team, ids
    report.comment = comment_candidates(frame, after=score_column, questions=raw.questions)
    for candidate in report.comment:
        if raw.question_kinds.get(candidate["column"]) == "text":
            candidate["points"] += 2  # a text-entry question of the survey definition
    report.comment.sort(key=lambda c: (-c["points"], c["position"]))
    if schema.COMMENT not in mapping.values() and score_column is not None:  # comments on a score
        chosen = [c for c in report.comment if c["column"] not in mapping and c["points"] > 0]
        if len(chosen) > 1 and chosen[0]["points"] == chosen[1]["points"]:
            listed = ", ".join(repr(c["column"]) for c in chosen[:3])
            report.problem("note", f"several comment columns ({listed}): the canonical table keeps one "
                           "comment; map the one to analyse to 'comment'")
        if chosen:
            mapping[chosen[0]["column"]] = schema.COMMENT
    used = set(mapping)
    report.team = [c for c in team_candidates(frame, exclude=used) if c["distinct"] >= 1][:6]
    report.ids = id_candidates(frame, exclude=())
    if schema.TEAM not in mapping.values():
        named = [c for c in report.team if c["points"] > 0]
        if named:
            mapping[named[0]["column"]] = schema.TEAM
    report.mapping = mapping

    _check_cells(report, frame)
    if raw.row_problems is not None and len(raw.row_problems):
        first = raw.row_problems.iloc[0]
        report.problem("warning", f"{len(raw.row_problems):,} rows cannot be used and will be rejected "
                       f"(e.g. {first['reason']})")
    duplicates = int(frame.duplicated().sum())
    if duplicates:
        report.problem("note", f"{duplicates:,} exact duplicate rows (dropped and counted when loading)")
    if raw.encoding == "latin-1":
        report.problem("note", "not UTF-8: decoded as latin-1; check accented letters in the comments")
    report.snippet = suggest_params(report, raw)
    return report


def _check_scale(report: InspectReport, frame: pd.DataFrame, column: str) -> None:
    candidate = next((c for c in report.score if c["column"] == column), None)
    header = f"{column} {report.questions.get(column, '')}"
    if candidate is None:
        scores, reasons = parse_scores(frame[column].head(_SCAN_ROWS))
        valid = scores[reasons == ""]
        if valid.empty:
            report.problem("error", f"score column {column!r} holds no 0-10 answers", column)
            return
        candidate = {"min": int(valid.min()), "max": int(valid.max()), "answers": len(valid),
                     "scale": "0-10" if valid.min() == 0 else f"{int(valid.min())}-{int(valid.max())}"}
    report.scale = candidate["scale"]
    if candidate["scale"] == "-100/0/100":
        report.problem("error", f"{column!r} holds -100/0/100: respondents recoded so that the mean is the "
                       "NPS; the 0-10 answers are needed (find the raw score column)", column)
    elif re.search(r"\b1\s*(?:-|–|to)\s*10\b", header) or (
            candidate["min"] >= 1 and candidate["max"] == 10 and candidate["answers"] >= 20):
        report.problem("warning", f"{column!r} looks like a 1-10 scale (lowest answer {candidate['min']} in "
                       f"{candidate['answers']:,}): NPS uses 0-10; nps-report uses the answers as they "
                       "are and never rescales, so check the question", column)


def _count_answers(report: InspectReport, frame: pd.DataFrame) -> None:
    """Answers of each score candidate counted on the file (the candidates came from a sample)."""
    for candidate in report.score[:4]:
        _, reasons = parse_scores(frame[candidate["column"]].head(PROFILE_ROWS))
        candidate["answers"] = int((reasons == "").sum())


def _check_score_values(report: InspectReport, frame: pd.DataFrame, column: str) -> None:
    """Warn when the score column does not look like answers to a 0-10 question."""
    text = frame[column].head(PROFILE_ROWS).astype(str).str.strip()
    if report.format.startswith("qualtrics"):
        text = text[text != "-99"]  # Qualtrics: seen but not answered, reported with the groups
    scores, reasons = parse_scores(text)
    numbers = pd.to_numeric(text, errors="coerce")
    numeric = numbers.dropna()
    if len(numeric):
        fractional = numeric[numeric != numeric.round()]
        if len(fractional) > 0.05 * len(numeric):
            report.problem("warning", f"{len(fractional):,} of {len(numeric):,} numbers in {column!r} are not "
                           f"whole (e.g. {text[fractional.index[0]]!r}): answers to a 0-10 question are "
                           "whole numbers; this column may be a computed value (a probability, a mean)", column)
        outside = numeric[(numeric < 0) | (numeric > 10)]
        if len(outside) > 0.05 * len(numeric):
            report.problem("warning", f"{len(outside):,} of {len(numeric):,} numbers in {column!r} are outside "
                           f"0-10 (e.g. {text[outside.index[0]]!r}; they will be rejected): check this is the "
                           "recommend question", column)
    valid = scores[reasons == ""]
    if len(valid) >= 20:
        top = valid.value_counts()
        share = top.iloc[0] / len(valid)
        if share >= 0.9:
            report.problem("warning", f"{share:.0%} of the {len(valid):,} answers in {column!r} are "
                           f"{int(top.index[0])}: answers to a recommend question spread over the scale; "
                           "check this column holds survey answers (not a count or a flag)", column)


def _check_groups(report: InspectReport, raw: RawTable, column: str) -> None:
    spec = raw.nps_groups.get(column) or ({"flags": flag_columns(raw.frame)} if flag_columns(raw.frame) else None)
    if not spec:
        return
    problems, notes = nps_group_problems(raw.frame, column, spec)
    for note in notes:
        report.problem("note", note)
    source = spec.get("column") or ", ".join(spec["flags"].values())
    if len(problems):
        report.problem("warning", f"{len(problems):,} rows whose NPS group ({source}) disagrees with the "
                       f"score will be rejected (e.g. {problems['reason'].iloc[0]})", column)
    else:
        report.problem("note", f"NPS group ({source}) agrees with the score in every row")


def _check_dates(report: InspectReport, frame: pd.DataFrame, column: str) -> None:
    values = frame[column].head(_SCAN_ROWS)
    parsed = parse_dates(values, on_ambiguous="report")
    report.dates = parsed.describe()
    report.date_order = parsed.order
    report.dayfirst = parsed.dayfirst
    present = values.astype(str).str.strip() != ""
    if parsed.mixed:
        report.problem("warning", f"mixed date formats in {column!r}: " + "; ".join(parsed.describe()), column)
    ambiguous = parsed.reasons.str.startswith("ambiguous")
    if parsed.order.startswith(("undecided", "both")):
        report.date_needs_dayfirst = True
        report.problem("error", f"day/month order of {column!r} cannot be told from the file "
                       f"({parsed.order}): set 'dayfirst: true' or 'dayfirst: false' under 'data:'", column)
    bad = present & (parsed.reasons != "") & ~ambiguous
    if bad.any():
        first = values[bad].iloc[0]
        report.problem("warning", f"{int(bad.sum()):,} cells of {column!r} are not dates and will be "
                       f"rejected (e.g. {first!r}: {parsed.reasons[bad].iloc[0]})", column)


def _check_cells(report: InspectReport, frame: pd.DataFrame) -> None:
    """Spreadsheet damage and formula-like text, column by column."""
    sample = frame.head(_SCAN_ROWS)
    for column in sample.columns:
        text = sample[column].astype(str)
        damaged = text.str.strip().str.match(DAMAGED_ID)
        if damaged.any():
            report.problem("warning", f"{int(damaged.sum()):,} cells of {column!r} like "
                           f"{text[damaged].iloc[0]!r}: long ids turned into scientific notation by a "
                           "spreadsheet; the original ids are lost (re-export the file)", column)
        formula = text.str.startswith(FORMULA_START) & ~text.str.strip().str.match(_NUMBER)
        if formula.any():
            example = text[formula].iloc[0]
            report.problem("warning", f"{int(formula.sum()):,} cells of {column!r} start with "
                           f"{example[:1]!r} (e.g. {example[:40]!r}): kept as text, but a spreadsheet "
                           "opening an exported file may run them as formulas", column)


def _q(text) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(str(text), ensure_ascii=False)


def suggest_params(report: InspectReport, raw: RawTable) -> str:
    """A ``data:`` snippet for a build file that loads this export."""
    lines = ["data:", f"  path: {_q(report.path)}"]
    fmt = report.format if report.format not in ("json", "generic") else "auto"
    lines.append(f"  format: {fmt}")
    if raw.encoding and raw.encoding not in ("utf-8", "utf-8-sig"):
        lines.append(f"  encoding: {raw.encoding}")
    if report.survey_definition:
        lines.append(f"  survey_definition: {_q(report.survey_definition)}")
    lines.append("  columns:                       # source column -> canonical column")
    targets = set()
    for column, target in report.mapping.items():
        comment = ""
        if target == schema.TEAM and raw.mapping.get(column) != schema.TEAM:
            others = [repr(c["column"]) for c in report.team if c["column"] != column][:3]
            comment = "  # check; other candidates: " + ", ".join(others) if others else "  # check"
        lines.append(f"    {_q(column)}: {target}{comment}")
        targets.add(target)
    for segment in raw.segments:
        name = re.sub(r"[^0-9a-z]+", "_", segment.split(".", 1)[-1].lower()).strip("_") or "segment"
        lines.append(f"    {_q(segment)}: {name}")
    constants = []
    if schema.TEAM not in targets:
        listed = ", ".join(repr(c["column"]) for c in report.team[:3])
        hint = f"  # or map a column to team (candidates: {listed})" if listed else ""
        constants.append(f"    team: {_q('All responses')}{hint}")
    if constants:
        lines.append("  constants:")
        lines += constants
    if raw.segments:
        names = [re.sub(r"[^0-9a-z]+", "_", s.split(".", 1)[-1].lower()).strip("_") or "segment"
                 for s in raw.segments]
        lines.append(f"  segments: [{', '.join(names)}]")
    if schema.SCORE not in targets:
        lines.append("  # no score column found (see the problems above): map the 0-10 answers to score")
    if schema.SUBMITTED_AT not in targets:
        lines.append("  # no date column: map one to submitted_at, or add under constants:")
        lines.append("  #   submitted_at: \"2026-09-30\"")
    if report.date_needs_dayfirst:
        lines.append("  # dayfirst: true    # REQUIRED: set true (13/01/2026) or false (01/13/2026);"
                     " the file does not tell")
    elif report.dayfirst is not None:
        lines.append(f"  dayfirst: {str(report.dayfirst).lower()}             # {report.date_order}")
    if raw.source_timezone:
        lines.append(f"  source_timezone: {raw.source_timezone}       # stated in the file's header")
    elif report.dates and any("without zone" in d or "day/" in d or "month" in d or "serial" in d
                              for d in report.dates):
        lines.append("  source_timezone: UTC          # the zone the survey tool exported in; the file does not say")
    return "\n".join(lines) + "\n"


def format_report(report: InspectReport) -> str:
    """The report as text for a terminal."""
    out = [f"File      {report.path}"]
    layout = f"{report.format}"
    if report.detected_because:
        layout += f"  ({report.detected_because})"
    out.append(f"Format    {layout}")
    details = ([f"{report.header_rows} header row{'s' if report.header_rows != 1 else ''}"]
               if report.format != XML_FORMAT else ["one <Response> element per row"])
    if report.encoding:
        details.append(f"encoding {report.encoding}")
    if report.delimiter:
        details.append(f"delimiter {report.delimiter!r}")
    out.append(f"Layout    {', '.join(details)}; {report.rows:,} data rows, {len(report.columns)} columns")
    if report.counted_rows and report.counted_rows < report.rows:
        out.append(f"Counts    below are on the first {report.counted_rows:,} rows (a sample of "
                   f"{report.counted_rows:,} of {report.rows:,})")
    kinds = report.question_kinds
    lead = "Questions"
    for kind, label in (("nps", "NPS"), ("text", "text")):
        named = [c for c, k in kinds.items() if k == kind]
        if named:
            out.append(f"{lead:<10}{label}: " + "; ".join(
                f"{c!r} {report.questions.get(c, '')!r}" for c in named[:4]))
            lead = ""

    def listing(candidates, show):
        return "; ".join(show(c) for c in candidates[:4]) if candidates else "none found"

    chosen = {t: c for c, t in report.mapping.items()}
    score = chosen.get(schema.SCORE)
    score_text = f"{score!r} (scale {report.scale or '?'})" if score else "none"
    out.append(f"Score     {score_text}; candidates: "
               + listing(report.score, lambda c: f"{c['column']!r} {c['scale']}, {c['answers']:,} answers"))
    def pick(target):
        return repr(chosen[target]) if target in chosen else "none"

    out.append(f"Comment   {pick(schema.COMMENT)}; candidates: "
               + listing(report.comment, lambda c: repr(c["column"]) + (
                   f" (free text, {c['distinct']:,} distinct answers)" if c.get("free_text") else "")))
    out.append(f"Date      {pick(schema.SUBMITTED_AT)}; candidates: "
               + listing(report.date, lambda c: repr(c["column"])))
    for line in report.dates:
        out.append(f"            {line}")
    if report.date_order:
        out.append(f"          day/month order: {report.date_order}")
    out.append("Team      candidates: " + listing(
        report.team, lambda c: f"{c['column']!r} ({c['distinct']} values, e.g. "
                               f"{', '.join(map(str, c['examples'][:2]))})"))
    if report.ids:
        out.append("Ids       " + listing(report.ids, lambda c: f"{c['column']!r}"
                                          + ("" if c["unique"] else " (repeats)")))
    out.append("")
    if report.problems:
        out.append("Problems")
        marks = {"error": "x", "warning": "!", "note": "-"}
        order = {"error": 0, "warning": 1, "note": 2}
        for p in sorted(report.problems, key=lambda p: order.get(p.level, 3)):
            out.append(f"  {marks.get(p.level, '-')} {p.level}: {p.message}")
        out.append("")
    out.append("Suggested params (copy into your build file and check the lines marked):")
    out += ["  " + line for line in report.snippet.rstrip("\n").splitlines()]
    return "\n".join(out)


__all__ = ["InspectReport", "Problem", "format_report", "inspect_file", "inspect_table", "suggest_params"]
