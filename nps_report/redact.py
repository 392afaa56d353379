"""Remove personal data (e-mails, phone, card and account numbers, token URLs) from comment text."""

from __future__ import annotations

import functools
import re

__all__ = ["PLACEHOLDERS", "compile_patterns", "iban_valid", "luhn_valid", "redact"]

#: What each kind of personal data is replaced with.
PLACEHOLDERS = {
    "email": "[email]",
    "url": "[link]",
    "phone": "[phone]",
    "card": "[card number]",
    "account": "[account number]",
    "number": "[number]",
    "custom": "[id]",
}

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_URL = re.compile(r"(?:\bhttps?://|\bwww\.)[^\s<>\"'()\[\]]+", re.IGNORECASE)
# A URL is personal when it carries a query string, a fragment, or a token-like path part.
_URL_TOKEN = re.compile(r"[?#]|/(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[\w-]{16,}|/\d{6,}")
# IBAN: country code, check digits, then 11-30 letters/digits, often in groups of four;
# in any case (an upper-case one is taken as written, any other must pass the checksum).
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b", re.IGNORECASE)
# A card number: 13-19 digits, maybe in groups, whatever is around it (a currency, a
# word glued to it); it must pass the Luhn check (see _card).
_CARD = re.compile(r"(?<!\d)\d(?:[ .-]?\d){12,18}(?!\d)(?![.,]\d)")
# An account-like reference introduced by a keyword ("account no. 00123456", "IBAN: ...").
_ACCOUNT = re.compile(
    r"\b(?P<key>(?:account|acct|a/c|customer|client|contract|member|membership|policy|"
    r"reference|ref|compte|konto|kundennummer|cuenta|contrato|iban|sort code)"
    r"(?:\s*(?:number|num|no|nr|n°|id|#|numéro|nummer|número))?\.?"
    r"(?:\s*[:#]|\s+(?:is|was|est|ist|es))?\s*)"
    r"(?P<value>[A-Z0-9/-]*\d[A-Z0-9/-]*(?:[ ][A-Z0-9/-]*\d[A-Z0-9/-]*)*)",
    re.IGNORECASE)
# A run of digits with the separators people type inside phone and card numbers; after a
# colon too ("call me:07700 900123"), but not after a digit and a colon (times, 10:30).
_DIGITS = re.compile(r"(?<![\w@/.,-])(?<!\d:)(?:\+|00)?\(?\d[\d\s().-]*\d\)?(?![\w@]|[.,:]\d)")
# A 7-digit local phone number (555-2671, 555 2671) is only taken for one after a word
# saying so: alone, 123-4567 may be a range or a reference.
_LOCAL_PHONE = re.compile(
    r"(?P<key>\b(?:call(?:ed)?|phone|tel|telephone|mobile|cell|ring|dial|text|sms|whatsapp|fax|"
    r"number|contact|reach|appelez|anrufen|llamar|llama)\b[^\d\n]{0,12}?)"
    r"(?P<value>(?<![\d.,])\d{3}[ .-]\d{4}(?![\d]|[.,]\d))", re.IGNORECASE)
_DATE = re.compile(r"^(?:\d{4}[-.]\d{1,2}[-.]\d{1,2}|\d{1,2}[-.]\d{1,2}[-.]\d{2,4})$")
_YEAR_RANGE = re.compile(r"^(?:19|20)\d{2}\s*-\s*(?:19|20)\d{2}$")
_CURRENCY_BEFORE = re.compile(r"(?:[$€£¥]|\b(?:USD|EUR|GBP|CHF|CAD|AUD))\s*$", re.IGNORECASE)
_CURRENCY_AFTER = re.compile(r"^\s*(?:[$€£¥]|(?:USD|EUR|GBP|CHF|CAD|AUD|euros?|dollars?|"
                             r"pounds?|francs?)\b)", re.IGNORECASE)


