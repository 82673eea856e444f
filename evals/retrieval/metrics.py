"""Ranking metrics over document ids, as BEIR/pytrec_eval compute them.

nDCG uses the graded relevance from qrels with linear gain (``rel / log2(rank + 1)``,
pytrec_eval's definition) and the ideal ordering of all judged documents; recall
divides by the number of relevant documents; MRR is the reciprocal rank of the first
relevant document within the cut-off. Queries without any relevant document are
skipped by the caller (BEIR does the same).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def ndcg_at_k(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float:
    """Normalised discounted cumulative gain at ``k``."""
    dcg = sum(relevant.get(doc, 0) / math.log2(rank + 2) for rank, doc in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(rel / math.log2(rank + 2) for rank, rel in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at_k(ranked: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    """Share of relevant documents found in the top ``k``."""
    wanted = {doc for doc, rel in relevant.items() if rel > 0}
    if not wanted:
        return 0.0
    return len(wanted & set(ranked[:k])) / len(wanted)


def mrr_at_k(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float:
    """Reciprocal rank of the first relevant document in the top ``k`` (0 if none)."""
    for rank, doc in enumerate(ranked[:k]):
        if relevant.get(doc, 0) > 0:
            return 1.0 / (rank + 1)
    return 0.0


def evaluate(runs: Mapping[str, Sequence[str]], qrels: Mapping[str, Mapping[str, int]]) -> dict[str, float]:
    """Mean nDCG@10, Recall@10, Recall@100 and MRR@10 over the queries in ``runs`` that have judgements."""
    names = ("nDCG@10", "Recall@10", "Recall@100", "MRR@10")
    totals = dict.fromkeys(names, 0.0)
    n = 0
    for qid, ranked in runs.items():
        relevant = qrels.get(qid)
        if not relevant:
            continue
        n += 1
        totals["nDCG@10"] += ndcg_at_k(ranked, relevant, 10)
        totals["Recall@10"] += recall_at_k(ranked, relevant, 10)
        totals["Recall@100"] += recall_at_k(ranked, relevant, 100)
        totals["MRR@10"] += mrr_at_k(ranked, relevant, 10)
    return {name: (value / n if n else 0.0) for name, value in totals.items()}
