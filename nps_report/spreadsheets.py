"""Write the CSV and XLSX files a build hands to people, every one formula-safe.

Rejected rows, dropped duplicates, close-the-loop lists and summary tables are opened
in Excel, LibreOffice or Google Sheets, which run a cell starting with ``=``, ``+``,
``-`` or ``@`` as a formula (CSV injection). Every such file is written here, so that
every text cell is neutralised the same way (OWASP's advice: a leading single quote).
"""

from __future__ import annotations

import datetime as _dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .atomic import atomic_path, write_bytes

__all__ = ["DATETIME_FORMAT", "DATE_FORMAT", "DEFAULT_WIDTH", "ENTRY_DATE_FORMAT", "EntryChecks",
           "FORMULA_START", "SheetStyle", "excel_frame", "excel_text", "neutralize", "safe_frame", "unsafe_cells", "write_csv",
           "write_xlsx"]

#: First characters a spreadsheet reads as the start of a formula (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value):
    """A cell value a spreadsheet will not run: text starting like a formula gets a leading ``'``.

    A cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
    prefixed with a single quote, so spreadsheets show it as text. Numbers and other
    values are returned unchanged (a negative number is a number, not a formula).

    Examples
    --------
    >>> neutralize("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralize("fine"), neutralize(-3)
    ('fine', -3)
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy safe to write: text cells and column names neutralised, times as naive UTC.

    Spreadsheets have no time zones, so zoned timestamps are written in UTC without one.
    Missing cells stay missing; the copy has no ``attrs`` (pandas deep-copies them on
    every step, which cost more than the neutralising itself).

    Examples
    --------
    >>> import pandas as pd
    >>> safe_frame(pd.DataFrame({"comment": ["@admin", "ok"], "n": [-1, 2]}))["comment"].tolist()
    ["'@admin", 'ok']
    """
    plain = frame.copy(deep=False)  # without attrs, which pandas would copy for every column
    plain.attrs = {}
    columns = [_safe_values(plain.iloc[:, position]) for position in range(plain.shape[1])]
    out = pd.DataFrame(dict(enumerate(columns)), index=frame.index, copy=False)
    out.columns = [neutralize(str(c)) for c in frame.columns]
    return out


def _safe_values(series: pd.Series):
    """One column of :func:`safe_frame`: naive UTC times, neutralised text (None where missing)."""
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return series.dt.tz_convert("UTC").dt.tz_localize(None).array
    if series.dtype == object or isinstance(series.dtype, (pd.StringDtype, pd.CategoricalDtype)):
        values = series.to_numpy(dtype=object, na_value=None)
        safe = np.empty(len(values), dtype=object)
        safe[:] = [neutralize(v) for v in values]
        return safe
    return series.array


