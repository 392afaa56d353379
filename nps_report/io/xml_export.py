"""Read a Qualtrics XML export (``<Responses><Response>...``) as a table of text cells.

Qualtrics writes one ``<Response>`` element per response and one child element per
column. Two spellings of the element names occur and both are read:

* the legacy export: ``ResponseID``, ``StartDate``, ``EndDate``, ``Finished`` ... then
  the questions by id (``QID1_NPS_GROUP``, ``QID1``, ``QID2_TEXT``) and embedded data;
* the response-export API: import ids (``_recordId``, ``startDate``, ``recordedDate``
  ...), renamed here to the CSV export's column names so that one importer reads both.

A column missing from a response is an empty cell; an element with children is
flattened into its leaf elements. The XML is parsed with ``defusedxml`` (no entity
expansion, no external resources).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..exceptions import DataError

__all__ = ["API_NAMES", "looks_like_xml", "read_xml_responses"]

#: Import ids of the response-export API -> the column names of the CSV export.
API_NAMES = {
    "startDate": "StartDate", "endDate": "EndDate", "status": "Status", "ipAddress": "IPAddress",
    "progress": "Progress", "duration": "Duration (in seconds)", "finished": "Finished",
    "recordedDate": "RecordedDate", "_recordId": "ResponseId", "responseId": "ResponseId",
    "recipientLastName": "RecipientLastName", "recipientFirstName": "RecipientFirstName",
    "recipientEmail": "RecipientEmail", "externalDataReference": "ExternalReference",
    "locationLatitude": "LocationLatitude", "locationLongitude": "LocationLongitude",
    "distributionChannel": "DistributionChannel", "userLanguage": "UserLanguage",
}


def looks_like_xml(head: bytes) -> bool:
    """Whether the first bytes of a file open an XML document (BOM and blanks allowed)."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    return text.startswith((b"<?xml", b"<Responses", b"<responses"))


def _local(tag) -> str:
    """An element name without its namespace: ``{urn:x}Response`` -> ``Response``."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _leaves(element, out: dict) -> None:
    for child in element:
        name = _local(child.tag)
        if not name:
            continue  # comments, processing instructions
        if len(child):
            _leaves(child, out)
            continue
        key, k = name, 0
        while key in out:  # a repeated element keeps every value
            k += 1
            key = f"{name}.{k}"
        out[key] = child.text or ""


def read_xml_responses(path) -> pd.DataFrame:
    """The responses of a Qualtrics XML export, one row per ``<Response>``, every cell text.

    Parameters
    ----------
    path : str or Path
        The XML file; its declaration decides the encoding.

    Returns
    -------
    DataFrame
        Columns in the order they first appear, named as in the CSV export (API import
        ids renamed, see :data:`API_NAMES`); empty cells are ``""``.

    Raises
    ------
    DataError
        Naming the file when it is not well-formed XML or holds no ``<Response>``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "r.xml").write_text('<?xml version="1.0"?><Responses><Response>'
    ...     '<_recordId>R_1</_recordId><QID1>9</QID1></Response></Responses>')
    >>> read_xml_responses(folder / "r.xml").to_dict("records")
    [{'ResponseId': 'R_1', 'QID1': '9'}]
    """
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, iterparse

    path = Path(path)
    rows = []
    root_name = None
    try:
        for event, element in iterparse(str(path), events=("start", "end")):
            if event == "start":
                root_name = root_name or _local(element.tag)
                continue
            if _local(element.tag) == "Response":
                row: dict = {}
                _leaves(element, row)
                rows.append(row)
                element.clear()  # a large export is read in constant memory
    except ParseError as exc:
        raise DataError(f"cannot parse as XML: {exc}", path=path) from None
    except DefusedXmlException as exc:
        raise DataError(f"refused to read the XML: {type(exc).__name__} (entities or external "
                        "references, which survey exports never hold)", path=path) from None
    if not rows:
        raise DataError(f"an XML file without <Response> elements (root <{root_name}>): not a "
                        "Qualtrics XML export of responses", path=path)
    columns = list(dict.fromkeys(name for row in rows for name in row))
    frame = pd.DataFrame.from_records(rows, columns=columns).fillna("").astype(object)
    renamed = {c: API_NAMES[c] for c in frame.columns if c in API_NAMES and API_NAMES[c] not in frame.columns}
    return frame.rename(columns=renamed)
