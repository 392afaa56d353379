"""Column roles: which columns of a table hold the score, the date, the comment, the team
or an id, guessed from header words and a sample of each column's cells.

Each ``*_candidates`` function returns the possible columns best first, with the points
their header earned; :func:`choose` takes the first when it clearly wins.
"""

from __future__ import annotations

import re

import pandas as pd

from .. import schema
from .dates import AMBIGUOUS, parse_dates

__all__ = ["PROFILE_ROWS", "QUALTRICS_META", "canonical_names", "choose", "comment_candidates",
           "date_candidates", "distinct_answers", "id_candidates", "sample_cells", "score_candidates", "snake", "team_candidates",
           "text_profile"]

#: Metadata columns of every Qualtrics export (never a team; their presence marks the layout).
QUALTRICS_META = {"StartDate", "EndDate", "RecordedDate", "Finished", "Progress", "Status",
                  "Duration (in seconds)", "DistributionChannel", "UserLanguage"}


def snake(name: str) -> str:
    """A column name as a canonical name would be spelled: ``"Submitted At"`` -> ``"submitted_at"``."""
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def canonical_names(columns) -> dict:
    """Columns whose names already are canonical (ignoring case, spaces and punctuation)."""
    canonical = schema.CORE_COLUMNS + schema.OPTIONAL_COLUMNS
    mapping, taken = {}, set()
    for column in columns:
        target = snake(column)
        if target in canonical and target not in taken:
            mapping[column] = target
            taken.add(target)
    return mapping


# --------------------------------------------------------------------------- heuristics

_SCORE_WORDS = ((r"recommend", 3), (r"\bnps\b|net promoter", 3), (r"\blikely\b|likelihood", 2),
                (r"0\s*(?:-|–|to)\s*10", 1), (r"\bscore\b", 1))
_DATE_WORDS = ((r"submit|recorded|complet|timestamp|end ?date|created|response ?date|finished at", 3),
               (r"date|time|when|\bat$", 2), (r"birth|\bdob\b|\bage\b|dueDate", -6))
_COMMENT_WORDS = ((r"why|reason|comment|feedback|explain|tell us|anything else|improve|because|"
                   r"verbatim|suggestion|open-ended", 2),)
_TEAM_WORDS = ((r"team|department|dept|division|\bunit\b|store|branch|office|location|site|shop|"
                r"region|country|airline|product|business|agent|squad|area|market", 2),)
_ID_WORDS = ((r"response ?id|responseid|^#$|^id$|token|uuid|submission ?id", 3),
             (r"customer ?id|customerid|respondent|user ?id|client ?id|contact ?id|person", 2))


def _header_points(text: str, words) -> int:
    text = re.sub(r"<[^>]+>", " ", str(text)).lower()
    return sum(points for pattern, points in words if re.search(pattern, text))


# The heuristics judge a sample of each column in plain Python: fast on small files,
# bounded on big ones.
_HEURISTIC_ROWS = 1000


_HEURISTIC_CHARS = 300


def sample_cells(frame: pd.DataFrame, column) -> list[str]:
    """The first non-empty cells of a column, each cut to 300 characters: the patterns
    below then stay cheap whatever a cell holds (a 150,000-character comment)."""
    cells = frame[column].iloc[:_HEURISTIC_ROWS].tolist()
    out = []
    for cell in cells:
        text = cell if isinstance(cell, str) else ("" if _blank(cell) else str(cell))
        text = text[: _HEURISTIC_CHARS * 2].strip()[:_HEURISTIC_CHARS]
        if text:
            out.append(text)
    return out


def _blank(value) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# Cells that stand for "no answer": ignored when judging what a column holds.
_NO_ANSWER = {"", "na", "n/a", "n.a.", "nan", "none", "null", "nil", "-", "--", "#n/a", "?", "."}
# Profiles look at this many rows of a column: whole files in practice, bounded for huge ones.
PROFILE_ROWS = 200_000


