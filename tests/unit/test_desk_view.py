"""The desk's view model: sentences from the sentence-level check (contract 1) or derived from claim verdicts."""

from __future__ import annotations

from typing import Any

from app.desk_diff import draft_diff, field_ops
from app.desk_edit import EditError, carry_claims, draft_from_form
from app.desk_i18n import translator
from app.desk_view import (
    age_label,
    build_desk,
    derive_sentences,
    neighbours,
    next_after_decision,
    sentence_spans,
    waiting_order,
)
from app.runs import RunRecord

BODY = "The Acme Kettle K1 costs 39.90 EUR [S2]. It holds 1.7 litres. [S1] Buy it guaranteed today."
SOURCES = [
    {
        "label": "S1",
        "chunk_id": "kettle::001",
        "chunk_ids": ["kettle::001"],
        "document_id": "kettle",
        "title": "Acme Kettle K1",
        "heading": "Technical data",
        "text": "The Acme Kettle K1 holds 1.7 litres and has a power of 2200 W.",
    },
    {
        "label": "S2",
        "chunk_id": "kettle::000",
        "chunk_ids": ["kettle::000"],
        "document_id": "kettle",
        "title": "Acme Kettle K1",
        "heading": "Price",
        "text": "Price list.\nThe Acme Kettle K1 costs 49.90 EUR.",
    },
]


def claim_review(**extra: Any) -> dict[str, Any]:
    draft = {
        "title": "Acme Kettle K1",
        "meta_description": "Price and data of the kettle for <PERSON_1>.",
        "sections": [{"heading": "Price", "body": BODY}],
        "claims": [
            {"text": "The Acme Kettle K1 costs 39.90 EUR.", "sources": ["S2"]},
            {"text": "The Acme Kettle K1 holds 1.7 litres.", "sources": ["S1"]},
        ],
    }
    full = "\n\n".join([draft["title"], draft["meta_description"], "Price", BODY])
    at = full.index("guaranteed")
    review = {
        "draft": draft,
        "sources": SOURCES,
        "verdicts": [
            {
                "claim": {"text": "The Acme Kettle K1 costs 39.90 EUR.", "chunk_ids": ["kettle::000"]},
                "verdict": "contradicted",
                "evidence": [
                    {"chunk_id": "kettle::000", "start": 0, "end": 35, "text": "The Acme Kettle K1 costs 49.90 EUR."}
                ],
                "reason": "price 39.90 EUR not in cited source; source says 49.90 EUR",
            },
            {
                "claim": {"text": "The Acme Kettle K1 holds 1.7 litres.", "chunk_ids": ["kettle::001"]},
                "verdict": "supported",
                "evidence": [
                    {"chunk_id": "kettle::001", "start": 0, "end": 36, "text": "The Acme Kettle K1 holds 1.7 litres"}
                ],
                "reason": "supported by the cited source",
            },
        ],
        "guard_findings": [
            {
                "validator": "brand_terms",
                "severity": "block",
                "reason": "banned term 'guaranteed'",
                "start": at,
                "end": at + len("guaranteed"),
                "excerpt": "guaranteed",
            },
            {"validator": "length", "severity": "warn", "reason": "too short", "start": 0, "end": 0, "excerpt": ""},
        ],
        "pii_findings": [
            {"entity_type": "PERSON", "start": 40, "end": 50, "replacement": "<PERSON_1>", "where": "meta_description"},
            {"entity_type": "PERSON", "start": 0, "end": 4, "replacement": "<PERSON_1>", "where": "brief"},
        ],
        "blocking": [
            "claim not supported (contradicted): The Acme Kettle K1 costs 39.90 EUR.",
            "brand_terms: banned term 'guaranteed'",
        ],
    }
    review.update(extra)
    return review


def lookup(chunk_ids: Any) -> dict[str, dict[str, Any]]:
    meta = {
        "title": "Acme Kettle K1",
        "document_id": "kettle",
        "version": 3,
        "valid_from": "2026-01-01",
        "valid_until": None,
    }
    return {cid: meta for cid in chunk_ids if cid.startswith("kettle::")}


