"""The draft graph, top to bottom: the list of stages a piece of content goes through.

prepare_brief → rewrite_queries → retrieve → rerank → select_sources → write_draft → guard → fact_check
  → (revise → write_draft, bounded) → review (editor interrupt)
  → approve: publish | edit: guard and fact_check again | reject: revise (bounded) or end.

The guard (PII scrub) runs before the fact-check so that the sentences checked, and
their offsets, are exactly the published text.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime
from langgraph.types import Checkpointer

from graphs.draft.context import DraftContext, DraftServices, services_of
from graphs.draft.nodes.brief import prepare_brief
from graphs.draft.nodes.checks import blocking_problems, fact_check, guard
from graphs.draft.nodes.drafting import revise, write_draft
from graphs.draft.nodes.retrieval import rerank, retrieve, rewrite_queries, select_sources
from graphs.draft.nodes.review import publish_draft, reject, review
from graphs.draft.state import DraftInput, DraftState
from graphs.draft.tracing import traced


def route_after_checks(state: DraftState, runtime: Runtime[DraftServices]) -> str:
    """Problems go back to the writer until the revision budget is spent; then to the editor, marked."""
    if (state.get("decision") or {}).get("action") == "edit":
        return "review"
    limit = services_of(runtime).options.max_revisions
    if blocking_problems(state) and state.get("revision", 0) < limit:
        return "revise"
    return "review"


def route_after_review(state: DraftState, runtime: Runtime[DraftServices]) -> str:
    """Follow the editor's decision; an invalid or refused decision waits for the editor again."""
    decision = state.get("decision") or {}
    action = decision.get("action")
    if action == "approve":
        return "publish"
    if action == "edit":
        return "guard"
    if action == "reject":
        limit = services_of(runtime).options.max_revisions
        if decision.get("feedback") and state.get("revision", 0) < limit:
            return "revise"
        return "reject"
    return "review"


def build_graph() -> StateGraph[DraftState, Any, DraftInput, DraftState]:
    """The uncompiled graph (compile it with a checkpointer to run it).

    The declared context schema is :class:`DraftContext` (what LangGraph Server can render);
    copydesk's callers pass a :class:`DraftServices` instance as the context instead.
    """
    builder: StateGraph[DraftState, Any, DraftInput, DraftState] = StateGraph(
        DraftState, context_schema=DraftContext, input_schema=DraftInput
    )
    builder.add_node("prepare_brief", traced(prepare_brief))
    builder.add_node("rewrite_queries", traced(rewrite_queries))
    builder.add_node("retrieve", traced(retrieve))
    builder.add_node("rerank", traced(rerank))
    builder.add_node("select_sources", traced(select_sources))
    builder.add_node("write_draft", traced(write_draft))
    builder.add_node("fact_check", traced(fact_check))
    builder.add_node("guard", traced(guard))
    builder.add_node("revise", traced(revise))
    builder.add_node("review", traced(review))
    builder.add_node("publish", traced(publish_draft))
    builder.add_node("reject", traced(reject))

    builder.add_edge(START, "prepare_brief")
    builder.add_edge("prepare_brief", "rewrite_queries")
    builder.add_edge("rewrite_queries", "retrieve")
    builder.add_edge("retrieve", "rerank")
    builder.add_edge("rerank", "select_sources")
    builder.add_edge("select_sources", "write_draft")
    builder.add_edge("write_draft", "guard")
    builder.add_edge("guard", "fact_check")
    builder.add_conditional_edges("fact_check", route_after_checks, ["revise", "review"])
    builder.add_edge("revise", "write_draft")
    builder.add_conditional_edges("review", route_after_review, ["publish", "guard", "revise", "reject", "review"])
    builder.add_edge("publish", END)
    builder.add_edge("reject", END)
    return builder


def compile_graph(
    checkpointer: Checkpointer = None,
) -> CompiledStateGraph[DraftState, Any, DraftInput, DraftState]:
    """Compile with a checkpointer (SQLite or PostgreSQL; see ``app.checkpoints``)."""
    return build_graph().compile(checkpointer=checkpointer, name="copydesk-draft")
