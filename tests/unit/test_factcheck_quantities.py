"""Number, price and unit normalisation in German and English formats."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tools.factcheck.quantities import find_quantities, parse_number
from tools.factcheck.sentences import split_sentences


@pytest.mark.parametrize(
    ("raw", "language", "expected"),
    [
        ("1.299,00", "de", "1299"),
        ("1,299.00", "en", "1299"),
        ("1.299", "de", "1299"),
        ("1.299", "en", "1.299"),
        ("1,299", "en", "1299"),
        ("1,299", "de", "1.299"),
        ("3,5", "de", "3.5"),
        ("3.5", "de", "3.5"),
        ("1.234.567", "en", "1234567"),
        ("1 299", "de", "1299"),
        ("zwei", "de", "2"),
        ("eighty-eight", "en", "88"),
    ],
)
def test_parse_number_handles_both_notations(raw: str, language: str, expected: str) -> None:
    assert parse_number(raw, language) == Decimal(expected)


def _one(text: str, language: str) -> tuple[str, Decimal]:
    quantities = find_quantities(text, language)
    assert len(quantities) == 1, quantities
    return quantities[0].dimension, quantities[0].value


@pytest.mark.parametrize(
    ("de_text", "en_text"),
    [
        ("Preis: 1.299,00 €", "Price: €1,299.00"),
        ("kostet 1.299 €", "costs €1,299"),
        ("nur 1.299,- EUR", "only EUR 1,299"),
        ("24 Monate Garantie", "24 months warranty"),
        ("2 Jahre Garantie", "24-month warranty"),
        ("12 Monate", "one year"),
        ("2.000 W", "2 kW"),
        ("15 %", "15 percent"),
        ("3,5 kg", "3500 g"),
        ("1,5 Liter", "1.5 l"),
        ("Räume bis 12 m²", "rooms up to 12 m2"),
    ],
)
def test_german_and_english_forms_normalise_to_the_same_quantity(de_text: str, en_text: str) -> None:
    assert _one(de_text, "de") == _one(en_text, "en")


def test_different_prices_and_currencies_differ() -> None:
    assert _one("1.299 €", "de") != _one("1.199 €", "de")
    assert _one("€1,299", "en")[0] == "price:EUR"
    assert _one("$1,299", "en")[0] == "price:USD"


def test_dimensions_share_the_trailing_unit() -> None:
    found = find_quantities("Maße: 60 x 40 x 2,5 cm", "de")
    assert [(q.dimension, q.value) for q in found] == [
        ("length", Decimal("600")),
        ("length", Decimal("400")),
        ("length", Decimal("25")),
    ]


def test_model_codes_and_glued_units() -> None:
    assert find_quantities("Der HX-2000 hat X200-Technik", "de") == []
    assert _one("2000W", "en") == ("power", Decimal("2000"))
    assert _one("24h", "en") == ("seconds", Decimal("86400"))


def test_number_words_need_a_unit() -> None:
    assert find_quantities("one of the best heaters", "en") == []
    assert _one("zwei Jahre", "de") == ("months", Decimal("24"))


def test_sentence_offsets_and_abbreviations() -> None:
    text = "Der Preis beträgt 1.299,00 € inkl. MwSt. Die Garantie gilt z. B. 24 Monate.Neu: 2.5 kW."
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Der Preis beträgt 1.299,00 € inkl. MwSt.",
        "Die Garantie gilt z. B. 24 Monate.",
        "Neu: 2.5 kW.",
    ]
    assert all(text[s.start : s.end] == s.text for s in sentences)


def test_a_numbered_list_items_number_is_no_quantity() -> None:
    assert find_quantities("4. Press the button: the thermostat calibrates itself.", "en") == []
    assert find_quantities("Schritt eins\n2) Batterien einlegen", "de") == []
    # a date at the start of a sentence and a number that ends one are still read
    assert [q.surface for q in find_quantities("1. Januar 2026 beginnt", "de")] == ["1", "2026"]
    assert [q.surface for q in find_quantities("It has 4. Then it stops.", "en")] == ["4"]