def distinct_answers(cells: pd.Series) -> pd.Series:
    """How often each answer occurs (stripped; blanks and no-answer words like ``NA`` left out),
    most frequent first."""
    # Count the raw cells first: stripping only the distinct values is far cheaper.
    counts = cells.value_counts(sort=False, dropna=True)
    index = pd.Index(counts.index.astype(str)).str.strip()
    counts = counts.groupby(index, sort=False).sum()
    return counts[~counts.index.str.lower().isin(_NO_ANSWER)].sort_values(ascending=False, kind="stable")


def text_profile(frame: pd.DataFrame, column, rows: int | None = None) -> dict:
    """What a column's answers look like, from its distinct values (in the first ``rows``
    rows, default :data:`PROFILE_ROWS`).

    Returns a dict: ``answered`` (cells that are not blank or a no-answer word such as
    ``NA``), ``distinct`` (distinct answers), ``words`` and ``length`` (mean words and
    characters of the distinct answers), ``numeric`` (share of distinct answers that are
    numbers), ``free_text`` (many distinct, long, multi-word answers: a comment
    question), ``categorical`` (few distinct answers among many: choices, labels or codes).

    Judging distinct values rather than cells keeps a comment column a comment column
    when most of its cells are ``NA``, and a label column (``Extremely likely``) a label
    column however long its labels.
    """
    counts = distinct_answers(frame[column].iloc[:PROFILE_ROWS if rows is None else rows])
    answered, distinct = int(counts.sum()), len(counts)
    if not distinct:
        return {"answered": 0, "distinct": 0, "words": 0.0, "length": 0.0, "numeric": 0.0,
                "free_text": False, "categorical": False}
    values = pd.Series(counts.index[:5000])
    words = float(values.str.split().str.len().mean())
    length = float(values.str.len().mean())
    numeric = float(pd.to_numeric(values, errors="coerce").notna().mean())
    many = distinct >= 20 or (distinct >= 3 and distinct >= 0.6 * answered)
    free_text = many and numeric < 0.2 and (words >= 3 or length >= 25)
    categorical = answered >= 20 and distinct <= max(12, 0.05 * answered)
    return {"answered": answered, "distinct": distinct, "words": words, "length": length,
            "numeric": numeric, "free_text": free_text, "categorical": categorical}


_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d*)?$")
_LABELLED = re.compile(r"^(\d{1,2})\s*[-–:]\s*\D.*$", re.S)
_LETTER = re.compile(r"[^\W\d_]")
_WORDY = re.compile(r"[^\W\d_]{2,}\s+\S")


def _score_value(text: str):
    """The 0-10 reading of one cell as :func:`~nps_report.io.load.parse_scores` would take it."""
    match = _LABELLED.match(text)
    if match:
        return int(match.group(1))
    if _PLAIN_NUMBER.match(text):
        number = float(text)
        return int(number) if number.is_integer() else None
    return None


def score_candidates(frame: pd.DataFrame, questions: dict | None = None) -> list[dict]:
    """Columns that could hold the 0-10 recommend answers, best first.

    Each is a dict: ``column``, ``points`` (header words: recommend, likely, NPS, 0-10,
    a "why" column after it), ``nps_words`` (the recommend / likely / NPS part), ``scale``
    (``"0-10"``, ``"1-10"``, ``"-100/0/100"``), ``min``, ``max``, ``answers`` (in the sample).
    """
    questions = questions or {}
    columns = list(frame.columns)
    found = []
    for position, column in enumerate(columns):
        if str(column).endswith("_NPS_GROUP"):
            continue  # Qualtrics' group beside the score (1/2/3 in numeric mode)
        values = [v for v in sample_cells(frame, column) if v != "-99"]  # Qualtrics: seen, not answered
        if not values:
            continue
        numbers = [_score_value(v) for v in values]
        usable = [x for x in numbers if x is not None]
        if len(usable) < 0.95 * len(values):
            continue
        header = f"{column} {questions.get(column, '')}"
        points = _header_points(header, _SCORE_WORDS)
        nps_words = _header_points(header, _SCORE_WORDS[:3])
        distinct = set(usable)
        if distinct <= {-100, 0, 100} and distinct - {0} and points > 0:
            found.append({"column": column, "points": points, "nps_words": nps_words, "scale": "-100/0/100",
                          "min": min(usable), "max": max(usable), "answers": len(usable), "position": position})
            continue
        valid = [x for x in usable if 0 <= x <= 10]
        if len(valid) < 0.95 * len(values):
            continue
        low, high = min(valid), max(valid)
        if points < 2 and (high < 7 or len(distinct) < 3):
            continue
        if len(distinct) < 2 and len(valid) > 2:
            continue
        if position + 1 < len(columns) and _header_points(columns[position + 1], _COMMENT_WORDS):
            points += 1
        scale = "0-10" if low == 0 else ("1-10" if high == 10 and low >= 1 else f"{low}-{high}")
        found.append({"column": column, "points": points, "nps_words": nps_words, "scale": scale,
                      "min": low, "max": high, "answers": len(valid), "position": position})
    return sorted(found, key=lambda c: (-c["points"], c["position"]))


