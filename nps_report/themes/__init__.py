"""Comment themes: a taxonomy plus discovered topics, sentiment, theme impact on NPS, verbatims.

One module per step, each importing only the ones before it:

==============  ===================================================================
``text``        the non-blank comments, normalised once per distinct text; TF-IDF
``taxonomy``    read and validate a theme file; match its themes in comments
``language``    shipped stop-word lists; detect each comment's language
``vader``       VADER sentiment of the English comments
``topics``      topics discovered among comments (TF-IDF + NMF)
``impact``      how much each theme weighs on the NPS
``quotes``      representative, redacted verbatims per theme
``analysis``    all of the above for one group's comments (:func:`analyze_comments`)
``narrative``   a plain-language summary of an impact table
==============  ===================================================================

The names below are the package's public API; import them from here
(``from nps_report import themes; themes.analyze_comments(...)``).
"""

from __future__ import annotations

from .analysis import CommentAnalysis, analyze_comments
from .impact import IMPACT_COLUMNS, theme_impact
from .language import LANGUAGES, detect_language, load_stop_words
from .narrative import summarize
from .quotes import VERBATIM_COLUMNS, verbatims
from .taxonomy import POLARITIES, Taxonomy, Theme, load_taxonomy, match_themes, parse_taxonomy
from .topics import DiscoveredTopics, discover_topics
from .vader import sentiment

__all__ = [
    "IMPACT_COLUMNS",
    "LANGUAGES",
    "POLARITIES",
    "VERBATIM_COLUMNS",
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
