"""Canary personal data planted in an approved source must not appear in clear anywhere copydesk writes.

A real run (real store, Presidio, fact-checker, guards, SQLite checkpoints; scripted model)
drafts from a source that quotes a customer with name, e-mail, phone, IBAN and street
address (her name also in the source's title and heading, which the fact-check's evidence
quotes), and the brief names a person who also appears in a document title. Afterwards
the raw bytes of the checkpoint database *and its WAL*, the run registry, every API
response, every published file and the captured logs are searched for the canaries.
Then ``copydesk erase`` removes a planted subject from every store.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.audit import AuditLog
from app.privacy import erase_subject, purge_expired
from app.runner import DraftRunner
from app.settings import Settings
from tests.fakes import ScriptedLLM
from tests.unit.graph_support import QUERY_PLAN, GraphHarness, label_of
from tools.ingest.pipeline import IngestPipeline
from tools.library import DocumentLibrary

CANARY_SOURCE = """---
id: kettle-k1-reviews-en
title: Acme Kettle K1 customer voices collected by Margaret Thompson
language: en
approval_status: approved
doc_type: faq
product_ids: [ACME-K1]
---
# Acme Kettle K1 customer voices

## Price quoted by Margaret Thompson
The Acme Kettle K1 costs 49.90 EUR, says Margaret Thompson from Leeds, reachable at
margaret.thompson@example.org or +44 20 7946 0958, paying from IBAN GB82 WEST 1234 5698 7654 32,
living at 221B Baker Street, London NW1 6XE.
"""

TITLED_PERSON = """---
id: call-notes-0042
title: Call notes Priya Raghunathan
language: en
approval_status: approved
doc_type: support
---
# Call notes Priya Raghunathan

