"""Exact cosine search over a growing float32 matrix, with an optional 8-bit pre-filter for speed.

A float32 mat-vec over 50,000 x 384 reads 77 MB and takes ~4-5 ms on one core, which
alone would blow the 5 ms hybrid budget. Above ``sq8_threshold`` rows, a faiss 8-bit
scalar-quantised copy (4x less memory traffic) proposes ``oversample x k`` candidates
and the float32 vectors re-score them exactly, so returned scores are always exact
cosines and the ranking matches brute force except in vanishingly rare boundary cases.
Below the threshold it is plain numpy brute force.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]
Mask = npt.NDArray[np.bool_]


class VectorIndex:
    """Rows ``0..n-1`` of unit vectors; deleted rows are excluded through the caller's mask."""

    def __init__(self, dim: int | None = None, sq8_threshold: int = 20_000, oversample: int = 4) -> None:
        self.dim = dim
        self._matrix = np.zeros((0, dim or 0), dtype=np.float32)
        self._n = 0
        self._sq8_threshold = sq8_threshold
        self._oversample = oversample
        self._sq8: Any = None
        self._sq8_rows = 0

    @property
    def size(self) -> int:
        return self._n

    @property
    def matrix(self) -> Matrix:
        """The live float32 rows (a view; do not modify)."""
        return self._matrix[: self._n]

    def add(self, vectors: Matrix) -> None:
        """Append rows (already L2-normalised by the embedder; normalised again defensively)."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2:
            raise ValueError("vectors must be a 2-D array")
        if self.dim is None or self._matrix.shape[1] == 0:
            self.dim = int(vectors.shape[1])
            self._matrix = np.zeros((0, self.dim), dtype=np.float32)
        if vectors.shape[1] != self.dim:
            raise ValueError(f"vector dimension {vectors.shape[1]} != index dimension {self.dim}")
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        vectors = vectors / norms
        needed = self._n + vectors.shape[0]
        if needed > self._matrix.shape[0]:
            grown = np.zeros((max(needed, 2 * self._matrix.shape[0], 1024), self.dim), dtype=np.float32)
            grown[: self._n] = self._matrix[: self._n]
            self._matrix = grown
        self._matrix[self._n : needed] = vectors
        self._n = needed

    def reset(self) -> None:
        """Drop every row (used by compaction, which re-adds the survivors)."""
        self._matrix = np.zeros((0, self.dim or 0), dtype=np.float32)
        self._n = 0
        self._sq8 = None
        self._sq8_rows = 0

    def search(self, query: Matrix, k: int, mask: Mask) -> tuple[npt.NDArray[np.int64], Matrix]:
        """Top-k rows among ``mask`` by cosine, best first, with their exact scores."""
        if self._n == 0 or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        norm = float(np.linalg.norm(q))
        if norm > 0:
            q = q / norm
        allowed = int(mask[: self._n].sum())
        if allowed == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if self._n >= self._sq8_threshold and allowed > k * self._oversample:
            candidates = self._sq8_candidates(q, k * self._oversample, mask)
            scores = self._matrix[candidates] @ q
        else:
            scores_all = self._matrix[: self._n] @ q
            candidates = np.flatnonzero(mask[: self._n])
            scores = scores_all[candidates]
        if candidates.shape[0] > k:
            top = np.argpartition(-scores, k - 1)[:k]
            candidates, scores = candidates[top], scores[top]
        order = np.lexsort((candidates, -scores))
        return candidates[order], scores[order].astype(np.float32)

    def _sq8_candidates(self, q: Matrix, k: int, mask: Mask) -> npt.NDArray[np.int64]:
        import faiss

        assert self.dim is not None
        if self._sq8 is None or self._sq8_rows > self._n:
            index = faiss.IndexScalarQuantizer(self.dim, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
            index.train(self._matrix[: self._n])
            self._sq8, self._sq8_rows = index, 0
        index = self._sq8
        if self._sq8_rows < self._n:
            index.add(self._matrix[self._sq8_rows : self._n])
            self._sq8_rows = self._n
        bits = np.packbits(mask[: self._n].astype(np.uint8), bitorder="little")
        params = faiss.SearchParameters(sel=faiss.IDSelectorBitmap(self._n, faiss.swig_ptr(bits)))  # type: ignore[call-arg]
        _, ids = index.search(q.reshape(1, -1), k, params=params)
        found = ids[0]
        return found[found >= 0].astype(np.int64)
