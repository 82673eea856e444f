"""One behavioural contract every HybridStore backend must meet (embedded always; Weaviate with WEAVIATE_URL).

Vectors are hand-made 4-d unit vectors so expected cosine rankings and fusion
scores can be computed by hand. The keyword side of the fusion checks is designed
so that exactly two chunks match the query: min-max normalisation then gives 1 and
0 whatever the backend's BM25 constants, so the expected fused scores are exact.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tools.models import ApprovalStatus, Chunk, MetadataFilter
from tools.stores.base import HybridStore
from tools.stores.embedded import EmbeddedHybridStore

LONG_FILLER = " ".join(f"filler{i}" for i in range(40))


def _chunk(cid: str, doc: str, text: str, **meta: Any) -> Chunk:
    return Chunk(
        id=cid,
        document_id=doc,
        ordinal=int(cid.rsplit("-", 1)[-1]),
        text=text,
        content_hash=f"h-{doc}",
        **meta,
    )  # type: ignore[arg-type]


def corpus() -> tuple[list[Chunk], np.ndarray]:
    """Seven chunks over five documents with every metadata field exercised."""
    rows: list[tuple[Chunk, list[float]]] = [
        (_chunk("a-0", "A", "Solar panels for roof installation"), [1, 0, 0, 0]),
        (_chunk("a-1", "A", "Battery storage warranty of ten years"), [0, 1, 0, 0]),
        (_chunk("b-0", "B", "Solarmodule für das Dach mit Garantie", language="de"), [0.9, 0.1, 0, 0]),
        (
            _chunk("c-0", "C", "Solar roof draft pricing", approval_status=ApprovalStatus.DRAFT),
            [1, 0, 0, 0],
        ),
        (
            _chunk(
                "d-0",
                "D",
                "Inverter frequently asked questions",
                doc_type="faq",
                product_ids=["p1", "p2"],
                valid_from=date(2024, 1, 1),
                valid_until=date(2024, 12, 31),
            ),
            [0, 0, 1, 0],
        ),
        (_chunk("e-0", "E", f"A long note that mentions solar once {LONG_FILLER}"), [0, 0, 0.6, 0.8]),
        (_chunk("e-1", "E", "Heat pump maintenance schedule", product_ids=["p2"]), [0, 0.5, 0.5, 0.7071]),
    ]
    vectors = np.asarray([v for _, v in rows], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return [c for c, _ in rows], vectors


def _embedded(tmp_path: Path) -> tuple[HybridStore, Callable[[], HybridStore]]:
    def reopen() -> HybridStore:
        return EmbeddedHybridStore(tmp_path / "index")

    return reopen(), reopen


def _weaviate(tmp_path: Path) -> tuple[HybridStore, Callable[[], HybridStore]]:
    url = os.environ.get("WEAVIATE_URL")
    if not url:
        pytest.skip("WEAVIATE_URL not set: start docker-compose.yml's Weaviate to run this backend")
    from tools.stores.weaviate_store import WeaviateHybridStore

    collection = f"Contract{uuid.uuid4().hex[:8]}"

    def reopen() -> HybridStore:
        return WeaviateHybridStore.connect(url, collection=collection, tenant="contract")

    return reopen(), reopen


BACKENDS = {"embedded": _embedded, "weaviate": _weaviate}


@pytest.fixture(params=list(BACKENDS))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[HybridStore, Callable[[], HybridStore]]]:
    store, reopen = BACKENDS[request.param](tmp_path)
    chunks, vectors = corpus()
    store.upsert(chunks, vectors)
    yield store, reopen
    store.close()


@pytest.fixture
def store(backend: tuple[HybridStore, Callable[[], HybridStore]]) -> HybridStore:
    return backend[0]


def ids(hits: list) -> list[str]:  # type: ignore[type-arg]
    return [h.chunk.id for h in hits]


Q_SOLAR = np.asarray([1, 0, 0, 0], dtype=np.float32)
ALL = MetadataFilter(approval_status=None)


def test_implements_protocol(store: HybridStore) -> None:
    assert isinstance(store, HybridStore)
    assert store.count() == 7


def test_get_chunks_skips_unknown_and_keeps_order(store: HybridStore) -> None:
    got = store.get_chunks(["e-1", "nope", "a-0"])
    assert [c.id for c in got] == ["e-1", "a-0"]
    assert got[0].product_ids == ["p2"]


def test_upsert_replaces_by_chunk_id(store: HybridStore) -> None:
    replacement = _chunk("a-0", "A", "Wind turbines for farms")
    store.upsert([replacement], np.asarray([[0, 0, 0, 1]], dtype=np.float32))
    assert store.count() == 7
    assert store.get_chunks(["a-0"])[0].text == "Wind turbines for farms"
    assert "a-0" not in ids(store.hybrid("solar panels", Q_SOLAR, alpha=0.0, limit=10))
    assert ids(store.hybrid("turbines", Q_SOLAR, alpha=0.0, limit=10)) == ["a-0"]
    assert ids(store.hybrid("x", np.asarray([0, 0, 0, 1], dtype=np.float32), alpha=1.0, limit=1)) == ["a-0"]


def test_delete_document_and_hashes(store: HybridStore) -> None:
    assert store.document_hashes() == {d: f"h-{d}" for d in "ABCDE"}
    assert store.delete_document("E") == 2
    assert store.delete_document("E") == 0
    assert store.count() == 5
    assert "E" not in store.document_hashes()
    assert not {"e-0", "e-1"} & set(ids(store.hybrid("solar", Q_SOLAR, alpha=0.5, limit=10, filters=ALL)))


def test_default_filter_is_approved_only(store: HybridStore) -> None:
    default = ids(store.hybrid("solar roof", Q_SOLAR, limit=10))
    assert "c-0" not in default
    assert "c-0" in ids(store.hybrid("solar roof", Q_SOLAR, limit=10, filters=ALL))
    drafts = store.hybrid("solar", Q_SOLAR, limit=10, filters=MetadataFilter(approval_status=ApprovalStatus.DRAFT))
    assert ids(drafts) == ["c-0"]


def test_language_filter(store: HybridStore) -> None:
    german = ids(store.hybrid("Solarmodule Dach", Q_SOLAR, limit=10, filters=MetadataFilter(language="de")))
    assert german == ["b-0"]
    english = ids(store.hybrid("solar", Q_SOLAR, limit=10, filters=MetadataFilter(language="en")))
    assert "b-0" not in english and "a-0" in english


def test_german_stemming_matches_inflected_query(store: HybridStore) -> None:
    # "Solarmodulen" and "Solarmodule" share the Snowball stem; "Garantien" ~ "Garantie".
    hits = store.hybrid("Solarmodulen Garantien", Q_SOLAR, alpha=0.0, limit=10, filters=MetadataFilter(language="de"))
    assert ids(hits) == ["b-0"]


def test_doc_type_product_and_validity_filters(store: HybridStore) -> None:
    q = np.asarray([0, 0, 1, 0], dtype=np.float32)
    assert ids(store.hybrid("inverter", q, limit=10, filters=MetadataFilter(doc_type="faq"))) == ["d-0"]
    assert sorted(ids(store.hybrid("x", q, alpha=1.0, limit=10, filters=MetadataFilter(product_id="p2")))) == [
        "d-0",
        "e-1",
    ]
    assert ids(store.hybrid("x", q, alpha=1.0, limit=10, filters=MetadataFilter(product_id="p1"))) == ["d-0"]
    inside = MetadataFilter(valid_on=date(2024, 6, 1))
    outside = MetadataFilter(valid_on=date(2025, 6, 1))
    assert "d-0" in ids(store.hybrid("inverter", q, limit=10, filters=inside))
    assert "d-0" not in ids(store.hybrid("inverter", q, limit=10, filters=outside))
    # chunks without validity dates are valid on any day
    assert "a-0" in ids(store.hybrid("x", Q_SOLAR, alpha=1.0, limit=10, filters=outside))


def test_alpha_one_is_cosine_ranking(store: HybridStore) -> None:
    chunks, vectors = corpus()
    q = np.asarray([0.2, 0.1, 0.9, 0.3], dtype=np.float32)
    approved = [i for i, c in enumerate(chunks) if c.approval_status == ApprovalStatus.APPROVED]
    cos = vectors[approved] @ (q / np.linalg.norm(q))
    expected = [chunks[approved[i]].id for i in np.argsort(-cos, kind="stable")]
    assert ids(store.hybrid("solar", q, alpha=1.0, limit=10)) == expected


def test_alpha_zero_is_keyword_ranking(store: HybridStore) -> None:
    # a-0 matches "solar" and "roof" in a short chunk; e-0 matches "solar" once in a long one;
    # nothing else that is approved and English contains either word.
    hits = store.hybrid("solar roof", np.asarray([0, 0, 0, 1], dtype=np.float32), alpha=0.0, limit=10)
    assert ids(hits) == ["a-0", "e-0"]
    assert hits[0].score == pytest.approx(1.0)  # relative fusion of a single set: min-max normalised


@pytest.mark.parametrize("alpha", [0.25, 0.5, 0.75])
def test_relative_score_fusion_matches_hand_computation(store: HybridStore, alpha: float) -> None:
    chunks, vectors = corpus()
    approved = [i for i, c in enumerate(chunks) if c.approval_status == ApprovalStatus.APPROVED]
    cos = {chunks[i].id: float(vectors[i] @ Q_SOLAR) for i in approved}
    low, high = min(cos.values()), max(cos.values())
    keyword_norm = {"a-0": 1.0, "e-0": 0.0}  # the only two approved matches for "solar"
    expected = {
        cid: alpha * (c - low) / (high - low) + (1 - alpha) * keyword_norm.get(cid, 0.0) for cid, c in cos.items()
    }
    hits = store.hybrid("solar", Q_SOLAR, alpha=alpha, limit=10, fusion="relative_score")
    assert len(hits) == len(expected)
    for hit in hits:
        assert hit.score == pytest.approx(expected[hit.chunk.id], abs=1e-5)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    first = hits[0]
    assert first.chunk.id == "a-0"
    assert first.explain.fused_score == pytest.approx(first.score)
    assert first.explain.vector_score == pytest.approx(1.0, abs=1e-5)
    assert first.explain.keyword_rank == 0


def test_ranked_fusion_matches_hand_computation(store: HybridStore) -> None:
    alpha = 0.5
    chunks, vectors = corpus()
    approved = [i for i, c in enumerate(chunks) if c.approval_status == ApprovalStatus.APPROVED]
    q = np.asarray([0.1, 0.0, 0.2, 0.97], dtype=np.float32)
    cos = vectors[approved] @ (q / np.linalg.norm(q))
    vector_rank = {chunks[approved[i]].id: r for r, i in enumerate(np.argsort(-cos, kind="stable"))}
    keyword_rank = {"a-0": 0, "e-0": 1}
    expected = {
        cid: alpha / (r + 60) + ((1 - alpha) / (keyword_rank[cid] + 60) if cid in keyword_rank else 0.0)
        for cid, r in vector_rank.items()
    }
    hits = store.hybrid("solar", q, alpha=alpha, limit=10, fusion="ranked")
    assert {h.chunk.id: h.score for h in hits} == pytest.approx(expected, abs=1e-6)
    assert ids(hits)[0] == "e-0"  # rank 0 in vectors and rank 1 in keywords beats keyword rank 0 alone


def test_limit_is_respected(store: HybridStore) -> None:
    assert len(store.hybrid("solar", Q_SOLAR, limit=2)) == 2


def test_reopen_from_disk(backend: tuple[HybridStore, Callable[[], HybridStore]]) -> None:
    store, reopen = backend
    store.delete_document("B")
    before = [(h.chunk.id, round(h.score, 6)) for h in store.hybrid("solar roof", Q_SOLAR, limit=10)]
    store.close()
    again = reopen()
    try:
        assert again.count() == 6
        assert [(h.chunk.id, round(h.score, 6)) for h in again.hybrid("solar roof", Q_SOLAR, limit=10)] == before
        again.upsert([_chunk("f-0", "F", "Solar carport")], np.asarray([[1, 0, 0, 0]], dtype=np.float32))
        assert again.count() == 7
    finally:
        again.close()
    third = reopen()
    try:
        assert third.get_chunks(["f-0"])[0].text == "Solar carport"
    finally:
        third.close()
    backend_store_reopened = reopen()
    backend_store_reopened.close()
