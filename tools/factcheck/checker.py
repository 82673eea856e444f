"""The claim-level fact-checker: exact-match rules first, then entailment, cited sources first.

Order matters. The chunks a claim cites are checked first, because that is what the
editor will look at; only if they do not support it is the whole approved corpus asked
(through the ``search`` callable, so this module needs no store). A claim supported
only by uncited material is still ``supported``, and the reason says which chunk to
cite instead. A value that the evidence states differently makes the claim
``contradicted``; anything else unsupported is ``not_found``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tools.embeddings import Embedder
from tools.factcheck.entailment import Entailer, Entailment, LexicalEntailer
from tools.factcheck.evidence import EvidenceCandidate, candidates_from_chunks
from tools.factcheck.models import Claim, ClaimVerdict, EvidenceSpan
from tools.factcheck.rules import ContradictionRules, Finding, check_attributes, check_names, check_quantities
from tools.models import Chunk

Search = Callable[[str], list[Chunk]]


class _Outcome:
    """Rules and entailment for one claim against one pool of evidence."""

    def __init__(
        self, candidates: list[EvidenceCandidate], findings: list[Finding], support: set[int], ent: Entailment
    ) -> None:
        self.candidates = candidates
        self.findings = findings
        self.support = support
        self.entailment = ent

    @property
    def supported(self) -> bool:
        return not self.findings and self.entailment.label == "supported"

    @property
    def contradicted(self) -> bool:
        return any(f.verdict == "contradicted" for f in self.findings) or (
            not self.findings and self.entailment.label == "contradicted"
        )

    def spans(self, indices: Sequence[int]) -> list[EvidenceSpan]:
        seen: list[int] = []
        for i in indices:
            if 0 <= i < len(self.candidates) and i not in seen:
                seen.append(i)
        return [
            EvidenceSpan(
                chunk_id=self.candidates[i].chunk_id,
                start=self.candidates[i].start,
                end=self.candidates[i].end,
                text=self.candidates[i].text,
                cited=self.candidates[i].cited,
            )
            for i in seen
        ]

    def reason(self) -> str:
        if self.findings:
            ordered = sorted(self.findings, key=lambda f: f.verdict != "contradicted")
            return "; ".join(f.reason for f in ordered)
        return self.entailment.reason

    def evidence(self) -> list[EvidenceSpan]:
        if self.findings:
            indices = [i for f in self.findings for i in f.evidence] or self.entailment.evidence
            return self.spans(indices)
        return self.spans([*self.entailment.evidence, *sorted(self.support)])


class FactChecker:
    """Checks claims against cited chunks, then against the corpus via ``search``.

    ``support_threshold`` applies to the default :class:`LexicalEntailer` (built with
    ``embedder`` when one is given; ``None`` = the SciFact-tuned default for that mode,
    0.58 with an embedder, 0.36 without); pass ``entailer`` to use another one, such as
    ``LLMEntailer``. ``contradiction_rules`` switches exact-match rules and supplies
    the catalogue's product names.
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        entailer: Entailer | None = None,
        support_threshold: float | None = None,
        contradiction_rules: ContradictionRules | None = None,
    ) -> None:
        self.rules = contradiction_rules or ContradictionRules()
        self.entailer: Entailer = entailer or LexicalEntailer(
            embedder=embedder,
            support_threshold=support_threshold,
            negation=self.rules.negation,
            antonyms=self.rules.antonyms,
        )

    def _known(self, chunks: Sequence[Chunk]) -> list[str]:
        return list(self.rules.known_products)

    def _assess(self, claim: str, chunks: Sequence[Chunk], cited: bool, language: str) -> _Outcome:
        candidates = candidates_from_chunks(chunks, self._known(chunks), cited=cited)
        if not candidates:
            return _Outcome([], [], set(), Entailment("not_found", 0.0, [], "no evidence to check against"))
        findings, support = check_quantities(claim, language, candidates, self.rules)
        findings += check_names(claim, candidates, self.rules)
        findings += check_attributes(claim, language, candidates, self.rules)
        return _Outcome(candidates, findings, support, self.entailer.entail(claim, candidates, language))

    def check_one(
        self, claim: Claim, chunks: dict[str, Chunk], search: Search | None = None, language: str = "en"
    ) -> ClaimVerdict:
        """The verdict on a single claim (see :meth:`check`)."""
        cited_chunks = [chunks[cid] for cid in claim.chunk_ids if cid in chunks]
        missing = [cid for cid in claim.chunk_ids if cid not in chunks]
        cited = self._assess(claim.text, cited_chunks, True, language) if cited_chunks else None
        if cited is not None and cited.supported:
            return ClaimVerdict(
                claim=claim,
                verdict="supported",
                evidence=cited.evidence(),
                reason=cited.reason(),
                score=cited.entailment.score,
            )
        found = None
        if search is not None:
            cited_ids = {c.id for c in cited_chunks}
            retrieved = [c for c in search(claim.text) if c.id not in cited_ids]
            if retrieved:
                found = self._assess(claim.text, retrieved, False, language)
        if found is not None and found.supported:
            spans = found.evidence()
            where = ", ".join(dict.fromkeys(s.chunk_id for s in spans))
            prefix = _cited_summary(cited, missing)
            return ClaimVerdict(
                claim=claim,
                verdict="supported",
                evidence=spans,
                reason=f"{prefix}; supported by uncited {where} — cite it instead",
                score=found.entailment.score,
            )
        return _unsupported(claim, cited, found, missing)

    def check(
        self,
        claims: list[Claim],
        chunks: dict[str, Chunk],
        search: Search | None = None,
        language: str = "en",
    ) -> list[ClaimVerdict]:
        """One verdict per claim, in order. ``chunks`` maps chunk id to chunk (at least the cited ones)."""
        return [self.check_one(claim, chunks, search, language) for claim in claims]


def _cited_summary(cited: _Outcome | None, missing: list[str]) -> str:
    if cited is None:
        return f"cited chunks {', '.join(missing)} unknown" if missing else "no cited source"
    return f"not in cited source ({cited.reason()})"


def _unsupported(claim: Claim, cited: _Outcome | None, found: _Outcome | None, missing: list[str]) -> ClaimVerdict:
    contradicting = next((o for o in (cited, found) if o is not None and o.contradicted), None)
    if contradicting is not None:
        return ClaimVerdict(
            claim=claim,
            verdict="contradicted",
            evidence=contradicting.evidence(),
            reason=contradicting.reason(),
            score=contradicting.entailment.score,
        )
    primary = cited or found
    parts = []
    if cited is None:
        parts.append(_cited_summary(None, missing))
    if primary is not None:
        parts.append(primary.reason())
    if found is not None and primary is not found:
        parts.append("approved corpus: " + found.reason())
    return ClaimVerdict(
        claim=claim,
        verdict="not_found",
        evidence=primary.evidence() if primary is not None else [],
        reason="; ".join(parts) if parts else "no evidence",
        score=primary.entailment.score if primary is not None else 0.0,
    )
