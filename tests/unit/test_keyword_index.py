"""BM25 index: hand-computed scores, incremental delete equals a fresh build, language analysis."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tools.stores.keyword_index import KeywordIndex
from tools.text_analysis import analyze, analyze_query


def test_bm25_matches_hand_computation() -> None:
    index = KeywordIndex()
    index.add(["a", "b", "a"])  # dl 3
    index.add(["b"])  # dl 1
    scores = index.scores(["a"])
    n, df, avgdl, k1, b = 2, 1, 2.0, 1.2, 0.75
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    expected = idf * 2 * (k1 + 1) / (2 + k1 * (1 - b + b * 3 / avgdl))
    assert scores[0] == pytest.approx(expected, rel=1e-6)
    assert scores[1] == 0.0


def test_delete_equals_fresh_build() -> None:
    docs = [["x", "y"], ["y", "z", "z"], ["x"], ["z", "w"]]
    incremental = KeywordIndex()
    for doc in docs:
        incremental.add(doc)
    incremental.remove(1)
    fresh = KeywordIndex()
    for doc in [docs[0], docs[2], docs[3]]:
        fresh.add(doc)
    got = incremental.scores(["x", "z", "y"])
    want = fresh.scores(["x", "z", "y"])
    assert np.allclose(got[[0, 2, 3]], want, rtol=1e-6)


def test_analysis_per_language() -> None:
    assert analyze("The Houses are running", "en") == ["en:hous", "en:run"]
    assert analyze("Die Häuser der Stadt", "de") == ["de:haus", "de:stadt"]
    assert analyze_query("Häuser", ["de"]) == ["de:haus"]
    assert set(analyze_query("houses")) == {"de:hous", "en:hous"}
    with pytest.raises(ValueError):
        analyze("x", "fr")
