"""Stable action ids: the same team, rule and subject give the same id in every quarter."""

from __future__ import annotations

import hashlib
import unicodedata

import pandas as pd

__all__ = ["ID_LENGTH", "action_id", "with_action_ids"]

#: Hex digits of an action id (48 bits: a collision among a company's few thousand
#: actions has a probability of about 1e-8).
ID_LENGTH = 12
_SEPARATOR = "\x1f"  # the ASCII unit separator: never typed in a team, rule or theme name


def _key(text) -> str:
    # One spelling per name: composed accents, case folded, outer blanks trimmed.
    return unicodedata.normalize("NFC", str(text)).casefold().strip()


def action_id(team: str, rule: str, subject: str) -> str:
    """The stable id of an action: the team's, the rule's and the subject's fingerprint.

    Parameters
    ----------
    team : str
        The team the action is for, as written in the data.
    rule : str
        The rule that recommended it (``fix_pain_point``, ``fix_driver`` ...).
    subject : str
        What it is about: the theme, driver or topic of the action table's ``subject``.

    Returns
    -------
    str
        :data:`ID_LENGTH` lowercase hex digits.

    Notes
    -----
    The first 12 hex digits of :math:`\\mathrm{SHA1}(t \\,\\|\\, r \\,\\|\\, s)`, with
    :math:`t, r, s` the NFC-normalised, case-folded, trimmed names joined by the unit
    separator ``\\x1f`` (so ``("ab", "c")`` and ``("a", "bc")`` differ). Nothing else
    goes in: a new wording of the action's title keeps its id, and the action
    recommended again next quarter has the id it had in this one.

    Examples
    --------
    >>> action_id("Billing Operations", "fix_pain_point", "billing errors")
    '38541309a6d4'
    >>> action_id("Billing Operations", "fix_pain_point", "billing errors") == \\
    ...     action_id("billing operations ", "fix_pain_point", "Billing Errors")
    True
    >>> len(action_id("Support", "fix_driver", "support_speed"))
    12
    """
    text = _SEPARATOR.join(_key(part) for part in (team, rule, subject))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:ID_LENGTH]


def with_action_ids(actions: pd.DataFrame, *, team: str) -> pd.DataFrame:
    """A copy of an actions table with an ``action_id`` column (:func:`action_id` per row).

    A table with a ``team`` column (a department's gathered actions) uses each row's
    team; otherwise every row is ``team``'s.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"rule": ["fix_pain_point"], "subject": ["billing errors"]})
    >>> with_action_ids(table, team="Billing Operations")["action_id"].str.len().tolist()
    [12]
    """
    teams = actions["team"] if "team" in actions else pd.Series(team, index=actions.index)
    ids = [action_id(t, r, s) for t, r, s in zip(teams, actions["rule"], actions["subject"])]
    return actions.assign(action_id=pd.Series(ids, index=actions.index, dtype=object))
