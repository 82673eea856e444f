"""Multi-query fusion: RRF maths by hand, dedupe by chunk id, parallel calls with the right arguments."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
import pytest

from tools.models import Chunk, MetadataFilter, SearchHit
from tools.multi_query import MultiQueryRetriever, reciprocal_rank_fusion


def hit(cid: str, score: float = 1.0) -> SearchHit:
    return SearchHit(chunk=Chunk(id=cid, document_id=cid.split("#")[0], ordinal=0, text=cid), score=score)


def test_rrf_hand_computed_and_deduplicated() -> None:
    fused = reciprocal_rank_fusion([[hit("a"), hit("b"), hit("c")], [hit("b"), hit("d"), hit("b")]], k=60)
    scores = {h.chunk.id: h.score for h in fused}
    assert scores == pytest.approx({"a": 1 / 61, "b": 1 / 62 + 1 / 61, "c": 1 / 63, "d": 1 / 62})
    assert [h.chunk.id for h in fused] == ["b", "a", "d", "c"]  # a and d: a has the better best rank
    assert len(fused) == len({h.chunk.id for h in fused})
    assert "q0#2" in fused[0].explain.text and "q1#1" in fused[0].explain.text


def test_rrf_weights() -> None:
    fused = reciprocal_rank_fusion([[hit("a")], [hit("b")]], weights=[1.0, 2.0])
    assert [h.chunk.id for h in fused] == ["b", "a"]
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([[hit("a")]], weights=[1.0, 2.0])


class FakeEmbedder:
    name = "fake"

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        raise AssertionError("not used")

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray([[float(len(t)), 1.0] for t in texts], dtype=np.float32)


class RecordingStore:
    """Answers each query with a fixed list and records the calls and the threads they ran on."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, list[float], dict[str, object]]] = []
        self.threads: set[str] = set()
        self.barrier = threading.Barrier(2, timeout=5)

    def hybrid(self, query: str, vector: np.ndarray, **kwargs: object) -> list[SearchHit]:
        self.threads.add(threading.current_thread().name)
        self.calls.append((query, vector.tolist(), kwargs))
        self.barrier.wait()  # both queries must be in flight at once, or this times out
        return [hit(cid) for cid in self.answers[query]]


def test_queries_run_in_parallel_and_fuse() -> None:
    store = RecordingStore({"solar warranty": ["a#0", "b#0"], "how long is the warranty": ["b#0", "c#0"]})
    retriever = MultiQueryRetriever(store, FakeEmbedder(), alpha=0.7, fusion="ranked", candidates=25)  # type: ignore[arg-type]
    filters = MetadataFilter(language="en")
    try:
        hits = retriever.search(["solar warranty", "how long is the warranty", "solar warranty", " "], filters=filters)
    finally:
        retriever.close()
    assert [h.chunk.id for h in hits] == ["b#0", "a#0", "c#0"]
    assert len(store.calls) == 2  # duplicate and blank queries dropped
    assert len(store.threads) == 2
    _, vector, kwargs = next(c for c in store.calls if c[0] == "solar warranty")
    assert vector == [14.0, 1.0]
    assert kwargs == {"alpha": 0.7, "fusion": "ranked", "limit": 25, "filters": filters}


def test_no_queries_no_hits() -> None:
    retriever = MultiQueryRetriever(RecordingStore({}), FakeEmbedder())  # type: ignore[arg-type]
    assert retriever.search(["", "  "]) == []
    retriever.close()