def write_csv(frame: pd.DataFrame, path, *, columns=None) -> Path:
    """Write ``frame`` as a formula-safe CSV: UTF-8 with a byte-order mark, CRLF rows.

    The byte-order mark lets Excel read accents; CRLF rows (RFC 4180) make the writer
    quote any cell holding a CR or LF, so a line break inside a comment cannot start a
    new row (and a new, formula cell). ``columns``: the header written when ``frame`` has no rows.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = write_csv(pd.DataFrame({"value": ["=1+1"]}), path)
    >>> path.read_text(encoding="utf-8-sig").splitlines()
    ['value', "'=1+1"]
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if len(frame) == 0 and columns is not None:
        frame = pd.DataFrame(columns=list(columns))
    with atomic_path(path) as temporary:  # a full disk leaves the previous list, not half of one
        safe_frame(frame).to_csv(temporary, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return path


@dataclass(frozen=True)
class EntryChecks:
    """Excel data validation on the columns a returned workbook is filled in through.

    A drop-down of ``choices`` in ``choice_column`` and dates only (after 2000-01-01,
    shown as YYYY-MM-DD) in ``date_column``, from row 2 to the sheet's last row plus
    ``extra_rows``: what a team lead or an action owner types is checked by Excel before
    the build reads it back.

    Parameters
    ----------
    choice_column : str
        Column name (as in the sheet's frame) of the drop-down.
    choices : tuple of str
    date_column : str
        Column name of the date.
    choice_error, date_error : str
        The messages Excel shows for a value it refuses.
    extra_rows : int, default 0
        Rows below the list that are checked too (room for rows added by hand).

    Examples
    --------
    >>> EntryChecks("status", ("open", "done"), "date", "Pick one", "A date").last_row(3)
    4
    """

    choice_column: str
    choices: tuple
    date_column: str
    choice_error: str
    date_error: str
    extra_rows: int = 0

    def last_row(self, rows: int) -> int:
        """The last checked row (1-based, header in row 1) of a sheet of ``rows`` data rows."""
        return max(rows + 1, 2) + self.extra_rows


@dataclass(frozen=True)
class SheetStyle:
    """How a sheet of :func:`write_xlsx` looks beyond its values.

    Parameters
    ----------
    shaded : tuple of str
        Columns filled with ``shade`` (header and every row): the ones not to edit.
    shade : str
        RGB hex colour of the fill.
    emphasised : tuple of str
        Columns whose header is bold in ``emphasis``: the ones to fill in.
    emphasis : str
        RGB hex colour of those headers.
    note : str, optional
        A comment on cell A1 (by ``note_author``), saying how to fill the sheet in.
    note_author : str
    checks : EntryChecks, optional
        The drop-down and date validations.

    Examples
    --------
    >>> SheetStyle(shaded=("score",)).shade
    'E7E9EC'
    """

    shaded: tuple = ()
    shade: str = "E7E9EC"
    emphasised: tuple = ()
    emphasis: str = "1F4E79"
    note: str | None = None
    note_author: str = "nps-report"
    checks: EntryChecks | None = None


#: Number formats of time and date cells (pandas' ``ExcelWriter`` defaults) and of a checked date column.
DATETIME_FORMAT, DATE_FORMAT, ENTRY_DATE_FORMAT = "YYYY-MM-DD HH:MM:SS", "YYYY-MM-DD", "yyyy-mm-dd"
#: Default column width in characters.
DEFAULT_WIDTH = 20


def write_xlsx(sheets: dict, path, *, widths: dict | None = None, styles: dict | None = None) -> Path:
    """Write one sheet per ``{name: frame}`` to a formula-safe workbook, header row frozen.

    ``widths`` maps a column name to its width in characters (default 20); ``styles``
    maps a sheet name to its :class:`SheetStyle` (grey columns, emphasised headers, a
    note, drop-down and date checks). The book is made by XlsxWriter in memory, one
    shared format per look, and its bytes written at once (atomically): a failing or
    interrupted write leaves nothing on disk. Cells hold the frame's values: text
    (neutralised, :func:`safe_frame`), numbers, booleans, times (naive UTC, shown
    ``YYYY-MM-DD HH:MM:SS``); a missing value or ``""`` is an empty cell.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.xlsx"
    >>> _ = write_xlsx({"Rows": pd.DataFrame({"value": ["+33 1 23"]})}, path)
    >>> pd.read_excel(path)["value"].tolist()
    ["'+33 1 23"]
    """
    import xlsxwriter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    widths, styles = widths or {}, styles or {}
    buffer = io.BytesIO()
    try:
        book = xlsxwriter.Workbook(buffer, {"in_memory": True, "nan_inf_to_errors": True})
        looks = _Looks(book)
        for name, frame in sheets.items():
            _write_sheet(book.add_worksheet(name), frame, widths, styles.get(name) or SheetStyle(), looks)
        book.close()
    except OSError as exc:  # named by the file it was for, as atomic_path names its errors
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    write_bytes(path, buffer.getvalue())
    return path


class _Looks:
    """One XlsxWriter format per combination of fill, header emphasis and number format."""

    def __init__(self, book):
        self.book, self.made = book, {}

    def __call__(self, *, shade=None, emphasis=None, number=None):
        key = (shade, emphasis, number)
        if key == (None, None, None):
            return None
        if key not in self.made:
            spec = {}
            if shade:
                spec.update(pattern=1, bg_color="#" + shade)
            if emphasis:
                spec.update(bold=True, font_color="#" + emphasis)
            if number:
                spec["num_format"] = number
            self.made[key] = self.book.add_format(spec)
        return self.made[key]


def _write_sheet(sheet, frame: pd.DataFrame, widths: dict, style: SheetStyle, looks: _Looks) -> None:
    safe = safe_frame(frame)
    rows = len(safe)
    checks = style.checks
    names = list(frame.columns)
    for position, name in enumerate(names):
        shade = style.shade if name in style.shaded else None
        emphasis = style.emphasis if name in style.emphasised else None
        sheet.write_string(0, position, safe.columns[position], looks(shade=shade, emphasis=emphasis))
        dated = checks is not None and name == checks.date_column
        plain = looks(shade=shade, number=ENTRY_DATE_FORMAT if dated else None)
        timed = looks(shade=shade, number=ENTRY_DATE_FORMAT if dated else DATETIME_FORMAT)
        day = looks(shade=shade, number=ENTRY_DATE_FORMAT if dated else DATE_FORMAT)
        column = safe.iloc[:, position]
        if pd.api.types.is_datetime64_dtype(column.dtype):
            values = list(column.dt.to_pydatetime()) if rows else []
        else:
            values = column.tolist()
        for row, value in enumerate(values, start=1):
            _write_cell(sheet, row, position, value, plain, timed, day)
        if plain is not None:  # an empty cell still shows its fill, or takes a date
            last = checks.last_row(rows) if dated else rows + 1
            for row in range(1, last):
                if row > rows or _missing(values[row - 1]):
                    sheet.write_blank(row, position, None, plain)
        # In pixels (7 per character of Calibri 11), so that the file says exactly the width asked.
        sheet.set_column_pixels(position, position, round(7 * widths.get(name, DEFAULT_WIDTH)))
    sheet.freeze_panes(1, 0)
    if style.note:
        sheet.write_comment(0, 0, style.note, {"author": style.note_author})
    if checks is not None:
        last = checks.last_row(rows)
        choice, date = names.index(checks.choice_column), names.index(checks.date_column)
        sheet.data_validation(1, choice, last - 1, choice, {
            "validate": "list", "source": list(checks.choices), "ignore_blank": True,
            "show_input": False, "error_title": "Not in the list", "error_message": checks.choice_error})
        # after 2000-01-01 (Excel's serial 36526)
        sheet.data_validation(1, date, last - 1, date, {
            "validate": "date", "criteria": ">", "value": _dt.date(2000, 1, 1), "ignore_blank": True,
            "show_input": False, "error_title": "Not a date", "error_message": checks.date_error})


def _missing(value) -> bool:
    """A value pandas' ``to_excel`` wrote as an empty cell."""
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, float):
        return value != value
    return isinstance(value, str) and not value


