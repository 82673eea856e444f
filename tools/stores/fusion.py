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

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

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


def _combine(
    sets: Sequence[ResultSet],
    contributions: list[npt.NDArray[np.float32]],
    score_eps2: float,
    limit: int | None,
) -> list[FusedHit]:
    """Sum per-set contributions by id (float32), sort like Weaviate, materialise the top ``limit``."""
    position: dict[str, int] = {}
    slots: list[npt.NDArray[np.int64]] = []
    for result_set in sets:
        slots.append(np.fromiter((position.setdefault(i, len(position)) for i in result_set.ids), np.int64))
    n = len(position)
    if n == 0:
        return []
    ids = np.empty(n, dtype=object)
    for hit_id, slot in position.items():
        ids[slot] = hit_id
    score = np.zeros(n, dtype=np.float32)
    secondary = np.zeros(n, dtype=np.float32)
    for result_set, set_slots, add in zip(sets, slots, contributions, strict=True):
        score[set_slots] += add
        secondary[set_slots] = np.asarray(result_set.scores, dtype=np.float32)
    order = np.lexsort((ids.astype(str), -secondary, -score))
    # Go treats scores closer than sqrt(eps2) as equal and then compares the secondary
    # score: regroup such runs of near-equal scores and order each by (secondary, id).
    ordered = order.tolist()
    sorted_scores = score[order].astype(np.float64)
    gaps = np.diff(sorted_scores) ** 2
    if np.any((gaps < score_eps2) & (gaps > 0)):
        regrouped: list[int] = []
        group = [ordered[0]]
        for gap, slot in zip(gaps.tolist(), ordered[1:], strict=True):
            if gap >= score_eps2:
                regrouped.extend(sorted(group, key=lambda x: (-float(secondary[x]), str(ids[x]))))
                group = []
            group.append(slot)
        regrouped.extend(sorted(group, key=lambda x: (-float(secondary[x]), str(ids[x]))))
        ordered = regrouped
    chosen = ordered if limit is None else ordered[:limit]
    where_in_set = []
    for set_slots in slots:
        where = np.full(n, -1, dtype=np.int64)
        where[set_slots] = np.arange(set_slots.shape[0])
        where_in_set.append(where)
    hits = []
    for slot in chosen:
        hit = FusedHit(str(ids[slot]), float(score[slot]), float(secondary[slot]))
        for result_set, where, add in zip(sets, where_in_set, contributions, strict=True):
            r = int(where[slot])
            if r >= 0:
                hit.raw[result_set.name] = float(np.float32(result_set.scores[r]))
                hit.rank[result_set.name] = r
                hit.contribution[result_set.name] = float(add[r])
        hits.append(hit)
    return hits


def relative_score_fusion(sets: Sequence[ResultSet], limit: int | None = None) -> list[FusedHit]:
    """Weaviate ``FusionRelativeScore``: min-max normalise each set, weight, sum."""
    contributions = []
    for result_set in sets:
        raw = np.asarray(result_set.scores, dtype=np.float32)
        weight = np.float32(result_set.weight)
        if raw.shape[0] == 0:
            contributions.append(raw)
            continue
        low, high = raw.min(), raw.max()
        if high != low:
            contributions.append((weight * ((raw - low) / (high - low))).astype(np.float32))
        else:
            contributions.append(np.full(raw.shape, weight, dtype=np.float32))
    return _combine(sets, contributions, 1e-14, limit)


def ranked_fusion(sets: Sequence[ResultSet], k: int = RANKED_FUSION_K, limit: int | None = None) -> list[FusedHit]:
    """Weaviate ``FusionRanked``: each hit scores ``weight / (rank + 60)`` per set (rank from 0)."""
    contributions = [(s.weight / (np.arange(len(s.ids), dtype=np.float64) + k)).astype(np.float32) for s in sets]
    return _combine(sets, contributions, 1e-28, limit)


def fuse(sets: Sequence[ResultSet], fusion: FusionType, limit: int | None = None) -> list[FusedHit]:
    """Dispatch on the fusion name used in settings and in ``HybridStore.hybrid``; top ``limit`` only."""
    if fusion == "relative_score":
        return relative_score_fusion(sets, limit)
    if fusion == "ranked":
        return ranked_fusion(sets, limit=limit)
    raise ValueError(f"unknown fusion {fusion!r}")
