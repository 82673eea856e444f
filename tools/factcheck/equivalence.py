"""What a careful editor accepts as the same fact, and what is an overstatement.

The rules, each tested in ``tests/unit/test_sentence_check.py`` (planted errors and correct paraphrases):

1. **Units and number words.** Values are compared in a base unit as exact decimals
   (:mod:`tools.factcheck.quantities`): 24 months = two years = 2 Jahre; 36 Monate =
   drei Jahre; 30 minutes = half an hour is *not* matched (no fractions in words).
   "two AA" = "2 × AA" = "zwei AA-Batterien": battery cells count as a unit.
2. **Number and price formats.** German and English separators are read by the text's
   language (1.240 = 1,240 = 1240; 59,90 € = EUR 59.90 = €59.90 = 59.90 euros).
3. **"Up to" is part of the fact.** Where the source says "up to 19 %" ("bis zu",
   "maximal", "höchstens", "max."), a sentence stating a bare "19 %" overstates it and is
   *contradicted*; "up to 19 %" or a smaller "up to" figure in the source is fine. A
   sentence may always add "up to" to a value the source states plainly.
4. **Approximate words carry a tolerance.** "about", "around", "approximately",
   "roughly", "circa"/"ca.", "etwa", "rund", "ungefähr": the source's value may differ by
   up to 10 % of the stated value. "nearly", "almost", "knapp", "fast": the source's value
   must lie between 90 % of the stated value and the value itself ("knapp 60 €" accepts
   59.90 €, not 61 €). "over", "more than", "über", "mehr als": the source's value must be
   larger. A value within tolerance is rewritten to the source's exact value before the
   exact-match rules run, so the sentence is supported with the source as evidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from tools.factcheck.evidence import EvidenceCandidate
from tools.factcheck.quantities import Quantity, find_quantities

_UP_TO = re.compile(r"(?:up to|as much as|a maximum of|maximum|max\.?|bis zu|bis|maximal|höchstens)\s*$", re.IGNORECASE)
_APPROX = re.compile(
    r"(?P<word>about|around|approximately|approx\.|roughly|circa|ca\.|etwa|rund|ungefähr|"
    r"nearly|almost|just under|knapp|fast|over|more than|über|mehr als)\s*$",
    re.IGNORECASE,
)
_BELOW = frozenset({"nearly", "almost", "just under", "knapp", "fast"})
_ABOVE = frozenset({"over", "more than", "über", "mehr als"})
TOLERANCE = Decimal("0.10")


def _before(text: str, quantity: Quantity, width: int = 16) -> str:
    return text[max(0, quantity.start - width) : quantity.start]


def is_up_to(text: str, quantity: Quantity) -> bool:
    """Whether ``quantity`` in ``text`` is qualified as a maximum ("up to 19 %", "bis zu 24 Monate")."""
    return bool(_UP_TO.search(_before(text, quantity)))


def _within(word: str, claimed: Decimal, stated: Decimal) -> bool:
    if word in _BELOW:
        return claimed * (1 - TOLERANCE) <= stated <= claimed
    if word in _ABOVE:
        return stated > claimed
    return abs(stated - claimed) <= claimed.copy_abs() * TOLERANCE


def resolve_approximations(text: str, language: str, candidates: Sequence[EvidenceCandidate]) -> tuple[str, list[str]]:
    """``text`` with each approximate quantity that a source states within tolerance replaced by the
    source's exact figure, and notes saying which ("about EUR 60 → EUR 59.90")."""
    notes: list[str] = []
    out = text
    for q in sorted(find_quantities(text, language), key=lambda q: -q.start):
        match = _APPROX.search(_before(text, q))
        if not match:
            continue
        word = match.group("word").lower()
        for candidate in candidates:
            stated = next(
                (e for e in candidate.quantities if e.dimension == q.dimension and _within(word, q.value, e.value)),
                None,
            )
            if stated is not None:
                begin = q.start - len(_before(text, q)) + match.start()
                out = out[:begin] + stated.surface + out[q.end :]
                notes.append(f"'{match.group('word')} {q.surface}' accepted for {stated.surface} (tolerance)")
                break
    return out, notes


def overstatements(
    text: str, language: str, candidates: Sequence[EvidenceCandidate], subjects_ok: Sequence[int] | None = None
) -> list[tuple[str, int]]:
    """(reason, candidate index) for each bare value the evidence only states as "up to"."""
    found: list[tuple[str, int]] = []
    pool = range(len(candidates)) if subjects_ok is None else subjects_ok
    for q in find_quantities(text, language):
        if is_up_to(text, q):
            continue
        plain = False
        capped: tuple[int, Quantity] | None = None
        for i in pool:
            candidate = candidates[i]
            for e in candidate.quantities:
                if not q.same_value(e):
                    continue
                if is_up_to(candidate.text, e):
                    capped = capped or (i, e)
                else:
                    plain = True
        if capped is not None and not plain:
            i, e = capped
            found.append((f"overstatement: {q.surface} where the source says up to {e.surface}", i))
    return found
