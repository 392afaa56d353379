"""Read a raw table (CSV, XLSX, Parquet, JSON, SQL) as text cells, detecting the CSV encoding."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..exceptions import DataError, MissingDependencyError
from .decoding import Decoding, decode_file_text
from .survey_definition import is_survey_definition, refuse_as_data
from .xml_export import looks_like_xml, read_xml_responses

# Tried in order after a BOM check. cp1252 is deliberately absent: it fails on bytes
# such as 0x90 found in real exports, where latin-1 decodes every byte.
_FALLBACK_ENCODINGS = ("utf-8", "latin-1")
_DELIMITERS = (",", ";", "\t", "|")
_SMALL_TEXT = 100_000  # characters; larger CSV text goes through pandas' C parser
#: The most columns a data file may have (``data.max_columns`` in a build file). A survey
#: export with a column per question and per choice has a few hundred.
MAX_COLUMNS = 10_000
#: The most characters one cell may hold (``data.max_cell_chars``): a long comment is a few
#: thousand; a cell of millions is a broken export (or an attack) and is refused.
MAX_CELL_CHARS = 1_000_000


@dataclass(frozen=True)
class RawTable:
    """A source table read as strings, with what was detected about it.

    Attributes
    ----------
    frame : DataFrame
        One column per source column (names from the header row or rows), every
        cell a string, empty cells ``""``.
    path : str
        The file (or a database URL with its password hidden).
    format : str
        The layout: ``qualtrics``, ``qualtrics_legacy``, ``surveymonkey``, ``typeform``,
        ``google_forms``, ``delighted`` or ``generic`` (any other table), or ``csv`` /
        ``xlsx`` / ``parquet`` / ``sql`` when that format was asked for explicitly.
    encoding : str or None
        The text encoding used (CSV and JSON only).
    header_rows : int
        How many rows of the file are header rows.
    mapping : dict
        Suggested source column -> canonical column (``score``, ``submitted_at``, ...);
        a build's own ``columns`` mapping takes precedence.
    notes : tuple of str
        What the importer noticed (ambiguities, things it could not check).
    row_problems : DataFrame or None
        Rows of ``frame`` that cannot be used whatever the mapping (a line with more
        cells than the header): columns ``reason``, ``column``, ``value``, same index.
    nps_groups : dict
        Score column -> the NPS group given beside it, to check each row against its
        score: ``{"column": "Q1_NPS_GROUP"}`` or ``{"flags": {"promoter": ..., ...}}``.
    questions : dict
        Column -> question text, where a header row gives one.
    container : str
        How the bytes were read: ``csv``, ``xlsx``, ``parquet``, ``json``, ``xml`` or ``sql``.
    delimiter : str or None
        The CSV delimiter found.
    source_timezone : str or None
        A zone stated by the export itself (Typeform's ``Submit Date (UTC)``).
    segments : tuple of str
        Columns the importer suggests as segments (Delighted person properties).
    no_score : str
        Why no score column was suggested, for the error a load raises then.
    detected_because : str
        Why the layout was recognised.
    decoding : Decoding or None
        How a text file's bytes were decoded and what was repaired (CSV and JSON).
    question_kinds : dict
        Column -> ``nps``, ``nps group``, ``text``, ``choice`` or ``other``, from a
        survey definition (Qualtrics ``.qsf``) when one was given.
    """

    frame: pd.DataFrame
    path: str
    format: str
    encoding: str | None = None
    header_rows: int = 1
    mapping: dict = field(default_factory=dict)
    notes: tuple = ()
    row_problems: pd.DataFrame | None = None
    nps_groups: dict = field(default_factory=dict)
    questions: dict = field(default_factory=dict)
    container: str = "csv"
    delimiter: str | None = None
    source_timezone: str | None = None
    segments: tuple = ()
    no_score: str = ""
    detected_because: str = ""
    decoding: Decoding | None = None
    question_kinds: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Grid:
    """A file read as rows of text cells before any header is chosen.

    ``frame`` has integer column labels and every physical record as a row (header
    rows included) unless ``named`` is true, when the source had typed, named columns
    (Parquet, JSON, SQL) and ``frame`` already has them.
    """

    frame: pd.DataFrame
    path: str
    container: str
    encoding: str | None = None
    delimiter: str | None = None
    named: bool = False
    # data-row position (0-based in ``frame``) -> (reason, extra cells) for malformed lines
    malformed: dict = field(default_factory=dict)
    # how the bytes of a text file were decoded, what was repaired
    decoding: Decoding | None = None


def detect_encoding(data: bytes) -> str:
    """Guess the text encoding of ``data``: BOMs first, then UTF-16 without BOM
    (every other byte zero), then strict UTF-8, then latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    head = data[:4096]
    if len(head) >= 8 and len(head) % 2 == 0:
        even, odd = head[0::2], head[1::2]
        # UTF-16 without a BOM: ASCII text has a zero in every other byte (odd ones for LE)
        for encoding, zeros, text in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
            if zeros.count(0) > 0.4 * len(zeros) and text.count(0) < 0.05 * len(text):
                try:
                    data.decode(encoding)
                    return encoding
                except UnicodeDecodeError:
                    pass
    for encoding in _FALLBACK_ENCODINGS:
        try:
            data.decode(encoding)
            return encoding
        except UnicodeDecodeError:
            continue
    return "latin-1"  # pragma: no cover - latin-1 decodes any byte string


def decode_text(data: bytes, encoding: str = "auto", *, path=None) -> tuple[str, str]:
    """Decode ``data`` with ``encoding`` (or the detected one); return ``(text, encoding)``.

    See :func:`decode_repaired` for what is repaired and counted.
    """
    text, decoding = decode_repaired(data, encoding, path=path)
    return text, decoding.encoding


def decode_repaired(data: bytes, encoding: str = "auto", *, path=None) -> tuple[str, Decoding]:
    """Decode a text file's bytes, line by line where its lines are not in one encoding.

    ``auto``: byte-order marks and UTF-16 first, then UTF-8 where it decodes and each
    other line in the code page that reads best; C1 control characters, mojibake and
    NFC are repaired and counted (:mod:`nps_report.io.decoding`). A named encoding
    decodes the whole file (strictly), then the same repairs apply.

    Raises
    ------
    DataError
        When a named encoding is unknown or does not decode the bytes.
    """
    chosen = detect_encoding(data) if encoding == "auto" else encoding
    whole = None if encoding == "auto" and chosen in ("utf-8", "utf-8-sig", "latin-1") else chosen
    try:
        text, decoding = decode_file_text(data, whole)
        if chosen == "utf-8-sig" and decoding.encoding == "utf-8":
            decoding.encoding = "utf-8-sig"  # said so that a build file can name it
    except (UnicodeDecodeError, LookupError) as exc:
        hint = "" if encoding == "auto" else " (set 'encoding: auto' to detect it)"
        raise DataError(f"cannot decode the file as {chosen}: {exc}{hint}", path=path) from None
    return text.lstrip("\ufeff"), decoding


def detect_delimiter(text: str) -> str:
    """The delimiter among ``, ; TAB |`` that splits the first lines into the most
    consistent number of cells (comma on a tie or when none splits anything)."""
    sample = text[:64_000]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    best, best_key = ",", None
    for delimiter in _DELIMITERS:
        try:
            with big_fields():
                rows = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter,
                                              strict=False) if r][:50]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        consistent = sum(len(r) == width for r in rows) / len(rows)
        key = (round(consistent, 2), width)
        if best_key is None or key > best_key:
            best, best_key = delimiter, key
    return best


