"""Comment themes: a taxonomy plus discovered topics, sentiment, theme impact on NPS, verbatims."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from . import stats
from .exceptions import ParamsError
from .redact import redact

__all__ = [
    "LANGUAGES",
    "POLARITIES",
    "CommentAnalysis",
    "DiscoveredTopics",
    "Taxonomy",
    "Theme",
    "analyze_comments",
    "detect_language",
    "discover_topics",
    "load_stop_words",
    "load_taxonomy",
    "match_themes",
    "parse_taxonomy",
    "sentiment",
    "summarize",
    "theme_impact",
    "verbatims",
]

#: Languages with a shipped stop-word list (``nps_report/data/stopwords_<code>.txt``).
LANGUAGES = ("en", "fr", "de", "es")
#: What a theme says about the experience.
POLARITIES = ("negative", "positive", "neutral")
#: Columns of the table :func:`theme_impact` returns, in order.
IMPACT_COLUMNS = ["theme", "label", "polarity", "source", "mentions", "detractors", "passives",
                  "promoters", "share_detractors", "share_passives", "share_promoters", "nps",
                  "impact", "gain", "mean_sentiment", "rank"]
#: Columns of the table :func:`verbatims` returns, in order.
VERBATIM_COLUMNS = ["theme", "label", "rank", "comment", "score", "category", "language",
                    "sentiment", "row"]

_DEFAULT_TAXONOMY = "themes.yaml"
_WORD = re.compile(r"[^\W\d_]+")
_TOKEN_PATTERN = r"(?u)\b[^\W\d_]{3,}\b"  # words of 3+ letters: no numbers, no elision stubs
_VADER_THRESHOLD = 0.05  # VADER's documented cut-off between neutral and positive/negative


# --------------------------------------------------------------------------- taxonomy
@dataclass(frozen=True)
class Theme:
    """One theme of a taxonomy: its name, display label, polarity and patterns per language."""

    name: str
    label: str
    polarity: str
    patterns: dict = field(default_factory=dict, compare=False)
    regex: re.Pattern = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Taxonomy:
    """A theme taxonomy (see ``params/themes.yaml``), in file order."""

    themes: tuple
    path: str | None = None

    @property
    def names(self) -> list:
        return [t.name for t in self.themes]

    def __iter__(self):
        return iter(self.themes)

    def __len__(self):
        return len(self.themes)

    def __getitem__(self, name) -> Theme:
        for theme in self.themes:
            if theme.name == name:
                return theme
        raise KeyError(f"no theme {name!r}; themes are {self.names}")


def load_taxonomy(path=None) -> Taxonomy:
    """Read a theme taxonomy from YAML; without ``path`` the shipped default.

    Parameters
    ----------
    path : str or os.PathLike, optional
        A YAML file shaped like ``params/themes.yaml``. Default: the package's copy
        (``nps_report/data/themes.yaml``).

    Returns
    -------
    Taxonomy

    Raises
    ------
    ParamsError
        If the file is missing or malformed; the message names the file and the key
        (``themes.billing errors.en[2]``).
    """
    from .params import load_yaml

    if path is None:
        resource = resources.files("nps_report") / "data" / _DEFAULT_TAXONOMY
        with resources.as_file(resource) as default:
            return parse_taxonomy(load_yaml(default, "theme file"), path=default)
    return parse_taxonomy(load_yaml(path, "theme file"), path=path)


def parse_taxonomy(raw, *, path=None) -> Taxonomy:
    """Validate a taxonomy already read from YAML (a dict with a ``themes`` mapping).

    Each theme maps to optional ``label`` and ``polarity`` (one of
    :data:`POLARITIES`, default ``negative``) and, per two-letter language code, a
    list of regular expressions. Comments are lower-cased before matching, so the
    letters of a pattern are lower-cased too (escapes such as ``\\W`` are kept) and
    ``\\b`` is put in front of every pattern.
    """
    def fail(message, key=None):
        raise ParamsError(message + (f" (key {key})" if key else ""), path=path, key=key)

    if not isinstance(raw, dict) or "themes" not in raw:
        fail("a theme taxonomy needs a top-level 'themes:' mapping")
    unknown = [k for k in raw if k != "themes"]
    if unknown:
        fail(f"unknown top-level key(s) {unknown}; allowed: themes", key=str(unknown[0]))
    items = raw["themes"]
    if not isinstance(items, dict) or not items:
        fail("'themes' must map each theme name to its patterns", key="themes")
    themes = []
    for name, spec in items.items():
        key = f"themes.{name}"
        if not isinstance(spec, dict):
            fail("a theme must be a mapping of label, polarity and language: [patterns]", key=key)
        label = spec.get("label", str(name)[:1].upper() + str(name)[1:])
        if not isinstance(label, str) or not label.strip():
            fail("label must be a non-empty string", key=f"{key}.label")
        polarity = spec.get("polarity", "negative")
        if polarity not in POLARITIES:
            fail(f"polarity must be one of {', '.join(POLARITIES)}; got {polarity!r}",
                 key=f"{key}.polarity")
        patterns = {}
        for lang, values in spec.items():
            if lang in ("label", "polarity"):
                continue
            if not (isinstance(lang, str) and re.fullmatch(r"[a-z]{2}", lang)):
                fail(f"unknown key {lang!r}; allowed: label, polarity, or a two-letter "
                     "language code (en, fr, de, es, ...)", key=f"{key}.{lang}")
            if isinstance(values, str):
                values = [values]
            if not isinstance(values, list):
                fail("patterns must be a list of regular expressions", key=f"{key}.{lang}")
            compiled = []
            for i, pattern in enumerate(values):
                where = f"{key}.{lang}[{i}]"
                if not isinstance(pattern, str) or not pattern.strip():
                    fail("a pattern must be a non-empty string", key=where)
                lowered = _lower_pattern(pattern)
                try:
                    rx = re.compile(lowered)
                except re.error as exc:
                    fail(f"not a valid regular expression ({exc}): {pattern!r}", key=where)
                if rx.search(""):
                    fail(f"pattern matches empty text, so it would match every comment: "
                         f"{pattern!r}", key=where)
                compiled.append(lowered)
            patterns[lang] = tuple(compiled)
        if not any(patterns.values()):
            fail("a theme needs at least one pattern under a language code", key=key)
        alternation = "|".join(f"(?:{p})" for ps in patterns.values() for p in ps)
        regex = re.compile(rf"\b(?:{alternation})", re.MULTILINE)
        themes.append(Theme(str(name), label.strip(), polarity, patterns, regex))
    return Taxonomy(tuple(themes), None if path is None else str(path))


def _lower_pattern(pattern: str) -> str:
    """Lower-case the letters of a regular expression, leaving escapes (``\\W``, ``\\S``) alone."""
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "\\" and i + 1 < len(pattern):
            out.append(pattern[i:i + 2])
            i += 2
        else:
            out.append(pattern[i].lower())
            i += 1
    return "".join(out)


def _normalise(texts) -> list:
    """Lower-case, straight apostrophes, one line per comment (what patterns are matched on)."""
    return [re.sub(r"\s+", " ", str(t).replace("\u2019", "'").replace("\u2018", "'")).lower()
            for t in texts]


def _comment_texts(comments) -> pd.Series:
    """The non-blank comments of ``comments`` as a str Series, index kept."""
    s = pd.Series(comments)
    s = s[s.notna()].astype(str)
    return s[s.str.strip() != ""]


@dataclass(frozen=True)
class _Texts:
    """The non-blank comments of a Series, each distinct text once and normalised once."""

    index: pd.Index  # labels of the non-blank comments
    codes: np.ndarray  # position of each one's text in ``raw`` / ``norm``
    raw: list
    norm: list


def _texts(comments) -> _Texts:
    present = _comment_texts(comments)
    codes, uniques = pd.factorize(present, sort=False)
    raw = [str(t) for t in uniques]
    return _Texts(present.index, np.asarray(codes, dtype=np.intp), raw, _normalise(raw))


def _match(tx: _Texts, taxonomy: Taxonomy) -> np.ndarray:
    """(distinct texts x themes) bool matrix."""
    if not tx.norm:
        return np.zeros((0, len(taxonomy)), dtype=bool)
    return np.column_stack([_search_all(t.regex, tx.norm) for t in taxonomy])


def match_themes(comments, taxonomy: Taxonomy | None = None) -> pd.DataFrame:
    """Which taxonomy themes each comment mentions.

    Parameters
    ----------
    comments : Series of str
        Comments; missing or blank ones match nothing.
    taxonomy : Taxonomy, optional
        Default: :func:`load_taxonomy` ``()``.

    Returns
    -------
    DataFrame of bool
        Same index as ``comments``, one column per theme (taxonomy order).

    Notes
    -----
    Comments are lower-cased and every theme's patterns (all languages) are tried
    on every comment. Each distinct text is matched once, and all of them in one
    pass per theme over the texts joined line by line, which keeps 5,000 comments
    well under a second.
    """
    taxonomy = load_taxonomy() if taxonomy is None else taxonomy
    comments = pd.Series(comments)
    tx = _texts(comments)
    return _expand(_match(tx, taxonomy), tx, comments.index, taxonomy.names)


def _expand(per_text: np.ndarray, tx: _Texts, index, columns) -> pd.DataFrame:
    """Spread a (distinct texts x columns) bool matrix over every row of ``index``."""
    out = np.zeros((len(index), len(columns)), dtype=bool)
    if len(tx.index):
        out[index.get_indexer(tx.index)] = per_text[tx.codes]
    return pd.DataFrame(out, index=index, columns=list(columns))


def _search_all(regex: re.Pattern, texts: list) -> np.ndarray:
    """``regex.search`` on each text, done as one scan over the texts joined by newlines."""
    hit = np.zeros(len(texts), dtype=bool)
    if not texts:
        return hit
    starts, pos = [], 0
    for t in texts:
        starts.append(pos)
        pos += len(t) + 1
    joined = "\n".join(texts)
    recheck = set()
    for m in regex.finditer(joined):
        first = bisect_right(starts, m.start()) - 1
        last = bisect_right(starts, max(m.start(), m.end() - 1)) - 1
        if first == last:
            hit[first] = True
        else:  # the match spans two comments: decide each of them on its own
            recheck.update(range(first, last + 1))
    for i in recheck:
        hit[i] = regex.search(texts[i]) is not None
    return hit


# ------------------------------------------------------------------ language, stop words
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
    tx = _texts(comments)
    out = pd.Series(pd.NA, index=comments.index, dtype="string")
    if len(tx.index):
        out.loc[tx.index] = _detect(tx, tuple(languages), default)[tx.codes]
    return out


def _detect(tx: _Texts, languages: tuple, default) -> np.ndarray:
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


# ---------------------------------------------------------------------------- sentiment
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
    present = _comment_texts(comments)
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


# ------------------------------------------------------------------- discovered topics
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


def _stop_words_for(stop_words, languages, extra) -> frozenset:
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


def _main_languages(language: pd.Series, share: float = 0.1) -> list:
    """Languages of at least ``share`` of the comments (the most common one always)."""
    counts = language.dropna().value_counts(normalize=True)
    if counts.empty:
        return []
    return [lang for lang, s in counts.items() if s >= share or lang == counts.index[0]]


def _tfidf(texts, stop_words, *, min_df):
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(token_pattern=_TOKEN_PATTERN, stop_words=sorted(stop_words),
                                 min_df=min_df, max_df=0.9, sublinear_tf=True,
                                 strip_accents=None, lowercase=False)  # texts are normalised
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # nothing left after the stop words and min_df
        return None, np.array([], dtype=object)
    return matrix, vectorizer.get_feature_names_out()


def _nmf(matrix, terms, *, n_topics, n_terms, seed):
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
    present = _comment_texts(comments)
    assignment = pd.Series(pd.NA, index=comments.index, dtype="string")
    empty = pd.DataFrame(columns=["topic", "label", "terms", "comments"])
    if isinstance(language, str):
        languages = [language]
        main_language = language
    else:
        detected = detect_language(present) if language is None else \
            pd.Series(language).reindex(present.index)
        languages = _main_languages(detected)
        main_language = languages[0] if languages else "unknown"
    words = _stop_words_for(stop_words, languages, extra_stop_words)
    if len(present) < max(int(min_comments), 2):
        return DiscoveredTopics(empty, assignment, main_language, len(words))
    matrix, terms = _tfidf(_normalise(present), words, min_df=min_df)
    if matrix is None or matrix.shape[1] == 0:
        return DiscoveredTopics(empty, assignment, main_language, len(words))
    rows, main = _nmf(matrix, terms, n_topics=n_topics, n_terms=n_terms, seed=seed)
    names = np.array([r["topic"] for r in rows] + [None], dtype=object)
    assignment.loc[present.index] = pd.array(names[main], dtype="string")
    return DiscoveredTopics(pd.DataFrame(rows), assignment, main_language, len(words))


# ------------------------------------------------------------------------ theme impact
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


# --------------------------------------------------------------------------- verbatims
def verbatims(data: pd.DataFrame, matches: pd.DataFrame, *, comment: str = "comment",
              score: str = "score", k: int = 3, polarity: dict | None = None,
              labels: dict | None = None, language=None, sentiment=None,
              vectors=None) -> pd.DataFrame:
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
    comments = _comment_texts(data[comment]) if comment in data.columns else pd.Series(dtype=str)
    if vectors is None:
        matrix, _ = _tfidf(_normalise(comments), frozenset(), min_df=1)
        index = comments.index
    else:
        matrix, index = vectors
    position = pd.Series(np.arange(len(index)), index=index)
    category = stats.categorize(data[score])
    preferred_cat = {"negative": "detractor", "positive": "promoter"}
    rows = []
    for theme in matches.columns:
        mask = matches[theme].reindex(comments.index, fill_value=False).fillna(False)
        candidates = comments[mask.to_numpy(dtype=bool)]
        if candidates.empty:
            continue
        want = preferred_cat.get((polarity or {}).get(theme))
        cats = category.reindex(candidates.index)
        first = cats == want if want else pd.Series(True, index=candidates.index)
        pool = candidates[first.to_numpy()] if first.any() else candidates
        if matrix is not None and matrix.shape[1]:
            sub = matrix[position.reindex(candidates.index).to_numpy()]
            centre = np.asarray(matrix[position.reindex(pool.index).to_numpy()].mean(axis=0))
            similarity = np.asarray(sub @ centre.ravel()).ravel()
        else:
            similarity = np.zeros(len(candidates))
        order = pd.DataFrame({"first": first.to_numpy(), "sim": similarity,
                              "pos": np.arange(len(candidates))})
        order = order.sort_values(["first", "sim", "pos"], ascending=[False, False, True])
        seen = set()
        for pos in order["pos"]:
            text = candidates.iloc[pos]
            key = " ".join(text.lower().split())
            if key in seen:
                continue
            seen.add(key)
            label = candidates.index[pos]
            rows.append({
                "theme": theme, "label": (labels or {}).get(theme, theme),
                "rank": len(seen), "comment": redact(text),
                "score": data.at[label, score], "category": cats.loc[label],
                "language": None if language is None else language.get(label),
                "sentiment": np.nan if sentiment is None else sentiment.get(label, np.nan),
                "row": label,
            })
            if len(seen) >= k:
                break
    return pd.DataFrame(rows, columns=VERBATIM_COLUMNS)


# ------------------------------------------------------------------------ all in one
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
        :class:`DiscoveredTopics` ``.topics`` (may be empty).
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
                     n_verbatims: int = 3, seed: int = 0) -> CommentAnalysis:
    """Themes, discovered topics, sentiment, theme impact and verbatims of one group's comments.

    Parameters
    ----------
    data : DataFrame
        All responses of the group (a team's quarter, say), with and without comments.
    comment, score : str
        Column names.
    taxonomy : Taxonomy, optional
        Default :func:`load_taxonomy` ``()``; pass ``load_taxonomy("params/themes.yaml")``
        to use the build's own.
    discover : bool, default True
        Look for topics among the comments no theme matched (when there are at
        least ``min_comments`` of them).
    n_topics : int, optional
        See :func:`discover_topics`.
    languages : sequence of str
        Candidate languages for detection.
    stop_words, extra_stop_words
        See :func:`discover_topics`.
    n_verbatims : int, default 3
        Verbatims per theme.
    seed : int, default 0

    Returns
    -------
    CommentAnalysis
    """
    for col in (comment, score):
        if col not in data.columns:
            raise KeyError(f"column {col!r} not in data; columns are {list(data.columns)}")
    if not data.index.is_unique:
        raise ValueError("data must have a unique index (each response one label); "
                         "call data.reset_index(drop=True) first")
    taxonomy = load_taxonomy() if taxonomy is None else taxonomy
    present = _comment_texts(data[comment])
    tx = _texts(present)  # each distinct text is matched, detected and vectorised once
    matches = _expand(_match(tx, taxonomy), tx, present.index, taxonomy.names)
    language = pd.Series(_detect(tx, tuple(languages), None)[tx.codes] if len(tx.index) else [],
                         index=present.index, dtype="string")
    sent = sentiment(present, language=language)

    main_languages = _main_languages(language)
    words = _stop_words_for(stop_words, main_languages, extra_stop_words)
    matrix, terms = _tfidf(tx.norm, words, min_df=1) if tx.norm else (None, [])
    if matrix is not None:
        matrix = matrix[tx.codes]  # one row per comment again

    polarity = {t.name: t.polarity for t in taxonomy}
    labels = {t.name: t.label for t in taxonomy}
    source = {t.name: "taxonomy" for t in taxonomy}
    topic = pd.Series(pd.NA, index=present.index, dtype="string")
    topics = pd.DataFrame(columns=["topic", "label", "terms", "comments"])
    unmatched = ~matches.any(axis=1).to_numpy()
    if discover and matrix is not None and unmatched.sum() >= max(int(min_comments), 2):
        sub = matrix[np.flatnonzero(unmatched)]
        # Terms of the unmatched comments that occur at least twice among them.
        keep = np.flatnonzero(np.asarray((sub > 0).sum(axis=0)).ravel() >= 2)
        if keep.size:
            rows, main = _nmf(sub[:, keep], np.asarray(terms)[keep], n_topics=n_topics,
                              n_terms=8, seed=seed)
            topics = pd.DataFrame(rows)
            names = np.array(list(topics["topic"]) + [None], dtype=object)
            topic.iloc[np.flatnonzero(unmatched)] = pd.array(names[main], dtype="string")
            for row in rows:
                matches[row["topic"]] = (topic == row["topic"]).fillna(False).to_numpy()
                labels[row["topic"]] = row["label"]
                polarity[row["topic"]] = "unknown"
                source[row["topic"]] = "discovered"

    full = matches.reindex(data.index, fill_value=False).astype(bool)
    impact = theme_impact(data, full, score=score, comment=comment, labels=labels,
                          polarity=polarity, source=source, sentiment=sent["sentiment"])
    quotes = verbatims(data, full, comment=comment, score=score, k=n_verbatims,
                       polarity=polarity, labels=labels, language=language,
                       sentiment=sent["sentiment"], vectors=(matrix, present.index))
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


# --------------------------------------------------------------------------- narrative
def summarize(table: pd.DataFrame, *, top: int = 2) -> str:
    """Plain-language summary of a :func:`theme_impact` table.

    Example: "Billing errors are mentioned by 31% of detractors who left a comment;
    turning those detractors into passives would add 4.2 points to the NPS. Slow
    support: 22% of commenting detractors, 3.1 points. Most often praised by promoters:
    friendly staff (28% of promoters who left a comment)."
    """
    if table is None or table.empty or int(table["mentions"].sum()) == 0:
        return "No comment mentions any theme."
    complaints = table[(table["polarity"] != "positive") & (table["detractors"] > 0)]
    complaints = complaints.sort_values(["gain", "mentions"], ascending=False).head(max(1, top))
    sentences = []
    for i, row in enumerate(complaints.itertuples()):
        if i == 0:
            sentences.append(
                f"{row.label} {'is' if _singular(row.label) else 'are'} mentioned by "
                f"{row.share_detractors:.0f}% of detractors who left a comment; turning those "
                f"detractors into passives would add {row.gain:.1f} points to the NPS.")
        else:
            sentences.append(f"{row.label}: {row.share_detractors:.0f}% of commenting "
                             f"detractors, {row.gain:.1f} points.")
    praise = table[(table["polarity"] == "positive") & (table["promoters"] > 0)]
    if not praise.empty:
        best = praise.sort_values("share_promoters", ascending=False).iloc[0]
        sentences.append(f"Most often praised by promoters: {best['label'][:1].lower()}"
                         f"{best['label'][1:]} ({best['share_promoters']:.0f}% of promoters "
                         f"who left a comment).")
    if not sentences:
        return "No detractor comment mentions a theme."
    return " ".join(sentences)


def _singular(label: str) -> bool:
    """Whether a theme label reads as singular ("Price is", "Billing errors are")."""
    head = label.split(" and ")[0].split()[-1].lower() if label.split() else ""
    return not (head.endswith("s") and not head.endswith("ss"))
