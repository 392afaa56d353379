"""Long comments shortened, visibly, where they reach a report or a close-the-loop list.

A comment of 100 MB copied into every report (and silently cut at 32,767 characters by a
spreadsheet) helps nobody: a comment longer than the limit keeps its first characters,
cut at a word, and ends with :data:`MARK`, so a reader knows there is more in the data.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["COMMENT_MAX_CHARS", "MARK", "truncate", "truncate_comments"]

#: Characters of a comment shown in a report or a list (``comment_max_chars`` in a build
#: file). A long complaint is a few hundred.
COMMENT_MAX_CHARS = 2_000
#: What ends a shortened comment.
MARK = " … (truncated)"


def truncate(text, limit: int = COMMENT_MAX_CHARS):
    """``text`` of at most ``limit`` characters: unchanged when it fits, else its start (cut
    at a space in its last tenth or 16 characters, when there is one) and :data:`MARK`.
    A missing value is returned as it is.

    Examples
    --------
    >>> truncate("short")
    'short'
    >>> truncate("word " * 10, limit=30)
    'word word word … (truncated)'
    >>> len(truncate("x" * 5000, limit=100))
    100
    """
    if not isinstance(text, str) or len(text) <= limit:
        return text
    keep = max(limit - len(MARK), 1)
    head = text[:keep]
    space = head.rfind(" ", max(keep - max(keep // 10, 16), 0))
    if space > 0:
        head = head[:space]
    return head.rstrip() + MARK


def truncate_comments(values: pd.Series, limit: int = COMMENT_MAX_CHARS) -> pd.Series:
    """:func:`truncate` on every text of ``values`` (only the long ones are touched).

    Examples
    --------
    >>> truncate_comments(pd.Series(["ok", "y" * 50], dtype="string"), limit=20).tolist()
    ['ok', 'yyyyyy … (truncated)']
    """
    lengths = values.str.len()
    long = (lengths > limit).fillna(False).to_numpy(dtype=bool)
    if not long.any():
        return values
    out = values.copy()
    out[long] = [truncate(v, limit) for v in values[long]]
    return out
