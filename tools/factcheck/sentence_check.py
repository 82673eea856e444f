"""Sentence-level fact-check: one verdict per published sentence, with a true citation.

This is what decides whether a draft may be published. For each sentence (see
:mod:`tools.factcheck.segment`):

1. Its checkable facts are found (:mod:`tools.factcheck.claimtypes`). A sentence without
   any that is a question, a call to action or pure tone is ``no_claim`` with the reason.
2. Evidence is tried in rings, and the first ring that supports the sentence wins:
   the sources the sentence cites (its ``[S1]`` markers, plus the labels the model's
   claims list gives a matching claim: a hint, nothing more); then every source in the
   run's context; then the approved corpus (``search``, under the one evidence policy,
   :mod:`tools.evidence_policy`). Where the supporting source is not the cited one, the
   citation is corrected (``citation_corrected``) and the reason says so; corpus
   evidence outside the run becomes a new source.
3. Supported means: every quantity, name and attribute value passes the exact-match
   rules (:mod:`tools.factcheck.rules`), every superlative, health/environmental and
   compatibility statement is stated by the evidence too, and the sentence's remaining
   content words are covered by the evidence (stemmed and fuzzy, over the best few
   sentences about the same product), with a negation flip counting against it.
4. Otherwise ``contradicted`` when evidence about the same product and attribute states a
   different value (a source about another product is irrelevant, never a contradiction),
   else ``not_found``.

The entailment step is deliberately lexical (no embedding call per sentence): it keeps a
1,000-word draft under half a second on two cores and its decisions are explainable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from tools.evidence_policy import EvidencePolicy
from tools.factcheck.attributes import attribute_of, cue_words
from tools.factcheck.claimtypes import SpecialClaim, no_claim_reason, special_claims
from tools.factcheck.entailment import _fuzzy_coverage
from tools.factcheck.equivalence import overstatements, resolve_approximations
from tools.factcheck.evidence import EvidenceCandidate, _chunk_subjects, candidates_from_chunks
from tools.factcheck.lexicon import ATTRIBUTE_VALUES, EQUIVALENT_PHRASES, PROPORTION_WORDS
from tools.factcheck.names import find_names, normalise_name
from tools.factcheck.quantities import Quantity, find_quantities, outside
from tools.factcheck.rules import ContradictionRules, Finding, check_attributes, check_names, check_quantities
from tools.factcheck.segment import Segment
from tools.factcheck.text import content_stems, stem, tokens
from tools.models import Chunk
from tools.textnorm import fold_text

Search = Callable[[str], list[Chunk]]

# Words a copywriter adds around facts that no source needs to state ("smart", "einfach").
TONE_WORDS = frozenset(
    [
        "smart",
        "smarter",
        "easy",
        "easily",
        "simple",
        "simply",
        "comfort",
        "comfortable",
        "comfortably",
        "cosy",
        "cozy",
        "warm",
        "enjoy",
        "perfect",
        "ideal",
        "great",
        "good",
        "nice",
        "new",
        "modern",
        "everyday",
        "every",
        "day",
        "life",
        "home",
        "house",
        "your",
        "you",
        "our",
        "we",
        "us",
        "one",
        "need",
        "needs",
        "want",
        "make",
        "makes",
        "making",
        "keep",
        "keeps",
        "let",
        "lets",
        "just",
        "really",
        "truly",
        "well",
        "always",
        "better",
        "more",
        "less",
        "little",
        "lot",
        "lots",
        "thanks",
        "thank",
        "help",
        "helps",
        "helping",
        "can",
        "also",
        "still",
        "even",
        "now",
        "today",
        "here",
        "right",
        "whole",
        "entire",
        "many",
        "much",
        "feature",
        "features",
        "offers",
        "offer",
        "provides",
        "provide",
        "gives",
        "give",
        "get",
        "gets",
        "comes",
        "come",
        "includes",
        "include",
        "product",
        "device",
        "model",
        "stylish",
        "elegant",
        "clever",
        "practical",
        "reliable",
        "convenient",
        "convenience",
        "einfach",
        "bequem",
        "komfort",
        "komfortabel",
        "gemütlich",
        "warm",
        "genießen",
        "perfekt",
        "ideal",
        "gut",
        "neu",
        "modern",
        "alltag",
        "jeden",
        "jede",
        "jeder",
        "tag",
        "leben",
        "zuhause",
        "hause",
        "zu",
        "ihr",
        "ihre",
        "ihren",
        "ihrem",
        "sie",
        "uns",
        "unser",
        "unsere",
        "wir",
        "man",
        "praktisch",
        "zuverlässig",
        "clever",
        "stilvoll",
        "elegant",
        "bietet",
        "bieten",
        "sorgt",
        "sorgen",
        "dank",
        "damit",
        "dafür",
        "gerät",
        "produkt",
        "modell",
        "lässt",
        "lassen",
        "immer",
        "noch",
        "mehr",
        "weniger",
        "ganz",
        "viel",
        "viele",
        "jetzt",
        "heute",
        "hier",
        "order",
        "buy",
        "shop",
        "discover",
        "explore",
        "try",
        "today",
        "now",
        "yours",
        "online",
        "store",
        "bestellen",
        "kaufen",
        "entdecken",
        "testen",
        "sichern",
        "shop",
        "online",
        "gleich",
        "sofort",
    ]
)
COVERAGE_THRESHOLD = 0.75  # share of a sentence's non-tone content words the evidence must cover
MAX_UNCOVERED = 1  # and never more than this many content words the evidence does not contain
_TOP_SENTENCES = 3
_SHORTLIST = 12


@dataclass
class SourceText:
    """A source of the run: its label (``S1``) and the chunks behind it."""

    label: str
    chunks: list[Chunk]
    title: str = ""


@dataclass
class _Ring:
    name: str
    chunks: list[Chunk]
    cited: bool


@dataclass
class _Assessment:
    findings: list[Finding] = field(default_factory=list)
    support: bool = False
    evidence: list[EvidenceCandidate] = field(default_factory=list)
    reason: str = ""
    contradicted: bool = False


def _plain_evidence(candidate: EvidenceCandidate, chunk: Chunk | None) -> dict[str, Any]:
    return {
        "chunk_id": candidate.chunk_id,
        "document_id": chunk.document_id if chunk else "",
        "title": chunk.title if chunk else "",
        "version": chunk.version if chunk else None,
        "valid_from": chunk.valid_from.isoformat() if chunk and chunk.valid_from else None,
        "valid_until": chunk.valid_until.isoformat() if chunk and chunk.valid_until else None,
        "text": candidate.text,
        "span": [candidate.start, candidate.end],
    }


class SentenceChecker:
    """Checks published sentences against a run's sources and the approved corpus."""

    def __init__(
        self,
        rules: ContradictionRules | None = None,
        policy: EvidencePolicy | None = None,
        subjects: Sequence[str] = (),
    ) -> None:
        self.rules = rules or ContradictionRules()
        self.policy = policy
        # Names besides products that make a sentence "about" something checkable (the company).
        self.subjects = tuple(s for s in subjects if s.strip())
        self._cache: dict[tuple[str, bool], list[EvidenceCandidate]] = {}
        self._chunks: dict[str, Chunk] = {}
        self._pages: dict[str, frozenset[str]] = {}
        self._run_products: dict[tuple[str, ...], frozenset[str]] = {}

    def chunk(self, chunk_id: str) -> Chunk | None:
        """A chunk this checker has read evidence from (for turning corpus evidence into a source)."""
        return self._chunks.get(chunk_id)

    # -- evidence ---------------------------------------------------------------------------------
    def _candidates(self, chunks: Iterable[Chunk], cited: bool) -> list[EvidenceCandidate]:
        out: list[EvidenceCandidate] = []
        for chunk in chunks:
            key = (chunk.id, cited)
            self._chunks.setdefault(chunk.id, chunk)
            if key not in self._cache:
                self._cache[key] = _chunk_candidates(chunk, self.rules.known_products, cited)
            out.extend(self._cache[key])
        return out

    def _page_of(self, candidate: EvidenceCandidate) -> frozenset[str]:
        """The products the candidate's page is about (its title, headings, product ids): a sentence on the
        Thermo 200's page that mentions the hub it connects to is still about the Thermo 200."""
        if candidate.chunk_id not in self._pages:
            chunk = self._chunks.get(candidate.chunk_id)
            found = _chunk_subjects(chunk, self.rules.known_products) if chunk is not None else frozenset()
            self._pages[candidate.chunk_id] = found
        return self._pages[candidate.chunk_id]

    def _admissible(self, chunks: Iterable[Chunk]) -> list[Chunk]:
        return [c for c in chunks if self.policy is None or self.policy.admits(c)]

    # -- one sentence -----------------------------------------------------------------------------
    def _facts(self, text: str, language: str) -> tuple[bool, bool, list[SpecialClaim]]:
        names = find_names(text, self.rules.known_products)
        quantities = outside(find_quantities(text, language), [(n.start, n.end) for n in names])
        words = set(tokens(text))
        attributes = any(words & values for values in ATTRIBUTE_VALUES.values()) or bool(words & PROPORTION_WORDS)
        specials = special_claims(text)
        folded = fold_text(text)
        about = bool(names) or any(fold_text(s) in folded for s in self.subjects)
        return bool(quantities or names or attributes or specials), about, specials

    def _run_product(self, chunks: Sequence[Chunk]) -> frozenset[str]:
        """The product the run's sources are about: every product key (name, article number) whose
        pages make up at least half of the source chunks about any product. A draft sentence that
        names no product ("Its batteries last up to 18 months") speaks of it, so a value another
        product's page states for itself does not support the sentence."""
        key = tuple(c.id for c in chunks)
        if key not in self._run_products:
            self._run_products[key] = self._count_run_product(chunks)
        return self._run_products[key]

    def _count_run_product(self, chunks: Sequence[Chunk]) -> frozenset[str]:
        counts: dict[str, int] = {}
        about_any = 0
        for chunk in chunks:
            found = _chunk_subjects(chunk, self.rules.known_products)
            if found:
                about_any += 1
            for key in found:
                counts[key] = counts.get(key, 0) + 1
        return frozenset(k for k, n in counts.items() if n * 2 >= about_any)

    def _assess(
        self,
        text: str,
        language: str,
        chunks: list[Chunk],
        cited: bool,
        specials: list[SpecialClaim],
        run_product: frozenset[str] = frozenset(),
    ) -> _Assessment:
        candidates = self._candidates(chunks, cited)
        if not candidates:
            return _Assessment(reason="no evidence to check against")
        text, notes = resolve_approximations(text, language, candidates)
        claim_subjects = {n.key for n in find_names(text, self.rules.known_products) if n.kind in {"product", "code"}}
        # A sentence on the product's own page is about that product even when it names another one
        # ("Der Preis beträgt 19,90 €" right after a sentence about the Hub 1, on the Bulb 9's page).
        candidates = [
            replace(c, subjects=c.subjects | page) if (page := self._page_of(c)) & claim_subjects else c
            for c in candidates
        ]
        findings, _ = check_quantities(text, language, candidates, self.rules, default_subjects=run_product)
        findings += [Finding("contradicted", why, (i,)) for why, i in overstatements(text, language, candidates)]
        findings += check_names(text, candidates, self.rules)
        findings += check_attributes(text, language, candidates, self.rules)
        relevant = [
            c
            for c in candidates
            if not claim_subjects or not c.subjects or c.subjects & claim_subjects or self._page_of(c) & claim_subjects
        ] or candidates
        findings += _special_findings(specials, relevant, language)
        headings = frozenset(
            st
            for cid in {c.chunk_id for c in relevant}
            if (chunk := self._chunks.get(cid)) is not None
            for st in content_stems(" ".join([chunk.title, *chunk.heading_path]), language)
        )
        coverage, uncovered, best = _coverage(text, language, relevant, self.rules.known_products, headings)
        contradicted = any(f.verdict == "contradicted" for f in findings)
        if not findings and best and coverage >= COVERAGE_THRESHOLD and len(uncovered) <= MAX_UNCOVERED:
            if _polarity_flip(text, language, best[0]):
                return _Assessment(
                    findings,
                    False,
                    best[:1],
                    f'the sentence and {best[0].chunk_id} disagree on a negation: "{_short(best[0].text)}"',
                    contradicted=True,
                )
            why = f"supported by {best[0].chunk_id} (coverage {coverage:.2f})"
            return _Assessment(findings, True, best, "; ".join([why, *notes]))
        if findings:
            ordered = sorted(findings, key=lambda f: f.verdict != "contradicted")
            shown = [candidates[i] for f in ordered for i in f.evidence if 0 <= i < len(candidates)]
            return _Assessment(findings, False, shown or best[:1], "; ".join(f.reason for f in ordered), contradicted)
        missing = ", ".join(sorted(uncovered)[:4])
        closest = f'; closest is {best[0].chunk_id}: "{_short(best[0].text)}"' if best else ""
        return _Assessment(
            findings,
            False,
            best[:1],
            f"no source states it (coverage {coverage:.2f}; not in the evidence: {missing}){closest}",
        )

    def check_segment(
        self,
        segment: Segment,
        sources: Sequence[SourceText],
        language: str,
        search: Search | None = None,
        hint_labels: Sequence[str] = (),
        ordinal: int = 1,
    ) -> dict[str, Any]:
        """The contract-1 dict for one sentence (see COORDINATION contract 1)."""
        text = fold_text(segment.check_text, casefold=False)
        base: dict[str, Any] = {
            "id": f"s{ordinal}",
            "field": segment.field,
            "text": segment.text,
            "start": segment.start,
            "end": segment.end,
            "citations": [],
            "citation_corrected": False,
            "evidence": None,
        }
        has_facts, about, specials = self._facts(text, language)
        reason = no_claim_reason(text, has_facts, about)
        by_label = {s.label: s for s in sources}
        cited_labels = [lab for lab in dict.fromkeys([*segment.labels, *hint_labels]) if lab in by_label]
        unknown = [lab for lab in segment.labels if lab not in by_label]
        chunk_label = {c.id: s.label for s in sources for c in s.chunks}
        chunk_of = {c.id: c for s in sources for c in s.chunks}
        rings: list[_Ring] = []
        if cited_labels:
            rings.append(_Ring("cited", [c for lab in cited_labels for c in by_label[lab].chunks], True))
        rings.append(_Ring("context", [c for s in sources for c in s.chunks], True))
        assessments: list[tuple[_Ring, _Assessment]] = []
        if reason is not None:
            # Even a sentence without a claim gets a citation when a source states it.
            return {**base, "verdict": "no_claim", "reason": reason, "citations": list(segment.labels)}
        run_product = self._run_product(rings[-1].chunks)
        for ring in rings:
            result = self._assess(text, language, self._admissible(ring.chunks), ring.cited, specials, run_product)
            assessments.append((ring, result))
            if result.support:
                return self._supported(base, segment, result, ring, chunk_label, chunk_of, cited_labels, unknown)
        if search is not None:
            known = {c.id for s in sources for c in s.chunks}
            found = [c for c in self._admissible(search(text)) if c.id not in known]
            if found:
                ring = _Ring("corpus", found, False)
                result = self._assess(text, language, [*rings[-1].chunks, *found], False, specials, run_product)
                assessments.append((ring, result))
                chunk_of.update({c.id: c for c in found})
                if result.support:
                    return self._supported(base, segment, result, ring, chunk_label, chunk_of, cited_labels, unknown)
        contradicting = next(((r, a) for r, a in assessments if a.contradicted), None)
        ring, result = contradicting or assessments[-1]
        evidence = result.evidence[0] if result.evidence else None
        prefix = f"cites unknown source(s) {', '.join(unknown)}; " if unknown else ""
        return {
            **base,
            "verdict": "contradicted" if contradicting else "not_found",
            "reason": prefix + result.reason,
            "citations": [lab for lab in segment.labels if lab in by_label],
            "evidence": _plain_evidence(evidence, chunk_of.get(evidence.chunk_id)) if evidence else None,
        }

    def _supported(
        self,
        base: dict[str, Any],
        segment: Segment,
        result: _Assessment,
        ring: _Ring,
        chunk_label: dict[str, str],
        chunk_of: dict[str, Chunk],
        cited_labels: list[str],
        unknown: list[str],
    ) -> dict[str, Any]:
        top = result.evidence[0]
        labels = list(dict.fromkeys(chunk_label[c.chunk_id] for c in result.evidence if c.chunk_id in chunk_label))
        new_source = top.chunk_id not in chunk_label
        corrected = set(labels) != set(segment.labels) or new_source
        reason = result.reason
        if new_source:
            reason += f"; found in the approved corpus ({top.chunk_id}), added as a source"
        elif corrected and segment.labels:
            reason += f"; citation corrected from {', '.join(segment.labels)} to {', '.join(labels)}"
        elif corrected:
            reason += f"; citation added: {', '.join(labels)}"
        if unknown:
            reason += f"; unknown source(s) {', '.join(unknown)} dropped"
        return {
            **base,
            "verdict": "supported",
            "reason": reason,
            "citations": labels,
            "citation_corrected": corrected,
            "evidence": _plain_evidence(top, chunk_of.get(top.chunk_id)),
            **({"new_source_chunk": top.chunk_id} if new_source else {}),
        }

    def check(
        self,
        segments: Sequence[Segment],
        sources: Sequence[SourceText],
        language: str,
        search: Search | None = None,
        hints: Sequence[tuple[str, Sequence[str]]] = (),
    ) -> list[dict[str, Any]]:
        """One verdict dict per segment, in order. ``hints``: the model's (claim text, labels) list."""
        out = []
        for n, segment in enumerate(segments, 1):
            labels = _hint_labels(segment.check_text, hints, language)
            out.append(self.check_segment(segment, sources, language, search, labels, n))
        return out


