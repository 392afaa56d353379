"""Build files: dates stay strings, unknown keys get suggestions, wrong types name the key."""

from __future__ import annotations

import pytest

from nps_report import params
from nps_report.exceptions import ParamsError

from .conftest import ROOT


def write(tmp_path, text):
    path = tmp_path / "build.yaml"
    path.write_text(text)
    return path


def test_shipped_build_files_are_valid():
    for path in sorted((ROOT / "params").glob("*.yaml")):
        raw = params.load_yaml(path)
        if isinstance(raw, dict) and "data" in raw:
            assert params.parse_params(raw, path=path).data is not None, path


def test_minimal_build_file(tmp_path):
    path = write(tmp_path, "data:\n  path: x.csv\n  columns: {Score: score, Date: submitted_at}\n"
                           "  constants: {team: Web}\nquarters: [2026Q3]\n")
    build = params.load_params(path)
    assert build.quarters == ["2026Q3"] and build.stats.interval == "adjusted_wald"
    assert build.stats.display_floor == 5 and build.stats.precision_moe == 10


def test_dates_stay_strings(tmp_path):
    path = write(tmp_path, "data:\n  path: x.csv\n  constants: {submitted_at: 2026-07-01}\n")
    assert params.load_params(path).data.constants["submitted_at"] == "2026-07-01"


def test_unknown_key_suggests_closest(tmp_path):
    path = write(tmp_path, "data:\n  path: x.csv\n  colums: {}\nquarter: [2026Q3]\n")
    with pytest.raises(ParamsError) as info:
        params.load_params(path)
    message = str(info.value)
    assert str(path) in message
    assert "unknown key 'data.colums'; did you mean 'columns'?" in message
    assert "did you mean 'quarters'?" in message


def test_wrong_type_names_key(tmp_path):
    path = write(tmp_path, "data:\n  path: x.csv\nstats:\n  confidence: high\n")
    with pytest.raises(ParamsError, match=r"key 'stats.confidence'.*'high'"):
        params.load_params(path)


def test_bad_quarter_and_zone(tmp_path):
    with pytest.raises(ParamsError, match="2026Q3"):
        params.load_params(write(tmp_path, "data: {path: x.csv}\nquarters: [Q3-2026]\n"))
    with pytest.raises(ParamsError, match="IANA"):
        params.load_params(write(tmp_path, "data: {path: x.csv}\ntimezone: Mars/Base\n"))


def test_missing_or_broken_file(tmp_path):
    with pytest.raises(ParamsError, match="build file not found"):
        params.load_params(tmp_path / "none.yaml")
    with pytest.raises(ParamsError, match="not valid YAML"):
        params.load_params(write(tmp_path, "data: [unclosed\n"))
    with pytest.raises(ParamsError, match="empty"):
        params.load_params(write(tmp_path, ""))
