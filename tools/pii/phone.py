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
    r"\d{1,5}(?:(?:[ ]?/[ ]?|[ ./-])?\(?\d{1,5}\)?){1,5}"
    r"(?:[ ]?(?:x|ext\.?|Durchwahl|DW)[ ]?\d{1,5})?"
    r"(?![\w])"
)
_CUE = re.compile(
    r"(?i)(?:tel|telefon|telephone|phone|fon|fax|mobil|mobile|handy|cell|ruf|rufen|anrufen|erreichbar"
    r"|erreichen|call|contact|kontakt|nummer|number|no|nr|whatsapp|sms|hotline|durchwahl|unter|desk|office|büro"
    r"|zentrale|messages to|text me|texts to|reach me|rückruf|registered"
    r"|(?:call|reach|ring|text|answering|answer|anrufen)(?:\s+(?:me|us|him|her))?\s+(?:on|at))\W{0,4}$"
)
_NEGATIVE_CUE = re.compile(
    r"(?i)(?:bestell|order|rechnung|invoice|artikel|article|sku|modell|model|serien|serial|ticket|kunden-?nr|kd\.?-?nr"
    r"|kundennummer|postnummer|packstation|vorgang|auftrag|sn|s/n|seriennummer sn|kaufdatum|datum|vom|am"
    r"|customer no|plz|zip|iban|konto|account|karte|card|id|ean|gtin|isbn|preis|price|eur|€|\$)\w*\W{0,12}$"
)


_AFTER_CUE = re.compile(r"(?i)^\W{0,3}(?:office|mobile|home|work|cell|fax|büro|privat|mobil|handy)\b")
_NANP = re.compile(r"^(?:\+?1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}(?:[ ]?(?:x|ext\.?)[ ]?\d{1,5})?$")
# Shapes that are dates, times or US social security numbers, not phones.
_NOT_PHONE = re.compile(r"^(?:\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|\d{4}-\d{2}-\d{2}.*|\d{3}-\d{2}-\d{4})$")
# A number followed by a street name is a house number / postcode run, not a phone.
_STREET_AFTER = re.compile(r"^[ ]+(?:[A-Z][a-z]+[ ]){0,3}(?:St|Street|Rue|Str|Ave|Road|Rd|Drive)\b|^[ ]+Rue\b")


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
            if raw.endswith(")") and "(" not in raw:
                raw = raw[:-1].rstrip(" .-/")
            digits = re.sub(r"\D", "", raw)
            if not 7 <= len(digits) <= 15:
                continue
            before = text[max(0, m.start() - 25) : m.start()]
            after = text[m.start() + len(raw) : m.start() + len(raw) + 40]
            if _NEGATIVE_CUE.search(before) or _NOT_PHONE.match(raw) or _STREET_AFTER.match(after):
                continue
            score = 0.3
            grouped = bool(re.search(r"[ ./()-]", raw))
            groups = len(re.findall(r"\d+", raw))
            if raw.startswith(("+", "00")) and grouped:
                score = 0.7
            elif _NANP.match(raw):
                score = 0.6
            elif raw.startswith(("0", "(")) and grouped:
                score = 0.55
            elif grouped and groups >= 3 and len(digits) >= 8:
                score = 0.5
            elif grouped and len(digits) >= 9:
                score = 0.45
            if _CUE.search(before) or _AFTER_CUE.match(after):
                score = max(score, 0.45) + 0.2
            results.append(RecognizerResult("PHONE_NUMBER", m.start(), m.start() + len(raw), min(score, 0.9)))
        return results
