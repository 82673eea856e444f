"""Entailment: does the evidence say what the claim says, beyond the exact-match rules?

Two implementations share the :class:`Entailer` protocol. :class:`LexicalEntailer`
is deterministic and runs anywhere: stemmed token coverage of the claim by the best
sentence (or pair of adjacent sentences), fuzzy matching for compounds and spelling
variants (rapidfuzz), and, when an embedder is injected, cosine similarity. It also
flags polarity flips (negation, antonyms) against well-matching sentences as
contradictions. ``tools.factcheck.llm.LLMEntailer`` asks a capable model instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from tools.embeddings import Embedder
from tools.factcheck.attributes import attribute_of, cue_words, named_attributes
from tools.factcheck.evidence import EvidenceCandidate
from tools.factcheck.lexicon import ANTONYMS, NEGATIONS
from tools.factcheck.models import Verdict
from tools.factcheck.names import find_names, normalise_name
from tools.factcheck.quantities import find_quantities, outside
from tools.factcheck.text import content_stems, stem, tokens


@dataclass
class Entailment:
    """An entailer's answer: label, support score in [0, 1], the sentences it rests on, why."""

    label: Verdict
    score: float
    evidence: list[int] = field(default_factory=list)
    reason: str = ""


class Entailer(Protocol):
    """Judges whether evidence sentences entail a claim."""

    def entail(self, claim: str, candidates: Sequence[EvidenceCandidate], language: str) -> Entailment:
        """Label the claim against ``candidates`` (indices in the result refer to them)."""
        ...


def _fuzzy_coverage(
    claim_stems: Sequence[str],
    evidence_stems: frozenset[str],
    cutoff: float,
    given: frozenset[str] = frozenset(),
) -> float:
    """Share of claim stems found in the evidence; ``given`` stems count as found."""
    if not claim_stems:
        return 0.0
    pool = list(evidence_stems)
    total = 0.0
    for token in claim_stems:
        if token in evidence_stems or token in given:
            total += 1.0
        elif pool and len(token) >= 4:
            hit = process.extractOne(token, pool, scorer=fuzz.ratio, score_cutoff=cutoff)
            if hit is not None:
                total += float(hit[1]) / 100.0
    return total / len(claim_stems)


def _given_stems(claim: str, language: str, candidate: EvidenceCandidate) -> frozenset[str]:
    """Claim stems the candidate covers without repeating the words.

    Quantities it states in another form ("zwei Jahre" = "24 Monate"), the words naming
    the attribute a quantity is stated for, and the product
    the sentence is about by context ("Die Garantie beträgt 24 Monate." under an
    "Aero 500" heading covers "Aero 500").
    """
    stems: set[str] = set()
    names = [(n.start, n.end) for n in find_names(claim)]
    for q in outside(find_quantities(claim, language), names):
        if any(q.same_value(e) for e in candidate.quantities):
            stems.update(content_stems(q.surface, language))
        # A value given for the attribute the claim names covers the words naming it:
        # "| Battery life | up to 24 months |" states "the battery lasts up to 24 months".
        wanted = attribute_of(claim, q)
        if wanted is not None and any(
            q.same_value(e) and candidate.attribute(k) == wanted for k, e in enumerate(candidate.quantities)
        ):
            stems.update(content_stems(" ".join(cue_words(claim, wanted)), language))
    if candidate.subjects:
        words = tokens(claim)
        for size in (1, 2, 3):
            for start in range(len(words) - size + 1):
                window = words[start : start + size]
                if normalise_name("".join(window)) in candidate.subjects:
                    stems.update(content_stems(" ".join(window), language))
    return frozenset(stems)


def _has_negation(words: Sequence[str] | frozenset[str]) -> bool:
    return any(w in NEGATIONS or w.endswith("n't") for w in words)


def _antonym_flip(claim_stems: set[str], evidence_stems: frozenset[str], language: str) -> tuple[str, str] | None:
    for a, b in ANTONYMS:
        sa, sb = stem(a, language), stem(b, language)
        if sa in claim_stems and sb in evidence_stems and sa not in evidence_stems:
            return a, b
        if sb in claim_stems and sa in evidence_stems and sb not in evidence_stems:
            return b, a
    return None


# Tuned on the tune half of SciFact (evals/factcheck.py): best supported-vs-not macro-F1.
THRESHOLD_WITH_EMBEDDER = 0.58  # with lexical_weight 0.5 and multilingual-e5-small
THRESHOLD_LEXICAL = 0.36  # stemmed/fuzzy coverage alone


