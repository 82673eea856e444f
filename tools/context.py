"""Context assembly: the best retrieved chunks that fit a token budget, neighbours merged.

Selection is greedy by relevance (the fused or reranked score); among equally
relevant chunks the newer approval version and the later ``valid_from`` win, so a
superseded statement never displaces the current one. A chunk that does not fit is
skipped and smaller, less relevant ones may still fill the budget. Selected chunks
of the same document with consecutive ordinals are then merged into one passage so
the drafting model reads continuous text instead of fragments, and passages are
ordered by their best chunk's score.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from tools.models import Chunk, SearchHit

TokenCounter = Callable[[str], int]


def estimate_tokens(text: str) -> int:
    """About four characters per token for English and German prose; no tokenizer needed."""
    return math.ceil(len(text) / 4)


@dataclass
class ContextPassage:
    """One continuous passage for the prompt: one chunk or several consecutive chunks of a document."""

    document_id: str
    chunk_ids: list[str]
    ordinals: list[int]
    title: str
    heading_path: list[str]
    text: str
    score: float
    version: int
    valid_from: date | None
    tokens: int
    source_path: str = ""
    product_ids: list[str] = field(default_factory=list)
    language: str = ""


@dataclass
class AssembledContext:
    """The passages in prompt order, the tokens they use and the chunk ids left out."""

    passages: list[ContextPassage]
    tokens: int
    dropped: list[str] = field(default_factory=list)

    def render(self) -> str:
        """Numbered passages with their source, ready for a prompt (citations refer to the numbers)."""
        blocks = []
        for i, p in enumerate(self.passages, start=1):
            heading = " > ".join(p.heading_path) or p.title
            label = f"[{i}] {p.document_id} v{p.version}" + (f" - {heading}" if heading else "")
            blocks.append(f"{label}\n{p.text}")
        return "\n\n".join(blocks)


def _priority(hit: SearchHit) -> tuple[float, int, int]:
    chunk = hit.chunk
    recency = chunk.valid_from.toordinal() if chunk.valid_from else 0
    return (-hit.score, -chunk.version, -recency)


def assemble_context(
    hits: Sequence[SearchHit],
    *,
    token_budget: int,
    max_chunks: int | None = None,
    count_tokens: TokenCounter = estimate_tokens,
) -> AssembledContext:
    """Pick chunks by (relevance, version, recency) within ``token_budget`` and merge neighbours."""
    chosen: list[SearchHit] = []
    dropped: list[str] = []
    used = 0
    seen: set[str] = set()
    for hit in sorted(hits, key=_priority):
        if hit.chunk.id in seen:
            continue
        seen.add(hit.chunk.id)
        cost = count_tokens(hit.chunk.text)
        if (max_chunks is not None and len(chosen) >= max_chunks) or used + cost > token_budget:
            dropped.append(hit.chunk.id)
            continue
        chosen.append(hit)
        used += cost
    passages = _merge_neighbours(chosen, count_tokens)
    return AssembledContext(passages, sum(p.tokens for p in passages), dropped)


def _merge_neighbours(chosen: Sequence[SearchHit], count_tokens: TokenCounter) -> list[ContextPassage]:
    by_document: dict[str, list[SearchHit]] = {}
    for hit in chosen:
        by_document.setdefault(hit.chunk.document_id, []).append(hit)
    passages: list[ContextPassage] = []
    for document_hits in by_document.values():
        document_hits.sort(key=lambda h: h.chunk.ordinal)
        run: list[SearchHit] = [document_hits[0]]
        for hit in document_hits[1:]:
            if hit.chunk.ordinal == run[-1].chunk.ordinal + 1:
                run.append(hit)
            else:
                passages.append(_passage(run, count_tokens))
                run = [hit]
        passages.append(_passage(run, count_tokens))
    position = {hit.chunk.id: i for i, hit in enumerate(chosen)}
    passages.sort(key=lambda p: (-p.score, min(position[c] for c in p.chunk_ids)))
    return passages


def _passage(run: Sequence[SearchHit], count_tokens: TokenCounter) -> ContextPassage:
    first: Chunk = run[0].chunk
    return ContextPassage(
        document_id=first.document_id,
        chunk_ids=[h.chunk.id for h in run],
        ordinals=[h.chunk.ordinal for h in run],
        title=first.title,
        heading_path=list(first.heading_path),
        text="\n".join(h.chunk.text for h in run),
        score=max(h.score for h in run),
        version=max(h.chunk.version for h in run),
        valid_from=first.valid_from,
        tokens=sum(count_tokens(h.chunk.text) for h in run),
        source_path=first.source_path,
        product_ids=list(first.product_ids),
        language=first.language,
    )
