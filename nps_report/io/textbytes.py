"""Checks on the UTF-8 bytes of an arrow text column, end to end, without a pass per cell.

Loading asks of every used column whether any cell needs a rewrite (white space at
either end, control characters, runs of white space in a name, non-ASCII text to put in
NFC form). Most columns need none, and one numpy pass over the column's bytes answers
for all of its cells at once, where a regular expression is matched cell by cell.

In UTF-8 a byte below 0x80 is always a whole ASCII character (the bytes of a longer
character are all 0x80 or above), so an ASCII character is found by its byte. A check
that cannot be answered from ASCII bytes alone says so (``None``) and the caller matches
the cells as before. The bytes of a missing cell may be anything (the arrow format leaves
them undefined): a check may then answer "maybe" for nothing, never "no" wrongly.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

__all__ = ["any_byte", "byte_lengths", "has_non_ascii", "maybe_untrimmed", "value_bytes"]

#: Bytes that are printable ASCII and not white space: a cell that starts and ends with
#: one of them has nothing for ``utf8_trim_whitespace`` to remove.
_SOLID = np.zeros(256, dtype=bool)
_SOLID[0x21:0x7F] = True


def _offsets(array: pa.Array) -> np.ndarray:
    width = np.int64 if pa.types.is_large_string(array.type) else np.int32
    buffer = array.buffers()[1]
    return np.frombuffer(buffer, dtype=width, count=array.offset + len(array) + 1)[array.offset:]


def _data(array: pa.Array) -> np.ndarray:
    buffer = array.buffers()[2]
    return np.zeros(0, dtype=np.uint8) if buffer is None else np.frombuffer(buffer, dtype=np.uint8)


def value_bytes(array: pa.Array) -> np.ndarray:
    """The bytes of the cells of a (large) string array, end to end (a view, no copy).

    Examples
    --------
    >>> bytes(value_bytes(pa.array(["ab", None, "", "é"]).slice(0, 4)))
    b'ab\\xc3\\xa9'
    """
    if len(array) == 0:
        return np.zeros(0, dtype=np.uint8)
    offsets = _offsets(array)
    return _data(array)[offsets[0]:offsets[-1]]


def byte_lengths(array: pa.Array) -> np.ndarray:
    """Each cell's length in bytes (from the offsets; a missing cell's may be anything).
    In an array without non-ASCII text (:func:`has_non_ascii`) it is the length in characters.

    Examples
    --------
    >>> byte_lengths(pa.array(["ab", "", "é"])).tolist()
    [2, 0, 2]
    """
    if len(array) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.diff(_offsets(array)).astype(np.int64)


def any_byte(array: pa.Array, values) -> bool:
    """Whether a byte of any cell is one of ``values`` (ints below 0x80: ASCII characters).

    Examples
    --------
    >>> any_byte(pa.array(["a b", "c"]), [0x09, 0x0A]), any_byte(pa.array(["a\\tb"]), [0x09])
    (False, True)
    """
    table = np.zeros(256, dtype=bool)
    table[list(values)] = True
    return bool(table[value_bytes(array)].any())


def has_non_ascii(array: pa.Array) -> bool:
    """Whether any cell holds a character beyond ASCII (a byte of 0x80 or more).

    Examples
    --------
    >>> has_non_ascii(pa.array(["abc", None])), has_non_ascii(pa.array(["café"]))
    (False, True)
    """
    data = value_bytes(array)
    return bool(len(data)) and int(data.max()) >= 0x80


def maybe_untrimmed(array: pa.Array) -> bool:
    """False when no cell starts or ends with white space: every non-empty cell starts
    and ends with printable, non-space ASCII. True means "perhaps" (a cell starts or ends
    with white space, a control or a non-ASCII character, which may be Unicode white space).

    Examples
    --------
    >>> maybe_untrimmed(pa.array(["a", "", None, "b c"])), maybe_untrimmed(pa.array(["a "]))
    (False, True)
    >>> maybe_untrimmed(pa.array(["\\u00a0a"]))  # a no-break space, or any non-ASCII start
    True
    """
    if len(array) == 0:
        return False
    offsets = _offsets(array)
    starts, ends = offsets[:-1], offsets[1:]
    filled = ends > starts
    data = _data(array)
    return not (_SOLID[data[starts[filled]]].all() and _SOLID[data[ends[filled] - 1]].all())
