"""Theme taxonomies: read and validate a theme file, and match its themes in comments."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
import pandas as pd

from ..exceptions import ParamsError
from ..storage import ParsedFiles
from .text import Texts, distinct_texts, expand_rows

__all__ = ["POLARITIES", "Taxonomy", "Theme", "load_taxonomy", "match_texts", "match_themes",
           "parse_taxonomy"]

#: What a theme says about the experience.
POLARITIES = ("negative", "positive", "neutral")

_DEFAULT_TAXONOMY = "themes.yaml"


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
    """A theme taxonomy (see ``nps_report/data/themes.yaml``), in file order."""

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
        A YAML file shaped like ``nps_report/data/themes.yaml``. Default: the package's copy
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
    from ..params import load_yaml

    if path is None:
        resource = resources.files("nps_report") / "data" / _DEFAULT_TAXONOMY
        with resources.as_file(resource) as default:
            return _PARSED.get(default, lambda: parse_taxonomy(load_yaml(default, "theme file"),
                                                           path=default))
    return _PARSED.get(path, lambda: parse_taxonomy(load_yaml(path, "theme file"), path=path))


# A report reads its theme file twice and a warm kernel runs many reports; parsing and
# compiling the patterns costs ~10 ms each time.
_PARSED = ParsedFiles(limit=16)


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


def match_texts(tx: Texts, taxonomy: Taxonomy) -> np.ndarray:
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
    tx = distinct_texts(comments)
    return expand_rows(match_texts(tx, taxonomy), tx, comments.index, taxonomy.names)


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
