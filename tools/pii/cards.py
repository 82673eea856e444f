"""Payment card numbers of every length ISO/IEC 7812 allows (12-19 digits), Luhn-checked.

Presidio's own recognizer only knows the common 13-16 digit Visa/Mastercard/Amex
shapes and misses Maestro (12-19 digits), JCB 15, Mir/2-series and 19-digit Visa. A
Luhn-valid number is still only a card when it looks like one: grouped in fours, or
announced by a cue word ("Karte", "card", "Visa", "cc"); a bare Luhn-valid number
(one in ten random numbers is) stays below the threshold.
"""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

_CANDIDATE = re.compile(r"(?<![\w+-])\d(?:[ -]?\d){11,18}(?![\w-])")
_CUE = re.compile(
    r"(?i)(?:card|karte|kreditkarte|kartennummer|kreditkartennummer|cc|visa|mastercard|master card|amex"
    r"|american express|maestro|jcb|diners|discover|debit|girocard|ec-karte|zahlung|payment|bezahlt|paid)"
    r"[\w\s#:.-]{0,25}$"
)
_FOURS = re.compile(r"^\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,3})?$")


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check every payment card number satisfies."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


class CardNumberRecognizer(EntityRecognizer):
    """CREDIT_CARD: 12-19 Luhn-valid digits, grouped like a card or introduced by a card cue."""

    def __init__(self, supported_language: str) -> None:
        super().__init__(
            supported_entities=["CREDIT_CARD"],
            name=f"CardNumberRecognizer_{supported_language}",
            supported_language=supported_language,
        )

    def load(self) -> None:
        """Nothing to load."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Score Luhn-valid candidates by grouping and by the 40 characters before them."""
        if entities and "CREDIT_CARD" not in entities:
            return []
        results = []
        for m in _CANDIDATE.finditer(text):
            raw = m.group(0)
            digits = re.sub(r"\D", "", raw)
            if not 12 <= len(digits) <= 19 or not luhn_valid(digits) or len(set(digits)) < 3:
                continue
            cue = bool(_CUE.search(text[max(0, m.start() - 40) : m.start()]))
            score = 0.9 if cue else 0.6 if _FOURS.match(raw) else 0.3
            results.append(RecognizerResult("CREDIT_CARD", m.start(), m.end(), score))
        return results
