"""Verbatims: representative comments per theme, with personal data redacted."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import stats
from ..redact import redact
from ..truncation import COMMENT_MAX_CHARS, truncate
from .text import comment_texts, normalise, tfidf

__all__ = ["VERBATIM_COLUMNS", "shown", "verbatims"]

#: Columns of the table :func:`verbatims` returns, in order.
VERBATIM_COLUMNS = ["theme", "label", "rank", "comment", "score", "category", "language",
                    "sentiment", "row"]


def verbatims(data: pd.DataFrame, matches: pd.DataFrame, *, comment: str = "comment",
              score: str = "score", k: int = 3, polarity: dict | None = None,
              labels: dict | None = None, language=None, sentiment=None,
              vectors=None, max_chars: int = COMMENT_MAX_CHARS, redact_patterns=()) -> pd.DataFrame:
    """Representative comments per theme, with personal data redacted.

    Parameters
    ----------
    data : DataFrame
        Responses with the comment and score columns.
    matches : DataFrame of bool
        Theme columns indexed like ``data``.
    k : int, default 3
        Comments per theme (fewer when the theme has fewer distinct comments).
    polarity : dict, optional
        Per theme; a ``negative`` theme quotes detractors first, a ``positive`` one
        promoters first, others anyone.
    labels : dict, optional
        Display labels per theme.
    language, sentiment : Series, optional
        Per response, copied into the table.
    vectors : (matrix, index), optional
        TF-IDF rows of the comments and the index of ``data`` they belong to (as
        :func:`analyze_comments` passes); computed when missing.
    max_chars : int, default 2000
        A longer comment is shortened, with a visible mark (:func:`shown`).
    redact_patterns : sequence of str, optional
        Identifiers of the company's own format, redacted as ``[id]``.

    Returns
    -------
    DataFrame
        ``theme``, ``label``, ``rank`` (1..k), ``comment`` (redacted with
        :func:`nps_report.redact.redact`), ``score``, ``category``, ``language``,
        ``sentiment``, ``row`` (the response's index label in ``data``).

    Notes
    -----
    Representative means closest (cosine similarity of TF-IDF vectors) to the mean
    vector of the theme's comments from the preferred category, one comment per
    distinct text; the preferred category's comments come first.
    """
    comments = comment_texts(data[comment]) if comment in data.columns else pd.Series(dtype=str)
    if vectors is None:
        matrix, _ = tfidf(normalise(comments), frozenset(), min_df=1)
        index = comments.index
    else:
        matrix, index = vectors
    # Everything per comment as arrays, once: each theme then takes its rows by position.
    rows_of = pd.Series(np.arange(len(index)), index=index).reindex(comments.index).to_numpy()
    category = stats.categorize(data[score])
    cats = category.reindex(comments.index)
    codes = cats.cat.codes.to_numpy()  # -1: not scored
    hits = matches.reindex(comments.index, fill_value=False).fillna(False).to_numpy(dtype=bool)
    preferred_cat = {"negative": "detractor", "positive": "promoter"}
    rows = []
    for j, theme in enumerate(matches.columns):
        members = np.flatnonzero(hits[:, j])
        if not len(members):
            continue
        want = preferred_cat.get((polarity or {}).get(theme))
        first = codes[members] == cats.cat.categories.get_loc(want) if want \
            else np.ones(len(members), dtype=bool)
        pool = members[first] if first.any() else members
        if matrix is not None and matrix.shape[1]:
            sub = matrix[_positions(rows_of, members)]
            centre = np.asarray(matrix[_positions(rows_of, pool)].mean(axis=0))
            similarity = np.asarray(sub @ centre.ravel()).ravel()
        else:
            similarity = np.zeros(len(members))
        # The preferred category first, then the most similar, then the earliest comment.
        order = np.lexsort((np.arange(len(members)), -similarity, ~first))
        seen = set()
        for pos in order:
            text = comments.iloc[members[pos]]
            key = " ".join(text.lower().split())
            if key in seen:
                continue
            seen.add(key)
            label = comments.index[members[pos]]
            rows.append({
                "theme": theme, "label": (labels or {}).get(theme, theme),
                "rank": len(seen), "comment": shown(text, max_chars, redact_patterns),
                "score": data.at[label, score], "category": cats.loc[label],
                "language": None if language is None else language.get(label),
                "sentiment": np.nan if sentiment is None else sentiment.get(label, np.nan),
                "row": label,
            })
            if len(seen) >= k:
                break
    return pd.DataFrame(rows, columns=VERBATIM_COLUMNS)


def _positions(rows_of, members):
    """Rows of the TF-IDF matrix of some comments (integers; NaN, a comment without a
    row, makes the indexing fail as it should)."""
    rows = rows_of[members]
    return rows.astype(np.intp) if rows.dtype.kind == "f" and not np.isnan(rows).any() else rows


def shown(comment: str, max_chars: int = COMMENT_MAX_CHARS, patterns=()) -> str:
    """A comment as a report quotes it: redacted (:func:`nps_report.redact.redact`, with the
    extra ``patterns``), then
    at most ``max_chars`` characters (:func:`nps_report.truncation.truncate`).

    A very long comment is cut to four times the limit, at a space, before it is
    redacted (redacting 100 MB for 2,000 characters shown is wasted time); a number or
    address cut there lies past what is shown.

    Examples
    --------
    >>> shown("mail me at jane@example.org " + "very " * 1000, max_chars=60)
    'mail me at [email] very very very very very … (truncated)'
    """
    if isinstance(comment, str) and len(comment) > 4 * max_chars:
        head = comment[:4 * max_chars]
        comment = head[:head.rfind(" ")] if " " in head[max_chars:] else head
    return truncate(redact(comment, patterns), max_chars)