_CANDIDATES: dict[tuple[str, int, str, tuple[str, ...], bool], list[EvidenceCandidate]] = {}
_CANDIDATES_MAX = 20_000


def _chunk_candidates(chunk: Chunk, known: tuple[str, ...], cited: bool) -> list[EvidenceCandidate]:
    """A chunk's evidence sentences, cached per process by chunk id, text and catalogue: the same
    approved pages back run after run, and splitting them is most of a check's cost."""
    key = (chunk.id, hash(chunk.text), chunk.title, known, cited)
    found = _CANDIDATES.get(key)
    if found is None:
        if len(_CANDIDATES) >= _CANDIDATES_MAX:
            _CANDIDATES.clear()
        found = _CANDIDATES[key] = candidates_from_chunks([chunk], list(known), cited=cited)
    return found


def _special_findings(
    specials: list[SpecialClaim], candidates: Sequence[EvidenceCandidate], language: str
) -> list[Finding]:
    """A superlative, health/green or compatibility statement must be stated by the evidence too."""
    findings: list[Finding] = []
    for claim in specials:
        if claim.kind == "compatibility":
            key = normalise_name(claim.surface)
            first = normalise_name(claim.surface.split()[0])
            if any(
                key in normalise_name(c.text) or (len(first) > 3 and first in normalise_name(c.text))
                for c in candidates
            ):
                continue
            findings.append(Finding("not_found", f"compatibility with {claim.surface} is not stated by the sources"))
            continue
        wanted = {stem(w, language) for w in tokens(claim.surface)}
        if wanted and any(wanted <= c.stems | {stem(w, language) for w in c.words} for c in candidates):
            continue
        label = "superlative or absolute claim" if claim.kind == "superlative" else "health or environmental claim"
        findings.append(Finding("not_found", f"{label} '{claim.surface}' is not stated by any source"))
    return findings


