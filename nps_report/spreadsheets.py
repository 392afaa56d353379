"""Write the CSV and XLSX files a build hands to people, every one formula-safe.

Rejected rows, dropped duplicates, close-the-loop lists and summary tables are opened
in Excel, LibreOffice or Google Sheets, which run a cell starting with ``=``, ``+``,
``-`` or ``@`` as a formula (CSV injection). Every such file is written here, so that
every text cell is neutralised the same way (OWASP's advice: a leading single quote).
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from .atomic import atomic_path, write_bytes

__all__ = ["FORMULA_START", "add_entry_checks", "neutralize", "safe_frame", "unsafe_cells", "write_csv",
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

    Examples
    --------
    >>> import pandas as pd
    >>> safe_frame(pd.DataFrame({"comment": ["@admin", "ok"], "n": [-1, 2]}))["comment"].tolist()
    ["'@admin", 'ok']
    """
    out = frame.copy()
    out.columns = [neutralize(str(c)) for c in out.columns]
    for position in range(out.shape[1]):
        series = out.iloc[:, position]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            out.isetitem(position, series.dt.tz_convert("UTC").dt.tz_localize(None))
        elif series.dtype == object or isinstance(series.dtype, (pd.StringDtype, pd.CategoricalDtype)):
            values = series.astype(object).where(series.notna(), None)
            out.isetitem(position, values.map(neutralize))
    return out


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


def write_xlsx(sheets: dict, path, *, widths: dict | None = None, finish=None) -> Path:
    """Write one sheet per ``{name: frame}`` to a formula-safe workbook, header row frozen.

    ``widths`` maps a column name to its width in characters (default 20). ``finish``,
    if given, is called with the openpyxl workbook before it is saved (drop-downs,
    colours, comments), so that the file is written once, whole or not at all.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.xlsx"
    >>> _ = write_xlsx({"Rows": pd.DataFrame({"value": ["+33 1 23"]})}, path)
    >>> pd.read_excel(path)["value"].tolist()
    ["'+33 1 23"]
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    widths = widths or {}
    # The book is made in memory and its bytes written at once (atomically): no file is
    # open while openpyxl works, so a failing or interrupted save leaves nothing on disk
    # and no handle open (pandas kept its own open on a full disk's removed temporary file).
    buffer = io.BytesIO()
    # Saved (close) only when every sheet is made: as a context manager the writer
    # saves on an error too, and an empty book's "At least one sheet must be visible"
    # would replace the error (a Ctrl-C became an IndexError).
    try:
        writer = pd.ExcelWriter(buffer, engine="openpyxl")
        for name, frame in sheets.items():
            safe = safe_frame(frame)
            safe.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            for i, column in enumerate(frame.columns, start=1):
                letter = sheet.cell(row=1, column=i).column_letter
                sheet.column_dimensions[letter].width = widths.get(column, 20)
        if finish is not None:
            finish(writer.book)
        writer.close()
    except OSError as exc:  # named by the file it was for, as atomic_path names its errors
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    write_bytes(path, buffer.getvalue())
    return path


def add_entry_checks(sheet, *, choice_column: str, choices, date_column: str, last_row: int,
                     choice_error: str, date_error: str) -> None:
    """Excel data validation on the columns a returned workbook is filled in through.

    A drop-down of ``choices`` in ``choice_column`` and dates only (after 2000-01-01,
    shown as YYYY-MM-DD) in ``date_column``, from row 2 to ``last_row``: what a team lead
    or an action owner types is checked by Excel before the build reads it back.

    Parameters
    ----------
    sheet : openpyxl Worksheet
    choice_column, date_column : str
        Column letters.
    choices : sequence of str
    last_row : int
    choice_error, date_error : str
        The messages Excel shows for a value it refuses.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> sheet = Workbook().active
    >>> add_entry_checks(sheet, choice_column="A", choices=["open", "done"], date_column="B",
    ...                  last_row=10, choice_error="Pick one", date_error="A date")
    >>> [v.type for v in sheet.data_validations.dataValidation]
    ['list', 'date']
    """
    from openpyxl.worksheet.datavalidation import DataValidation

    choice = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle="Not in the list", error=choice_error)
    choice.add(f"{choice_column}2:{choice_column}{last_row}")
    # 36526 is 2000-01-01 as an Excel serial date
    day = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True,
                         showErrorMessage=True, errorTitle="Not a date", error=date_error)
    day.add(f"{date_column}2:{date_column}{last_row}")
    sheet.add_data_validation(choice)
    sheet.add_data_validation(day)
    for row in range(2, last_row + 1):
        sheet[f"{date_column}{row}"].number_format = "yyyy-mm-dd"


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
