"""Fingerprints: what a report's output depends on, hashed, so an incremental build
rebuilds exactly the reports whose printed numbers can change.

A report's fingerprint covers its own rows, the build-table rows it prints (rounded as
printed: :func:`nps_report.tables.build.printed_build_rows`), its template, the code and
the options; a department summary's also covers what it reads of its teams' saved tables
(their actions).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from .. import schema
from ..resources import shipped_path

__all__ = ["code_fingerprint", "file_hash", "folder_fingerprint", "frame_fingerprint", "hash_text",
           "report_fingerprint", "slice_fingerprints"]

# Source and package data whose change changes every report. Templates (.ipynb) are left
# out: each report's fingerprint covers its own template, so editing the team template
# rebuilds the team reports only.
CODE_SUFFIXES = {".py", ".j2", ".css", ".json", ".txt", ".yaml"}


def hash_text(*parts) -> str:
    """A short hash of ``parts`` (their ``str``), in order.

    Examples
    --------
    >>> hash_text("a", 1) == hash_text("a", "1") != hash_text("a1")
    True
    """
    digest = hashlib.sha256()
    for part in parts:
        digest.update(str(part).encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def file_hash(path) -> str:
    """SHA-256 of a file's bytes (hex), read in blocks.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "x.txt"
    >>> _ = path.write_bytes(b"abc")
    >>> file_hash(path)[:12]
    'ba7816bf8f01'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def code_fingerprint() -> str:
    """Hash of the package's source and data: a new toolkit version rebuilds every report."""
    digest = hashlib.sha256()
    package = shipped_path()
    for path in sorted(package.rglob("*")):
        if path.suffix in CODE_SUFFIXES and "__pycache__" not in path.parts and path.is_file():
            digest.update(path.relative_to(package).as_posix().encode("utf-8"))
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def slice_fingerprints(responses: pd.DataFrame) -> dict:
    """Hash of each team's, each department's and the whole data's rows.

    Returns
    -------
    dict
        ``"all"``, ``"team:<name>"`` and ``"department:<name>"`` -> hash.
    """
    row_hash = pd.Series(pd.util.hash_pandas_object(responses, index=False).to_numpy(), index=responses.index)
    out = {"all": format(int(row_hash.sum()) % (1 << 64), "x")}
    for column in (schema.TEAM, schema.DEPARTMENT):
        sums = row_hash.groupby(responses[column].astype(str)).sum()
        out.update({f"{column}:{k}": format(int(v) % (1 << 64), "x") for k, v in sums.items()})
    return out


def frame_fingerprint(frame: pd.DataFrame) -> str:
    """Hash of a DataFrame's columns and values (index ignored).

    Examples
    --------
    >>> a = pd.DataFrame({"x": [1, 2]})
    >>> frame_fingerprint(a) == frame_fingerprint(a.copy()) != frame_fingerprint(a.assign(x=[1, 3]))
    True
    """
    values = pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy()
    return hash_text(list(frame.columns), hashlib.sha256(values.tobytes()).hexdigest())


def folder_fingerprint(folder, names=None) -> str:
    """Hash of every file below ``folder`` (names and bytes), or only of the files called
    ``names``; ``"missing"`` when the folder is absent."""
    folder = Path(folder)
    if not folder.is_dir():
        return "missing"
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*")
                       if p.is_file() and (names is None or p.name in names)):
        digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def report_fingerprint(report, *, slices: dict, common: str, template: str, printed: str = "",
                       team_tables=()) -> str:
    """The fingerprint of one report.

    Parameters
    ----------
    report : Report
        From the plan.
    slices : dict
        :func:`slice_fingerprints` of the build's responses.
    common : str
        Hash of what every report shares: code, options, input files, formats.
    template : str
        Hash of the report's template.
    printed : str
        Hash of the build-table rows the report prints.
    team_tables : iterable of (str, str)
        For a department summary: each team report's key and the
        :func:`folder_fingerprint` of the saved tables the summary reads.
    """
    if report.kind == "team":
        data = slices.get(f"team:{report.team}")
    elif report.kind == "department":
        data = slices.get(f"department:{report.department}")
    else:
        data = slices["all"]
    return hash_text(common, data, template, printed, sorted(report.parameters().items()),
                     sorted(team_tables))
