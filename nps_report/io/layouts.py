"""Survey-tool export layouts: detect which tool wrote a table, read its header rows,
and suggest the canonical column mapping (one small function per tool).

Detection looks only at the header rows, never at question wording in a UI
language (Qualtrics' second header row is localised):

=================  ==============================================================
qualtrics          ``ResponseId`` with ``StartDate``/``EndDate``/``RecordedDate``, or a
                   ``<QID>_NPS_GROUP`` column; 3 header rows when the third row holds
                   ``{"ImportId": ...}``, 2 when the second row is question text
qualtrics_legacy   ``V1, V2, V3 ...`` ids over a row holding ``ResponseID`` (2 header rows)
surveymonkey       ``Respondent ID`` with ``Collector ID`` or ``Start Date`` (2 header rows:
                   question, then ``Response`` / sub-choice)
typeform           first column ``#`` with ``Submit Date (UTC)``, ``Network ID`` or
                   ``Response Type``
google_forms       first column ``Timestamp``
delighted          ``score`` and ``created_at`` with ``person``, ``survey_type``,
                   ``permalink`` or ``person_properties...`` (the API's field names)
generic            anything else: one header row
=================  ==============================================================
"""

from __future__ import annotations

import csv
import io as stdio
import json
import re

import pandas as pd

from .. import schema
from ..exceptions import DataError
from .columns import (QUALTRICS_META, canonical_names, choose, comment_candidates, date_candidates,
                      sample_cells, score_candidates, snake)
from .groups import flag_columns
from .survey_definition import SurveyDefinition
from .xml_export import looks_like_xml
from .readers import (Grid, RawTable, big_fields, detect_delimiter, detect_encoding, drop_empty_unnamed,
                      frame_with_header, read_grid, unique_names)

__all__ = ["CONTAINERS", "FORMATS", "XML_FORMAT", "detect_format", "detect_layout", "import_grid", "long_layout"]

FORMATS = ("qualtrics", "qualtrics_legacy", "surveymonkey", "typeform", "google_forms",
           "delighted", "generic")
CONTAINERS = ("csv", "xlsx", "parquet", "sql", "json")
#: ``data.format`` of a Qualtrics XML export (read by :mod:`nps_report.io.xml_export`).
XML_FORMAT = "qualtrics-xml"
_GROUP_SUFFIX = "_NPS_GROUP"
_SAMPLE = 5000
_GUESS_ROWS = 20_000


# --------------------------------------------------------------------------- detection

def _head_rows(grid: Grid, count: int = 3) -> list[list[str]]:
    if grid.named:
        return [[str(c) for c in grid.frame.columns]]
    head = grid.frame.iloc[:count]
    return [[str(v).strip() for v in row] for row in head.itertuples(index=False)]


