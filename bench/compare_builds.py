"""Do two builds of the same data say the same? (issue 19: faster, with the same reports)

Usage, each ``dump`` run with the code that made the build (``PYTHONPATH=<tree>``), so
that each tree reads its own saved tables::

    python bench/compare_builds.py dump BUILD_FOLDER before.pickle
    python bench/compare_builds.py dump BUILD_FOLDER after.pickle
    python bench/compare_builds.py compare before.pickle after.pickle

``dump`` gathers, for every report folder of the build (a folder holding
``report.ipynb``): its saved tables (:func:`nps_report.tables.load_report_tables`), the
visible text of its ``report.html`` (tags, scripts, styles and embedded images left out)
and the text of every page of its ``report.pdf`` (pypdf); for the build: its build tables
(``tables/**.parquet``), the close-the-loop CSVs and the values of every sheet of the
close-the-loop workbooks. ``compare`` prints each difference and exits 1 if there is one.
Text that differs between any two builds by design (the build's date and time, the code's
fingerprint, timings, the folders above the build in the options' paths, when a returned
workbook was read) is masked before comparing.
"""

from __future__ import annotations

import argparse
import html.parser
import pickle
import re
import sys
from pathlib import Path

import pandas as pd

# Text that changes with every build or with the code, not with what a report says.
_VOLATILE = [
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?(\.\d+)?( ?UTC|Z|[+-]\d{2}:?\d{2})?"), "<time>"),
    (re.compile(r"\b[0-9a-f]{12,64}\b"), "<hash>"),
    (re.compile(r"\b\d+(\.\d+)? ?s\b"), "<seconds>"),
    (re.compile(r"nps-report \d+\.\d+(\.\d+)?\S*"), "nps-report <version>"),
]


def _mask(text: str) -> str:
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return re.sub(r"\s+", " ", text).strip()


class _Text(html.parser.HTMLParser):
    """The visible text of an HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_text(path: Path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return _mask(" ".join(parser.parts))


def pdf_text(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [_mask(page.extract_text() or "") for page in PdfReader(path).pages]


def _fields(tables) -> dict:
    """The tables' fields; in the options, an absolute path keeps its last two parts
    (where the build was made is not what it says)."""
    import dataclasses
    import json

    def short(value):
        if isinstance(value, dict):
            return {k: short(v) for k, v in value.items()}
        if isinstance(value, str) and value.startswith("/"):
            return "/".join(Path(value).parts[-2:])
        return value

    fields = {f.name: getattr(tables, f.name) for f in dataclasses.fields(tables)}
    if "options" in fields:
        fields["options"] = json.dumps(short(fields["options"].model_dump(mode="json")), sort_keys=True)
    return fields


def dump(build: Path) -> dict:
    from nps_report.tables import load_report_tables

    out = {"reports": {}, "build_tables": {}, "loop_csv": {}, "loop_xlsx": {}}
    for notebook in sorted(build.rglob("report.ipynb")):
        folder = notebook.parent
        key = folder.relative_to(build).as_posix()
        entry = {"tables": _fields(load_report_tables(folder))}
        if (folder / "report.html").exists():
            entry["html"] = html_text(folder / "report.html")
        if (folder / "report.pdf").exists():
            entry["pdf"] = pdf_text(folder / "report.pdf")
        out["reports"][key] = entry
    for path in sorted((build / "tables").rglob("*.parquet")):
        table = pd.read_parquet(path)
        # When a returned workbook was read: the time of this build, not data.
        out["build_tables"][path.relative_to(build).as_posix()] = table.drop(
            columns=["returned_at"], errors="ignore")
    for path in sorted(build.rglob("close_the_loop.csv")):
        out["loop_csv"][path.relative_to(build).as_posix()] = path.read_bytes()
    for path in sorted(build.rglob("close_the_loop.xlsx")):
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=object)
        out["loop_xlsx"][path.relative_to(build).as_posix()] = sheets
    return out


def _same(a, b) -> str | None:
    """None when equal, else a short description of the first difference."""
    if isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame):
        try:
            pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                          check_exact=True)
        except AssertionError as error:
            return str(error).splitlines()[0][:300]
        return None if a.attrs.keys() == b.attrs.keys() else "attrs keys differ"
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return f"keys differ: {sorted(set(a) ^ set(b))[:10]}"
        for k in a:
            diff = _same(a[k], b[k])
            if diff:
                return f"{k}: {diff}"
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            diff = _same(x, y)
            if diff:
                return f"[{i}]: {diff}"
        return None
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return None
    if a == b:
        return None
    if isinstance(a, str) and isinstance(b, str):
        at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        return f"text differs at {at}: {a[max(0, at - 60):at + 60]!r} vs {b[max(0, at - 60):at + 60]!r}"
    return f"{str(a)[:120]!r} vs {str(b)[:120]!r}"


def compare(a: dict, b: dict) -> list[str]:
    problems = []
    for section in ("build_tables", "loop_csv", "loop_xlsx"):
        diff = _same(a[section], b[section])
        if diff:
            problems.append(f"{section}: {diff}")
    if a["reports"].keys() != b["reports"].keys():
        problems.append(f"reports differ: {sorted(set(a['reports']) ^ set(b['reports']))}")
    for key in sorted(set(a["reports"]) & set(b["reports"])):
        for part in ("tables", "html", "pdf"):
            diff = _same(a["reports"][key].get(part), b["reports"][key].get(part))
            if diff:
                problems.append(f"{key} {part}: {diff}")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("build", type=Path)
    d.add_argument("out", type=Path)
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = parser.parse_args(argv)
    if args.command == "dump":
        data = dump(args.build)
        args.out.write_bytes(pickle.dumps(data))
        print(f"{len(data['reports'])} reports, {len(data['build_tables'])} build tables, "
              f"{len(data['loop_xlsx'])} workbooks -> {args.out}")
        return 0
    a, b = (pickle.loads(p.read_bytes()) for p in (args.a, args.b))
    problems = compare(a, b)
    for problem in problems:
        print(problem)
    n_tables = sum(len(r["tables"]) for r in a["reports"].values())
    print(f"{len(a['reports'])} reports ({n_tables} tables, HTML text, PDF text per page), "
          f"{len(a['build_tables'])} build tables, {len(a['loop_csv'])} loop CSVs, "
          f"{len(a['loop_xlsx'])} loop workbooks: "
          + ("the same" if not problems else f"{len(problems)} difference(s)"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