def check_width(text: str, sep: str, *, max_columns: int = MAX_COLUMNS, path=None) -> None:
    """Refuse CSV text with a line of more than ``max_columns`` cells, before parsing it
    (a header of millions of columns would take minutes and gigabytes to read).

    Counting delimiters is an upper bound (a quoted cell may hold one): only a line
    that passes it is parsed to count its cells. A line with that many delimiters is at
    least ``max_columns`` characters long: when no line is, nothing more is counted.

    Raises
    ------
    DataError
        Naming the line, its number of cells and the limit.

    Examples
    --------
    >>> check_width("a,b,c\\n1,2,3\\n", ",", max_columns=3)
    >>> check_width("a,b,c,d\\n", ",", max_columns=3)
    Traceback (most recent call last):
    ...
    nps_report.exceptions.DataError: line 1 has 4 cells, more than the 3 columns allowed ...
    """
    if text.count(sep) < max_columns or _longest_line(text) < max_columns:
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if line.count(sep) < max_columns:
            continue
        with big_fields():
            cells = len(next(csv.reader([line], delimiter=sep, strict=False), []))
        if cells > max_columns:
            raise DataError(f"line {number} has {cells:,} cells, more than the {max_columns:,} columns "
                            "allowed (data.max_columns in the build file)", path=path)