class LexicalEntailer:
    """Deterministic support score: stemmed/fuzzy coverage blended with embedding cosine.

    ``score = lexical_weight * coverage + (1 - lexical_weight) * rescaled cosine``,
    maximised over sentences and adjacent sentence pairs. Cosine is rescaled from
    ``[cos_floor, cos_ceiling]`` to [0, 1] because e5 similarities sit in a narrow band.
    Default thresholds were tuned on half of SciFact (see ``evals/factcheck.py``);
    without an embedder the score is coverage alone and the lower threshold applies.
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        support_threshold: float | None = None,
        lexical_weight: float = 0.5,
        cos_floor: float = 0.75,
        cos_ceiling: float = 0.92,
        fuzzy_cutoff: float = 85.0,
        polarity_min_coverage: float = 0.5,
        negation: bool = True,
        antonyms: bool = True,
    ) -> None:
        self.embedder = embedder
        if support_threshold is None:
            support_threshold = THRESHOLD_WITH_EMBEDDER if embedder is not None else THRESHOLD_LEXICAL
        self.support_threshold = support_threshold
        self.lexical_weight = lexical_weight if embedder is not None else 1.0
        self.cos_floor = cos_floor
        self.cos_ceiling = cos_ceiling
        self.fuzzy_cutoff = fuzzy_cutoff
        self.polarity_min_coverage = polarity_min_coverage
        self.negation = negation
        self.antonyms = antonyms

    def _cosines(self, claim: str, candidates: Sequence[EvidenceCandidate]) -> npt.NDArray[np.float32]:
        if self.embedder is None or not candidates:
            return np.zeros(len(candidates), dtype=np.float32)
        query = self.embedder.embed_queries([claim])
        passages = self.embedder.embed_passages([c.text for c in candidates])
        cos = passages @ query[0]
        span = max(self.cos_ceiling - self.cos_floor, 1e-6)
        return np.clip((cos - self.cos_floor) / span, 0.0, 1.0).astype(np.float32)

    def _features(
        self, claim: str, candidates: Sequence[EvidenceCandidate], language: str
    ) -> tuple[list[str], list[frozenset[str]], list[float], npt.NDArray[np.float32]]:
        claim_stems = list(dict.fromkeys(content_stems(claim, language)))
        given = [_given_stems(claim, language, c) for c in candidates]
        coverage = [
            _fuzzy_coverage(claim_stems, c.stems, self.fuzzy_cutoff, g) for c, g in zip(candidates, given, strict=True)
        ]
        return claim_stems, given, coverage, self._cosines(claim, candidates)

    def scores(self, claim: str, candidates: Sequence[EvidenceCandidate], language: str) -> list[float]:
        """Per-sentence support scores (used for evidence selection by other entailers too)."""
        _, _, coverage, cos = self._features(claim, candidates, language)
        w = self.lexical_weight
        return [w * cov + (1 - w) * float(cs) for cov, cs in zip(coverage, cos, strict=True)]

    def entail(self, claim: str, candidates: Sequence[EvidenceCandidate], language: str) -> Entailment:
        if not candidates:
            return Entailment("not_found", 0.0, [], "no evidence to check against")
        claim_stems, given, coverage, cos = self._features(claim, candidates, language)
        w = self.lexical_weight
        best_score, best = -1.0, [0]
        for i, cand in enumerate(candidates):
            single = w * coverage[i] + (1 - w) * float(cos[i])
            if single > best_score:
                best_score, best = single, [i]
            j = i + 1
            if j < len(candidates) and candidates[j].chunk_id == cand.chunk_id:
                pair_cov = _fuzzy_coverage(
                    claim_stems, cand.stems | candidates[j].stems, self.fuzzy_cutoff, given[i] | given[j]
                )
                pair = 0.9 * (w * pair_cov + (1 - w) * float(max(cos[i], cos[j])))
                if pair > best_score:
                    best_score, best = pair, [i, j]
        score = float(max(0.0, min(1.0, best_score)))
        top = candidates[max(best, key=lambda k: coverage[k])]
        flip = self._polarity_flip(claim, claim_stems, candidates, best, coverage, language)
        if flip:
            return Entailment("contradicted", score, best, flip)
        if score >= self.support_threshold:
            return Entailment("supported", score, best, f"supported by {top.chunk_id} (support score {score:.2f})")
        return Entailment(
            "not_found",
            score,
            best,
            f'no sentence states the claim; closest is {top.chunk_id}: "{_short(top.text)}" '
            f"(support score {score:.2f} < {self.support_threshold:.2f})",
        )

    def _polarity_flip(
        self,
        claim: str,
        claim_stems: list[str],
        candidates: Sequence[EvidenceCandidate],
        best: list[int],
        coverage: list[float],
        language: str,
    ) -> str | None:
        if max(coverage[i] for i in best) < self.polarity_min_coverage:
            return None
        if not self._same_attributes(claim, language, [candidates[i] for i in best]):
            return None
        claim_words = tokens(claim)
        words: frozenset[str] = frozenset().union(*(candidates[i].words for i in best))
        stems: frozenset[str] = frozenset().union(*(candidates[i].stems for i in best))
        top = candidates[max(best, key=lambda k: coverage[k])]
        if self.negation and _has_negation(claim_words) != _has_negation(words):
            side = "negates" if _has_negation(claim_words) else "does not negate"
            return f'claim {side} what {top.chunk_id} states: "{_short(top.text)}"'
        pair = _antonym_flip(set(claim_stems), stems, language) if self.antonyms else None
        if pair:
            return f"claim says '{pair[0]}' where {top.chunk_id} says '{pair[1]}': \"{_short(top.text)}\""
        return None

    @staticmethod
    def _same_attributes(claim: str, language: str, evidence: Sequence[EvidenceCandidate]) -> bool:
        """Whether the evidence is about an attribute the claim's values are given for.

        A negation in a sentence about the warranty says nothing about a claim on battery
        life, however many words they share; claims without attributed values pass.
        """
        names = [(n.start, n.end) for n in find_names(claim)]
        wanted = {a for q in outside(find_quantities(claim, language), names) if (a := attribute_of(claim, q))}
        if not wanted:
            return True
        stated: set[str] = set()
        for candidate in evidence:
            stated |= named_attributes(candidate.text) | {a for a in candidate.attributes if a}
        return bool(wanted & stated)


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
