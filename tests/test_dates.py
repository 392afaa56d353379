"""Timestamps: every format of ../shared/reference/survey-exports.md, the time-zone policy,
day/month order never guessed, and speed (1,000,000 timestamps in a few seconds)."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from nps_report import io, params
from nps_report.exceptions import DataError
from nps_report.io.dates import AMBIGUOUS, parse_dates, parse_timestamps


def one(text, **kwargs):
    parsed = parse_dates(pd.Series([text]), **kwargs)
    return parsed.timestamps[0], parsed.reasons[0]


def utc(text):
    return pd.Timestamp(text, tz="UTC")


@pytest.mark.parametrize("text,expected", [
    # Qualtrics, Typeform: YYYY-MM-DD HH:MM:SS (no zone written)
    ("2017-07-18 08:28:09", "2017-07-18 08:28:09"),
    ("2019-11-01 08:51:12.402", "2019-11-01 08:51:12.402"),
    # ISO with Z or offsets
    ("2026-07-01T10:00:00Z", "2026-07-01 10:00:00"),
    ("2026-07-01T12:00:00+02:00", "2026-07-01 10:00:00"),
    ("2026-07-01T12:00:00+0200", "2026-07-01 10:00:00"),
    ("2026-07-01 05:00:00-05:00", "2026-07-01 10:00:00"),
    # epoch seconds (Delighted) and milliseconds
    ("1782892800", "2026-07-01 08:00:00"),
    ("1782892800000", "2026-07-01 08:00:00"),
    # spreadsheet serial days (1899-12-30 based); 42059.48 = 2015-02-24 11:31:12
    ("42059.48", "2015-02-24 11:31:12"),
    ("46204", "2026-07-01 00:00:00"),
    # text months
    ("5th Jan 2020", "2020-01-05"),
    ("7 Dec 2019", "2019-12-07"),
    ("Jan 5, 2020", "2020-01-05"),
    ("Mon, 05 Jan 2026 10:00:00 +0000", "2026-01-05 10:00:00"),
    ("21 March 2026 14:05", "2026-03-21 14:05"),
    # Google Forms: year first with 12-hour clock and GMT offset
    ("2026/09/27 3:00:00 PM GMT+3", "2026-09-27 12:00:00"),
    ("2026/09/27 12:30:00 AM GMT-2", "2026-09-27 02:30:00"),
    ("2020/01/19", "2020-01-19"),
    # a day above 12 settles the order by itself
    ("13/01/2020", "2020-01-13"),
    ("1/13/2020 8:51:12", "2020-01-13 08:51:12"),
    ("21-01-2020 13.05", "2020-01-21 13:05"),        # dd-mm-yyyy HH.MM after a spreadsheet
    ("20/01/2020 24:00", "2020-01-21 00:00"),        # 24:00 ends the day
    ("25/12/26", "2026-12-25"),                      # two-digit year: 20yy below 70
    ("25/12/99", "1999-12-25"),
])
def test_reference_formats(text, expected):
    stamp, reason = one(text)
    assert reason == ""
    assert stamp == utc(expected)


@pytest.mark.parametrize("text,reason", [
    ("Monday - 13th Jan", "date has no year"),
    ("30/02/2020", "impossible date (no such day in that month)"),
    ("2020-13-45", "impossible date (no such month)"),
    ("13:00 25/61/2020", "unparsable date"),
    ("9999-01-01", "date out of range (years 1900..2200)"),
    ("13/25/2020", "impossible date (no such month)"),
    ("2026/09/27 13:00:00 PM", "impossible time (hour with AM/PM outside 1..12)"),
    ("2026-07-01 25:61", "impossible time"),
    ("08:21", "unparsable date"),
    ("yesterday", "unparsable date"),
])
def test_not_dates_say_why(text, reason):
    stamp, why = one(text)
    assert pd.isna(stamp) and why == reason


def test_time_zone_policy():
    values = pd.Series(["2026-06-30 23:30:00", "2026-06-30T23:30:00Z", "1782862200", "46203.979166666664",
                        "30/06/2026 23:30"])
    parsed = parse_timestamps(values, source_timezone="Europe/Paris")
    # no zone written (ISO, serial days, d/m/y): wall clock in the source zone (CEST, UTC+2)
    assert parsed[0] == utc("2026-06-30 21:30") and parsed[3] == utc("2026-06-30 21:30")
    assert parsed[4] == utc("2026-06-30 21:30")
    # a zone written, or epoch seconds: an instant, whatever source_timezone says
    assert parsed[1] == utc("2026-06-30 23:30") and parsed[2] == utc("2026-06-30 23:30")
    assert str(parsed.dtype) == "datetime64[ns, UTC]"


def test_daylight_saving_gaps_and_folds():
    parsed = parse_timestamps(pd.Series(["2026-03-29 02:30", "2026-10-25 02:30"]), source_timezone="Europe/Paris")
    assert parsed[0] == utc("2026-03-29 01:00")   # does not exist: moved forward to 03:00 CEST
    assert parsed[1] == utc("2026-10-25 00:30")   # exists twice: the first (CEST)


def test_ambiguous_day_month_order_is_refused():
    dates = pd.Series(["11/1/2019 8:51:12", "11/2/2019 2:42:54", "11/4/2019 4:33:11"])
    with pytest.raises(DataError, match="dayfirst: true' or 'dayfirst: false"):
        parse_dates(dates, column="Timestamp")
    assert list(parse_timestamps(dates, dayfirst=False).dt.day) == [1, 2, 4]
    assert list(parse_timestamps(dates, dayfirst=True).dt.month) == [1, 2, 4]
    reported = parse_dates(dates, on_ambiguous="report")
    assert (reported.reasons == AMBIGUOUS).all() and reported.timestamps.isna().all()
    assert reported.order.startswith("undecided")
    # day equal to month is the same date either way
    assert parse_timestamps(pd.Series(["05/05/2020"]))[0] == utc("2020-05-05")


def test_one_day_above_twelve_settles_the_column():
    parsed = parse_dates(pd.Series(["01/02/2026", "13/02/2026"]))
    assert parsed.dayfirst is True and list(parsed.timestamps.dt.month) == [2, 2]
    parsed = parse_dates(pd.Series(["01/02/2026", "02/13/2026"]))
    assert parsed.dayfirst is False and list(parsed.timestamps.dt.month) == [1, 2]


def test_both_orders_in_one_column_are_refused_then_rejected_by_row():
    dates = pd.Series(["13/01/2020", "5/20/2019", "04/01/2020"])      # prepbench case 050
    with pytest.raises(DataError, match="mix day-first .* and month-first"):
        parse_dates(dates, column="Answer")
    parsed = parse_dates(dates, dayfirst=True)
    assert parsed.reasons[1].startswith("day/month order differs from the column's")
    assert parsed.timestamps[2] == utc("2020-01-04")


def test_loader_refuses_ambiguous_dates_with_the_column_named(tmp_path):
    path = tmp_path / "us.csv"
    path.write_text("id,Timestamp,How likely are you to recommend us?,team\n"
                    "a,1/2/2026 10:00:00,9,T\nb,3/4/2026 11:00:00,7,T\n")
    source = params.DataSource(path=str(path))
    with pytest.raises(DataError, match="column 'Timestamp'.*dayfirst") as info:
        io.load_source(source)
    assert "us.csv" in str(info.value)
    result = io.load_source(source.model_copy(update={"dayfirst": False}))
    assert list(result.responses.submitted_at) == [utc("2026-01-02 10:00"), utc("2026-03-04 11:00")]


def test_rejection_reasons_reach_the_loader(tmp_path):
    path = tmp_path / "dates.csv"
    path.write_text("id,submitted,score,team\na,2026-07-01,9,T\nb,30/02/2026,9,T\nc,Monday - 13th Jan,9,T\n"
                    "d,,9,T\ne,garbage,9,T\n")
    result = io.load_source(params.DataSource(path=str(path), columns={"id": "response_id",
                                                                        "submitted": "submitted_at"}))
    assert dict(zip(result.rejected.id, result.rejected.reason)) == {
        "b": "impossible date (no such day in that month)", "c": "date has no year", "d": "missing date",
        "e": "unparsable date"}


def test_formats_found_are_described():
    parsed = parse_dates(pd.Series(["2026-07-01 10:00:00", "13/01/2020", "5th Jan 2020", "junk"]))
    assert parsed.mixed
    lines = parsed.describe()
    assert any("day/month/year" in line for line in lines)
    assert any("not a date" in line and "junk" in line for line in lines)


def test_million_iso_timestamps_all_parse():
    # Speed is measured by make bench (bench/components.py), never asserted here.
    start = pd.Timestamp("2025-01-01")
    stamps = start + pd.to_timedelta(np.random.default_rng(0).integers(0, 40_000_000, 1_000_000), unit="s")
    text = pd.Series(stamps.strftime("%Y-%m-%d %H:%M:%S"), dtype=object)
    parsed = parse_timestamps(text, source_timezone="Europe/Paris")
    assert parsed.notna().all()
    assert parsed.iloc[0] == pd.Timestamp(stamps[0], tz="Europe/Paris").tz_convert("UTC")
    assert parsed.iloc[-1] == pd.Timestamp(stamps[-1], tz="Europe/Paris").tz_convert("UTC")


@pytest.mark.slow  # a million rows written and read back: the scale check, not a unit test
def test_million_rows_load_without_losing_one(tmp_path):
    rng = np.random.default_rng(1)
    n = 1_000_000
    stamps = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 180 * 86_400, n), unit="s")
    frame = pd.DataFrame({
        "Response ID": np.char.add("R", np.arange(n).astype(str)),
        "Submitted At": stamps.strftime("%Y-%m-%d %H:%M:%S"),
        "How likely are you to recommend us?": rng.integers(0, 11, n),
        "Comment": np.where(rng.random(n) < 0.3, "Fast delivery, friendly staff", ""),
        "Team": np.char.add("Team ", rng.integers(0, 40, n).astype(str)),
        "Department": np.char.add("Dept ", rng.integers(0, 8, n).astype(str)),
    })
    path = tmp_path / "million.csv"
    frame.to_csv(path, index=False)
    result = io.load_source(params.DataSource(path=str(path)))
    assert result.counts["accepted"] == n
    assert result.responses["score"].sum() == frame["How likely are you to recommend us?"].sum()
