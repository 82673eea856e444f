"""Context assembly: budget, relevance then recency/version, neighbour merging."""

from __future__ import annotations

from datetime import date
from typing import Any

from tools.context import assemble_context, estimate_tokens
from tools.models import Chunk, SearchHit


def hit(doc: str, ordinal: int, score: float, chars: int = 40, **meta: Any) -> SearchHit:
    text = (f"{doc}{ordinal} " * chars)[:chars]
    return SearchHit(
        chunk=Chunk(id=f"{doc}#{ordinal}", document_id=doc, ordinal=ordinal, text=text, **meta), score=score
    )


def test_estimate_tokens() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2


def test_budget_is_respected_and_smaller_chunks_fill_the_gap() -> None:
    hits = [hit("a", 0, 0.9, chars=40), hit("b", 0, 0.8, chars=400), hit("c", 0, 0.7, chars=40)]
    ctx = assemble_context(hits, token_budget=25)  # 10 + 100 + 10 tokens
    assert [p.chunk_ids for p in ctx.passages] == [["a#0"], ["c#0"]]
    assert ctx.tokens == 20 <= 25
    assert ctx.dropped == ["b#0"]


def test_max_chunks_and_relevance_order() -> None:
    hits = [hit("a", 0, 0.2), hit("b", 0, 0.9), hit("c", 0, 0.5)]
    ctx = assemble_context(hits, token_budget=1000, max_chunks=2)
    assert [p.document_id for p in ctx.passages] == ["b", "c"]


def test_ties_prefer_newer_version_then_later_validity() -> None:
    hits = [
        hit("old", 0, 0.5, version=1, valid_from=date(2024, 1, 1)),
        hit("new", 0, 0.5, version=2, valid_from=date(2023, 1, 1)),
        hit("later", 0, 0.5, version=1, valid_from=date(2025, 1, 1)),
    ]
    ctx = assemble_context(hits, token_budget=1000, max_chunks=2)
    assert [p.document_id for p in ctx.passages] == ["new", "later"]


def test_consecutive_chunks_of_a_document_are_merged() -> None:
    hits = [hit("d", 2, 0.6), hit("d", 0, 0.4), hit("d", 1, 0.9), hit("d", 5, 0.3), hit("e", 0, 0.7)]
    ctx = assemble_context(hits, token_budget=1000)
    assert [p.ordinals for p in ctx.passages] == [[0, 1, 2], [0], [5]]
    merged = ctx.passages[0]
    assert merged.score == 0.9
    assert merged.text.split("\n") == [h.chunk.text for h in sorted(hits[:3], key=lambda h: h.chunk.ordinal)]
    assert merged.tokens == 30
    rendered = ctx.render()
    assert rendered.startswith("[1] d v1") and "[3] d v1" in rendered


def test_duplicate_hits_count_once() -> None:
    ctx = assemble_context([hit("a", 0, 0.9), hit("a", 0, 0.8)], token_budget=100)
    assert ctx.tokens == 10 and ctx.dropped == []
