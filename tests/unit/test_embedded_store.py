"""Embedded-store specifics beyond the shared contract: compaction, batch edge cases, vectors_for."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tools.models import Chunk
from tools.stores.embedded import EmbeddedHybridStore


def chunks(n: int, doc_of: int = 1) -> list[Chunk]:
    return [
        Chunk(id=f"c{i}", document_id=f"d{i // doc_of}", ordinal=i % doc_of, text=f"word{i} common") for i in range(n)
    ]


def test_compaction_after_many_deletes_keeps_results_identical(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((1500, 8)).astype(np.float32)
    store = EmbeddedHybridStore(tmp_path)
    store.upsert(chunks(1500), vectors)
    for i in range(1300):
        store.delete_document(f"d{i}")
    assert store.count() == 200
    assert store._dead < 1300  # compaction ran and dropped the tombstones
    query = rng.standard_normal(8).astype(np.float32)
    hits = store.hybrid("word1400 common", query, alpha=0.5, limit=5)
    assert all(int(h.chunk.id[1:]) >= 1300 for h in hits)
    assert hits[0].chunk.id == "c1400"
    normed = vectors[1300:] / np.linalg.norm(vectors[1300:], axis=1, keepdims=True)
    exact = normed @ (query / np.linalg.norm(query))
    top = [f"c{1300 + i}" for i in np.argsort(-exact)[:5]]
    assert [h.chunk.id for h in store.hybrid("", query, alpha=1.0, limit=5)] == top
    store.close()


def test_batch_with_repeated_id_keeps_the_last(tmp_path: Path) -> None:
    store = EmbeddedHybridStore(tmp_path)
    first = Chunk(id="x", document_id="d", ordinal=0, text="first")
    last = Chunk(id="x", document_id="d", ordinal=0, text="last")
    store.upsert([first, last], np.asarray([[1, 0], [0, 1]], dtype=np.float32))
    assert store.count() == 1
    assert store.get_chunks(["x"])[0].text == "last"
    assert store.vectors_for(["x"]).tolist() == [[0.0, 1.0]]
    store.close()


def test_shape_errors(tmp_path: Path) -> None:
    store = EmbeddedHybridStore(tmp_path)
    store.upsert(chunks(2), np.ones((2, 3), dtype=np.float32))
    with pytest.raises(ValueError):
        store.upsert(chunks(2), np.ones((1, 3), dtype=np.float32))
    with pytest.raises(ValueError):
        store.upsert(chunks(1), np.ones((1, 4), dtype=np.float32))
    assert store.keyword_search("   ") == []
    assert [c.ordinal for c in store.chunks_of_document("d0")] == [0]
    store.close()


def test_hits_are_ordinary_pydantic_models(tmp_path: Path) -> None:
    from tools.models import SearchHit

    store = EmbeddedHybridStore(tmp_path)
    store.upsert(chunks(3), np.eye(3, dtype=np.float32))
    hit = store.hybrid("word1", np.asarray([0, 1, 0], dtype=np.float32), limit=1)[0]
    dumped = hit.model_dump(mode="json")
    assert SearchHit.model_validate(dumped) == hit
    assert dumped["explain"]["keyword_rank"] == 0 and dumped["explain"]["vector_rank"] == 0
    assert "keyword: raw" in hit.explain.text
    store.close()
