"""Which comment themes grew between two quarters (taxonomy themes, comparable across quarters)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import themes

__all__ = ["THEME_CHANGE_COLUMNS", "theme_shares", "themes_change"]

#: Columns of :func:`themes_change`, in order.
THEME_CHANGE_COLUMNS = ["theme", "label", "polarity", "mentions", "share", "mentions_before",
                        "share_before", "change"]


def _taxonomy(taxonomy):
    if taxonomy is None or isinstance(taxonomy, themes.Taxonomy):
        return themes.load_taxonomy() if taxonomy is None else taxonomy
    return themes.load_taxonomy(taxonomy)


def theme_shares(data: pd.DataFrame, *, taxonomy=None, comment: str = "comment",
                 score: str = "score") -> pd.DataFrame:
    """Theme impact of ``data`` for the taxonomy's themes (no topic discovery).

    The same numbers as :func:`nps_report.themes.analyze_comments` for the taxonomy
    themes, without the topic discovery (discovered topics differ from quarter to
    quarter, so they cannot be compared). ``attrs["n_commented"]`` is kept.
    """
    taxonomy = _taxonomy(taxonomy)
    frame = data.reset_index(drop=True)
    matches = themes.match_themes(frame[comment], taxonomy)
    return themes.theme_impact(frame, matches, score=score, comment=comment,
                               labels={t.name: t.label for t in taxonomy},
                               polarity={t.name: t.polarity for t in taxonomy},
                               source={t.name: "taxonomy" for t in taxonomy})


def themes_change(current: pd.DataFrame, previous: pd.DataFrame, *, taxonomy=None,
                  comment: str = "comment", score: str = "score") -> pd.DataFrame:
    """How often each theme is mentioned now and before, and the change.

    Parameters
    ----------
    current, previous : DataFrame
        Responses of the two periods (a team's quarter and the quarter before, say),
        with and without comments. Only scored responses count (as commenters too).
    taxonomy : Taxonomy or path, optional
        Default: the shipped theme list.
    comment, score : str
        Column names.

    Returns
    -------
    DataFrame
        One row per taxonomy theme, largest growth first: ``theme``, ``label``,
        ``polarity``, ``mentions`` and ``share`` (percent of the commenting
        respondents who mention it) now, ``mentions_before``, ``share_before``, and
        ``change`` (``share - share_before``, percentage points; NaN when either
        period has no comment).

    Notes
    -----
    With :math:`m_t` the responses mentioning theme :math:`t` and :math:`c` the
    responses with a comment, :math:`\\mathrm{share}_t = 100\\,m_t / c` in each period
    and :math:`\\mathrm{change}_t = \\mathrm{share}_t - \\mathrm{share}^{before}_t`.
    Shares among commenters, not among all responses, so that a quarter with more
    comments does not look like one with more complaints.

    Examples
    --------
    >>> import pandas as pd
    >>> from nps_report.tables.theme_change import themes_change
    >>> now = pd.DataFrame({"score": [2, 3, 9], "comment": ["billing error again",
    ...                     "wrong invoice", "great"]})
    >>> before = pd.DataFrame({"score": [8, 9], "comment": ["ok", "invoice was wrong"]})
    >>> row = themes_change(now, before).set_index("theme").loc["billing errors"]
    >>> float(row["share"]), float(row["share_before"]), float(row["change"])
    (66.66666666666667, 50.0, 16.66666666666667)
    """
    taxonomy = _taxonomy(taxonomy)
    names = taxonomy.names  # the impact table lists mentioned themes only; compare them all
    mentions, shares = [], []
    for frame in (current, previous):
        impact = theme_shares(frame, taxonomy=taxonomy, comment=comment, score=score)
        commented = float(impact.attrs.get("n_commented") or 0)
        counts = impact.set_index("theme")["mentions"].reindex(names).fillna(0).astype("int64")
        mentions.append(counts.to_numpy())
        shares.append(100 * counts.to_numpy(dtype=float) / commented if commented
                      else np.full(len(names), np.nan))
    out = pd.DataFrame({
        "theme": names, "label": [t.label for t in taxonomy],
        "polarity": [t.polarity for t in taxonomy],
        "mentions": mentions[0], "share": shares[0],
        "mentions_before": mentions[1], "share_before": shares[1]})
    out["change"] = out["share"] - out["share_before"]
    out = out.sort_values(["change", "mentions"], ascending=False, na_position="last", kind="stable")
    return out[THEME_CHANGE_COLUMNS].reset_index(drop=True)
