"""Topics discovered in free-text comments (TF-IDF + non-negative matrix factorisation)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .language import detect_language, main_languages, stop_words_for
from .text import comment_texts, normalise, tfidf

__all__ = ["DiscoveredTopics", "discover_topics", "nmf_topics"]


@dataclass(frozen=True)
class DiscoveredTopics:
    """Topics found by TF-IDF + NMF.

    Attributes
    ----------
    topics : DataFrame
        One row per topic: ``topic`` (``"topic 1"``...), ``label`` (``"Discovered:
        facture, remboursement, erreur"``), ``terms`` (top terms, comma-separated,
        strongest first), ``comments`` (how many comments it is the main topic of).
    assignment : Series of str
        Main topic of each input comment (same index), ``<NA>`` when none.
    language : str
        The comments' main language; ``stop_words`` the number of stop words used.
    """

    topics: pd.DataFrame
    assignment: pd.Series
    language: str = "unknown"
    stop_words: int = 0


def nmf_topics(matrix, terms, *, n_topics, n_terms, seed):
    """NMF topics of a TF-IDF matrix: (table rows, main topic per document or -1)."""
    from sklearn.decomposition import NMF

    n_docs, n_features = matrix.shape
    if n_topics is None:
        n_topics = min(8, int(round(np.sqrt(n_docs / 4))))
    n_topics = int(max(1, min(n_topics, n_docs - 1, n_features)))
    model = NMF(n_components=n_topics, init="nndsvda", random_state=seed, max_iter=400,
                tol=1e-4)
    weights = model.fit_transform(matrix)
    main = np.where(weights.max(axis=1) > 0, weights.argmax(axis=1), -1)
    rows = []
    for k, component in enumerate(model.components_):
        top = [terms[i] for i in np.argsort(component)[::-1][:n_terms] if component[i] > 0]
        rows.append({"topic": f"topic {k + 1}",
                     "label": "Discovered: " + ", ".join(top[:3]),
                     "terms": ", ".join(top),
                     "comments": int((main == k).sum())})
    return rows, main


def discover_topics(comments, *, n_topics: int | None = None, n_terms: int = 8,
                    language=None, stop_words=None, extra_stop_words=(), min_df: int = 2,
                    min_comments: int = 10, seed: int = 0) -> DiscoveredTopics:
    """Find topics in free-text comments with TF-IDF and non-negative matrix factorisation.

    Parameters
    ----------
    comments : Series of str
        Typically the comments no taxonomy theme matched.
    n_topics : int, optional
        Number of topics; default ``round(sqrt(n / 4))`` capped at 8 (3 for 30 comments).
    n_terms : int, default 8
        Top terms kept per topic.
    language : Series of str or str, optional
        Comment languages; default :func:`detect_language`.
    stop_words : str, list of str, optional
        Default: the shipped lists of every language used by at least 10% of the
        comments. A language code (``"fr"``) or a list of codes picks lists; any other
        list is used as the stop words themselves.
    extra_stop_words : iterable of str
        Added to the stop words (e.g. your company's name).
    min_df : int, default 2
        A term must occur in at least this many comments.
    min_comments : int, default 10
        Below this many comments no topic is sought (the result is empty).
    seed : int, default 0
        ``random_state`` of the NMF (its ``nndsvda`` start is deterministic anyway).

    Returns
    -------
    DiscoveredTopics

    Notes
    -----
    Terms are words of three or more letters, weighted by TF-IDF with sublinear
    term frequency; terms in more than 90% of comments are dropped. NMF factorises
    the comment x term matrix :math:`X \\approx WH`; a topic's terms are the largest
    entries of its row of :math:`H` and a comment's main topic the largest entry of
    its row of :math:`W`.
    """
    comments = pd.Series(comments)
    present = comment_texts(comments)
    assignment = pd.Series(pd.NA, index=comments.index, dtype="string")
    empty = pd.DataFrame(columns=["topic", "label", "terms", "comments"])
    if isinstance(language, str):
        languages = [language]
        main_language = language
    else:
        detected = detect_language(present) if language is None else \
            pd.Series(language).reindex(present.index)
        languages = main_languages(detected)
        main_language = languages[0] if languages else "unknown"
    words = stop_words_for(stop_words, languages, extra_stop_words)
    if len(present) < max(int(min_comments), 2):
        return DiscoveredTopics(empty, assignment, main_language, len(words))
    matrix, terms = tfidf(normalise(present), words, min_df=min_df)
    if matrix is None or matrix.shape[1] == 0:
        return DiscoveredTopics(empty, assignment, main_language, len(words))
    rows, main = nmf_topics(matrix, terms, n_topics=n_topics, n_terms=n_terms, seed=seed)
    names = np.array([r["topic"] for r in rows] + [None], dtype=object)
    assignment.loc[present.index] = pd.array(names[main], dtype="string")
    return DiscoveredTopics(pd.DataFrame(rows), assignment, main_language, len(words))
