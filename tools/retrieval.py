"""Retrieval as the draft graph uses it: several queries, one fused list, one context.

Each query runs a hybrid search; the per-query lists are combined with reciprocal
rank fusion (a chunk that several query shapes agree on rises), deduplicated by
chunk id. The context step then fits the best chunks into a token budget, merging
neighbouring chunks of one document so the model reads them as one passage.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from tools.embeddings import Embedder
from tools.models import FusionType, MetadataFilter, SearchHit
from tools.stores.base import HybridStore

RRF_K = 60


def fuse_rankings(rankings: Sequence[Sequence[SearchHit]], k: int = RRF_K) -> list[SearchHit]:
    """Reciprocal rank fusion across queries; the best-scoring copy of each chunk is kept."""
    scores: dict[str, float] = {}
    best: dict[str, SearchHit] = {}
    for hits in rankings:
        for rank, hit in enumerate(hits):
            scores[hit.chunk.id] = scores.get(hit.chunk.id, 0.0) + 1.0 / (k + rank + 1)
            if hit.chunk.id not in best or hit.score > best[hit.chunk.id].score:
                best[hit.chunk.id] = hit
    ordered = sorted(scores, key=lambda cid: scores[cid], reverse=True)
    return [best[cid].model_copy(update={"score": scores[cid]}) for cid in ordered]


def search_many(
    store: HybridStore,
    embedder: Embedder,
    queries: Sequence[str],
    *,
    alpha: float = 0.5,
    fusion: FusionType = "relative_score",
    limit: int = 30,
    filters: MetadataFilter | None = None,
) -> list[SearchHit]:
    """Run every query (in parallel) and fuse the results."""
    if not queries:
        return []
    vectors = embedder.embed_queries(list(queries))

    def one(index: int) -> list[SearchHit]:
        return store.hybrid(
            queries[index], vectors[index], alpha=alpha, fusion=fusion, limit=limit, filters=filters
        )

    with ThreadPoolExecutor(max_workers=min(4, len(queries))) as pool:
        rankings = list(pool.map(one, range(len(queries))))
    return fuse_rankings(rankings)[:limit]


@dataclass
class Passage:
    """One context passage: one chunk, or neighbouring chunks of one document merged."""

    document_id: str
    title: str
    heading: str
    text: str
    score: float
    chunk_ids: list[str] = field(default_factory=list)
    ordinals: list[int] = field(default_factory=list)
    version: int = 1


def estimate_tokens(text: str) -> int:
    """About four characters a token for German and English prose; cheap and good enough for budgets."""
    return max(1, len(text) // 4)


def assemble_context(hits: Sequence[SearchHit], *, max_chunks: int, token_budget: int) -> list[Passage]:
    """Pick hits by relevance (ties: newer approval version first) within the budget, then merge neighbours.

    A chunk that does not fit is skipped, not truncated: half a price table is worse
    than none.
    """
    ranked = sorted(hits, key=lambda h: (-h.score, -h.chunk.version))
    chosen: list[SearchHit] = []
    used = 0
    for hit in ranked:
        cost = estimate_tokens(hit.chunk.text)
        if len(chosen) >= max_chunks:
            break
        if used + cost > token_budget:
            continue
        chosen.append(hit)
        used += cost
    passages: list[Passage] = []
    by_document: dict[str, list[Passage]] = {}
    for hit in chosen:
        chunk = hit.chunk
        heading = " > ".join(chunk.heading_path)
        merged = False
        for passage in by_document.get(chunk.document_id, []):
            if chunk.ordinal - 1 in passage.ordinals or chunk.ordinal + 1 in passage.ordinals:
                after = chunk.ordinal > max(passage.ordinals)
                passage.text = f"{passage.text}\n{chunk.text}" if after else f"{chunk.text}\n{passage.text}"
                passage.chunk_ids = (
                    [*passage.chunk_ids, chunk.id] if after else [chunk.id, *passage.chunk_ids]
                )
                passage.ordinals.append(chunk.ordinal)
                merged = True
                break
        if merged:
            continue
        passage = Passage(
            document_id=chunk.document_id,
            title=chunk.title,
            heading=heading,
            text=chunk.text,
            score=hit.score,
            chunk_ids=[chunk.id],
            ordinals=[chunk.ordinal],
            version=chunk.version,
        )
        by_document.setdefault(chunk.document_id, []).append(passage)
        passages.append(passage)
    return passages