def _longest_line(text: str) -> int:
    """An upper bound of the longest line's length in characters: its UTF-8 bytes between
    two LFs (a line of ``str.splitlines`` ends at an LF or earlier)."""
    data = np.frombuffer(text.encode("utf-8", errors="surrogatepass"), dtype=np.uint8)
    ends = np.flatnonzero(data == 10)
    bounds = np.concatenate(([-1], ends, [len(data)]))
    return int(np.diff(bounds).max()) - 1


def check_cells(frame: pd.DataFrame, *, max_columns: int = MAX_COLUMNS,
                max_cell_chars: int | None = MAX_CELL_CHARS, path=None) -> None:
    """Refuse a table wider than ``max_columns`` or with a cell longer than ``max_cell_chars``
    (``None``: cells not checked).

    Raises
    ------
    DataError
        Naming the limit, and for a cell its row (1 = the first row read) and column.

    Examples
    --------
    >>> check_cells(pd.DataFrame({"comment": ["fine", "x" * 11]}), max_cell_chars=10)
    Traceback (most recent call last):
    ...
    nps_report.exceptions.DataError: row 2 (the header counts), column 'comment': a cell of 11 characters, more than the 10 allowed ...
    """
    if frame.shape[1] > max_columns:
        raise DataError(f"{frame.shape[1]:,} columns, more than the {max_columns:,} allowed "
                        "(data.max_columns in the build file)", path=path)
    if max_cell_chars is None:
        return
    for column in frame.columns:
        values = frame[column]
        if values.dtype != object and not pd.api.types.is_string_dtype(values):
            continue
        if getattr(values.dtype, "storage", None) == "pyarrow":  # measured without a str per cell
            if (pc.max(pc.utf8_length(pa.array(values.array))).as_py() or 0) <= max_cell_chars:
                continue
        cells = values.to_numpy()
        try:
            longest = max(map(len, cells), default=0)  # text cells: fast
        except TypeError:  # a missing value among them
            longest = max((len(v) for v in cells if isinstance(v, (str, bytes))), default=0)
        if longest > max_cell_chars:
            row = next(i for i, v in enumerate(cells) if isinstance(v, (str, bytes)) and len(v) == longest)
            where = f"column {column + 1}" if isinstance(column, (int, np.integer)) else f"column {str(column)[:60]!r}"
            raise DataError(f"row {row + 1} (the header counts), {where}: a cell of {longest:,} "
                            f"characters, more than the {max_cell_chars:,} allowed (data.max_cell_chars "
                            "in the build file)", path=path)


