"""Key-driver analysis: which attribute ratings move the 0..10 score (Shapley / LMG importance)."""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd

__all__ = [
    "MAX_DRIVERS",
    "QUADRANTS",
    "key_drivers",
    "driver_label",
    "subset_r2",
    "summarize",
]

#: Exact all-subsets LMG is computed for at most this many drivers (2**12 = 4,096 models).
MAX_DRIVERS = 12

#: Importance-performance quadrants (Martilla & James 1977), in reading order.
QUADRANTS = ("fix first", "keep up", "possible overkill", "low priority")

#: Columns of the table :func:`key_drivers` returns, in order.
COLUMNS = ["driver", "label", "importance", "ci_low", "ci_high", "share", "performance",
           "quadrant", "rank"]

# Bootstrap resamples are drawn in chunks so that one chunk holds about this many cells.
_CHUNK_CELLS = 3_000_000


def driver_label(name: str) -> str:
    """Display name of a rating column: ``"billing_accuracy"`` -> ``"Billing accuracy"``."""
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def key_drivers(data: pd.DataFrame, *, drivers, score: str = "score", n_boot: int = 200,
                seed: int = 0, confidence: float = 0.95, min_n: int = 30,
                labels: dict | None = None) -> pd.DataFrame:
    """Relative importance of attribute ratings for the score (LMG), with bootstrap intervals.

    Parameters
    ----------
    data : DataFrame
        Responses, one row each, with the score and one column per attribute rating.
    drivers : list of str
        Rating columns to explain the score with (at most :data:`MAX_DRIVERS`).
    score : str, default "score"
        The 0..10 likelihood-to-recommend column.
    n_boot : int, default 200
        Bootstrap resamples (of whole responses) for the intervals; 0 for none.
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng` for the resamples: same seed, same intervals.
    confidence : float, default 0.95
        Level of the percentile intervals.
    min_n : int, default 30
        Fewest complete responses needed; below it the result says "not enough data".
    labels : dict, optional
        Display names by column; default :func:`driver_label` (``billing_accuracy`` ->
        ``Billing accuracy``).

    Returns
    -------
    DataFrame
        One row per driver used, most important first:

        - ``driver``: the column name; ``label``: its display name.
        - ``importance``: the driver's LMG share of R² (0..1); the column sums to R².
        - ``ci_low``, ``ci_high``: bootstrap percentile interval of ``importance``.
        - ``share``: ``importance / R²``, the driver's part of what the model explains
          (0..1; the column sums to 1).
        - ``performance``: mean rating of the driver (over every response that rated it).
        - ``quadrant``: ``fix first``, ``keep up``, ``possible overkill`` or ``low priority``.
        - ``rank``: 1 for the most important driver.

        ``DataFrame.attrs`` holds ``status`` (``"ok"``, ``"not_enough_data"``,
        ``"no_variation"`` or ``"no_drivers"``), ``reason`` (a sentence when the
        status is not ok), ``r2``, ``n_used``, ``n_dropped``, ``excluded`` (driver ->
        why it was left out), ``importance_split``, ``performance_split``, ``score``,
        ``n_boot``, ``seed`` and ``confidence``. When the status is not ``"ok"`` the
        table still lists the drivers and their performance, with ``importance``,
        ``ci_low``, ``ci_high``, ``share``, ``quadrant`` and ``rank`` missing.

    Raises
    ------
    KeyError
        If the score or a driver column is not in ``data``.
    ValueError
        If a column is not numeric, more than :data:`MAX_DRIVERS` drivers are given,
        or an argument is out of range.

    Notes
    -----
    **LMG** (Lindeman, Merenda & Gold 1980; R package ``relaimpo``, ``type = "lmg"``)
    is the Shapley value of the model's R² when the drivers are the players. With
    :math:`R^2(S)` the R² of the least-squares regression (with intercept) of the
    score on the subset :math:`S` of the :math:`p` drivers,

    .. math::

        I_j = \\sum_{S \\subseteq D \\setminus \\{j\\}}
              \\frac{|S|!\\,(p - |S| - 1)!}{p!}\\,\\bigl(R^2(S \\cup \\{j\\}) - R^2(S)\\bigr),
        \\qquad \\sum_j I_j = R^2(D).

    All :math:`2^p` subset R² are computed once from the covariance matrix,
    :math:`R^2(S) = c_{yS}^\\top C_{SS}^{-1} c_{yS} / \\mathrm{var}(y)`, each subset
    size in one batched solve (pseudo-inverse where a subset is singular). Two
    uncorrelated drivers each get exactly their squared correlation with the score;
    correlated (even strongly collinear) drivers share the R² they explain jointly.

    **Missing ratings**: listwise deletion over the score and the driver columns
    (``n_dropped`` counts the responses left out). A driver with no ratings, or the
    same rating everywhere, is excluded (``excluded`` says why) before that, so a
    skipped question does not empty the analysis.

    **Intervals**: ``n_boot`` resamples of the complete responses with replacement,
    LMG recomputed on each; the interval is the percentile interval at ``confidence``.

    **Quadrant** (importance-performance analysis, Martilla & James 1977): a driver's
    importance is *high* when at least the mean importance of the drivers
    (``importance_split``) and its performance *high* when at least their mean
    rating (``performance_split``). High importance and low performance is
    ``fix first``, high/high ``keep up``, low importance and high performance
    ``possible overkill``, low/low ``low priority``.

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
    >>> table = key_drivers(df, drivers=["speed", "price"], n_boot=50)
    >>> table["driver"].tolist()
    ['speed', 'price']
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
    missing = [c for c in [score, *drivers] if c not in data.columns]
    if missing:
        raise KeyError(f"column(s) {missing} not in data; columns are {list(data.columns)}")
    frame = pd.DataFrame({c: _numeric(data[c], c) for c in [score, *drivers]})
    labels = {d: (labels or {}).get(d, driver_label(d)) for d in drivers}

    performance = frame[drivers].mean()
    meta = {"status": "ok", "reason": "", "r2": float("nan"), "n_used": 0,
            "n_dropped": int(len(frame)), "excluded": {}, "importance_split": float("nan"),
            "performance_split": float("nan"), "score": score, "n_boot": int(n_boot),
            "seed": seed, "confidence": confidence}

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
        return _table(drivers, labels, performance, meta,
                      kept=[d for d in drivers if d not in meta["excluded"]])

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
    # Standardising first keeps the covariance matrices well scaled for the solves.
    z = np.column_stack([values, y])
    z = (z - z.mean(axis=0)) / z.std(axis=0)
    weights = _shapley_weights(len(used))
    r2_subsets = subset_r2(np.cov(z, rowvar=False)[None])[0]
    importance = r2_subsets @ weights
    r2 = float(r2_subsets[-1])

    ci_low = ci_high = np.full(len(used), np.nan)
    if int(n_boot) > 0:
        boot = _bootstrap_importance(z, weights, int(n_boot), seed)
        alpha = 1 - confidence
        ci_low, ci_high = np.quantile(boot, [alpha / 2, 1 - alpha / 2], axis=0)

    meta["r2"] = r2
    table = pd.DataFrame({
        "driver": used,
        "label": [labels[d] for d in used],
        "importance": importance,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "share": importance / r2 if r2 > 0 else np.nan,
        "performance": performance[used].to_numpy(dtype="float64"),
    })
    imp_split = float(table["importance"].mean())
    perf_split = float(table["performance"].mean())
    high_imp = table["importance"] >= imp_split
    high_perf = table["performance"] >= perf_split
    table["quadrant"] = np.select(
        [high_imp & ~high_perf, high_imp & high_perf, ~high_imp & high_perf],
        ["fix first", "keep up", "possible overkill"], default="low priority")
    table = table.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    meta["importance_split"], meta["performance_split"] = imp_split, perf_split
    table.attrs.update(meta)
    return table[COLUMNS]


def subset_r2(cov: np.ndarray) -> np.ndarray:
    """R² of the regression of the last variable on every subset of the others.

    Parameters
    ----------
    cov : ndarray, shape (B, p + 1, p + 1)
        A stack of covariance matrices of ``p`` drivers followed by the score.

    Returns
    -------
    ndarray, shape (B, 2**p)
        ``out[b, m]`` is the R² on the drivers whose bits are set in ``m`` (bit ``j``
        for driver ``j``); ``out[:, 0]`` is 0. Subsets of one size share one batched
        solve; a singular subset (a constant or duplicated driver) falls back to the
        pseudo-inverse, which gives the same R² as least squares.
    """
    cov = np.asarray(cov, dtype="float64")
    n_stack, size, _ = cov.shape
    p = size - 1
    out = np.zeros((n_stack, 2 ** p))
    var_y = cov[:, p, p]
    for k in range(1, p + 1):
        subsets = np.array(list(combinations(range(p), k)))  # (m, k)
        masks = (1 << subsets).sum(axis=1)
        sxx = cov[:, subsets[:, :, None], subsets[:, None, :]]  # (B, m, k, k)
        sxy = cov[:, subsets, p]  # (B, m, k)
        try:
            beta = np.linalg.solve(sxx, sxy[..., None])[..., 0]
        except np.linalg.LinAlgError:
            beta = (np.linalg.pinv(sxx) @ sxy[..., None])[..., 0]
        explained = (sxy * beta).sum(axis=-1)
        bad = ~np.isfinite(explained)
        if bad.any():  # nearly singular: redo those with the pseudo-inverse
            explained[bad] = (sxy[bad] * (np.linalg.pinv(sxx[bad]) @ sxy[bad][..., None])[..., 0]
                              ).sum(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, masks] = explained / var_y[:, None]
    return np.clip(np.nan_to_num(out, nan=0.0), 0.0, 1.0)


@lru_cache(maxsize=None)
def _shapley_weights(p: int) -> np.ndarray:
    """Matrix ``W`` (2**p x p) with ``importance = R2_of_subsets @ W`` (the LMG formula)."""
    masks = np.arange(2 ** p)
    sizes = np.array([bin(m).count("1") for m in masks])
    coef = np.array([factorial(s) * factorial(p - s - 1) / factorial(p) if s < p else 0.0
                     for s in range(p + 1)])
    weights = np.zeros((2 ** p, p))
    for j in range(p):
        without = masks[(masks >> j) & 1 == 0]
        w = coef[sizes[without]]
        weights[without | (1 << j), j] += w
        weights[without, j] -= w
    weights.setflags(write=False)
    return weights


def _bootstrap_importance(z, weights, n_boot, seed):
    """LMG importance of ``n_boot`` resamples of the rows of ``z`` (drivers..., score).

    Each resample is summarised by how many times it drew each row, so its covariance
    matrix comes from two matrix products instead of a copy of the resampled rows.
    """
    rng = np.random.default_rng(seed)
    n, cols = z.shape
    upper = np.triu_indices(cols)
    products = (z[:, :, None] * z[:, None, :])[:, upper[0], upper[1]]  # (n, pairs)
    chunk = max(1, _CHUNK_CELLS // n)
    results = []
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        rows = rng.integers(0, n, size=(b, n)) + (np.arange(b) * n)[:, None]
        draws = np.bincount(rows.ravel(), minlength=b * n).reshape(b, n).astype("float64")
        means = draws @ z / n  # (b, cols)
        cross = draws @ products  # (b, pairs)
        cov = np.empty((b, cols, cols))
        cov[:, upper[0], upper[1]] = cross
        cov[:, upper[1], upper[0]] = cross
        cov = (cov - n * means[:, :, None] * means[:, None, :]) / (n - 1)
        results.append(subset_r2(cov) @ weights)
    return np.concatenate(results)


def _numeric(column: pd.Series, name: str) -> pd.Series:
    if not (pd.api.types.is_numeric_dtype(column) or column.isna().all()):
        raise ValueError(f"column {name!r} must hold numbers (ratings or scores), "
                         f"got dtype {column.dtype}")
    return pd.to_numeric(column, errors="coerce").astype("float64")


def _table(drivers, labels, performance, meta, *, kept):
    """The table of a run that could not estimate importance: drivers and performance only."""
    table = pd.DataFrame({
        "driver": kept,
        "label": [labels[d] for d in kept],
        "importance": np.nan, "ci_low": np.nan, "ci_high": np.nan, "share": np.nan,
        "performance": performance.reindex(kept).to_numpy(dtype="float64"),
        "quadrant": pd.Series([None] * len(kept), dtype="object"),
        "rank": pd.array([pd.NA] * len(kept), dtype="Int64"),
    })
    table.attrs.update(meta)
    return table[COLUMNS]


def summarize(table: pd.DataFrame, *, top: int = 2) -> str:
    """Plain-language summary of a :func:`key_drivers` table, for a report's narrative.

    Example: "Billing accuracy and Support speed move the score most: together 71% of
    what the ratings explain (the ratings explain 38% of the differences in scores,
    n = 1,234). Billing accuracy is rated below average (6.1 of 10): fix it first."
    """
    attrs = table.attrs
    status = attrs.get("status", "ok")
    if status != "ok":
        return (attrs.get("reason") or "No key-driver analysis for this group.").rstrip(".") + "."
    if table.empty:
        return "No key-driver analysis for this group."
    ordered = table.sort_values("importance", ascending=False)
    lead = ordered.head(max(1, int(top)))
    names = _join([str(x) for x in lead["label"]])
    r2, n = attrs.get("r2", float("nan")), attrs.get("n_used")
    verb = "moves" if len(lead) == 1 else "move"
    text = f"{names} {verb} the score most"
    if len(lead) > 1:
        text += f": together {100 * lead['share'].sum():.0f}% of what the ratings explain"
    else:
        text += f": {100 * lead['share'].iloc[0]:.0f}% of what the ratings explain"
    if np.isfinite(r2):
        text += f" (the ratings explain {100 * r2:.0f}% of the differences in scores"
        text += f", n = {n:,})." if n else ")."
    else:
        text += "."
    fix = ordered[ordered["quadrant"] == "fix first"]
    if not fix.empty:
        row = fix.iloc[0]
        text += (f" {row['label']} is rated below average ({row['performance']:.1f}): "
                 f"fix it first.")
    else:
        text += " The most important drivers are rated at or above average: keep them up."
    return text


def _join(items):
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