def redact(text, patterns=()) -> str:
    """Replace personal data in ``text`` with placeholders such as ``[email]``.

    Parameters
    ----------
    text : str
        A free-text comment. ``None`` and missing values give ``""``.
    patterns : sequence of str, optional
        Regular expressions of the company's own identifiers (``redact.patterns`` in a
        build file, e.g. ``CUST-\\d{6}``): each match becomes ``[id]``, before
        anything else is looked for. Checked with :func:`compile_patterns`.

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
        - card numbers (13-19 digits, with or without spaces, dots or dashes,
          passing the Luhn check), wherever they stand (``card 4111 1111 1111 1111
          EUR``, ``€ 4111 1111 1111 1111``) -> ``[card number]``; IBANs in any case,
          spaced or not (``de89370400440532013000``, checked with the IBAN checksum
          unless written in capitals) -> ``[account number]``;
        - phone numbers after a colon (``call me:07700 900123``) and 7-digit local
          numbers after a word such as "call", "phone", "number" (``call 555-2671``)
          -> ``[phone]``;
        - other runs of 8 or more digits -> ``[number]``.

    Notes
    -----
    Only these shapes are found: names, postal addresses and identifiers of other
    formats stay unless ``patterns`` lists them. Ordinary text is left alone: numbers with fewer than 8 digits ("3 days",
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
    for pattern in compile_patterns(tuple(patterns)):
        text = pattern.sub(PLACEHOLDERS["custom"], text)
    text = _EMAIL.sub(PLACEHOLDERS["email"], text)
    text = _URL.sub(_url, text)
    text = _IBAN.sub(_iban, text)
    text = _CARD.sub(_card, text)
    text = _ACCOUNT.sub(_account, text)
    text = _DIGITS.sub(_digits, text)
    return _LOCAL_PHONE.sub(lambda m: m.group("key") + PLACEHOLDERS["phone"], text)


@functools.lru_cache(maxsize=64)
def compile_patterns(patterns: tuple) -> tuple:
    """Compile the extra patterns of :func:`redact` (a tuple of strings), refusing one that
    is not a valid regular expression or matches the empty string.

    Raises
    ------
    ValueError
        Naming the pattern and what is wrong with it.

    Examples
    --------
    >>> [p.pattern for p in compile_patterns((r"CUST-\\d{6}",))]
    ['CUST-\\\\d{6}']
    >>> compile_patterns((r"CUST-(\\d",))
    Traceback (most recent call last):
    ...
    ValueError: redact pattern 'CUST-(\\\\d' is not a valid regular expression: missing ), unterminated subpattern at position 5
    """
    out = []
    for pattern in patterns:
        if not isinstance(pattern, str) or not pattern:
            raise ValueError(f"redact pattern {pattern!r} is not a regular expression (a non-empty text)")
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"redact pattern {pattern!r} is not a valid regular expression: {exc}") from None
        if compiled.fullmatch(""):
            raise ValueError(f"redact pattern {pattern!r} matches empty text: it would mark every position")
        out.append(compiled)
    return tuple(out)


def luhn_valid(digits: str) -> bool:
    """The Luhn check of card numbers (ISO/IEC 7812): doubling every second digit from the
    right, the digits' sum is a multiple of 10.

    Examples
    --------
    >>> luhn_valid("4111111111111111"), luhn_valid("4111111111111112")
    (True, False)
    """
    total = 0
    for position, char in enumerate(reversed(digits)):
        n = int(char)
        if position % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def iban_valid(text: str) -> bool:
    """The IBAN checksum (ISO 13616): the first four characters moved to the end, letters
    as 10-35, the number is 1 modulo 97.

    Examples
    --------
    >>> iban_valid("GB82 WEST 1234 5698 7654 32"), iban_valid("de89370400440532013000")
    (True, True)
    >>> iban_valid("DE89370400440532013001")
    False
    """
    compact = re.sub(r"\s", "", text).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


def _iban(match: re.Match) -> str:
    token = match.group(0)
    # Upper case as written: an IBAN (a typo in it must not let it through). Any other
    # case: only when the checksum says so ("ab12cdefghijklmno" is a word, not an IBAN).
    if token.upper() == token and token[:2].isalpha() or iban_valid(token):
        return PLACEHOLDERS["account"]
    return token


def _card(match: re.Match) -> str:
    token = match.group(0)
    digits = re.sub(r"\D", "", token)
    groups = re.split(r"[ .-]", token)
    # An amount is written in groups of three ("12 500 000 000 000 EUR"): not a card.
    amount = len(groups) > 2 and all(len(g) == 3 for g in groups[1:])
    if 13 <= len(digits) <= 19 and luhn_valid(digits) and not amount:
        return PLACEHOLDERS["card"]
    return token


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
