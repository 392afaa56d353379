"""Topics that set detractors' comments apart: log-odds of words and phrases (Monroe et al. 2008)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as _sps

__all__ = ["TOPIC_COLUMNS", "DetractorTopics", "detractor_topics", "phrases", "term_log_odds"]

_WORD = re.compile(r"(?u)\b[^\W\d_]{3,}\b")  # words of 3+ letters, as text.tfidf


def phrases(text: str, stop_words, max_words: int = 3) -> list:
    """Words and 2-/3-word phrases of a normalised comment, none starting or ending on a stop word.

    Examples
    --------
    >>> phrases("waited three weeks for the engineer", {"for", "the"})
    ['waited', 'three', 'weeks', 'engineer', 'waited three', 'three weeks', 'waited three weeks']
    """
    words = _WORD.findall(text)
    out = []
    for size in range(1, max_words + 1):
        for i in range(len(words) - size + 1):
            first, last = words[i], words[i + size - 1]
            if first in stop_words or last in stop_words:
                continue
            out.append(" ".join(words[i:i + size]))
    return out


def term_log_odds(in_group, in_other, *, prior_size: float | None = None, spread: bool = False):
    """Log-odds ratio of each term between two groups, informative Dirichlet prior, as a z-score.

    Parameters
    ----------
    in_group, in_other : array-like of int
        Per term, how many comments of the group (detractors) and of the others use it.
    prior_size : float, optional
        :math:`\\alpha_0`, how many observations the prior weighs; default the total
        count (prior as strong as the data).
    spread : bool, default False
        Also return :math:`\\hat\\delta_w` and its standard error.

    Returns
    -------
    ndarray
        :math:`z_w`, large and positive for terms typical of the group; with
        ``spread``, the tuple ``(z, delta, se)``.

    Notes
    -----
    Monroe, Colaresi & Quinn (2008), "Fightin' words", Political Analysis 16(4), eq. 22:
    with the prior :math:`\\alpha_w = y_w` (the term's count over both groups, so
    :math:`\\alpha_0 = \\sum_w y_w`) and group totals :math:`n_i = \\sum_w y^i_w`,

    .. math::

        \\hat\\delta_w = \\log\\frac{y^D_w + \\alpha_w}{n_D + \\alpha_0 - y^D_w - \\alpha_w}
        - \\log\\frac{y^O_w + \\alpha_w}{n_O + \\alpha_0 - y^O_w - \\alpha_w},
        \\qquad z_w = \\hat\\delta_w \\Big/
        \\sqrt{\\frac{1}{y^D_w + \\alpha_w} + \\frac{1}{y^O_w + \\alpha_w}}

    The prior shrinks rare terms toward no difference, so a word used by two
    detractors does not outrank one used by forty.

    Examples
    --------
    >>> z = term_log_odds([30, 5, 10], [5, 30, 40])
    >>> bool(z[0] > 1.96 > z[2]), bool(z[1] < 0)
    (True, True)
    """
    yd = np.asarray(in_group, dtype="float64")
    yo = np.asarray(in_other, dtype="float64")
    total = yd + yo
    a0 = total.sum() if prior_size is None else float(prior_size)
    alpha = a0 * total / max(total.sum(), 1.0)
    nd, no = yd.sum(), yo.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        delta = np.log((yd + alpha) / (nd + a0 - yd - alpha)) - \
            np.log((yo + alpha) / (no + a0 - yo - alpha))
        se = np.sqrt(1 / (yd + alpha) + 1 / (yo + alpha))
        z = delta / se
    z = np.where(np.isfinite(z), z, 0.0)
    return (z, delta, se) if spread else z


@dataclass(frozen=True)
class DetractorTopics:
    """What :func:`detractor_topics` found.

    Attributes
    ----------
    topics : DataFrame
        One row per topic: ``topic`` (``"topic 1"``...), ``label`` (``"Discovered:
        engineer never came, missed appointment"``), ``terms`` (its phrases, most
        distinctive first), ``comments``, ``detractors`` (comments using a phrase of
        it), ``z`` (log-odds z of its first phrase).
    matches : ndarray of bool, shape (comments, topics)
        Which comments use a phrase of each topic.
    examined : ndarray of float
        One-sided Fisher p-values (detractor-heaviness) of the candidate phrases the
        search looked at and did not turn into a topic: they belong to the same
        multiple-testing family as the topics.
    left_out : dict
        Why phrases were left out: ``common`` (in more than ``max_share`` of the
        comments), ``taxonomy`` (a theme of the taxonomy covers them).
    """

    topics: pd.DataFrame
    matches: np.ndarray
    examined: np.ndarray
    left_out: dict = field(default_factory=dict)


#: Columns of :attr:`DetractorTopics.topics`.
TOPIC_COLUMNS = ["topic", "label", "terms", "comments", "detractors", "z"]


def detractor_topics(texts, detractor, *, stop_words=frozenset(), covered=None, theme_regexes=(),
                     max_share: float = 0.5, min_comments: int = 3, n_topics: int = 5,
                     min_z: float = 1.96, overlap: float = 0.5,
                     n_labels: int = 3) -> DetractorTopics:
    """Topics of the phrases that distinguish detractors' comments from the others'.

    Parameters
    ----------
    texts : list of str
        Normalised comments (:func:`nps_report.themes.text.normalise`), one per
        scored commenting respondent.
    detractor : array-like of bool
        Whether each comment's author is a detractor.
    stop_words : set of str
        No phrase starts or ends with one of them.
    covered : array-like of bool, optional
        Comments some taxonomy theme matches. A phrase used mostly (more than
        ``overlap``) in such comments is left out, as is a phrase ``theme_regexes``
        match: the taxonomy already names it.
    theme_regexes : iterable of compiled patterns
    max_share : float, default 0.5
        Phrases in more than this share of the comments are left out (the product's
        and the company's names, "service").
    min_comments : int, default 3
        A candidate phrase is used in at least this many comments.
    n_topics : int, default 5
    min_z : float, default 1.96
        A topic starts from a phrase whose log-odds z (:func:`term_log_odds`) is at
        least this.
    overlap : float, default 0.5
        A phrase whose comments lie mostly (more than this share) inside a topic's
        joins it; a new topic may share at most this share of its comments with the
        topics before it (topics are distinct from each other).
    n_labels : int, default 3
        Phrases in a label.

    Returns
    -------
    DetractorTopics

    Notes
    -----
    Each comment counts a phrase once. Candidates are ranked by the log-odds z of
    :func:`term_log_odds`; the strongest starts a topic, the phrases used mostly in
    the same comments join it ("engineer", "engineer never came"), and the next
    topic starts from the strongest phrase left that is mostly used elsewhere. The
    candidates are every phrase that passes the filters above (which do not look at
    the scores), so a report can count all of them in its multiple-testing family.

    Examples
    --------
    >>> texts = (["engineer never came to install"] * 6 + ["engineer never came"] * 2
    ...          + ["great service quick install"] * 12 + ["good service"] * 10)
    >>> found = detractor_topics(texts, [True] * 8 + [False] * 22, stop_words={"to"})
    >>> found.topics["label"].tolist()
    ['Discovered: engineer never came']
    """
    texts = list(texts)
    detractor = np.asarray(detractor, dtype=bool)
    empty = DetractorTopics(pd.DataFrame(columns=TOPIC_COLUMNS),
                            np.zeros((len(texts), 0), dtype=bool), np.array([]), {})
    if len(texts) < 2 * min_comments or detractor.sum() == 0 or detractor.all():
        return empty
    from sklearn.feature_extraction.text import CountVectorizer

    stop = frozenset(stop_words)
    vectorizer = CountVectorizer(analyzer=lambda t: phrases(t, stop), binary=True,
                                 min_df=min_comments)
    try:
        x = vectorizer.fit_transform(texts).tocsc()
    except ValueError:  # no phrase in min_comments comments
        return empty
    terms = vectorizer.get_feature_names_out()
    df = np.asarray(x.sum(axis=0)).ravel()
    common = df > max_share * len(texts)
    common_words = {t for t in terms[common] if " " not in t}
    # a phrase holding a common word ("acme order") names the product as much as the word
    common |= np.array([bool(common_words & set(t.split())) for t in terms], dtype=bool)
    by_theme = np.array([any(rx.search(t) for rx in theme_regexes) for t in terms], dtype=bool)
    if covered is not None:
        cov = np.asarray(covered, dtype=float)
        in_covered = np.asarray(x.T @ cov).ravel() / np.maximum(df, 1)
        by_theme |= in_covered > overlap
    keep = ~common & ~by_theme
    left_out = {"common": sorted(common_words), "taxonomy": int((by_theme & ~common).sum())}
    if not keep.any():
        return DetractorTopics(empty.topics, empty.matches, empty.examined, left_out)
    yd = np.asarray(x.T @ detractor.astype(float)).ravel()
    # Rates among all the phrases the comments use (before leaving any out), with a
    # prior worth one count per comment.
    z, delta, se = term_log_odds(yd, df - yd, prior_size=len(texts), spread=True)
    x, terms, df, yd, z, delta, se = (v[:, keep] if v is x else v[keep]
                                      for v in (x, terms, df, yd, z, delta, se))
    # Rank by the lower end of the log-odds ratio: a phrase used almost only by detractors
    # ("never turned up") outranks a frequent word of the survey's subject ("order") whose
    # z is large only because it is frequent.
    strength = delta - 1.96 * se
    n_d = int(detractor.sum())
    p = _sps.hypergeom.sf(yd - 1, len(texts), n_d, df)
    docs = [set(x[:, j].indices) for j in range(x.shape[1])]

    # Strongest first; among equally strong ones the longer phrase (it says more).
    n_words = np.array([t.count(" ") + 1 for t in terms])
    order = np.lexsort((-n_words, -np.round(strength, 2)))
    rows, members, taken, used = [], [], set(), np.zeros(len(terms), dtype=bool)
    for j in order:
        if len(rows) >= n_topics:
            break
        if z[j] < min_z or used[j] or len(docs[j] & taken) > overlap * len(docs[j]):
            continue
        seed = docs[j]
        group = [k for k in order if not used[k] and len(docs[k] & seed) > overlap * len(docs[k])
                 and len(docs[k] & seed) > overlap * len(seed)]  # the same comments, not a part
        used[group] = True
        comments = set().union(*(docs[k] for k in group))
        taken |= comments
        # The label: the most distinctive phrases used mostly in these comments, longer
        # phrases first ("no broadband", "engineer never came" say more than a word).
        inside = [k for k in order
                  if z[k] >= min_z and len(docs[k] & comments) > overlap * len(docs[k])]
        used[inside] = True
        label = []
        for k in sorted(inside, key=lambda k: (n_words[k] == 1, -strength[k])):
            words = set(terms[k].split())
            if not any(words & set(other.split()) for other in label):
                label.append(terms[k])
            if len(label) == n_labels:
                break
        hit = np.zeros(len(texts), dtype=bool)
        hit[list(comments)] = True
        members.append(hit)
        rows.append({"topic": f"topic {len(rows) + 1}",
                     "label": "Discovered: " + ", ".join(label),
                     "terms": ", ".join(terms[k] for k in dict.fromkeys(group + inside)),
                     "comments": int(hit.sum()), "detractors": int((hit & detractor).sum()),
                     "z": float(z[j])})
    matches = np.column_stack(members) if members else empty.matches
    return DetractorTopics(pd.DataFrame(rows, columns=TOPIC_COLUMNS), matches, p[~used], left_out)