def parse_csv_grid(text: str, *, path=None, delimiter: str | None = None,
                   engine: str = "auto", max_columns: int = MAX_COLUMNS) -> tuple[pd.DataFrame, str, dict]:
    """Split CSV text into a header-less frame of strings.

    Returns ``(frame, delimiter, malformed)``; ``malformed`` maps the position of a
    record with more cells than the first record to ``(reason, extra cells)`` (its
    first cells are kept). Blank and whitespace-only lines are not records.
    ``engine``: ``auto`` (the csv module for small text, pyarrow's parser for large,
    then pandas' C parser), ``python``, ``arrow`` or ``c`` (which still fall back to the
    csv module on ragged rows). pyarrow's cells are arrow text (``str`` columns, no
    Python string per cell); the others' are Python strings.
    A line of more than ``max_columns`` cells is refused before parsing (:func:`check_width`).
    """
    # NUL bytes are kept: the loader rejects a score cell holding one ("1\x000" is not 10)
    # and strips them from text cells.
    first_line = text.split("\n", 1)[0].strip()
    hinted = re.fullmatch(r"sep=(.)", first_line)  # Excel's "sep=;" first line
    if hinted:
        delimiter = hinted.group(1)
        text = text.split("\n", 1)[1] if "\n" in text else ""
    if not text.strip():
        raise DataError("the file is empty (no header row)", path=path)
    sep = delimiter or detect_delimiter(text)
    check_width(text, sep, max_columns=max_columns, path=path)
    # Lone CRs (old Mac line ends, stray CRs) trip pandas' blank-line handling.
    lone_cr = text.count("\r") != text.count("\r\n")
    if engine == "python" or lone_cr or (engine == "auto" and len(text) < _SMALL_TEXT):
        # Small files: the csv module is quicker than setting up pandas' parser, and reads
        # exactly as the fallback below does (tests/test_robustness.py checks both agree).
        return _parse_csv_tolerant(text, sep, path=path)
    data = text.lstrip("\r\n").encode("utf-8")
    if engine in ("auto", "arrow"):
        frame = _parse_csv_arrow(data, sep)
        if frame is not None:
            return frame, sep, {}
    try:
        # Bytes are parsed faster than a StringIO; cells stay Python strings (object dtype).
        # Leading blank lines are not records; pandas mis-reads a tab-led line after a lone CR.
        frame = pd.read_csv(io.BytesIO(data), sep=sep, header=None, dtype=object,
                            na_filter=False, skip_blank_lines=True, engine="c", quotechar='"',
                            doublequote=True, encoding="utf-8")
        return frame.fillna(""), sep, {}
    except (pd.errors.EmptyDataError, pd.errors.ParserError, ValueError, csv.Error, OverflowError):
        pass  # ragged rows or an unclosed quote: the tolerant reader below says which
    return _parse_csv_tolerant(text, sep, path=path)


def _parse_csv_arrow(data: bytes, sep: str) -> pd.DataFrame | None:
    """UTF-8 CSV bytes read by pyarrow into text columns (labels 0..n-1); None where its
    reading could differ from the csv module's, for the other parsers to read.

    pyarrow takes the number of cells from the first record and refuses any record with
    another number, so a ragged file is left to the tolerant reader, as with pandas; so
    is text whose quotes the two would read differently (:func:`_quotes_read_alike`). A
    one-column file is left too: there a line of spaces would be a record for pyarrow
    and no record for the csv module.
    """
    import pyarrow.csv as pacsv

    if not _quotes_read_alike(data, sep):
        return None
    with big_fields():
        first = next(csv.reader(io.StringIO(data[:1 << 20].decode("utf-8", errors="replace"), newline=""),
                                delimiter=sep, strict=False), [])
    if len(first) < 2:
        return None
    names = [f"c{i}" for i in range(len(first))]
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(delimiter=sep, quote_char='"', double_quote=True,
                                             escape_char=False, newlines_in_values=True,
                                             ignore_empty_lines=True),
            # large_string: the type the "str" columns store (pa.string() read 2x slower and
            # was then converted, 0.6 s of CPU more at 1M responses)
            convert_options=pacsv.ConvertOptions(column_types={n: pa.large_string() for n in names},
                                                 strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_columns != len(names) or any(t != pa.large_string() for t in table.schema.types):
        return None
    columns = {i: pd.array(table.column(i), dtype=pd.StringDtype("pyarrow", na_value=np.nan))
               for i in range(table.num_columns)}
    return pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows))


def _quotes_read_alike(data: bytes, sep: str) -> bool:
    """Whether pyarrow's parser and the csv module split ``data`` alike around its quotes.

    The csv module opens a quoted cell only with a quote at the start of a cell (one
    inside an unquoted cell is a character); pyarrow opens one anywhere, and reads on
    to the end of the text when the quote is never closed. True when every quote
    opens a cell at its start, is doubled inside it, or closes it right before a
    delimiter or line end. A walk over the quotes only (none in most exports).
    """
    quotes = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord('"'))
    if not len(quotes):
        return True
    starts = {ord(sep), ord("\n")}
    ends = starts | {ord("\r")}
    positions = quotes.tolist()
    inside, k, n = False, 0, len(positions)
    while k < n:
        at = positions[k]
        if not inside:
            if at > 0 and data[at - 1] not in starts:
                return False  # a quote inside an unquoted cell
            inside = True
        elif k + 1 < n and positions[k + 1] == at + 1:
            k += 1  # a doubled quote inside a quoted cell
        else:
            if at + 1 < len(data) and data[at + 1] not in ends:
                return False  # text after the closing quote
            inside = False
        k += 1
    return not inside


