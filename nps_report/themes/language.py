"""Languages of comments and the shipped stop-word lists (``nps_report/data/stopwords_<code>.txt``)."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from .text import Texts, distinct_texts

__all__ = ["CALENDAR_WORDS", "LANGUAGES", "detect_language", "detect_texts", "load_stop_words",
           "main_languages",
           "stop_words_for"]

#: Languages with a shipped stop-word list (``nps_report/data/stopwords_<code>.txt``).
LANGUAGES = ("en", "fr", "de", "es")

_WORD = re.compile(r"[^\W\d_]+")

#: Month and weekday names of the supported languages: dates in comments ("ordered in
#: January") say when, not what went wrong, so discovered topics leave them out.
CALENDAR_WORDS = frozenset("""
january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday
janvier février mars avril mai juin juillet août septembre octobre novembre décembre
lundi mardi mercredi jeudi vendredi samedi dimanche
januar februar märz april juni juli oktober dezember
montag dienstag mittwoch donnerstag freitag samstag sonntag
enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre
lunes martes miércoles jueves viernes sábado domingo
""".split())


@lru_cache(maxsize=None)
def load_stop_words(language: str) -> frozenset:
    """The shipped stop words of ``language`` (``en``, ``fr``, ``de``, ``es``).

    Read from ``nps_report/data/stopwords_<language>.txt`` (one word per line, ``#``
    comments). Raises ``ValueError`` naming the languages available otherwise.
    """
    if language not in LANGUAGES:
        raise ValueError(f"no stop-word list for language {language!r}; available: "
                         f"{', '.join(LANGUAGES)} (or pass your own words as stop_words)")
    text = (resources.files("nps_report") / "data" / f"stopwords_{language}.txt").read_text(
        encoding="utf-8")
    return frozenset(w.strip().lower() for w in text.splitlines()
                     if w.strip() and not w.lstrip().startswith("#"))


@lru_cache(maxsize=None)
def _language_weights(languages: tuple) -> dict:
    """word -> weight per language: 1/k for a stop word shared by k of the languages."""
    sets = [load_stop_words(lang) for lang in languages]
    weights = {}
    for word in set().union(*sets):
        owners = [i for i, s in enumerate(sets) if word in s]
        row = np.zeros(len(languages))
        row[owners] = 1.0 / len(owners)
        weights[word] = row
    return weights


def detect_language(comments, *, languages=LANGUAGES, default: str | None = None) -> pd.Series:
    """Guess each comment's language from its stop words.

    Parameters
    ----------
    comments : Series of str
    languages : sequence of str, default :data:`LANGUAGES`
        Candidates (each needs a shipped stop-word list).
    default : str, optional
        Language for comments without a clear winner. Default: the most common
        language among the comments that have one, else ``"unknown"``.

    Returns
    -------
    Series of str
        Same index; a language code, ``"unknown"``, or ``<NA>`` for a blank comment.

    Notes
    -----
    Each word scores 1/k for each of the k candidate languages whose stop-word list
    holds it; the highest total wins when it beats the runner-up. Cheap (no model,
    no download) and reliable from about three words; a one-word comment such as
    "Great!" takes the default.
    """
    comments = pd.Series(comments)
    tx = distinct_texts(comments)
    out = pd.Series(pd.NA, index=comments.index, dtype="string")
    if len(tx.index):
        out.loc[tx.index] = detect_texts(tx, tuple(languages), default)[tx.codes]
    return out


def detect_texts(tx: Texts, languages: tuple, default) -> np.ndarray:
    """Language of each distinct text (see :func:`detect_language`)."""
    weights = _language_weights(languages)
    zero = np.zeros(len(languages))
    guesses = []
    for text in tx.norm:
        score = zero.copy()
        for word in _WORD.findall(text):
            row = weights.get(word)
            if row is not None:
                score += row
        order = np.argsort(score)[::-1]
        best = order[0]
        clear = score[best] > 0 and (len(order) == 1 or score[best] > score[order[1]])
        guesses.append(languages[best] if clear else None)
    guesses = np.array(guesses, dtype=object)
    if default is None:
        known = pd.Series(guesses[tx.codes]).dropna()
        default = known.mode().iloc[0] if not known.empty else "unknown"
    return np.where(pd.isna(guesses), default, guesses).astype(object)


def stop_words_for(stop_words, languages, extra) -> frozenset:
    """The stop words to use (see ``stop_words`` of :func:`~nps_report.themes.discover_topics`)."""
    if stop_words is None:
        words = set()
        for lang in languages:
            if lang in LANGUAGES:
                words |= load_stop_words(lang)
    elif isinstance(stop_words, str):
        words = set(load_stop_words(stop_words))
    else:
        words = {str(w).lower() for w in stop_words}
        if words and words <= set(LANGUAGES):  # a list of language codes
            words = set().union(*(load_stop_words(lang) for lang in words))
    return frozenset(words | {str(w).lower() for w in extra})


def main_languages(language: pd.Series, share: float = 0.1) -> list:
    """Languages of at least ``share`` of the comments (the most common one always)."""
    counts = language.dropna().value_counts(normalize=True)
    if counts.empty:
        return []
    return [lang for lang, s in counts.items() if s >= share or lang == counts.index[0]]
