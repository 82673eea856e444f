"""Sentence-level fact-check on the demo corpus: segmentation, planted errors per kind and
language, equivalences, citation correction and the evidence policy (issue 7)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from evals.grounding_support import GroundingBench
from tools.evidence_policy import EvidencePolicy
from tools.factcheck.segment import segment_field
from tools.models import ApprovalStatus, Chunk

TH_EN = ["lum-th-200-en"]
TH_DE = ["lum-th-200-de"]


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GroundingBench]:
    b = GroundingBench(tmp_path_factory.mktemp("grounding"))
    yield b
    b.close()


def verdict(bench: GroundingBench, text: str, language: str, docs: list[str] = TH_EN) -> dict:
    [result] = bench.check(text, language, docs or (TH_EN if language == "en" else TH_DE))
    return result


# --- segmentation ----------------------------------------------------------------------------


def test_segmentation_keeps_abbreviations_numbers_and_list_items() -> None:
    text = (
        "Das Gerät, z. B. der Thermo 200, kostet 1.240 €. Nr. 5 ist gut [S1]. Bestellen Sie jetzt!\n"
        "- erster Punkt\n- zweiter Punkt mit 5 W\n1. Schritt eins"
    )
    segments = segment_field("sections[0].body", text)
    assert [s.check_text for s in segments] == [
        "Das Gerät, z. B. der Thermo 200, kostet 1.240 €.",
        "Nr. 5 ist gut.",
        "Bestellen Sie jetzt!",
        "erster Punkt",
        "zweiter Punkt mit 5 W",
        "Schritt eins",
    ]
    assert all(text[s.start : s.end] == s.text for s in segments)


def test_marker_after_the_full_stop_belongs_to_the_sentence_before() -> None:
    segments = segment_field("body", "It runs on two AA batteries. [S2] It costs EUR 59.90.[S1][S3]")
    assert [s.labels for s in segments] == [("S2",), ("S1", "S3")]
    assert segments[0].check_text == "It runs on two AA batteries."
    assert "S2" not in segments[0].check_text


# --- planted errors, each kind in each language --------------------------------------------------

PLANTED = [
    ("en", "price", "The Lumora Thermo 200 costs only EUR 39.90."),
    ("de", "price", "Das Lumora Thermo 200 kostet nur 39,90 €."),
    ("en", "number", "The Thermo 200 offers up to eight heating periods per day."),
    ("de", "number", "Das Thermo 200 bietet bis zu acht Heizphasen pro Tag."),
    ("en", "unit", "The Thermo 200 weighs 165 kg without batteries."),
    ("de", "unit", "Das Thermo 200 wiegt 165 kg ohne Batterien."),
    ("en", "percentage", "The Thermo 200 saves up to 45 % heating energy."),
    ("de", "percentage", "Das Thermo 200 spart bis zu 45 % Heizenergie."),
    ("en", "duration", "Its batteries last up to 5 years."),
    ("de", "duration", "Die Batterien halten bis zu 5 Jahre."),
    ("en", "product_name", "The Lumora Thermo 250 runs on two AA batteries."),
    ("de", "product_name", "Das Lumora Thermo 250 läuft mit zwei AA-Batterien."),
    ("en", "attribute", "The Thermo 200 is waterproof and has a touch screen."),
    ("de", "attribute", "Das Thermo 200 ist wasserdicht und hat einen Touchscreen."),
    ("en", "compatibility", "The Thermo 200 works with Apple HomeKit."),
    ("de", "compatibility", "Das Thermo 200 funktioniert mit Apple HomeKit."),
    ("en", "superlative", "The Thermo 200 is the quietest thermostat on the market."),
    ("de", "superlative", "Das Thermo 200 ist das leiseste Thermostat am Markt."),
    ("en", "health_environment", "The Thermo 200 is climate neutral."),
    ("de", "health_environment", "Das Thermo 200 ist klimaneutral."),
    ("en", "archived", "The Snowdrift launch bundle with the Thermo 200 costs EUR 139.00."),
    ("en", "overstatement", "The Thermo 200 saves 19 % heating energy."),
    ("de", "overstatement", "Das Thermo 200 spart 19 % Heizenergie."),
    # A count is matched with what it counts: the page's install step "4." is no "four heating periods".
    ("en", "count", "The Thermo 200 offers up to four heating periods per day."),
    ("de", "count", "Das Thermo 200 bietet bis zu vier Heizphasen pro Tag."),
    # The Sense 5's 18 months (FAQ) say nothing of a sentence that names no product in a Thermo 200 run.
    ("en", "other_product_value", "Its batteries last up to 18 months."),
    # "Warranty: Thermo 200 36 months, Hub 1 24 months": the 24 months are the hub's.
    ("en", "multi_product_sentence", "The Thermo 200 comes with a 24-month manufacturer's warranty."),
    ("en", "archived", "Without batteries the Thermo 200 weighs 170 g."),
    ("de", "draft_only", "Das Thermo 300 kostet 79,90 €."),
    # A battery life that is the warranty's figure; a proportion stated in words.
    ("en", "battery_life_runs", "It runs for up to 36 months on two AA batteries."),
    ("de", "battery_life_runs", "Es läuft mit zwei AA-Batterien bis zu 36 Monate."),
    ("de", "proportion_word", "Ihre Stromrechnung halbiert sich damit ebenfalls."),
    ("en", "proportion_word", "Your electricity bill is halved as well."),
    # A menu path only the German warranty terms give ("Hilfe > Garantiefall").
    ("en", "menu_path", "Report a warranty claim in the Lumora Home app under Help > Warranty claim."),
]


@pytest.mark.parametrize(("language", "kind", "text"), PLANTED, ids=[f"{k}-{lang}" for lang, k, _ in PLANTED])
def test_planted_error_is_never_supported(bench: GroundingBench, language: str, kind: str, text: str) -> None:
    result = verdict(bench, text, language, TH_EN if language == "en" else TH_DE)
    assert result["verdict"] in {"contradicted", "not_found"}, (kind, result["reason"])
    assert result["reason"]


def test_wrong_value_for_the_same_attribute_is_a_contradiction_naming_both(bench: GroundingBench) -> None:
    result = verdict(bench, "The Lumora Thermo 200 costs only EUR 39.90.", "en")
    assert result["verdict"] == "contradicted"
    assert "39.90" in result["reason"] and "59.90" in result["reason"]
    assert result["evidence"]["document_id"] == "lum-th-200-en" and "59.90" in result["evidence"]["text"]


def test_the_issue_sentence_with_three_wrong_facts(bench: GroundingBench) -> None:
    text = "It costs only EUR 39.90 and its batteries last 5 years. It saves 45 % heating energy."
    results = bench.check("The Lumora Thermo 200 " + text[3:], "en", TH_EN)
    assert [r["verdict"] for r in results] == ["contradicted", "contradicted"]


def test_obfuscated_banned_word_is_blocked_by_the_guards(bench: GroundingBench) -> None:
    for text in ("The Thermo 200 is guar\u200banteed to save energy.", "The Thermo 200 is guаranteed to save."):
        assert bench.blocking_guard(text, "en"), text
    assert bench.blocking_guard("Das Thermo 200 spart garan\u00adtiert Energie.", "de")


# --- correct paraphrases and equivalences --------------------------------------------------------

CORRECT = [
    ("en", "The Thermo 200 costs €59.90."),
    ("en", "It costs EUR 59.90 including VAT."),
    ("de", "Das Thermo 200 kostet 59,90 €."),
    ("de", "Der Preis liegt bei EUR 59,90."),
    ("en", "Its batteries last up to two years."),
    ("de", "Die Batterien halten bis zu zwei Jahre."),
    ("en", "The Thermo 200 runs on 2 × AA batteries."),
    ("de", "Das Thermo 200 läuft mit 2 × AA-Batterien."),
    ("en", "Lumora gives a manufacturer's warranty of three years on the Thermo 200."),
    ("de", "Die Herstellergarantie beträgt drei Jahre."),
    ("en", "The Thermo 200 saves up to 19 % heating energy compared with manual thermostat heads."),
    ("de", "Das Thermo 200 spart bis zu 19 % Heizenergie gegenüber manuellen Thermostatköpfen."),
    ("en", "It costs about EUR 60."),
    ("de", "Das Thermo 200 kostet knapp 60 Euro."),
    ("en", "The Thermo 200 connects to the Lumora Hub 1 via Zigbee 3.0."),
    ("de", "Das Thermo 200 verbindet sich per Zigbee 3.0 mit dem Lumora Hub 1."),
    ("en", "You can set up to six heating periods per day."),
]

MENU_PATH_STATED = ("de", "Melden Sie einen Garantiefall in der App unter Hilfe > Garantiefall.")


@pytest.mark.parametrize(("language", "text"), CORRECT)
def test_correct_paraphrase_is_supported(bench: GroundingBench, language: str, text: str) -> None:
    result = verdict(bench, text, language, TH_EN if language == "en" else TH_DE)
    assert result["verdict"] == "supported", result["reason"]
    assert result["citations"] and result["evidence"]["text"]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Lumora keeps spare parts available for at least seven years after a product's end of sale."),
        ("de", "Ersatzteile hält Lumora mindestens sieben Jahre nach Verkaufsende bereit."),
    ],
)
def test_company_promise_in_years_is_not_read_against_the_product_warranty(
    bench: GroundingBench, language: str, text: str
) -> None:
    """Seven years of spare parts is no contradiction of a 36-month warranty on the cited product
    page; the company page states it ("end of sale" is the source's "discontinued")."""
    result = verdict(bench, text, language, TH_EN if language == "en" else TH_DE)
    assert result["verdict"] == "supported", result["reason"]
    assert result["evidence"]["document_id"].startswith("company-about-")


@pytest.mark.parametrize(
    ("language", "text", "why"),
    [
        ("en", "Order yours today!", "call to action"),
        ("de", "Jetzt bestellen!", "call to action"),
        ("en", "Tired of cold mornings?", "question"),
        ("en", "Enjoy a cosy winter.", ""),
        ("de", "Genießen Sie einen gemütlichen Winter.", ""),
    ],
)
def test_sentences_without_a_claim_say_why(bench: GroundingBench, language: str, text: str, why: str) -> None:
    result = verdict(bench, text, language, TH_EN if language == "en" else TH_DE)
    assert result["verdict"] == "no_claim"
    assert why in result["reason"]


def test_feature_sentence_without_numbers_is_checked(bench: GroundingBench) -> None:
    result = verdict(bench, "It comes with a single touch button and a thermoelectric fan.", "en")
    assert result["verdict"] == "not_found"


# --- citations -----------------------------------------------------------------------------------


def test_wrong_citation_is_corrected_to_the_supporting_source(bench: GroundingBench) -> None:
    sources = bench.sources("lum-hb-1-en", "lum-th-200-en")
    hub_labels = [s.label for s in sources if s.chunks[0].document_id == "lum-hb-1-en"]
    text = (
        "The Lumora Thermo 200 runs on two AA batteries and connects to the Lumora Hub 1 via Zigbee 3.0."
        f" [{hub_labels[0]}]"
    )
    [result] = bench.checker("en").check(segment_field("sections[0].body", text), sources, "en")
    assert result["verdict"] == "supported", result["reason"]
    assert result["citation_corrected"] is True
    assert result["citations"] and hub_labels[0] not in result["citations"]
    assert result["evidence"]["document_id"] == "lum-th-200-en"
    assert "citation corrected" in result["reason"]


def test_source_about_another_product_is_irrelevant_not_a_contradiction(bench: GroundingBench) -> None:
    [result] = bench.checker("en").check(
        segment_field("body", "The Lumora Thermo 200 runs on two AA batteries. [S1]"),
        bench.sources("lum-hb-1-en"),
        "en",
    )
    assert result["verdict"] == "not_found", result["reason"]


def test_citation_markers_are_never_read_as_facts(bench: GroundingBench) -> None:
    result = verdict(bench, "The Thermo 200 costs EUR 59.90 [S2].", "en")
    assert result["verdict"] == "supported"
    assert "product name S2" not in result["reason"] and "number" not in result["reason"]


# --- one evidence policy -------------------------------------------------------------------------


def _chunk(**kwargs: object) -> Chunk:
    base: dict[str, object] = {"id": "d::0", "document_id": "d", "ordinal": 0, "text": "x", "language": "en"}
    return Chunk.model_validate({**base, **kwargs})


def test_policy_admits_only_approved_current_same_language_facts() -> None:
    policy = EvidencePolicy(language="en", on=date(2026, 6, 1))
    assert policy.admits(_chunk())
    assert not policy.admits(_chunk(approval_status=ApprovalStatus.ARCHIVED))
    assert not policy.admits(_chunk(approval_status=ApprovalStatus.DRAFT))
    assert not policy.admits(_chunk(doc_type="guidelines"))
    assert not policy.admits(_chunk(language="de"))
    assert not policy.admits(_chunk(valid_until=date(2025, 12, 31)))
    assert not policy.admits(_chunk(valid_from=date(2027, 1, 1)))
    assert "archived" in (policy.why_not(_chunk(approval_status=ApprovalStatus.ARCHIVED)) or "")


def test_archived_price_never_supports_a_sentence(bench: GroundingBench) -> None:
    result = verdict(bench, "The Thermo 200 costs EUR 64.90 per thermostat.", "en")
    assert result["verdict"] != "supported"
    assert (result["evidence"] or {}).get("document_id") != "lum-th-200-en-v2"


def test_guideline_sentence_never_supports_a_sentence(bench: GroundingBench) -> None:
    # The English guidelines list "climate neutral" as a banned claim; the phrase must not count as evidence.
    [result] = bench.check("Lumora products are climate neutral.", "en", [])
    assert result["verdict"] != "supported"
    assert (result["evidence"] or {}).get("document_id") != "brand-guidelines-en"


def test_other_language_page_never_supports_a_sentence(bench: GroundingBench) -> None:
    # Stated only on the German page: "Der Preis beträgt 59,90 €" must not support an English run's
    # sentence through German evidence, even when that page is handed in as a source.
    sources = bench.sources("lum-th-200-de")
    [result] = bench.checker("en").check(segment_field("body", "The Thermo 200 costs EUR 59.90. [S1]"), sources, "en")
    assert (result["evidence"] or {}).get("document_id") != "lum-th-200-de"


def test_a_menu_path_the_sources_give_is_supported(bench: GroundingBench) -> None:
    language, text = MENU_PATH_STATED
    result = verdict(bench, text, language, TH_DE)
    assert result["verdict"] == "supported", result["reason"]
    assert result["evidence"]["document_id"] == "support-warranty-de"