_END = "\x1fnps-report-end\x1f"


@contextlib.contextmanager
def big_fields():
    """Let the csv module read cells of any size (its default limit is 131,072 characters)."""
    old_limit = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        yield
    finally:
        csv.field_size_limit(old_limit)


def _records(text: str, sep: str, *, path=None) -> tuple[list, list]:
    """Records of the text followed by a sentinel line, and the line each starts on."""
    records, starts = [], []
    last = [""]

    def lines():
        for physical in io.StringIO(text + "\n" + _END + "\n", newline=""):
            last[0] = physical
            yield physical

    # A sentinel line after the text shows whether the text ends inside a quoted cell:
    # then the sentinel is swallowed into that cell instead of being a record.
    reader = csv.reader(lines(), delimiter=sep, strict=False)
    line = 0
    try:
        for record in reader:
            # A blank or whitespace-only line is no record; a quoted blank cell is one.
            blank = not record or (len(record) == 1 and not record[0].strip()
                                   and reader.line_num == line + 1 and not last[0].strip())
            if not blank:
                records.append(record)
                starts.append(line + 1)
            line = reader.line_num
    except csv.Error as exc:
        raise DataError(f"cannot parse as CSV: {exc}", path=path) from None
    return records, starts


def _parse_csv_tolerant(text: str, sep: str, *, path=None) -> tuple[pd.DataFrame, str, dict]:
    """The csv module's lenient reading, for files pandas' fast parser refuses."""
    with big_fields():
        records, starts = _records(text, sep, path=path)
    if not records or records[-1] != [_END]:
        start = starts[-1] if starts else 1
        raise DataError(f"a quoted cell opened on line {start} is never closed, so the rest of the file "
                        "would be one cell: close or remove that quote", path=path)
    records.pop()
    if not records:
        raise DataError("the file is empty (no header row)", path=path)
    width = len(records[0])
    malformed = {}
    rows = []
    for position, record in enumerate(records):
        if len(record) > width:
            extra = record[width:]
            if any(cell.strip() for cell in extra):
                malformed[position] = (f"line {starts[position]} has {len(record)} cells, the header "
                                       f"has {width}", sep.join(extra)[:200])
            record = record[:width]
        elif len(record) < width:
            record = record + [""] * (width - len(record))
        rows.append(record)
    return pd.DataFrame(rows, dtype=object), sep, malformed


def read_csv_text(text: str, *, path=None, skiprows=None) -> pd.DataFrame:
    """Parse CSV text into a frame of strings (empty cells are empty strings).

    Every cell stays text so that ids such as ``00123`` keep their zeros; types are
    decided later, column by column, where a failure can be reported per row.
    """
    grid, _, _ = parse_csv_grid(text, path=path)
    if skiprows:
        grid = grid.iloc[skiprows:] if isinstance(skiprows, int) else grid.drop(index=list(skiprows), errors="ignore")
    if grid.empty:
        raise DataError("the file is empty (no header row)", path=path)
    frame = frame_with_header(grid, [list(grid.iloc[0])], 1)
    return drop_empty_unnamed(frame)


def unique_names(names) -> list[str]:
    """Column names made unique (``Q1``, ``Q1.1``) and never empty (``Unnamed: 3``)."""
    seen: dict = {}
    out = []
    for position, name in enumerate(names):
        name = str(name).replace("\x00", "").strip() if name is not None else ""
        if not name:
            name = f"Unnamed: {position}"
        base, k = name, seen.get(name, 0)
        while name in seen:
            k += 1
            name = f"{base}.{k}"
        seen[base] = k
        seen[name] = 0
        out.append(name)
    return out