def test_leading_citation_markers_belong_to_the_sentence_before() -> None:
    spans = sentence_spans(BODY)
    texts = [BODY[a:b] for a, b in spans]
    assert texts == [
        "The Acme Kettle K1 costs 39.90 EUR [S2].",
        "It holds 1.7 litres. [S1]",
        "Buy it guaranteed today.",
    ]


def test_sentences_are_derived_from_claim_verdicts_in_contract_shape() -> None:
    review = claim_review()
    sentences = derive_sentences(review["draft"], review["verdicts"], SOURCES, lookup)
    body = [s for s in sentences if s["field"] == "sections[0].body"]
    assert [s["verdict"] for s in body] == ["contradicted", "supported", "no_claim"]
    price = body[0]
    assert set(price) >= {"id", "field", "text", "start", "end", "verdict", "reason", "citations", "evidence"}
    assert price["citations"] == ["S2"] and "49.90" in price["reason"]
    evidence = price["evidence"]
    assert evidence["version"] == 3 and evidence["valid_from"] == "2026-01-01" and evidence["valid_until"] is None
    # the passage is the run's (scrubbed) source text; the span points at the supporting sentence in it
    a, b = evidence["span"]
    assert evidence["text"] == SOURCES[1]["text"] and evidence["text"][a:b] == "The Acme Kettle K1 costs 49.90 EUR."
    assert body[1]["citations"] == ["S1"]
    title = next(s for s in sentences if s["field"] == "title")
    assert title["verdict"] == "no_claim" and title["evidence"] is None


def test_desk_from_claims_marks_sentences_guards_pii_and_links_problems() -> None:
    desk = build_desk(claim_review(), lookup)
    assert desk.derived
    price = next(s for s in desk.sentences if "39.90" in s.text)
    assert price.text == "The Acme Kettle K1 costs 39.90 EUR." and price.blocking
    # reader numbering: S1 and S2 are both cited, numbered in source order like the published page
    assert [(c.label, c.number) for c in price.citations] == [("S2", 2)]
    assert price.evidence is not None and price.evidence.passage.highlight == "The Acme Kettle K1 costs 49.90 EUR."
    assert price.evidence.passage.before == "Price list.\n" and price.evidence.number == 2
    banned = next(s for s in desk.sentences if "guaranteed" in s.text)
    marked = [p for p in banned.pieces if p.marks]
    assert [p.text for p in marked] == ["guaranteed"] and marked[0].marks == ("guard-block",)
    assert banned.findings[0]["validator"] == "brand_terms" and banned.blocking
    meta = next(s for s in desk.sentences if s.field == "meta_description")
    assert [p.text for p in meta.pieces if "pii" in p.marks] == ["<PERSON_1>"] and meta.pii_kinds == ["PERSON"]
    # problems are listed in the run's order, each tied to its sentence
    assert [(p.kind, p.sentence_id) for p in desk.problems] == [("contradicted", price.id), ("guard", banned.id)]
    # a finding without a place in the text is listed apart; the brief's PII counts but is not in the text
    assert [f["validator"] for f in desk.other_findings] == ["length"]
    assert desk.pii_count == 2
    # citation markers are not shown as text; the body keeps its sentence order
    body = desk.field("sections[0].body")
    assert body is not None and "[S" not in "".join(p if isinstance(p, str) else p.text for p in body.parts)
    source = next(s for s in desk.sources if s.label == "S2")
    assert source.version == 3 and source.number == 2


