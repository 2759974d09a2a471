"""Codes that differ from a known one only in case or in look-alike letters.

A country code or maker typed as 'Cn', or as 'СN' with a Cyrillic 'С' (pasted from a
document in another alphabet), matches no plant, market or program, so a row keyed to it
would never apply, silently. :func:`folded` maps such a code to the same text as the code
it imitates, and :func:`difference` says what differs, for the message.
"""

from __future__ import annotations

import unicodedata

__all__ = ["difference", "folded", "latin"]

# Cyrillic and Greek letters drawn like Latin ones (the common homoglyphs of Unicode's
# confusables list); NFKC already maps fullwidth letters ('ＣＮ') to Latin.
_LATIN_LOOKALIKES = str.maketrans({
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S", "Ү": "Y", "З": "3",
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i",
    "ј": "j", "ѕ": "s", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ο": "o", "ν": "v",
    "ι": "i", "κ": "k", "ρ": "p", "τ": "t", "υ": "u", "χ": "x",
})


def latin(text: str) -> str:
    """``text`` with its look-alike letters made Latin (NFKC, then the Cyrillic and Greek
    twins); case is kept, and a plain Latin code is returned unchanged.

    Examples
    --------
    >>> latin("\u0421N"), latin("\uff23\uff2e"), latin("Cn")
    ('CN', 'CN', 'Cn')
    """
    return unicodedata.normalize("NFKC", text).translate(_LATIN_LOOKALIKES)


def folded(text: str) -> str:
    """``text`` without the differences a reader does not see: case and look-alike letters.

    Examples
    --------
    >>> folded("Cn") == folded("CN") == folded("\\u0421N") == folded("\\uff23\\uff2e")
    True
    >>> folded("KR") == folded("CN")
    False
    """
    return latin(text).casefold()


def difference(found: str) -> str:
    """Why ``found`` does not match the code it imitates, as a message clause.

    Examples
    --------
    >>> difference("Cn")
    'they differ in case'
    >>> difference("\\u0421N").split(" (")[1]
    'U+0421 CYRILLIC CAPITAL LETTER ES)'
    """
    foreign = sorted({char for char in found if not char.isascii()})
    if not foreign:
        return "they differ in case"
    named = ", ".join(f"U+{ord(char):04X} {unicodedata.name(char, 'UNNAMED')}"
                      for char in foreign)
    if len(foreign) == 1:
        return f"'{found}' has a letter from another alphabet that looks like a Latin one ({named})"
    return f"'{found}' has letters from another alphabet that look like Latin ones ({named})"
