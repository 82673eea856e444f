"""Product focus on the demo corpus: the product's own pages first, then general documents only, and a
product without approved pages in the run's language fails before any model call (or, when allowed, is
drafted from the other language's pages, marked as a translation)."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.sqlite import SqliteSaver

from app.demo import DEMO_CORPUS
from app.runner import DraftRunner, RunError
from app.runs import RunRegistry
from graphs.draft.context import DraftOptions, DraftServices
from tests.fakes import HashingEmbedder, ScriptedLLM
from tools.factcheck import FactChecker
from tools.guards import GuardSuite
from tools.ingest.pipeline import IngestPipeline
from tools.pii import PiiScrubber
from tools.stores.embedded import EmbeddedHybridStore

PLAN = {"keyword_query": "Produkt Preis", "question_query": "Was kostet es?", "hypothetical_passage": "Es kostet."}
TENT = """---
id: camp-tent-1-en
title: Camp Tent 1
language: en
approval_status: approved
doc_type: product_page
product_ids: [CAMP-TENT-1]
---
# Camp Tent 1

The Camp Tent 1 sleeps two and weighs 2.1 kg.
"""


def _draft(messages: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    return {
        "title": "Produkt",
        "meta_description": "Ein Produkttext mit den wichtigsten Daten aus den Quellen.",
        "sections": [{"heading": "Überblick", "body": "Ein Produkt [S1]."}],
        "claims": [{"text": "Ein Produkt.", "sources": ["S1"]}],
    }


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("focus")
    store = EmbeddedHybridStore(root / "index")
    pipeline = IngestPipeline(store, HashingEmbedder())
    pipeline.ingest(DEMO_CORPUS)
    extra = root / "extra"
    extra.mkdir()
    (extra / "camp-tent-1.en.md").write_text(TENT, encoding="utf-8")
    pipeline.ingest(extra)
    store.close()
    yield root / "index"


@pytest.fixture
def run(index: Path, tmp_path: Path) -> Iterator[Any]:
    opened: list[Any] = []

    def start(brief: str, language: str, product: str | None, fallback: bool = False) -> tuple[Any, ScriptedLLM]:
        llm = ScriptedLLM({"rewrite": [PLAN], "draft": [_draft]})
        start.last_llm = llm  # type: ignore[attr-defined]
        store = EmbeddedHybridStore(index)
        services = DraftServices(
            llm=llm,
            embedder=HashingEmbedder(),
            store=store,
            fact_checker=FactChecker(),
            scrubber=PiiScrubber(),
            guards=GuardSuite(check_pii=False),
            options=dataclasses.replace(
                DraftOptions(),
                company="Test Co",
                max_revisions=0,
                output_dir=tmp_path / "out",
                product_language_fallback=fallback,
            ),
        )
        connection = sqlite3.connect(str(tmp_path / f"cp{len(opened)}.sqlite"), check_same_thread=False)
        saver = SqliteSaver(connection)
        saver.setup()
        registry = RunRegistry(None, tmp_path / f"runs{len(opened)}.sqlite")
        opened.append((store, connection, registry))
        runner = DraftRunner(services, saver, registry)
        return runner.start(brief, channel="product_description", language=language, product_id=product), llm

    yield start
    for store, connection, registry in opened:
        registry.close()
        connection.close()
        store.close()


def _documents(view: Any) -> list[str]:
    return [s["document_id"] for s in view.state["sources"]]


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("product", ["LUM-AP-3", "LUM-DS-2", "LUM-HB-1", "LUM-LB-9", "LUM-SN-5", "LUM-TH-200"])
def test_sources_are_the_products_own_pages_first_then_general_ones(run: Any, product: str, language: str) -> None:
    view, _ = run("Produkttext: Eigenschaften, Preis und Pflege", language, product)
    assert view.status == "awaiting_review", view.error
    sources = view.state["sources"]
    own_page = f"{product.lower()}-{language}"  # every demo product with approved pages: both languages
    assert any(document == own_page or document.startswith(f"{own_page}-") for document in _documents(view))
    assert product in sources[0]["product_ids"]
    for source in sources:  # never another product's page
        assert product in source["product_ids"] or not source["product_ids"], source["document_id"]
        assert source["language"] == language
    seen_general = False
    for source in sources:  # the product's passages come before any general one
        seen_general = seen_general or not source["product_ids"]
        assert not (seen_general and source["product_ids"])


def test_a_product_without_pages_in_the_language_fails_before_any_model_call(run: Any) -> None:
    with pytest.raises(RunError) as failure:
        run("Produkttext zum Zelt", "de", "CAMP-TENT-1")
    message = str(failure.value)
    assert "ProductFocusError" in message and "'CAMP-TENT-1' has no approved document in German" in message
    assert "1 in English" in message and "COPYDESK_PRODUCT_LANGUAGE_FALLBACK" in message


def test_no_model_call_happens_for_an_unfocusable_product(run: Any) -> None:
    with pytest.raises(RunError):
        run("Produkttext zum Zelt", "de", "CAMP-TENT-1")
    assert run.last_llm.calls == []  # failed before the query rewrite, the first model call
    view, llm = run("Produkttext zum Zelt", "en", "CAMP-TENT-1")
    assert view.status == "awaiting_review" and [c["task"] for c in llm.calls] == ["rewrite", "draft"]


def test_the_fallback_drafts_from_the_other_language_marked_as_translation(run: Any) -> None:
    view, _ = run("Produkttext zum Zelt", "de", "CAMP-TENT-1", fallback=True)
    assert view.status == "awaiting_review", view.error
    assert _documents(view)[0] == "camp-tent-1-en"
    assert view.review["translated_from"] == "en"
    assert all(s["product_ids"] == ["CAMP-TENT-1"] or not s["product_ids"] for s in view.state["sources"])


def test_a_product_with_only_a_draft_says_how_many_unapproved_documents_matched(run: Any) -> None:
    with pytest.raises(RunError, match=r"1 unapproved \(draft\) document\(s\) would have matched"):
        run("Produkttext zum Thermo 300", "de", "LUM-TH-300")


def test_no_approved_source_at_all_counts_the_drafts_and_calls_no_model(tmp_path: Path) -> None:
    from graphs.draft.nodes.retrieval import rewrite_queries
    from tools.focus import NoApprovedSourceError

    folder = tmp_path / "drafts"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.md").write_text(f"# Manual {name}\n\nThe stove {name} boils water fast.\n")
    store = EmbeddedHybridStore(tmp_path / "index")
    IngestPipeline(store, HashingEmbedder()).ingest(folder)
    llm = ScriptedLLM({"rewrite": [PLAN]})
    services = DraftServices(
        llm=llm,
        embedder=HashingEmbedder(),
        store=store,
        fact_checker=FactChecker(),
        scrubber=PiiScrubber(),
        guards=GuardSuite(check_pii=False),
    )

    class Runtime:
        context = services

    with pytest.raises(NoApprovedSourceError, match=r"2 unapproved \(draft\) document\(s\) would have matched"):
        rewrite_queries({"scrubbed_brief": "stove that boils water", "language": "en"}, Runtime())  # type: ignore[arg-type]
    assert llm.calls == []
    store.close()