def contract_review() -> dict[str, Any]:
    """The shape issue 7 writes: per-sentence verdicts with their own evidence (no claim verdicts needed)."""
    review = claim_review(
        verdicts=[], guard_findings=[], blocking=["sentence not supported (not_found): It holds 1.7 litres."]
    )
    passage = "Technical data. The Acme Kettle K1 holds 1.7 litres."
    review["sentences"] = [
        {
            "id": "b1",
            "field": "sections[0].body",
            "text": "The Acme Kettle K1 costs 39.90 EUR [S2].",
            "start": 0,
            "end": 40,
            "verdict": "supported",
            "reason": "ok",
            "citations": ["S2"],
            "citation_corrected": True,
            "evidence": {
                "chunk_id": "kettle::000",
                "document_id": "kettle",
                "title": "Acme Kettle K1",
                "version": 7,
                "valid_from": "2026-02-01",
                "valid_until": "2026-12-31",
                "text": "The Acme Kettle K1 costs 39.90 EUR.",
                "span": [0, 35],
            },
        },
        {
            "id": "b2",
            "field": "sections[0].body",
            "text": "It holds 1.7 litres. [S1]",
            "start": 41,
            "end": 66,
            "verdict": "not_found",
            "reason": "no source states the capacity",
            "citations": ["S1", "S9"],
            "citation_corrected": False,
            "evidence": {
                "chunk_id": "kettle::001",
                "document_id": "kettle",
                "title": "Acme Kettle K1",
                "version": 2,
                "valid_from": None,
                "valid_until": None,
                "text": passage,
                "span": [16, 52],
            },
        },
        {"id": "b3", "field": "sections[9].body", "text": "gone", "start": 0, "end": 4, "verdict": "supported"},
    ]
    return review


def test_desk_reads_the_sentence_level_check_when_present() -> None:
    desk = build_desk(contract_review(), lookup)
    assert not desk.derived
    assert [s.id for s in desk.sentences] == ["b1", "b2"]  # a sentence of a field the draft lacks is skipped
    first, second = desk.sentences
    assert first.verdict == "supported" and first.citation_corrected
    assert first.evidence is not None and first.evidence.version == 7 and first.evidence.valid_until == "2026-12-31"
    assert second.evidence is not None and second.evidence.passage.highlight == "The Acme Kettle K1 holds 1.7 litres."
    assert [c.label for c in second.citations] == ["S1"]  # an unknown label is not shown as a citation
    assert [(p.kind, p.sentence_id) for p in desk.problems] == [("not_found", "b2")]
    body = desk.field("sections[0].body")
    assert body is not None
    tail = [p for p in body.parts if isinstance(p, str)]
    assert tail[-1].strip() == "Buy it guaranteed today."  # text no sentence covers is still shown


def test_a_problem_that_names_no_sentence_is_kept_unlinked() -> None:
    desk = build_desk(claim_review(blocking=["the channel needs a call to action"]))
    assert [(p.kind, p.text, p.sentence_id) for p in desk.problems] == [
        ("other", "the channel needs a call to action", None)
    ]


def test_edit_carries_claims_with_their_sentences() -> None:
    old = claim_review()["draft"]
    form = {
        "title": "Acme Kettle K1",
        "meta_description": old["meta_description"],
        "heading_0": "Price",
        "body_0": "The Acme Kettle K1 costs 49.90 EUR [S2]. It holds 1.7 litres. [S1] Buy it today.",
    }
    new = draft_from_form(old, form)
    assert new["sections"][0]["body"].startswith("The Acme Kettle K1 costs 49.90 EUR [S2].")
    assert new["claims"] == [
        {"text": "The Acme Kettle K1 costs 49.90 EUR.", "sources": ["S2"]},
        {"text": "The Acme Kettle K1 holds 1.7 litres.", "sources": ["S1"]},  # unchanged sentence: claim word for word
    ]


def test_edit_drops_the_claim_of_a_deleted_sentence_and_keeps_untied_claims() -> None:
    old = claim_review()["draft"]
    old = {**old, "claims": [*old["claims"], {"text": "Boils water in two minutes flat.", "sources": ["S1"]}]}
    new_body = "It holds 1.7 litres, enough for six cups [S1]."
    claims = carry_claims(old, {**old, "sections": [{"heading": "Price", "body": new_body}]})
    assert claims == [
        {"text": "It holds 1.7 litres, enough for six cups.", "sources": ["S1"]},
        {"text": "Boils water in two minutes flat.", "sources": ["S1"]},
    ]


