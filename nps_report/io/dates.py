"""Parse response timestamps into tz-aware UTC, with one explicit time-zone policy.

Time-zone policy (the only one; every importer goes through it):

* A timestamp that carries a zone (``Z``, ``+02:00``, ``+0200``, ``GMT+3``, ``UTC``)
  is converted to UTC.
* Epoch seconds and epoch milliseconds are instants: read as UTC.
* Everything written without a zone, spreadsheet serial days included, is wall-clock
  time in ``source_timezone`` (the zone chosen at export, which Qualtrics, Google
  Forms and spreadsheets do not write). A wall-clock time that does not exist
  (the spring-forward gap) moves forward to the first valid instant; one that
  exists twice (the autumn fold) is read as the first occurrence (summer time).
* Quarters are assigned later, in the build's ``timezone`` (see
  :func:`nps_report.schema.quarter_label`).

Day/month order of ``01/02/2026``-style dates is never guessed: with
``dayfirst="auto"`` it is decided from the column (a first field above 12 proves
day-first, a second field above 12 proves month-first). A column in which nothing
settles the order, or in which both orders are proven, raises :class:`DataError`
asking for ``dayfirst`` in the build file.

Formats read: ISO 8601 (``T`` or space, fractions, ``Z`` / offsets), ``YYYY/MM/DD``
with optional ``H:MM[:SS] [AM|PM] [GMT+3]``, ``D/M/YYYY`` and ``M/D/YYYY`` with ``/``,
``-`` or ``.`` separators and ``HH:MM`` or ``HH.MM`` times (two-digit years are
20yy below 70, else 19yy), ``5th Jan 2020`` / ``Mon, 5 January 2020`` / ``Jan 5, 2020``,
epoch seconds (9-10 digits) and milliseconds (12-13 digits), spreadsheet serial days
(five digits, optional fraction: ``42059.48``, counted from 1899-12-30).
Everything is vectorised (pandas for ISO, pyarrow regular expressions for the rest).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..exceptions import DataError
from .textbytes import maybe_untrimmed

_ZONE_SUFFIX = r"(?:Z|[+-]\d{2}:?\d{2})$"

# ISO 8601 as pandas' fast parser reads it; the zone only after a time.
_ISO = (r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?"
        r"(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$")
_ISO_ZONED = r"\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$"

# Optional time and zone after a date (RE2 syntax: pyarrow's regular expressions).
_TIME = (r"(?:(?:[ T]+|,\s*|\s+at\s+)(?P<H>\d{1,2})[:.](?P<M>\d{2})"
         r"(?:[:.](?P<S>\d{2})(?:[.,](?P<F>\d{1,9}))?)?"
         r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?")
_ZONE = r"\s*(?P<zone>Z|(?:GMT|UTC)\s*[+-]\d{1,2}(?::?\d{2})?|[+-]\d{2}:?\d{2}|GMT|UTC)?"
_PATTERNS = {
    # a/b/yyyy: day/month or month/day, decided per column
    "numeric": r"^(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})[/.-](?P<y>\d{4}|\d{2})" + _TIME + _ZONE + "$",
    "ymd": r"^(?P<y>\d{4})[/.-](?P<m>\d{1,2})[/.-](?P<d>\d{1,2})" + _TIME + _ZONE + "$",
    "text_dmy": (r"^(?:[A-Za-z]{3,9}\.?,?\s*(?:-\s*)?)?(?P<d>\d{1,2})(?:st|nd|rd|th)?[\s/-]+"
                 r"(?P<mon>[A-Za-z]{3,9})\.?,?[\s/-]+(?P<y>\d{4}|\d{2})" + _TIME + _ZONE + "$"),
    "text_mdy": (r"^(?:[A-Za-z]{3,9}\.?,?\s+)?(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2})"
                 r"(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})" + _TIME + _ZONE + "$"),
}
_EPOCH_SECONDS = r"^\d{9,10}(?:\.\d+)?$"
_EPOCH_MILLISECONDS = r"^\d{12,13}$"
_SERIAL_DAYS = r"^\d{5}(?:\.\d+)?$"
_NO_YEAR = r"^(?:[A-Za-z]+\.?,?\s*(?:-\s*)?)?\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]{3,9}\.?$|^\d{1,2}[/.]\d{1,2}$"

_MONTH_NAMES = ["january", "february", "march", "april", "may", "june", "july",
                "august", "september", "october", "november", "december"]
_MONTHS = {name[:k]: i + 1 for i, name in enumerate(_MONTH_NAMES) for k in range(3, len(name) + 1)}
_MONTHS["sept"] = 9

# Human names of the formats found, used in reports.
LABELS = {
    "iso": "ISO 8601 without zone (2026-07-01 10:00:00)",
    "iso_zone": "ISO 8601 with zone (2026-07-01T10:00:00Z)",
    "dmy": "day/month/year (13/01/2020)",
    "mdy": "month/day/year (1/13/2020)",
    "numeric": "day/month or month/day, order undecided (01/02/2020)",
    "ymd": "year/month/day (2026/09/27 3:00:00 PM GMT+3)",
    "text_dmy": "day month-name year (5th Jan 2020)",
    "text_mdy": "month-name day year (Jan 5, 2020)",
    "epoch_s": "Unix epoch seconds (1767225600)",
    "epoch_ms": "Unix epoch milliseconds (1767225600000)",
    "serial": "spreadsheet serial days (42059.48)",
}

UNPARSABLE = "unparsable date"
AMBIGUOUS = ("ambiguous day/month order (both fields are 12 or less): set 'dayfirst: true' "
             "or 'dayfirst: false' under 'data:' in the build file")


@dataclass
class ParsedDates:
    """Timestamps parsed from one column and what was learnt about the column.

    Attributes
    ----------
    timestamps : Series of datetime64[ns, UTC]
        ``NaT`` where the cell is empty or not a date.
    reasons : Series of str
        ``""`` where parsed or empty, otherwise why the cell is not a date.
    formats : dict
        Format key (see :data:`LABELS`) -> number of cells in that format.
    examples : dict
        Format key -> one cell in that format (``"unparsable"`` too).
    dayfirst : bool or None
        Day/month order used for ``a/b/yyyy`` dates; ``None`` when undecided or unused.
    order : str
        How the order was decided, for reports.
    empty : ndarray of bool
        Cells that are empty or blank.
    """

    timestamps: pd.Series
    reasons: pd.Series
    formats: dict = field(default_factory=dict)
    examples: dict = field(default_factory=dict)
    dayfirst: bool | None = None
    order: str = ""
    empty: np.ndarray | None = None

    @property
    def mixed(self) -> bool:
        """True when the column holds more than one date format (cells that are not dates count
        as one more format when some cells are dates)."""
        failed = bool(((self.reasons != "") & self.reasons.ne(AMBIGUOUS)).any())
        return len(self.formats) + (failed and bool(self.formats)) > 1

    def describe(self) -> list[str]:
        """One line per format found, most frequent first: ``"38 x day/month/year (e.g. '13/01/2020')"``."""
        lines = []
        for key, count in sorted(self.formats.items(), key=lambda kv: -kv[1]):
            lines.append(f"{count} x {LABELS.get(key, key)} (e.g. {self.examples.get(key, '')!r})")
        undecided = int(self.reasons.eq(AMBIGUOUS).sum())
        if undecided:
            lines.append(f"{undecided} x {LABELS['numeric']} (e.g. {self.examples.get('ambiguous', '')!r})")
        bad = int(((self.reasons != "") & self.reasons.ne(AMBIGUOUS)).sum())
        if bad:
            lines.append(f"{bad} x not a date (e.g. {self.examples.get('unparsable', '')!r})")
        return lines


def parse_timestamps(values: pd.Series, *, source_timezone: str = "UTC", dayfirst="auto") -> pd.Series:
    """Parse text timestamps to ``datetime64[ns, UTC]``; cells that are not dates become ``NaT``.

    See the module documentation for the formats and the time-zone policy.

    Parameters
    ----------
    values : Series of str
    source_timezone : str, default "UTC"
        Zone of timestamps written without one.
    dayfirst : bool or "auto"
        Day/month order of ``01/02/2026``-style dates; "auto" decides from the column.

    Raises
    ------
    DataError
        When ``dayfirst="auto"`` and the column does not settle the day/month order.
    """
    return parse_dates(values, source_timezone=source_timezone, dayfirst=dayfirst).timestamps


def parse_dates(values, *, source_timezone: str = "UTC", dayfirst="auto", column=None, path=None,
                on_ambiguous: str = "raise") -> ParsedDates:
    """Parse a column of text timestamps and say why each failure failed.

    Parameters
    ----------
    values : Series of str
    source_timezone : str, default "UTC"
    dayfirst : bool or "auto"
    column, path : optional
        Named in error messages.
    on_ambiguous : {"raise", "report"}
        With "raise" an undecidable day/month order raises :class:`DataError`; with
        "report" the ambiguous cells get a reason and ``NaT`` (used by ``inspect``).

    Returns
    -------
    ParsedDates
    """
    if on_ambiguous not in ("raise", "report"):
        raise ValueError(f"on_ambiguous must be 'raise' or 'report', got {on_ambiguous!r}")
    if dayfirst not in ("auto", True, False):
        raise ValueError(f"dayfirst must be true, false or 'auto', got {dayfirst!r}")
    index = pd.Series(values).index
    # pyarrow (RE2: ASCII digits only) does the string work; pandas parses ISO 8601.
    arrow = arrow_text(values)
    present = _np_bool(pc.greater(pc.utf8_length(arrow), 0))
    n = len(arrow)
    naive_ns = np.full(n, np.iinfo(np.int64).min, dtype="int64")   # NaT as int64
    utc_ns = np.full(n, np.iinfo(np.int64).min, dtype="int64")
    reasons = np.full(n, "", dtype=object)
    formats: dict = {}
    examples: dict = {}
    result = ParsedDates(pd.Series(pd.NaT, index=index, dtype="datetime64[ns, UTC]"),
                         pd.Series(reasons, index=index, dtype=object), formats, examples,
                         empty=~present)
    if not present.any():
        return result
    raw = np.asarray(arrow.to_numpy(zero_copy_only=False), dtype=object)

    def note(key, mask, rows=None):
        """Count the cells of format ``key``; ``mask`` indexes ``rows`` when given."""
        positions = np.flatnonzero(mask) if rows is None else rows[mask]
        if len(positions):
            formats[key] = formats.get(key, 0) + len(positions)
            examples.setdefault(key, raw[positions[0]])

    # 1. ISO 8601: pandas' fast parser.
    iso = present & _np_bool(pc.match_substring_regex(arrow, _ISO))
    done = np.zeros(n, dtype=bool)
    if iso.any():
        zoned = iso & _np_bool(pc.match_substring_regex(arrow, _ISO_ZONED))
        plain = iso & ~zoned
        for mask, target, key, utc in ((plain, naive_ns, "iso", False), (zoned, utc_ns, "iso_zone", True)):
            if not mask.any():
                continue
            subset = raw if mask.all() else raw[mask]
            parsed = pd.to_datetime(subset, format="ISO8601", errors="coerce", utc=utc)
            ns = _to_ns(parsed)
            ok = ns != np.iinfo(np.int64).min
            where = np.flatnonzero(mask)
            target[where[ok]] = ns[ok]
            hit = np.zeros(n, dtype=bool)
            hit[where[ok]] = True
            done |= hit
            note(key, hit)

    rest = present & ~done
    dayfirst_used = None
    order = ""
    if rest.any():
        where = np.flatnonzero(rest)
        arrow = arrow.filter(pa.array(rest))
        todo = np.ones(len(where), dtype=bool)

        # 2. Epoch seconds / milliseconds and spreadsheet serial days.
        for key, pattern in (("epoch_s", _EPOCH_SECONDS), ("epoch_ms", _EPOCH_MILLISECONDS),
                             ("serial", _SERIAL_DAYS)):
            match = _np_bool(pc.match_substring_regex(arrow, pattern)) & todo
            if not match.any():
                continue
            number = pd.to_numeric(pd.Series(raw[where[match]]), errors="coerce").to_numpy(dtype="float64")
            if key == "serial":
                ns = np.round((number - 25569.0) * 86_400) * 1_000_000_000  # 25569 = 1970-01-01
                target = naive_ns
            else:
                seconds = number / 1000.0 if key == "epoch_ms" else number
                ns = np.round(seconds * 1000) * 1_000_000
                target = utc_ns
            target[where[match]] = ns.astype("int64")
            todo &= ~match
            hit = np.zeros(n, dtype=bool)
            hit[where[match]] = True
            note(key, hit)

        # 3. Dates with separators or month names: components, then arithmetic.
        for key, pattern in _PATTERNS.items():
            if not todo.any():
                break
            parts = pc.extract_regex(arrow, pattern)
            matched = _np_bool(pc.is_valid(parts)) & todo
            if not matched.any():
                continue
            comp = {name: _field(parts, name) for name in parts.type.names}
            if key == "numeric":
                a, b = _int(comp["a"]), _int(comp["b"])
                day_first, month_first = _order_evidence(a, b, matched)
                ambiguous_rows = matched & (a != b) & (a <= 12) & (b <= 12)
                if dayfirst == "auto":
                    if day_first.any() and month_first.any():
                        order = (f"both orders seen: day first in {raw[where[day_first][0]]!r}, "
                                 f"month first in {raw[where[month_first][0]]!r}")
                        if on_ambiguous == "raise":
                            raise DataError(
                                f"dates in column {column!r} mix day-first ({raw[where[day_first][0]]!r}) "
                                f"and month-first ({raw[where[month_first][0]]!r}) order; set "
                                "'dayfirst: true' or 'dayfirst: false' under 'data:' in the build file "
                                "(rows in the other order are then rejected)", path=path, column=column)
                        chosen = None
                    elif day_first.any():
                        chosen, order = True, f"day first ({raw[where[day_first][0]]!r} has a day above 12)"
                    elif month_first.any():
                        chosen, order = False, f"month first ({raw[where[month_first][0]]!r} has a day above 12)"
                    elif ambiguous_rows.any():
                        order = ("undecided: every a/b/yyyy date has both fields 12 or less "
                                 f"(e.g. {raw[where[ambiguous_rows][0]]!r})")
                        if on_ambiguous == "raise":
                            raise DataError(
                                f"cannot tell day/month order of the dates in column {column!r} "
                                f"(e.g. {raw[where[ambiguous_rows][0]]!r}: both fields are 12 or less "
                                "in every date); set 'dayfirst: true' or 'dayfirst: false' under "
                                "'data:' in the build file", path=path, column=column)
                        chosen = None
                    else:
                        chosen, order = True, "day and month equal in every date: order irrelevant"
                else:
                    chosen = bool(dayfirst)
                    order = f"dayfirst: {str(chosen).lower()} (from the build file)"
                if chosen is None:
                    # Proven rows are read in their only possible order; the rest are refused.
                    day = np.where(day_first, a, np.where(month_first, b, a))
                    month = np.where(day_first, b, np.where(month_first, a, b))
                    refuse = matched & ~day_first & ~month_first & (a != b)
                    reasons[where[refuse]] = AMBIGUOUS
                    matched_ok = matched & ~refuse
                    note("numeric", matched_ok, where)
                else:
                    day, month = (a, b) if chosen else (b, a)
                    matched_ok = matched
                    dayfirst_used = chosen
                    note("dmy" if chosen else "mdy", matched, where)
                year = _int(comp["y"])
            elif key == "ymd":
                year, month, day = _int(comp["y"]), _int(comp["m"]), _int(comp["d"])
                matched_ok = matched
                note(key, matched, where)
            else:
                year, day = _int(comp["y"]), _int(comp["d"])
                month = _month_number(comp["mon"])
                matched_ok = matched
                note(key, matched & (month > 0), where)
            year = np.where((year >= 0) & (year < 100), np.where(year < 70, year + 2000, year + 1900), year)
            ns, offset, valid, why = _assemble(year, month, day, comp, matched_ok)
            good = matched_ok & valid
            zoned = good & (offset != _NO_OFFSET)
            naive = good & ~zoned
            naive_ns[where[naive]] = ns[naive]
            utc_ns[where[zoned]] = ns[zoned] - offset[zoned] * 60_000_000_000
            bad = matched_ok & ~valid
            if key == "numeric":
                # A month above 12 means the cell is in the other day/month order.
                other_order = bad & (month > 12) & (day <= 12)
                why = np.where(other_order, "day/month order differs from the column's "
                               f"(read {'day' if dayfirst_used else 'month'} first; see 'dayfirst')", why)
            reasons[where[bad]] = why[bad]
            todo &= ~matched

        # Anything else is not a date this package reads.
        if todo.any():
            no_year = _np_bool(pc.match_substring_regex(arrow, _NO_YEAR)) & todo
            reasons[where[no_year]] = "date has no year"
            reasons[where[todo & ~no_year]] = UNPARSABLE

    # Undecided or unparsable cells give one example each.
    undecided = reasons == AMBIGUOUS
    if undecided.any():
        examples.setdefault("ambiguous", raw[np.flatnonzero(undecided)[0]])
    failed = (reasons != "") & ~undecided
    if failed.any():
        examples.setdefault("unparsable", raw[np.flatnonzero(failed)[0]])
    if dayfirst_used is None and dayfirst != "auto" and not order:
        order = f"dayfirst: {str(bool(dayfirst)).lower()} (from the build file)"

    stamps = _localize(naive_ns, source_timezone)
    have_utc = utc_ns != np.iinfo(np.int64).min
    stamps[have_utc] = utc_ns[have_utc]
    result.timestamps = pd.Series(pd.DatetimeIndex(stamps.view("datetime64[ns]")).tz_localize("UTC"),
                                  index=index)
    result.reasons = pd.Series(reasons, index=index, dtype=object)
    result.dayfirst = dayfirst_used
    result.order = order
    return result


_NO_OFFSET = np.iinfo(np.int32).min


def arrow_text(values) -> pa.Array:
    """The cells as a trimmed arrow string array, missing values as ""."""
    series = pd.Series(values)
    if isinstance(series.dtype, pd.ArrowDtype) or getattr(series.dtype, "storage", None) == "pyarrow":
        array = pa.array(series.array)
    else:
        cells = series.to_numpy(dtype=object)
        try:
            array = pa.array(cells, type=pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            array = pa.array([None if _missing(v) else str(v) for v in cells], type=pa.string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if array.type != pa.string():
        array = array.cast(pa.string())
    if maybe_untrimmed(array):  # most columns start and end every cell with a printable character
        array = pc.utf8_trim_whitespace(array)
    return pc.fill_null(array, "")


def _missing(value) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _to_ns(parsed) -> np.ndarray:
    """int64 nanoseconds since the epoch of a parsed datetime Series; NaT (as int64 min)
    also outside 1900..2200, which the component parser then reports as out of range."""
    values = pd.DatetimeIndex(parsed)
    if values.tz is not None:
        values = values.tz_convert("UTC").tz_localize(None)
    array = values.to_numpy()
    unit = np.datetime_data(array.dtype)[0]
    ok = ~np.isnat(array) & (array >= np.datetime64("1900-01-01", unit)) \
        & (array < np.datetime64("2201-01-01", unit))
    out = np.full(len(array), np.iinfo(np.int64).min, dtype="int64")
    out[ok] = array[ok].astype("datetime64[ns]").view("int64")
    return out


def _np_bool(array) -> np.ndarray:
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)


def _field(parts, name):
    """One named group of ``pc.extract_regex`` as an arrow string array ("" when absent)."""
    return pc.fill_null(pc.struct_field(parts, name), "")


def _int(values, default=0) -> np.ndarray:
    """Integers from digit strings (the patterns guarantee digits); ``default`` for empty."""
    if values is None:
        return None
    empty = pc.equal(pc.utf8_length(values), 0)
    numbers = pc.cast(pc.if_else(empty, pa.scalar(None, values.type), values), pa.int64())
    return np.asarray(pc.fill_null(numbers, default).to_numpy(zero_copy_only=False), dtype="int64")


def _text(values) -> np.ndarray:
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=object)


def _month_number(names) -> np.ndarray:
    lowered = pd.Series(_text(pc.utf8_lower(names)), dtype=object)
    return lowered.map(_MONTHS).fillna(0).to_numpy(dtype="int64")


def _order_evidence(a, b, matched):
    """Rows proving day-first (a > 12, b <= 12) and month-first (b > 12, a <= 12)."""
    day_first = matched & (a > 12) & (a <= 31) & (b >= 1) & (b <= 12)
    month_first = matched & (b > 12) & (b <= 31) & (a >= 1) & (a <= 12)
    return day_first, month_first


def _assemble(year, month, day, comp, rows):
    """Nanoseconds since the epoch (wall clock), zone offsets in minutes, validity and reasons."""
    n = len(year)
    empty = pa.array([""] * 0, type=pa.string())
    none = pa.nulls(n, type=pa.string()).fill_null("") if n else empty
    hour = _int(comp.get("H", none))
    minute = _int(comp.get("M", none))
    second = _int(comp.get("S", none))
    frac_text = comp.get("F", none)
    frac = _int(pc.utf8_slice_codeunits(pc.utf8_rpad(frac_text, 9, "0"), 0, 9))
    ampm = _text(pc.utf8_lower(pc.replace_substring(comp.get("ampm", none), ".", "")))
    why = np.full(n, "", dtype=object)

    pm = ampm == "pm"
    am = ampm == "am"
    clock12 = pm | am
    why[rows & clock12 & ((hour < 1) | (hour > 12))] = "impossible time (hour with AM/PM outside 1..12)"
    hour = np.where(am & (hour == 12), 0, hour)
    hour = np.where(pm & (hour < 12), hour + 12, hour)
    # 24:00 is midnight at the end of the day.
    end_of_day = (hour == 24) & (minute == 0) & (second == 0) & (frac == 0)
    hour = np.where(end_of_day, 0, hour)
    why[rows & (why == "") & ((hour > 23) | (minute > 59) | (second > 59))] = "impossible time"
    why[rows & (why == "") & ((year < 1900) | (year > 2200))] = "date out of range (years 1900..2200)"
    why[rows & (why == "") & ((month < 1) | (month > 12))] = "impossible date (no such month)"

    safe_year = np.clip(year, 1900, 2200)
    safe_month = np.clip(month, 1, 12)
    months = ((safe_year - 1970) * 12 + (safe_month - 1)).astype("datetime64[M]")
    days = months.astype("datetime64[D]") + (np.clip(day, 1, 31) - 1).astype("timedelta64[D]")
    why[rows & (why == "") & ((day < 1) | (days.astype("datetime64[M]") != months))] = \
        "impossible date (no such day in that month)"
    ns = (days.astype("datetime64[ns]").view("int64") + end_of_day * 86_400_000_000_000
          + hour * 3_600_000_000_000 + minute * 60_000_000_000 + second * 1_000_000_000 + frac)

    offset = np.full(n, _NO_OFFSET, dtype="int64")
    zone_text = _text(comp.get("zone", none))
    written = pd.Series(zone_text != "")
    zone = pd.Series(zone_text, dtype=object).astype(str).str.upper()
    zone = zone.str.replace("GMT", "", regex=False).str.replace("UTC", "", regex=False).str.strip()
    if written.any():
        parts = zone.str.extract(r"^(?P<sign>[+-])?(?P<h>\d{1,2})?:?(?P<m>\d{2})?$")
        sign = np.where(parts["sign"].fillna("+") == "-", -1, 1)
        hours = pd.to_numeric(parts["h"], errors="coerce").fillna(0).to_numpy(dtype="int64")
        mins = pd.to_numeric(parts["m"], errors="coerce").fillna(0).to_numpy(dtype="int64")
        zone_ok = parts["sign"].notna().to_numpy() | (zone.to_numpy(dtype=object) == "") | (zone == "Z").to_numpy()
        written = written.to_numpy()
        offset = np.where(written, sign * (hours * 60 + mins), offset)
        why[rows & (why == "") & written & (~zone_ok | (hours > 14) | (mins > 59))] = "impossible time-zone offset"
    valid = why == ""
    return ns, offset, valid, np.where(why == "", UNPARSABLE, why)


def _localize(naive_ns: np.ndarray, zone: str) -> np.ndarray:
    """Wall-clock nanoseconds in ``zone`` -> UTC nanoseconds (NaT stays NaT)."""
    missing = naive_ns == np.iinfo(np.int64).min
    if missing.all() or zone in ("UTC", "Etc/UTC", "Z"):
        return naive_ns.copy()
    index = pd.DatetimeIndex(naive_ns.view("datetime64[ns]"))
    try:
        local = index.tz_localize(zone, ambiguous=np.ones(len(index), dtype=bool),
                                  nonexistent="shift_forward")
    except Exception as exc:  # unknown zone names raise several pytz / zoneinfo types
        raise DataError(f"unknown source_timezone {zone!r} ({exc}); use an IANA name "
                        "like 'Europe/Paris'") from None
    out = local.tz_convert("UTC").tz_localize(None).as_unit("ns").asi8.copy()
    out[missing] = np.iinfo(np.int64).min
    return out


def day_month_order(text: pd.Series) -> tuple[bool | None, str]:
    """Decide the day/month order of ``a/b/yyyy`` cells: ``(True, why)`` day first,
    ``(False, why)`` month first, ``(None, why)`` undecided or contradictory."""
    parsed = parse_dates(text, on_ambiguous="report")
    return parsed.dayfirst, parsed.order


def ambiguous_day_month(text: pd.Series) -> bool:
    """True when every ``a/b/yyyy`` date has both fields <= 12 and no order can be inferred."""
    parts = pd.Series(text).astype("string").str.extract(r"^(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}")
    first = pd.to_numeric(parts[0], errors="coerce").dropna()
    second = pd.to_numeric(parts[1], errors="coerce").dropna()
    if first.empty:
        return False
    return bool((first <= 12).all() and (second <= 12).all() and (first != second).any())


__all__ = ["LABELS", "ParsedDates", "ambiguous_day_month", "arrow_text", "day_month_order", "parse_dates",
           "parse_timestamps"]
