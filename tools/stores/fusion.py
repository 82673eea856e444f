"""Weaviate's two hybrid fusion algorithms, reproduced exactly, so both stores rank alike.

Source of truth: weaviate/weaviate ``usecases/traverser/hybrid`` (``FusionRelativeScore``,
``FusionRanked``, ``Search``):

* Result sets come in the order keyword, then vector. The keyword set's weight is
  ``1 - alpha``, the vector set's ``alpha``; a set whose weight would be 0 is not
  searched at all (alpha 0 = keyword only, alpha 1 = vector only).
* Each side retrieves ``max(limit + offset, 100)`` candidates before fusion.
* The raw score of a keyword hit is its BM25 score; of a vector hit ``1 - distance``
  (cosine similarity for normalised vectors).
* relativeScoreFusion: per result set, min-max normalise, multiply by the weight,
  sum over sets. If every score in a set is equal (max == min), each hit gets the
  full weight (since Weaviate 1.24-ish; older versions gave 0).
* rankedFusion: ``weight / (rank + 60)`` with a 0-based rank, summed over sets.
* Ties sort by fused score, then by the "secondary" raw score of the last set that
  contained the hit, then by id ascending. Arithmetic is float32, as in Go.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from tools.models import FusionType

DEFAULT_CANDIDATES = 100
RANKED_FUSION_K = 60


@dataclass(frozen=True)
class ResultSet:
    """One retriever's hits, best first: ids and their raw scores."""

    name: str
    weight: float
    ids: Sequence[str]
    scores: Sequence[float]


@dataclass
class FusedHit:
    """A fused result with what each result set contributed (for ``ScoreExplanation``)."""

    id: str
    score: float
    secondary: float
    raw: dict[str, float] = field(default_factory=dict)
    rank: dict[str, int] = field(default_factory=dict)
    contribution: dict[str, float] = field(default_factory=dict)


def fusion_weights(alpha: float) -> list[tuple[str, float]]:
    """The result sets Weaviate runs for an alpha, in order, with their weights."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be within [0, 1], got {alpha}")
    sets: list[tuple[str, float]] = []
    if alpha < 1:
        sets.append(("keyword", 1.0 - alpha))
    if alpha > 0:
        sets.append(("vector", alpha))
    return sets


def candidate_count(limit: int, offset: int = 0) -> int:
    """How many hits each side retrieves before fusion (Weaviate's ``hybrid.DefaultLimit`` rule)."""
    return max(limit + offset, DEFAULT_CANDIDATES)


def _sort(hits: list[FusedHit], score_eps2: float, secondary_eps2: float) -> list[FusedHit]:
    def compare(a: FusedHit, b: FusedHit) -> int:
        diff = float(np.float32(b.score) - np.float32(a.score))
        if diff * diff >= score_eps2 and diff != 0:
            return 1 if diff > 0 else -1
        diff2 = float(np.float32(b.secondary) - np.float32(a.secondary))
        if diff2 * diff2 >= secondary_eps2 and diff2 != 0:
            return 1 if diff2 > 0 else -1
        return (a.id > b.id) - (a.id < b.id)

    return sorted(hits, key=functools.cmp_to_key(compare))


def relative_score_fusion(sets: Sequence[ResultSet]) -> list[FusedHit]:
    """Weaviate ``FusionRelativeScore``: min-max normalise each set, weight, sum."""
    if not sets or all(len(s.ids) == 0 for s in sets):
        return []
    merged: dict[str, FusedHit] = {}
    for result_set in sets:
        if len(result_set.ids) == 0:
            continue
        raw = np.asarray(result_set.scores, dtype=np.float32)
        weight = np.float32(result_set.weight)
        low, high = raw.min(), raw.max()
        if high != low:
            normalised = weight * ((raw - low) / (high - low))
        else:
            normalised = np.full(raw.shape, weight, dtype=np.float32)
        for rank, (hit_id, value, score) in enumerate(zip(result_set.ids, raw, normalised, strict=True)):
            hit = merged.get(hit_id)
            if hit is None:
                hit = merged[hit_id] = FusedHit(hit_id, 0.0, 0.0)
            hit.score = float(np.float32(hit.score) + score)
            hit.secondary = float(value)
            hit.raw[result_set.name] = float(value)
            hit.rank[result_set.name] = rank
            hit.contribution[result_set.name] = float(score)
    return _sort(list(merged.values()), 1e-14, 1e-14)


def ranked_fusion(sets: Sequence[ResultSet], k: int = RANKED_FUSION_K) -> list[FusedHit]:
    """Weaviate ``FusionRanked``: each hit scores ``weight / (rank + 60)`` per set (rank from 0)."""
    merged: dict[str, FusedHit] = {}
    for result_set in sets:
        for rank, (hit_id, value) in enumerate(zip(result_set.ids, result_set.scores, strict=True)):
            score = np.float32(result_set.weight / float(rank + k))
            hit = merged.get(hit_id)
            if hit is None:
                hit = merged[hit_id] = FusedHit(hit_id, 0.0, 0.0)
            hit.score = float(np.float32(hit.score) + score)
            hit.secondary = float(np.float32(value))
            hit.raw[result_set.name] = float(value)
            hit.rank[result_set.name] = rank
            hit.contribution[result_set.name] = float(score)
    return _sort(list(merged.values()), 1e-28, 1e-28)


def fuse(sets: Sequence[ResultSet], fusion: FusionType) -> list[FusedHit]:
    """Dispatch on the fusion name used in settings and in ``HybridStore.hybrid``."""
    if fusion == "relative_score":
        return relative_score_fusion(sets)
    if fusion == "ranked":
        return ranked_fusion(sets)
    raise ValueError(f"unknown fusion {fusion!r}")
