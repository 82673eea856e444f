"""A shape-based phone recognizer that complements Presidio's ``phonenumbers`` one.

Why: ``phonenumbers`` rejects numbers that are valid-looking but not in its numbering
plan metadata (typos, new ranges, foreign formats such as "0680 298 70 63") and is
region-bound. A number a customer typed into a ticket is PII whether or not it is
dialable. This recognizer scores by shape (international prefix, trunk zero, digit
grouping) and by a cue word nearby, so order numbers and model numbers without a cue
stay below the threshold.
"""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

_PHONE = re.compile(
    r"(?<![\w+/.-])"
    r"(?:\+\d{1,3}[ .-]?(?:\(0\)[ .-]?)?|00\d{2}[ .-]?|\(\d{2,5}\)[ .-]?|0)?"
    r"\d{1,5}(?:[ ./-]?\(?\d{1,5}\)?){1,5}"
    r"(?![\w-])"
)
_CUE = re.compile(
    r"(?i)(?:tel|telefon|telephone|phone|fon|fax|mobil|mobile|handy|cell|ruf|rufen|anrufen|erreichbar"
    r"|erreichen|call|contact|kontakt|nummer|number|no|nr|whatsapp|sms|hotline|durchwahl|unter|at|on)\W{0,4}$"
)
_NEGATIVE_CUE = re.compile(
    r"(?i)(?:bestell|order|rechnung|invoice|artikel|article|sku|modell|model|serien|serial|ticket|kunden-?nr"
    r"|customer no|plz|zip|iban|konto|account|karte|card|id|ean|gtin|isbn|preis|price|eur|€|\$)\w*\W{0,12}$"
)


class LenientPhoneRecognizer(EntityRecognizer):
    """PHONE_NUMBER by shape: 7-15 digits in phone-like grouping, scored by prefix and cue words."""

    def __init__(self, supported_language: str) -> None:
        super().__init__(
            supported_entities=["PHONE_NUMBER"],
            name=f"LenientPhoneRecognizer_{supported_language}",
            supported_language=supported_language,
        )

    def load(self) -> None:
        """Nothing to load."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Score each candidate; only confident shapes or cued numbers pass the 0.5 threshold."""
        if entities and "PHONE_NUMBER" not in entities:
            return []
        results = []
        for m in _PHONE.finditer(text):
            raw = m.group(0).rstrip(" .-/")
            digits = re.sub(r"\D", "", raw)
            if not 7 <= len(digits) <= 15:
                continue
            before = text[max(0, m.start() - 25) : m.start()]
            if _NEGATIVE_CUE.search(before):
                continue
            score = 0.3
            grouped = bool(re.search(r"[ ./()-]", raw))
            if raw.startswith(("+", "00")) and grouped:
                score = 0.7
            elif raw.startswith(("0", "(")) and grouped:
                score = 0.55
            elif grouped and len(digits) >= 9:
                score = 0.45
            if _CUE.search(before):
                score = max(score, 0.45) + 0.2
            results.append(RecognizerResult("PHONE_NUMBER", m.start(), m.start() + len(raw), min(score, 0.9)))
        return results
