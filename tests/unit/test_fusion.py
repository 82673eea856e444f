"""Weaviate fusion maths against the worked example in Weaviate's hybrid-search docs and hand values."""

from __future__ import annotations

import pytest

from tools.stores.fusion import (
    ResultSet,
    candidate_count,
    fuse,
    fusion_weights,
    ranked_fusion,
    relative_score_fusion,
)

# docs.weaviate.io "Hybrid search" fusion example: five objects, keyword and vector scores.
KEYWORD = ResultSet("keyword", 0.5, ["1", "0", "2", "4", "3"], [5, 2.6, 2.3, 0.2, 0.09])
VECTOR = ResultSet("vector", 0.5, ["2", "4", "0", "1", "3"], [0.6, 0.598, 0.596, 0.594, 0.009])


def test_relative_score_fusion_docs_example() -> None:
    fused = relative_score_fusion([KEYWORD, VECTOR])
    # normalised per set: keyword 1, .511, .450, .022, 0; vector 1, .996, .993, .986, 0 (docs table)
    expected = {
        "1": 0.5 * 1.0 + 0.5 * (0.594 - 0.009) / (0.6 - 0.009),
        "0": 0.5 * (2.6 - 0.09) / (5 - 0.09) + 0.5 * (0.596 - 0.009) / (0.6 - 0.009),
        "2": 0.5 * (2.3 - 0.09) / (5 - 0.09) + 0.5 * 1.0,
        "4": 0.5 * (0.2 - 0.09) / (5 - 0.09) + 0.5 * (0.598 - 0.009) / (0.6 - 0.009),
        "3": 0.0,
    }
    assert {h.id: h.score for h in fused} == pytest.approx(expected, abs=1e-6)
    assert [h.id for h in fused] == ["1", "0", "2", "4", "3"]  # docs: ID 1 wins relative fusion
    assert fused[0].contribution == pytest.approx({"keyword": 0.5, "vector": 0.5 * 0.585 / 0.591}, abs=1e-6)


def test_ranked_fusion_docs_example() -> None:
    fused = ranked_fusion([KEYWORD, VECTOR])
    assert fused[0].id == "2"  # docs: ID 2 top, closely followed by 1 and 0
    assert [h.id for h in fused[:3]] == ["2", "1", "0"]
    assert fused[0].score == pytest.approx(0.5 / 62 + 0.5 / 60, abs=1e-7)
    assert fused[1].score == pytest.approx(0.5 / 60 + 0.5 / 63, abs=1e-7)


def test_equal_scores_get_the_full_weight() -> None:
    fused = relative_score_fusion([ResultSet("keyword", 0.3, ["a", "b"], [2.0, 2.0])])
    assert [h.score for h in fused] == pytest.approx([0.3, 0.3])
    assert [h.id for h in fused] == ["a", "b"]  # tie broken by secondary score, then id ascending


def test_one_empty_set_still_fuses_the_other() -> None:
    fused = relative_score_fusion([ResultSet("keyword", 0.5, [], []), ResultSet("vector", 0.5, ["x", "y"], [0.9, 0.1])])
    assert [(h.id, h.score) for h in fused] == [("x", pytest.approx(0.5)), ("y", 0.0)]
    assert relative_score_fusion([ResultSet("keyword", 1.0, [], [])]) == []


def test_alpha_weights_and_candidate_count() -> None:
    assert fusion_weights(0.0) == [("keyword", 1.0)]
    assert fusion_weights(1.0) == [("vector", 1.0)]
    assert fusion_weights(0.25) == [("keyword", 0.75), ("vector", 0.25)]
    with pytest.raises(ValueError):
        fusion_weights(1.5)
    assert candidate_count(10) == 100
    assert candidate_count(150) == 150


def test_fuse_dispatch() -> None:
    assert [h.id for h in fuse([KEYWORD, VECTOR], "ranked")] == [h.id for h in ranked_fusion([KEYWORD, VECTOR])]
    with pytest.raises(ValueError):
        fuse([KEYWORD], "bogus")  # type: ignore[arg-type]
