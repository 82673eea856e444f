"""Replace personal data in briefs, source chunks and drafts before a model sees them.

The policy is per entity type: ``redact`` (``<PERSON>``), ``mask`` (``****1234``) or
``pseudonymise`` (default: ``<PERSON_1>``, the same label for the same value everywhere
in a run, via a shared :class:`PseudonymMap`). Overlapping detections are resolved
greedily by score, then by length, so one value is replaced once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from presidio_analyzer import RecognizerResult

from tools.pii.engine import analyze
from tools.pii.filters import drop_implausible
from tools.pii.models import Action, PiiFinding, PseudonymMap, ScrubResult

# Entities scrubbed by default. LOCATION/ORGANIZATION/DATE_TIME/NRP are detected by the
# NER model but are not personal data in marketing copy ("Berlin", "ACME", "Mai 2025"),
# and URL would strip the brand's own links; callers can opt in via ``entities``.
DEFAULT_ENTITIES: tuple[str, ...] = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "IBAN_CODE",
    "CREDIT_CARD",
    "ADDRESS",
    "IP_ADDRESS",
    "US_SSN",
    "DE_TAX_ID",
    "DE_TAX_NUMBER",
    "DE_VAT_ID",
    "DE_SOCIAL_SECURITY",
)
_VALID_ACTIONS = {"redact", "mask", "pseudonymise", "pseudonymize"}


def _mask(value: str, keep: int = 4) -> str:
    """``****1234``: keep the last ``keep`` alphanumerics so an editor can tell cards apart."""
    alnum = [c for c in value if c.isalnum()]
    tail = "".join(alnum[-keep:]) if len(alnum) > keep * 2 else ""
    return "****" + tail


def merge_person_spans(results: Iterable[Any]) -> list[Any]:
    """Join overlapping PERSON detections into one span with the best score.

    NER often finds only part of a name ("Ryan" of "Ryan P Costa") while a context or
    lexicon rule finds all of it with a lower score; both agree it is a person, so the
    union is kept rather than letting the higher-scoring fragment win.
    """
    persons = sorted((r for r in results if r.entity_type == "PERSON"), key=lambda r: (r.start, -r.end))
    others = [r for r in results if r.entity_type != "PERSON"]
    merged: list[Any] = []
    for r in persons:
        last = merged[-1] if merged else None
        if last is not None and r.start < last.end:
            if r.end > last.end or r.score > last.score:
                merged[-1] = RecognizerResult(
                    "PERSON", last.start, max(last.end, r.end), max(last.score, r.score), last.analysis_explanation
                )
        else:
            merged.append(r)
    return others + merged


def resolve_overlaps(results: Iterable[Any]) -> list[Any]:
    """Keep the highest-scoring (then longest) of any overlapping detections, in text order."""
    chosen: list[Any] = []
    for r in sorted(merge_person_spans(results), key=lambda r: (-r.score, -(r.end - r.start), r.start)):
        if all(r.end <= c.start or r.start >= c.end for c in chosen):
            chosen.append(r)
    return sorted(chosen, key=lambda r: r.start)


def public_spans(text: str, allow: Iterable[str]) -> list[tuple[int, int]]:
    """Where whole public names occur in ``text`` (case-insensitive, at word boundaries)."""
    spans: list[tuple[int, int]] = []
    for term in {a.strip() for a in allow if a and a.strip()}:
        pattern = re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE)
        spans.extend((m.start(), m.end()) for m in pattern.finditer(text))
    return spans


class PiiScrubber:
    """Detect and replace PII; cheap to construct (the analyzer is shared per process)."""

    def __init__(
        self,
        policy: dict[str, str] | None = None,
        entities: Iterable[str] | None = None,
        threshold: float = 0.5,
    ) -> None:
        self.policy: dict[str, str] = {}
        for entity, action in (policy or {}).items():
            if action not in _VALID_ACTIONS:
                raise ValueError(f"unknown PII action {action!r} for {entity}; use redact, mask or pseudonymise")
            self.policy[entity] = "pseudonymise" if action == "pseudonymize" else action
        self.entities = list(entities) if entities is not None else list(DEFAULT_ENTITIES)
        self.threshold = threshold

    def action_for(self, entity_type: str) -> Action:
        """Policy lookup with ``*`` as a wildcard and pseudonymise as the default."""
        action = self.policy.get(entity_type) or self.policy.get("*") or "pseudonymise"
        return action  # type: ignore[return-value]

    def detect(self, text: str, language: str) -> list[Any]:
        """Non-overlapping Presidio results (with offsets) for ``text``."""
        if not text.strip():
            return []
        raw = analyze(text, language, self.entities, self.threshold)
        return resolve_overlaps(drop_implausible(raw, text))

    def _replacement(self, entity_type: str, value: str, pseudonyms: PseudonymMap) -> str:
        action = self.action_for(entity_type)
        if action == "redact":
            return f"<{entity_type}>"
        if action == "mask":
            return _mask(value)
        return pseudonyms.pseudonym(entity_type, value)

    def scrub(
        self,
        text: str,
        language: str,
        pseudonyms: PseudonymMap | None = None,
        allow: Iterable[str] = (),
    ) -> ScrubResult:
        """Return the scrubbed text and findings (offsets into the original ``text``).

        ``allow`` holds whole public names (products, product ids, the company): a
        detected span lying inside an occurrence of one of them *in this text* is left
        alone, so "Kettle K1" mistaken for a person by NER does not turn into
        ``<PERSON_1>`` in "Acme Kettle K1". A name that merely occurs somewhere in a
        public term (a title "Call with Priya Raghunathan") is not protected.
        """
        pseudonyms = pseudonyms if pseudonyms is not None else PseudonymMap()
        public = public_spans(text, allow)
        results = [r for r in self.detect(text, language) if not any(s <= r.start and r.end <= e for s, e in public)]
        findings: list[PiiFinding] = []
        out: list[str] = []
        cursor = 0
        for r in results:
            value = text[r.start : r.end]
            replacement = self._replacement(r.entity_type, value, pseudonyms)
            out.append(text[cursor : r.start])
            out.append(replacement)
            cursor = r.end
            findings.append(PiiFinding(r.entity_type, r.start, r.end, float(r.score), replacement))
        out.append(text[cursor:])
        return ScrubResult(text="".join(out), findings=findings)
