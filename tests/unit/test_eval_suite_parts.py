"""The eval suite's parts that need no model: golden set, own metrics, RAGAS non-LLM, gate, reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.golden.build_briefs import CHANNELS as GOLDEN_CHANNELS
from evals.suite import metrics as m
from evals.suite.gate import check, diff_text, load_thresholds
from evals.suite.golden import XQUAD_DIR, ci_draft_briefs, load_briefs, load_xquad
from evals.suite.report import write_reports
from tools.channels import known_channels
from tools.content import ChannelLimits

CORPUS = Path(__file__).resolve().parents[2] / "demo" / "corpus"


def test_golden_set_covers_channels_languages_and_real_documents() -> None:
    briefs = load_briefs()
    assert len(briefs) >= 60
    assert {b.channel for b in briefs} == set(GOLDEN_CHANNELS) <= set(known_channels())
    assert {b.language for b in briefs} == {"de", "en"}
    ids = set()
    for path in CORPUS.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            ids |= {line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("id:")}
            ids |= {
                f"lumora-catalog-{p.lower()}-{lang}"
                for p in ("LUM-TH-200", "LUM-HB-1", "LUM-LB-9", "LUM-AP-3", "LUM-SN-5", "LUM-DS-2")
                for lang in ("de", "en")
            }
            if 'name="copydesk:id"' in text:
                ids.add(text.split('name="copydesk:id" content="', 1)[1].split('"', 1)[0])
    for brief in briefs:
        assert brief.required_facts and brief.forbidden_claims and brief.expected_documents
        assert set(brief.expected_documents) <= ids, brief.id
    subset = ci_draft_briefs(briefs)
    assert len(subset) == 2 and {b.language for b in subset} == {"de", "en"}


def test_required_facts_are_really_in_the_expected_documents() -> None:
    texts = {}
    for path in CORPUS.rglob("*.md"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("id:"):
                texts[line[3:].strip()] = path.read_text(encoding="utf-8")
                break
    catalog = (CORPUS / "catalog.json").read_text(encoding="utf-8")
    for brief in load_briefs():
        corpus_text = " ".join(texts.get(d, "") for d in brief.expected_documents) + catalog
        for alternatives in brief.required_facts:
            assert m.contains_any(corpus_text, alternatives), (brief.id, alternatives)


@pytest.mark.data
def test_xquad_items_in_three_modes() -> None:
    if not (XQUAD_DIR / "xquad.de.json").exists():
        pytest.skip("../shared/data/xquad absent")
    items = load_xquad(12, 3)
    assert [i.mode for i in items].count("de-en") == 3
    for item in items:
        assert item.paragraph_id in item.pool and item.answer
        if item.mode != "de":
            assert item.answer in item.paragraph  # the reference answer is a span of the gold paragraph


def test_own_metrics() -> None:
    text = "Der Lumora Thermo 200 kostet 59,90 € und spart bis zu 19 % Heizenergie. Garantiert!"
    assert m.fact_coverage(text, [["59,90", "59.90"], ["24 Monate"]]) == 0.5
    assert m.banned_claims_found(text, ["garantiert", "revolutionär"]) == ["garantiert"]
    assert m.pii_leaks(["write to erika.canary@example.org", "IBAN DE89370400440532013000"]) == ["email", "iban"]
    assert m.pii_leaks(["Kontakt: <PERSON_1>, <EMAIL_ADDRESS_1>"]) == []
    draft = {"title": "x" * 50, "meta_description": "m", "sections": [{"heading": "h", "body": "b"}], "claims": []}
    assert m.schema_problems(draft, ChannelLimits(title_max_chars=40)) == ["title 50 > 40 chars"]
    assert m.schema_problems({"title": 1}, ChannelLimits())[0].startswith("schema")
    state = {
        "sources": [{"label": "S1", "chunk_id": "c1"}, {"label": "S2", "chunk_id": "c2"}],
        "verdicts": [
            {"verdict": "supported", "claim": {"chunk_ids": ["c1"]}, "evidence": [{"chunk_id": "c1"}]},
            {"verdict": "supported", "claim": {"chunk_ids": ["c2"]}, "evidence": [{"chunk_id": "c1"}]},
            {"verdict": "not_found", "claim": {"chunk_ids": ["c2"]}, "evidence": []},
        ],
    }
    g = m.grounding(state)
    assert g["grounding_rate"] == pytest.approx(2 / 3) and g["source"] == "verdicts"
    assert g["citation_precision"] == pytest.approx(1 / 3) and g["citation_recall"] == pytest.approx(1 / 2)
    sentences = {
        **state,
        "sentences": [
            {"verdict": "supported", "citations": ["S1"], "evidence": {"chunk_id": "c1"}},
            {"verdict": "no_claim", "citations": [], "evidence": None},
            {"verdict": "contradicted", "citations": ["S2"], "evidence": {"chunk_id": "c2"}},
        ],
    }
    g = m.grounding(sentences)
    assert g["source"] == "sentences" and g["grounding_rate"] == 0.5 and g["citation_precision"] == 0.5
    assert m.chrf("59,90 Euro", "59,90 Euro") == pytest.approx(1.0) and m.chrf("Kühlschrank", "Auto") < 0.2


def test_ragas_non_llm_metrics_run_without_any_llm() -> None:
    rows = m.ragas_non_llm(
        [
            {"user_input": "q", "retrieved_context_ids": ["a", "b"], "reference_context_ids": ["a", "c"]},
            {"user_input": "q", "response": "Der Preis beträgt 59,90 €", "reference": "Der Preis beträgt 59,90 €"},
        ]
    )
    assert rows[0] == {"id_based_context_precision": 0.5, "id_based_context_recall": 0.5}
    assert rows[1]["non_llm_string_similarity"] == pytest.approx(1.0)


def _results() -> dict:
    return {
        "subset": "ci",
        "wall_s": 12.0,
        "counts": {"briefs": 2, "drafts": 1, "qa": 0, "xquad": False},
        "summary": {"retrieval.id_context_recall": 0.6, "draft.pii_leak_rate": 0.0, "draft.latency_s_p95": 30.0},
        "breakdown": {
            "channel": {
                "ad_copy": {
                    "retrieval_recall": 0.6,
                    "retrieval_precision": 0.4,
                    "fact_coverage": 0.5,
                    "grounding_rate": None,
                    "latency_s": 30.0,
                }
            },
            "language": {},
        },
        "drafts": [
            {
                "id": "b1",
                "status": "awaiting_review",
                "latency_s": 30.0,
                "fact_coverage": 0.5,
                "schema_valid": 1.0,
                "schema_problems": [],
                "banned_claims": [],
                "pii_leaks": [],
            }
        ],
    }


def test_gate_fails_with_a_readable_diff_on_regression() -> None:
    rules = {
        "retrieval.id_context_recall": {"better": "higher", "min": 0.5, "tolerance": 0.03},
        "draft.pii_leak_rate": {"better": "lower", "max": 0.0},
        "draft.latency_s_p95": {"better": "lower", "tolerance": 10.0},
        "draft.grounding_rate": {"better": "higher", "optional": True},
    }
    baseline = {"retrieval.id_context_recall": 0.7, "draft.latency_s_p95": 25.0}
    findings = check(_results()["summary"], baseline, rules)
    text = diff_text(findings)
    assert text.startswith("1 of 3 gated metrics regressed")
    assert "FAIL retrieval.id_context_recall" in text and "(-0.100)" in text
    assert "ok   draft.latency_s_p95" in text
    assert all(f.ok for f in check({**_results()["summary"], "retrieval.id_context_recall": 0.68}, baseline, rules))
    leak = check({**_results()["summary"], "draft.pii_leak_rate": 0.2}, {}, rules)
    assert not next(f for f in leak if f.metric == "draft.pii_leak_rate").ok
    assert set(load_thresholds()) >= {"draft.pii_leak_rate", "retrieval.id_context_recall"}


def test_reports_json_markdown_and_pngs(tmp_path: Path) -> None:
    results = _results()
    findings = check(results["summary"], {"retrieval.id_context_recall": 0.5}, load_thresholds())
    report = write_reports(results, {"retrieval.id_context_recall": 0.5}, findings, tmp_path)
    text = report.read_text(encoding="utf-8")
    assert "| retrieval.id_context_recall | 0.500 | 0.600 | +0.100 |" in text
    assert "![metrics.png](metrics.png)" in text
    for name in ("results.json", "metrics.png", "latency.png", "by_channel.png"):
        assert (tmp_path / name).stat().st_size > 0
    assert (tmp_path / "metrics.png").read_bytes()[:4] == b"\x89PNG"
