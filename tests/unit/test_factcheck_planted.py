"""Planted-error check: a fictional product source and a draft with wrong prices, numbers and attributes.

Every planted error must be caught (contradicted or not_found: recall 1.0) and every
correct claim must be supported. ``evals/factcheck_planted.py`` prints the same figure.
The products are invented (Heizwerk infrared panels); prices use German formatting.
"""

from __future__ import annotations

import pytest

from tools.factcheck import Claim, ContradictionRules, FactChecker
from tools.models import Chunk

KNOWN_PRODUCTS = ("Aero 500", "Aero 700", "TS-20")


def _chunk(chunk_id: str, text: str, language: str = "de", product: str = "") -> Chunk:
    return Chunk(
        id=chunk_id,
        document_id=chunk_id.split("#")[0],
        ordinal=0,
        text=text,
        title=f"Heizwerk {product}".strip(),
        language=language,  # type: ignore[arg-type]
        product_ids=[product.lower().replace(" ", "-")] if product else [],
    )


PRODUCT_CHUNKS: dict[str, Chunk] = {
    c.id: c
    for c in (
        _chunk(
            "aero-500#0",
            "Der Heizwerk Aero 500 ist ein Infrarot-Heizpaneel für Räume bis 12 m². Er kostet 1.199,00 € "
            "inkl. MwSt. Die Leistung beträgt 500 W bei 230 V. Das Paneel misst 60 x 100 x 2,5 cm und wiegt "
            "9,5 kg. Es ist in Weiß und Anthrazit erhältlich. Die Garantie beträgt 24 Monate. Im Vergleich "
            "zu Konvektoren spart es bis zu 30 % Energie.",
            product="Aero 500",
        ),
        _chunk(
            "aero-500-en#0",
            "The Heizwerk Aero 500 infrared panel costs €1,199.00 including VAT. It delivers 500 W at 230 V "
            "and comes with a 24-month warranty. Available in white and anthracite.",
            language="en",
            product="Aero 500",
        ),
        _chunk(
            "aero-700#0",
            "Der Heizwerk Aero 700 kostet 1.499,00 € und leistet 700 W. Er eignet sich für Räume bis 18 m². "
            "Garantie: 36 Monate. Farbe: Weiß.",
            product="Aero 700",
        ),
        _chunk(
            "ts-20#0",
            "Das Thermostat Heizwerk TS-20 steuert bis zu 4 Paneele per WLAN und kostet 79,90 €. "
            "Die Batterie hält 12 Monate.",
            product="TS-20",
        ),
    )
}

A500, A500_EN, A700, TS = ["aero-500#0"], ["aero-500-en#0"], ["aero-700#0"], ["ts-20#0"]

# (claim text, cited chunk ids, language)
CORRECT_CLAIMS: list[tuple[str, list[str], str]] = [
    ("Der Heizwerk Aero 500 kostet 1.199 €.", A500, "de"),
    ("Der Aero 500 leistet 500 W.", A500, "de"),
    ("Für den Aero 500 gibt es 2 Jahre Garantie.", A500, "de"),
    ("Das Paneel wiegt 9,5 kg.", A500, "de"),
    ("Der Aero 500 ist in Anthrazit erhältlich.", A500, "de"),
    ("Der Aero 700 eignet sich für Räume bis 18 m².", A700, "de"),
    ("Der Aero 700 kostet 1.499 € und bietet 36 Monate Garantie.", A500 + A700, "de"),
    ("The Aero 500 costs €1,199.00 including VAT.", A500_EN, "en"),
    ("The Aero 500 comes with a 24-month warranty.", A500_EN, "en"),
    ("Das Thermostat TS-20 steuert bis zu 4 Paneele per WLAN.", TS, "de"),
]

