"""Which attribute a quantity is stated for: "24 months" of warranty or of battery life.

A product page gives many numbers in one place, often in a spec table, and the same
value can belong to different attributes ("Battery life | up to 24 months" next to
"Manufacturer's warranty | 36 months"). The exact-match rules therefore compare a
claim's quantity only with quantities stated for the same attribute. The attribute
comes from the words around the quantity (the nearest cue of
``lexicon.QUANTITY_ATTRIBUTES`` whose dimensions fit), for a table row from its label
cell (or the column header in a wider table), and for prose without a cue from the
section heading. A row whose label is not in the lexicon still has an attribute of
its own ("row:filter life"), so its values never stand in for another attribute.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from tools.factcheck.lexicon import QUANTITY_ATTRIBUTES
from tools.factcheck.quantities import Quantity

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_GENERIC_HEADERS = frozenset({"value", "values", "wert", "werte", "attribute", "merkmal", "", "-"})


def _token_matches(token: str, stem: str) -> bool:
    return token.startswith(stem) or (len(stem) >= 5 and stem in token)


@lru_cache(maxsize=8192)
def _cue_positions(text: str) -> tuple[tuple[str, int, int], ...]:
    """(attribute, start, end) for each cue found in ``text`` (cached: evidence sentences recur)."""
    return tuple(_find_cues(text))


def _find_cues(text: str) -> list[tuple[str, int, int]]:
    tokens = [(m.group(0).lower(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    found: list[tuple[str, int, int]] = []
    for attribute, (_, cues) in QUANTITY_ATTRIBUTES.items():
        for cue in cues:
            hits = [[t for t in tokens if _token_matches(t[0], stem)] for stem in cue]
            if all(hits):
                for tok in (t for group in hits for t in group):
                    found.append((attribute, tok[1], tok[2]))
    return found


def named_attributes(text: str) -> set[str]:
    """Every attribute ``text`` names, whatever quantities it has ("not covered by the warranty")."""
    return {attribute for attribute, _, _ in _cue_positions(text)}


def cue_words(text: str, attribute: str) -> list[str]:
    """The words of ``text`` that name ``attribute`` ("battery", "lasts")."""
    return [text[start:end] for found, start, end in _cue_positions(text) if found == attribute]


def _fits(attribute: str, quantity: Quantity) -> bool:
    dimensions = QUANTITY_ATTRIBUTES[attribute][0]
    return quantity.dimension in dimensions or (quantity.kind == "price" and "price" in dimensions)


def _nearest(cues: Sequence[tuple[str, int, int]], quantity: Quantity, positional: bool = True) -> str | None:
    fitting = [c for c in cues if _fits(c[0], quantity)]
    if not fitting:
        return None
    if not positional:
        return fitting[0][0]
    return min(fitting, key=lambda c: max(c[1] - quantity.end, quantity.start - c[2], 0))[0]


def attribute_of(text: str, quantity: Quantity) -> str | None:
    """The attribute the quantity in ``text`` is stated for, from the nearest fitting cue."""
    return _nearest(_cue_positions(text), quantity)


def label_attribute(labels: Sequence[str], quantity: Quantity) -> str | None:
    """The attribute named by the first label (row label, column header, heading) that names one."""
    for label in labels:
        found = _nearest(_cue_positions(label), quantity, positional=False)
        if found is not None:
            return found
    return None


def row_attributes(
    cells: Sequence[str], header: Sequence[str], row_text: str, quantities: Sequence[Quantity]
) -> tuple[str | None, ...]:
    """One attribute per quantity of a table row (offsets of ``quantities`` are in ``row_text``)."""
    if not cells:
        return tuple(None for _ in quantities)
    # Cell k starts after the k-th "|" of the row.
    bars = [m.start() for m in re.finditer(r"(?<!\\)\|", row_text)]
    out: list[str | None] = []
    for q in quantities:
        column = max(0, sum(1 for b in bars if b < q.start) - 1)
        labels: list[str] = []
        if len(cells) > 2 and column < len(header) and header[column].strip().lower() not in _GENERIC_HEADERS:
            labels.append(header[column])
        if column > 0:
            labels.append(cells[0])
        found = label_attribute(labels, q)
        if found is None and labels and labels[0].strip():
            found = f"row:{' '.join(labels[0].lower().split())}"
        out.append(found)
    return tuple(out)


def prose_attributes(text: str, quantities: Sequence[Quantity], headings: Sequence[str]) -> tuple[str | None, ...]:
    """One attribute per quantity of a prose sentence: nearest cue, else the section heading."""
    cues = _cue_positions(text)
    return tuple(_nearest(cues, q) or _heading_attribute(headings, q) for q in quantities)


def _heading_attribute(headings: Sequence[str], quantity: Quantity) -> str | None:
    """The one attribute a section heading names for the quantity; None when it names several
    ("Battery life and warranty" says nothing about which a "24 months" below it is)."""
    for heading in headings:
        fitting = {a for a, _, _ in _cue_positions(heading) if _fits(a, quantity)}
        if fitting:
            return fitting.pop() if len(fitting) == 1 else None
    return None


def display(attribute: str | None) -> str | None:
    """How an attribute is named in reasons ("warranty", "filter life")."""
    if attribute is None:
        return None
    return attribute.removeprefix("row:")
