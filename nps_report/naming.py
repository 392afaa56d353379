"""Names are data: team and department names made safe to show and to use as folder names.

A name from a survey export may hold anything: braces (``{quarter}``), control and bidi
characters (a right-to-left override that makes ``exe.txt`` look like ``txt.exe``), a
decomposed accent, 150 CJK characters. This module turns such names into

- clean names (:func:`clean_name`): Unicode NFC, no control or bidi-control characters;
- look-alike keys (:func:`lookalike_key`): the same for names a reader cannot tell apart
  (``Café`` and ``café``, a full-width ``Ｓupport``);
- folder names (:func:`folder_names`): a readable slug, at most :data:`FOLDER_BYTES` bytes
  of UTF-8, distinct for distinct names even on a case-insensitive file system;
- paths no formatter can change (:func:`format_proof`).
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path

__all__ = ["FOLDER_BYTES", "MAX_COMPONENT_BYTES", "MAX_PATH_BYTES", "check_path_length", "clean_name",
           "folder_names", "format_proof", "lookalike_key", "lookalikes", "slug", "team_in_department",
           "truncate_bytes"]

#: The longest file or folder name most file systems accept (ext4, APFS, NTFS: 255).
MAX_COMPONENT_BYTES = 255
#: A folder made from a name is at most this long, so that a file named after it
#: (``<department>.pdf`` in ``packs/``, ``.partial`` while it is written) still fits.
FOLDER_BYTES = 200
#: The longest path Linux accepts (``PATH_MAX``, with its terminating NUL).
MAX_PATH_BYTES = 4095

# C0 and C1 controls, and the characters that reorder text when shown (bidi embeddings,
# overrides and isolates, the directional marks): invisible, and they spoof a display.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Characters a file name cannot hold on some system (Windows forbids ``:*?"<>|``).
_UNSAFE = re.compile(r'[/\\:*?"<>|]+')
_SPACES = re.compile(r"\s+")
# Names Windows reserves for devices, whatever the extension.
_RESERVED = re.compile(r"^(?:con|prn|aux|nul|com[1-9]|lpt[1-9])(?:\..*)?$", re.IGNORECASE)
_HASH_LENGTHS = (8, 16, 64)


def clean_name(name) -> str:
    """A name as it should be shown: NFC, without control or bidi-control characters,
    runs of white space made one space, stripped.

    Examples
    --------
    >>> clean_name("Cafe\\u0301 \\u202eevil")
    'Café evil'
    """
    text = unicodedata.normalize("NFC", str(name))
    return _SPACES.sub(" ", _CONTROL.sub("", text)).strip()


def lookalike_key(name) -> str:
    """What two names have in common when a reader cannot tell them apart: NFKC,
    case-folded, without invisible format characters, white space collapsed.

    Examples
    --------
    >>> lookalike_key("Café") == lookalike_key("CAFE\\u0301") == lookalike_key("ｃａｆé")
    True
    """
    text = unicodedata.normalize("NFKC", clean_name(name)).casefold()
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return unicodedata.normalize("NFKC", _SPACES.sub(" ", text).strip())


def truncate_bytes(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` bytes of UTF-8, never inside a character.

    Examples
    --------
    >>> truncate_bytes("漢字漢字", 7)
    '漢字'
    """
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


def slug(name, limit: int = FOLDER_BYTES) -> str:
    """A readable file-system-safe form of ``name`` (not necessarily unique: see
    :func:`folder_names`).

    :func:`clean_name`, then path separators and characters Windows forbids become
    ``_``; leading dots and spaces, trailing dots and spaces go (no ``..``, no hidden
    folder, nothing Windows strips); a Windows device name (``CON``, ``nul.txt``) gets a
    leading ``_``; cut to ``limit`` bytes of UTF-8. Never empty (``unnamed``).

    Examples
    --------
    >>> slug("../x"), slug("a/b"), slug("  .hidden"), slug("Équipe Montréal")
    ('_x', 'a_b', 'hidden', 'Équipe Montréal')
    """
    text = _UNSAFE.sub("_", clean_name(name))
    text = re.sub(r"_+", "_", text).strip().lstrip(".").strip()
    if _RESERVED.match(text):
        text = "_" + text
    text = truncate_bytes(text, limit).rstrip(". ")
    if text in {"", "_"} or set(text) <= {".", "_"}:
        text = "unnamed"
    return text


def _hash(name, length: int) -> str:
    return hashlib.sha256(str(name).encode("utf-8", errors="surrogatepass")).hexdigest()[:length]


