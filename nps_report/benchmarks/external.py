"""External benchmarks: published NPS figures read from a file, and a score's gap to each."""

from __future__ import annotations

from typing import Literal, Optional

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..exceptions import ParamsError
from .verdicts import points_text

__all__ = ["EXTERNAL_COLUMNS", "ExternalBenchmark", "external_gaps", "load_external_benchmarks"]


class _Distribution(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    p10: float = Field(ge=-100, le=100)
    median: float = Field(ge=-100, le=100)
    p90: float = Field(ge=-100, le=100)

    @model_validator(mode="after")
    def _ordered(self):
        if not self.p10 <= self.median <= self.p90:
            raise ValueError(f"needs p10 <= median <= p90, got {self.p10}, {self.median}, {self.p90}")
        return self


class ExternalBenchmark(BaseModel):
    """One published NPS figure: an industry or a competitor, with its source and year."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    kind: Literal["industry", "competitor"] = "industry"
    value: Optional[float] = Field(None, ge=-100, le=100)
    source: str = Field(min_length=1)
    year: int = Field(ge=1990, le=2100)
    distribution: Optional[_Distribution] = None
    example: bool = False
    note: Optional[str] = None

    @model_validator(mode="after")
    def _has_value(self):
        if self.value is None and self.distribution is None:
            raise ValueError("give 'value' or a 'distribution' (p10, median, p90)")
        return self


class _BenchmarkFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    benchmarks: list[ExternalBenchmark] = Field(min_length=1)


EXTERNAL_COLUMNS = ["name", "kind", "value", "p10", "median", "p90", "source", "year", "citation",
                    "label", "example", "note"]


def load_external_benchmarks(path) -> pd.DataFrame:
    """Read and validate an external benchmarks file (e.g. the shipped ``nps_report/data/published_benchmarks.yaml``).

    The file is a mapping with one key, ``benchmarks``: a list of entries with
    ``name``, ``kind`` (``industry`` or ``competitor``), ``value`` (NPS,
    -100..100), ``source``, ``year``, optionally ``distribution`` (``p10``,
    ``median``, ``p90``), ``example`` (true for illustrative figures that are not
    this company's chosen benchmarks) and ``note``. Without ``value`` the
    distribution's median is the value.

    Returns
    -------
    DataFrame
        One row per entry: ``name``, ``kind``, ``value``, ``p10``, ``median``,
        ``p90`` (NaN without a distribution), ``source``, ``year``, ``citation``
        (``"Source, Year"``), ``label`` (``"Name (Source, Year)"``), ``example``,
        ``note``.

    Raises
    ------
    ParamsError
        Naming the file and the key (``benchmarks.2.source``) when the file is
        missing, not YAML, or an entry is invalid.
    """
    from ..params import load_yaml

    raw = load_yaml(path, "benchmarks file")
    if not isinstance(raw, dict):
        raise ParamsError("a benchmarks file is a mapping with a 'benchmarks' list", path=path,
                          key="benchmarks")
    try:
        parsed = _BenchmarkFile.model_validate(raw)
    except ValidationError as exc:
        messages = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"]) or "(top level)"
            given = err.get("input")
            given_text = "" if isinstance(given, (dict, list)) else f" (got {given!r})"
            messages.append(f"key '{key}': {err['msg']}{given_text}")
        first = ".".join(str(p) for p in exc.errors()[0]["loc"])
        raise ParamsError("; ".join(messages), path=path, key=first) from None
    rows = []
    for b in parsed.benchmarks:
        dist = b.distribution
        citation = f"{b.source}, {b.year}"
        rows.append({"name": b.name, "kind": b.kind,
                     "value": b.value if b.value is not None else dist.median,
                     "p10": dist.p10 if dist else np.nan, "median": dist.median if dist else np.nan,
                     "p90": dist.p90 if dist else np.nan, "source": b.source, "year": b.year,
                     "citation": citation, "label": f"{b.name} ({citation})",
                     "example": b.example, "note": b.note})
    return pd.DataFrame(rows, columns=EXTERNAL_COLUMNS)


def external_gaps(nps_value: float, benchmarks: pd.DataFrame) -> pd.DataFrame:
    """Where an NPS stands against each external benchmark.

    Parameters
    ----------
    nps_value : float
        The team's (or company's) NPS, -100..100; NaN (e.g. below the display
        floor) gives NaN gaps.
    benchmarks : DataFrame
        As returned by :func:`load_external_benchmarks`.

    Returns
    -------
    DataFrame
        One row per benchmark: ``name``, ``kind``, ``value``, ``p10``, ``median``,
        ``p90``, ``nps``, ``gap`` (``nps - value``, points), ``position`` against
        the distribution (``"below p10"``, ``"p10 to median"``, ``"median to p90"``,
        ``"p90 or above"``; ``<NA>`` without a distribution), ``citation``,
        ``example`` and ``sentence``.

    Notes
    -----
    Published studies differ in method (some average company scores per
    industry), so a gap is context, not a test: no interval or p-value is given.
    """
    value = float(nps_value) if nps_value is not None else np.nan
    table = benchmarks[["name", "kind", "value", "p10", "median", "p90", "citation",
                        "example"]].copy()
    table["nps"] = value
    table["gap"] = value - table["value"].astype("float64")
    positions = []
    for _, b in table.iterrows():
        if not np.isfinite(value) or not np.isfinite(b["p10"]):
            positions.append(pd.NA)
        elif value < b["p10"]:
            positions.append("below p10")
        elif value < b["median"]:
            positions.append("p10 to median")
        elif value < b["p90"]:
            positions.append("median to p90")
        else:
            positions.append("p90 or above")
    table["position"] = pd.array(positions, dtype="string")
    table["sentence"] = [_external_sentence(r) for _, r in table.iterrows()]
    return table[["name", "kind", "value", "p10", "median", "p90", "nps", "gap", "position",
                  "citation", "example", "sentence"]].reset_index(drop=True)


def _external_sentence(row) -> str:
    ref = f"{row['name']} ({row['value']:+g}; {row['citation']})"
    if not np.isfinite(row["gap"]):
        text = f"no score to compare with {ref}"
    elif round(row["gap"]) == 0:
        text = f"level with {ref}"
    else:
        text = f"{points_text(row['gap'])} {'above' if row['gap'] > 0 else 'below'} {ref}"
    if bool(row["example"]):
        text += " [example figure]"
    return text
