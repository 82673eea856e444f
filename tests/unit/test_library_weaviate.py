"""Retire and delete through the Weaviate adapter, checked on the gRPC requests weaviate-client builds."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest

weaviate = pytest.importorskip("weaviate")

from weaviate.connect import ConnectionParams  # noqa: E402
from weaviate.connect.v4 import _ServerVersion  # noqa: E402
from weaviate.proto.v1 import batch_delete_pb2, batch_pb2, search_get_pb2  # noqa: E402

from tests.fakes import HashingEmbedder  # noqa: E402
from tools.ingest.governed import GovernedLibrary  # noqa: E402
from tools.ingest.loaders import build_document  # noqa: E402
from tools.ingest.pipeline import IngestPipeline  # noqa: E402
from tools.library import DocumentLibrary  # noqa: E402
from tools.stores.weaviate_store import WeaviateHybridStore  # noqa: E402


class RecordingStub:
    def __init__(self) -> None:
        self.requests: list[Any] = []

    def Search(self, request: Any, metadata: Any = None, timeout: Any = None) -> Any:
        self.requests.append(request)
        return search_get_pb2.SearchReply()

    def BatchObjects(self, request: Any, metadata: Any = None, timeout: Any = None) -> Any:
        self.requests.append(request)
        return batch_pb2.BatchObjectsReply()

    def BatchDelete(self, request: Any, metadata: Any = None, timeout: Any = None) -> Any:
        self.requests.append(request)
        return batch_delete_pb2.BatchDeleteReply(successful=2, matches=2)


@pytest.fixture
def governed(tmp_path: Path) -> tuple[GovernedLibrary, RecordingStub]:
    client = weaviate.WeaviateClient(
        connection_params=ConnectionParams.from_url("http://localhost:8080", 50051), skip_init_checks=True
    )
    stub = RecordingStub()
    connection = client._connection
    connection._grpc_stub = stub
    connection._connected = True
    connection._weaviate_version = _ServerVersion.from_string("1.30.0")
    client.collections.exists = MagicMock(return_value=True)  # type: ignore[method-assign]
    store = WeaviateHybridStore(client, collection="CopydeskChunk", tenant="brand-a")
    library = DocumentLibrary(tmp_path / "library.sqlite", tenant="brand-a")
    document = build_document(
        {"id": "tent-en", "language": "en", "approval_status": "approved"},
        "# Tent\n\nThe tent sleeps two.\n",
        tmp_path / "tent.md",
        tmp_path,
    )
    library.record_ingested([document], "carla", changed={"tent-en"})
    return GovernedLibrary(IngestPipeline(store, HashingEmbedder(), library=library), library), stub


def test_retire_reimports_the_chunks_as_archived(governed: tuple[GovernedLibrary, RecordingStub]) -> None:
    library, stub = governed
    assert library.retire(["tent-en"], "alice").changed == ["tent-en"]
    deletes = [r for r in stub.requests if isinstance(r, batch_delete_pb2.BatchDeleteRequest)]
    imports = [r for r in stub.requests if isinstance(r, batch_pb2.BatchObjectsRequest)]
    assert deletes and deletes[0].tenant == "brand-a" and "tent-en" in str(deletes[0].filters)
    [objects] = [list(r.objects) for r in imports]
    assert objects and all(o.tenant == "brand-a" for o in objects)
    assert all("archived" in str(o.properties) for o in objects)
    assert library.get("tent-en").document.approval_status == "archived"


def test_delete_removes_every_chunk_of_the_document(governed: tuple[GovernedLibrary, RecordingStub]) -> None:
    library, stub = governed
    result = library.delete(["tent-en"], "dan")
    [request] = [r for r in stub.requests if isinstance(r, batch_delete_pb2.BatchDeleteRequest)]
    assert request.tenant == "brand-a" and request.collection == "CopydeskChunk"
    assert "document_id" in str(request.filters) and "tent-en" in str(request.filters)
    assert result.changed == ["tent-en"] and result.chunks_removed == 2
    assert library.library.get("tent-en") is None
    assert [(e.action, e.actor) for e in library.library.events("tent-en")] == [
        ("ingested", "carla"),
        ("deleted", "dan"),
    ]
