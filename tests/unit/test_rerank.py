"""Rerankers: MMR maths on hand-made vectors, no-op, and the cross-encoder's clear failure modes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from tools.models import Chunk, SearchHit
from tools.rerank import (
    CrossEncoderReranker,
    EmbeddingMMRReranker,
    NoopReranker,
    RerankerUnavailable,
    make_reranker,
)

VECTORS = {
    "a": [1.0, 0.0, 0.0],
    "a-copy": [0.99, 0.14, 0.0],  # near-duplicate of a
    "b": [0.6, 0.0, 0.8],
}


def hits(*ids_scores: tuple[str, float]) -> list[SearchHit]:
    return [SearchHit(chunk=Chunk(id=i, document_id=i, ordinal=0, text=i), score=s) for i, s in ids_scores]


def lookup(chunks: Sequence[Chunk]) -> np.ndarray:
    return np.asarray([VECTORS[c.id] for c in chunks], dtype=np.float32)


QUERY = np.asarray([1.0, 0.0, 0.2], dtype=np.float32)
CANDIDATES = hits(("a", 0.9), ("a-copy", 0.85), ("b", 0.5))


def test_pure_relevance_keeps_fused_order_when_cosine_weight_is_zero() -> None:
    reranker = EmbeddingMMRReranker(lookup, cosine_weight=0.0, lambda_mult=1.0)
    out = reranker.rerank("q", QUERY, CANDIDATES, 3)
    assert [h.chunk.id for h in out] == ["a", "a-copy", "b"]
    assert out[0].explain.rerank_score == pytest.approx(1.0)


def test_mmr_pushes_the_near_duplicate_down() -> None:
    reranker = EmbeddingMMRReranker(lookup, cosine_weight=0.0, lambda_mult=0.3)
    out = reranker.rerank("q", QUERY, CANDIDATES, 3)
    # relevance (min-max of fused): a 1, a-copy .875, b 0. After a, with cos(a, a-copy) = .990 and
    # cos(a, b) = .6: a-copy .3*.875 - .7*.990 = -.430 < b .3*0 - .7*.6 = -.420
    assert [h.chunk.id for h in out] == ["a", "b", "a-copy"]
    assert len(reranker.rerank("q", QUERY, CANDIDATES, 2)) == 2


def test_cosine_weight_uses_the_query_vector() -> None:
    reranker = EmbeddingMMRReranker(lookup, cosine_weight=1.0, lambda_mult=1.0)
    query = np.asarray([0.0, 0.0, 1.0], dtype=np.float32)  # only b points this way
    assert reranker.rerank("q", query, CANDIDATES, 1)[0].chunk.id == "b"


def test_noop_and_factory(tmp_path: Path) -> None:
    assert NoopReranker().rerank("q", QUERY, CANDIDATES, 2) == CANDIDATES[:2]
    assert isinstance(make_reranker("none"), NoopReranker)
    with pytest.raises(ValueError):
        make_reranker("embedding-mmr")
    with pytest.raises(RerankerUnavailable):
        make_reranker("cross-encoder")
    with pytest.raises(RerankerUnavailable, match="does not exist"):
        CrossEncoderReranker(tmp_path / "missing")
    with pytest.raises(ValueError):
        EmbeddingMMRReranker(lookup, lambda_mult=2.0)


def test_cross_encoder_without_sentence_transformers_says_what_to_install(tmp_path: Path) -> None:
    pytest.importorskip("numpy")
    try:
        import sentence_transformers  # noqa: F401
    except ImportError:
        with pytest.raises(RerankerUnavailable, match="sentence-transformers"):
            CrossEncoderReranker(tmp_path)
    else:  # pragma: no cover - only where it is installed
        pytest.skip("sentence-transformers is installed here")
