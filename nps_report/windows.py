"""Which responses are current: rolling windows, expiry by age, and quarters by transaction date."""

from __future__ import annotations

import pandas as pd

from . import schema
from .exceptions import DataError

__all__ = ["apply_windows", "current_responses", "relabel_quarters", "response_dates"]

DATE_COLUMNS = ("submitted_at", "transaction_at")


def _timestamp(as_of) -> pd.Timestamp:
    ts = pd.Timestamp(as_of)
    if pd.isna(ts):
        raise ValueError(f"as_of must be a date or timestamp, got {as_of!r}")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _utc(values: pd.Series) -> pd.Series:
    values = pd.to_datetime(values, errors="coerce")
    return values.dt.tz_localize("UTC") if values.dt.tz is None else values.dt.tz_convert("UTC")


def response_dates(data: pd.DataFrame, *, date: str = "submitted_at") -> pd.Series:
    """The date each response is dated by, in UTC.

    With ``date="transaction_at"`` (when the customer was served), rows without a
    transaction date fall back to ``submitted_at``; a table without a
    ``transaction_at`` column at all raises :class:`~nps_report.exceptions.DataError`
    (a build asked for a date its source does not have).
    """
    if date not in DATE_COLUMNS:
        raise ValueError(f"date must be one of {', '.join(DATE_COLUMNS)}; got {date!r}")
    if date not in data.columns:
        raise DataError(f"no '{date}' column: this source has no {date.replace('_', ' ')}; "
                        "use date: submitted_at in the build file's windows", column=date)
    dates = _utc(data[date])
    if date != "submitted_at" and "submitted_at" in data.columns:
        dates = dates.fillna(_utc(data["submitted_at"]))
    return dates


def current_responses(data: pd.DataFrame, *, as_of, rolling_days: int | None = None,
                      max_age_days: int | None = None,
                      date: str = "submitted_at") -> tuple[pd.DataFrame, int]:
    """The responses current at ``as_of``, and how many expired.

    Parameters
    ----------
    data : DataFrame
        Canonical responses (``submitted_at``, and ``transaction_at`` if used).
    as_of : str or Timestamp
        The moment the report describes; a date without a time zone is read as UTC.
        Responses dated after it are left out (they did not exist yet) and are not
        counted as expired.
    rolling_days : int, optional
        Keep only responses dated within the ``rolling_days`` days up to ``as_of``
        (``as_of - rolling_days days <= date <= as_of``). None: no window.
    max_age_days : int, optional
        Expiry: responses older than ``max_age_days`` days at ``as_of`` are dropped
        and counted in ``expired_count``. None: nothing expires.
    date : {"submitted_at", "transaction_at"}, default "submitted_at"
        Which date ages a response; see :func:`response_dates`. These arguments
        match :class:`nps_report.params.Windows` (see :func:`apply_windows`).

    Returns
    -------
    current : DataFrame
        The rows of ``data`` kept, index unchanged.
    expired_count : int
        Rows dropped because they are older than ``max_age_days``. Rows outside
        ``rolling_days`` but not expired are left out without being counted:
        they are outside the window, not stale.
    """
    for name, value in (("rolling_days", rolling_days), ("max_age_days", max_age_days)):
        if value is not None and int(value) < 1:
            raise ValueError(f"{name} must be 1 or more (or None), got {value!r}")
    as_of = _timestamp(as_of)
    dates = response_dates(data, date=date)
    keep = (dates <= as_of).fillna(False)
    expired = pd.Series(False, index=data.index)
    if max_age_days is not None:
        expired = (dates < as_of - pd.Timedelta(days=int(max_age_days))).fillna(False)
    if rolling_days is not None:
        keep &= (dates >= as_of - pd.Timedelta(days=int(rolling_days))).fillna(False)
    keep &= ~expired
    return data[keep], int(expired.sum())


def apply_windows(data: pd.DataFrame, windows, *, as_of) -> tuple[pd.DataFrame, int]:
    """:func:`current_responses` with the settings of a :class:`nps_report.params.Windows`."""
    return current_responses(data, as_of=as_of, rolling_days=windows.rolling_days,
                             max_age_days=windows.max_age_days, date=windows.date)


def relabel_quarters(data: pd.DataFrame, *, date: str = "transaction_at", tz: str = "UTC",
                     fiscal_year_start_month: int = 1,
                     quarter_col: str = "quarter") -> pd.DataFrame:
    """A copy of ``data`` whose quarter comes from ``date`` (e.g. the transaction date).

    A response submitted on 2 July about a service in June then counts in Q2.
    Rows without that date keep the quarter of ``submitted_at`` (see
    :func:`response_dates`). Quarters are calendar quarters, or fiscal ones with
    ``fiscal_year_start_month`` (see :func:`nps_report.schema.quarter_label`);
    ``tz`` is where the quarter boundaries fall.

    Returns
    -------
    DataFrame
        ``data`` with ``quarter_col`` replaced (string labels like ``2026Q3``).
    """
    out = data.copy()
    out[quarter_col] = schema.quarter_label(response_dates(data, date=date), tz=tz,
                                            fiscal_year_start_month=fiscal_year_start_month).to_numpy()
    return out
