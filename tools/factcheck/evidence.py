"""Evidence candidates: the sentences of the chunks a claim is checked against.

Checking works at sentence level because a chunk often describes several products or
attributes, and "the price appears somewhere in the chunk" is not good enough. Each
sentence also carries its *subjects*, the product names it is about: named in the
sentence itself, or carried over from the last sentence of the same chunk that named
one, or taken from the chunk's title, headings and ``product_ids``. A price stated
for the Aero 700 then does not support a claim about the Aero 500.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from tools.factcheck.attributes import prose_attributes, row_attributes
from tools.factcheck.names import Name, find_names, normalise_name
from tools.factcheck.quantities import Quantity, find_quantities, outside
from tools.factcheck.sentences import split_sentences
from tools.factcheck.text import content_stems, tokens
from tools.models import Chunk

_SUBJECT_KINDS = frozenset({"product", "code"})


@dataclass(frozen=True)
class EvidenceCandidate:
    """One sentence of one chunk, with what the exact-match rules need pre-computed."""

    chunk_id: str
    start: int
    end: int
    text: str
    language: str = "en"
    cited: bool = True
    ordinal: int = 0  # position of the sentence within its chunk
    subjects: frozenset[str] = frozenset()
    quantities: tuple[Quantity, ...] = ()
    attributes: tuple[str | None, ...] = ()  # per quantity: the attribute it is stated for
    label: str = ""  # a table row's label cell; "" for prose
    names: tuple[Name, ...] = ()
    words: frozenset[str] = field(default_factory=frozenset)
    stems: frozenset[str] = field(default_factory=frozenset)
    is_row: bool = False  # a Markdown table row rather than a sentence
    # per quantity, where the sentence names several products: the one the value is stated for
    quantity_subjects: tuple[frozenset[str], ...] = ()

    def attribute(self, index: int) -> str | None:
        """The attribute ``quantities[index]`` is stated for (None: not known)."""
        return self.attributes[index] if index < len(self.attributes) else None

    def subjects_of(self, index: int) -> frozenset[str]:
        """The products ``quantities[index]`` is stated for: in "warranty: Thermo 200 36 months,
        Hub 1 24 months" the 24 months are the hub's, not the thermostat's."""
        if index < len(self.quantity_subjects) and self.quantity_subjects[index]:
            return self.quantity_subjects[index]
        return self.subjects


def _value_owners(names: Sequence[Name], quantities: Sequence[Quantity]) -> tuple[frozenset[str], ...]:
    """Each quantity's product in a sentence that names several: the last one named before the
    value, else the first one after it. Empty when the sentence names at most one product."""
    named = [n for n in names if n.kind in _SUBJECT_KINDS]
    if len({n.key for n in named}) < 2:
        return ()
    owners: list[frozenset[str]] = []
    for q in quantities:
        before = [n for n in named if n.end <= q.start]
        after = [n for n in named if n.start >= q.end]
        owner = before[-1] if before else (after[0] if after else None)
        owners.append(frozenset({owner.key}) if owner is not None else frozenset())
    return tuple(owners)


_SUBJECT_WINDOW = 30  # characters: a name starting this early is the sentence's subject


def _chunk_subjects(chunk: Chunk, known: Sequence[str]) -> frozenset[str]:
    context = " ".join([chunk.title, *chunk.heading_path])
    keys = {n.key for n in find_names(context, known) if n.kind in _SUBJECT_KINDS}
    keys.update(normalise_name(p) for p in chunk.product_ids if p.strip())
    return frozenset(keys)


def candidates_from_chunks(
    chunks: Iterable[Chunk], known: Sequence[str] = (), cited: bool = True
) -> list[EvidenceCandidate]:
    """Every sentence of every chunk, in chunk order, as an :class:`EvidenceCandidate`."""
    out: list[EvidenceCandidate] = []
    for chunk in chunks:
        chunk_subjects = carried = _chunk_subjects(chunk, known)
        headings = list(reversed(chunk.heading_path))
        for ordinal, sentence in enumerate(split_sentences(chunk.text)):
            names = tuple(find_names(sentence.text, known))
            quantities = tuple(
                outside(find_quantities(sentence.text, chunk.language), [(n.start, n.end) for n in names])
            )
            if sentence.cells:
                label_names = [n for n in find_names(sentence.label, known) if n.kind in _SUBJECT_KINDS]
                row_subjects = frozenset(n.key for n in label_names) or chunk_subjects
                attributes = row_attributes(sentence.cells, sentence.header, sentence.text, quantities)
            else:
                named = frozenset(n.key for n in names if n.kind in _SUBJECT_KINDS)
                subjects = named or carried
                # Only a product named at the start of a sentence (its grammatical subject) carries over
                # to later sentences that name none: "It ... connects to the Hub 1. Price: EUR 59.90"
                # is still about the page's thermostat, not the hub.
                leading = frozenset(n.key for n in names if n.kind in _SUBJECT_KINDS and n.start <= _SUBJECT_WINDOW)
                if leading:
                    carried = leading
                attributes = prose_attributes(sentence.text, quantities, headings[:1])
            out.append(
                EvidenceCandidate(
                    chunk_id=chunk.id,
                    start=sentence.start,
                    end=sentence.end,
                    text=sentence.text,
                    language=chunk.language,
                    cited=cited,
                    ordinal=ordinal,
                    subjects=row_subjects if sentence.cells else subjects,
                    quantities=quantities,
                    attributes=attributes,
                    label=sentence.label,
                    is_row=bool(sentence.cells),
                    names=names,
                    quantity_subjects=() if sentence.cells else _value_owners(names, quantities),
                    words=frozenset(tokens(sentence.text)),
                    stems=frozenset(content_stems(sentence.text, chunk.language)),
                )
            )
    return out
