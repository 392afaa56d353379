"""Theme impact: which themes are pain points or strengths, with tests, intervals and scenarios."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as _sps

from .. import stats

__all__ = ["IMPACT_COLUMNS", "VERDICTS", "heaviness_pvalues", "nps_difference", "theme_impact",
           "theme_verdicts", "union_scenario", "wilson_interval"]

#: Columns of the table :func:`theme_impact` returns, in order.
IMPACT_COLUMNS = ["theme", "label", "polarity", "source", "mentions", "detractors", "passives",
                  "promoters", "share_detractors", "share_passives", "share_promoters", "nps",
                  "nps_rest", "nps_difference", "nps_difference_low", "nps_difference_high",
                  "p_detractor_heavy", "p_promoter_heavy", "p_value", "p_adjusted", "verdict",
                  "scenario_gain", "scenario_low", "scenario_high", "impact", "gain",
                  "mean_sentiment", "rank"]

#: What a theme's row says about it, strongest claim first.
VERDICTS = ("pain point", "strength", "mentioned")


def heaviness_pvalues(by_category, commented_totals):
    """One-sided Fisher exact p-values: are a theme's mentioners detractor-heavy? promoter-heavy?

    Parameters
    ----------
    by_category : array-like, shape (..., 3)
        Detractors, passives, promoters among the commenting respondents who mention
        the theme (any leading shape: themes, or runs x themes in a simulation).
    commented_totals : array-like, shape (..., 3)
        Detractors, passives, promoters among all commenting respondents (broadcast).

    Returns
    -------
    p_detractor, p_promoter : ndarray, shape (...)
        P-values of "the mentioners hold no larger a share of detractors (promoters)
        than the commenters who do not mention the theme".

    Notes
    -----
    With :math:`N` commenters, :math:`K` of them detractors and :math:`m` mentioning
    the theme, :math:`D` of them detractors, the one-sided Fisher exact test of the
    2 x 2 table (mention x detractor) is the hypergeometric tail

    .. math:: p_D = P(X \\ge D), \\quad X \\sim \\mathrm{Hypergeometric}(N, K, m)

    (:func:`scipy.stats.fisher_exact` with ``alternative="greater"`` gives the same),
    and likewise for promoters. Exact at any size, vectorised.

    Examples
    --------
    >>> p_d, p_p = heaviness_pvalues([[5, 0, 0]], [10, 5, 15])
    >>> round(float(p_d[0]), 4), float(p_p[0])  # = fisher_exact([[5, 0], [5, 20]], "greater")
    (0.0018, 1.0)
    """
    by = np.asarray(by_category, dtype="float64")
    tot = np.broadcast_to(np.asarray(commented_totals, dtype="float64"), by.shape)
    n_all, m = tot.sum(axis=-1), by.sum(axis=-1)
    p_det = _sps.hypergeom.sf(by[..., 0] - 1, n_all, tot[..., 0], m)
    p_pro = _sps.hypergeom.sf(by[..., 2] - 1, n_all, tot[..., 2], m)
    none = (m == 0) | (m == n_all)  # nothing to compare with
    return (np.where(none, np.nan, np.clip(p_det, 0, 1)),
            np.where(none, np.nan, np.clip(p_pro, 0, 1)))


def theme_verdicts(p_detractor, p_promoter, detractors, *, families=None, extra_pvalues=None,
                   alpha: float = 0.05, min_detractors: int = 5, fdr: bool = True):
    """Verdict of each theme: pain point, strength or mentioned, with Benjamini-Hochberg control.

    Parameters
    ----------
    p_detractor, p_promoter : array-like, shape (..., themes)
        :func:`heaviness_pvalues`.
    detractors : array-like, shape (..., themes)
        Commenting detractors who mention each theme.
    families : array-like of str, shape (themes,), optional
        Benjamini-Hochberg family of each theme (default: one family).
    extra_pvalues : dict, optional
        Family name -> p-values of hypotheses examined in that family but not listed
        (the candidate terms a topic discovery looked at); they count in its adjustment.
    alpha : float, default 0.05
        False discovery rate (or level, with ``fdr=False``).
    min_detractors : int, default 5
        Fewest mentioning detractors for a pain point.
    fdr : bool, default True

    Returns
    -------
    p_value, p_adjusted : ndarray
        :math:`p = \\min(1, 2\\min(p_D, p_P))` (either direction, Bonferroni over the
        two) and its Benjamini-Hochberg adjustment over the theme's family.
    verdict : ndarray of str
        ``"pain point"`` when :math:`\\tilde p \\le \\alpha`, the detractor direction
        is the smaller p-value and at least ``min_detractors`` detractors mention it;
        ``"strength"`` when significant in the promoter direction; else ``"mentioned"``.

    Examples
    --------
    >>> p, adj, verdict = theme_verdicts([0.001, 0.5], [0.9, 0.004], [12, 1])
    >>> verdict.tolist()
    ['pain point', 'strength']
    >>> theme_verdicts([0.001], [0.9], [3])[2].tolist()  # too few detractors
    ['mentioned']
    """
    p_d = np.asarray(p_detractor, dtype="float64")
    p_p = np.asarray(p_promoter, dtype="float64")
    det = np.asarray(detractors, dtype="float64")
    p = np.minimum(1.0, 2 * np.fmin(p_d, p_p))
    adjusted = p.copy()
    if fdr:
        fam = np.zeros(p.shape[-1], dtype=object) if families is None else np.asarray(families,
                                                                                       dtype=object)
        for name in pd.unique(fam):
            cols = np.flatnonzero(fam == name)
            extra = np.asarray((extra_pvalues or {}).get(name, []), dtype="float64")
            extra = extra[np.isfinite(extra)]
            block = p[..., cols]
            if extra.size:
                extra = np.broadcast_to(extra, block.shape[:-1] + extra.shape)
                block = np.concatenate([block, extra], axis=-1)
            adjusted[..., cols] = _bh(block)[..., :cols.size]
    significant = np.isfinite(adjusted) & (adjusted <= alpha)
    detractor_side = np.nan_to_num(p_d, nan=1.0) <= np.nan_to_num(p_p, nan=1.0)
    verdict = np.where(significant & detractor_side & (det >= min_detractors), "pain point",
                       np.where(significant & ~detractor_side, "strength", "mentioned"))
    return p, adjusted, verdict.astype(object)


def _bh(p):
    """Benjamini-Hochberg along the last axis; NaN stay NaN and are not counted."""
    out = np.full(p.shape, np.nan)
    finite = np.isfinite(p)
    if finite.all():
        return _sps.false_discovery_control(p, axis=-1, method="bh") if p.size else out
    flat_p, flat_out, flat_ok = p.reshape(-1, p.shape[-1]), out.reshape(-1, p.shape[-1]), \
        finite.reshape(-1, p.shape[-1])
    for row in range(flat_p.shape[0]):
        ok = flat_ok[row]
        if ok.any():
            flat_out[row, ok] = _sps.false_discovery_control(flat_p[row, ok], method="bh")
    return flat_out.reshape(p.shape)


def nps_difference(counts1, counts2, *, confidence: float = 0.95, method: str = "adjusted_wald"):
    """NPS of group 1 minus NPS of group 2 with its interval, element-wise.

    Parameters
    ----------
    counts1, counts2 : array-like, shape (..., 3)
        Detractors, passives, promoters of each group.
    confidence : float, default 0.95
    method : {"adjusted_wald", "wald"}
        ``wald``: :math:`\\Delta \\pm z\\sqrt{\\mathrm{var}_1/n_1 + \\mathrm{var}_2/n_2}`
        (:func:`nps_report.stats.compare_counts`' interval). ``adjusted_wald``: the
        same from the counts of each group plus 0.75 detractors, 1.5 passives and
        0.75 promoters (Rocks 2016, as :func:`nps_report.stats.interval_from_counts`),
        widened to include the raw difference; never zero-width at a few mentions.

    Returns
    -------
    difference, low, high : ndarray
        In NPS points; NaN where a group is empty.

    Examples
    --------
    Reference two-sample example (../shared/reference/nps-statistics.md):

    >>> d, lo, hi = nps_difference([83, 47, 120], [91, 49, 110], method="wald")
    >>> round(float(d), 1), round(float(lo), 4), round(float(hi), 4)
    (7.2, -8.4224, 22.8224)
    """
    c1 = np.asarray(counts1, dtype="float64")
    c2 = np.asarray(counts2, dtype="float64")
    def nps_of(c):
        return stats.nps_from_counts(*np.moveaxis(c, -1, 0))

    raw = nps_of(c1) - nps_of(c2)
    if method == "adjusted_wald":
        shift = np.array([0.75, 1.5, 0.75])
        a1, a2 = c1 + shift, c2 + shift
    elif method == "wald":
        a1, a2 = c1, c2
    else:
        raise ValueError(f"method must be 'adjusted_wald' or 'wald'; got {method!r}")
    centre = nps_of(a1) - nps_of(a2)
    se = np.hypot(stats.se_from_counts(*np.moveaxis(a1, -1, 0), scale=100.0),
                  stats.se_from_counts(*np.moveaxis(a2, -1, 0), scale=100.0))
    z = _sps.norm.ppf(0.5 + confidence / 2)
    empty = (c1.sum(axis=-1) == 0) | (c2.sum(axis=-1) == 0)
    low = np.where(empty, np.nan, np.fmin(np.clip(centre - z * se, -200, 200), raw))
    high = np.where(empty, np.nan, np.fmax(np.clip(centre + z * se, -200, 200), raw))
    raw = np.where(empty, np.nan, raw)
    if np.ndim(raw) == 0:
        return float(raw), float(low), float(high)
    return raw, low, high


def wilson_interval(successes, n, *, confidence: float = 0.95):
    """Wilson score interval of a proportion, element-wise.

    .. math::

        \\frac{\\hat p + z^2/2n \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/4n^2}}{1 + z^2/n}

    Examples
    --------
    Agrees with :meth:`scipy.stats.binomtest` ``(4, 20).proportion_ci(method="wilson")``:

    >>> [round(float(x), 4) for x in wilson_interval(4, 20)]
    [0.0807, 0.416]
    """
    k = np.asarray(successes, dtype="float64")
    n = np.asarray(n, dtype="float64")
    z = _sps.norm.ppf(0.5 + confidence / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low, high = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    low, high = np.where(n > 0, low, np.nan), np.where(n > 0, high, np.nan)
    if np.ndim(low) == 0:
        return float(low), float(high)
    return low, high


def union_scenario(data: pd.DataFrame, matches: pd.DataFrame, themes, *, score: str = "score",
                   confidence: float = 0.95):
    """Scenario for several themes at once: if their detractors became passives, up to +X points.

    Counted on the union of the detractors who mention any of ``themes`` (a detractor
    mentioning two themes counts once), never by adding the themes' own scenarios.

    Parameters
    ----------
    data : DataFrame
        All responses of the group (with and without comments).
    matches : DataFrame of bool
        Theme columns indexed like ``data`` (:attr:`CommentAnalysis.matches`).
    themes : iterable of str
        Theme names (columns of ``matches``).
    score : str, default "score"
    confidence : float, default 0.95

    Returns
    -------
    gain, low, high : float
        :math:`100\\,D_\\cup / n` with ``n`` the scored responses and a Wilson
        interval on :math:`D_\\cup / n`, in NPS points. NaN without scored responses.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"score": [0, 3, 5, 9, 10, 8, 6, 10, 9, 7]})
    >>> matches = pd.DataFrame({"a": [1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
    ...                         "b": [0, 1, 1, 0, 0, 0, 0, 0, 0, 0]}, dtype=bool)
    >>> [round(x, 1) for x in union_scenario(data, matches, ["a", "b"])]
    [30.0, 10.8, 60.3]
    """
    names = list(themes)
    category = stats.categorize(data[score])
    scored = category.notna().to_numpy()
    n = int(scored.sum())
    if not names:
        hit = np.zeros(len(data), dtype=bool)
    else:
        hit = matches.reindex(index=data.index, columns=names, fill_value=False).fillna(False) \
            .astype(bool).any(axis=1).to_numpy()
    d = int((hit & (category == stats.CATEGORIES[0]).to_numpy()).sum())
    low, high = wilson_interval(d, n, confidence=confidence)
    return (100 * d / n if n else float("nan")), 100 * low, 100 * high


def theme_impact(data: pd.DataFrame, matches: pd.DataFrame, *, score: str = "score",
                 comment: str | None = "comment", labels: dict | None = None,
                 polarity: dict | None = None, source: dict | None = None,
                 sentiment=None, alpha: float = 0.05, min_detractors: int = 5,
                 confidence: float = 0.95, fdr: bool = True,
                 examined: dict | None = None) -> pd.DataFrame:
    """Which themes are pain points or strengths: tests, NPS differences and scenarios.

    Parameters
    ----------
    data : DataFrame
        All responses of the group (with and without comments), one row each.
    matches : DataFrame of bool
        Theme columns, indexed like ``data`` (missing rows count as not mentioning).
    score : str, default "score"
    comment : str or None, default "comment"
        Comment column: the comparisons are among the scored respondents who left a
        (non-blank) comment. ``None`` or absent: among the rows of ``matches``.
    labels, polarity, source : dict, optional
        Per theme: display label (default the name), ``negative``/``positive``/
        ``neutral``/``unknown`` (default ``unknown``), ``taxonomy``/``discovered``.
    sentiment : Series, optional
        Sentiment per response (``NaN`` when not scored) for ``mean_sentiment``.
    alpha : float, default 0.05
        False discovery rate of the verdicts.
    min_detractors : int, default 5
        Fewest mentioning detractors for a pain point.
    confidence : float, default 0.95
        Level of the intervals.
    fdr : bool, default True
        Benjamini-Hochberg over each family (see Notes); ``False``: raw p-values.
    examined : dict, optional
        Source -> p-values of the hypotheses a step examined before choosing the
        listed themes of that source (:attr:`DiscoveredTopics.examined`): they join
        that source's family, so that choosing the most detractor-heavy words does
        not make them look significant.

    Returns
    -------
    DataFrame
        One row per theme mentioned at least once (themes nobody mentions are left
        out): ``theme``, ``label``, ``polarity``, ``source``, ``mentions``,
        ``detractors``, ``passives``, ``promoters`` (scored commenters mentioning it),
        ``share_*`` (percent of the commenting detractors/passives/promoters who
        mention it), ``nps`` (of its mentioners), ``nps_rest`` (of the other
        commenters), ``nps_difference`` with ``nps_difference_low/high``,
        ``p_detractor_heavy``, ``p_promoter_heavy``, ``p_value``, ``p_adjusted``,
        ``verdict`` (:data:`VERDICTS`), ``scenario_gain`` with
        ``scenario_low/high``, ``impact``, ``gain`` (``scenario_gain`` of a pain
        point, NaN otherwise), ``mean_sentiment``, ``rank`` (pain points first by
        ``scenario_gain``, then strengths and the rest by mentions). ``attrs``:
        ``n`` (scored responses), ``n_commented`` (scored responses with a comment),
        ``nps``, ``commented`` (detractors, passives, promoters who commented),
        ``detractor_coverage`` (share of the commenting detractors whom at least one
        listed theme covers, 0-1), ``alpha``, ``min_detractors``, ``confidence``.

    Notes
    -----
    Among the :math:`N` scored commenters, the mentioners of theme :math:`t` are
    compared with the other commenters:

    - Tests: one-sided Fisher exact tests of detractor- and promoter-heaviness
      (:func:`heaviness_pvalues`), combined and adjusted by Benjamini-Hochberg
      over the themes of one source (taxonomy themes one family; discovered topics
      another, with every candidate term the discovery examined), see
      :func:`theme_verdicts`.
    - Association, not effect: :math:`\\mathrm{NPS}_{mention} -
      \\mathrm{NPS}_{rest}` with an adjusted-Wald interval (:func:`nps_difference`).
    - Scenario, not expectation: if the :math:`D_t` mentioning detractors became
      passives, the NPS of all :math:`n` scored responses would rise by
      :math:`100\\,D_t/n` points, with a Wilson interval on :math:`D_t/n`. It
      assumes the theme is why they score low and that fixing it moves every one;
      scenarios of several themes overlap, so use :func:`union_scenario`, never a sum.
    - ``impact`` = NPS(all) - NPS(all but the mentioners) (Thematic, Zenloop).

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"score": [0, 2, 3, 4, 5, 6, 9, 10, 9, 10, 8, 9],
    ...                      "comment": ["bill wrong"] * 6 + ["fine"] * 6})
    >>> matches = pd.DataFrame({"billing": [True] * 6 + [False] * 6})
    >>> t = theme_impact(data, matches, min_detractors=5)
    >>> t[["theme", "detractors", "verdict", "nps_difference", "scenario_gain"]].round(1)
         theme  detractors     verdict  nps_difference  scenario_gain
    0  billing           6  pain point          -183.3           50.0
    >>> round(t.attrs["detractor_coverage"], 2)
    1.0
    """
    if score not in data.columns:
        raise KeyError(f"column {score!r} not in data; columns are {list(data.columns)}")
    category = stats.categorize(data[score])
    scored = category.notna().to_numpy()
    if comment is not None and comment in data.columns:
        commented = data[comment].notna() & (data[comment].astype("string").str.strip() != "")
        commented = commented.fillna(False).astype(bool).to_numpy()
    else:
        commented = data.index.isin(matches.index)
    commented = commented & scored  # an unscored comment cannot be compared
    matches = matches.reindex(index=data.index, fill_value=False).fillna(False).astype(bool)
    cats = np.column_stack([(category == c).to_numpy() for c in stats.CATEGORIES]).astype(float)
    totals = cats.sum(axis=0)
    n = float(totals.sum())
    commented_totals = cats[commented].sum(axis=0)
    m = matches.to_numpy() & commented[:, None]
    by_cat = m.T.astype(float) @ cats  # (themes, 3): detractors, passives, promoters
    mentions = by_cat.sum(axis=1)
    listed = mentions > 0
    by_cat, m = by_cat[listed], m[:, listed]
    names = [c for c, keep in zip(matches.columns, listed) if keep]
    mentions = mentions[listed]
    rest_commented = commented_totals[None, :] - by_cat
    rest_all = totals[None, :] - by_cat
    nps_all = stats.nps_from_counts(*totals) if n else np.nan

    p_det, p_pro = heaviness_pvalues(by_cat, commented_totals)
    src = [(source or {}).get(t, "taxonomy") for t in names]
    p, adjusted, verdict = theme_verdicts(p_det, p_pro, by_cat[:, 0], families=src,
                                          extra_pvalues=examined, alpha=alpha,
                                          min_detractors=min_detractors, fdr=fdr)
    diff, diff_low, diff_high = nps_difference(by_cat, rest_commented, confidence=confidence) \
        if len(names) else (np.array([]),) * 3
    share_low, share_high = wilson_interval(by_cat[:, 0], n, confidence=confidence) \
        if len(names) else (np.array([]),) * 2
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(commented_totals[None, :] > 0, 100 * by_cat / commented_totals[None, :],
                          np.nan)
        scenario = 100 * by_cat[:, 0] / n if n else np.full(len(names), np.nan)
        nps_rest_all = stats.nps_from_counts(rest_all[:, 0], rest_all[:, 1], rest_all[:, 2])
    if sentiment is not None:
        values = pd.Series(sentiment).reindex(data.index).to_numpy(dtype=float)
        mean_sent = [float(np.nanmean(values[col])) if np.isfinite(values[col]).any()
                     else np.nan for col in m.T]
    else:
        mean_sent = np.nan
    table = pd.DataFrame({
        "theme": names,
        "label": [(labels or {}).get(t, t) for t in names],
        "polarity": [(polarity or {}).get(t, "unknown") for t in names],
        "source": src,
        "mentions": mentions.astype("int64"),
        "detractors": by_cat[:, 0].astype("int64"),
        "passives": by_cat[:, 1].astype("int64"),
        "promoters": by_cat[:, 2].astype("int64"),
        "share_detractors": shares[:, 0],
        "share_passives": shares[:, 1],
        "share_promoters": shares[:, 2],
        "nps": stats.nps_from_counts(by_cat[:, 0], by_cat[:, 1], by_cat[:, 2]),
        "nps_rest": stats.nps_from_counts(*rest_commented.T),
        "nps_difference": diff,
        "nps_difference_low": diff_low,
        "nps_difference_high": diff_high,
        "p_detractor_heavy": p_det,
        "p_promoter_heavy": p_pro,
        "p_value": p,
        "p_adjusted": adjusted,
        "verdict": pd.Series(verdict, dtype=object),
        "scenario_gain": scenario,
        "scenario_low": 100 * share_low,
        "scenario_high": 100 * share_high,
        "impact": nps_all - nps_rest_all,
        "mean_sentiment": mean_sent,
    })
    table["gain"] = table["scenario_gain"].where(table["verdict"] == "pain point")
    order = table["verdict"].map({v: i for i, v in enumerate(VERDICTS)})
    key = np.where(table["verdict"] == "pain point", table["scenario_gain"], table["mentions"])
    table = table.assign(_order=order, _key=key).sort_values(
        ["_order", "_key", "mentions"], ascending=[True, False, False], kind="stable") \
        .drop(columns=["_order", "_key"]).reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    d_commented = commented & (cats[:, 0] > 0)
    covered = m.any(axis=1) if m.shape[1] else np.zeros(len(data), dtype=bool)
    n_d = int(d_commented.sum())
    table.attrs.update({"n": int(n), "n_commented": int(commented.sum()), "nps": nps_all,
                        "commented": dict(zip(["detractors", "passives", "promoters"],
                                              commented_totals.astype(int).tolist())),
                        "detractor_coverage": float((covered & d_commented).sum() / n_d)
                        if n_d else float("nan"),
                        "alpha": alpha, "min_detractors": int(min_detractors),
                        "confidence": confidence})
    return table[IMPACT_COLUMNS]
