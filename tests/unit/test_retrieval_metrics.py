"""Retrieval metrics against values worked out by hand."""

from __future__ import annotations

import math

import pytest

from evals.retrieval.metrics import evaluate, mrr_at_k, ndcg_at_k, recall_at_k


def test_ndcg_hand_computed() -> None:
    # relevant: a (grade 2) at rank 3, b (grade 1) at rank 1; ideal order: a, b
    dcg = 1 / math.log2(2) + 2 / math.log2(4)
    idcg = 2 / math.log2(2) + 1 / math.log2(3)
    assert ndcg_at_k(["b", "x", "a"], {"a": 2, "b": 1}, 10) == pytest.approx(dcg / idcg)
    assert ndcg_at_k(["a", "b"], {"a": 2, "b": 1}) == pytest.approx(1.0)
    assert ndcg_at_k(["x", "y"], {"a": 1}) == 0.0
    # cut-off: a relevant document at rank 3 does not count at k=2
    assert ndcg_at_k(["x", "y", "a"], {"a": 1}, 2) == 0.0


def test_recall_and_mrr_hand_computed() -> None:
    ranked = ["x", "a", "y", "b"]
    relevant = {"a": 1, "b": 1, "c": 1}
    assert recall_at_k(ranked, relevant, 2) == pytest.approx(1 / 3)
    assert recall_at_k(ranked, relevant, 100) == pytest.approx(2 / 3)
    assert mrr_at_k(ranked, relevant, 10) == pytest.approx(0.5)
    assert mrr_at_k(ranked, relevant, 1) == 0.0


def test_evaluate_averages_and_skips_unjudged_queries() -> None:
    runs = {"q1": ["a", "x"], "q2": ["x", "b"], "q3": ["z"]}
    qrels = {"q1": {"a": 1}, "q2": {"b": 1}}
    scores = evaluate(runs, qrels)
    assert scores["MRR@10"] == pytest.approx((1 + 0.5) / 2)
    assert scores["Recall@10"] == pytest.approx(1.0)
    assert scores["nDCG@10"] == pytest.approx((1 + 1 / math.log2(3)) / 2)
