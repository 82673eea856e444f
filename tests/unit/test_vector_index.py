"""The 8-bit pre-filter must not change what exact cosine search returns."""

from __future__ import annotations

import numpy as np

from tools.stores.vector_index import VectorIndex


def test_sq8_prefilter_returns_the_exact_top_k_with_exact_scores() -> None:
    rng = np.random.default_rng(3)
    data = rng.standard_normal((3000, 32)).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    fast = VectorIndex(sq8_threshold=100)
    fast.add(data[:2000])
    fast.add(data[2000:])  # incremental add after the quantiser was trained
    mask = rng.random(3000) > 0.3
    for q in rng.standard_normal((20, 32)).astype(np.float32):
        q /= np.linalg.norm(q)
        rows, scores = fast.search(q, 10, mask)
        exact = data @ q
        exact[~mask] = -np.inf
        want = np.argsort(-exact)[:10]
        assert rows.tolist() == want.tolist()
        assert np.allclose(scores, exact[want], atol=1e-6)


def test_mask_excludes_rows_and_empty_mask_returns_nothing() -> None:
    index = VectorIndex()
    index.add(np.eye(4, dtype=np.float32))
    rows, _ = index.search(np.asarray([1, 0, 0, 0], dtype=np.float32), 2, np.asarray([False, True, True, True]))
    assert 0 not in rows.tolist() and len(rows) == 2
    rows, _ = index.search(np.ones(4, dtype=np.float32), 2, np.zeros(4, dtype=bool))
    assert rows.shape == (0,)
