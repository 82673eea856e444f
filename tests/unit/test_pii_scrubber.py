"""PiiScrubber against the real Presidio analyzer and the real English spaCy pipeline."""

from __future__ import annotations

import json
import threading

import pytest
from presidio_analyzer import RecognizerResult

from tools.pii import PiiScrubber, PseudonymMap

DE_MAIL = (
    "Sehr geehrte Frau Anna Schmidt,\n"
    "Ihre Bestellung 4711-2231 über 49,99 € geht an Hauptstraße 12, 10115 Berlin. "
    "Rückfragen: anna.schmidt@example.de oder +49 30 12345678. "
    "IBAN DE89 3704 0044 0532 0130 00, Karte 4111 1111 1111 1111, Steuer-ID 65929970489.\n"
    "Viele Grüße\nJonas Weber"
)


@pytest.fixture(scope="module")
def scrubber() -> PiiScrubber:
    return PiiScrubber()


def test_german_mail_every_identifier_is_replaced(scrubber: PiiScrubber) -> None:
    result = scrubber.scrub(DE_MAIL, "de", PseudonymMap())
    for secret in (
        "Anna Schmidt",
        "Hauptstraße 12",
        "anna.schmidt@example.de",
        "12345678",
        "DE89 3704",
        "4111 1111",
        "65929970489",
        "Jonas Weber",
    ):
        assert secret not in result.text, secret
    assert {
        "PERSON",
        "ADDRESS",
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "IBAN_CODE",
        "CREDIT_CARD",
        "DE_TAX_ID",
    } <= result.entity_types
    # Non-PII survives: the order number, the price and the honorific.
    assert "4711-2231" in result.text and "49,99 €" in result.text
    assert result.text.startswith("Sehr geehrte Frau <PERSON_1>,")


def test_findings_carry_offsets_but_never_the_value(scrubber: PiiScrubber) -> None:
    result = scrubber.scrub(DE_MAIL, "de", PseudonymMap())
    dumped = json.dumps([f.to_dict() for f in result.findings])
    assert "Schmidt" not in dumped and "4111" not in dumped
    email = next(f for f in result.findings if f.entity_type == "EMAIL_ADDRESS")
    assert DE_MAIL[email.start : email.end] == "anna.schmidt@example.de"


def test_english_ner_person_and_greeting(scrubber: PiiScrubber) -> None:
    text = "Dear John Smith, your parcel ships to 24 Clarke Avenue. Call (555) 123-4567.\nBest regards,\nMary Jones"
    result = scrubber.scrub(text, "en", PseudonymMap())
    assert "John Smith" not in result.text and "Mary Jones" not in result.text
    assert "Clarke Avenue" not in result.text and "123-4567" not in result.text


def test_same_person_same_pseudonym_across_texts_and_checkpoint(scrubber: PiiScrubber) -> None:
    pseudonyms = PseudonymMap()
    brief = scrubber.scrub("Write a thank-you mail to Anna Schmidt (anna@web.de).", "en", pseudonyms)
    restored = PseudonymMap.from_dict(json.loads(json.dumps(pseudonyms.to_dict())))
    source = "Kundin: Anna Schmidt, Mail anna@web.de. Frau Schmidt lobt den Service."
    chunk = scrubber.scrub(source, "de", restored)
    assert "<PERSON_1>" in brief.text and "<EMAIL_ADDRESS_1>" in brief.text
    assert chunk.text.count("<PERSON_1>") == 2 and "<EMAIL_ADDRESS_1>" in chunk.text
    assert "Schmidt" not in json.dumps(restored.to_dict())


def test_policy_redact_and_mask(scrubber: PiiScrubber) -> None:
    policy = {"PERSON": "redact", "CREDIT_CARD": "mask"}
    text = "Herr Jonas Weber zahlt mit 4111 1111 1111 1111."
    result = PiiScrubber(policy).scrub(text, "de", PseudonymMap())
    assert result.text == "Herr <PERSON> zahlt mit ****1111."


def test_unknown_policy_rejected() -> None:
    with pytest.raises(ValueError):
        PiiScrubber({"PERSON": "shred"})


