"""The key-driver table: LMG importance of each rating with its interval, the tests that say
which ratings (if any) a report may name, and performance on a common scale."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .solver import bootstrap_subset_r2, lmg_importance, subset_r2
from .verdict import importance_differences, leading_drivers, model_test, partial_tests

__all__ = ["COLUMNS", "MAX_DRIVERS", "MODEL_TEST", "QUADRANTS", "driver_label", "key_drivers"]

#: Exact all-subsets LMG is computed for at most this many drivers (2**12 = 4,096 models).
MAX_DRIVERS = 12

#: Importance-performance quadrants (Martilla & James 1977), in reading order.
QUADRANTS = ("fix first", "keep up", "possible overkill", "low priority")

#: Columns of the table :func:`key_drivers` returns, in order.
COLUMNS = ["driver", "label", "importance", "ci_low", "ci_high", "share", "p_partial", "leader",
           "performance", "scale_min", "scale_max", "performance_pomp", "quadrant", "rank"]

#: The model test the table's ``model_test`` attribute names.
MODEL_TEST = "F-test of the regression"


def driver_label(name: str) -> str:
    """Display name of a rating column: ``"billing_accuracy"`` -> ``"Billing accuracy"``.

    Examples
    --------
    >>> driver_label("value_for_money")
    'Value for money'
    """
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def key_drivers(data: pd.DataFrame, *, drivers, score: str = "score", n_boot: int = 200,
                seed: int = 0, confidence: float = 0.95, alpha: float | None = None,
                min_n: int = 30, labels: dict | None = None, scales: dict | None = None,
                most: int = 2) -> pd.DataFrame:
    """Relative importance of attribute ratings for the score (LMG), and which ones stand out.

    Parameters
    ----------
    data : DataFrame
        Responses, one row each, with the score and one column per attribute rating.
    drivers : list of str
        Rating columns to explain the score with (at most :data:`MAX_DRIVERS`).
    score : str, default "score"
        The 0..10 likelihood-to-recommend column.
    n_boot : int, default 200
        Bootstrap resamples (of whole responses) for the intervals; 0 for none (then no
        rating can be shown to stand out, and none is named).
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng` for the resamples: same seed, same intervals.
    confidence : float, default 0.95
        Level of the percentile intervals of importance and of R².
    alpha : float, optional
        Level of the tests that decide which ratings are named (model F-test, partial
        F-tests, intervals of the pairwise differences at ``1 - alpha``); default
        ``1 - confidence``.
    min_n : int, default 30
        Fewest complete responses needed; below it the result says "not enough data".
    labels : dict, optional
        Display names by column; default :func:`driver_label` (``billing_accuracy`` ->
        ``Billing accuracy``).
    scales : dict, optional
        ``{column: (lowest, highest)}``: the rating scale of a column as the survey
        declares it (``(1, 10)``). Columns not given use the lowest and highest rating
        observed in ``data``.
    most : int, default 2
        Most ratings named as the ones that move the score most.

    Returns
    -------
    DataFrame
        One row per driver used, most important first:

        - ``driver``: the column name; ``label``: its display name.
        - ``importance``: the driver's LMG share of R² (0..1); the column sums to R².
        - ``ci_low``, ``ci_high``: bootstrap percentile interval of ``importance``
          (a description of its precision: it cannot exclude 0, see ``p_partial``).
        - ``share``: ``importance / R²``, the driver's part of what the model explains
          (0..1; the column sums to 1).
        - ``p_partial``: p-value of the driver's partial F-test in the full model.
        - ``leader``: the report may say this rating moves the score most (see Notes).
        - ``performance``: mean rating of the driver (over every response that rated it),
          on its own scale; ``scale_min``, ``scale_max``: that scale.
        - ``performance_pomp``: the mean as a share of its scale,
          :math:`(\\bar x - \\min) / (\\max - \\min)` (0..1, "percent of maximum possible").
        - ``quadrant``: ``fix first``, ``keep up``, ``possible overkill`` or ``low priority``.
        - ``rank``: 1 for the most important driver.

        ``DataFrame.attrs`` holds ``status`` (``"ok"``, ``"not_enough_data"``,
        ``"no_variation"`` or ``"no_drivers"``), ``reason`` (a sentence when the status is
        not ok), ``verdict`` (``"drivers"``, ``"no_standout"`` or ``"no_clear_driver"``),
        ``leaders`` (the named columns), ``r2`` with ``r2_low``, ``r2_high`` (bootstrap
        interval) and ``r2_adjusted``, ``model_test``, ``model_f``, ``model_p``,
        ``df_model``, ``df_residual``, ``differences`` (records of
        :func:`~nps_report.drivers.importance_differences`), ``n_used``, ``n_dropped``,
        ``excluded`` (driver -> why it was left out), ``importance_split``,
        ``performance_split`` (on the common 0..1 scale), ``score``, ``n_boot``,
        ``seed``, ``confidence`` and ``alpha``. When the status is not ``"ok"`` the
        table still lists the drivers and their performance, with the estimates missing.

    Raises
    ------
    KeyError
        If the score or a driver column is not in ``data``.
    ValueError
        If a column is not numeric, more than :data:`MAX_DRIVERS` drivers are given,
        or an argument is out of range.

    Notes
    -----
    **LMG** (Lindeman, Merenda & Gold 1980; Grömping 2006, R package ``relaimpo``,
    ``type = "lmg"``) is the Shapley value of the model's R² when the drivers are the
    players. With :math:`R^2(S)` the R² of the least-squares regression (with intercept)
    of the score on the subset :math:`S` of the :math:`p` drivers,

    .. math::

        I_j = \\sum_{S \\subseteq D \\setminus \\{j\\}}
              \\frac{|S|!\\,(p - |S| - 1)!}{p!}\\,\\bigl(R^2(S \\cup \\{j\\}) - R^2(S)\\bigr),
        \\qquad \\sum_j I_j = R^2(D).

    All :math:`2^p` subset R² come from the correlation matrix by the sweep operator
    (:func:`~nps_report.drivers.subset_r2`), which keeps every R² in [0, 1] and every
    increment non-negative even for near-collinear ratings.

    **Which ratings are named.** A non-negative importance is above 0 in every
    resample, so its interval is no test. The report names the top ``k <= most``
    ratings only when (1) the model's F-test (:func:`~nps_report.drivers.model_test`)
    rejects "no rating is related to the score" at ``alpha``, (2) each has a partial
    F-test below ``alpha`` and (3) the bootstrap interval of its importance minus that of
    every rating outside the top ``k`` is above 0 (relaimpo's ``diff = TRUE``); see
    :func:`~nps_report.drivers.leading_drivers`. Otherwise the verdict is
    ``no_clear_driver`` (the ratings do not explain the score better than chance) or
    ``no_standout`` (they do, but no rating is clearly ahead).

    **Missing ratings**: listwise deletion over the score and the driver columns
    (``n_dropped`` counts the responses left out). A driver with no ratings, or the
    same rating everywhere, is excluded (``excluded`` says why) before that, so a
    skipped question does not empty the analysis.

    **Quadrant** (importance-performance analysis, Martilla & James 1977) on a common
    scale: a driver's importance is *high* when at least the mean importance
    (``importance_split``), its performance *high* when its ``performance_pomp`` is at
    least the drivers' mean (``performance_split``). Ratings on different scales
    (1-5 and 0-10) are so compared fairly, and rescaling a rating (``2a + 1``) moves no
    driver to another quadrant. High importance and low performance is ``fix first``,
    high/high ``keep up``, low importance and high performance ``possible overkill``,
    low/low ``low priority``.

    **Not enough data**: fewer than ``min_n`` complete responses, or not more
    complete responses than drivers + 1, gives status ``not_enough_data``; scores
    all equal give ``no_variation``; no usable driver gives ``no_drivers``. None of
    these raise.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame(rng.normal(size=(200, 2)), columns=["speed", "price"])
    >>> df["score"] = 2 * df["speed"] + df["price"] + rng.normal(size=200)
    >>> table = key_drivers(df, drivers=["speed", "price"], n_boot=100)
    >>> table["driver"].tolist(), table.attrs["leaders"]
    (['speed', 'price'], ['speed'])
    >>> bool(np.isclose(table["importance"].sum(), table.attrs["r2"]))
    True
    """
    drivers = [drivers] if isinstance(drivers, str) else list(drivers)
    if not drivers:
        raise ValueError("drivers must name at least one rating column, got an empty list")
    if len(set(drivers)) != len(drivers):
        raise ValueError(f"drivers must be distinct, got {drivers}")
    if len(drivers) > MAX_DRIVERS:
        raise ValueError(f"at most {MAX_DRIVERS} drivers can be analysed exactly, got "
                         f"{len(drivers)}; pick the ratings that matter to the report")
    if int(n_boot) < 0:
        raise ValueError(f"n_boot must be 0 or more, got {n_boot!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence!r}")
    alpha = 1.0 - confidence if alpha is None else float(alpha)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    missing = [c for c in [score, *drivers] if c not in data.columns]
    if missing:
        raise KeyError(f"column(s) {missing} not in data; columns are {list(data.columns)}")
    frame = pd.DataFrame({c: _numeric(data[c], c) for c in [score, *drivers]})
    labels = {d: (labels or {}).get(d, driver_label(d)) for d in drivers}
    scale = _scales(frame, drivers, scales or {})

    performance = frame[drivers].mean()
    meta = {"status": "ok", "reason": "", "verdict": "no_clear_driver", "leaders": [],
            "r2": float("nan"), "r2_low": float("nan"), "r2_high": float("nan"),
            "r2_adjusted": float("nan"), "model_test": MODEL_TEST, "model_f": float("nan"),
            "model_p": float("nan"), "df_model": 0, "df_residual": 0, "differences": [],
            "n_used": 0, "n_dropped": int(len(frame)), "excluded": {},
            "importance_split": float("nan"), "performance_split": float("nan"),
            "score": score, "n_boot": int(n_boot), "seed": seed, "confidence": confidence,
            "alpha": alpha}

    # Drivers no one rated, or rated the same everywhere, explain nothing: leave them out.
    rated = frame[frame[score].notna()]
    for d in drivers:
        values = rated[d].dropna()
        if values.empty:
            meta["excluded"][d] = "no ratings"
        elif values.nunique() == 1:
            meta["excluded"][d] = f"constant: every rating is {values.iloc[0]:g}"
    used = [d for d in drivers if d not in meta["excluded"]]
    complete = frame[[score, *used]].dropna()
    # Listwise deletion can leave a driver constant among the complete rows.
    for d in list(used):
        if complete[d].nunique() <= 1 and len(complete):
            meta["excluded"][d] = (f"constant among complete responses: every rating is "
                                   f"{complete[d].iloc[0]:g}")
            used.remove(d)
    n = int(len(complete))
    meta["n_used"], meta["n_dropped"] = n, int(len(frame) - n)

    def not_ok(status, reason):
        meta["status"], meta["reason"] = status, reason
        kept = [d for d in drivers if d not in meta["excluded"]]
        return _table(kept, labels, performance, scale, meta)

    if not used:
        return not_ok("no_drivers", "no usable driver: " + "; ".join(
            f"{labels[d]} ({why})" for d, why in meta["excluded"].items()))
    needed = max(int(min_n), len(used) + 2)
    if n < needed:
        return not_ok("not_enough_data", f"not enough data for a key-driver analysis: {n} "
                      f"complete response{'s' if n != 1 else ''}, {needed} needed")
    if complete[score].nunique() <= 1:
        return not_ok("no_variation", "every complete response gave the same score "
                      f"({complete[score].iloc[0]:g}); there is nothing to explain")

    values = complete[used].to_numpy(dtype="float64")
    y = complete[score].to_numpy(dtype="float64")
    # Standardising first keeps the covariance matrices well scaled for the sweeps.
    z = np.column_stack([values, y])
    z = (z - z.mean(axis=0)) / z.std(axis=0)
    r2_subsets = subset_r2(np.cov(z, rowvar=False)[None])[0]
    importance = lmg_importance(r2_subsets)
    r2 = float(r2_subsets[-1])
    k = int(np.linalg.matrix_rank(z[:, :-1]))
    model_f, model_p = model_test(r2, n, k)
    partial_p = partial_tests(r2_subsets, n, k)

    ci_low = ci_high = np.full(len(used), np.nan)
    boot = np.empty((0, len(used)))
    if int(n_boot) > 0:
        boot_r2 = bootstrap_subset_r2(z, int(n_boot), seed)
        boot = lmg_importance(boot_r2)
        tail = (1 - confidence) / 2
        ci_low, ci_high = np.quantile(boot, [tail, 1 - tail], axis=0)
        meta["r2_low"], meta["r2_high"] = (float(v) for v in
                                           np.quantile(boot_r2[:, -1], [tail, 1 - tail]))
    differences = importance_differences(importance, boot, used, confidence=1 - alpha)
    order = [used[i] for i in np.argsort(-importance, kind="stable")]
    leaders, verdict = leading_drivers(order, differences, dict(zip(used, partial_p)),
                                       model_p=model_p, alpha=alpha, most=most)

    meta.update({"r2": r2, "r2_adjusted": 1 - (1 - r2) * (n - 1) / (n - k - 1),
                 "model_f": model_f, "model_p": model_p, "df_model": k,
                 "df_residual": n - k - 1, "verdict": verdict, "leaders": leaders,
                 "differences": differences.to_dict("records")})
    table = pd.DataFrame({
        "driver": used,
        "label": [labels[d] for d in used],
        "importance": importance,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "share": importance / r2 if r2 > 0 else np.nan,
        "p_partial": partial_p,
        "leader": [d in leaders for d in used],
    })
    table = _with_performance(table, performance, scale)
    imp_split = float(table["importance"].mean())
    perf_split = float(table["performance_pomp"].mean())
    high_imp = table["importance"] >= imp_split
    high_perf = table["performance_pomp"] >= perf_split
    table["quadrant"] = np.select(
        [high_imp & ~high_perf, high_imp & high_perf, ~high_imp & high_perf],
        ["fix first", "keep up", "possible overkill"], default="low priority")
    table = table.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    meta["importance_split"], meta["performance_split"] = imp_split, perf_split
    table.attrs.update(meta)
    return table[COLUMNS]


def _scales(frame, drivers, declared):
    """(lowest, highest) of each driver's scale: declared, else observed."""
    out = {}
    for d in drivers:
        if d in declared:
            low, high = (float(v) for v in declared[d])
            if not high > low:
                raise ValueError(f"scale of {d!r} must be (lowest, highest) with highest > "
                                 f"lowest, got {declared[d]!r}")
        else:
            low, high = float(frame[d].min()), float(frame[d].max())
        out[d] = (low, high)
    return out


def _with_performance(table, performance, scale):
    kept = list(table["driver"])
    table["performance"] = performance.reindex(kept).to_numpy(dtype="float64")
    table["scale_min"] = [scale[d][0] for d in kept]
    table["scale_max"] = [scale[d][1] for d in kept]
    with np.errstate(invalid="ignore", divide="ignore"):
        table["performance_pomp"] = ((table["performance"] - table["scale_min"])
                                     / (table["scale_max"] - table["scale_min"]))
    return table


def _numeric(column: pd.Series, name: str) -> pd.Series:
    if not (pd.api.types.is_numeric_dtype(column) or column.isna().all()):
        raise ValueError(f"column {name!r} must hold numbers (ratings or scores), "
                         f"got dtype {column.dtype}")
    return pd.to_numeric(column, errors="coerce").astype("float64")


def _table(kept, labels, performance, scale, meta):
    """The table of a run that could not estimate importance: drivers and performance only."""
    table = pd.DataFrame({
        "driver": kept,
        "label": [labels[d] for d in kept],
        "importance": np.nan, "ci_low": np.nan, "ci_high": np.nan, "share": np.nan,
        "p_partial": np.nan, "leader": False,
    })
    table = _with_performance(table, performance, scale)
    table["quadrant"] = pd.Series([None] * len(kept), dtype="object")
    table["rank"] = pd.array([pd.NA] * len(kept), dtype="Int64")
    table.attrs.update(meta)
    return table[COLUMNS]
