"""Decode a text file the way it was written: line by line when its lines disagree.

Real exports are not always in one encoding. A UTF-8 file may hold two bad bytes; a
file may have half its rows in UTF-8 and half in latin-1 (appended by another tool);
a latin-1 file may hold bytes of a DOS code page (0x82 for ``é`` in cp850). Decoding
the whole file in one fallback encoding garbles every accent of the UTF-8 rows
(``â\\x80\\x9c``) and splits a team ``Café`` into ``Café`` and ``CafÃ©``.

So: a file that is valid UTF-8 is UTF-8. Otherwise each line is decoded on its own:
a line that is UTF-8 stays UTF-8; a line that holds UTF-8 characters and a few
undecodable bytes stays UTF-8 with those bytes replaced (U+FFFD) and counted; any
other line is decoded in the single-byte code page (cp1252, latin-1 or DOS cp850)
under which its accented characters read as words. Then, whatever the encoding,
C1 control characters (U+0080-U+009F, printed as boxes) are repaired through the
code page they came from, UTF-8 decoded twice (mojibake such as ``Ã©``) is repaired
with ``ftfy``, and text is put in Unicode NFC form. Every repair is counted, with
examples, in a :class:`Decoding`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import ftfy

__all__ = ["Decoding", "decode_file_text", "plausibility"]

# Single-byte code pages a non-UTF-8 line may be in, in order of preference on a tie.
_LATIN_DOS = "latin-1 with DOS cp850 bytes"
_LEGACY = ("cp1252", "latin-1", _LATIN_DOS, "cp850")
_C1 = re.compile("[\x80-\x9f]")
_C1_BYTES = re.compile(b"[\x80-\x9f]")
_UTF8_SEQUENCE = re.compile(b"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_UTF8_TEXT = re.compile("[^\x00-\x7f\ufffd]")  # a character only a valid UTF-8 sequence gives
# A UTF-8 lead byte read as latin-1/cp1252, then a continuation byte read so: mojibake.
_MOJIBAKE = re.compile("[\xc2-\xf4][\x80-\xbf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
                       "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039"
                       "\u203a\u20ac\u2122]")
_EXAMPLES = 2


@dataclass
class Decoding:
    """How a file's bytes were decoded and what was repaired.

    Attributes
    ----------
    encoding : str
        The encoding of most lines (a codec name: ``utf-8``, ``latin-1`` ...).
    lines : int
        Physical lines in the file.
    replaced_bytes : int
        Undecodable bytes replaced with U+FFFD in otherwise UTF-8 lines.
    replaced_lines : int
        Lines holding such bytes.
    other_encoding : dict
        Encoding -> lines decoded in it rather than in :attr:`encoding`.
    c1_lines : int
        Lines whose C1 control characters were repaired through a code page.
    mojibake_lines : int
        Lines in which UTF-8 decoded as a single-byte code page was repaired.
    normalized_lines : int
        Lines put in Unicode NFC form (a decomposed ``é`` composed).
    examples : list of tuple
        ``(line, what, before, after)``: at most two per kind of repair.
    """

    encoding: str
    lines: int = 0
    replaced_bytes: int = 0
    replaced_lines: int = 0
    other_encoding: dict = field(default_factory=dict)
    c1_lines: int = 0
    mojibake_lines: int = 0
    normalized_lines: int = 0
    examples: list = field(default_factory=list)
    repaired: set = field(default_factory=set, repr=False)

    @property
    def repaired_lines(self) -> int:
        """Lines whose text differs from a one-encoding decoding: replaced bytes, another
        encoding, C1 characters or mojibake repaired (NFC alone is not counted)."""
        return len(self.repaired)

    def notes(self) -> list[str]:
        """Sentences for a person, with two examples per kind of repair.

        Examples
        --------
        >>> decoding = decode_file_text("team\\nCaf\\u00e9\\n".encode() + b"Caf\\xe9\\n")[1]
        >>> decoding.notes()[0]
        '1 line not in utf-8 decoded as latin-1 (line 3: "Caf\ufffd" -> "Café")'
        """
        out = []

        def shown(kind):
            items = [e for e in self.examples if e[1] == kind][:_EXAMPLES]
            return "; ".join(f'line {n}: "{before}" -> "{after}"' for n, _, before, after in items)

        for encoding, n in self.other_encoding.items():
            out.append(f"{n:,} line{'s' if n != 1 else ''} not in {self.encoding} decoded as {encoding} "
                       f"({shown('encoding ' + encoding)})")
        if self.replaced_bytes:
            out.append(f"{self.replaced_bytes:,} undecodable byte{'s' if self.replaced_bytes != 1 else ''} "
                       f"in {self.replaced_lines:,} line(s) replaced with \ufffd ({shown('replaced')})")
        if self.c1_lines:
            out.append(f"{self.c1_lines:,} line(s) with control characters from a Windows or DOS code page "
                       f"repaired ({shown('c1')})")
        if self.mojibake_lines:
            out.append(f"{self.mojibake_lines:,} line(s) of UTF-8 text decoded twice (mojibake) repaired "
                       f"({shown('mojibake')})")
        if self.normalized_lines:
            out.append(f"{self.normalized_lines:,} line(s) put in Unicode NFC form (accents written as "
                       "two characters composed, so that equal names are equal)")
        return out

    def _example(self, line: int, kind: str, before: str, after: str) -> None:
        if kind != "nfc":
            self.repaired.add(line)
        if sum(e[1] == kind for e in self.examples) < _EXAMPLES:
            self.examples.append((line, kind, *_excerpt(before, after)))


def plausibility(text: str) -> float:
    """How much the non-ASCII characters of ``text`` look like written language.

    Accented letters inside words, apostrophes after a letter, opening quotes before
    a word, closing quotes after one, dashes between spaces score; control
    characters, box-drawing characters and capitals inside lower-case words lose.
    Used to choose the code page of a line that is not UTF-8.

    Examples
    --------
    >>> plausibility("préféré") > plausibility("pr‚f‚r‚")
    True
    >>> plausibility("I don’t like “this”") > plausibility("I donÆt like ôthisö")
    True
    """
    score = 0.0
    for i, ch in enumerate(text):
        if ch < "\x80":
            continue
        left = text[i - 1] if i else " "
        right = text[i + 1] if i + 1 < len(text) else " "
        category = unicodedata.category(ch)
        if category[0] == "C" or "\u2500" <= ch <= "\u25ff":
            score -= 2
        elif ch.isalpha():
            letters = [c for c in (left, right) if c.isalpha()]
            if not letters:
                score += 0.5
            elif ch.isupper() and all(c.islower() for c in letters):
                score += 0
            else:
                score += 1
        elif ch in "’":
            score += 1 if left.isalpha() else 0
        elif ch in "‘“„‚«":
            score += 1 if not left.isalnum() and (right.isalnum() or right in "'\"") else -0.5
        elif ch in "”»":
            score += 1 if not left.isspace() and not right.isalnum() else -0.5
        elif ch in "–—":
            score += 1 if left.isspace() or right.isspace() or left.isdigit() else 0
        elif ch in "…€£¿¡":
            score += 0.5
    return score


def _c1_variants(text: str) -> dict:
    """``text`` with its C1 characters read through cp1252 and through DOS cp850."""
    out = {}
    for codepage in ("cp1252", "cp850"):
        out[codepage] = _C1.sub(lambda m: _byte(m.group(), codepage), text)
    return out


def _byte(ch: str, codepage: str) -> str:
    try:
        return bytes([ord(ch)]).decode(codepage)
    except UnicodeDecodeError:  # 0x81, 0x8D ... are undefined in cp1252
        return ch


def _legacy_line(raw: bytes) -> tuple[str, str]:
    """A non-UTF-8 line holding C1 bytes (0x80-0x9F) decoded in the code page that reads
    best: cp1252 punctuation, DOS cp850 letters, or latin-1 letters with DOS bytes among
    them (0xE9 and 0x82 both for "é"); and the name of that reading."""
    latin = raw.decode("latin-1")
    variants = _c1_variants(latin)
    candidates = {"cp1252": variants["cp1252"], _LATIN_DOS: variants["cp850"], "cp850": raw.decode("cp850")}
    best = max(candidates, key=lambda k: (plausibility(candidates[k]), -_LEGACY.index(k)))
    return candidates[best], best


def _plain_codepage(raws: list) -> str:
    """latin-1 or DOS cp850 for lines without C1 bytes, decided once on a sample of them."""
    sample = b"\n".join(raws[:2000])
    scores = {codepage: plausibility(sample.decode(codepage)) for codepage in ("latin-1", "cp850")}
    return "cp850" if scores["cp850"] > scores["latin-1"] else "latin-1"


def decode_file_text(data: bytes, encoding: str | None = None) -> tuple[str, Decoding]:
    """Decode ``data`` (a whole text file) and repair what single-encoding decoding breaks.

    Parameters
    ----------
    data : bytes
        The file's bytes, any byte-order mark included.
    encoding : str, optional
        A codec to decode the whole file with (then only C1, mojibake and NFC are
        repaired); default: UTF-8 where it decodes, line by line where it does not.

    Returns
    -------
    (text, Decoding)
        The text (no byte-order mark) and what was done.

    Raises
    ------
    UnicodeDecodeError, LookupError
        When ``encoding`` is given and does not decode the bytes or is unknown.

    Examples
    --------
    >>> text, how = decode_file_text("team\\nCafé\\n".encode() + "Café\\n".encode("latin-1"))
    >>> text.splitlines(), how.encoding, how.other_encoding
    (['team', 'Café', 'Café'], 'utf-8', {'latin-1': 1})
    """
    if encoding is not None:
        text = data.decode(encoding)
        how = Decoding(encoding)
    else:
        try:
            text = data.decode("utf-8")
            how = Decoding("utf-8")
        except UnicodeDecodeError:
            if not _UTF8_SEQUENCE.search(data) and not _C1_BYTES.search(data):
                # one single-byte code page throughout: decoded at once (a large file stays fast)
                codepage = _plain_codepage(data[:400_000].split(b"\n"))
                text, how = data.decode(codepage), Decoding(codepage)
            else:
                lines, how = _per_line(data)
                text = "\n".join(lines)
    text = text[1:] if text.startswith("\ufeff") else text
    how.lines = text.count("\n") + bool(text and not text.endswith("\n"))
    return _repair(text, how), how


def _per_line(data: bytes) -> tuple[list, Decoding]:
    """Decode each line on its own (the file as a whole is not UTF-8)."""
    raws = data.split(b"\n")
    lines, kinds = [], []
    replaced, c1, plain = {}, {}, []
    for number, raw in enumerate(raws, start=1):
        if raw.isascii():
            lines.append(raw.decode("ascii"))
            kinds.append(None)
            continue
        try:
            lines.append(raw.decode("utf-8"))
            kinds.append("utf-8")
            continue
        except UnicodeDecodeError:
            pass
        lenient = raw.decode("utf-8", errors="replace")
        if _UTF8_TEXT.search(lenient):
            # UTF-8 characters and a few bad bytes: a UTF-8 line with damage
            lines.append(lenient)
            kinds.append("utf-8")
            replaced[number] = (raw, lenient.count("\ufffd"))
            continue
        if _C1_BYTES.search(raw):
            text, codepage = _legacy_line(raw)
            c1[number] = raw
        else:
            plain.append(number)
            text, codepage = "", "plain"
        lines.append(text)
        kinds.append(codepage)
    if plain:
        # Lines without C1 bytes: one decision for all of them (one file, one code page).
        codepage = _plain_codepage([raws[n - 1] for n in plain])
        for n in plain:
            lines[n - 1] = raws[n - 1].decode(codepage)
            kinds[n - 1] = codepage
    if "cp1252" in kinds:
        # A line without C1 bytes reads the same in latin-1 and cp1252: one encoding.
        kinds = ["cp1252" if k == "latin-1" and (n + 1) not in c1 else k for n, k in enumerate(kinds)]
    used = [k for k in kinds if k]
    main = max(set(used), key=lambda k: (used.count(k), k == "utf-8")) if used else "utf-8"
    how = Decoding("latin-1" if main == _LATIN_DOS else main)
    for number, (raw, bad) in replaced.items():
        how.replaced_bytes += bad
        how.replaced_lines += 1
        how._example(number, "replaced", raw.decode("latin-1"), lines[number - 1])
    for number, raw in c1.items():
        how.c1_lines += 1
        how._example(number, "c1", raw.decode("latin-1"), lines[number - 1])
    for number, (kind, raw) in enumerate(zip(kinds, raws), start=1):
        if kind and kind != main and not (kind == _LATIN_DOS and how.encoding == "latin-1"):
            how.other_encoding[kind] = how.other_encoding.get(kind, 0) + 1
            how._example(number, "encoding " + kind, raw.decode(how.encoding, errors="replace"),
                         lines[number - 1])
    return lines, how


def _repair(text: str, how: Decoding) -> str:
    """C1 characters, mojibake and NFC, line by line (only lines that need it)."""
    if text.isascii():  # none of the three can occur: no scan of a large file by regex
        return text
    mojibake = bool(_MOJIBAKE.search(text))
    c1 = bool(_C1.search(text))
    nfc = not unicodedata.is_normalized("NFC", text)
    if not (mojibake or c1 or nfc):
        return text
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.isascii():
            continue
        before = line
        if mojibake and _MOJIBAKE.search(line):
            fixed = ftfy.fix_encoding(line)
            # Repairing mojibake shortens the text (two or three characters become one);
            # ftfy's other changes (C1 through cp1252 only) are left to the step below.
            if len(fixed) < len(line):
                how.mojibake_lines += 1
                how._example(i + 1, "mojibake", line, fixed)
                line = fixed
        if c1 and _C1.search(line):
            variants = _c1_variants(line)
            best = max(variants, key=lambda k: (plausibility(variants[k]), k == "cp1252"))
            if variants[best] != line:
                how.c1_lines += 1
                how._example(i + 1, "c1", line, variants[best])
                line = variants[best]
        if nfc and not unicodedata.is_normalized("NFC", line):
            normalized = unicodedata.normalize("NFC", line)
            how.normalized_lines += 1
            how._example(i + 1, "nfc", line, normalized)
            line = normalized
        if line != before:
            lines[i] = line
    return "\n".join(lines)


def _excerpt(before: str, after: str, width: int = 50) -> tuple[str, str]:
    """The part of ``before`` and ``after`` around their first difference, control
    characters shown as escapes."""
    start = next((i for i, (a, b) in enumerate(zip(before, after)) if a != b), 0)
    start = max(0, start - width // 3)

    def cut(text):
        piece = text[start:start + width].rstrip("\r")
        shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in piece)
        return ("…" if start else "") + shown + ("…" if len(text) > start + width else "")

    return cut(before), cut(after)
