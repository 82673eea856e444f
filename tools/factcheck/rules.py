"""Exact-match rules: numbers, prices, units, product names and attribute values.

These decide before any entailment score: a claim whose price, wattage, warranty
period, product name or colour is not in the evidence cannot be "mostly supported".
A value that is absent is ``not_found``; a value that is absent while the evidence
states a different value for the same attribute is ``contradicted``, and the reason
names both ("price 1.299 € not in cited source; source says 1.199 €").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from tools.factcheck.attributes import attribute_of, display
from tools.factcheck.evidence import EvidenceCandidate
from tools.factcheck.lexicon import ATTRIBUTE_VALUES
from tools.factcheck.models import Verdict
from tools.factcheck.names import find_names, normalise_name
from tools.factcheck.quantities import Quantity, describe, find_quantities, outside
from tools.factcheck.text import content_stems, stem, tokens

_INFLECTIONS = ("", "e", "en", "er", "es", "em", "n", "s")
# Attribute values that name the same thing ("WLAN" is the German for Wi-Fi).
SYNONYMS = {
    "wlan": "wi-fi",
    "wifi": "wi-fi",
    "lan": "ethernet",
    "weiss": "weiß",
    "gray": "grey",
    "aluminum": "aluminium",
}
_EXACT_CLASSES = frozenset({"connectivity"})


@dataclass(frozen=True)
class ContradictionRules:
    """Which exact-match rules run, and the catalogue's product names.

    ``known_products`` makes names such as "Aero 500" (no digit-letter shape) checkable.
    """

    numbers: bool = True
    prices: bool = True
    units: bool = True
    product_names: bool = True
    attributes: bool = True
    negation: bool = True
    antonyms: bool = True
    known_products: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """One rule violation: what kind of verdict it forces, why, and the evidence shown."""

    verdict: Verdict
    reason: str
    evidence: tuple[int, ...] = ()


def _where(candidates: Sequence[EvidenceCandidate]) -> str:
    return "cited source" if not candidates or candidates[0].cited else "approved corpus"


def _overlap(claim_stems: set[str], candidate: EvidenceCandidate) -> int:
    return len(claim_stems & candidate.stems)


def _next_word_stem(text: str, end: int, language: str) -> str:
    following = tokens(text[end : end + 40])
    return stem(following[0], language) if following else ""


_COUNTED = re.compile(r"\s+(?=[^\W\d_])")


def _counted_stems(text: str, quantity: Quantity, language: str) -> frozenset[str]:
    """What a bare number counts: stems of up to three content words right after it.

    Empty when the number is not followed directly by a word ("2019, the company…", a list
    item's "4. Press the button"): such a number is no count of anything.
    """
    if quantity.dimension != "number" or not _COUNTED.match(text, quantity.end):
        return frozenset()
    return frozenset(content_stems(text[quantity.end : quantity.end + 48], language)[:3])


def _counts_alike(claim: str, q: Quantity, candidate: EvidenceCandidate, e: Quantity, language: str) -> bool:
    """A spelled-out count supports only a count of the same thing: "four heating periods" is not
    "4 rooms". Digits match by value alone, since without a product list "Thermo 200 costs" and
    "Thermo 200 runs" are the same model number followed by different words."""
    if not q.surface.isalpha():
        return True
    mine = _counted_stems(claim, q, language)
    theirs = _counted_stems(candidate.text, e, candidate.language)
    return not mine or not theirs or bool(mine & theirs)


def _same_attribute(claim_q: Quantity, claim_next: str, ev_q: Quantity, ev_next: str) -> bool:
    if claim_q.kind == "price":
        return ev_q.kind == "price"
    if claim_q.dimension == "number":
        return ev_q.dimension == "number" and bool(claim_next) and claim_next == ev_next
    return claim_q.dimension == ev_q.dimension


def _scoped(wanted: str | None, stated: str | None) -> bool:
    """Whether a value stated for attribute ``stated`` can speak to a claim about ``wanted``.

    A claim that names no attribute, and evidence that gives none, are unscoped; a value
    given for another attribute ("24 months" of battery life) says nothing about this one.
    """
    return wanted is None or stated is None or stated == wanted


def _enabled(q: Quantity, rules: ContradictionRules) -> bool:
    if q.kind == "price":
        return rules.prices
    if q.kind in {"unit", "percent"}:
        return rules.units
    return rules.numbers


def _compatible(subjects: frozenset[str], claim_subjects: set[str]) -> bool:
    return not claim_subjects or not subjects or bool(subjects & claim_subjects)


def _can_contradict(candidate: EvidenceCandidate, claim_subjects: set[str]) -> bool:
    """Whether a differing value in this sentence contradicts the claim.

    Cited sentences can, unless they are about another product. Sentences found by
    corpus search only can when they are demonstrably about the claim's product: a
    retrieved page about some other product says nothing against the claim.
    """
    return _may_contradict(candidate, candidate.subjects, claim_subjects)


def _may_contradict(candidate: EvidenceCandidate, subjects: frozenset[str], claim_subjects: set[str]) -> bool:
    if candidate.cited:
        return _compatible(subjects, claim_subjects)
    return bool(subjects & claim_subjects)


def _surfaces(claim: str, candidates: Sequence[EvidenceCandidate], rules: ContradictionRules) -> dict[str, str]:
    """Name key -> how the text spells it, for readable reasons."""
    out = {n.key: n.surface for n in find_names(claim, rules.known_products)}
    for candidate in candidates:
        for name in candidate.names:
            out.setdefault(name.key, name.surface)
    for known in rules.known_products:
        out.setdefault(normalise_name(known), known)
    return out


def check_quantities(
    claim: str,
    language: str,
    candidates: Sequence[EvidenceCandidate],
    rules: ContradictionRules,
    default_subjects: frozenset[str] = frozenset(),
) -> tuple[list[Finding], set[int]]:
    """Findings for claim quantities missing from the evidence, and the sentences that match.

    ``default_subjects``: the products a sentence that names none speaks of ("Its batteries
    last…" in a run about the Thermo 200). Each evidence value counts for the product it is
    stated for (:meth:`EvidenceCandidate.subjects_of`)."""
    findings: list[Finding] = []
    support: set[int] = set()
    claim_stems = set(content_stems(claim, language))
    where = _where(candidates)
    claim_names = find_names(claim, rules.known_products)
    claim_quantities = outside(find_quantities(claim, language), [(n.start, n.end) for n in claim_names])
    claim_subjects = {n.key for n in claim_names if n.kind in {"product", "code"}} or set(default_subjects)
    surfaces = _surfaces(claim, candidates, rules)
    for q in claim_quantities:
        if not _enabled(q, rules):
            continue
        q_next = _next_word_stem(claim, q.end, language)
        wanted = attribute_of(claim, q)
        hits = [
            (i, k)
            for i, c in enumerate(candidates)
            for k, e in enumerate(c.quantities)
            if q.same_value(e) and _counts_alike(claim, q, c, e, language)
        ]
        matches = sorted({i for i, k in hits if _scoped(wanted, candidates[i].attribute(k))})
        elsewhere = [(i, k) for i, k in hits if not _scoped(wanted, candidates[i].attribute(k))]
        in_scope = [
            i
            for i, k in hits
            if _scoped(wanted, candidates[i].attribute(k)) and _compatible(candidates[i].subjects_of(k), claim_subjects)
        ]
        if in_scope:
            support.add(max(in_scope, key=lambda i: _overlap(claim_stems, candidates[i])))
            continue
        label = display(wanted) or describe(q)
        rivals = [
            (i, e, c.attribute(k) == wanted)
            for i, c in enumerate(candidates)
            for k, e in enumerate(c.quantities)
            if _may_contradict(c, c.subjects_of(k), claim_subjects)
            and _scoped(wanted, c.attribute(k))
            and _same_attribute(q, q_next, e, _next_word_stem(c.text, e.end, c.language))
        ]
        if rivals:
            claim_values = {c.value for c in claim_quantities if c.dimension == q.dimension}
            best_i, best_e, _ = max(
                rivals,
                key=lambda r: (
                    r[2],
                    r[1].value not in claim_values,
                    r[2] and candidates[r[0]].is_row,  # a spec-table row is the canonical statement
                    _overlap(claim_stems, candidates[r[0]]),
                ),
            )
            findings.append(
                Finding(
                    "contradicted",
                    f"{label} {q.surface} not in {where}; source says {best_e.surface}",
                    (best_i,),
                )
            )
        elif elsewhere and not matches:
            i, k = elsewhere[0]
            findings.append(
                Finding(
                    "not_found",
                    f"{label} {q.surface} not in {where}; {candidates[i].quantities[k].surface} there is the "
                    f"{display(candidates[i].attribute(k))}",
                    (i,),
                )
            )
        elif matches and candidates[matches[0]].cited:
            other = sorted({surfaces.get(s, s) for i in matches for s in candidates[i].subjects})
            mine = sorted(surfaces.get(s, s) for s in claim_subjects)
            findings.append(
                Finding(
                    "contradicted",
                    f"{label} {q.surface} is stated for {', '.join(other)} in the {where}, not for {', '.join(mine)}",
                    (matches[0],),
                )
            )
        else:
            findings.append(Finding("not_found", f"{label} {q.surface} not in {where}"))
    return findings, support


def check_names(claim: str, candidates: Sequence[EvidenceCandidate], rules: ContradictionRules) -> list[Finding]:
    """Findings for product names, model codes, IP ratings and energy classes not in the evidence."""
    if not rules.product_names:
        return []
    findings: list[Finding] = []
    where = _where(candidates)
    evidence_keys = {n.key for c in candidates for n in c.names} | {s for c in candidates for s in c.subjects}
    for name in find_names(claim, rules.known_products):
        if name.key in evidence_keys:
            continue
        if name.kind == "menu path" and any(name.key in normalise_name(c.text) for c in candidates):
            continue  # the sources give this path, or a longer one that starts the same way
        label = "product name" if name.kind in {"product", "code"} else name.kind
        same_kind = {"product", "code"} if name.kind in {"product", "code"} else {name.kind}
        rivals = [(i, n) for i, c in enumerate(candidates) if c.cited for n in c.names if n.kind in same_kind]
        if rivals:
            # A source about another product is irrelevant to this sentence, not evidence against it.
            shown = sorted({n.surface for _, n in rivals})[:3]
            findings.append(
                Finding(
                    "not_found",
                    f"{label} {name.surface} not in {where}, which is about {', '.join(shown)}",
                    (rivals[0][0],),
                )
            )
        else:
            findings.append(Finding("not_found", f"{label} {name.surface} not in {where}"))
    return findings


def _attribute_values(words: set[str] | frozenset[str], values: frozenset[str], exact: bool) -> set[str]:
    """Lexicon values among ``words``: inflected forms count, and so does the head of a
    German compound ("Edelstahl" states "Stahl")."""
    return set(_cached_values(frozenset(words), values, exact))


@lru_cache(maxsize=16384)
def _cached_values(words: frozenset[str], values: frozenset[str], exact: bool) -> frozenset[str]:
    found: set[str] = set()
    for word in words:
        for value in values:
            if word == value or (
                not exact
                and (any(word == value + s for s in _INFLECTIONS) or (len(value) >= 4 and word.endswith(value)))
            ):
                found.add(SYNONYMS.get(value, value))
    return frozenset(found)


def check_attributes(
    claim: str, language: str, candidates: Sequence[EvidenceCandidate], rules: ContradictionRules
) -> list[Finding]:
    """Findings for colours, materials and connectivity the evidence does not state."""
    if not rules.attributes:
        return []
    findings: list[Finding] = []
    where = _where(candidates)
    claim_words = set(tokens(claim))
    claim_subjects = {n.key for n in find_names(claim, rules.known_products) if n.kind in {"product", "code"}}
    scoped = [i for i, c in enumerate(candidates) if _compatible(c.subjects, claim_subjects)]
    opposing = {i for i in scoped if _can_contradict(candidates[i], claim_subjects)}
    for cls, values in ATTRIBUTE_VALUES.items():
        exact = cls in _EXACT_CLASSES
        wanted = _attribute_values(claim_words, values, exact)
        for value in sorted(wanted):
            per_candidate = {i: _attribute_values(candidates[i].words, values, exact) for i in scoped}
            if any(value in found for found in per_candidate.values()):
                continue
            rivals = [(i, v) for i, found in per_candidate.items() if i in opposing for v in sorted(found - wanted)]
            if rivals:
                findings.append(
                    Finding(
                        "contradicted",
                        f"{cls} '{value}' not in {where}; source says '{rivals[0][1]}'",
                        (rivals[0][0],),
                    )
                )
            else:
                findings.append(Finding("not_found", f"{cls} '{value}' not in {where}"))
    return findings