@pytest.mark.parametrize(
    "text",
    [
        "Das iPhone 15 Pro Max kostet 1.199 € und hat 256 GB.",
        "Modell XR-2000 mit Artikelnummer 4006381333931, jetzt 20 % günstiger.",
        "Hallo zusammen, unser Team freut sich auf den Black Friday Sale!",
        "Liebe Kundin, lieber Kunde, vielen Dank für Ihre Bestellung.",
    ],
)
def test_confusable_non_pii_is_left_alone(scrubber: PiiScrubber, text: str) -> None:
    assert scrubber.scrub(text, "de", PseudonymMap()).findings == []


def test_analyzer_is_shared_and_thread_safe(scrubber: PiiScrubber) -> None:
    outputs: list[str] = []

    def work() -> None:
        outputs.append(scrubber.scrub("Hallo Lena, ruf mich an: 0171 2345678", "de", PseudonymMap()).text)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outputs == ["Hallo <PERSON_1>, ruf mich an: <PHONE_NUMBER_1>"] * 4


# --- English person rules: lone first names, middle initials, cues, post-filters --------------


def _persons(scrubber: PiiScrubber, text: str, language: str = "en") -> list[str]:
    return [text[r.start : r.end] for r in scrubber.detect(text, language) if r.entity_type == "PERSON"]


def test_lone_first_name_is_found_but_not_inside_longer_names(scrubber: PiiScrubber) -> None:
    from tools.pii.engine import get_analyzer
    from tools.pii.recognizers import FirstNameRecognizer

    nlp = get_analyzer().nlp_engine
    rec = FirstNameRecognizer("en")
    text = "Why is Rebecca so happy? The Victoria Street shop and Fritz-Armstrong stay."
    found = [text[r.start : r.end] for r in rec.analyze(text, ["PERSON"], nlp.process_text(text, "en"))]
    assert found == ["Rebecca"]
    # Without POS tags (the German blank pipeline) the recognizer stays silent.
    assert rec.analyze(text, ["PERSON"], None) == []


def test_middle_initial_without_period_and_name_cues(scrubber: PiiScrubber) -> None:
    assert "Ryan P Costa" in _persons(scrubber, "We need to add Ryan P Costa as guardian.")
    assert "Antti Poutiainen" in _persons(scrubber, "My name is Antti Poutiainen.")
    assert "Nayla Montero" in _persons(scrubber, "Name:    Nayla Montero\nAddress: somewhere")
    assert "Brad L Key" in _persons(scrubber, "A film directed by Brad L Key.")
    assert "Nicole" in _persons(scrubber, "Nicole: Remember me?\nJohn: Sure.")


def test_person_post_filters_drop_streets_firms_and_places(scrubber: PiiScrubber) -> None:
    from tools.pii.filters import drop_implausible, plausible_person

    assert not plausible_person("Leokadia Trail") and not plausible_person("Rua Mina")
    assert plausible_person("Erin Dale") and plausible_person("Anna Schmidt")
    text = "Sven flew to Phoenix. Thomas and Sons ship it.\nex-Zombie Lundberg sings.\nAllan\nEngineer"
    raw = [
        RecognizerResult("PERSON", text.index("Phoenix"), text.index("Phoenix") + 7, 0.85),
        RecognizerResult("PERSON", text.index("Thomas"), text.index("Thomas") + 6, 0.85),
        RecognizerResult("PERSON", text.index("ex-Zombie"), text.index(" sings"), 0.85),
        RecognizerResult("PERSON", text.index("Allan"), len(text), 0.85),
    ]
    kept = [text[r.start : r.end] for r in drop_implausible(raw, text)]
    assert kept == ["Lundberg", "Allan"]
    assert _persons(scrubber, "The bus station is on Vesterskovvej 79") == []


def test_partial_ner_span_is_merged_with_the_full_name() -> None:
    from tools.pii.scrubber import resolve_overlaps

    merged = resolve_overlaps([RecognizerResult("PERSON", 0, 4, 0.85), RecognizerResult("PERSON", 0, 12, 0.65)])
    assert [(r.start, r.end, r.score) for r in merged] == [(0, 12, 0.85)]
