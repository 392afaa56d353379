"""Remove personal data (e-mails, phone, card and account numbers, token URLs) from comment text."""

from __future__ import annotations

import re

__all__ = ["PLACEHOLDERS", "redact"]

#: What each kind of personal data is replaced with.
PLACEHOLDERS = {
    "email": "[email]",
    "url": "[link]",
    "phone": "[phone]",
    "card": "[card number]",
    "account": "[account number]",
    "number": "[number]",
}

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_URL = re.compile(r"(?:\bhttps?://|\bwww\.)[^\s<>\"'()\[\]]+", re.IGNORECASE)
# A URL is personal when it carries a query string, a fragment, or a token-like path part.
_URL_TOKEN = re.compile(r"[?#]|/(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[\w-]{16,}|/\d{6,}")
# IBAN: country code, check digits, then 11-30 letters/digits, often in groups of four.
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")
# An account-like reference introduced by a keyword ("account no. 00123456", "IBAN: ...").
_ACCOUNT = re.compile(
    r"\b(?P<key>(?:account|acct|a/c|customer|client|contract|member|membership|policy|"
    r"reference|ref|compte|konto|kundennummer|cuenta|contrato|iban|sort code)"
    r"(?:\s*(?:number|num|no|nr|n°|id|#|numéro|nummer|número))?\.?"
    r"(?:\s*[:#]|\s+(?:is|was|est|ist|es))?\s*)"
    r"(?P<value>[A-Z0-9/-]*\d[A-Z0-9/-]*(?:[ ][A-Z0-9/-]*\d[A-Z0-9/-]*)*)",
    re.IGNORECASE)
# A run of digits with the separators people type inside phone and card numbers.
_DIGITS = re.compile(r"(?<![\w@/.,:-])(?:\+|00)?\(?\d[\d\s().-]*\d\)?(?![\w@]|[.,:]\d)")
_DATE = re.compile(r"^(?:\d{4}[-.]\d{1,2}[-.]\d{1,2}|\d{1,2}[-.]\d{1,2}[-.]\d{2,4})$")
_YEAR_RANGE = re.compile(r"^(?:19|20)\d{2}\s*-\s*(?:19|20)\d{2}$")
_CURRENCY_BEFORE = re.compile(r"(?:[$€£¥]|\b(?:USD|EUR|GBP|CHF|CAD|AUD))\s*$", re.IGNORECASE)
_CURRENCY_AFTER = re.compile(r"^\s*(?:[$€£¥]|(?:USD|EUR|GBP|CHF|CAD|AUD|euros?|dollars?|"
                             r"pounds?|francs?)\b)", re.IGNORECASE)


def redact(text) -> str:
    """Replace personal data in ``text`` with placeholders such as ``[email]``.

    Parameters
    ----------
    text : str
        A free-text comment. ``None`` and missing values give ``""``.

    Returns
    -------
    str
        The text with these replaced (see :data:`PLACEHOLDERS`):

        - e-mail addresses -> ``[email]``;
        - URLs carrying a query string, fragment or token-like path part (a reset
          link, a tracking link) -> ``[link]``; a plain address such as
          ``https://example.com/pricing`` stays;
        - IBANs and numbers introduced by a keyword such as "account no.",
          "customer ID", "contract", "IBAN" -> ``[account number]``;
        - phone numbers, national or international (``+44 20 7946 0958``,
          ``(020) 7946 0958``, ``06 12 34 56 78``) -> ``[phone]``;
        - card numbers (13-19 digits, with or without spaces or dashes) ->
          ``[card number]``; other runs of 8 or more digits -> ``[number]``.

    Notes
    -----
    Ordinary text is left alone: numbers with fewer than 8 digits ("3 days",
    "45 minutes", "$49", "order 12345"), dates (``2026-07-01``, ``01.07.2026``,
    ``12/03/2026``), year ranges (``2024-2025``), decimals and amounts next to a
    currency sign or word (``1 250 000 EUR``). A number counts as a phone number
    when it starts with ``+``, ``00`` or a bracket, or when it has 9-12 digits
    written in groups; an unbroken run of 9-12 digits is ``[number]``.

    Examples
    --------
    >>> redact("Call me on +44 20 7946 0958 or mail jane@example.org, it took 3 days")
    'Call me on [phone] or mail [email], it took 3 days'
    """
    if text is None or (not isinstance(text, str) and text != text):
        return ""
    text = str(text)
    text = _EMAIL.sub(PLACEHOLDERS["email"], text)
    text = _URL.sub(_url, text)
    text = _IBAN.sub(PLACEHOLDERS["account"], text)
    text = _ACCOUNT.sub(_account, text)
    return _DIGITS.sub(_digits, text)


def _url(match: re.Match) -> str:
    url = match.group(0)
    trail = ""
    while url and url[-1] in ".,;:!?":  # sentence punctuation after a link is not part of it
        url, trail = url[:-1], url[-1] + trail
    if _URL_TOKEN.search(url):
        return PLACEHOLDERS["url"] + trail
    return url + trail


def _account(match: re.Match) -> str:
    # Only an identifier with enough digits is personal: "contract 2026" stays.
    if sum(ch.isdigit() for ch in match.group("value")) < 5:
        return match.group(0)
    return match.group("key") + PLACEHOLDERS["account"]


def _digits(match: re.Match) -> str:
    token, trail = match.group(0), ""
    if token.endswith(")") and token.count(")") > token.count("("):
        token, trail = token[:-1], ")"  # the bracket closes the sentence, not the number
    digits = sum(ch.isdigit() for ch in token)
    before = match.string[:match.start()]
    after = match.string[match.end():]
    if digits < 8 or _DATE.match(token) or _YEAR_RANGE.match(token):
        return match.group(0)
    if _CURRENCY_BEFORE.search(before) or _CURRENCY_AFTER.match(after):
        return match.group(0)
    grouped = bool(re.search(r"[\s().-]", token))
    international = token.startswith(("+", "00", "("))
    if international and digits <= 15:
        kind = "phone"
    elif 13 <= digits <= 19:
        kind = "card"
    elif grouped and 9 <= digits <= 12:
        kind = "phone"
    else:
        kind = "number"
    return PLACEHOLDERS[kind] + trail
