"""Synthetic scale benchmark: latency of the embedded store at N chunks (random unit vectors, Zipf text).

Relevance is meaningless here; this measures only what grows with the corpus:
BM25 scoring, the cosine scan and fusion. Query embedding is excluded (the query
vectors are random too).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evals.retrieval.timing import peak_rss_mb, percentile
from tools.models import Chunk
from tools.stores.embedded import EmbeddedHybridStore


@dataclass
class SyntheticResult:
    """Latency figures of one synthetic run, in milliseconds and seconds."""

    chunks: int
    build_s: float
    keyword_p50_ms: float
    vector_p50_ms: float
    hybrid_p50_ms: float
    hybrid_p95_ms: float
    ranked_p50_ms: float
    reopen_s: float
    peak_rss_mb: float


def _vocabulary(rng: np.random.Generator, size: int) -> list[str]:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    return ["".join(rng.choice(letters, size=int(rng.integers(4, 10)))) for _ in range(size)]


def run_synthetic(n_chunks: int, *, n_queries: int = 200, dim: int = 384, seed: int = 7) -> SyntheticResult:
    """Build a store of ``n_chunks`` in a temporary folder and time hybrid queries against it."""
    rng = np.random.default_rng(seed)
    vocab = _vocabulary(rng, 30_000)
    weights = 1.0 / np.arange(1, len(vocab) + 1) ** 1.07
    weights /= weights.sum()
    words = rng.choice(len(vocab), size=(n_chunks, 60), p=weights)
    chunks = [
        Chunk(id=f"s{i}", document_id=f"d{i // 4}", ordinal=i % 4, text=" ".join(vocab[w] for w in row))
        for i, row in enumerate(words)
    ]
    vectors = rng.standard_normal((n_chunks, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    query_words = rng.choice(len(vocab), size=(n_queries, 5), p=weights)
    queries = [" ".join(vocab[w] for w in row) for row in query_words]
    query_vectors = rng.standard_normal((n_queries, dim)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        store = EmbeddedHybridStore(Path(tmp))
        for begin in range(0, n_chunks, 5000):
            store.upsert(chunks[begin : begin + 5000], vectors[begin : begin + 5000])
        build_s = time.perf_counter() - start

        def timed(alpha: float, fusion: str = "relative_score") -> list[float]:
            store.hybrid(queries[0], query_vectors[0], alpha=alpha)  # warm caches (masks, sq8 index)
            out = []
            for q, v in zip(queries, query_vectors, strict=True):
                t = time.perf_counter()
                store.hybrid(q, v, alpha=alpha, fusion=fusion, limit=10)  # type: ignore[arg-type]
                out.append((time.perf_counter() - t) * 1000)
            return out

        keyword, vector, hybrid = timed(0.0), timed(1.0), timed(0.5)
        ranked = timed(0.5, "ranked")
        store.close()
        start = time.perf_counter()
        EmbeddedHybridStore(Path(tmp)).close()
        reopen_s = time.perf_counter() - start
    return SyntheticResult(
        n_chunks,
        build_s,
        percentile(keyword, 50),
        percentile(vector, 50),
        percentile(hybrid, 50),
        percentile(hybrid, 95),
        percentile(ranked, 50),
        reopen_s,
        peak_rss_mb(),
    )