_PHRASES: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    lang: tuple((re.compile(rf"\b{p}\b", re.IGNORECASE), word) for p, word in pairs)
    for lang, pairs in EQUIVALENT_PHRASES.items()
}


def _as_source_words(text: str, language: str) -> str:
    """The sentence with the paraphrases of :data:`lexicon.EQUIVALENT_PHRASES` in the source's words."""
    for pattern, word in _PHRASES.get(language, ()):
        text = pattern.sub(word, text)
    return text


def _coverage(
    text: str,
    language: str,
    candidates: Sequence[EvidenceCandidate],
    known: Sequence[str] = (),
    headings: frozenset[str] = frozenset(),
) -> tuple[float, set[str], list[EvidenceCandidate]]:
    """Coverage of the sentence's non-tone content stems by its best few evidence sentences
    and the titles and headings of the relevant chunks."""
    # Names are checked exactly by the name rules; coverage is about what the sentence says of them.
    for name in sorted(find_names(text, known), key=lambda n: -n.start):
        text = text[: name.start] + " " + text[name.end :]
    text = _as_source_words(text, language)
    stems = [s for s in dict.fromkeys(content_stems(text, language)) if s not in _TONE_STEMS.get(language, set())]
    if not candidates:
        return 0.0, set(stems), []
    if not stems:
        return 1.0, set(), list(candidates[:1])
    wanted = set(stems)
    claim_quantities = [(q, attribute_of(text, q)) for q in find_quantities(text, language)]

    # Shortlist by plain overlap first: fuzzy matching every sentence of six pages per sentence is slow.
    def overlap(c: EvidenceCandidate) -> int:
        return len(wanted & c.stems) + sum(1 for q, _ in claim_quantities for e in c.quantities if q.same_value(e))

    shortlist = sorted(candidates, key=overlap, reverse=True)[:_SHORTLIST]
    scored = []
    for c in shortlist:
        given = _given(text, language, claim_quantities, c)
        scored.append((_fuzzy_coverage(stems, c.stems, 85.0, given), c, given))
    scored.sort(key=lambda item: -item[0])
    # Union of the best few sentences about the same product (facts spread over a page: the
    # overview names the batteries, the table their life).
    # Greedy: a further sentence joins only when it covers what the ones before did not, so
    # the citations name exactly the sentences the support rests on.
    pool = [scored[0]]
    covered = set(scored[0][1].stems) | set(scored[0][2])
    for item in scored[1 : _TOP_SENTENCES * 3]:
        if len(pool) >= _TOP_SENTENCES:
            break
        gain = {s for s in stems if s not in covered and (s in item[1].stems or s in item[2])}
        if gain:
            pool.append(item)
            covered |= set(item[1].stems) | set(item[2])
    union_stems: frozenset[str] = frozenset().union(*(item[1].stems for item in pool))
    # The page's title and headings state what it is about ("Technical data", "Price").
    union_given: frozenset[str] = frozenset().union(*(item[2] for item in pool)) | headings
    coverage = _fuzzy_coverage(stems, union_stems, 85.0, union_given)
    uncovered = {
        s
        for s in stems
        if s not in union_stems and s not in union_given and _fuzzy_coverage([s], union_stems, 85.0) == 0
    }
    return coverage, uncovered, [item[1] for item in pool]