_DATE_LIKE = re.compile(r"^(?=.*\d)[\w ,:/.+\-]{5,40}$")
_SMALL_INT = re.compile(r"^-?\d{1,4}$")


def date_candidates(frame: pd.DataFrame) -> list[dict]:
    """Columns whose cells are mostly dates, best first: ``column``, ``points``, ``share``,
    ``parsed`` (a :class:`~nps_report.io.dates.ParsedDates` of a sample).

    Id columns (``id``, ``CustomerID``) and columns of bare integers under a header without
    a date word are never candidates: their numbers read as epoch seconds or serial days."""
    found = []
    for position, column in enumerate(frame.columns):
        if _header_points(column, _ID_WORDS) > 0 and _header_points(column, _DATE_WORDS) <= 0:
            continue  # an id's numbers may parse as epoch seconds or serial days: never a date
        values = sample_cells(frame, column)
        if not values:
            continue
        if _header_points(column, _DATE_WORDS) <= 0 and all(v.isdigit() for v in values):
            continue  # bare integers are dates only under a header that says so (created_at)
        shaped = sum(bool(_DATE_LIKE.match(v)) and not _SMALL_INT.match(v) for v in values)
        if shaped < 0.8 * len(values):
            continue
        parsed = parse_dates(pd.Series(values[:300], dtype=object), on_ambiguous="report")
        share = float((parsed.timestamps.notna() | parsed.reasons.eq(AMBIGUOUS)).mean())
        if share < 0.8:
            continue
        points = _header_points(column, _DATE_WORDS)
        found.append({"column": column, "points": points, "parsed": parsed, "share": share,
                      "position": position})
    return sorted(found, key=lambda c: (-c["points"], c["position"]))


def comment_candidates(frame: pd.DataFrame, after=None, questions: dict | None = None,
                       rows: int | None = None) -> list[dict]:
    """Free-text columns, best first: ``column``, ``points``, ``answers`` and ``distinct``
    (in the first ``rows`` rows, default 200,000), ``free_text`` (see :func:`text_profile`).

    A column of many distinct, long, multi-word answers is a candidate whatever its
    header (a point for it); a categorical column (choices, scale labels) never is."""
    questions = questions or {}
    columns = list(frame.columns)
    found = []
    for position, column in enumerate(columns):
        values = sample_cells(frame, column)
        if not values:
            continue
        if sum(bool(_LETTER.search(v)) for v in values) < 0.5 * len(values):
            continue  # numbers, dates, codes (checked on the sample: cheap)
        answers = [v for v in values if v.lower() not in _NO_ANSWER]
        if len(answers) >= 200 and len(set(answers)) <= 12:
            continue  # hundreds of answers in a dozen values: choices (no need to count the file)
        profile = text_profile(frame, column, rows)
        if profile["categorical"] or not profile["distinct"]:
            continue  # choices, scale labels, codes: not free text whatever the header says
        points = _header_points(f"{column} {questions.get(column, '')}", _COMMENT_WORDS)
        if profile["free_text"]:
            points += 1
        elif points == 0:
            length = sum(map(len, values)) / len(values)
            distinct = len(set(values)) / len(values)
            wordy = sum(bool(_WORDY.search(v)) for v in values) / len(values)
            if length < 8 or distinct < 0.5 or wordy < 0.3:
                continue
        if after is not None and position > 0 and columns[position - 1] == after:
            points += 1
        found.append({"column": column, "points": points, "answers": profile["answered"],
                      "distinct": profile["distinct"], "free_text": profile["free_text"], "position": position})
    return sorted(found, key=lambda c: (-c["points"], c["position"]))


