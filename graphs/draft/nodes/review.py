"""The editor's stop, and the two ways out of it: publish or reject."""

from __future__ import annotations

from typing import Any, Literal

from langgraph.runtime import Runtime
from langgraph.types import interrupt
from pydantic import BaseModel, ValidationError, model_validator

from graphs.draft.context import DraftServices, services_of
from graphs.draft.nodes.checks import blocking_problems
from graphs.draft.nodes.common import event
from graphs.draft.state import DraftState
from tools.content import DraftContent
from tools.render import SourceRef, publish


class EditorDecision(BaseModel):
    """What an editor sends to resume a run."""

    action: Literal["approve", "edit", "reject"]
    feedback: str = ""
    draft: DraftContent | None = None
    editor: str = "editor"

    @model_validator(mode="after")
    def _edit_needs_draft(self) -> EditorDecision:
        if self.action == "edit" and self.draft is None:
            raise ValueError("an edit must carry the edited draft")
        return self


def review_payload(state: DraftState) -> dict[str, Any]:
    """Everything the editor needs to decide, as shown by the CLI and the web page."""
    return {
        "run_id": state.get("run_id"),
        "channel": state.get("channel"),
        "language": state.get("language"),
        "brief": state.get("scrubbed_brief"),
        "draft": state.get("draft"),
        "sources": state.get("sources"),
        "dropped_sources": state.get("dropped_sources") or [],
        "verdicts": state.get("verdicts") or [],
        "guard_findings": state.get("guard_findings") or [],
        "pii_findings": (state.get("brief_findings") or []) + (state.get("pii_findings") or []),
        "revision": state.get("revision", 0),
        "blocking": blocking_problems(state),
        "message": state.get("review_message", ""),
        "translated_from": (state.get("source_plan") or {}).get("translated_from"),
    }


def review(state: DraftState, runtime: Runtime[DraftServices]) -> dict[str, Any]:
    """Pause for the editor (``interrupt``); validate the decision when the run resumes.

    Approving a draft that still has blocking problems is refused here, with the
    reason, and the run waits again: unsupported or unsafe text is never published.
    """
    answer = interrupt(review_payload(state))
    try:
        decision = EditorDecision.model_validate(answer)
    except ValidationError as exc:
        return {"review_message": f"invalid decision: {exc.errors()[0]['msg']}", "decision": {}}
    update: dict[str, Any] = {
        "decision": decision.model_dump(mode="json", exclude={"draft"}),
        "review_message": "",
        "events": [event("review", action=decision.action, editor=decision.editor)],
    }
    if decision.action == "approve":
        problems = blocking_problems(state)
        if problems:
            update["decision"] = {}
            update["review_message"] = (
                "cannot approve: " + "; ".join(problems[:5]) + " — edit the draft or reject with feedback"
            )
    elif decision.action == "edit" and decision.draft is not None:
        update["draft"] = decision.draft.model_dump()
    return update


def publish_draft(state: DraftState, runtime: Runtime[DraftServices]) -> dict[str, Any]:
    """Render HTML with inline citations and JSON-LD into the output folder."""
    services = services_of(runtime)
    draft = DraftContent.model_validate(state["draft"])
    sources = [
        SourceRef(
            label=s["label"],
            chunk_id=s["chunk_id"],
            document_id=s["document_id"],
            title=s["title"],
            heading=s.get("heading", ""),
        )
        for s in state.get("sources") or []
    ]
    files = publish(
        draft,
        channel=state["channel"],
        language=state.get("language", "en"),
        sources=sources,
        run_id=state["run_id"],
        out_dir=services.options.output_dir,
        product_ids=[str(state["product_id"])] if state.get("product_id") else None,
        extra={"verdicts": state.get("verdicts") or [], "prompt": state.get("prompt_ref")},
    )
    return {
        "status": "published",
        "published": {
            "html": str(files.html_path),
            "jsonld": str(files.jsonld_path),
            "draft": str(files.draft_path),
        },
        "events": [event("publish", html=str(files.html_path))],
    }


def reject(state: DraftState) -> dict[str, Any]:
    """End a run the editor rejected (or that ran out of revisions after a rejection)."""
    decision = state.get("decision") or {}
    return {"status": "rejected", "events": [event("reject", feedback=decision.get("feedback", ""))]}
