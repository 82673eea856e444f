"""Query rewriting, hybrid retrieval and source selection."""

from __future__ import annotations

from datetime import date
from typing import Any

from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from graphs.draft.context import DraftServices, services_of
from graphs.draft.nodes.common import as_plain, event, llm_calls
from graphs.draft.state import DraftState
from prompts import load_prompt
from serving.structured import StructuredOutputError
from tools.context import assemble_context
from tools.models import MetadataFilter, SearchHit
from tools.multi_query import MultiQueryRetriever
from tools.pii import PseudonymMap

LANGUAGE_NAMES = {"de": "German", "en": "English"}
EXCLUDED_DOC_TYPES = {"guidelines", "readme"}


class QueryPlan(BaseModel):
    """What the rewrite model returns: three differently shaped queries."""

    keyword_query: str = Field(max_length=120)
    question_query: str = Field(max_length=200)
    hypothetical_passage: str = Field(max_length=400)


def rewrite_queries(state: DraftState, runtime: Runtime[DraftServices]) -> dict[str, Any]:
    """Brief → keyword, question and hypothetical-passage queries (plus the brief itself).

    If the model fails twice, retrieval still runs on the brief alone: a weaker
    search beats a failed run, and the event log says it happened.
    """
    services = services_of(runtime)
    brief = state["scrubbed_brief"]
    prompt = load_prompt("rewrite/queries", services.options.prompt_versions.get("rewrite/queries"))
    messages = prompt.render_messages(
        brief=brief,
        product_id=state.get("product_id"),
        language_name=LANGUAGE_NAMES[state.get("language", "en")],
    )
    queries = [brief]
    note: dict[str, Any] = {"prompt": prompt.ref}
    with llm_calls(prompt.ref) as calls:
        try:
            plan = services.llm.generate(
                "rewrite", messages, QueryPlan, max_tokens=int(prompt.metadata.get("max_tokens", 200))
            )
            queries += [plan.keyword_query, plan.question_query, plan.hypothetical_passage]
        except StructuredOutputError as exc:
            note["fallback"] = f"query rewriting failed, searching with the brief only: {exc}"
    product = state.get("product_id")
    if product:
        queries.append(f"{product} {brief}")
    unique = list(dict.fromkeys(q.strip() for q in queries if q and q.strip()))
    return {
        "queries": unique,
        "llm_calls": calls,
        "events": [event("rewrite_queries", queries=len(unique), **note)],
    }


def retrieve(state: DraftState, runtime: Runtime[DraftServices]) -> dict[str, Any]:
    """Hybrid search for every query, approved documents in the run's language only, fused."""
    services = services_of(runtime)
    options = services.options
    filters = MetadataFilter(language=state.get("language", "en"), valid_on=date.today())
    retriever = MultiQueryRetriever(
        services.store,
        services.embedder,
        alpha=options.alpha,
        fusion=options.fusion,
        candidates=options.candidates_per_query,
    )
    try:
        hits = retriever.search(state["queries"], limit=options.candidates_per_query, filters=filters)
    finally:
        retriever.close()
    # Brand guidelines steer the guards, not the copy: their lists of banned claims must never be drafted from.
    hits = [hit for hit in hits if hit.chunk.doc_type not in EXCLUDED_DOC_TYPES]
    return {
        "candidates": [as_plain(hit) for hit in hits],
        "events": [event("retrieve", candidates=len(hits))],
    }


def rerank(state: DraftState, runtime: Runtime[DraftServices]) -> dict[str, Any]:
    """Re-order the fused candidates against the brief with the configured reranker (none: keep fusion order)."""
    services = services_of(runtime)
    hits = [SearchHit.model_validate(c) for c in state.get("candidates", [])]
    if services.reranker is None or not hits:
        return {"events": [event("rerank", reranker="none")]}
    query = state["scrubbed_brief"]
    ranked = services.reranker.rerank(query, services.embedder.embed_queries([query])[0], hits, len(hits))
    return {
        "candidates": [as_plain(hit) for hit in ranked],
        "events": [event("rerank", reranker=type(services.reranker).__name__)],
    }


def select_sources(state: DraftState, runtime: Runtime[DraftServices]) -> dict[str, Any]:
    """Fit the context budget, drop sources carrying injected instructions, scrub PII.

    Sources get short labels (S1, S2, ...) that the drafting model cites.
    """
    services = services_of(runtime)
    options = services.options
    hits = [SearchHit.model_validate(c) for c in state.get("candidates", [])]
    pseudonyms = PseudonymMap.from_dict(state.get("pseudonyms") or {})
    language = state.get("language", "en")
    sources: list[dict[str, Any]] = []
    dropped: list[dict[str, Any]] = []
    context = assemble_context(hits, token_budget=options.context_token_budget, max_chunks=options.context_chunks)
    for passage in context.passages:
        heading = " > ".join(passage.heading_path)
        injections = services.guards.detect_injection(passage.text)
        if injections:
            dropped.append(
                {
                    "chunk_ids": passage.chunk_ids,
                    "reason": "instructions hidden in the source: " + injections[0].reason,
                }
            )
            continue
        public = [passage.title, heading, *options.public_terms]
        scrubbed = services.scrubber.scrub(passage.text, language, pseudonyms, allow=public)
        sources.append(
            {
                "label": f"S{len(sources) + 1}",
                "chunk_id": passage.chunk_ids[0],
                "chunk_ids": passage.chunk_ids,
                "document_id": passage.document_id,
                "title": passage.title,
                "heading": heading,
                "text": scrubbed.text,
                "score": passage.score,
            }
        )
    return {
        "sources": sources,
        "dropped_sources": dropped,
        "pseudonyms": pseudonyms.to_dict(),
        "events": [event("select_sources", sources=len(sources), dropped=len(dropped))],
    }
