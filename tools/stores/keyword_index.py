"""An incremental BM25 inverted index over integer row ids, scored with numpy.

Why not bm25s: its index is a frozen sparse matrix, so every upsert or delete would
rebuild it from scratch. Here postings are appended per term, deletions only adjust
the statistics (document frequency, average length) and leave a tombstone that the
caller masks out, and a term's posting arrays are re-materialised lazily the next
time a query needs them. Scoring follows Lucene/Weaviate BM25: k1 = 1.2, b = 0.75,
idf = ln(1 + (N - df + 0.5) / (df + 0.5)).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt


class KeywordIndex:
    """BM25 over rows ``0..n-1``; rows are added in order and removed by tombstone."""

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self._rows: dict[str, list[int]] = {}
        self._tfs: dict[str, list[float]] = {}
        self._cache: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]] = {}
        self._df: Counter[str] = Counter()
        self._terms_of_row: list[tuple[str, ...] | None] = []
        self._length = np.zeros(0, dtype=np.float32)
        self._alive_docs = 0
        self._total_length = 0.0

    @property
    def size(self) -> int:
        """Rows allocated, dead ones included."""
        return len(self._terms_of_row)

    def add(self, terms: Sequence[str]) -> int:
        """Index one row's analysed terms; returns its row id."""
        row = len(self._terms_of_row)
        counts = Counter(terms)
        for term, tf in counts.items():
            self._rows.setdefault(term, []).append(row)
            self._tfs.setdefault(term, []).append(float(tf))
            self._df[term] += 1
            self._cache.pop(term, None)
        self._terms_of_row.append(tuple(counts))
        if row >= self._length.shape[0]:
            grown = np.zeros(max(1024, 2 * self._length.shape[0]), dtype=np.float32)
            grown[: self._length.shape[0]] = self._length
            self._length = grown
        self._length[row] = float(len(terms))
        self._alive_docs += 1
        self._total_length += float(len(terms))
        return row

    def remove(self, row: int) -> None:
        """Tombstone a row: its postings stay until compaction but no longer count in statistics."""
        terms = self._terms_of_row[row]
        if terms is None:
            return
        for term in terms:
            self._df[term] -= 1
        self._terms_of_row[row] = None
        self._alive_docs -= 1
        self._total_length -= float(self._length[row])

    def scores(self, terms: Sequence[str]) -> npt.NDArray[np.float32]:
        """BM25 score of every row for the query terms (0 where nothing matched; dead rows unmasked)."""
        n = self.size
        out = np.zeros(n, dtype=np.float32)
        if self._alive_docs == 0:
            return out
        avgdl = self._total_length / self._alive_docs or 1.0
        k1, b = self.k1, self.b
        for term in dict.fromkeys(terms):
            df = self._df.get(term, 0)
            if df <= 0:
                continue
            rows, tfs = self._postings(term)
            idf = math.log(1.0 + (self._alive_docs - df + 0.5) / (df + 0.5))
            norm = k1 * (1.0 - b + b * self._length[rows] / avgdl)
            out[rows] += np.float32(idf) * tfs * (k1 + 1.0) / (tfs + norm)
        return out

    def _postings(self, term: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        cached = self._cache.get(term)
        if cached is None:
            cached = (
                np.asarray(self._rows[term], dtype=np.int64),
                np.asarray(self._tfs[term], dtype=np.float32),
            )
            self._cache[term] = cached
        return cached
