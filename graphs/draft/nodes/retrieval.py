"""Query rewriting, hybrid retrieval and source selection."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from graphs.draft.context import DraftServices, services_of
from graphs.draft.nodes.common import event, llm_calls
from graphs.draft.state import DraftState
from prompts import load_prompt
from serving.structured import StructuredOutputError
from tools.evidence_policy import EvidencePolicy
from tools.focus import focus_candidates, focused_context, plan_sources
from tools.models import ApprovalStatus, SearchHit
from tools.multi_query import MultiQueryRetriever
from tools.pii import PseudonymMap

LANGUAGE_NAMES = {"de": "German", "en": "English"}


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
    # Before any model call: a run with nothing approved to draft from (or a product without
    # pages in this language) fails here with a reason, instead of after a paid rewrite.
    sources_plan = plan_sources(
        services.store,
        brief,
        services.embedder.embed_queries([brief])[0],
        EvidencePolicy(language=state.get("language", "en")).metadata_filter(),
        state.get("product_id"),
        allow_translation=services.options.product_language_fallback,
    )
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
    if sources_plan.translated_from:
        note["translated_from"] = sources_plan.translated_from
    return {
        "queries": unique,
        "source_plan": sources_plan.as_dict(),
        "prompts_used": {prompt.ref: prompt.hash},
        "llm_calls": calls,
        "events": [event("rewrite_queries", queries=len(unique), **note)],
    }


def retrieve(state: DraftState, runtime: Runtime[DraftServices]) -> dict[str, Any]:
    """Hybrid search for every query under the run's evidence policy, fused."""
    services = services_of(runtime)
    options = services.options
    language = state.get("language", "en")
    policy = EvidencePolicy(language=language)
    filters = policy.metadata_filter()
    plan = state.get("source_plan") or {}
    product = plan.get("product_id")
    # A product without pages in the run's language may, when configured, draw on its pages in the
    # other language (marked as a translation in the review); general documents stay in the run's.
    product_policy = EvidencePolicy(language=plan.get("product_language") or language)
    retriever = MultiQueryRetriever(
        services.store,
        services.embedder,
        alpha=options.alpha,
        fusion=options.fusion,
        candidates=options.candidates_per_query,
    )
    try:
        hits = retriever.search(state["queries"], limit=options.candidates_per_query, filters=filters)
        # One evidence policy for drafting and fact-checking (tools.evidence_policy): brand guidelines steer
        # the guards, not the copy, and their lists of banned claims must never be drafted from.
        hits = policy.keep(hits)
        if product:
            # The product's own pages (in the planned language), then general documents only.
            own = product_policy.metadata_filter(product_id=product)
            product_hits = retriever.search(state["queries"], limit=options.candidates_per_query, filters=own)
            hits = focus_candidates(product_policy.keep(product_hits), hits)
    finally:
        retriever.close()
    return {
        "candidates": candidate_refs(hits),
        "events": [event("retrieve", candidates=len(hits), product=product)],
    }


def rerank(state: DraftState, runtime: Runtime[DraftServices]) -> dict[str, Any]:
    """Re-order the fused candidates against the brief with the configured reranker (none: keep fusion order)."""
    services = services_of(runtime)
    hits = candidate_hits(state.get("candidates", []), services)
    if services.reranker is None or not hits:
        return {"events": [event("rerank", reranker="none")]}
    query = state["scrubbed_brief"]
    ranked = services.reranker.rerank(query, services.embedder.embed_queries([query])[0], hits, len(hits))
    return {
        "candidates": candidate_refs(ranked),
        "events": [event("rerank", reranker=type(services.reranker).__name__)],
    }


