"""Published text → sentences with offsets and the citation markers each one carries.

The fact-check checks what is published, not the model's list of claims, so every
published field is cut into sentences here (title, meta description, headings,
section bodies, and whatever other fields a channel publishes). Splitting itself is
:func:`tools.factcheck.sentences.split_sentences` (German and English abbreviations such
as "z. B.", "Nr.", "ca.", numbers such as "1.240" or "59,90", list items, table rows).

Citation markers (``[S1]``, ``[S2, S3]``, ``[S1][S4]``) belong to the sentence they
follow: a marker written after the full stop ("… Zigbee 3.0. [S2]") is moved back to the
sentence before it. Markers are never part of the text that is checked, so "S2" is not
read as a product name or a number; :attr:`Segment.check_text` has them removed, along
with list bullets and Markdown emphasis.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from tools.factcheck.sentences import split_sentences

MARKER = re.compile(r"\[\s*(S\d+(?:\s*[,;]\s*S\d+)*)\s*\]")
_LEADING_MARKERS = re.compile(r"^(?:\s*\[\s*S\d+(?:\s*[,;]\s*S\d+)*\s*\])+")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")


@dataclass(frozen=True)
class Segment:
    """One published sentence: where it is (field, offsets in that field) and what it cites."""

    field: str
    start: int
    end: int
    text: str
    labels: tuple[str, ...] = ()
    is_row: bool = False

    @property
    def check_text(self) -> str:
        """The sentence as the checker reads it: no citation markers, bullets or emphasis."""
        return clean_text(self.text)


def clean_text(text: str) -> str:
    """``text`` without citation markers, list bullets or Markdown emphasis, spaces tidied."""
    out = MARKER.sub("", text)
    out = _BULLET.sub("", out)
    out = _EMPHASIS.sub("", out)
    out = re.sub(r"\s+([.,;:!?])", r"\1", out)
    return " ".join(out.split())


def labels_in(text: str) -> tuple[str, ...]:
    """The source labels cited by markers in ``text``, in order, without repeats."""
    found: list[str] = []
    for match in MARKER.finditer(text):
        for label in re.split(r"\s*[,;]\s*", match.group(1)):
            if label not in found:
                found.append(label)
    return tuple(found)


def segment_field(field: str, text: str) -> list[Segment]:
    """The sentences of one field, with citation markers attached to the sentence they follow."""
    pieces = [(s.start, s.end, bool(s.cells)) for s in split_sentences(text or "")]
    merged: list[list[int | bool]] = []
    for start, end, row in pieces:
        lead = _LEADING_MARKERS.match(text[start:end])
        if lead and merged:
            merged[-1][1] = start + lead.end()
            start += lead.end()
            while start < end and text[start].isspace():
                start += 1
        if start >= end:
            continue
        if not clean_text(text[start:end]) and merged:
            merged[-1][1] = end  # a sentence of markers only belongs to the one before
            continue
        merged.append([start, end, row])
    out: list[Segment] = []
    for first, last, is_row in merged:
        s, e = int(first), int(last)
        piece = text[s:e]
        if not clean_text(piece):
            continue
        out.append(Segment(field=field, start=s, end=e, text=piece, labels=labels_in(piece), is_row=bool(is_row)))
    return out


def segment_fields(fields: Iterable[tuple[str, str]]) -> list[Segment]:
    """Every sentence of every ``(field name, text)`` pair, in order."""
    return [seg for name, text in fields for seg in segment_field(name, text)]
