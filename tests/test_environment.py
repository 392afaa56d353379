"""environment.yml (conda users) declares the same dependencies as pyproject.toml."""

from __future__ import annotations

import re
import tomllib

import yaml

from .conftest import ROOT

# conda-forge names that differ from PyPI's
CONDA_NAMES = {"vadersentiment": "vadersentiment", "dask[distributed]": "dask"}


def _name_and_pin(requirement: str):
    match = re.match(r"^\s*([A-Za-z0-9_.\-\[\]]+)\s*(>=\s*[\w.]+)?", requirement)
    return match.group(1).lower(), (match.group(2) or "").replace(" ", "")


def test_environment_yml_agrees_with_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted += extra
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = dict(_name_and_pin(d) for d in env["dependencies"] if isinstance(d, str))
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip_section
    for requirement in wanted:
        name, pin = _name_and_pin(requirement)
        conda_name = CONDA_NAMES.get(name, name)
        assert conda_name in conda, f"{name} is in pyproject.toml but not in environment.yml"
        assert conda[conda_name] == pin, f"{name}: pyproject {pin!r}, environment.yml {conda[conda_name]!r}"
    declared = {CONDA_NAMES.get(_name_and_pin(r)[0], _name_and_pin(r)[0]) for r in wanted}
    extra_in_env = set(conda) - declared - {"python", "pip", "pango", "distributed"}
    assert not extra_in_env, f"in environment.yml only: {sorted(extra_in_env)}"
