"""Sentence segmentation with character offsets, for evidence spans.

Evidence is reported as (chunk id, start, end, text) so that an editor or the revise
step can point at the exact sentence; a sentence splitter that loses offsets would
make that impossible. The rules are deliberately simple and deterministic (no model):
split after ``.``, ``!`` or ``?`` when the next non-space character starts a new
sentence, except after common German and English abbreviations. Text glued together
without a space after the full stop ("...disabilities.A line scan...") is split too,
because scraped corpora (SciFact in BEIR form) look like that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ABBREVIATIONS = frozenset(
    {
        "z.b", "d.h", "u.a", "bzw", "ca", "inkl", "zzgl", "ggf", "evtl", "nr", "dr", "prof", "st",
        "e.g", "i.e", "etc", "vs", "approx", "no", "mr", "mrs", "fig", "al", "incl", "abs", "vgl", "usw",
        "mio", "mrd", "tel", "resp", "cf",
    }
)  # fmt: skip

# A boundary candidate: sentence-final punctuation, optional closing quote/bracket,
# optional whitespace, then something that can open a sentence.
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]?(?=\s*[A-ZÄÖÜ0-9(\[\"“„])")
_WORD_BEFORE = re.compile(r"([\w.]+)$")


@dataclass(frozen=True)
class Sentence:
    """A sentence and where it sits in the text it came from."""

    start: int
    end: int
    text: str


def _is_abbreviation(text: str, dot: int) -> bool:
    match = _WORD_BEFORE.search(text[:dot])
    if not match:
        return False
    word = match.group(1).lower().strip(".")
    if word in _ABBREVIATIONS:
        return True
    # Single letters ("J. Smith") and dotted initialisms ("U.S.") are not ends.
    return len(word) == 1 and word.isalpha()


def _is_boundary(text: str, match: re.Match[str]) -> bool:
    punct_start = match.start()
    after = match.end()
    rest = text[after:]
    stripped = rest.lstrip()
    gap = len(rest) - len(stripped)
    nxt = stripped[:1]
    if text[punct_start] == "." and _is_abbreviation(text, punct_start):
        return False
    if nxt.isdigit():
        # "1.299,00" or "3.5" are numbers, not ends; "in 2020. 45 people" has a space.
        return gap > 0
    return True


def split_sentences(text: str) -> list[Sentence]:
    """Split ``text`` into sentences with offsets; whitespace between them is dropped."""
    sentences: list[Sentence] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if not _is_boundary(text, match):
            continue
        end = match.end()
        _append(text, start, end, sentences)
        start = end
    _append(text, start, len(text), sentences)
    return sentences


def _append(text: str, start: int, end: int, out: list[Sentence]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append(Sentence(start=start, end=end, text=text[start:end]))