# (claim text, cited chunk ids, language, text the reason must contain)
PLANTED_ERRORS: list[tuple[str, list[str], str, str]] = [
    ("Der Heizwerk Aero 500 kostet 1.299 €.", A500, "de", "source says 1.199,00 €"),
    ("The Aero 500 costs €1,099.00 including VAT.", A500_EN, "en", "source says €1,199.00"),
    ("Der Aero 500 leistet 600 W.", A500, "de", "source says 500 W"),
    ("Für den Aero 500 gibt es 36 Monate Garantie.", A500 + A700, "de", "36 Monate"),
    ("Das Paneel misst 60 x 120 x 2,5 cm.", A500, "de", "source says 100"),
    ("Das Paneel wiegt 7,5 kg.", A500, "de", "source says 9,5 kg"),
    ("Der Heizwerk Aero 900 kostet 1.199 €.", A500, "de", "Aero 900"),
    ("Der Aero 700 kostet 1.199 €.", A500 + A700, "de", "1.199 €"),
    ("Der Aero 500 ist in Rot erhältlich.", A500, "de", "'rot'"),
    ("The Aero 500 is available in black.", A500_EN, "en", "'black'"),
    ("Das Thermostat TS-20 steuert bis zu 6 Paneele per WLAN.", TS, "de", "source says 4"),
    ("Das Thermostat TS-20 steuert bis zu 4 Paneele per Bluetooth.", TS, "de", "'bluetooth'"),
    ("Die Batterie des TS-20 hält 18 Monate.", TS, "de", "source says 12 Monate"),
    ("Das TS-20 kostet 89,90 €.", TS, "de", "source says 79,90 €"),
    ("Der Aero 500 spart bis zu 40 % Energie.", A500, "de", "source says 30 %"),
    ("Der Aero 500 eignet sich für Räume bis 20 m².", A500, "de", "source says 12 m²"),
    ("Der Aero 500 ist nicht in Anthrazit erhältlich.", A500, "de", "negates"),
]


def checker() -> FactChecker:
    """The deterministic checker as the demo runs it (no embedder: lexical score only)."""
    return FactChecker(contradiction_rules=ContradictionRules(known_products=KNOWN_PRODUCTS))


def planted_recall() -> tuple[float, float, list[str]]:
    """(recall on planted errors, share of correct claims supported, failure descriptions)."""
    fc = checker()
    failures: list[str] = []
    caught = 0
    for text, ids, language, _ in PLANTED_ERRORS:
        verdict = fc.check([Claim(text=text, chunk_ids=ids)], PRODUCT_CHUNKS, language=language)[0]
        if verdict.verdict == "supported":
            failures.append(f"missed planted error: {text!r} ({verdict.reason})")
        else:
            caught += 1
    supported = 0
    for text, ids, language in CORRECT_CLAIMS:
        verdict = fc.check([Claim(text=text, chunk_ids=ids)], PRODUCT_CHUNKS, language=language)[0]
        if verdict.verdict == "supported":
            supported += 1
        else:
            failures.append(f"correct claim not supported: {text!r} ({verdict.reason})")
    return caught / len(PLANTED_ERRORS), supported / len(CORRECT_CLAIMS), failures


def test_every_planted_error_is_caught_and_every_correct_claim_supported() -> None:
    recall, supported, failures = planted_recall()
    assert failures == []
    assert recall == 1.0
    assert supported == 1.0


@pytest.mark.parametrize(("text", "ids", "language", "expected"), PLANTED_ERRORS)
def test_planted_error_reason_names_the_wrong_value(text: str, ids: list[str], language: str, expected: str) -> None:
    verdict = checker().check([Claim(text=text, chunk_ids=ids)], PRODUCT_CHUNKS, language=language)[0]
    assert verdict.verdict == "contradicted", verdict.reason
    assert expected in verdict.reason
    assert verdict.evidence, "a contradiction must point at the sentence that contradicts"
    for span in verdict.evidence:
        assert PRODUCT_CHUNKS[span.chunk_id].text[span.start : span.end] == span.text


@pytest.mark.parametrize(("text", "ids", "language"), CORRECT_CLAIMS)
def test_correct_claim_is_supported_with_evidence(text: str, ids: list[str], language: str) -> None:
    verdict = checker().check([Claim(text=text, chunk_ids=ids)], PRODUCT_CHUNKS, language=language)[0]
    assert verdict.verdict == "supported", verdict.reason
    assert verdict.evidence and all(span.chunk_id in ids for span in verdict.evidence)
