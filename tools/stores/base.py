"""The one store interface every backend implements (embedded index, Weaviate).

The graph and the benchmarks speak only to :class:`HybridStore`, so swapping the
embedded index for Weaviate is a settings change, never a code change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from tools.models import Chunk, FusionType, MetadataFilter, SearchHit

Vector = npt.NDArray[np.float32]


@runtime_checkable
class HybridStore(Protocol):
    """A chunk store with keyword (BM25) and vector search fused in one query.

    ``alpha`` follows Weaviate: 0 is pure keyword, 1 is pure vector.
    """

    def upsert(self, chunks: Sequence[Chunk], vectors: Vector) -> None:
        """Insert or replace chunks (matched by ``Chunk.id``) with their vectors."""
        ...

    def delete_document(self, document_id: str) -> int:
        """Remove every chunk of a document; returns how many were removed."""
        ...

    def hybrid(
        self,
        query: str,
        vector: Vector,
        *,
        alpha: float = 0.5,
        fusion: FusionType = "relative_score",
        limit: int = 10,
        filters: MetadataFilter | None = None,
    ) -> list[SearchHit]:
        """Hybrid search; ``filters=None`` means approved chunks only."""
        ...

    def get_chunks(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        """Fetch chunks by id (unknown ids are skipped)."""
        ...

    def document_hashes(self) -> dict[str, str]:
        """Map of document id to the content hash it was ingested with (for dedupe)."""
        ...

    def count(self) -> int:
        """Number of chunks stored."""
        ...

    def close(self) -> None:
        """Release files and connections."""
        ...
