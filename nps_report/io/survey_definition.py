"""Qualtrics survey definitions (``.qsf``): question texts, types and choice labels.

A ``.qsf`` file is JSON: ``SurveyEntry`` (the survey's name, id, language) and
``SurveyElements``, one of which per question (``"Element": "SQ"``) holds a
``Payload`` with ``QuestionID`` (``QID1``), ``DataExportTag`` (the CSV column, ``Q1``),
``QuestionText`` (HTML), ``QuestionType`` / ``Selector`` (``MC``/``NPS`` for an NPS
question, ``TE`` for text entry) and ``Choices`` (code -> ``{"Display": label}``).

It describes the questions, never the answers: given as data it is refused with a
message saying so (:func:`refuse_as_data`).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import DataError

__all__ = ["Question", "SurveyDefinition", "is_survey_definition", "read_survey_definition",
           "refuse_as_data"]

# Column suffixes Qualtrics adds to a question's id or export tag.
_SUFFIX = re.compile(r"(?:_NPS_GROUP|_TEXT|_\d+(?:_TEXT)?|_DO(?:_\d+)?)$")


@dataclass(frozen=True)
class Question:
    """One question of a survey definition.

    ``kind`` is ``nps`` (an NPS question), ``text`` (text entry: a comment question),
    ``choice`` (multiple choice) or ``other``.
    """

    qid: str
    export_tag: str
    text: str
    kind: str
    choices: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SurveyDefinition:
    """The questions of a Qualtrics survey, from its ``.qsf`` file."""

    path: str
    name: str
    questions: tuple

    def question_for(self, column: str) -> Question | None:
        """The question a response column answers: ``QID1``, ``Q1``, ``QID1_NPS_GROUP``,
        ``Q2_TEXT`` ... (by question id or export tag), else None."""
        column = str(column)
        for name in (column, _SUFFIX.sub("", column)):
            for question in self.questions:
                if name in (question.qid, question.export_tag):
                    return question
        return None

    def column_texts(self, columns) -> dict:
        """Column -> question text for the columns that answer a question (the NPS
        group column is named as such)."""
        out = {}
        for column in columns:
            question = self.question_for(column)
            if question is not None:
                out[column] = question.text + (" - NPS group" if str(column).endswith("_NPS_GROUP") else "")
        return out

    def describe(self) -> str:
        """One line per role: the NPS question(s), the comment questions, how many others."""
        nps = [q for q in self.questions if q.kind == "nps"]
        text = [q for q in self.questions if q.kind == "text"]
        parts = [f"survey {self.name!r}, {len(self.questions)} questions"]
        if nps:
            parts.append("NPS question " + "; ".join(f"{q.qid} ({q.export_tag}) {q.text!r}" for q in nps))
        else:
            parts.append("no NPS question")
        if text:
            parts.append("text questions " + "; ".join(f"{q.qid} ({q.export_tag}) {q.text!r}" for q in text[:5]))
        return ", ".join(parts)


def _plain(text) -> str:
    """Question text without its HTML: tags removed, entities decoded, spaces collapsed."""
    text = re.sub(r"<[^>]+>", " ", str(text or ""))
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def is_survey_definition(data) -> bool:
    """Whether parsed JSON is a Qualtrics survey definition (``SurveyEntry`` and ``SurveyElements``)."""
    return isinstance(data, dict) and "SurveyElements" in data and "SurveyEntry" in data


def _kind(payload: dict) -> str:
    qtype, selector = payload.get("QuestionType"), payload.get("Selector")
    if qtype == "MC" and selector == "NPS":
        return "nps"
    if qtype == "TE":
        return "text"
    if qtype == "MC":
        return "choice"
    return "other"


def parse_survey_definition(data: dict, *, path="") -> SurveyDefinition:
    """A :class:`SurveyDefinition` from the parsed JSON of a ``.qsf`` file."""
    if not is_survey_definition(data):
        raise DataError("not a Qualtrics survey definition (no SurveyEntry / SurveyElements)", path=path)
    questions = []
    for element in data.get("SurveyElements") or []:
        if not isinstance(element, dict) or element.get("Element") != "SQ":
            continue
        payload = element.get("Payload") or {}
        qid = str(payload.get("QuestionID") or element.get("PrimaryAttribute") or "")
        if not qid:
            continue
        choices = payload.get("Choices") or {}
        labels = {str(code): _plain(choice.get("Display", "")) for code, choice in choices.items()
                  if isinstance(choice, dict)} if isinstance(choices, dict) else {}
        questions.append(Question(qid=qid, export_tag=str(payload.get("DataExportTag") or qid),
                                  text=_plain(payload.get("QuestionText") or element.get("SecondaryAttribute")),
                                  kind=_kind(payload), choices=labels))
    entry = data.get("SurveyEntry") or {}
    return SurveyDefinition(path=str(path), name=str(entry.get("SurveyName") or entry.get("SurveyID") or ""),
                            questions=tuple(questions))


def read_survey_definition(path) -> SurveyDefinition:
    """Read a ``.qsf`` file (a build's ``data.survey_definition``).

    Raises
    ------
    DataError
        Naming the file when it is missing, not JSON or not a survey definition.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "s.qsf"
    >>> _ = path.write_text(json.dumps({"SurveyEntry": {"SurveyName": "NPS"}, "SurveyElements": [
    ...     {"Element": "SQ", "PrimaryAttribute": "QID1", "Payload": {
    ...         "QuestionID": "QID1", "DataExportTag": "Q1", "QuestionType": "MC", "Selector": "NPS",
    ...         "QuestionText": "<b>How likely</b> are you to recommend us?"}}]}))
    >>> definition = read_survey_definition(path)
    >>> definition.question_for("QID1_NPS_GROUP").text, definition.question_for("Q1").kind
    ('How likely are you to recommend us?', 'nps')
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("survey definition not found", path=path)
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"cannot read the survey definition as JSON: {exc}", path=path) from None
    return parse_survey_definition(data, path=path)


def refuse_as_data(data: dict, *, path) -> None:
    """Raise the message for a survey definition given where responses are expected."""
    definition = parse_survey_definition(data, path=path)
    raise DataError(
        f"this is a Qualtrics survey definition (.qsf: {definition.describe()}): it describes the "
        "questions but holds no responses. Export the responses from Qualtrics (CSV or XML) and give "
        "that file as data.path; this file can go beside it as data.survey_definition, which names "
        "the questions and the choice labels", path=path)
