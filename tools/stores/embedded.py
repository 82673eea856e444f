"""The embedded hybrid store: SQLite on disk, BM25 + exact cosine in memory, Weaviate-identical fusion.

Why embedded: a marketing team's corpus is thousands to tens of thousands of chunks,
which fit in memory many times over, so a single-process index answers a hybrid
query in a few milliseconds with no server to run. SQLite is the source of truth
(chunks, analysed terms, vectors); the in-memory indexes are rebuilt from it on
open, so a crash can never leave the index and the data disagreeing.

Rows are append-only: an upsert of an existing chunk id tombstones the old row and
appends a new one; deletes tombstone. When dead rows pile up the indexes are
rebuilt from SQLite (compaction).

Several processes may open one file (``copydesk serve`` and ``copydesk docs retire`` beside
it): every call first asks SQLite whether another connection committed since (``PRAGMA
data_version``) and, if so, rebuilds from the file, so a document retired or deleted at the
command line is never retrieved by a server that opened the store before. Deleted rows are
overwritten (``secure_delete``) and the WAL is truncated after a document is deleted, so no
byte of its chunks stays in the files.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from tools.models import ApprovalStatus, Chunk, FusionType, MetadataFilter, ScoreExplanation, SearchHit
from tools.stores.base import Vector
from tools.stores.fusion import ResultSet, candidate_count, fuse, fusion_weights
from tools.stores.keyword_index import KeywordIndex
from tools.stores.vector_index import VectorIndex
from tools.text_analysis import LANGUAGES, analyze, analyze_query

_SCHEMA = """
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data TEXT NOT NULL,
    terms TEXT NOT NULL,
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_document ON chunks(document_id);
CREATE INDEX IF NOT EXISTS chunks_seq ON chunks(seq);
"""
_NO_DATE_LOW = np.iinfo(np.int32).min
_NO_DATE_HIGH = np.iinfo(np.int32).max
_APPROVAL_CODES = {status: i for i, status in enumerate(ApprovalStatus)}
_LANGUAGE_CODES = {lang: i for i, lang in enumerate(LANGUAGES)}


def keyword_text(chunk: Chunk) -> str:
    """What BM25 sees: title and headings (they carry the topic of short chunks) plus the text."""
    parts = [chunk.title] if chunk.title and chunk.title not in chunk.heading_path else []
    return "\n".join([*parts, *chunk.heading_path, chunk.text])


_ModelT = TypeVar("_ModelT", bound=BaseModel)


def _trusted(cls: type[_ModelT], values: dict[str, Any]) -> _ModelT:
    """Build a pydantic model from values that are already valid and complete, skipping validation.

    ``model_construct`` costs ~3 us per object, which dominated a 300-hit query; hits are
    built from our own stored, validated chunks, so validation buys nothing here.
    """
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


def _grow(array: npt.NDArray[np.int32], needed: int, fill: int) -> npt.NDArray[np.int32]:
    if needed <= array.shape[0]:
        return array
    grown = np.full(max(needed, 2 * array.shape[0], 1024), fill, dtype=array.dtype)
    grown[: array.shape[0]] = array
    return grown


class EmbeddedHybridStore:
    """A :class:`~tools.stores.base.HybridStore` in one directory (``store.sqlite``), no server needed."""

    def __init__(
        self,
        path: Path,
        *,
        sq8_threshold: int = 20_000,
        compact_ratio: float = 0.3,
    ) -> None:
        path = Path(path)
        self._db_path = path if path.suffix in (".sqlite", ".db") else path / "store.sqlite"
        self._db_path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self._db_path), check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()
        self._data_version = -1
        self._sq8_threshold = sq8_threshold
        self._compact_ratio = compact_ratio
        self._load()

    # ------------------------------------------------------------------ state
    def _reset(self) -> None:
        self._keyword = KeywordIndex()
        self._vectors = VectorIndex(sq8_threshold=self._sq8_threshold)
        self._chunks: list[Chunk | None] = []
        self._ids = np.empty(0, dtype=object)
        self._row_of: dict[str, int] = {}
        self._rows_of_document: dict[str, set[int]] = {}
        self._rows_of_product: dict[str, set[int]] = {}
        self._doc_type_codes: dict[str, int] = {}
        self._alive = np.zeros(0, dtype=bool)
        self._approval = np.zeros(0, dtype=np.int32)
        self._language = np.zeros(0, dtype=np.int32)
        self._doc_type = np.zeros(0, dtype=np.int32)
        self._valid_from = np.zeros(0, dtype=np.int32)
        self._valid_until = np.zeros(0, dtype=np.int32)
        self._dead = 0
        self._generation = 0
        self._mask_cache: dict[str, npt.NDArray[np.bool_]] = {}
        self._seq = 0

    def _load(self) -> None:
        with self._lock:
            self._reset()
            self._data_version = self._db.execute("PRAGMA data_version").fetchone()[0]
            rows = self._db.execute("SELECT data, terms, vector, seq FROM chunks ORDER BY seq").fetchall()
            if rows:
                chunks = [Chunk.model_validate_json(data) for data, _, _, _ in rows]
                vectors = np.vstack([np.frombuffer(blob, dtype=np.float32) for _, _, blob, _ in rows])
                terms = [t.split(" ") if t else [] for _, t, _, _ in rows]
                self._append(chunks, vectors, terms)
                self._seq = int(rows[-1][3]) + 1

    def _append(self, chunks: Sequence[Chunk], vectors: Vector, terms: Sequence[list[str]]) -> None:
        start = len(self._chunks)
        end = start + len(chunks)
        self._vectors.add(vectors)
        self._alive = np.concatenate([self._alive[:start], np.ones(len(chunks), dtype=bool)])
        self._ids = np.concatenate([self._ids[:start], np.asarray([c.id for c in chunks], dtype=object)])
        self._approval = _grow(self._approval, end, 0)
        self._language = _grow(self._language, end, 0)
        self._doc_type = _grow(self._doc_type, end, 0)
        self._valid_from = _grow(self._valid_from, end, _NO_DATE_LOW)
        self._valid_until = _grow(self._valid_until, end, _NO_DATE_HIGH)
        for offset, (chunk, chunk_terms) in enumerate(zip(chunks, terms, strict=True)):
            row = start + offset
            assert self._keyword.add(chunk_terms) == row
            self._chunks.append(chunk)
            self._row_of[chunk.id] = row
            self._rows_of_document.setdefault(chunk.document_id, set()).add(row)
            for product in chunk.product_ids:
                self._rows_of_product.setdefault(product, set()).add(row)
            self._approval[row] = _APPROVAL_CODES[ApprovalStatus(chunk.approval_status)]
            self._language[row] = _LANGUAGE_CODES[chunk.language]
            self._doc_type[row] = self._doc_type_codes.setdefault(chunk.doc_type, len(self._doc_type_codes))
            self._valid_from[row] = chunk.valid_from.toordinal() if chunk.valid_from else _NO_DATE_LOW
            self._valid_until[row] = chunk.valid_until.toordinal() if chunk.valid_until else _NO_DATE_HIGH
        self._generation += 1
        self._mask_cache.clear()

    def _remove_row(self, row: int) -> None:
        chunk = self._chunks[row]
        if chunk is None:
            return
        self._keyword.remove(row)
        self._alive[row] = False
        self._chunks[row] = None
        del self._row_of[chunk.id]
        rows = self._rows_of_document.get(chunk.document_id)
        if rows is not None:
            rows.discard(row)
            if not rows:
                del self._rows_of_document[chunk.document_id]
        for product in chunk.product_ids:
            product_rows = self._rows_of_product.get(product)
            if product_rows is not None:
                product_rows.discard(row)
        self._dead += 1
        self._generation += 1
        self._mask_cache.clear()

    def _sync(self) -> None:
        """Rebuild from the file when another connection (another process) committed since the last look."""
        if self._db.execute("PRAGMA data_version").fetchone()[0] != self._data_version:
            self._load()

    def _maybe_compact(self) -> None:
        if self._dead > 1000 and self._dead > self._compact_ratio * len(self._chunks):
            self._load()

    # ------------------------------------------------------------------ writes
    def upsert(self, chunks: Sequence[Chunk], vectors: Vector) -> None:
        """Insert or replace chunks by id; the vectors row-align with ``chunks``."""
        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[0] != len(chunks):
            raise ValueError(f"need one vector per chunk: {len(chunks)} chunks, vectors {matrix.shape}")
        if not chunks:
            return
        if self._vectors.dim and matrix.shape[1] != self._vectors.dim:
            raise ValueError(f"vector dimension {matrix.shape[1]} != store dimension {self._vectors.dim}")
        # A batch may repeat an id: the last occurrence wins, as sequential upserts would.
        last = {chunk.id: i for i, chunk in enumerate(chunks)}
        keep = sorted(last.values())
        chunks = [chunks[i] for i in keep]
        matrix = matrix[keep]
        terms = [analyze(keyword_text(chunk), chunk.language) for chunk in chunks]
        with self._lock:
            self._sync()
            seq = self._seq
            self._db.executemany(
                "INSERT OR REPLACE INTO chunks (id, document_id, seq, data, terms, vector) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (c.id, c.document_id, seq + i, c.model_dump_json(), " ".join(t), vec.tobytes())
                    for i, (c, t, vec) in enumerate(zip(chunks, terms, matrix, strict=True))
                ],
            )
            self._db.commit()
            self._seq = seq + len(chunks)
            for chunk in chunks:
                row = self._row_of.get(chunk.id)
                if row is not None:
                    self._remove_row(row)
            self._append(chunks, matrix, terms)
            self._maybe_compact()

    def delete_document(self, document_id: str) -> int:
        """Remove every chunk of a document; returns how many were removed."""
        with self._lock:
            self._sync()
            self._db.execute("DELETE FROM chunks WHERE document_id = ?", (document_id,))
            self._db.commit()
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the deleted pages' old images leave the WAL
            rows = sorted(self._rows_of_document.get(document_id, set()))
            for row in rows:
                self._remove_row(row)
            self._maybe_compact()
            return len(rows)

    # ------------------------------------------------------------------ reads
    def _mask(self, filters: MetadataFilter) -> npt.NDArray[np.bool_]:
        key = filters.model_dump_json()
        cached = self._mask_cache.get(key)
        if cached is not None:
            return cached
        n = len(self._chunks)
        mask = self._alive[:n].copy()
        if filters.approval_status is not None:
            mask &= self._approval[:n] == _APPROVAL_CODES[ApprovalStatus(filters.approval_status)]
        if filters.language is not None:
            mask &= self._language[:n] == _LANGUAGE_CODES[filters.language]
        if filters.doc_type is not None:
            code = self._doc_type_codes.get(filters.doc_type)
            mask &= self._doc_type[:n] == (code if code is not None else -1)
        if filters.product_id is not None:
            allowed = np.zeros(n, dtype=bool)
            allowed[list(self._rows_of_product.get(filters.product_id, ()))] = True
            mask &= allowed
        if filters.document_ids is not None:
            allowed = np.zeros(n, dtype=bool)
            for document_id in filters.document_ids:
                allowed[list(self._rows_of_document.get(document_id, ()))] = True
            mask &= allowed
        if filters.valid_on is not None:
            day = filters.valid_on.toordinal()
            mask &= (self._valid_from[:n] <= day) & (self._valid_until[:n] >= day)
        if len(self._mask_cache) > 64:
            self._mask_cache.clear()
        self._mask_cache[key] = mask
        return mask

    def _keyword_set(
        self, query: str, filters: MetadataFilter, mask: npt.NDArray[np.bool_], k: int
    ) -> tuple[list[str], list[float]]:
        languages = [filters.language] if filters.language else list(LANGUAGES)
        scores = self._keyword.scores(analyze_query(query, languages))
        rows = np.flatnonzero((scores > 0) & mask)
        values = scores[rows]
        if rows.shape[0] > k:
            top = np.argpartition(-values, k - 1)[:k]
            rows, values = rows[top], values[top]
        order = np.lexsort((rows, -values))
        return self._ids[rows[order]].tolist(), values[order].tolist()

    def _chunk_id(self, row: int | np.integer) -> str:
        chunk = self._chunks[int(row)]
        assert chunk is not None
        return chunk.id

    def keyword_search(self, query: str, *, limit: int = 10, filters: MetadataFilter | None = None) -> list[SearchHit]:
        """BM25 only (same ranking as ``hybrid`` with alpha 0); a blank query finds nothing."""
        if not query.strip():
            return []
        return self.hybrid(query, np.zeros(0, dtype=np.float32), alpha=0.0, limit=limit, filters=filters)

    def vector_search(
        self, vector: Vector, *, limit: int = 10, filters: MetadataFilter | None = None
    ) -> list[SearchHit]:
        """Cosine only (same as ``hybrid`` with alpha 1)."""
        return self.hybrid("", vector, alpha=1.0, limit=limit, filters=filters)

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
        """Weaviate-style hybrid search; ``filters=None`` admits approved chunks only."""
        filters = filters or MetadataFilter()
        plan = fusion_weights(alpha)
        if not query.strip():
            plan = [("vector", 1.0)]  # Weaviate: no query text means a plain vector search
        k = candidate_count(limit)
        with self._lock:
            self._sync()
            mask = self._mask(filters)
            sets: list[ResultSet] = []
            for name, weight in plan:
                if name == "keyword":
                    ids, scores = self._keyword_set(query, filters, mask, k)
                else:
                    rows, sims = self._vectors.search(np.asarray(vector, dtype=np.float32), k, mask)
                    ids, scores = self._ids[rows].tolist(), sims.tolist()
                sets.append(ResultSet(name, weight, ids, scores))
            fused = fuse(sets, fusion, limit)
            hits = []
            for hit in fused:
                chunk = self._chunks[self._row_of[hit.id]]
                assert chunk is not None
                contributions = "; ".join(
                    f"{name}: raw {hit.raw[name]:.4f}, rank {hit.rank[name]}, adds {value:.4f}"
                    for name, value in hit.contribution.items()
                )
                explain = _trusted(
                    ScoreExplanation,
                    {
                        "keyword_score": hit.raw.get("keyword"),
                        "vector_score": hit.raw.get("vector"),
                        "keyword_rank": hit.rank.get("keyword"),
                        "vector_rank": hit.rank.get("vector"),
                        "fused_score": hit.score,
                        "rerank_score": None,
                        "text": f"{contributions} ({fusion}, alpha {alpha})",
                    },
                )
                hits.append(_trusted(SearchHit, {"chunk": chunk, "score": hit.score, "explain": explain}))
            return hits

    def get_chunks(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        """Chunks by id, in the order asked; unknown ids are skipped."""
        with self._lock:
            self._sync()
            found = [self._chunks[self._row_of[i]] for i in chunk_ids if i in self._row_of]
            return [c for c in found if c is not None]

    def chunks_of_document(self, document_id: str) -> list[Chunk]:
        """Every live chunk of a document in ordinal order (used to merge neighbours into context)."""
        with self._lock:
            self._sync()
            rows = self._rows_of_document.get(document_id, set())
            chunks = [self._chunks[r] for r in rows]
            return sorted((c for c in chunks if c is not None), key=lambda c: c.ordinal)

    def vectors_for(self, chunk_ids: Sequence[str]) -> npt.NDArray[np.float32]:
        """Stored vectors of the given chunks (row-aligned; unknown ids raise KeyError)."""
        with self._lock:
            self._sync()
            rows = [self._row_of[i] for i in chunk_ids]
            return self._vectors.matrix[rows].copy()

    def document_hashes(self) -> dict[str, str]:
        """Document id -> content hash it was ingested with (from its chunks)."""
        with self._lock:
            self._sync()
            out: dict[str, str] = {}
            for document_id, rows in self._rows_of_document.items():
                for row in rows:
                    chunk = self._chunks[row]
                    if chunk is not None:
                        out[document_id] = chunk.content_hash
                        break
            return out

    def count(self) -> int:
        """Live chunks."""
        with self._lock:
            self._sync()
            return len(self._row_of)

    def close(self) -> None:
        """Close the SQLite connection; the store must not be used afterwards."""
        with self._lock:
            self._db.close()
