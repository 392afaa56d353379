"""A build whose output_dir is an fsspec URL: made in a staging folder, then published.

fsspec's ``memory://`` file system stands in for an object store (no network, no
credentials): what the build publishes there must equal the staging folder file for
file, and a rebuild with nothing changed must upload only the build's own bookkeeping.
"""

from __future__ import annotations

import pytest

from nps_report import params
from nps_report.pipeline import run_build
from nps_report.pipeline.publish import is_url, staging_root
from nps_report.exceptions import MissingDependencyError, ParamsError

from .helpers import small_build_file

fsspec = pytest.importorskip("fsspec")


def _with_output_dir(build, url):
    return build.model_copy(update={"output_dir": url})


@pytest.mark.slow
def test_build_is_published_file_for_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the staging folder is output/.remote under the current folder
    url = "memory://nps-publish-test/reports"
    build = _with_output_dir(small_build_file(tmp_path, teams=("Alpha", "Bravo")), url)
    result = run_build(build, jobs=1, formats=["html"])
    assert result.exit_code == 0
    local = staging_root(url) / build.name
    assert result.folder == local and (local / "index.html").exists()
    fs = fsspec.filesystem("memory")
    base = f"/nps-publish-test/reports/{build.name}"
    published = {p[len(base) + 1:] for p in fs.find(base)}
    files = {p.relative_to(local).as_posix() for p in local.rglob("*")
             if p.is_file() and p.name not in (".published.json", ".nps-report.lock")}  # local state
    assert files and published == files
    for name in ("index.html", "2026Q3/teams/Alpha/report.html", "manifest.json"):
        assert fs.cat(f"{base}/{name}") == (local / name).read_bytes(), name
    assert result.published.uploaded == len(files) and result.published.unchanged == 0

    report = f"{base}/2026Q3/teams/Alpha/report.html"
    first_upload = fs.info(report)["created"]
    again = run_build(build, jobs=1, formats=["html"])
    assert not again.results  # every report up to date: its page is not uploaded again
    assert fs.info(report)["created"] == first_upload
    assert 0 < again.published.uploaded < len(files)  # the manifest and index are rewritten
    assert again.published.uploaded + again.published.unchanged == len(files)


def test_unknown_protocol_fails_before_any_work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    build = _with_output_dir(small_build_file(tmp_path), "nosuchproto://bucket/nps")
    with pytest.raises(ParamsError, match="output_dir 'nosuchproto://bucket/nps'"):
        run_build(build, jobs=1, formats=["html"])
    assert not (tmp_path / "output").exists()


def test_missing_protocol_package_says_what_to_install(tmp_path, monkeypatch):
    from fsspec.registry import known_implementations

    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(known_implementations, "fakes3",
                        {"class": "no_such_module.FakeS3", "err": "Install fakes3fs to access fakes3"})
    build = _with_output_dir(small_build_file(tmp_path), "fakes3://bucket/nps")
    with pytest.raises(MissingDependencyError, match="Install fakes3fs"):
        run_build(build, jobs=1, formats=["html"])


def test_is_url():
    assert is_url("s3://bucket/nps") and is_url("file:///srv/nps")
    assert not is_url("output") and not is_url("/srv/nps") and not is_url(r"C:\\reports")


def test_build_file_accepts_a_url(tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text("data:\n  path: x.csv\noutput_dir: s3://bucket/nps\n")
    assert params.load_params(path).output_dir == "s3://bucket/nps"
