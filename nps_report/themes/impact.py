"""Theme impact: how much each theme weighs on the NPS."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import stats

__all__ = ["IMPACT_COLUMNS", "theme_impact"]

#: Columns of the table :func:`theme_impact` returns, in order.
IMPACT_COLUMNS = ["theme", "label", "polarity", "source", "mentions", "detractors", "passives",
                  "promoters", "share_detractors", "share_passives", "share_promoters", "nps",
                  "impact", "gain", "mean_sentiment", "rank"]


def theme_impact(data: pd.DataFrame, matches: pd.DataFrame, *, score: str = "score",
                 comment: str | None = "comment", labels: dict | None = None,
                 polarity: dict | None = None, source: dict | None = None,
                 sentiment=None) -> pd.DataFrame:
    """How much each theme weighs on the NPS.

    Parameters
    ----------
    data : DataFrame
        All responses of the group (with and without comments), one row each.
    matches : DataFrame of bool
        Theme columns, indexed like ``data`` (missing rows count as not mentioning).
    score : str, default "score"
    comment : str or None, default "comment"
        Comment column: the shares are among respondents of a category who left a
        (non-blank) comment. ``None`` or absent: among the rows of ``matches``.
    labels, polarity, source : dict, optional
        Per theme: display label (default the name), ``negative``/``positive``/
        ``neutral``/``unknown`` (default ``unknown``), ``taxonomy``/``discovered``.
    sentiment : Series, optional
        Sentiment per response (``NaN`` when not scored) for ``mean_sentiment``.

    Returns
    -------
    DataFrame
        One row per theme, ``rank`` order: ``theme``, ``label``, ``polarity``,
        ``source``, ``mentions`` (responses mentioning it), ``detractors``,
        ``passives``, ``promoters`` (of them), ``share_detractors``,
        ``share_passives``, ``share_promoters`` (percent of the commenting
        detractors/passives/promoters who mention it), ``nps`` (of the responses
        mentioning it), ``impact``, ``gain`` (points), ``mean_sentiment``, ``rank``
        (1 = largest ``gain``, then most mentions). ``attrs``: ``n``,
        ``n_commented``, ``nps`` (all responses), ``commented`` (detractors,
        passives, promoters who commented).

    Notes
    -----
    With :math:`n` responses, :math:`D_t` detractors mentioning theme :math:`t`,

    .. math::

        \\mathrm{impact}_t = \\mathrm{NPS}(\\text{all}) - \\mathrm{NPS}(\\text{all but
        the responses mentioning } t), \\qquad \\mathrm{gain}_t = 100\\,D_t / n

    (impact as Thematic and Zenloop define it; gain is how many points the NPS
    would rise if the theme's detractors became passives). A complaint has a
    negative impact; ``NaN`` when every response mentions the theme.
    """
    if score not in data.columns:
        raise KeyError(f"column {score!r} not in data; columns are {list(data.columns)}")
    category = stats.categorize(data[score])
    if comment is not None and comment in data.columns:
        commented = data[comment].notna() & (data[comment].astype("string").str.strip() != "")
        commented = commented.fillna(False).astype(bool)
    else:
        commented = pd.Series(data.index.isin(matches.index), index=data.index)
    matches = matches.reindex(index=data.index, fill_value=False).fillna(False).astype(bool)
    is_cat = {c: (category == c).to_numpy() for c in stats.CATEGORIES}
    totals = np.array([is_cat[c].sum() for c in stats.CATEGORIES], dtype=float)
    n = float(totals.sum())
    commented_totals = np.array([(is_cat[c] & commented.to_numpy()).sum()
                                 for c in stats.CATEGORIES], dtype=float)
    m = matches.to_numpy()
    cats = np.column_stack([is_cat[c] for c in stats.CATEGORIES]).astype(float)
    by_cat = m.T.astype(float) @ cats  # (themes, 3): detractors, passives, promoters
    mentions = by_cat.sum(axis=1)
    nps_all = stats.nps_from_counts(*totals) if n else np.nan
    rest = totals[None, :] - by_cat
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = 100 * by_cat / commented_totals[None, :]
        theme_nps = stats.nps_from_counts(by_cat[:, 0], by_cat[:, 1], by_cat[:, 2])
        nps_rest = stats.nps_from_counts(rest[:, 0], rest[:, 1], rest[:, 2])
        gain = 100 * by_cat[:, 0] / n if n else np.full(len(mentions), np.nan)
    shares = np.where(commented_totals[None, :] > 0, shares, np.nan)
    if sentiment is not None:
        values = pd.Series(sentiment).reindex(data.index).to_numpy(dtype=float)
        mean_sent = [float(np.nanmean(values[col])) if np.isfinite(values[col]).any()
                     else np.nan for col in m.T]
    else:
        mean_sent = np.nan
    names = list(matches.columns)
    table = pd.DataFrame({
        "theme": names,
        "label": [(labels or {}).get(t, t) for t in names],
        "polarity": [(polarity or {}).get(t, "unknown") for t in names],
        "source": [(source or {}).get(t, "taxonomy") for t in names],
        "mentions": mentions.astype("int64"),
        "detractors": by_cat[:, 0].astype("int64"),
        "passives": by_cat[:, 1].astype("int64"),
        "promoters": by_cat[:, 2].astype("int64"),
        "share_detractors": shares[:, 0],
        "share_passives": shares[:, 1],
        "share_promoters": shares[:, 2],
        "nps": np.where(mentions > 0, theme_nps, np.nan),
        "impact": nps_all - nps_rest,
        "gain": gain,
        "mean_sentiment": mean_sent,
    })
    table = table.sort_values(["gain", "mentions"], ascending=False, kind="stable",
                              na_position="last").reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    table.attrs.update({"n": int(n), "n_commented": int(commented.sum()), "nps": nps_all,
                        "commented": dict(zip(["detractors", "passives", "promoters"],
                                              commented_totals.astype(int).tolist()))})
    return table[IMPACT_COLUMNS]