def frame_with_header(grid: pd.DataFrame, names_rows: list, header_rows: int) -> pd.DataFrame:
    """The data rows of ``grid`` (after ``header_rows``) under the first of ``names_rows``."""
    names = unique_names(names_rows[0])
    data = grid.iloc[header_rows:].reset_index(drop=True)
    data.columns = names[: data.shape[1]] + [f"Unnamed: {i}" for i in range(len(names), data.shape[1])]
    return data


def drop_empty_unnamed(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop unnamed columns with no value: a trailing delimiter on every line (legacy Qualtrics)."""
    unnamed_empty = [c for c in frame.columns if str(c).startswith("Unnamed:") and (frame[c] == "").all()]
    return frame.drop(columns=unnamed_empty)


def container_of(path: Path, head: bytes, format: str) -> str:
    """How to read the file: from an explicit format, the magic bytes, then the suffix."""
    if format in ("csv", "xlsx", "parquet"):
        return format
    if format == "qualtrics-xml" or looks_like_xml(head) or path.suffix.lower() == ".xml":
        return "xml"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError("an old Excel .xls workbook: save it as .xlsx or CSV", path=path)
    if head.startswith(b"SQLite format 3\x00"):
        raise DataError("a SQLite database, not a table file: give it under 'data: sql:' with "
                        f"url 'sqlite:///{path}' and a table or query", path=path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".json", ".jsonl", ".ndjson", ".qsf"):
        return "json"
    if suffix == ".xls":
        raise DataError("an old Excel .xls workbook: save it as .xlsx or CSV", path=path)
    return "csv"


def read_grid(path, *, format: str = "auto", encoding: str = "auto", sheet=None,
              max_columns: int = MAX_COLUMNS, max_cell_chars: int = MAX_CELL_CHARS) -> Grid:
    """Read a file into a :class:`Grid` of text cells (header rows not yet chosen).

    A CSV line of more than ``max_columns`` cells is refused before it is parsed; a
    table wider than that, or with a cell longer than ``max_cell_chars``, after.

    Raises
    ------
    DataError
        Naming the file when it is missing, unreadable, not the format expected, or
        past a limit.
    """
    grid = _read_grid(path, format=format, encoding=encoding, sheet=sheet, max_columns=max_columns)
    # A text file no longer than the limit cannot hold a cell longer than it; nor can a
    # workbook (Excel stops at 32,767 characters a cell).
    bound = {"xlsx": 32_767}.get(grid.container, Path(path).stat().st_size)
    check_cells(grid.frame, max_columns=max_columns,
                max_cell_chars=max_cell_chars if bound > max_cell_chars else None, path=path)
    return grid


def _read_grid(path, *, format: str, encoding: str, sheet, max_columns: int) -> Grid:
    path = Path(path)
    if not path.exists():
        raise DataError("file not found", path=path)
    if path.is_dir():
        raise DataError("is a folder, not a data file", path=path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise DataError(f"cannot read: {exc.strerror or exc}", path=path) from None
    container = container_of(path, head, format)
    if container == "xlsx":
        try:
            frame = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, header=None, dtype=str,
                                  keep_default_na=False, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many kinds for damaged files
            raise DataError(f"cannot read as an Excel workbook: {exc}", path=path) from None
        if frame.empty:
            raise DataError("the workbook sheet is empty (no header row)", path=path)
        return Grid(frame.fillna("").astype(str).astype(object), str(path), "xlsx")
    if container == "xml":
        return Grid(read_xml_responses(path), str(path), "xml", named=True)
    if container == "parquet":
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow's errors have no common base we can name
            raise DataError(f"cannot read as Parquet: {exc}", path=path) from None
        return Grid(as_text(frame), str(path), "parquet", named=True)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read: {exc.strerror or exc}", path=path) from None
    text, decoding = decode_repaired(data, encoding, path=path)
    used = decoding.encoding
    if container == "json":
        return Grid(_json_frame(text, path=path), str(path), "json", used, named=True, decoding=decoding)
    frame, sep, malformed = parse_csv_grid(text, path=path, max_columns=max_columns)
    return Grid(frame, str(path), "csv", used, sep, malformed=malformed, decoding=decoding)


def _json_frame(text: str, *, path=None) -> pd.DataFrame:
    """Records from a JSON array, an object holding one array, or JSON lines; nested
    objects flattened with dots (``person_properties.Team``)."""
    text = text.replace("\x00", "")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        try:
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise DataError(f"cannot parse as JSON: {exc}", path=path) from None
    except RecursionError:
        raise DataError("cannot parse as JSON: nested too deeply", path=path) from None
    if is_survey_definition(data):
        refuse_as_data(data, path=path)
    if isinstance(data, dict):
        arrays = [v for v in data.values() if isinstance(v, list)]
        if len(arrays) != 1:
            raise DataError("a JSON object without exactly one list of responses in it", path=path)
        data = arrays[0]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise DataError("JSON must be a list of response objects", path=path)
    if not data:
        raise DataError("the JSON file holds no responses", path=path)
    try:
        frame = pd.json_normalize(data, sep=".")
    except Exception as exc:  # deeply odd structures
        raise DataError(f"cannot flatten the JSON records: {exc}", path=path) from None
    return as_text(frame)


def read_sql(sql, *, path=None) -> Grid:
    """Read ``sql.table`` or ``sql.query`` from ``sql.url`` through SQLAlchemy as text cells.

    The password of the URL is never shown in messages.
    """
    try:
        import sqlalchemy as sa
    except ImportError:  # pragma: no cover - a declared dependency
        raise MissingDependencyError("reading from a database needs SQLAlchemy: pip install sqlalchemy") from None
    try:
        url = sa.engine.make_url(sql.url)
        shown = url.render_as_string(hide_password=True)
    except Exception:
        raise DataError("not a database URL (like 'sqlite:///survey.db' or "
                        "'postgresql://user@host/db')", path="data.sql.url") from None
    try:
        engine = sa.create_engine(url)
    except ModuleNotFoundError as exc:
        raise MissingDependencyError(
            f"the database driver {exc.name!r} for {url.drivername!r} is not installed: "
            f"pip install {exc.name}") from None
    except Exception as exc:
        raise DataError(f"cannot use the database URL: {type(exc).__name__}: {exc}", path=shown) from None
    try:
        with engine.connect() as connection:
            if sql.table is not None:
                schema_name, _, name = sql.table.rpartition(".")
                if not sa.inspect(connection).has_table(name, schema=schema_name or None):
                    raise sa.exc.NoSuchTableError(sql.table)
                # A plain SELECT * (the dialect quotes the name): no reflection needed.
                query = sa.select(sa.text("*")).select_from(sa.table(name, schema=schema_name or None))
                frame = pd.read_sql(query, connection)
            else:
                frame = pd.read_sql(sa.text(sql.query), connection)
    except sa.exc.NoSuchTableError:
        raise DataError(f"no table {sql.table!r} in the database", path=shown) from None
    except Exception as exc:  # drivers raise their own errors for bad SQL, locked files...
        message = str(getattr(exc, "orig", None) or exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"the database query failed: {message}", path=shown) from None
    finally:
        engine.dispose()
    return Grid(as_text(frame), shown, "sql", named=True)


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Turn typed columns into strings, keeping timestamps in ISO form and blanks empty."""
    out = {}
    for position, column in enumerate(frame.columns):
        values = frame.iloc[:, position]
        if pd.api.types.is_datetime64_any_dtype(values):
            text = values.map(lambda v: "" if pd.isna(v) else v.isoformat())
        elif pd.api.types.is_float_dtype(values):
            # 9.0 -> "9" so scores and ids read back as written
            text = values.map(lambda v: "" if pd.isna(v) else (str(int(v)) if float(v).is_integer()
                                                               and abs(v) < 1e15 else repr(float(v))))
        else:
            text = values.map(_cell_text)
        out[position] = text.astype(object).to_numpy()
    result = pd.DataFrame(out, index=range(len(frame)))
    result.columns = unique_names([str(c) for c in frame.columns])
    return result


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, (list, dict, np.ndarray)):
        return json.dumps(value.tolist() if isinstance(value, np.ndarray) else value, default=str)
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)

