"""Parse response timestamps into tz-aware UTC, with one explicit time-zone policy."""

from __future__ import annotations

import numpy as np
import pandas as pd

_ZONE_SUFFIX = r"(?:Z|[+-]\d{2}:?\d{2})$"


def parse_timestamps(values: pd.Series, *, source_timezone: str = "UTC", dayfirst="auto") -> pd.Series:
    """Parse text timestamps to ``datetime64[ns, UTC]``; unparsable cells become ``NaT``.

    Policy: a timestamp that carries a zone (``Z`` or ``+02:00``) is converted to UTC;
    one written without a zone is read as local time in ``source_timezone`` (the
    zone chosen at export, which tools such as Qualtrics do not write).

    Parameters
    ----------
    values : Series of str
    source_timezone : str, default "UTC"
    dayfirst : bool or "auto"
        Day/month order for ``01/02/2026``-style dates. With "auto" the order is
        inferred from the column (a day above 12 settles it).
    """
    text = values.astype("string").str.strip()
    text = text.mask(text == "")
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    if text.isna().all():
        return out
    zoned = text.str.contains(_ZONE_SUFFIX, regex=True, na=False)
    if zoned.any():
        parsed = pd.to_datetime(text[zoned], format="ISO8601", utc=True, errors="coerce")
        out[zoned] = parsed
    naive = text.notna() & ~zoned
    if naive.any():
        parsed = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
        remaining = parsed.isna()
        if remaining.any():
            first = _dayfirst(text[naive][remaining]) if dayfirst == "auto" else bool(dayfirst)
            parsed[remaining] = pd.to_datetime(text[naive][remaining], format="mixed",
                                               dayfirst=bool(first), errors="coerce")
        parsed = pd.to_datetime(parsed)
        if parsed.dt.tz is None:
            parsed = parsed.dt.tz_localize(source_timezone, ambiguous="NaT",
                                           nonexistent="shift_forward").dt.tz_convert("UTC")
        out[naive] = parsed
    return out


def _dayfirst(text: pd.Series) -> bool:
    """True when slash- or dot-separated dates put the day first (a first field above 12)."""
    parts = text.str.extract(r"^(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}")
    first = pd.to_numeric(parts[0], errors="coerce")
    second = pd.to_numeric(parts[1], errors="coerce")
    return bool((first > 12).any() and not (second > 12).any())


def ambiguous_day_month(text: pd.Series) -> bool:
    """True when every ``a/b/yyyy`` date has both fields <= 12 and no order can be inferred."""
    parts = text.astype("string").str.extract(r"^(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}")
    first = pd.to_numeric(parts[0], errors="coerce").dropna()
    second = pd.to_numeric(parts[1], errors="coerce").dropna()
    if first.empty:
        return False
    return bool((first <= 12).all() and (second <= 12).all() and (first != second).any())


__all__ = ["parse_timestamps", "ambiguous_day_month", "np"]