Priya Raghunathan asked whether the Acme Kettle K1 descales itself. It does not.
"""

CANARIES = [
    "Margaret Thompson",
    "Thompson",
    "margaret.thompson@example.org",
    "7946 0958",
    "GB82 WEST",
    "1234 5698 7654 32",
    "Baker Street",
    "NW1 6XE",
    "Priya",
    "Raghunathan",
]
BRIEF = "E-mail to Priya Raghunathan about the Acme Kettle K1 and its price"


def _leaks(blob: bytes | str) -> list[str]:
    """The canaries found in ``blob``, each with a little context (for the failure message)."""
    text = blob.decode("utf-8", errors="ignore") if isinstance(blob, bytes) else blob
    folded = text.casefold()
    found = []
    for canary in CANARIES:
        at = folded.find(canary.casefold())
        if at != -1:
            found.append(f"{canary!r} in ...{text[max(0, at - 80) : at + 40]!r}...")
    return found


def cite_the_testimonial(messages):  # type: ignore[no-untyped-def]
    """A scripted draft whose price claim cites the source quoting the customer."""
    label = label_of(messages, "says")
    return {
        "title": "Acme Kettle K1",
        "meta_description": "The Acme Kettle K1 kettle: price and technical data.",
        "sections": [{"heading": "Price", "body": f"The Acme Kettle K1 costs 49.90 EUR [{label}]."}],
        "claims": [{"text": "The Acme Kettle K1 costs 49.90 EUR.", "sources": [label]}],
    }


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[GraphHarness]:
    llm = ScriptedLLM({"rewrite": [QUERY_PLAN] * 4, "draft": [cite_the_testimonial] * 4})
    harness = GraphHarness(tmp_path, llm)
    corpus = tmp_path / "canary"
    corpus.mkdir()
    (corpus / "reviews.md").write_text(CANARY_SOURCE, encoding="utf-8")
    (corpus / "priya.md").write_text(TITLED_PERSON, encoding="utf-8")
    library = DocumentLibrary(tmp_path / "library.sqlite")  # like `copydesk ingest`: records and history too
    try:
        report = IngestPipeline(harness.services.store, harness.services.embedder, library=library).ingest(
            corpus, actor="Priya Raghunathan"
        )
    finally:
        library.close()
    assert report.documents_ingested == 2, report.skipped
    yield harness
    harness.close()


def _api(harness: GraphHarness) -> TestClient:
    @contextlib.contextmanager
    def factory() -> Iterator[DraftRunner]:
        yield harness.runner

    return TestClient(create_app(factory))


def test_canary_pii_is_nowhere_in_clear(harness: GraphHarness, tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    runner = harness.runner
    view = runner.start(BRIEF, channel="crm_email", language="en")
    assert view.status == "awaiting_review"
    # the planted sentence was retrieved, cited and fact-checked: its evidence is in the review, scrubbed
    evidence = [e["text"] for v in view.review["verdicts"] for e in v.get("evidence", [])]
    assert any("49.90" in e for e in evidence), view.review["verdicts"]
    assert any("<PERSON_" in e or "<EMAIL_ADDRESS_" in e for e in evidence), evidence

    responses = []
    with _api(harness) as client:
        responses.append(client.get(f"/v1/runs/{view.run_id}").text)
        responses.append(client.get("/v1/runs").text)
        responses.append(client.get(f"/editor/runs/{view.run_id}").text)
        feedback = "Mention that Margaret Thompson (+44 20 7946 0958) loved it"
        runner.resume(view.run_id, {"action": "reject", "feedback": feedback, "editor": "eva"})
        view = runner.get(view.run_id)
        responses.append(client.get(f"/v1/runs/{view.run_id}").text)
    if view.status == "awaiting_review":
        view = runner.resume(view.run_id, {"action": "approve", "editor": "eva"})
    assert view.status == "published", view.review and view.review.get("blocking")

    stores = {
        "checkpoints.sqlite": tmp_path / "checkpoints.sqlite",
        "checkpoints.sqlite-wal": tmp_path / "checkpoints.sqlite-wal",
        "runs.sqlite": tmp_path / "runs.sqlite",
        "runs.sqlite-wal": tmp_path / "runs.sqlite-wal",
    }
    assert stores["checkpoints.sqlite"].stat().st_size > 0
    for name, path in stores.items():
        if path.exists():
            leaks = _leaks(path.read_bytes())
            assert not leaks, f"{name} holds {leaks} in clear"
    for text in responses:
        assert not _leaks(text), f"an API/editor response holds {_leaks(text)}"
    published = [p for p in (tmp_path / "published").rglob("*") if p.is_file()]
    assert {p.name for p in published} >= {"index.html", "draft.json", "content.jsonld"}
    for path in published:
        assert not _leaks(path.read_bytes()), f"{path.name} holds {_leaks(path.read_bytes())}"
    assert not _leaks(caplog.text), f"logs hold {_leaks(caplog.text)}"
    assert not _leaks(repr(runner.registry.list())), "the run registry holds personal data"


def test_erase_removes_a_planted_subject_everywhere(harness: GraphHarness, tmp_path: Path) -> None:
    runner = harness.runner
    mentioning = runner.start(BRIEF, channel="crm_email", language="en")
    # German run: the English call notes about the subject are never retrieved for it
    other = runner.start("Produkttext für den Acme Wasserkocher K1", channel="product_description", language="de")
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "llm-server.log").write_text("start\nprompt for Priya Raghunathan\nstop\n", encoding="utf-8")
    settings = Settings(data_dir=tmp_path, _env_file=None)
    audit = AuditLog.from_settings(settings)
    audit.append("documents.ingested", actor="Priya Raghunathan", details={"path": "canary"})
    audit.close()
    saver = runner.graph.checkpointer
    report = erase_subject(settings, saver, runner.registry, "Priya Raghunathan", dry_run=True)
    assert report.runs == [mentioning.run_id] and report.documents == ["call-notes-0042"]
    assert runner.get(mentioning.run_id).status == "awaiting_review", "a dry run removes nothing"

    report = erase_subject(settings, saver, runner.registry, "Priya Raghunathan")
    text = "\n".join(report.removed)
    # nothing of the run holds the name in clear: it is found through the run's salted pseudonym hashes
    assert f"run {mentioning.run_id}: checkpoints and run record (mentioned as a pseudonym)" in text
    assert f"run {mentioning.run_id}" in text and "document call-notes-0042" in text and "llm-server.log" in text
    assert "library record" in text and "kept: 1 audit log entry naming the subject" in text, text
    assert runner.registry.get(mentioning.run_id) is None
    assert not list(saver.list({"configurable": {"thread_id": mentioning.run_id}}))
    assert runner.registry.get(other.run_id) is not None, "runs not mentioning the subject stay"
    from tools.stores.embedded import EmbeddedHybridStore

    reopened = EmbeddedHybridStore(tmp_path / "index")
    try:
        assert "call-notes-0042" not in reopened.document_hashes()
        assert "kettle-k1-en" in reopened.document_hashes()
    finally:
        reopened.close()
    assert "Priya" not in (logs / "llm-server.log").read_text(encoding="utf-8")
    library = DocumentLibrary(tmp_path / "library.sqlite")
    try:
        assert library.get("call-notes-0042") is None and library.get("kettle-k1-reviews-en") is not None
        assert all("Priya" not in e.actor for e in library.events()), "the history still names the subject"
        assert all(e.detail == {} for e in library.events("call-notes-0042")), "the history keeps the file name"
    finally:
        library.close()
    for name in (
        "checkpoints.sqlite",
        "checkpoints.sqlite-wal",
        "runs.sqlite",
        "index/store.sqlite",
        "library.sqlite",
        "library.sqlite-wal",
        "cache/vectors.sqlite",
    ):
        path = tmp_path / name
        if path.exists():  # case-insensitive: the keyword index keeps lower-cased terms
            assert b"raghunathan" not in path.read_bytes().lower(), f"{name} still holds the subject"
    again = erase_subject(settings, saver, runner.registry, "Priya Raghunathan")
    assert again.runs == [] and again.documents == []


def test_retention_deletes_checkpoints_of_finished_runs_only(harness: GraphHarness, tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    runner = harness.runner
    waiting = runner.start("Product text for the Acme Kettle K1", channel="ad_copy", language="en")
    done = runner.start("Product text for the Acme Kettle K1", channel="product_description", language="en")
    runner.resume(done.run_id, {"action": "approve", "editor": "eva"})
    saver = runner.graph.checkpointer
    off = Settings(data_dir=tmp_path, _env_file=None)
    assert purge_expired(off, saver, runner.registry) == []
    settings = Settings(data_dir=tmp_path, checkpoint_retention_days=30, _env_file=None)
    assert purge_expired(settings, saver, runner.registry) == [], "nothing is 30 days old yet"
    later = datetime.now(UTC) + timedelta(days=31)
    assert purge_expired(settings, saver, runner.registry, now=later) == [done.run_id]
    assert not list(saver.list({"configurable": {"thread_id": done.run_id}}))
    assert runner.get(waiting.run_id).status == "awaiting_review", "a run waiting for an editor is kept"
    assert runner.registry.get(done.run_id) is not None


def test_erase_command_reports_and_refuses_bad_input(harness: GraphHarness, tmp_path: Path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from app.cli import app
    from app.settings import get_settings

    run = harness.runner.start(BRIEF, channel="crm_email", language="en")
    harness.close()  # the command opens the stores itself, like a second process
    monkeypatch.setenv("COPYDESK_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        cli = CliRunner()
        empty = cli.invoke(app, ["erase"])
        assert empty.exit_code == 2 and "--subject" in empty.output
        short = cli.invoke(app, ["erase", "--subject", "ab"])
        assert short.exit_code == 2 and "at least 3 characters" in short.output
        done = cli.invoke(app, ["erase", "--subject", "Priya Raghunathan"])
        assert done.exit_code == 0, done.output
        assert f"removed run {run.run_id}" in done.output and "1 run(s)" in done.output
        erased = AuditLog.from_settings(get_settings())
        try:  # the erasure itself is audited, without the subject's name
            entry = erased.entries(action="subject.erased")[-1]
            assert entry.details["runs"] == [run.run_id] and "Priya" not in json.dumps(entry.to_dict())
        finally:
            erased.close()
    finally:
        get_settings.cache_clear()