_NEGATIONS = frozenset(
    [
        "not",
        "no",
        "never",
        "none",
        "cannot",
        "can't",
        "doesn't",
        "don't",
        "isn't",
        "aren't",
        "won't",
        "nicht",
        "kein",
        "keine",
        "keinen",
        "keinem",
        "keiner",
        "nie",
        "niemals",
    ]
)


def _polarity_flip(text: str, language: str, evidence: EvidenceCandidate) -> bool:
    """Whether the sentence and its best evidence disagree on a negation about what the sentence says.

    The sentence negates and the evidence does not; or the evidence negates a word the sentence
    asserts ("does not need a hub" contradicts "needs a hub", not "connects via Wi-Fi").
    """
    claim_words = tokens(text)
    if _negated(claim_words):
        return not _negated(evidence.words)
    ev_words = tokens(evidence.text)
    negated: set[str] = set()
    for i, word in enumerate(ev_words):
        if word in _NEGATIONS or word.endswith("n't"):
            negated.update(content_stems(" ".join(ev_words[i + 1 : i + 4]), language))
    return bool(negated & set(content_stems(text, language)) - _TONE_STEMS.get(language, set()))


def _negated(words: Iterable[str]) -> bool:
    """Whether a sentence negates what it says ("without tools" is not a negation of the claim)."""
    return any(w in _NEGATIONS or w.endswith("n't") for w in words)


