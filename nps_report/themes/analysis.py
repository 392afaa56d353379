"""All in one: themes, discovered topics, sentiment, theme impact and verbatims of a group's comments."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import stats
from .impact import theme_impact
from .language import CALENDAR_WORDS, LANGUAGES, detect_texts, main_languages, stop_words_for
from .quotes import verbatims
from .taxonomy import Taxonomy, load_taxonomy, match_texts
from .text import comment_texts, distinct_texts, expand_rows, tfidf
from .distinctive import TOPIC_COLUMNS, detractor_topics
from .vader import sentiment
from ..truncation import COMMENT_MAX_CHARS

__all__ = ["CommentAnalysis", "analyze_comments"]


@dataclass(frozen=True)
class CommentAnalysis:
    """Everything :func:`analyze_comments` found, as tables that charts and text share.

    Attributes
    ----------
    impact : DataFrame
        :func:`theme_impact` of taxonomy themes and discovered topics.
    comments : DataFrame
        One row per non-blank comment (index of the input): ``comment``,
        ``language``, ``sentiment``, ``sentiment_label``, ``themes`` (matched theme
        names joined with ``"; "``), ``topic`` (discovered topic or ``<NA>``).
    matches : DataFrame of bool
        Theme and topic columns for every input row.
    topics : DataFrame
        :class:`~nps_report.themes.distinctive.DetractorTopics` ``.topics``: the
        discovered topics (may be empty).
    verbatims : DataFrame
        :func:`verbatims`, redacted.
    taxonomy : Taxonomy
    """

    impact: pd.DataFrame
    comments: pd.DataFrame
    matches: pd.DataFrame
    topics: pd.DataFrame
    verbatims: pd.DataFrame
    taxonomy: Taxonomy


def analyze_comments(data: pd.DataFrame, *, comment: str = "comment", score: str = "score",
                     taxonomy: Taxonomy | None = None, discover: bool = True,
                     n_topics: int | None = None, min_comments: int = 20,
                     languages=LANGUAGES, stop_words=None, extra_stop_words=(),
                     n_verbatims: int = 3, seed: int = 0, alpha: float = 0.05,
                     min_detractors: int = 5, confidence: float = 0.95,
                     fdr: bool = True, comment_max_chars: int = COMMENT_MAX_CHARS,
                     redact_patterns=()) -> CommentAnalysis:
    """Themes, discovered topics, sentiment, theme impact and verbatims of one group's comments.

    Parameters
    ----------
    data : DataFrame
        All responses of the group (a team's quarter, say), with and without comments.
    comment, score : str
        Column names.
    taxonomy : Taxonomy, optional
        Default :func:`load_taxonomy` ``()``; pass ``load_taxonomy("nps_report/data/themes.yaml")``
        to use the build's own.
    discover : bool, default True
        Look for topics in the phrases that set detractors' comments apart
        (:func:`~nps_report.themes.distinctive.detractor_topics`), leaving out the
        phrases most comments use and those the taxonomy covers, when at least
        ``min_comments`` scored respondents commented.
    n_topics : int, optional
        Most topics discovered (default 5).
    languages : sequence of str
        Candidate languages for detection.
    stop_words, extra_stop_words
        See :func:`discover_topics`.
    n_verbatims : int, default 3
        Verbatims per theme.
    seed : int, default 0
        Kept for callers; the discovery is deterministic.
    alpha, min_detractors, confidence, fdr
        See :func:`theme_impact` (what makes a pain point).
    comment_max_chars : int, default 2000
        Characters of a verbatim shown (see :func:`nps_report.themes.quotes.shown`).
    redact_patterns : sequence of str, optional
        Extra identifiers redacted in verbatims (see :func:`nps_report.redact.redact`).

    Returns
    -------
    CommentAnalysis

    Examples
    --------
    Two of the three detractors write about billing errors: too few to call it a pain
    point (``min_detractors=5``), so the themes are only "mentioned"; the scenario
    "if they became passives" would be worth up to 40 points (4-80).

    >>> import pandas as pd
    >>> import nps_report as nr
    >>> data = pd.DataFrame({"score": [2, 3, 9, 10, 6], "comment": ["Billing error on my invoice",
    ...     "Wrong invoice again", "Great support", "Friendly staff", ""]})
    >>> a = nr.analyze_comments(data, discover=False)
    >>> a.impact[["label", "mentions", "detractors", "verdict", "scenario_gain"]]
                label  mentions  detractors    verdict  scenario_gain
    0  Billing errors         2           2  mentioned           40.0
    1  Friendly staff         1           0  mentioned            0.0
    2    Fast support         1           0  mentioned            0.0
    >>> a.verbatims.loc[a.verbatims["theme"] == "billing errors", "comment"].tolist()
    ['Wrong invoice again', 'Billing error on my invoice']
    """
    for col in (comment, score):
        if col not in data.columns:
            raise KeyError(f"column {col!r} not in data; columns are {list(data.columns)}")
    if not data.index.is_unique:
        raise ValueError("data must have a unique index (each response one label); "
                         "call data.reset_index(drop=True) first")
    taxonomy = load_taxonomy() if taxonomy is None else taxonomy
    present = comment_texts(data[comment])
    tx = distinct_texts(present)  # each distinct text is matched, detected and vectorised once
    matches = expand_rows(match_texts(tx, taxonomy), tx, present.index, taxonomy.names)
    language = pd.Series(detect_texts(tx, tuple(languages), None)[tx.codes] if len(tx.index) else [],
                         index=present.index, dtype="string")
    sent = sentiment(present, language=language)

    spoken = main_languages(language)
    words = stop_words_for(stop_words, spoken, extra_stop_words)
    matrix, terms = tfidf(tx.norm, words, min_df=1) if tx.norm else (None, [])
    if matrix is not None:
        matrix = matrix[tx.codes]  # one row per comment again (verbatims use it)

    polarity = {t.name: t.polarity for t in taxonomy}
    labels = {t.name: t.label for t in taxonomy}
    source = {t.name: "taxonomy" for t in taxonomy}
    topic = pd.Series(pd.NA, index=present.index, dtype="string")
    topics = pd.DataFrame(columns=TOPIC_COLUMNS)
    examined = {}
    category = stats.categorize(data.loc[present.index, score])
    scored = category.notna().to_numpy()
    if discover and scored.sum() >= max(int(min_comments), 2):
        rows = np.flatnonzero(scored)
        norm = [tx.norm[c] for c in tx.codes[rows]]
        found = detractor_topics(norm, (category.iloc[rows] == "detractor").to_numpy(),
                                 stop_words=words | CALENDAR_WORDS,
                                 covered=matches.to_numpy()[rows].any(axis=1),
                                 theme_regexes=[t.regex for t in taxonomy],
                                 n_topics=5 if n_topics is None else n_topics)
        topics = found.topics
        examined["discovered"] = found.examined
        for k, row in topics.iterrows():
            hit = np.zeros(len(present), dtype=bool)
            hit[rows] = found.matches[:, k]
            matches[row["topic"]] = hit
            first = topic.isna().to_numpy() & hit  # a comment's topic: the first that holds it
            topic[first] = row["topic"]
            labels[row["topic"]] = row["label"]
            polarity[row["topic"]] = "unknown"
            source[row["topic"]] = "discovered"

    full = matches.reindex(data.index, fill_value=False).astype(bool)
    impact = theme_impact(data, full, score=score, comment=comment, labels=labels,
                          polarity=polarity, source=source, sentiment=sent["sentiment"],
                          alpha=alpha, min_detractors=min_detractors, confidence=confidence,
                          fdr=fdr, examined=examined)
    quotes = verbatims(data, full, comment=comment, score=score, k=n_verbatims,
                       polarity=polarity, labels=labels, language=language,
                       sentiment=sent["sentiment"], vectors=(matrix, present.index),
                       max_chars=comment_max_chars, redact_patterns=redact_patterns)
    names = matches.columns.to_numpy()
    m = matches.to_numpy()
    per_comment = pd.DataFrame({
        "comment": present,
        "language": language,
        "sentiment": sent["sentiment"],
        "sentiment_label": sent["sentiment_label"],
        "themes": ["; ".join(names[row]) for row in m],
        "topic": topic,
    }, index=present.index)
    return CommentAnalysis(impact, per_comment, full, topics, quotes, taxonomy)
