"""The Weaviate adapter, checked on the gRPC requests weaviate-client actually builds (no server).

A fake gRPC stub records ``SearchRequest`` and ``BatchObjectsRequest`` messages, so
the assertions are on the wire format: tenant, alpha, fusion type, the analysed
query, query properties, filters and the raw vector bytes.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from unittest.mock import MagicMock

import numpy as np
import pytest

weaviate = pytest.importorskip("weaviate")

from weaviate.classes.config import Tokenization  # noqa: E402
from weaviate.connect import ConnectionParams  # noqa: E402
from weaviate.connect.v4 import _ServerVersion  # noqa: E402
from weaviate.proto.v1 import batch_pb2, search_get_pb2  # noqa: E402

from tools.models import Chunk, MetadataFilter  # noqa: E402
from tools.stores.weaviate_store import (  # noqa: E402
    WeaviateHybridStore,
    chunk_from_properties,
    chunk_properties,
    collection_config,
)


class RecordingStub:
    """Stands in for the generated gRPC stub; answers every call with an empty reply."""

    def __init__(self) -> None:
        self.requests: list[Any] = []

    def Search(self, request: Any, metadata: Any = None, timeout: Any = None) -> Any:
        self.requests.append(request)
        return search_get_pb2.SearchReply()

    def BatchObjects(self, request: Any, metadata: Any = None, timeout: Any = None) -> Any:
        self.requests.append(request)
        return batch_pb2.BatchObjectsReply()


@pytest.fixture
def wired() -> tuple[WeaviateHybridStore, RecordingStub, Any]:
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
    return store, stub, client


def test_hybrid_request_carries_alpha_fusion_tenant_filters_and_vector(wired: Any) -> None:
    store, stub, _ = wired
    vector = np.asarray([0.25, 0.5, 0.75], dtype=np.float32)
    filters = MetadataFilter(language="de", product_id="p1", valid_on=date(2024, 5, 1))
    assert store.hybrid("Die Häuser", vector, alpha=0.3, fusion="ranked", limit=7, filters=filters) == []
    request = stub.requests[-1]
    assert request.collection == "CopydeskChunk"
    assert request.tenant == "brand-a"
    assert request.limit == 7
    hybrid = request.hybrid_search
    assert hybrid.alpha == pytest.approx(0.3)
    assert hybrid.FusionType.Name(hybrid.fusion_type) == "FUSION_TYPE_RANKED"
    assert hybrid.query == "de:haus"  # German analysis only: the filter fixes the language
    assert list(hybrid.properties) == ["terms"]
    assert np.frombuffer(hybrid.vector_bytes, dtype=np.float32).tolist() == vector.tolist()
    assert list(hybrid.targets.target_vectors) == ["default"]
    text = str(request.filters)
    for expected in ('"approval_status"', '"approved"', '"language"', '"de"', '"product_ids"', '"p1"'):
        assert expected in text
    assert "valid_from" in text and "valid_until" in text and "OPERATOR_IS_NULL" in text
    assert request.metadata.score and request.metadata.explain_score


def test_relative_score_fusion_and_default_filter(wired: Any) -> None:
    store, stub, _ = wired
    store.hybrid("solar roof", np.ones(3, dtype=np.float32), alpha=0.5)
    request = stub.requests[-1]
    assert request.hybrid_search.FusionType.Name(request.hybrid_search.fusion_type) == "FUSION_TYPE_RELATIVE_SCORE"
    assert set(request.hybrid_search.query.split()) == {"en:solar", "en:roof", "de:solar", "de:roof"}
    assert '"approved"' in str(request.filters)  # None means approved only
    assert "language" not in str(request.filters)


def test_upsert_sends_our_vectors_with_deterministic_uuids(wired: Any) -> None:
    store, stub, _ = wired
    chunk = Chunk(id="doc#0", document_id="doc", ordinal=0, text="Solar panels", product_ids=["p1"])
    store.upsert([chunk], np.asarray([[1.0, 0.0, 0.5]], dtype=np.float32))
    batch = stub.requests[-1]
    assert isinstance(batch, batch_pb2.BatchObjectsRequest)
    obj = batch.objects[0]
    assert obj.tenant == "brand-a"
    assert obj.collection == "CopydeskChunk"
    assert obj.uuid == str(weaviate.util.generate_uuid5("doc#0"))
    named = {v.name: np.frombuffer(v.vector_bytes, dtype=np.float32).tolist() for v in obj.vectors}
    assert named == {"default": [1.0, 0.0, 0.5]}
    with pytest.raises(ValueError):
        store.upsert([chunk], np.zeros((2, 3), dtype=np.float32))


def test_collection_config_tokenisation_tenancy_and_creation() -> None:
    config = collection_config("C")
    props = {p.name: p for p in config["properties"]}
    assert props["terms"].tokenization == Tokenization.WHITESPACE
    assert props["document_id"].tokenization == Tokenization.FIELD
    assert props["text"].indexSearchable is False
    assert config["multi_tenancy_config"].enabled is True
    assert config["inverted_index_config"].bm25.k1 == 1.2
    client = MagicMock()
    client.collections.exists.return_value = False
    WeaviateHybridStore(client, collection="C", tenant="t")
    assert client.collections.create.call_args.kwargs["name"] == "C"
    client.collections.use.return_value.with_tenant.assert_called_once_with("t")


def test_properties_round_trip() -> None:
    chunk = Chunk(
        id="x#1",
        document_id="x",
        ordinal=1,
        text="Text",
        title="T",
        heading_path=["H"],
        language="de",
        product_ids=["a"],
        valid_from=date(2024, 1, 2),
        valid_until=None,
    )
    props = chunk_properties(chunk)
    assert props["terms"].split() == ["de:t", "de:h", "de:text"]
    assert chunk_from_properties(props) == chunk
