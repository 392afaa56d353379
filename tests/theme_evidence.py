"""A minimal theme table with the columns the themes package promises for issue 15, for
the action tests only (the real one is ``nps_report.themes.theme_impact``, rebuilt by the
themes work of issue 15). Built from the current counts plus a significance test:

- ``nps_difference``: NPS of the commenting customers who mention the theme minus that of
  the other commenting customers, 95% Wald interval with the multinomial variance of an
  NPS, :math:`\\mathrm{Var}(\\widehat{NPS}) = 10^4\\,[p_+ + p_- - (p_+ - p_-)^2] / n`;
- ``p_value``: Fisher's exact test (hypergeometric tails, the smaller doubled) of the share of detractors among the
  customers who mention the theme against the other commenting customers (is the theme
  detractor-heavy?), ``p_adjusted`` Benjamini-Hochberg over the themes (scipy
  ``false_discovery_control``);
- ``verdict``: "pain point" when adjusted p < alpha, the NPS difference is negative and at
  least ``min_detractors`` detractors mention it; "strength" when adjusted p < alpha and
  the difference is positive; "mentioned" otherwise;
- ``scenario_gain`` :math:`= 100\\,D_t / n` with the Wilson 95% interval of
  :math:`D_t / n` (:func:`wilson`) as ``scenario_low``/``_high``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

COLUMNS = ["theme", "label", "source", "mentions", "detractors", "verdict", "p_value",
           "p_adjusted", "nps_difference", "nps_difference_low", "nps_difference_high",
           "scenario_gain", "scenario_low", "scenario_high"]


def wilson(count, n, z=1.959963984540054):
    """Wilson score interval of a proportion, vectorised (what scipy's
    ``binomtest(count, n).proportion_ci(method="wilson")`` returns, checked in
    tests/test_actions.py)."""
    count, n = np.asarray(count, dtype=float), float(n)
    p = count / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def evidence_table(data: pd.DataFrame, matches: pd.DataFrame, *, score: str = "score",
                   commented=None, alpha: float = 0.05, min_detractors: int = 3,
                   labels: dict | None = None) -> pd.DataFrame:
    scores = pd.to_numeric(data[score], errors="coerce").to_numpy(dtype=float)
    scored = np.isfinite(scores)
    base = scored if commented is None else np.asarray(commented, dtype=bool) & scored
    n = int(scored.sum())
    m = matches.reindex(index=data.index, fill_value=False).fillna(False).astype(bool)
    mention = m.to_numpy() & base[:, None]                       # (responses, themes)
    keep = mention.sum(axis=0) > 0
    mention, names = mention[:, keep], list(m.columns[keep])
    if not names:
        empty = pd.DataFrame(columns=COLUMNS)
        empty.attrs.update({"n": n, "n_commented": int(base.sum())})
        return empty
    rest = ~m.to_numpy()[:, keep] & base[:, None]
    det, pro = (scores <= 6) & scored, (scores >= 9) & scored
    counts = {}
    for name, group in (("m", mention), ("r", rest)):
        size = group.sum(axis=0).astype(float)
        d, p = (group & det[:, None]).sum(axis=0), (group & pro[:, None]).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            plus, minus = p / size, d / size
            counts[name] = (size, d, 100 * (plus - minus),
                            1e4 * (plus + minus - (plus - minus) ** 2) / size)
    size_m, d_m, nps_m, var_m = counts["m"]
    size_r, d_r, nps_r, var_r = counts["r"]
    diff, se = nps_m - nps_r, np.sqrt(var_m + var_r)
    # Fisher's exact test of the detractor share (hypergeometric tails, doubled).
    total, detractors = size_m + size_r, d_m + d_r
    upper = sps.hypergeom.sf(d_m - 1, total, detractors, size_m)
    lower = sps.hypergeom.cdf(d_m, total, detractors, size_m)
    p_value = np.minimum(1.0, 2 * np.minimum(upper, lower))
    low, high = wilson(d_m, n)
    table = pd.DataFrame({
        "theme": names, "label": [(labels or {}).get(t, str(t).capitalize()) for t in names],
        "source": "taxonomy", "mentions": size_m.astype(int), "detractors": d_m.astype(int),
        "p_value": p_value, "nps_difference": diff, "nps_difference_low": diff - 1.96 * se,
        "nps_difference_high": diff + 1.96 * se, "scenario_gain": 100 * d_m / n,
        "scenario_low": 100 * low, "scenario_high": 100 * high})
    table["p_adjusted"] = sps.false_discovery_control(table["p_value"].to_numpy(), method="bh")
    significant = table["p_adjusted"] < alpha
    table["verdict"] = np.where(significant & (table["nps_difference"] < 0)
                                & (table["detractors"] >= min_detractors), "pain point",
                                np.where(significant & (table["nps_difference"] > 0),
                                         "strength", "mentioned"))
    table = table[COLUMNS]
    table.attrs.update({"n": n, "n_commented": int(base.sum())})
    return table
