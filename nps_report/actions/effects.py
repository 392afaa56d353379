"""The expected NPS effect of raising a key driver's rating (the gap approach)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .table import is_finite

__all__ = ["driver_effects"]


def driver_effects(data: pd.DataFrame, table: pd.DataFrame, *, score: str = "score",
                   min_ratings: int = 30) -> pd.DataFrame:
    """Add a conservative expected NPS effect to a :func:`nps_report.drivers.key_drivers` table.

    Parameters
    ----------
    data : DataFrame
        The responses the driver table was computed from (score and rating columns).
    table : DataFrame
        A key-driver table (``driver``, ``label``, ``share``, ``performance`` ...).
    min_ratings : int, default 30
        Respondents who rated a driver needed for its slope; fewer gives NaN.

    Returns
    -------
    DataFrame
        A copy of ``table`` (``attrs`` kept) with ``slope`` (NPS points per rating
        point), ``gap`` (rating points below the best-rated driver, on the driver's own
        scale), ``best`` (the best-rated driver's label), ``best_performance`` and
        ``expected_effect`` (NPS points, NaN where it cannot be estimated).

    Notes
    -----
    The gap approach. With :math:`P_j` the driver's mean rating as a share of its scale
    (``performance_pomp``; ``performance`` for a table without it), :math:`P_{best}`
    the highest such share among the drivers of the table, :math:`w_j` the width of the
    driver's scale (``scale_max - scale_min``; 1 without it),
    :math:`s_j` the driver's LMG share of what the ratings explain (``share``) and
    :math:`b_j` the least-squares slope of each respondent's NPS contribution
    (+100 promoter, 0 passive, -100 detractor) on their rating of the driver,

    .. math::

        \\mathrm{effect}_j = s_j\\, \\max(0, b_j)\\, w_j \\max(0, P_{best} - P_j)

    in NPS points: what raising the driver's average rating to that of the team's
    best-rated aspect would bring if the score followed the rating as it does across
    respondents. It stays conservative on purpose: the target is a level the team
    already reaches on another aspect (not the top of the scale), and since ratings
    move together the one-rating slope also carries the other ratings' part, which
    :math:`s_j` removes by crediting the driver only with its own share. It is an
    association across respondents, not a causal forecast. NaN when the driver has
    no ``share`` (the analysis did not run), fewer than ``min_ratings`` ratings, or
    ratings that do not vary.
    """
    if score not in data.columns:
        raise KeyError(f"column {score!r} not in data; columns are {list(data.columns)}")
    out = table.copy()
    out.attrs.update(table.attrs)
    scores = pd.to_numeric(data[score], errors="coerce")
    contribution = np.select([scores <= 6, scores >= 9], [-100.0, 100.0], 0.0)
    contribution = np.where(scores.notna(), contribution, np.nan)
    performance = out["performance"].astype(float)
    # Ratings on different scales are compared as shares of their scales; the gap is then
    # put back on each driver's own scale, where its slope is measured.
    if {"performance_pomp", "scale_min", "scale_max"} <= set(out.columns):
        common = out["performance_pomp"].astype(float)
        span = (out["scale_max"] - out["scale_min"]).astype(float)
    else:
        common, span = performance, pd.Series(1.0, index=out.index)
    best_pos = common.idxmax() if common.notna().any() else None
    best_common = float(common[best_pos]) if best_pos is not None else np.nan
    best_perf = float(performance[best_pos]) if best_pos is not None else np.nan
    best_label = str(out.loc[best_pos, "label"] if "label" in out else out.loc[best_pos, "driver"]) \
        if best_pos is not None else ""
    gaps = np.maximum(0.0, (best_common - common.to_numpy(dtype=float))
                      * span.to_numpy(dtype=float))
    slopes, effects = [], []
    for pos, (_, row) in enumerate(out.iterrows()):
        slope = np.nan
        if row["driver"] in data.columns:
            rating = pd.to_numeric(data[row["driver"]], errors="coerce").to_numpy(dtype=float)
            ok = np.isfinite(rating) & np.isfinite(contribution)
            if ok.sum() >= min_ratings and np.ptp(rating[ok]) > 0:
                x, y = rating[ok], contribution[ok]
                slope = float(np.sum((x - x.mean()) * (y - y.mean())) / np.sum((x - x.mean()) ** 2))
        slopes.append(slope)
        gap = float(gaps[pos])
        share = row.get("share", np.nan)
        effects.append(float(share) * max(0.0, slope) * gap
                       if is_finite(share) and is_finite(slope) and is_finite(gap) else np.nan)
    out["slope"] = np.asarray(slopes, dtype=float)
    out["gap"] = gaps
    out["best"] = best_label
    out["best_performance"] = best_perf
    out["expected_effect"] = np.asarray(effects, dtype=float)
    return out
