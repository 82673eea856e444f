"""One normal form for matching untrusted text against rules (brand terms, injection patterns).

Attackers and careless editors dodge word lists with look-alike characters: a zero-width
space inside a banned word, a Cyrillic "а" for a Latin "a", full-width letters, a soft
hyphen, "ß" for "ss". Every matcher in copydesk (guards, injection detection, fact-check
name matching) folds text through :func:`fold` first, so the rules see one spelling.

:func:`fold` keeps an index map from each folded character back to the original text, so
a finding's span can be reported (and highlighted) in the text the user wrote.

What is folded, in order:

- characters removed: zero-width space/joiners, word joiner, BOM, soft hyphen, Mongolian
  vowel separator, bidi controls;
- Unicode NFKC (full-width letters, ligatures, superscripts such as CO₂ → CO2);
- confusable letters from Cyrillic, Greek and Armenian that look like Latin ones
  (the "skeleton" idea of Unicode TR39, restricted to letters used in attacks on Latin text);
- typographic dashes and quotes to ASCII;
- optionally case (``casefold``: also ß → ss) and whitespace runs collapsed to one space.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

INVISIBLE = frozenset(
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)

# Look-alikes of Latin letters (TR39 confusables, letters only). Keys are single characters.
CONFUSABLES: dict[str, str] = {
    # Cyrillic lower case
    "а": "a", "в": "b", "с": "c", "ԁ": "d", "е": "e", "һ": "h", "і": "i", "ј": "j", "к": "k",
    "ӏ": "l", "м": "m", "н": "h", "о": "o", "р": "p", "ԛ": "q", "г": "r", "ѕ": "s", "т": "t",
    "у": "y", "х": "x", "ԝ": "w", "ь": "b", "ѵ": "v", "ё": "e", "ї": "i",
    # Cyrillic upper case
    "А": "A", "В": "B", "С": "C", "Е": "E", "Н": "H", "І": "I", "Ј": "J", "К": "K", "М": "M",
    "О": "O", "Р": "P", "Ѕ": "S", "Т": "T", "Х": "X", "У": "Y", "Ԝ": "W", "Ё": "E",
    # Greek
    "α": "a", "ο": "o", "ρ": "p", "ν": "v", "κ": "k", "ι": "i", "τ": "t", "υ": "u", "χ": "x",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    # Armenian and others commonly abused
    "օ": "o", "ս": "u", "ց": "g", "ո": "n", "ɑ": "a", "ɡ": "g", "ı": "i", "ł": "l",
}  # fmt: skip

PUNCTUATION: dict[str, str] = {
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u00a0": " ", "\u202f": " ", "\u2009": " ",
}  # fmt: skip


@dataclass(frozen=True)
class Folded:
    """Folded text and, per folded character, the index of the original character it came from."""

    text: str
    index: list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original ``(start, end)`` of the folded span ``[start, end)``."""
        if not self.index or start >= len(self.index):
            return (len(self.index) and self.index[-1] + 1, len(self.index) and self.index[-1] + 1)
        return self.index[start], self.index[max(start, end - 1)] + 1


def fold_char(ch: str, *, casefold: bool) -> str:
    """The folded form of one character (may be empty or longer than one character)."""
    if ch.isascii():  # fast path: NFKC, confusables and typographic punctuation leave ASCII alone
        return ch.lower() if casefold else ch
    if ch in INVISIBLE:
        return ""
    out = []
    for c in unicodedata.normalize("NFKC", ch):
        c = CONFUSABLES.get(c, c)
        c = PUNCTUATION.get(c, c)
        out.append(c.casefold() if casefold else c)
    return "".join(out)


def fold(text: str, *, casefold: bool = True, collapse_space: bool = True) -> Folded:
    """``text`` in copydesk's matching form with an index map back to ``text``."""
    out: list[str] = []
    index: list[int] = []
    prev_space = False
    for i, ch in enumerate(text):
        for c in fold_char(ch, casefold=casefold):
            is_space = c.isspace() and c != "\n"
            if collapse_space and is_space and prev_space:
                continue
            out.append(" " if (collapse_space and is_space) else c)
            index.append(i)
            prev_space = is_space
    return Folded("".join(out), index)


def fold_text(text: str, *, casefold: bool = True) -> str:
    """Just the folded text (for keys and comparisons)."""
    return fold(text, casefold=casefold).text


def has_invisible(text: str) -> bool:
    """Whether ``text`` hides characters that render as nothing."""
    return any(ch in INVISIBLE for ch in text)


def mixes_scripts(word: str) -> bool:
    """Whether a word mixes Latin letters with look-alikes from another script (a homoglyph attack)."""
    latin = any("LATIN" in unicodedata.name(c, "") for c in word if c.isalpha())
    return latin and any(c in CONFUSABLES for c in word)
