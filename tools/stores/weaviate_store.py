"""Weaviate adapter for :class:`~tools.stores.base.HybridStore` (weaviate-client v4, gRPC queries).

Design choices, each so that Weaviate ranks exactly like the embedded store:

* Our own vectors (``self_provided``, cosine): the same embedder serves both stores.
* BM25 runs over a ``terms`` property holding *our* per-language analysis
  (language-namespaced Snowball stems, stop words removed) with whitespace
  tokenisation, and the query is analysed the same way. Weaviate itself has no
  German stemmer, so this is how per-language tokenisation reaches it; ``text`` is
  stored for display only and not indexed for search.
* Fusion is Weaviate's own ``relativeScoreFusion`` / ``rankedFusion`` with explicit alpha.
* One tenant per brand (multi-tenancy with automatic tenant creation).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import numpy as np

from tools.models import ApprovalStatus, Chunk, FusionType, MetadataFilter, ScoreExplanation, SearchHit
from tools.stores.base import Vector
from tools.stores.embedded import keyword_text
from tools.text_analysis import LANGUAGES, analyze, analyze_query

VECTOR_NAME = "default"
_EXPLAIN = re.compile(r"Result Set (keyword|vector)\S*\) Document \S+: original score ([-\d.e+]+)")


def _day(value: date) -> datetime:
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def collection_config(name: str) -> dict[str, Any]:
    """Keyword arguments for ``client.collections.create``: properties, tokenisation, tenancy, vectors."""
    from weaviate.classes.config import Configure, DataType, Property, Tokenization, VectorDistances

    def field(prop: str, data_type: DataType = DataType.TEXT) -> Property:
        return Property(name=prop, data_type=data_type, tokenization=Tokenization.FIELD, index_searchable=False)

    return {
        "name": name,
        "properties": [
            field("chunk_id"),
            field("document_id"),
            Property(name="ordinal", data_type=DataType.INT),
            Property(name="text", data_type=DataType.TEXT, index_searchable=False, index_filterable=False),
            Property(name="title", data_type=DataType.TEXT, index_searchable=False),
            Property(name="heading_path", data_type=DataType.TEXT_ARRAY, index_searchable=False),
            field("language"),
            field("approval_status"),
            Property(name="version", data_type=DataType.INT),
            field("doc_type"),
            field("product_ids", DataType.TEXT_ARRAY),
            Property(name="valid_from", data_type=DataType.DATE),
            Property(name="valid_until", data_type=DataType.DATE),
            Property(name="source_path", data_type=DataType.TEXT, index_searchable=False),
            Property(name="content_hash", data_type=DataType.TEXT, index_searchable=False),
            Property(name="terms", data_type=DataType.TEXT, tokenization=Tokenization.WHITESPACE),
        ],
        "vector_config": Configure.Vectors.self_provided(
            name=VECTOR_NAME,
            vector_index_config=Configure.VectorIndex.hnsw(distance_metric=VectorDistances.COSINE),
        ),
        "inverted_index_config": Configure.inverted_index(
            bm25_k1=1.2, bm25_b=0.75, index_null_state=True, stopwords_preset=None
        ),
        "multi_tenancy_config": Configure.multi_tenancy(
            enabled=True, auto_tenant_creation=True, auto_tenant_activation=True
        ),
    }


def chunk_properties(chunk: Chunk) -> dict[str, Any]:
    """A chunk as Weaviate properties (dates as UTC midnight; ``None`` dates omitted)."""
    props: dict[str, Any] = {
        "chunk_id": chunk.id,
        "document_id": chunk.document_id,
        "ordinal": chunk.ordinal,
        "text": chunk.text,
        "title": chunk.title,
        "heading_path": chunk.heading_path,
        "language": chunk.language,
        "approval_status": str(chunk.approval_status),
        "version": chunk.version,
        "doc_type": chunk.doc_type,
        "product_ids": chunk.product_ids,
        "source_path": chunk.source_path,
        "content_hash": chunk.content_hash,
        "terms": " ".join(analyze(keyword_text(chunk), chunk.language)),
    }
    if chunk.valid_from:
        props["valid_from"] = _day(chunk.valid_from)
    if chunk.valid_until:
        props["valid_until"] = _day(chunk.valid_until)
    return props


def chunk_from_properties(props: dict[str, Any]) -> Chunk:
    """Inverse of :func:`chunk_properties`."""

    def as_date(value: Any) -> date | None:
        if value is None:
            return None
        return value.date() if isinstance(value, datetime) else date.fromisoformat(str(value)[:10])

    return Chunk(
        id=props["chunk_id"],
        document_id=props["document_id"],
        ordinal=int(props.get("ordinal") or 0),
        text=props.get("text") or "",
        heading_path=list(props.get("heading_path") or []),
        title=props.get("title") or "",
        language=props.get("language") or "en",
        approval_status=ApprovalStatus(props.get("approval_status") or "approved"),
        version=int(props.get("version") or 1),
        doc_type=props.get("doc_type") or "page",
        product_ids=list(props.get("product_ids") or []),
        valid_from=as_date(props.get("valid_from")),
        valid_until=as_date(props.get("valid_until")),
        source_path=props.get("source_path") or "",
        content_hash=props.get("content_hash") or "",
    )


def build_filter(filters: MetadataFilter) -> Any:
    """Translate a :class:`MetadataFilter` into a Weaviate ``Filter`` (``None`` when unconstrained)."""
    from weaviate.classes.query import Filter

    parts: list[Any] = []
    if filters.approval_status is not None:
        parts.append(Filter.by_property("approval_status").equal(str(filters.approval_status)))
    if filters.language is not None:
        parts.append(Filter.by_property("language").equal(filters.language))
    if filters.doc_type is not None:
        parts.append(Filter.by_property("doc_type").equal(filters.doc_type))
    if filters.product_id is not None:
        parts.append(Filter.by_property("product_ids").contains_any([filters.product_id]))
    if filters.document_ids is not None:
        parts.append(Filter.by_property("document_id").contains_any(list(filters.document_ids) or [""]))
    if filters.valid_on is not None:
        day = _day(filters.valid_on)
        parts.append(
            Filter.by_property("valid_from").is_none(True) | Filter.by_property("valid_from").less_or_equal(day)
        )
        parts.append(
            Filter.by_property("valid_until").is_none(True) | Filter.by_property("valid_until").greater_or_equal(day)
        )
    return Filter.all_of(parts) if parts else None


def _explain(text: str, fused: float, fusion: str, alpha: float) -> ScoreExplanation:
    raw = {name: float(value) for name, value in _EXPLAIN.findall(text or "")}
    return ScoreExplanation(
        keyword_score=raw.get("keyword"),
        vector_score=raw.get("vector"),
        fused_score=fused,
        text=(text or "").strip() + f" ({fusion}, alpha {alpha})",
    )


class WeaviateHybridStore:
    """A :class:`HybridStore` backed by one Weaviate collection and one tenant (brand)."""

    def __init__(self, client: Any, *, collection: str = "CopydeskChunk", tenant: str = "default") -> None:
        self._client = client
        self._name = collection
        self._tenant = tenant
        self.ensure_collection()
        self._collection = client.collections.use(collection).with_tenant(tenant)

    @classmethod
    def connect(
        cls,
        url: str,
        *,
        grpc_port: int = 50051,
        api_key: str | None = None,
        collection: str = "CopydeskChunk",
        tenant: str = "default",
    ) -> WeaviateHybridStore:
        """Connect to ``url`` (HTTP) and ``grpc_port`` on the same host."""
        import weaviate
        from weaviate.classes.init import Auth
        from weaviate.connect import ConnectionParams

        params = ConnectionParams.from_url(url, grpc_port)
        client = weaviate.WeaviateClient(
            connection_params=params, auth_client_secret=Auth.api_key(api_key) if api_key else None
        )
        client.connect()
        return cls(client, collection=collection, tenant=tenant)

    def ensure_collection(self) -> None:
        """Create the collection on first use (idempotent)."""
        if not self._client.collections.exists(self._name):
            self._client.collections.create(**collection_config(self._name))

    def upsert(self, chunks: Sequence[Chunk], vectors: Vector) -> None:
        """Batch-insert with our vectors; the UUID derives from the chunk id, so re-inserting replaces."""
        from weaviate.classes.data import DataObject
        from weaviate.util import generate_uuid5

        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[0] != len(chunks):
            raise ValueError(f"need one vector per chunk: {len(chunks)} chunks, vectors {matrix.shape}")
        objects = [
            DataObject(
                properties=chunk_properties(chunk),
                vector={VECTOR_NAME: vector.tolist()},
                uuid=generate_uuid5(chunk.id),
            )
            for chunk, vector in zip(chunks, matrix, strict=True)
        ]
        for start in range(0, len(objects), 500):
            result = self._collection.data.insert_many(objects[start : start + 500])
            if result.has_errors:
                raise RuntimeError(f"Weaviate batch import failed: {list(result.errors.values())[:3]}")

    def delete_document(self, document_id: str) -> int:
        """Delete every chunk of a document; returns how many were removed."""
        from weaviate.classes.query import Filter

        result = self._collection.data.delete_many(where=Filter.by_property("document_id").equal(document_id))
        return int(result.successful)

    def hybrid(
        self,
        query: str,
        vector: Vector,
        *,
        alpha: float = 0.5,
        fusion: FusionType = "relative_score",
        limit: int = 10,
        filters: MetadataFilter | None = None,
    ) -> list[SearchHit]:
        """``query.hybrid`` with our analysed query, explicit alpha, fusion, filters and vector."""
        from weaviate.classes.query import HybridFusion, MetadataQuery

        filters = filters or MetadataFilter()
        languages = [filters.language] if filters.language else list(LANGUAGES)
        response = self._collection.query.hybrid(
            query=" ".join(analyze_query(query, languages)),
            vector=np.asarray(vector, dtype=np.float32).tolist(),
            target_vector=VECTOR_NAME,
            alpha=alpha,
            fusion_type=HybridFusion.RANKED if fusion == "ranked" else HybridFusion.RELATIVE_SCORE,
            query_properties=["terms"],
            limit=limit,
            filters=build_filter(filters),
            return_metadata=MetadataQuery(score=True, explain_score=True),
        )
        hits = []
        for obj in response.objects:
            score = float(obj.metadata.score or 0.0)
            hits.append(
                SearchHit(
                    chunk=chunk_from_properties(dict(obj.properties)),
                    score=score,
                    explain=_explain(obj.metadata.explain_score or "", score, fusion, alpha),
                )
            )
        return hits

    def get_chunks(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        """Fetch by chunk id, in the order asked; unknown ids are skipped."""
        from weaviate.classes.query import Filter

        if not chunk_ids:
            return []
        response = self._collection.query.fetch_objects(
            filters=Filter.by_property("chunk_id").contains_any(list(chunk_ids)), limit=len(chunk_ids)
        )
        found = {c.id: c for c in (chunk_from_properties(dict(o.properties)) for o in response.objects)}
        return [found[i] for i in chunk_ids if i in found]

    def document_hashes(self) -> dict[str, str]:
        """Document id -> content hash, by iterating the tenant's objects."""
        out: dict[str, str] = {}
        for obj in self._collection.iterator(return_properties=["document_id", "content_hash"]):
            out[str(obj.properties["document_id"])] = str(obj.properties.get("content_hash") or "")
        return out

    def count(self) -> int:
        """Objects in this tenant."""
        return int(self._collection.aggregate.over_all(total_count=True).total_count or 0)

    def close(self) -> None:
        """Close the client connection."""
        self._client.close()
