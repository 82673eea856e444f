"""The governed document library through the CLI and the HTTP API: approve, retire, delete, with who and when.

A retired or deleted document is never retrieved again; the store holds no chunk of a deleted one.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app import cli
from app.api import create_app
from app.audit import AuditLog
from app.runner import DraftRunner
from app.settings import Settings, get_settings
from tests.fakes import ScriptedLLM
from tests.unit.graph_support import QUERY_PLAN, GraphHarness, draft_with
from tools.models import MetadataFilter
from tools.stores.embedded import EmbeddedHybridStore

MANUAL = "# Summit Jacket\n\nThe Summit Jacket is windproof and weighs 450 g.\n\n## Care\nWash at 30 degrees.\n"
STOVE = "# PowerBurner Stove\n\nThe PowerBurner stove boils a litre of water in 4 minutes.\n"


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[CliRunner, Path]]:
    monkeypatch.setenv("COPYDESK_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    folder = tmp_path / "manuals"
    folder.mkdir()
    (folder / "jacket.md").write_text(MANUAL, encoding="utf-8")
    (folder / "stove.md").write_text(STOVE, encoding="utf-8")
    yield CliRunner(), folder
    get_settings.cache_clear()


def _listed(runner: CliRunner, *args: str) -> list[dict[str, object]]:
    result = runner.invoke(cli.app, ["docs", "list", "--json", *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines() if line.strip()]


def _retrievable(data_dir: Path, document_id: str) -> bool:
    """Whether retrieval (approved, any language) can return a chunk of the document."""
    from app.services import build_embedder

    settings = Settings(data_dir=data_dir)
    embedder = build_embedder(settings)
    store = EmbeddedHybridStore(settings.index_dir)
    try:
        vector = embedder.embed_queries(["jacket stove"])[0]
        hits = store.hybrid("Summit Jacket PowerBurner stove", vector, limit=50, filters=MetadataFilter())
        return any(h.chunk.document_id == document_id for h in hits)
    finally:
        store.close()
        embedder.close()


def _chunks_in_store(data_dir: Path, document_id: str) -> int:
    store = EmbeddedHybridStore(data_dir / "index")
    try:
        return len(store.chunks_of_document(document_id))
    finally:
        store.close()


def test_cli_ingest_says_what_is_unapproved_then_approve_retire_delete(cli_env: tuple[CliRunner, Path]) -> None:
    runner, folder = cli_env
    data_dir = Path(get_settings().data_dir)
    result = runner.invoke(cli.app, ["ingest", str(folder), "--language", "en", "--by", "carla"])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "2 document(s) stored unapproved" in flat and "copydesk docs approve" in flat

    listed = _listed(runner, "--status", "draft")
    assert {d["id"] for d in listed} == {"jacket", "stove"}
    assert set(listed[0]) >= {"id", "title", "language", "status", "version", "doc_type", "product_ids", "source_path"}
    assert {d["title"] for d in listed} == {"Summit Jacket", "PowerBurner Stove"}
    assert not _retrievable(data_dir, "jacket")

    approved = runner.invoke(cli.app, ["docs", "approve", "jacket", "stove", "--by", "alice"])
    assert approved.exit_code == 0, approved.output
    assert {d["id"] for d in _listed(runner, "--status", "approved", "--lang", "en")} == {"jacket", "stove"}
    assert _retrievable(data_dir, "jacket") and _retrievable(data_dir, "stove")

    shown = runner.invoke(cli.app, ["docs", "show", "jacket", "--json"])
    history = json.loads(shown.output)["events"]
    assert [(e["action"], e["actor"]) for e in history] == [("ingested", "carla"), ("approved", "alice")]
    assert all(e["at"].endswith("+00:00") for e in history)

    assert runner.invoke(cli.app, ["docs", "retire", "jacket", "--by", "alice"]).exit_code == 0
    assert not _retrievable(data_dir, "jacket")
    assert _listed(runner, "--status", "archived")[0]["id"] == "jacket"
    # Re-ingesting the unchanged file does not bring a retired document back.
    runner.invoke(cli.app, ["ingest", str(folder), "--approve"])
    assert not _retrievable(data_dir, "jacket")

    assert _chunks_in_store(data_dir, "stove") > 0
    deleted = runner.invoke(cli.app, ["docs", "delete", "stove", "--by", "dan"])
    assert deleted.exit_code == 0, deleted.output
    assert _chunks_in_store(data_dir, "stove") == 0
    assert not _retrievable(data_dir, "stove")
    assert "stove" not in {d["id"] for d in _listed(runner)}

    unknown = runner.invoke(cli.app, ["docs", "approve", "nope"])
    assert unknown.exit_code == 1 and "unknown document id" in unknown.output

    # The tamper-evident audit log holds every change too (the library's log is the editable record).
    log = AuditLog.from_settings(get_settings())
    entries = [(e.action, e.details) for e in log.entries() if e.action.startswith("document.")]
    log.close()
    assert entries == [
        ("document.approved", {"document_id": "jacket", "by": "alice"}),
        ("document.approved", {"document_id": "stove", "by": "alice"}),
        ("document.retired", {"document_id": "jacket", "by": "alice"}),
        ("document.deleted", {"document_id": "stove", "by": "dan"}),
    ]


def test_docs_list_never_cuts_an_id_and_a_refused_file_fails_the_command(
    cli_env: tuple[CliRunner, Path], tmp_path: Path
) -> None:
    runner, folder = cli_env
    (folder / "product_info_20_summit_jacket_long_name.md").write_text(MANUAL, encoding="utf-8")
    runner.invoke(cli.app, ["ingest", str(folder), "--language", "en"])
    table = runner.invoke(cli.app, ["docs", "list"], terminal_width=80)
    assert "product-info-20-summit-jacket-long-name" in table.output

    export = tmp_path / "shop.json"
    export.write_text(json.dumps({"items": [{"sku": "A1", "title": {"de-DE": "Ding"}}]}), encoding="utf-8")
    refused = runner.invoke(cli.app, ["ingest", str(export), "--mapping", "commercetools"])
    assert refused.exit_code == 1 and "no product records with an id field" in " ".join(refused.output.split())
    skipped = runner.invoke(cli.app, ["ingest", str(tmp_path)])  # a folder: bad files are reported, the rest goes on
    assert skipped.exit_code == 0, skipped.output


def _on_disk(folder: Path, text: str) -> list[str]:
    """Files under ``folder`` whose raw bytes (free pages and WAL included) still hold ``text``."""
    return sorted(p.name for p in folder.rglob("*") if p.is_file() and text.encode() in p.read_bytes())


def test_a_server_that_opened_the_store_first_sees_every_cli_change(cli_env: tuple[CliRunner, Path]) -> None:
    """`copydesk serve` keeps its store open; `copydesk docs retire` beside it must still take effect at once."""
    from app.services import build_embedder

    runner, folder = cli_env
    data_dir = Path(get_settings().data_dir)
    assert runner.invoke(cli.app, ["ingest", str(folder), "--language", "en"]).exit_code == 0
    embedder = build_embedder(Settings(data_dir=data_dir))
    served = EmbeddedHybridStore(data_dir / "index")
    vector = embedder.embed_queries(["jacket stove"])[0]

    def found(document_id: str) -> bool:
        hits = served.hybrid("Summit Jacket PowerBurner stove", vector, limit=50, filters=MetadataFilter())
        return any(h.chunk.document_id == document_id for h in hits)

    try:
        assert not found("jacket")
        runner.invoke(cli.app, ["docs", "approve", "jacket", "stove"])
        assert found("jacket") and found("stove")
        runner.invoke(cli.app, ["docs", "retire", "jacket"])
        assert not found("jacket") and found("stove")
        runner.invoke(cli.app, ["docs", "delete", "stove"])
        assert not found("stove") and served.chunks_of_document("stove") == []
        # No byte of the deleted text is left in the data dir: not in free pages, not in a WAL.
        assert _on_disk(data_dir, "boils a litre of water") == []
    finally:
        served.close()
        embedder.close()


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, GraphHarness]]:
    monkeypatch.setenv("COPYDESK_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    harness = GraphHarness(tmp_path, ScriptedLLM({"rewrite": [QUERY_PLAN], "draft": [draft_with("49.90")]}))

    @contextlib.contextmanager
    def factory() -> Iterator[DraftRunner]:
        yield harness.runner

    with TestClient(create_app(factory)) as client:
        yield client, harness
    harness.close()
    get_settings.cache_clear()


def _hits(harness: GraphHarness, document_id: str) -> int:
    services = harness.services
    vector = services.embedder.embed_queries(["Acme Toaster T3 slots"])[0]
    hits = services.store.hybrid("Acme Toaster T3 slots", vector, limit=50, filters=MetadataFilter(language="en"))
    return sum(h.chunk.document_id == document_id for h in hits)


def test_api_add_approve_retire_delete(api: tuple[TestClient, GraphHarness]) -> None:
    client, harness = api
    body = "# Acme Toaster T3\n\nThe Acme Toaster T3 has 4 slots and costs 39.90 EUR.\n"
    created = client.post(
        "/v1/documents",
        json={
            "id": "toaster-t3-en",
            "language": "en",
            "body": body,
            "doc_type": "product_page",
            "product_ids": ["ACME-T3"],
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "draft" and created.json()["title"] == "Acme Toaster T3"
    assert _hits(harness, "toaster-t3-en") == 0

    approved = client.post("/v1/documents/toaster-t3-en/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert _hits(harness, "toaster-t3-en") > 0
    listed = client.get("/v1/documents", params={"status": "approved"}).json()
    assert "toaster-t3-en" in {d["id"] for d in listed}
    events = client.get("/v1/documents/toaster-t3-en").json()["events"]  # actor: the single-user identity
    assert [(e["action"], e["actor"]) for e in events] == [("ingested", "local"), ("approved", "local")]

    retired = client.post("/v1/documents/toaster-t3-en/retire")
    assert retired.json()["status"] == "archived"
    assert _hits(harness, "toaster-t3-en") == 0

    deleted = client.delete("/v1/documents/toaster-t3-en")
    assert deleted.status_code == 200 and deleted.json()["chunks_removed"] > 0
    assert harness.services.store.chunks_of_document("toaster-t3-en") == []  # type: ignore[attr-defined]
    assert client.get("/v1/documents/toaster-t3-en").status_code == 404
    audited = [(e.action, e.actor, e.details) for e in client.app.state.audit.entries() if e.action.startswith("doc")]
    assert audited == [
        ("document.approved", "local", {"document_id": "toaster-t3-en"}),
        ("document.retired", "local", {"document_id": "toaster-t3-en"}),
        ("document.deleted", "local", {"document_id": "toaster-t3-en"}),
    ]
    assert _on_disk(harness.root, "has 4 slots and costs") == []  # store, library, WAL files, free pages
    assert client.post("/v1/documents/nope/approve").status_code == 404
    assert client.delete("/v1/documents/nope").status_code == 404
    bad = client.post("/v1/documents", json={"id": "x", "language": "fr", "body": "text"})
    assert bad.status_code == 422


def test_a_document_retired_while_a_run_is_under_way_is_not_drafted_from(api: tuple[TestClient, GraphHarness]) -> None:
    from graphs.draft.nodes.retrieval import candidate_hits, candidate_refs

    client, harness = api
    body = "# Acme Grill G2\n\nThe Acme Grill G2 heats up in 5 minutes.\n"
    client.post(
        "/v1/documents", json={"id": "grill-g2-en", "language": "en", "body": body, "approval_status": "approved"}
    )
    services = harness.services
    vector = services.embedder.embed_queries(["Acme Grill G2"])[0]
    hits = services.store.hybrid("Acme Grill G2", vector, limit=5, filters=MetadataFilter(document_ids=["grill-g2-en"]))
    refs = candidate_refs(hits)  # what the checkpoint holds between retrieve and select_sources
    assert [h.chunk.document_id for h in candidate_hits(refs, services)] == ["grill-g2-en"]
    client.post("/v1/documents/grill-g2-en/retire")
    assert candidate_hits(refs, services) == []
