"""Comment themes: a taxonomy plus discovered topics, sentiment, theme impact on NPS, verbatims.

One module per step, each importing only the ones before it:

==============  ===================================================================
``text``        the non-blank comments, normalised once per distinct text; TF-IDF
``taxonomy``    read and validate a theme file; match its themes in comments
``language``    shipped stop-word lists; detect each comment's language
``vader``       VADER sentiment of the English comments
``topics``      topics among comments (TF-IDF + NMF), for exploring in a notebook
``distinctive`` topics from the phrases that set detractors' comments apart (log-odds)
``impact``      pain points and strengths: tests, NPS differences, scenarios
``quotes``      representative, redacted verbatims per theme
``analysis``    all of the above for one group's comments (:func:`analyze_comments`)
``narrative``   a plain-language summary of an impact table
==============  ===================================================================

The names below are the package's public API; import them from here
(``from nps_report import themes; themes.analyze_comments(...)``).
"""

from __future__ import annotations

from .analysis import CommentAnalysis, analyze_comments
from .distinctive import DetractorTopics, detractor_topics
from .impact import IMPACT_COLUMNS, VERDICTS, theme_impact, theme_verdicts, union_scenario
from .language import LANGUAGES, detect_language, load_stop_words
from .narrative import NO_PAIN_POINT, summarize
from .quotes import VERBATIM_COLUMNS, verbatims
from .taxonomy import POLARITIES, Taxonomy, Theme, load_taxonomy, match_themes, parse_taxonomy
from .topics import DiscoveredTopics, discover_topics
from .vader import sentiment

__all__ = [
    "IMPACT_COLUMNS",
    "LANGUAGES",
    "NO_PAIN_POINT",
    "POLARITIES",
    "VERBATIM_COLUMNS",
    "VERDICTS",
    "CommentAnalysis",
    "DetractorTopics",
    "DiscoveredTopics",
    "Taxonomy",
    "Theme",
    "analyze_comments",
    "detect_language",
    "detractor_topics",
    "discover_topics",
    "load_stop_words",
    "load_taxonomy",
    "match_themes",
    "parse_taxonomy",
    "sentiment",
    "summarize",
    "theme_impact",
    "theme_verdicts",
    "union_scenario",
    "verbatims",
]