def select_sources(state: DraftState, runtime: Runtime[DraftServices]) -> dict[str, Any]:
    """Fit the context budget, drop sources carrying injected instructions, scrub PII.

    Sources get short labels (S1, S2, ...) that the drafting model cites.
    """
    services = services_of(runtime)
    options = services.options
    hits = candidate_hits(state.get("candidates", []), services)
    pseudonyms = PseudonymMap.from_dict(state.get("pseudonyms") or {})
    language = state.get("language", "en")
    sources: list[dict[str, Any]] = []
    dropped: list[dict[str, Any]] = []
    product = (state.get("source_plan") or {}).get("product_id")
    context = focused_context(
        hits, product, token_budget=options.context_token_budget, max_chunks=options.context_chunks
    )
    public = [options.company, *options.public_terms]
    for passage in context.passages:
        heading = " > ".join(passage.heading_path)

        def scrub(text: str) -> str:
            return services.scrubber.scrub(text, language, pseudonyms, allow=public).text

        # Everything of a source that reaches the prompt is screened: title, headings, text.
        quarantine = screen_source(services, {"title": passage.title, "heading": heading, "text": passage.text})
        if quarantine:
            dropped.append(
                {
                    "chunk_ids": passage.chunk_ids,
                    "document_id": passage.document_id,
                    "title": scrub(passage.title),
                    **quarantine,
                }
            )
            continue
        sources.append(
            {
                "label": f"S{len(sources) + 1}",
                "chunk_id": passage.chunk_ids[0],
                "chunk_ids": passage.chunk_ids,
                "document_id": passage.document_id,
                "title": scrub(passage.title),
                "heading": scrub(heading) if heading else heading,
                "text": scrub(passage.text),
                "score": passage.score,
                "product_ids": passage.product_ids,
                "language": passage.language,
            }
        )
    return {
        "sources": sources,
        "dropped_sources": dropped,
        "pseudonyms": pseudonyms.to_dict(),
        "events": [event("select_sources", sources=len(sources), dropped=len(dropped))],
    }


def candidate_refs(hits: list[SearchHit]) -> list[dict[str, Any]]:
    """What the checkpoint keeps of a candidate: its chunk id and scores, never its text.

    Candidates are raw chunks of approved documents (names, e-mails, phones as written);
    the text is re-read from the store when a later stage needs it.
    """
    return [
        {"chunk_id": hit.chunk.id, "score": hit.score, "explain": hit.explain.model_dump(mode="json", exclude={"text"})}
        for hit in hits
    ]


def candidate_hits(refs: list[dict[str, Any]], services: DraftServices) -> list[SearchHit]:
    """Search hits for checkpointed candidate refs, in their order (chunks deleted, retired or otherwise no
    longer approved since are skipped: a document retired while a run is under way is not drafted from)."""
    ids = [r["chunk_id"] for r in refs if "chunk_id" in r]
    found = services.store.get_chunks(ids) if ids else []
    chunks = {chunk.id: chunk for chunk in found if chunk.approval_status == ApprovalStatus.APPROVED}
    hits = []
    for ref in refs:
        if "chunk" in ref:  # a checkpoint written before candidates were stored as refs
            hits.append(SearchHit.model_validate(ref))
        elif ref.get("chunk_id") in chunks:
            hits.append(
                SearchHit(chunk=chunks[ref["chunk_id"]], score=float(ref["score"]), explain=ref.get("explain") or {})
            )
    return hits


def screen_source(services: DraftServices, fields: dict[str, str]) -> dict[str, str] | None:
    """Why a source must be set aside (field and reason), or None when it carries no instructions."""
    for where, text in fields.items():
        if not text:
            continue
        findings = [f for f in services.guards.detect_injection(text) if f.severity == "block"]
        if findings:
            return {"where": where, "reason": f"instructions hidden in the source {where}: {findings[0].reason}"}
        hits = services.injection_screen(text) if services.injection_screen is not None else []
        if hits:
            quote = text[hits[0].start : hits[0].end][:80]
            return {
                "where": where,
                "reason": f"the source {where} reads as an instruction to the model "
                f"(classifier p={hits[0].score:.2f}): {quote!r}",
            }
    return None
