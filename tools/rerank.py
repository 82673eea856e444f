"""Second-stage reranking of fused candidates.

* :class:`NoopReranker` keeps the fused order (the default when reranking does not pay).
* :class:`EmbeddingMMRReranker` re-scores with the embedding cosine blended with the
  fused score, then picks greedily by Maximal Marginal Relevance so near-duplicate
  chunks (the same paragraph from two versions, neighbouring chunks saying the same
  thing) do not crowd out the rest of the evidence.
* :class:`CrossEncoderReranker` scores (query, passage) pairs with a local
  cross-encoder through sentence-transformers, an optional dependency that is not
  installed by default: it raises :class:`RerankerUnavailable` with instructions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from tools.models import Chunk, SearchHit

Vector = npt.NDArray[np.float32]
VectorLookup = Callable[[Sequence[Chunk]], Vector]


class RerankerUnavailable(RuntimeError):
    """The configured reranker cannot run here; the message says what to install or configure."""


class Reranker(Protocol):
    """Reorders (and may trim) fused hits for one query."""

    def rerank(self, query: str, query_vector: Vector, hits: Sequence[SearchHit], limit: int) -> list[SearchHit]:
        """Best ``limit`` hits, best first; ``explain.rerank_score`` says why."""
        ...


def _minmax(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    low, high = float(values.min()), float(values.max())
    if high == low:
        return np.ones_like(values)
    return (values - low) / (high - low)


def _with_score(hit: SearchHit, score: float) -> SearchHit:
    explain = hit.explain.model_copy(update={"rerank_score": score})
    return SearchHit.model_construct(chunk=hit.chunk, score=score, explain=explain)


class NoopReranker:
    """Keeps the fused order."""

    def rerank(self, query: str, query_vector: Vector, hits: Sequence[SearchHit], limit: int) -> list[SearchHit]:
        return list(hits[:limit])


class EmbeddingMMRReranker:
    """Cosine-and-fusion relevance with MMR diversity over the candidates' own vectors.

    ``vectors`` supplies the candidates' vectors: pass the store's stored vectors
    (``EmbeddedHybridStore.vectors_for`` via :meth:`from_store`) or an embedder's
    ``embed_passages`` over ``Chunk.embedding_text()`` (cached, so cheap after ingestion).
    ``cosine_weight`` blends min-max normalised cosine with the normalised fused score;
    ``lambda_mult`` is MMR's relevance/diversity trade-off (1 = no diversity).
    """

    def __init__(self, vectors: VectorLookup, *, cosine_weight: float = 0.3, lambda_mult: float = 0.8) -> None:
        if not 0.0 <= cosine_weight <= 1.0 or not 0.0 <= lambda_mult <= 1.0:
            raise ValueError("cosine_weight and lambda_mult must lie within [0, 1]")
        self._vectors = vectors
        self.cosine_weight = cosine_weight
        self.lambda_mult = lambda_mult

    @classmethod
    def from_store(cls, store: Any, **kwargs: Any) -> EmbeddingMMRReranker:
        """Use the vectors a store already holds (``vectors_for(chunk_ids)``)."""
        return cls(lambda chunks: store.vectors_for([c.id for c in chunks]), **kwargs)

    @classmethod
    def from_embedder(cls, embedder: Any, **kwargs: Any) -> EmbeddingMMRReranker:
        """Embed the candidates with ``embedder.embed_passages`` (use a CachedEmbedder)."""
        return cls(lambda chunks: embedder.embed_passages([c.embedding_text() for c in chunks]), **kwargs)

    def rerank(self, query: str, query_vector: Vector, hits: Sequence[SearchHit], limit: int) -> list[SearchHit]:
        if not hits:
            return []
        matrix = np.asarray(self._vectors([h.chunk for h in hits]), dtype=np.float64)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        matrix /= norms
        q = np.asarray(query_vector, dtype=np.float64).reshape(-1)
        q /= np.linalg.norm(q) or 1.0
        cosine = matrix @ q
        fused = np.asarray([h.score for h in hits], dtype=np.float64)
        relevance = self.cosine_weight * _minmax(cosine) + (1 - self.cosine_weight) * _minmax(fused)
        similarity = matrix @ matrix.T
        chosen: list[int] = []
        best_similarity = np.full(len(hits), -np.inf)
        remaining = np.ones(len(hits), dtype=bool)
        out = []
        while len(chosen) < min(limit, len(hits)):
            penalty = np.where(np.isfinite(best_similarity), best_similarity, 0.0)
            mmr = self.lambda_mult * relevance - (1 - self.lambda_mult) * penalty
            mmr[~remaining] = -np.inf
            pick = int(np.argmax(mmr))
            chosen.append(pick)
            remaining[pick] = False
            best_similarity = np.maximum(best_similarity, similarity[pick])
            out.append(_with_score(hits[pick], float(mmr[pick])))
        return out


class CrossEncoderReranker:
    """A local cross-encoder (e.g. a bge-reranker folder) through sentence-transformers, if installed."""

    def __init__(self, model_path: Path, *, batch_size: int = 16) -> None:
        if not Path(model_path).exists():
            raise RerankerUnavailable(f"cross-encoder path {model_path} does not exist")
        try:
            from sentence_transformers import CrossEncoder
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise RerankerUnavailable(
                "the cross-encoder reranker needs sentence-transformers (and torch), which copydesk does "
                "not install by default: `pip install sentence-transformers`, or set "
                "COPYDESK_RERANKER=embedding-mmr / none"
            ) from exc
        self._model = CrossEncoder(str(model_path))
        self._batch_size = batch_size

    def rerank(self, query: str, query_vector: Vector, hits: Sequence[SearchHit], limit: int) -> list[SearchHit]:
        if not hits:
            return []
        pairs = [(query, h.chunk.embedding_text()) for h in hits]
        scores = np.asarray(self._model.predict(pairs, batch_size=self._batch_size), dtype=np.float64)
        order = np.argsort(-scores, kind="stable")[:limit]
        return [_with_score(hits[i], float(scores[i])) for i in order]


def make_reranker(
    kind: str, *, store: Any = None, embedder: Any = None, cross_encoder_path: Path | None = None, **kwargs: Any
) -> Reranker:
    """Build the reranker named in settings (``none``, ``embedding-mmr``, ``cross-encoder``)."""
    if kind == "none":
        return NoopReranker()
    if kind == "embedding-mmr":
        if store is not None and hasattr(store, "vectors_for"):
            return EmbeddingMMRReranker.from_store(store, **kwargs)
        if embedder is not None:
            return EmbeddingMMRReranker.from_embedder(embedder, **kwargs)
        raise ValueError("embedding-mmr needs a store with vectors_for() or an embedder")
    if kind == "cross-encoder":
        if cross_encoder_path is None:
            raise RerankerUnavailable("COPYDESK_CROSS_ENCODER_PATH is not set")
        return CrossEncoderReranker(cross_encoder_path)
    raise ValueError(f"unknown reranker {kind!r}")
