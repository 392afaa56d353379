"""Sentiment of comments: VADER scores of the English ones."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from .language import detect_language
from .text import comment_texts

__all__ = ["sentiment"]

_VADER_THRESHOLD = 0.05  # VADER's documented cut-off between neutral and positive/negative


@lru_cache(maxsize=1)
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()  # reads the lexicon shipped inside the package


def sentiment(comments, *, language=None) -> pd.DataFrame:
    """VADER sentiment of English comments; other languages are not scored.

    Parameters
    ----------
    comments : Series of str
    language : Series of str or str, optional
        Each comment's language (as :func:`detect_language` returns); default: detected.

    Returns
    -------
    DataFrame
        Same index as ``comments``: ``language``, ``sentiment`` (VADER compound score,
        -1..1; ``NaN`` for a comment not in English or blank) and ``sentiment_label``
        (``negative`` below -0.05, ``positive`` above 0.05, else ``neutral``; ``<NA>``
        when not scored).

    Notes
    -----
    VADER (Hutto & Gilbert 2014) is a lexicon and rules built for English; its
    scores of other languages would be guesses, so they are left missing and the
    comment's language says why.
    """
    comments = pd.Series(comments)
    if language is None:
        language = detect_language(comments)
    elif isinstance(language, str):
        language = pd.Series(language, index=comments.index, dtype="string")
    language = pd.Series(language, index=comments.index).astype("string")
    present = comment_texts(comments)
    english = present[language.reindex(present.index) == "en"]
    codes, uniques = pd.factorize(english, sort=False)
    analyser = _vader()
    scores = np.array([analyser.polarity_scores(t)["compound"] for t in uniques], dtype=float)
    out = pd.DataFrame({"language": language,
                        "sentiment": np.full(len(comments), np.nan)}, index=comments.index)
    if len(codes):
        out.loc[english.index, "sentiment"] = scores[codes]
    label = np.select([out["sentiment"] < -_VADER_THRESHOLD, out["sentiment"] > _VADER_THRESHOLD],
                      ["negative", "positive"], default="neutral")
    out["sentiment_label"] = pd.Series(label, index=out.index, dtype="string").where(
        out["sentiment"].notna())
    return out
