"""Query-rewriting fusion: several phrasings of one information need, searched in parallel, fused by RRF.

The rewriter (keyword query, natural-language question, hypothetical passage) lives
in the graph; this module only gets the strings. Each query runs as its own hybrid
search, concurrently in a thread pool (the Weaviate adapter waits on the network; the
embedded store's numpy work releases the GIL in parts), and the ranked lists are
combined with reciprocal rank fusion, which needs no score calibration across
queries whose fused scores are not comparable. Hits are deduplicated by chunk id.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from tools.embeddings import Embedder
from tools.models import FusionType, MetadataFilter, SearchHit
from tools.stores.base import HybridStore

RRF_K = 60


def reciprocal_rank_fusion(
    ranked_lists: Sequence[Sequence[SearchHit]], *, k: int = RRF_K, weights: Sequence[float] | None = None
) -> list[SearchHit]:
    """Fuse ranked hit lists: score = sum of ``weight / (k + rank)`` (rank from 1), one hit per chunk id.

    Ties are broken by the best single-list rank, then by chunk id, so the result is
    deterministic whatever order the threads finished in.
    """
    weights = list(weights) if weights is not None else [1.0] * len(ranked_lists)
    if len(weights) != len(ranked_lists):
        raise ValueError("one weight per ranked list")
    score: dict[str, float] = {}
    best_rank: dict[str, int] = {}
    first: dict[str, SearchHit] = {}
    ranks: dict[str, list[str]] = {}
    for list_index, (hits, weight) in enumerate(zip(ranked_lists, weights, strict=True)):
        seen: set[str] = set()
        for rank, hit in enumerate(hits, start=1):
            cid = hit.chunk.id
            if cid in seen:  # a list that repeats a chunk counts it once, at its best rank
                continue
            seen.add(cid)
            score[cid] = score.get(cid, 0.0) + weight / (k + rank)
            if rank < best_rank.get(cid, 1 << 30):
                best_rank[cid] = rank
                first[cid] = hit
            ranks.setdefault(cid, []).append(f"q{list_index}#{rank}")
    order = sorted(score, key=lambda cid: (-score[cid], best_rank[cid], cid))
    fused = []
    for cid in order:
        hit = first[cid]
        explain = hit.explain.model_copy(
            update={
                "fused_score": score[cid],
                "text": f"RRF over queries ({', '.join(ranks[cid])}); {hit.explain.text}",
            }
        )
        fused.append(SearchHit.model_construct(chunk=hit.chunk, score=score[cid], explain=explain))
    return fused


class MultiQueryRetriever:
    """Runs every rewrite of a question through ``store.hybrid`` in parallel and fuses the results."""

    def __init__(
        self,
        store: HybridStore,
        embedder: Embedder,
        *,
        alpha: float = 0.5,
        fusion: FusionType = "relative_score",
        candidates: int = 30,
        rrf_k: int = RRF_K,
        max_workers: int = 4,
    ) -> None:
        self._store = store
        self._embedder = embedder
        self.alpha = alpha
        self.fusion: FusionType = fusion
        self.candidates = candidates
        self.rrf_k = rrf_k
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="multi-query")

    def search_each(self, queries: Sequence[str], *, filters: MetadataFilter | None = None) -> list[list[SearchHit]]:
        """The hybrid hits of each query, in query order (empty and duplicate queries are dropped)."""
        unique = list(dict.fromkeys(q.strip() for q in queries if q and q.strip()))
        if not unique:
            return []
        vectors = np.asarray(self._embedder.embed_queries(unique), dtype=np.float32)
        futures = [
            self._pool.submit(
                self._store.hybrid,
                query,
                vector,
                alpha=self.alpha,
                fusion=self.fusion,
                limit=self.candidates,
                filters=filters,
            )
            for query, vector in zip(unique, vectors, strict=True)
        ]
        return [future.result() for future in futures]

    def search(
        self, queries: Sequence[str], *, limit: int = 10, filters: MetadataFilter | None = None
    ) -> list[SearchHit]:
        """Fused, deduplicated hits for all rewrites of one question, best first."""
        return reciprocal_rank_fusion(self.search_each(queries, filters=filters), k=self.rrf_k)[:limit]

    def close(self) -> None:
        """Stop the worker threads (the store and embedder belong to the caller)."""
        self._pool.shutdown(wait=True)
