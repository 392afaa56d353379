"""Read a raw table (CSV, XLSX, Parquet, SQL) as text cells, detecting the CSV encoding."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..exceptions import DataError

# Tried in order after a BOM check. cp1252 is deliberately absent: it fails on bytes
# such as 0x90 found in real exports, where latin-1 decodes every byte.
_FALLBACK_ENCODINGS = ("utf-8", "latin-1")


@dataclass(frozen=True)
class RawTable:
    """A source table read as strings, with what was detected about it."""

    frame: pd.DataFrame
    path: str
    format: str
    encoding: str | None = None
    header_rows: int = 1


def detect_encoding(data: bytes) -> str:
    """Guess the text encoding of ``data``: BOMs first, then strict UTF-8, then latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    for encoding in _FALLBACK_ENCODINGS:
        try:
            data.decode(encoding)
            return encoding
        except UnicodeDecodeError:
            continue
    return "latin-1"  # pragma: no cover - latin-1 decodes any byte string


def decode_text(data: bytes, encoding: str = "auto", *, path=None) -> tuple[str, str]:
    """Decode ``data`` with ``encoding`` (or the detected one); return ``(text, encoding)``."""
    chosen = detect_encoding(data) if encoding == "auto" else encoding
    try:
        text = data.decode(chosen)
    except (UnicodeDecodeError, LookupError) as exc:
        raise DataError(f"cannot decode the file as {chosen}: {exc}", path=path) from None
    return text.lstrip("\ufeff"), chosen


def read_csv_text(text: str, *, path=None, skiprows=None) -> pd.DataFrame:
    """Parse CSV text into a frame of strings (empty cells are empty strings).

    Every cell stays text so that ids such as ``00123`` keep their zeros; types are
    decided later, column by column, where a failure can be reported per row.
    """
    sample = text[:64_000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        sep = dialect.delimiter
    except csv.Error:
        sep = ","
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                            skiprows=skiprows, engine="python" if sep != "," else "c",
                            skip_blank_lines=True)
    except pd.errors.EmptyDataError:
        raise DataError("the file is empty (no header row)", path=path) from None
    except (pd.errors.ParserError, ValueError, csv.Error) as exc:
        raise DataError(f"cannot parse as CSV: {exc}", path=path) from None
    # A trailing delimiter on every line (legacy Qualtrics) makes an empty, unnamed column.
    unnamed_empty = [c for c in frame.columns
                     if str(c).startswith("Unnamed:") and (frame[c] == "").all()]
    return frame.drop(columns=unnamed_empty)


def read_table(path, *, format: str = "auto", encoding: str = "auto", sheet=None) -> RawTable:
    """Read a CSV, XLSX or Parquet file into a :class:`RawTable` of string cells.

    Raises
    ------
    DataError
        Naming the file when it is missing, unreadable or not the format expected.
    """
    path = Path(path)
    if not path.exists():
        raise DataError("file not found", path=path)
    if path.is_dir():
        raise DataError("is a folder, not a data file", path=path)
    fmt = format
    if fmt == "auto":
        suffix = path.suffix.lower()
        fmt = {".xlsx": "xlsx", ".xlsm": "xlsx", ".parquet": "parquet", ".pq": "parquet"}.get(suffix, "csv")
    if fmt == "xlsx":
        try:
            frame = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=str,
                                  keep_default_na=False, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many kinds for damaged files
            raise DataError(f"cannot read as an Excel workbook: {exc}", path=path) from None
        return RawTable(frame.fillna(""), str(path), "xlsx")
    if fmt == "parquet":
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow's errors have no common base we can name
            raise DataError(f"cannot read as Parquet: {exc}", path=path) from None
        return RawTable(_as_text(frame), str(path), "parquet")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read: {exc.strerror or exc}", path=path) from None
    text, used = decode_text(data, encoding, path=path)
    if "\x00" in text:
        text = text.replace("\x00", "")
    return RawTable(read_csv_text(text, path=path), str(path), "csv", used)


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Turn typed columns into strings, keeping timestamps in ISO form and blanks empty."""
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            text = values.map(lambda v: "" if pd.isna(v) else v.isoformat())
        else:
            text = values.map(lambda v: "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v))
        out[str(column)] = text.astype(str)
    return out