def test_edit_rejects_incomplete_or_oversized_forms() -> None:
    old = claim_review()["draft"]
    for form, key in (({"body_0": "x"}, "edit.malformed"), ({"title": "x" * 20_001}, "edit.too_long")):
        try:
            draft_from_form(old, form)
        except EditError as exc:
            assert exc.key == key
        else:
            raise AssertionError(f"{key} expected")


def test_diff_shows_word_changes_per_field() -> None:
    assert field_ops("costs 39.90 EUR", "costs 49.90 EUR") == [
        ("same", "costs "),
        ("del", "39.90"),
        ("ins", "49.90"),
        ("same", " EUR"),
    ]
    old = claim_review()["draft"]
    new = {**old, "title": "Acme Kettle K1 — price"}
    diffs = draft_diff(old, new)
    assert [(d.key, d.kind) for d in diffs] == [("title", "title")]
    assert draft_diff(old, old) == []


def record(run_id: str, status: str, created: str) -> RunRecord:
    return RunRecord(run_id, "ad_copy", "en", "", status, created_at=created, updated_at=created)


def test_waiting_order_and_next_draft() -> None:
    records = [
        record("c", "awaiting_review", "2026-12-01T10:03:00+00:00"),
        record("a", "awaiting_review", "2026-12-01T10:01:00+00:00"),
        record("x", "published", "2026-12-01T09:00:00+00:00"),
        record("b", "awaiting_review", "2026-12-01T10:02:00+00:00"),
    ]
    order = waiting_order(records)
    assert order == ["a", "b", "c"]
    assert neighbours(order, "b") == ("a", "c") and neighbours(order, "x") == (None, "a")
    assert next_after_decision(order, "b") == "c"
    assert next_after_decision(order, "c") == "a"  # wraps to the oldest still waiting
    assert next_after_decision(["a"], "a") is None


def test_age_labels_speak_the_ui_language() -> None:
    assert age_label(30, translator("en")) == "just now"
    assert age_label(7200, translator("de")) == "2 Std."
    assert age_label(3 * 86400, translator("en")) == "3 d"


def test_sources_are_named_once() -> None:
    from tools.render import source_caption

    assert source_caption("Acme Kettle K1", "Acme Kettle K1 > Technical data") == "Acme Kettle K1 – Technical data"
    assert source_caption("FAQ", "") == "FAQ"
    assert source_caption("", "Setup > Setup > Wi-Fi") == "Setup – Wi-Fi"
    assert source_caption("FAQ", "FAQ > What does <PERSON_2> offer?") == "FAQ – What does <PERSON_2> offer?"
    desk = build_desk(claim_review(), lookup)
    assert [s.caption for s in desk.sources] == ["Acme Kettle K1 – Technical data", "Acme Kettle K1 – Price"]


def test_sentence_check_evidence_is_highlighted_inside_the_run_source() -> None:
    """The checker stores the evidence sentence and its offsets in the chunk: the panel shows the whole passage."""
    review = contract_review()
    review["sentences"][0]["evidence"] = {
        "chunk_id": "kettle::000",
        "title": "Acme Kettle K1",
        "text": "The Acme Kettle K1 costs 49.90 EUR.",
        "span": [12, 47],  # offsets in the chunk, beyond the sentence's own length
    }
    review["sentences"][1]["evidence"] = {
        "chunk_id": "elsewhere::003",
        "text": "A toaster has two slots.",
        "span": [90, 114],
    }
    first, second = build_desk(review, lookup).sentences
    assert first.evidence is not None and second.evidence is not None
    passage = first.evidence.passage
    assert passage.before == "Price list.\n" and passage.after == ""
    assert passage.highlight == "The Acme Kettle K1 costs 49.90 EUR."
    assert first.evidence.label == "S2" and first.evidence.number is not None
    # not one of the run's sources (the closest passage from the corpus): the sentence alone, highlighted
    assert (second.evidence.passage.before, second.evidence.passage.highlight) == ("", "A toaster has two slots.")