def _write_cell(sheet, row: int, col: int, value, plain, timed, day) -> None:
    """One cell, typed as pandas' ``to_excel`` typed it (text, number, boolean, time)."""
    if _missing(value):
        return
    if isinstance(value, str):
        sheet.write_string(row, col, value, plain)
    elif isinstance(value, (bool, np.bool_)):
        sheet.write_boolean(row, col, bool(value), plain)
    elif isinstance(value, (int, float, np.integer, np.floating)):
        if value == value:  # not NaN
            sheet.write_number(row, col, value, plain)
    elif isinstance(value, _dt.datetime):
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert("UTC").tz_localize(None)
        sheet.write_datetime(row, col, stamp.to_pydatetime(), timed)
    elif isinstance(value, _dt.date):
        sheet.write_datetime(row, col, _dt.datetime(value.year, value.month, value.day), day)
    else:
        sheet.write_string(row, col, neutralize(str(value)), plain)


#: How a workbook stores a control character (``_x000D_`` for a carriage return): an
#: ECMA-376 ST_Xstring escape, written by Excel and XlsxWriter only for control characters
#: (a literal ``_x0041_`` is written ``_x005F_x0041_``, which openpyxl already reads back).
_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _control(match):
    code = int(match.group(1), 16)
    return chr(code) if code < 0x20 or code in (0xFFFE, 0xFFFF) else match.group(0)


def excel_text(value):
    """A text cell as it was written: the workbook's control-character escapes decoded.

    Excel and XlsxWriter store a carriage return or another control character in a cell
    as ``_x000D_`` ...; openpyxl (and so ``pandas.read_excel``) hands the escape back as
    it is. Any other ``_xHHHH_`` is text (openpyxl removed its escape). Other values are
    returned unchanged.

    Examples
    --------
    >>> excel_text("late_x000D_again"), excel_text("_x0041_"), excel_text(3)
    ('late\\ragain', '_x0041_', 3)
    """
    if isinstance(value, str) and "_x" in value:
        return _EXCEL_ESCAPE.sub(_control, value)
    return value


def excel_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` read from a workbook, every text cell and column name through :func:`excel_text`.

    Examples
    --------
    >>> excel_frame(pd.DataFrame({"note": ["a_x000D_b", "ok"]}))["note"].tolist()
    ['a\\rb', 'ok']
    """
    out = frame.copy()
    out.columns = [excel_text(c) for c in out.columns]
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if column.dtype == object or isinstance(column.dtype, pd.StringDtype):
            out.isetitem(position, pd.Series([excel_text(v) for v in column], index=out.index,
                                             dtype=column.dtype))
    return out


def unsafe_cells(path) -> list:
    """Cells of a CSV or XLSX file that a spreadsheet would run as a formula.

    Returns ``(sheet, row, column, value)`` for every text cell starting with ``=``,
    ``+``, ``-``, ``@``, a tab or a carriage return (row 0 is the header); numbers
    are never formulas. An empty list means the file is safe to open.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = pd.DataFrame({"v": ["=1+1", "-2"]}).to_csv(path, index=False)
    >>> unsafe_cells(path)
    [('', 1, 'v', '=1+1')]
    """
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        found = []
        book = load_workbook(path, read_only=True)
        for sheet in book.worksheets:
            for r, row in enumerate(sheet.iter_rows(values_only=True)):
                for c, value in enumerate(row):
                    # openpyxl reads a formula cell back as its text "=...": caught too
                    if isinstance(value, str) and value.startswith(FORMULA_START):
                        found.append((sheet.title, r, c, value))
        book.close()
        return found
    import csv

    found = []
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = csv.reader(handle)
        header = next(rows, [])
        for c, name in enumerate(header):
            if name.startswith(FORMULA_START):
                found.append(("", 0, c, name))
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if value.startswith(FORMULA_START) and not _number(value):
                    found.append(("", r, header[c] if c < len(header) else c, value))
    return found


def _number(text: str) -> bool:
    # A CSV has no types: "-3" is written for the number -3 and read back as a number.
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text and not text.startswith(("\t", "\r"))