_NOT_TEAMS = {"IPAddress", "LocationLatitude", "LocationLongitude", "LocationAccuracy", "RecipientLastName",
              "RecipientFirstName", "RecipientEmail", "ExternalReference", "ExternalDataReference",
              "DistributionChannel", "UserLanguage", "ResponseSet", "Name", "EmailAddress", "Status",
              "IP Address", "Email Address", "First Name", "Last Name", "Collector ID", "Network ID",
              "Response Type", "#", "survey_type", "permalink"}


def team_candidates(frame: pd.DataFrame, exclude=(), limit: int = 6) -> list[dict]:
    """Short text columns with few distinct values that could name a team or department:
    ``column``, ``points``, ``distinct`` and ``examples`` (named values in the first
    200,000 rows, no-answer words such as ``NA`` left out).

    Never a team: free-text columns (see :func:`text_profile`), columns whose header is a
    survey question without a team word ("How would you rate the food?"), dates and ids.
    At most ``limit`` candidates, best first (only they are counted on the file)."""
    found = []
    for position, column in enumerate(frame.columns):
        if column in exclude or column in _NOT_TEAMS or column in QUALTRICS_META:
            continue
        if _header_points(column, _DATE_WORDS) > 0 or _header_points(column, _ID_WORDS) > 0:
            continue
        values = sample_cells(frame, column)
        if not values or sum(bool(_LETTER.search(v)) for v in values) < 0.5 * len(values):
            continue  # numbers, dates, codes
        points = _header_points(column, _TEAM_WORDS)
        if points <= 0 and _QUESTION.search(str(column).strip()):
            continue  # a survey question's answers (a rating, a choice), not who answered for
        sampled = list(dict.fromkeys(values))
        if sum(map(len, values)) / len(values) > 60 or len(sampled) > max(2, len(values) // 2):
            continue
        found.append({"column": column, "points": points, "position": position})
    found.sort(key=lambda c: (-c["points"], c["position"]))
    kept = []
    for candidate in found:
        if len(kept) == limit:
            break
        profile = text_profile(frame, candidate["column"])
        if profile["free_text"]:
            continue  # comments are never a team, however many of them are "NA"
        named = distinct_answers(frame[candidate["column"]].iloc[:PROFILE_ROWS])
        kept.append({**candidate, "distinct": len(named), "examples": list(named.index[:3])})
    return kept


# A header that asks something: "How would you rate ...?", "Which plan ...".
_QUESTION = re.compile(r"\?\s*$|^(?:how|what|which|why|would|do|did|does|are|is|was|were|please|rate|"
                       r"on a scale)\b", re.I)


def id_candidates(frame: pd.DataFrame, exclude=()) -> list[dict]:
    """Columns whose header names an id, with whether their (sampled) values are unique."""
    found = []
    for position, column in enumerate(frame.columns):
        if column in exclude:
            continue
        points = _header_points(column, _ID_WORDS)
        if points <= 0:
            continue
        values = sample_cells(frame, column)
        found.append({"column": column, "points": points, "unique": len(set(values)) == len(values),
                      "position": position})
    return sorted(found, key=lambda c: (-c["points"], c["position"]))


def choose(candidates: list[dict], *, strong: int) -> dict | None:
    """The first candidate when it has at least ``strong`` header points and beats the second."""
    if not candidates:
        return None
    top = candidates[0]
    if top["points"] < strong:
        return None
    if len(candidates) > 1 and candidates[1]["points"] >= top["points"]:
        return None
    return top
