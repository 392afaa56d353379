"""The public API (``import nps_report as nr``): its names, their runnable examples, the README's questions."""

from __future__ import annotations

import doctest
import inspect
import re
import subprocess
import sys

import pytest

import nps_report as nr

from .conftest import ROOT

FUNCTIONS = ["load_context", "report_tables", "grouped_nps", "compare_nps", "trend", "changes",
             "team_vs_rest", "key_drivers", "analyze_comments", "themes_change", "recommend",
             "flag_anomalies", "close_the_loop"]
MODULES = ["plots", "render"]


def test_public_names():
    assert set(nr.__all__) == {"__version__", *FUNCTIONS, *MODULES}
    assert 12 <= len(nr.__all__) <= 20  # "about 15" names an analyst needs
    for name in FUNCTIONS:
        assert callable(getattr(nr, name)), name
        assert name in dir(nr)
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        nr.nothing_here


def test_import_stays_light():
    """``import nps_report`` loads no pandas, matplotlib or nbconvert: names load on first use."""
    code = ("import sys, nps_report; heavy = {'pandas', 'matplotlib', 'nbconvert', 'scipy'}; "
            "print(sorted(heavy & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=ROOT)
    assert result.stdout.strip() == "[]"


def run_examples(obj, name):
    """Run the doctests of one object's docstring; return (failed, attempted)."""
    finder = doctest.DocTestFinder(recurse=False)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    attempted = 0
    module = obj if inspect.ismodule(obj) else inspect.getmodule(obj)
    # as doctest runs a module's examples: with the module's names (its own examples may use them)
    for test in finder.find(obj, name, globs=dict(vars(module))):
        result = runner.run(test, out=lambda text: sys.stdout.write(text))
        assert result.failed == 0, f"{name}: {result.failed} failing example(s), see the output above"
        attempted += result.attempted
    return attempted


@pytest.mark.parametrize("name", FUNCTIONS + MODULES)
def test_each_public_name_has_examples_that_run(name):
    import pandas as pd

    obj = getattr(nr, name)
    doc = inspect.getdoc(obj) or ""
    assert re.search(r"^Examples\n-{8}", doc, re.M), f"{name}: no numpydoc Examples section"
    with pd.option_context("display.width", 80, "display.max_columns", 20):
        assert run_examples(obj, f"nr.{name}") > 0


@pytest.mark.parametrize("module", ["nps_report.render.html", "nps_report.render.charts"])
def test_render_building_blocks_examples_run(module):
    import importlib

    mod = importlib.import_module(module)
    tests = doctest.DocTestFinder().find(mod, module)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in tests:
        assert runner.run(test).failed == 0, test.name
    assert sum(len(t.examples) for t in tests) >= 3


@pytest.mark.parametrize("module", ["stats", "benchmarks", "drivers", "themes", "actions",
                                    "anomalies", "closeloop", "plots", "render", "tables",
                                    "context", "schema", "options"])
def test_analyst_modules_declare_all(module):
    import importlib

    mod = importlib.import_module(f"nps_report.{module}")
    assert mod.__all__ and all(hasattr(mod, n) for n in mod.__all__), module


def readme_questions():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Ad-hoc questions", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_readme_questions_run_on_the_demo(capsys):
    """Each of the README's three ad-hoc questions runs as printed, in at most 10 lines."""
    snippets = readme_questions()
    assert len(snippets) == 3
    for code in snippets:
        assert len(code.strip().splitlines()) <= 10, code
        namespace = {}
        exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 (our own README)
        last = code.strip().splitlines()[-1]
        if not last.startswith(("print", " ")):  # the answer is the last expression: evaluate it
            answer = eval(compile(last, "README.md", "eval"), namespace)  # noqa: S307
            assert len(answer) > 0, last
    printed = capsys.readouterr().out
    assert "Enterprise minus the rest" in printed and "significant: True" in printed
