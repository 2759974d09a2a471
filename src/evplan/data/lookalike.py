"""Codes that differ from a known one only in case, look-alike or invisible characters.

A country code or maker typed as 'Cn', as 'СN' with a Cyrillic 'С' (pasted from a
document in another alphabet), or as 'CN' followed by an invisible zero-width space (pasted
from a web page) matches no plant, market or program, so a row keyed to it would never
apply, silently. :func:`folded` maps such a code to the same text as the code it imitates,
and :func:`difference` says what differs, for the message.
"""

from __future__ import annotations

import unicodedata

__all__ = ["difference", "folded", "hidden", "latin", "shown"]

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


def _invisible(char: str) -> bool:
    """True for a format character a reader cannot see: a zero-width space or joiner, a
    byte-order mark, a soft hyphen, a direction mark (Unicode category Cf)."""
    return unicodedata.category(char) == "Cf"


#: Spaces that look like a plain one but are not (a no-break space pasted from a web page or
#: typed by Excel's AutoCorrect): an id holding one matches nothing typed with a space.
_LOOKALIKE_SPACES = frozenset("\u00a0\u2007\u202f")
#: Joiners that shape the letters around them in some scripts (Persian, Indic, emoji).
_JOINERS = frozenset("\u200c\u200d")


def hidden(text: str) -> list[str]:
    """The characters of ``text`` a reader cannot tell from nothing or from a plain space:
    invisible format characters (a zero-width space, a byte-order mark, a soft hyphen, a
    word joiner) and no-break spaces; a zero-width joiner or non-joiner between two letters
    of another script (where it shapes them) is not one.

    Examples
    --------
    >>> hidden("P1\u200b"), hidden("CN\u00a0HUA"), hidden("CN-HUA")
    (['\u200b'], ['\xa0'], [])
    >>> hidden("\u0645\u06cc\u200c\u0634\u0648\u062f")  # Persian: the joiner shapes it
    []
    """
    if text.isascii():
        return []
    found = []
    for at, char in enumerate(text):
        if char in _LOOKALIKE_SPACES:
            found.append(char)
        elif _invisible(char):
            if char in _JOINERS and 0 < at < len(text) - 1 and all(
                    not near.isascii() and not _invisible(near)
                    for near in (text[at - 1], text[at + 1])):
                continue
            found.append(char)
    return found


def shown(text: str) -> str:
    """``text`` with each character of :func:`hidden` written as ``<U+XXXX>``, so that a
    message shows where it is.

    Examples
    --------
    >>> shown("P1\u200b"), shown("CN\u00a0HUA"), shown("CN")
    ('P1<U+200B>', 'CN<U+00A0>HUA', 'CN')
    """
    marked = set(hidden(text))
    if not marked:
        return text
    return "".join(f"<U+{ord(char):04X}>" if char in marked else char for char in text)


def latin(text: str) -> str:
    """``text`` with its look-alike letters made Latin (NFKC, then the Cyrillic and Greek
    twins) and its invisible format characters (a zero-width space, a byte-order mark, a
    soft hyphen) left out; case is kept, and a plain Latin code is returned unchanged.

    Examples
    --------
    >>> latin("\u0421N"), latin("\uff23\uff2e"), latin("Cn"), latin("CN\u200b")
    ('CN', 'CN', 'Cn', 'CN')
    """
    normal = unicodedata.normalize("NFKC", text)
    if not normal.isascii():
        normal = "".join(char for char in normal if not _invisible(char))
    return normal.translate(_LATIN_LOOKALIKES)


def folded(text: str) -> str:
    """``text`` without the differences a reader does not see: case, look-alike letters and
    invisible format characters.

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
    >>> difference("CN\\u200b").split(" (")[1]
    'U+200B ZERO WIDTH SPACE)'
    >>> difference("CN\\u200b").split(" holds")[0]  # where it is, as <U+XXXX>
    "'CN<U+200B>'"
    """
    foreign = sorted({char for char in found if not char.isascii()})
    if not foreign:
        return "they differ in case"
    hidden = [char for char in foreign if _invisible(char)]
    if hidden:
        named = ", ".join(f"U+{ord(char):04X} {unicodedata.name(char, 'UNNAMED')}"
                          for char in hidden)
        what = "an invisible character" if len(hidden) == 1 else "invisible characters"
        return f"'{shown(found)}' holds {what} ({named})"
    spaces = [char for char in foreign if char in _LOOKALIKE_SPACES]
    if spaces and len(spaces) == len(foreign):
        named = ", ".join(f"U+{ord(char):04X} {unicodedata.name(char, 'UNNAMED')}"
                          for char in spaces)
        return f"'{shown(found)}' holds a no-break space that looks like a plain one ({named})"
    if unicodedata.normalize("NFC", found) != found and all(
            unicodedata.combining(char) for char in foreign):
        named = ", ".join(f"U+{ord(char):04X} {unicodedata.name(char, 'UNNAMED')}"
                          for char in foreign)
        return (f"'{shown(found)}' writes an accent as a separate combining mark ({named}), "
                "another Unicode form of the same letters: type the letter again")
    named = ", ".join(f"U+{ord(char):04X} {unicodedata.name(char, 'UNNAMED')}"
                      for char in foreign)
    if len(foreign) == 1:
        return (f"'{shown(found)}' has a letter from another alphabet that looks like a Latin "
                f"one ({named})")
    return (f"'{shown(found)}' has letters from another alphabet that look like Latin ones "
            f"({named})")