def _is_import_id_row(row) -> bool:
    cells = [c for c in row if c]
    return bool(cells) and sum(c.startswith(('{"ImportId"', "{'ImportId'", '{"importId"')) for c in cells) \
        >= max(1, len(cells) // 2)


def _qualtrics_header_rows(rows) -> int:
    if len(rows) >= 3 and _is_import_id_row(rows[2]):
        return 3
    if len(rows) >= 2 and _is_import_id_row(rows[1]):
        return 2
    if len(rows) >= 2:
        names = rows[0]
        second = dict(zip(names, rows[1]))
        rid = second.get("ResponseId", second.get("ResponseID"))
        start = second.get("StartDate", second.get("EndDate", second.get("RecordedDate")))
        looks_like_data = bool((rid and re.match(r"^R_\w+$", rid)) or (start and re.match(r"^\d", start)))
        if (rid or start) and not looks_like_data:
            return 2
    return 1


def detect_layout(rows: list[list[str]], *, named: bool = False) -> tuple[str, int, str]:
    """Which tool wrote a table, from its first rows: ``(format, header_rows, because)``.

    ``rows`` are the first three records of the file as text (or only the column
    names, with ``named=True``, for Parquet/JSON/SQL sources). ``format`` is one of
    :data:`FORMATS`.
    """
    first = rows[0] if rows else []
    names = set(first)
    lowered = {c.lower() for c in first}
    header = 0 if named else 1
    extra = (lambda n: 0) if named else (lambda n: n)
    v_ids = sum(bool(re.fullmatch(r"V\d+", c)) for c in first)
    if first and first[0] == "V1" and v_ids >= 3 and len(rows) >= 2 and \
            ({"ResponseID", "ResponseId"} & set(rows[1])):
        return "qualtrics_legacy", extra(2), "V1, V2, ... ids over a row naming ResponseID (Qualtrics legacy export)"
    group_columns = [c for c in first if c.endswith(_GROUP_SUFFIX)]
    if ({"ResponseId", "ResponseID"} & names and QUALTRICS_META & names) or group_columns:
        because = ("a <QID>_NPS_GROUP column" if group_columns and not {"ResponseId", "ResponseID"} & names
                   else "ResponseId with StartDate/EndDate/RecordedDate columns")
        return "qualtrics", extra(_qualtrics_header_rows(rows)), because + " (Qualtrics export)"
    if "Respondent ID" in names and ({"Collector ID", "Start Date", "End Date"} & names):
        second = rows[1] if len(rows) > 1 else []
        two = bool(second) and (not second[0] or {"Response", "Open-Ended Response"} & set(second))
        return "surveymonkey", extra(2 if two else 1), "Respondent ID and Collector ID columns (SurveyMonkey export)"
    if first and first[0] == "#" and any(c.startswith(("Submit Date", "Start Date")) or c in
                                          ("Network ID", "Response Type") for c in first):
        return "typeform", header, "a '#' token column with Submit Date (UTC) / Network ID (Typeform export)"
    if first and first[0].lower() == "timestamp":
        return "google_forms", header, "a first column named Timestamp (Google Forms export)"
    if {"score", "created_at"} <= lowered and (
            {"person", "survey_type", "permalink"} & lowered
            or any(c.startswith("person_properties") or c.startswith("person.") for c in lowered)):
        return "delighted", header, "score, created_at and person fields (Delighted API export)"
    return "generic", header, "no survey tool's header layout recognised: one header row"


def detect_format(data) -> str:
    """Name the layout of a survey export.

    Parameters
    ----------
    data : bytes, str or Path, DataFrame, Grid or RawTable
        File contents, a file path, a table with named columns, or a read grid.

    Returns
    -------
    str
        A survey tool (``qualtrics``, ``qualtrics_legacy``, ``surveymonkey``,
        ``typeform``, ``google_forms``, ``delighted``, ``qualtrics-xml``) or, for any
        other table, how it is stored (``csv``, ``xlsx``, ``parquet``, ``json``,
        ``sql``): the values ``data.format`` takes in a build file.
    """
    if isinstance(data, RawTable):
        return data.format
    if isinstance(data, (bytes, bytearray)):
        data = bytes(data)
        if looks_like_xml(data[:64]):
            return XML_FORMAT
        if data.startswith(b"PK\x03\x04"):
            try:
                frame = pd.read_excel(stdio.BytesIO(data), header=None, dtype=str, nrows=3,
                                      keep_default_na=False, engine="openpyxl")
            except Exception as exc:  # damaged workbooks raise many kinds
                raise DataError(f"cannot read as an Excel workbook: {exc}") from None
            grid = Grid(frame.fillna("").astype(str), "", "xlsx")
        else:
            # Only the first records matter: decode the head leniently, read three records.
            text = data[:256_000].decode(detect_encoding(data), errors="ignore").lstrip("\ufeff")
            text = text.replace("\x00", "")
            records = []
            reader = csv.reader(stdio.StringIO(text, newline=""), delimiter=detect_delimiter(text), strict=False)
            try:
                with big_fields():
                    for record in reader:
                        if record:
                            records.append(record)
                        if len(records) == 3:
                            break
            except csv.Error as exc:
                raise DataError(f"cannot parse as CSV: {exc}") from None
            if not records:
                raise DataError("the file is empty (no header row)")
            width = len(records[0])
            grid = Grid(pd.DataFrame([(r + [""] * width)[:width] for r in records]), "", "csv")
    elif isinstance(data, pd.DataFrame):
        named = not isinstance(data.columns, pd.RangeIndex)
        grid = Grid(data, "", "parquet" if named else "csv", named=named)
    elif isinstance(data, Grid):
        grid = data
    else:
        grid = read_grid(data)
    layout, _, _ = detect_layout(_head_rows(grid), named=grid.named)
    if grid.container == "xml":
        return XML_FORMAT
    return grid.container if layout == "generic" else layout


# --------------------------------------------------------------------------- import

def import_grid(grid: Grid, *, format: str = "auto", given=(), told_by: str = "from the build file",
                definition: SurveyDefinition | None = None) -> RawTable:
    """Turn a read :class:`Grid` into a :class:`RawTable` with the layout's header rows
    applied and a suggested mapping; ``format`` as in ``DataSource.format``.

    ``given`` names canonical columns the build already maps (or sets as constants):
    no column is guessed for them. ``told_by`` says where an explicit ``format`` came
    from, for the "detected because" line. ``definition`` (a Qualtrics ``.qsf``) names
    the questions, labels choice codes and marks the NPS question."""
    rows = _head_rows(grid)
    if not rows or not rows[0]:
        raise DataError("the file has no columns", path=grid.path)
    asked = "qualtrics" if format == XML_FORMAT else format
    if asked == "auto":
        layout, header_rows, because = detect_layout(rows, named=grid.named)
        if grid.container == "xml":
            because = because.replace("(Qualtrics export)", "(Qualtrics XML export)") \
                if layout == "qualtrics" else "an XML file of <Response> elements; " + because
    elif asked in ("csv", "xlsx", "parquet", "sql", "generic"):
        layout, header_rows, because = "generic", (0 if grid.named else 1), f"format: {format} ({told_by})"
    elif asked in FORMATS:
        layout, header_rows, _ = detect_layout(rows, named=grid.named)
        if layout != asked:
            header_rows = 0 if grid.named else _explicit_header_rows(asked, rows)
        layout, because = asked, f"format: {format} ({told_by})"
    else:
        raise DataError(f"unknown format {format!r}; one of auto, csv, xlsx, parquet, sql, "
                        + ", ".join(f for f in FORMATS if f != "generic") + f", {XML_FORMAT}", path=grid.path)
    if not grid.named and len(grid.frame) < header_rows:
        header_rows = len(grid.frame)
    table = _IMPORTERS[layout](grid, header_rows, rows)
    if definition is not None:
        _apply_definition(table, definition)
    if "guess" in table:
        table = _with_guesses(table, exclude=table["guess"], given=set(given))
        if table.get("long") and schema.SCORE not in table["mapping"].values():
            table["no_score"] = table["long"]
    shown = layout if layout != "generic" else (format if format in CONTAINERS else grid.container)
    if grid.container == "xml":
        shown = XML_FORMAT  # the one XML layout read; its reader already named the columns
    notes = list(table.get("notes", []))
    problems = [p for p in (_malformed_problems(grid, header_rows, table["frame"]),
                            table.get("row_problems")) if p is not None and len(p)]
    malformed = None
    if problems:
        malformed = pd.concat(problems)
        malformed = malformed[~malformed.index.duplicated(keep="first")]
    return RawTable(
        frame=table["frame"], path=grid.path, format=shown, encoding=grid.encoding,
        header_rows=header_rows, mapping=table.get("mapping", {}), notes=tuple(notes),
        row_problems=malformed, nps_groups=table.get("nps_groups", {}),
        questions=table.get("questions", {}), container=grid.container, delimiter=grid.delimiter,
        source_timezone=table.get("source_timezone"), segments=tuple(table.get("segments", ())),
        no_score=table.get("no_score", ""), detected_because=because,
        question_kinds=table.get("question_kinds", {}))


def _explicit_header_rows(format: str, rows) -> int:
    if format == "qualtrics":
        return _qualtrics_header_rows(rows)
    if format in ("qualtrics_legacy", "surveymonkey"):
        return 2
    return 1


def _malformed_problems(grid: Grid, header_rows: int, frame: pd.DataFrame):
    bad = {pos - header_rows: why for pos, why in grid.malformed.items() if pos >= header_rows}
    if not bad:
        return None
    index = frame.index[list(bad)]
    return pd.DataFrame({"reason": [r for r, _ in bad.values()], "column": "",
                         "value": [v for _, v in bad.values()]}, index=index)


def _body(grid: Grid, header_rows: int, names) -> pd.DataFrame:
    if grid.named:
        return grid.frame.copy()
    return drop_empty_unnamed(frame_with_header(grid.frame, [names], header_rows))


def _first_present(columns, *names):
    for name in names:
        if name in columns:
            return name
    return None


def _qualtrics(grid: Grid, header_rows: int, rows) -> dict:
    names = unique_names(rows[0])
    frame = _body(grid, header_rows, names)
    questions = {}
    if header_rows >= 2 and not grid.named:
        questions = {n: t for n, t in zip(names, rows[1]) if t and t != n}
    import_ids, zones = {}, {}
    if header_rows >= 3 and not grid.named:
        for name, cell in zip(names, rows[2]):
            try:
                parsed = json.loads(cell)
                import_ids[name] = str(parsed.get("ImportId", ""))
                if parsed.get("timeZone"):
                    zones[name] = str(parsed["timeZone"])
            except (ValueError, AttributeError):
                pass
    result = _qualtrics_mapping(frame, questions, import_ids, "ResponseId", "ExternalReference")
    date = next((c for c, t in result["mapping"].items() if t == schema.SUBMITTED_AT), None)
    if date in zones and _known_zone(zones[date]):
        # Newer exports name the export's zone in the ImportId row; the file knows best.
        result["source_timezone"] = zones[date]
    return result


def _known_zone(name: str) -> bool:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(name)
        return True
    except Exception:  # ZoneInfoNotFoundError, ValueError for odd names
        return False


def _qualtrics_legacy(grid: Grid, header_rows: int, rows) -> dict:
    top = rows[0]
    second = rows[1] if len(rows) > 1 else [""] * len(top)
    merged = [s if re.fullmatch(r"V\d+", t) and s else t for t, s in zip(top, second)]
    names = unique_names(merged)
    frame = _body(grid, header_rows, names)
    questions = {n: s for n, t, s in zip(names, top, second) if s and s != n and not re.fullmatch(r"V\d+", t)}
    return _qualtrics_mapping(frame, questions, {}, "ResponseID", "ExternalDataReference")


def _qualtrics_mapping(frame, questions, import_ids, id_name, external_name) -> dict:
    columns = list(frame.columns)
    mapping = canonical_names(columns)
    rid = _first_present(columns, id_name, "ResponseId", "ResponseID")
    if rid:
        mapping[rid] = schema.RESPONSE_ID
    date = _first_present(columns, "EndDate", "RecordedDate", "StartDate")
    if date:
        mapping[date] = schema.SUBMITTED_AT
    email = _first_present(columns, "RecipientEmail", "EmailAddress")
    if email:
        mapping[email] = "email"
    external = _first_present(columns, external_name, "ExternalReference", "ExternalDataReference")
    if external and sample_cells(frame, external):
        mapping[external] = schema.RESPONDENT_ID
    pairs = [(c[: -len(_GROUP_SUFFIX)], c) for c in columns
             if c.endswith(_GROUP_SUFFIX) and c[: -len(_GROUP_SUFFIX)] in columns]
    lonely = [c for c in columns if c.endswith(_GROUP_SUFFIX) and c[: -len(_GROUP_SUFFIX)] not in columns]
    notes = []
    nps_groups = {score: {"column": group, "unanswered": "-99"} for score, group in pairs}
    no_score = ""
    if len(pairs) == 1:
        score = pairs[0][0]
        mapping[score] = schema.SCORE
        comment = _qualtrics_comment(columns, score, import_ids, frame, questions)
        if comment:
            mapping[comment] = schema.COMMENT
    elif len(pairs) > 1:
        listed = ", ".join(s for s, _ in pairs)
        notes.append(f"several NPS questions ({listed}): map the one to report on to 'score'")
        no_score = (f"this Qualtrics export has several NPS questions ({listed}); map the one to "
                    "report on to 'score' under data.columns")
    else:
        no_score = ("this Qualtrics export has no NPS question: no column ends in _NPS_GROUP (Qualtrics "
                    "writes one beside every NPS question), so it is not an NPS survey; if the 0-10 "
                    "answers are in another column, map it to 'score' under data.columns")
    if lonely:
        notes.append(f"{', '.join(lonely)} without its score column: the group cannot be checked")
    return {"frame": frame, "mapping": mapping, "questions": questions, "notes": notes,
            "nps_groups": nps_groups, "no_score": no_score}


def _qualtrics_comment(columns, score, import_ids, frame, questions):
    """The text question right after the NPS question (its "why?"), if there is one."""
    position = columns.index(score)
    if position + 1 >= len(columns):
        return None
    following = columns[position + 1]
    if import_ids.get(following, "").endswith("_TEXT") or following.endswith("_TEXT"):
        return following
    if not import_ids:
        found = comment_candidates(frame[[following]], questions=questions)
        if found and found[0]["points"] > 0:
            return following
    return None


def _apply_definition(table: dict, definition: SurveyDefinition) -> None:
    """Name the questions from a survey definition, label choice codes, find the NPS question.

    Question texts fill columns the header rows left unnamed; a multiple-choice column
    whose every answer is a choice code gets the choice labels (Qualtrics' XML export and
    "numeric values" CSVs write codes); an NPS question is taken as the score when the
    export has no ``_NPS_GROUP`` column to show it.
    """
    frame, notes = table["frame"], table.setdefault("notes", [])
    questions = table.setdefault("questions", {})
    for column, text in definition.column_texts(frame.columns).items():
        questions.setdefault(column, text)
    kinds = {}
    for column in frame.columns:
        question = definition.question_for(column)
        if question is None:
            continue
        kinds[column] = "nps group" if str(column).endswith(_GROUP_SUFFIX) else question.kind
        if question.kind != "choice" or not question.choices or str(column).endswith("_TEXT"):
            continue
        cells = frame[column].astype(str).str.strip()
        answered = cells[cells != ""]
        if len(answered) and answered.isin(list(question.choices)).all():
            frame[column] = cells.map(question.choices).fillna("")
            shown = ", ".join(f"{code} = {label}" for code, label in list(question.choices.items())[:4])
            notes.append(f"{column}: choice codes replaced by their labels from the survey definition ({shown})")
    table["question_kinds"] = kinds
    mapping = table.setdefault("mapping", {})
    nps = [c for c, kind in kinds.items() if kind == "nps"]
    if schema.SCORE not in mapping.values() and len(nps) == 1:
        mapping[nps[0]] = schema.SCORE
        table["no_score"] = ""
        table["notes"] = [n for n in notes if not n.startswith("several NPS questions")]
        texts = [c for c, kind in kinds.items() if kind == "text"]
        if texts and schema.COMMENT not in mapping.values():
            mapping[texts[0]] = schema.COMMENT


def _surveymonkey(grid: Grid, header_rows: int, rows) -> dict:
    top = rows[0]
    second = rows[1] if header_rows >= 2 and len(rows) > 1 else [""] * len(top)
    names, current = [], ""
    for title, sub in zip(top, second):
        current = title or current
        if sub and sub not in ("Response", "Open-Ended Response") and title != sub:
            names.append(f"{current} - {sub}" if current else sub)
        else:
            names.append(title or current)
    names = unique_names(names)
    frame = _body(grid, header_rows, names)
    mapping = canonical_names(frame.columns)
    for source, target in (("Respondent ID", schema.RESPONSE_ID), ("Email Address", "email")):
        if source in frame.columns:
            mapping[source] = target
    date = _first_present(frame.columns, "End Date", "Start Date")
    if date:
        mapping[date] = schema.SUBMITTED_AT
    questions = {n: t for n, t in zip(names, top) if t and t != n}
    result = {"frame": frame, "mapping": mapping, "questions": questions}
    result["guess"] = ("Respondent ID", "Collector ID", "IP Address", "Custom Data 1")
    return result


def _typeform(grid: Grid, header_rows: int, rows) -> dict:
    frame = _body(grid, header_rows, rows[0])
    mapping = canonical_names(frame.columns)
    if "#" in frame.columns:
        mapping["#"] = schema.RESPONSE_ID
    date = _first_present(frame.columns, "Submit Date (UTC)", "Submit Date", "Start Date (UTC)")
    result = {"frame": frame, "mapping": mapping}
    if date:
        mapping[date] = schema.SUBMITTED_AT
        if "(UTC)" in date:
            result["source_timezone"] = "UTC"
    result["guess"] = ("#", "Network ID", "Response Type")
    return result


def _google_forms(grid: Grid, header_rows: int, rows) -> dict:
    frame = _body(grid, header_rows, rows[0])
    mapping = canonical_names(frame.columns)
    stamp = next((c for c in frame.columns if c.lower() == "timestamp"), None)
    if stamp:
        mapping[stamp] = schema.SUBMITTED_AT
    email = next((c for c in frame.columns if c.lower() == "email address"), None)
    if email:
        mapping[email] = "email"
    return {"frame": frame, "mapping": mapping, "guess": ()}


def _delighted(grid: Grid, header_rows: int, rows) -> dict:
    frame = _body(grid, header_rows, rows[0])
    by_lower = {c.lower(): c for c in frame.columns}
    mapping = {}
    for source, target in (("id", schema.RESPONSE_ID), ("score", schema.SCORE),
                           ("comment", schema.COMMENT), ("created_at", schema.SUBMITTED_AT),
                           ("person.email", "email")):
        if source in by_lower:
            mapping[by_lower[source]] = target
    person = by_lower.get("person.id") or by_lower.get("person")
    if person:
        mapping[person] = schema.RESPONDENT_ID
    properties = [c for c in frame.columns if c.lower().startswith(("person_properties.", "person_properties_"))]
    # A person property named like a canonical column (Team, Department) is that column.
    for column in properties:
        target = snake(column[len("person_properties."):])
        if target in (schema.TEAM, schema.DEPARTMENT) and target not in mapping.values():
            mapping[column] = target
    segments = tuple(c for c in properties if c not in mapping)
    result = {"frame": frame, "mapping": mapping, "segments": segments}
    survey_type = by_lower.get("survey_type")
    if survey_type:
        kinds = frame[survey_type].str.strip().str.lower()
        other = (kinds != "") & (kinds != "nps")
        if other.any():
            result["row_problems"] = pd.DataFrame(
                {"reason": "not an NPS answer (Delighted survey_type " + kinds[other] + ")",
                 "column": survey_type, "value": frame.loc[other, survey_type]})
            result["notes"] = [f"{int(other.sum())} answers of other Delighted survey types "
                               f"({', '.join(sorted(kinds[other].unique())[:5])}) are rejected"]
    if "score" not in by_lower:
        result["no_score"] = "this Delighted export has no 'score' column"
    return result


def _generic(grid: Grid, header_rows: int, rows) -> dict:
    frame = _body(grid, header_rows, rows[0])
    result = {"frame": frame, "mapping": canonical_names(frame.columns), "notes": [], "guess": ()}
    long = long_layout(frame)
    if long:
        result["notes"].append(long)
        result["long"] = long
    return result

_IMPORTERS = {"qualtrics": _qualtrics, "qualtrics_legacy": _qualtrics_legacy,
              "surveymonkey": _surveymonkey, "typeform": _typeform,
              "google_forms": _google_forms, "delighted": _delighted, "generic": _generic}


def _with_guesses(result: dict, exclude=(), given=frozenset()) -> dict:
    """Fill score, date and comment from the column heuristics where one column clearly wins
    (not for targets in ``given``: the build maps those itself)."""
    frame, mapping = result["frame"], result["mapping"]
    notes = result.setdefault("notes", [])
    questions = result.get("questions", {})
    taken = set(mapping.values()) | set(given)
    used = set(mapping) | set(exclude)
    if schema.SCORE not in taken:
        candidates = [c for c in score_candidates(frame, questions) if c["column"] not in used]
        # Only a question that says recommend / likely / NPS is taken without asking.
        chosen = choose(candidates, strong=2)
        if chosen and not chosen["nps_words"]:
            chosen = None
        if chosen:
            mapping[chosen["column"]] = schema.SCORE
            used.add(chosen["column"])
            flags = flag_columns(frame)
            if flags:
                result.setdefault("nps_groups", {})[chosen["column"]] = {"flags": flags}
        elif candidates:
            listed = ", ".join(repr(c["column"]) for c in candidates[:5])
            notes.append(f"several columns could hold the 0-10 score ({listed}): map one to 'score'")
            result.setdefault("no_score", f"several columns could hold the 0-10 score ({listed}); map "
                              "the recommend question to 'score' under data.columns")
        else:
            result.setdefault("no_score", "no column holds 0-10 answers, so this is not NPS data "
                              "(or its scores were recoded); " + _what_it_looks_like(frame))
    if schema.SUBMITTED_AT not in taken:
        chosen = choose([c for c in date_candidates(frame) if c["column"] not in used], strong=2)
        if chosen:
            mapping[chosen["column"]] = schema.SUBMITTED_AT
            used.add(chosen["column"])
    if schema.COMMENT not in taken:
        score_column = next((s for s, t in mapping.items() if t == schema.SCORE), None)
        # Loading only needs the choice, not the counts: a smaller look at each column.
        chosen = choose([c for c in comment_candidates(frame, after=score_column, rows=_GUESS_ROWS)
                         if c["column"] not in used], strong=2)
        if chosen:
            mapping[chosen["column"]] = schema.COMMENT
    return result


def _what_it_looks_like(frame: pd.DataFrame) -> str:
    names = list(frame.columns)
    if any(re.search(r"question", str(c), re.I) for c in names) and len(names) <= 3:
        return (f"it looks like a list of questions (columns {', '.join(map(repr, names))}), "
                "not survey responses")
    return f"columns found: {', '.join(map(repr, names[:30]))}" + (" ..." if len(names) > 30 else "")


def long_layout(frame: pd.DataFrame) -> str:
    """A message when the table is in long format (one row per answer), else ``""``."""
    names = {snake(c): c for c in frame.columns}
    question = next((names[k] for k in ("question_number", "question_id", "question", "questionid",
                                        "item", "question_no") if k in names), None)
    answer = next((names[k] for k in ("answer", "response", "value", "answer_value") if k in names), None)
    if not question or not answer or len(frame) < 4:
        return ""
    distinct = frame[question].iloc[:_SAMPLE].nunique()
    if distinct > 50 or distinct >= min(len(frame), _SAMPLE) / 2:
        return ""
    return (f"the table is in long format (one row per answer: question in {question!r}, answer in "
            f"{answer!r}); reshape it to one row per response with one column per question "
            f"(e.g. pandas: frame.pivot(index=<respondent columns>, columns={question!r}, "
            f"values={answer!r})) and load that")
