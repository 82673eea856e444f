"""Sentence segmentation with character offsets, for evidence spans.

Evidence is reported as (chunk id, start, end, text) so that an editor or the revise
step can point at the exact sentence; a sentence splitter that loses offsets would
make that impossible. The rules are deliberately simple and deterministic (no model):
split after ``.``, ``!`` or ``?`` when the next non-space character starts a new
sentence, except after common German and English abbreviations. Text glued together
without a space after the full stop ("...disabilities.A line scan...") is split too,
because scraped corpora (SciFact in BEIR form) look like that.

Markdown tables are not prose: each row (``| Weight | 5.8 kg |``) is its own unit,
whatever punctuation it holds, and carries its cells and the table's header cells so
that a value can be tied to the attribute it is given for. Header and ``|---|`` rows
are not units.
"""

from __future__ import annotations

import itertools
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
    cells: tuple[str, ...] = ()  # a table row's cells, stripped; empty for prose
    header: tuple[str, ...] = ()  # the header cells of the table the row belongs to

    @property
    def label(self) -> str:
        """A table row's first cell (the attribute of a two-column spec table), else ""."""
        return self.cells[0] if self.cells else ""


def _is_abbreviation(text: str, dot: int) -> bool:
    # only the word before the dot matters: searching all of text[:dot] made splitting a
    # long body quadratic (a regex anchored at $ is tried from every position)
    match = _WORD_BEFORE.search(text[max(0, dot - 64) : dot])
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


_TABLE_ROW = re.compile(r"^[ \t]*\|.*\|[ \t]*$", re.MULTILINE)
# Where a new unit starts regardless of punctuation: a list item, a paragraph, a heading.
_BLOCK_START = re.compile(r"\n(?=[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t]|[ \t]*\n|#{1,6} )")
_SEPARATOR_CELL = re.compile(r"^:?-{2,}:?$")


def _cells(row: str) -> tuple[str, ...]:
    inner = row.strip()[1:-1]
    return tuple(cell.strip() for cell in re.split(r"(?<!\\)\|", inner))


def _is_separator(cells: tuple[str, ...]) -> bool:
    return bool(cells) and all(_SEPARATOR_CELL.match(c.replace(" ", "")) for c in cells)


def split_sentences(text: str) -> list[Sentence]:
    """Split ``text`` into sentences with offsets; whitespace between them is dropped.

    Markdown table rows come out one per unit (with ``cells`` and ``header``); the
    prose around tables is split as usual.
    """
    sentences: list[Sentence] = []
    rows = list(_TABLE_ROW.finditer(text))
    prose_start = 0
    header: tuple[str, ...] = ()
    previous_end = -2
    for n, row in enumerate(rows):
        if row.start() > previous_end + 1:  # a new table begins
            _split_prose(text, prose_start, row.start(), sentences)
            header = ()
        previous_end = row.end()
        prose_start = row.end()
        cells = _cells(row.group(0))
        if _is_separator(cells):
            continue
        following = rows[n + 1] if n + 1 < len(rows) and rows[n + 1].start() == row.end() + 1 else None
        if following is not None and _is_separator(_cells(following.group(0))):
            header = cells
            continue
        start, end = row.start(), row.end()
        while text[start].isspace():
            start += 1
        while text[end - 1].isspace():
            end -= 1
        sentences.append(Sentence(start=start, end=end, text=text[start:end], cells=cells, header=header))
    _split_prose(text, prose_start, len(text), sentences)
    return sentences


def _split_prose(text: str, begin: int, stop: int, out: list[Sentence]) -> None:
    """Sentences of ``text[begin:stop]``; list items, paragraphs and headings always start new ones."""
    starts = [begin, *(m.start() + 1 for m in _BLOCK_START.finditer(text, begin, stop)), stop]
    for block_start, block_stop in itertools.pairwise(starts):
        start = block_start
        for match in _BOUNDARY.finditer(text, block_start, block_stop):
            if not _is_boundary(text, match) or _is_list_marker(text, match.start()):
                continue
            end = match.end()
            _append(text, start, end, out)
            start = end
        _append(text, start, block_stop, out)


def _is_list_marker(text: str, dot: int) -> bool:
    """Whether the ``.`` at ``dot`` ends the "3." of an ordered-list item."""
    line_start = text.rfind("\n", 0, dot) + 1
    return text[line_start:dot].strip().isdigit() and text[dot + 1 : dot + 2] in {" ", "\t"}


def _append(text: str, start: int, end: int, out: list[Sentence]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append(Sentence(start=start, end=end, text=text[start:end]))
