"""Comment texts: the non-blank comments, normalised once per distinct text, and their TF-IDF vectors.

Shared by every step of the comment analysis (taxonomy matching, language detection,
sentiment, topics, verbatims).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Texts", "comment_texts", "distinct_texts", "expand_rows", "normalise", "tfidf"]

_TOKEN_PATTERN = r"(?u)\b[^\W\d_]{3,}\b"  # words of 3+ letters: no numbers, no elision stubs


def normalise(texts) -> list:
    """Lower-case, straight apostrophes, one line per comment (what patterns are matched on)."""
    return [re.sub(r"\s+", " ", str(t).replace("\u2019", "'").replace("\u2018", "'")).lower()
            for t in texts]


def comment_texts(comments) -> pd.Series:
    """The non-blank comments of ``comments`` as a str Series, index kept."""
    s = pd.Series(comments)
    s = s[s.notna()].astype(str)
    return s[s.str.strip() != ""]


@dataclass(frozen=True)
class Texts:
    """The non-blank comments of a Series, each distinct text once and normalised once."""

    index: pd.Index  # labels of the non-blank comments
    codes: np.ndarray  # position of each one's text in ``raw`` / ``norm``
    raw: list
    norm: list


def distinct_texts(comments) -> Texts:
    """:class:`Texts` of ``comments``: each distinct non-blank text once, normalised."""
    present = comment_texts(comments)
    codes, uniques = pd.factorize(present, sort=False)
    raw = [str(t) for t in uniques]
    return Texts(present.index, np.asarray(codes, dtype=np.intp), raw, normalise(raw))


def expand_rows(per_text: np.ndarray, tx: Texts, index, columns) -> pd.DataFrame:
    """Spread a (distinct texts x columns) bool matrix over every row of ``index``."""
    out = np.zeros((len(index), len(columns)), dtype=bool)
    if len(tx.index):
        out[index.get_indexer(tx.index)] = per_text[tx.codes]
    return pd.DataFrame(out, index=index, columns=list(columns))


def tfidf(texts, stop_words, *, min_df):
    """TF-IDF rows of normalised ``texts``: ``(matrix, terms)``, ``(None, [])`` when no term is left."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(token_pattern=_TOKEN_PATTERN, stop_words=sorted(stop_words),
                                 min_df=min_df, max_df=0.9, sublinear_tf=True,
                                 strip_accents=None, lowercase=False)  # texts are normalised
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # nothing left after the stop words and min_df
        return None, np.array([], dtype=object)
    return matrix, vectorizer.get_feature_names_out()
