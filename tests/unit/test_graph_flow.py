"""Graph logic with a scripted model: approve, reject-and-revise, revise limit, fact-check failure, restart."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.runner import RunError
from serving.structured import StructuredOutputError
from tests.fakes import ScriptedLLM
from tests.unit.graph_support import QUERY_PLAN, GraphHarness, draft_with

BRIEF = "Product text for the Acme Kettle K1: price and capacity."


@pytest.fixture
def harness_factory(tmp_path: Path):
    made: list[GraphHarness] = []

    def make(script: dict, max_revisions: int = 2) -> GraphHarness:
        harness = GraphHarness(tmp_path, ScriptedLLM(script), max_revisions)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.close()


def test_approve_publishes_html_with_citations(harness_factory) -> None:
    harness = harness_factory({"rewrite": [QUERY_PLAN], "draft": [draft_with("49.90")]})
    view = harness.runner.start(BRIEF, channel="product_description", language="en")
    assert view.status == "awaiting_review"
    verdicts = {s["field"]: s["verdict"] for s in view.review["sentences"]}
    assert verdicts["sections[0].body"] == "supported"
    assert set(verdicts.values()) <= {"supported", "no_claim"}
    assert view.review["blocking"] == []
    cited_chunk = view.review["sources"][0]["chunk_id"]
    assert cited_chunk.startswith("kettle-k1-en::")

    done = harness.runner.resume(view.run_id, {"action": "approve"})
    assert done.status == "published"
    html = Path(done.published["html"]).read_text(encoding="utf-8")
    assert "Acme Kettle K1" in html and 'href="#src-S' in html
    jsonld = json.loads(Path(done.published["jsonld"]).read_text(encoding="utf-8"))
    assert jsonld["@type"] == "Product"
    assert all(c["identifier"].startswith("kettle-k1-en::") for c in jsonld["citation"])
    with pytest.raises(RunError, match="already published"):
        harness.runner.resume(view.run_id, {"action": "approve"})


def test_reject_with_feedback_revises_and_returns_to_editor(harness_factory) -> None:
    harness = harness_factory({"rewrite": [QUERY_PLAN], "draft": [draft_with("49.90"), draft_with("49.90", "Nice.")]})
    view = harness.runner.start(BRIEF, channel="product_description", language="en")
    again = harness.runner.resume(view.run_id, {"action": "reject", "feedback": "Mention the capacity."})
    assert again.status == "awaiting_review"
    assert again.review["revision"] == 1
    last_prompt = harness.services.llm.prompts_for("draft")[-1]
    assert "Editor: Mention the capacity." in last_prompt
    assert [c["task"] for c in harness.services.llm.calls] == ["rewrite", "draft", "revise"], "redraft routed as revise"


def test_reject_without_feedback_ends_the_run(harness_factory) -> None:
    harness = harness_factory({"rewrite": [QUERY_PLAN], "draft": [draft_with("49.90")]})
    view = harness.runner.start(BRIEF, channel="product_description", language="en")
    done = harness.runner.resume(view.run_id, {"action": "reject"})
    assert done.status == "rejected"


def test_fact_check_failure_goes_back_to_the_writer_with_the_reason(harness_factory) -> None:
    harness = harness_factory({"rewrite": [QUERY_PLAN], "draft": [draft_with("39.90"), draft_with("49.90")]})
    view = harness.runner.start(BRIEF, channel="product_description", language="en")
    assert view.status == "awaiting_review"
    assert view.review["revision"] == 1
    body = [s for s in view.review["sentences"] if s["field"] == "sections[0].body"]
    assert [s["verdict"] for s in body] == ["supported"]
    second_prompt = harness.services.llm.prompts_for("draft")[1]
    assert "39.90" in second_prompt and ("not_found" in second_prompt or "contradicted" in second_prompt)


def test_revise_limit_reached_reaches_editor_marked_and_blocks_approval(harness_factory) -> None:
    harness = harness_factory({"rewrite": [QUERY_PLAN], "draft": [draft_with("39.90")]}, max_revisions=2)
    view = harness.runner.start(BRIEF, channel="product_description", language="en")
    assert view.status == "awaiting_review"
    assert view.review["revision"] == 2
    assert len(harness.services.llm.prompts_for("draft")) == 3
    assert view.review["blocking"], "the unsupported price must be marked for the editor"
    refused = harness.runner.resume(view.run_id, {"action": "approve"})
    assert refused.status == "awaiting_review"
    assert refused.review["message"].startswith("cannot approve")


def test_edit_is_rechecked_then_publishable(harness_factory) -> None:
    harness = harness_factory({"rewrite": [QUERY_PLAN], "draft": [draft_with("39.90")]}, max_revisions=0)
    view = harness.runner.start(BRIEF, channel="product_description", language="en")
    assert view.review["blocking"]
    edited = dict(view.review["draft"])
    edited["claims"] = [{"text": "The Acme Kettle K1 costs 49.90 EUR.", "sources": edited["claims"][0]["sources"]}]
    edited["sections"] = [{"heading": "Price", "body": "The Acme Kettle K1 costs 49.90 EUR."}]
    after_edit = harness.runner.resume(view.run_id, {"action": "edit", "draft": edited, "editor": "eva"})
    assert after_edit.status == "awaiting_review"
    assert after_edit.review["blocking"] == []
    assert harness.runner.resume(view.run_id, {"action": "approve"}).status == "published"


def test_invalid_model_output_fails_the_run_and_retry_continues(harness_factory) -> None:
    broken = StructuredOutputError("draft: the model returned invalid DraftContent twice", ["{"])
    harness = harness_factory({"rewrite": [QUERY_PLAN], "draft": [broken, draft_with("49.90")]})
    with pytest.raises(RunError, match="invalid DraftContent"):
        harness.runner.start(BRIEF, channel="product_description", language="en")
    run = harness.runner.list()[0]
    assert run.status == "failed" and "invalid DraftContent" in (run.error or "")
    resumed = harness.runner.retry(run.run_id)
    assert resumed.status == "awaiting_review"
    assert len(harness.services.llm.prompts_for("rewrite")) == 1, "retry must not redo finished stages"


def test_bad_requests_are_refused_clearly(harness_factory) -> None:
    harness = harness_factory({"rewrite": [QUERY_PLAN], "draft": [draft_with("49.90")]})
    with pytest.raises(RunError, match="brief is empty"):
        harness.runner.start("   ", channel="product_description", language="en")
    with pytest.raises(RunError, match="unknown channel"):
        harness.runner.start(BRIEF, channel="poem", language="en")
    with pytest.raises(RunError, match="unknown run"):
        harness.runner.resume("nope", {"action": "approve"})


def test_draft_documents_are_never_sources(harness_factory) -> None:
    harness = harness_factory({"rewrite": [QUERY_PLAN], "draft": [draft_with("49.90")]})
    view = harness.runner.start("Acme Kettle K2 Nebelhorn launch price", channel="ad_copy", language="en")
    assert all(not s["document_id"].startswith("kettle-k2") for s in view.review["sources"])
    assert all("Nebelhorn" not in s["text"] for s in view.review["sources"])


def test_waiting_run_survives_a_new_process(tmp_path: Path) -> None:
    started = subprocess.run(
        [sys.executable, "-m", "tests.unit.graph_support", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    run_id, status = started.stdout.split()[-2:]
    assert status == "awaiting_review"
    harness = GraphHarness(tmp_path, ScriptedLLM({}))
    try:
        view = harness.runner.get(run_id)
        assert view.status == "awaiting_review"
        assert view.review["draft"]["title"] == "Acme Kettle K1"
        assert harness.runner.resume(run_id, {"action": "approve"}).status == "published"
    finally:
        harness.close()


def test_a_run_whose_process_died_mid_run_continues_on_retry(tmp_path: Path) -> None:
    script = {"rewrite": [QUERY_PLAN], "draft": [draft_with("49.90")]}
    harness = GraphHarness(tmp_path, ScriptedLLM(script))
    try:
        killer = {"calls": 0}
        original = harness.services.store.get_chunks

        def dies_once(*args, **kwargs):  # type: ignore[no-untyped-def]
            killer["calls"] += 1
            if killer["calls"] == 1:
                raise KeyboardInterrupt  # what a killed process looks like: no error is recorded
            return original(*args, **kwargs)

        # The fact-check reads the run's source chunks from the store: die there, mid-run.
        harness.services.store.get_chunks = dies_once  # type: ignore[method-assign]
        with pytest.raises(KeyboardInterrupt):
            harness.runner.start(BRIEF, channel="product_description", language="en", run_id="crashed")
        assert harness.runner.get("crashed").status == "running"
        view = harness.runner.retry("crashed")
        assert view.status == "awaiting_review"
        assert len(harness.services.llm.prompts_for("draft")) == 1, "the draft written before the crash is kept"
    finally:
        harness.close()


@pytest.mark.parametrize(
    ("field", "wrong"),
    [
        ("body", "The Acme Kettle K1 costs 39.90 EUR and holds 1.7 litres."),
        ("title", "Acme Kettle K1 for only 39.90 EUR"),
        ("meta", "The Acme Kettle K1 boils 3 litres with 3000 W."),
    ],
)
def test_editor_edit_with_a_wrong_fact_cannot_be_approved(harness_factory, field: str, wrong: str) -> None:
    harness = harness_factory({"rewrite": [QUERY_PLAN], "draft": [draft_with("49.90")]})
    view = harness.runner.start(BRIEF, channel="product_description", language="en")
    assert view.review["blocking"] == []
    edited = dict(view.review["draft"])  # the claims list stays correct: it is a hint, not what is checked
    if field == "body":
        edited["sections"] = [{"heading": "Price", "body": wrong}]
    elif field == "title":
        edited["title"] = wrong
    else:
        edited["meta_description"] = wrong
    after = harness.runner.resume(view.run_id, {"action": "edit", "draft": edited, "editor": "eva"})
    assert after.status == "awaiting_review"
    bad = [s for s in after.review["sentences"] if s["verdict"] in {"contradicted", "not_found"}]
    assert bad and all("39.90" in s["text"] or "3" in s["text"] for s in bad)
    refused = harness.runner.resume(view.run_id, {"action": "approve"})
    assert refused.status == "awaiting_review"
    assert refused.review["message"].startswith("cannot approve")


def test_published_page_cites_each_sentence_and_lists_exactly_the_cited_sources(harness_factory) -> None:
    harness = harness_factory({"rewrite": [QUERY_PLAN], "draft": [draft_with("49.90")]})
    view = harness.runner.start(BRIEF, channel="product_description", language="en")
    edited = dict(view.review["draft"])
    # The editor cites nothing; the fact-check finds the supporting source for each sentence.
    edited["sections"] = [
        {"heading": "Price", "body": "The Acme Kettle K1 costs 49.90 EUR. It holds 1.7 litres. Order yours today!"}
    ]
    after = harness.runner.resume(view.run_id, {"action": "edit", "draft": edited})
    body = [s for s in after.review["sentences"] if s["field"] == "sections[0].body"]
    assert [s["verdict"] for s in body] == ["supported", "supported", "no_claim"]
    assert all(s["citations"] and s["citation_corrected"] for s in body[:2])
    assert body[1]["evidence"]["text"].startswith("The Acme Kettle K1 holds 1.7 litres")
    done = harness.runner.resume(view.run_id, {"action": "approve"})
    html = Path(done.published["html"]).read_text(encoding="utf-8")
    assert html.count('<sup class="cite">') >= 2
    assert "Order yours today!" in html and "today! <sup" not in html
    listed = html.count('<li id="src-')
    cited = {label for s in after.review["sentences"] if s["verdict"] == "supported" for label in s["citations"]}
    assert listed == len(cited)
    assert "Acme Kettle K1 – Acme Kettle K1" not in html, "no duplicated title parts in the sources list"
