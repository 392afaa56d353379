"""Shared fixtures: paths, the seeded demo data, and closing figures after each test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the property tests with a fixed sequence of examples (Hypothesis' advice for CI):
# a rare random example then cannot decide whether a submission lands; locally they stay random.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REALDATA = SHARED / "realdata"
DATA = Path(__file__).resolve().parent / "data"
# Fixtures that make a whole build: a test using one is end-to-end (`make test-fast` leaves
# it out). Tests that build by themselves carry @pytest.mark.slow.
BUILD_FIXTURES = {"small_build", "built", "pack", "team_pdf", "small_pack_build", "builds", "executed"}


def pytest_collection_modifyitems(items):
    for item in items:
        if BUILD_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def pytest_configure(config):
    # whole builds take tens of seconds: `-m "not slow"` leaves them out
    config.addinivalue_line("markers", "slow: runs a whole build (tens of seconds)")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture(scope="session")
def demo_export():
    """The default demo export (as the CSV would hold it), generated once per session."""
    from nps_report import demo

    return demo.generate_demo_export()


@pytest.fixture(scope="session")
def demo_csv(tmp_path_factory):
    from nps_report import demo

    return demo.write_demo_data(tmp_path_factory.mktemp("demo-data"))


@pytest.fixture(scope="session")
def demo_params(demo_csv):
    """The shipped params/demo.yaml pointed at a session copy of the demo CSV."""
    from nps_report import params

    raw = params.load_yaml(ROOT / "params" / "demo.yaml")
    raw["data"]["path"] = str(demo_csv)
    return params.parse_params(raw, path=ROOT / "params" / "demo.yaml")


@pytest.fixture(scope="session")
def demo_responses(demo_params):
    """Canonical, validated demo responses (a LoadResult)."""
    from nps_report import io

    return io.load_responses(demo_params)


@pytest.fixture(scope="session")
def small_pack(tmp_path_factory):
    """The small department of :func:`tests.helpers.build_small_pack`, built once per session
    (tests/test_packs.py and tests/test_pdf.py read it): a :class:`tests.helpers.PackBuild`."""
    from .helpers import build_small_pack

    return build_small_pack(tmp_path_factory.mktemp("packs"))