def _given(
    text: str, language: str, quantities: list[tuple[Quantity, str | None]], candidate: EvidenceCandidate
) -> frozenset[str]:
    """Sentence stems the candidate states in another form: a quantity it gives in other words
    ("zwei Jahre" = "24 Monate"), and the words naming the attribute it gives that value for."""
    stems: set[str] = set()
    for q, wanted in quantities:
        hits = [k for k, e in enumerate(candidate.quantities) if q.same_value(e)]
        if not hits:
            continue
        stems.update(content_stems(q.surface, language))
        if wanted is not None and any(candidate.attribute(k) == wanted for k in hits):
            stems.update(content_stems(" ".join(cue_words(text, wanted)), language))
    return frozenset(stems)


def _tone_stems(language: str) -> set[str]:
    return {stem(w, language) for w in TONE_WORDS}


_TONE_STEMS: dict[str, set[str]] = {lang: _tone_stems(lang) for lang in ("de", "en")}


def _hint_labels(text: str, hints: Sequence[tuple[str, Sequence[str]]], language: str) -> list[str]:
    """Labels of model claims that restate this sentence (most shared content words, at least half)."""
    mine = set(content_stems(text, language))
    if not mine:
        return []
    labels: list[str] = []
    for claim_text, claim_labels in hints:
        theirs = set(content_stems(claim_text, language))
        if theirs and len(mine & theirs) / len(mine | theirs) >= 0.5:
            labels.extend(claim_labels)
    return list(dict.fromkeys(labels))


def _short(text: str, limit: int = 140) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