def folder_names(names, limit: int = FOLDER_BYTES) -> dict:
    """A distinct folder name for each distinct name: its :func:`slug`, with a short hash
    of the exact name when the slug alone would be ambiguous.

    Two folders are ambiguous when they are equal after case folding (macOS and Windows
    file systems ignore case) or when the slug dropped something (a long name cut, a
    ``/`` made ``_``): every name of such a group gets ``-<8 hex digits of SHA-256>``.
    The result depends only on the names, not their order, and holds at most ``limit``
    bytes per folder. Distinctness is checked, not assumed: a clash left (only a name
    built to look like another's hash can make one) lengthens the hash.

    Parameters
    ----------
    names : iterable of str
    limit : int
        Bytes of UTF-8 per folder name.

    Returns
    -------
    dict
        name -> folder name.

    Examples
    --------
    >>> folders = folder_names(["Support", "a/b", "a:b", "Café", "café"])
    >>> folders["Support"], folders["a/b"][:4], folders["Café"][:5]
    ('Support', 'a_b-', 'Café-')
    >>> len({f.casefold() for f in folders.values()})
    5
    """
    unique = list(dict.fromkeys(str(n) for n in names))
    if not unique:
        return {}
    bases = {n: slug(n, limit - 1 - _HASH_LENGTHS[-1]) for n in unique}
    full = {n: slug(n, limit) for n in unique}
    groups: dict = {}
    for name in unique:
        groups.setdefault(full[name].casefold(), []).append(name)
    out = {}
    for members in groups.values():
        for name in members:
            lossless = full[name] == clean_name(name) and clean_name(name) == name
            out[name] = full[name] if len(members) == 1 and lossless else None
    for length in _HASH_LENGTHS:
        for name in unique:
            if out[name] is None:
                out[name] = f"{bases[name]}-{_hash(name, length)}"
        seen: dict = {}
        for name in sorted(unique):
            seen.setdefault(out[name].casefold(), []).append(name)
        clashes = [members for members in seen.values() if len(members) > 1]
        if not clashes:
            return out
        for members in clashes:
            for name in members:
                out[name] = None
    raise ValueError("folder names still clash after a full SHA-256 suffix")  # pragma: no cover


def format_proof(path) -> str:
    """``path`` as a string that ``str.format`` gives back unchanged (braces doubled):
    for APIs that format paths with their parameters (papermill does), so that a name
    such as ``{quarter}`` is never filled in.

    Examples
    --------
    >>> p = format_proof("out/{quarter}/{{7*7}}")
    >>> p.format(quarter="2026Q3")
    'out/{quarter}/{{7*7}}'
    """
    return str(path).replace("{", "{{").replace("}", "}}")


def check_path_length(path, limit: int = MAX_PATH_BYTES) -> int:
    """Bytes of ``path`` (as the file system sees it); raise :class:`ValueError` naming it
    when it, or one of its parts, is too long to create.

    Examples
    --------
    >>> check_path_length("/tmp/report.html")
    16
    """
    data = os.fsencode(str(path))
    too_long = [part for part in Path(path).parts if len(os.fsencode(part)) > MAX_COMPONENT_BYTES]
    if too_long:
        raise ValueError(f"a part of the path {str(path)!r} is longer than {MAX_COMPONENT_BYTES} bytes: "
                         f"{too_long[0][:40]!r}...")
    if len(data) > limit:
        raise ValueError(f"the path {str(path)[:80]!r}... is {len(data):,} bytes, longer than the "
                         f"{limit:,} the file system accepts: choose a shorter output_dir or build name")
    return len(data)


def lookalikes(names) -> list:
    """Groups of distinct names that share a :func:`lookalike_key` (``Café``/``café``,
    ``Support``/``Ｓupport``), each sorted; the groups sorted.

    Examples
    --------
    >>> lookalikes(["Café", "café", "Support", "Billing"])
    [['Café', 'café']]
    """
    groups: dict = {}
    for name in dict.fromkeys(str(n) for n in names):
        groups.setdefault(lookalike_key(name), []).append(name)
    return sorted(sorted(group) for group in groups.values() if len(group) > 1)


def team_in_department(team: str, department: str, taken=frozenset()) -> str:
    """The name a team gets when its name is used by another department too:
    ``Support (Sales)``; ``Support (Sales) 2`` ... when that is already a team's name.

    Examples
    --------
    >>> team_in_department("Support", "Sales"), team_in_department("Support", "Sales", {"Support (Sales)"})
    ('Support (Sales)', 'Support (Sales) 2')
    """
    name, n = f"{team} ({department})", 1
    while name in taken:
        n += 1
        name = f"{team} ({department}) {n}"
    return name
