"""The editor's stop, and the two ways out of it: publish or reject.

The interrupt follows LangChain's Agent Inbox convention, so Agent Inbox and any
LangGraph Server client can show and answer it: a list with one ``HumanInterrupt``
(``action_request`` with the draft as its ``args``, ``config`` saying which answers are
allowed, a Markdown ``description``), plus copydesk's own review payload under
``copydesk`` for the CLI, the API and the editor pages. Both kinds of answer are accepted:
copydesk's ``{"action": "approve"|"edit"|"reject", ...}`` and Agent Inbox's
``[{"type": "accept"|"edit"|"response"|"ignore", "args": ...}]`` (accept = approve,
edit = edit, response = reject with the text as feedback, ignore = reject).
"""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime
from langgraph.types import interrupt
from pydantic import BaseModel, ValidationError, model_validator

from graphs.draft.context import DraftServices, services_of
from graphs.draft.nodes.checks import blocking_problems
from graphs.draft.nodes.common import event
from graphs.draft.state import DraftState
from prompts import used_prompt_records
from tools.content import DraftContent
from tools.render import SourceRef, publish


class EditorDecision(BaseModel):
    """What an editor sends to resume a run."""

    action: Literal["approve", "edit", "reject"]
    feedback: str = ""
    draft: DraftContent | None = None
    editor: str = "editor"
    decision_id: str = ""

    @model_validator(mode="after")
    def _edit_needs_draft(self) -> EditorDecision:
        if self.action == "edit" and self.draft is None:
            raise ValueError("an edit must carry the edited draft")
        return self


def legacy_verdicts(sentences: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The old claim-shaped verdicts, derived from the sentence verdicts, for readers not yet moved
    to ``sentences`` (one per sentence that states a fact). Prefer ``sentences``."""
    return [
        {
            "claim": {"text": s["text"], "chunk_ids": [s["evidence"]["chunk_id"]] if s.get("evidence") else []},
            "verdict": s["verdict"],
            "reason": s["reason"],
            "evidence": [s["evidence"]] if s.get("evidence") else [],
            "field": s["field"],
        }
        for s in sentences
        if s.get("verdict") != "no_claim"
    ]


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
        "sentences": state.get("sentences") or [],
        "verdicts": legacy_verdicts(state.get("sentences") or []),
        "guard_findings": state.get("guard_findings") or [],
        "pii_findings": (state.get("brief_findings") or []) + (state.get("pii_findings") or []),
        "revision": state.get("revision", 0),
        "blocking": blocking_problems(state),
        "message": state.get("review_message", ""),
        "prompts": used_prompt_records(state),
        "translated_from": (state.get("source_plan") or {}).get("translated_from"),
    }


REVIEW_ACTION = "review_draft"
_EDITABLE = ("title", "meta_description", "sections", "claims")


def _description(payload: dict[str, Any]) -> str:
    """The Markdown an inbox shows beside the draft: the checks an editor must see before deciding."""
    lines = [f"**{payload.get('channel')}** · {payload.get('language')} · revision {payload.get('revision', 0)}"]
    if payload.get("message"):
        lines.append(f"> {payload['message']}")
    blocking = payload.get("blocking") or []
    if blocking:
        lines.append(f"**{len(blocking)} blocking problem(s); approval is refused until fixed:**")
        lines += [f"- {problem}" for problem in blocking[:10]]
    for verdict in (payload.get("verdicts") or [])[:20]:
        lines.append(f"- claim *{verdict.get('verdict')}*: {verdict.get('claim', verdict.get('text', ''))}")
    sources = payload.get("sources") or []
    if sources:
        lines.append("Sources: " + ", ".join(f"{s.get('label')} {s.get('title', '')}".strip() for s in sources))
    lines.append(
        "Accept publishes; edit re-checks your text; respond sends the draft back with your feedback; "
        "ignore rejects it."
    )
    return "\n\n".join(lines)


def human_interrupt(state: DraftState) -> list[dict[str, Any]]:
    """The review as an Agent Inbox ``HumanInterrupt`` list, carrying copydesk's payload too."""
    payload = review_payload(state)
    draft = payload.get("draft") or {}
    return [
        {
            "action_request": {"action": REVIEW_ACTION, "args": {k: draft.get(k) for k in _EDITABLE if k in draft}},
            "config": {
                "allow_accept": not payload["blocking"],
                "allow_edit": True,
                "allow_respond": True,
                "allow_ignore": True,
            },
            "description": _description(payload),
            "copydesk": payload,
        }
    ]


def copydesk_payload(value: Any) -> dict[str, Any] | None:
    """copydesk's review payload out of an interrupt value (Agent Inbox list or an older plain dict)."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        value = value[0]
    if isinstance(value, dict):
        inner = value.get("copydesk")
        return inner if isinstance(inner, dict) else value
    return None


def as_decision(answer: Any) -> dict[str, Any]:
    """An Agent Inbox response (or copydesk's own decision) as copydesk's decision dict."""
    if isinstance(answer, list):
        answer = answer[0] if answer else {}
    if not isinstance(answer, dict) or "type" not in answer or "action" in answer:
        return answer if isinstance(answer, dict) else {}
    kind, args = answer.get("type"), answer.get("args")
    base = {"editor": str(answer.get("editor") or "agent-inbox"), "decision_id": str(answer.get("decision_id") or "")}
    if kind == "accept":
        return {**base, "action": "approve"}
    if kind == "edit":
        edited = args.get("args", args) if isinstance(args, dict) else None
        return {**base, "action": "edit", "draft": edited}
    if kind == "response":
        return {**base, "action": "reject", "feedback": str(args or "")}
    if kind == "ignore":
        return {**base, "action": "reject", "feedback": ""}
    return {**base, "action": str(kind)}


def review(state: DraftState, runtime: Runtime[DraftServices]) -> dict[str, Any]:
    """Pause for the editor (``interrupt``); validate the decision when the run resumes.

    Approving a draft that still has blocking problems is refused here, with the
    reason, and the run waits again: unsupported or unsafe text is never published.
    """
    answer = as_decision(interrupt(human_interrupt(state)))
    decision_id = str(answer.get("decision_id") or "") if isinstance(answer, dict) else ""
    try:
        decision = EditorDecision.model_validate(answer)
    except ValidationError as exc:
        return {
            "review_message": f"invalid decision: {exc.errors()[0]['msg']}",
            "decision": {},
            "last_decision_id": decision_id,
        }
    update: dict[str, Any] = {
        "decision": decision.model_dump(mode="json", exclude={"draft"}),
        "last_decision_id": decision.decision_id,
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


def publish_draft(state: DraftState, runtime: Runtime[DraftServices], config: RunnableConfig) -> dict[str, Any]:
    """Render HTML with inline citations and JSON-LD into the output folder.

    Idempotent: the files are named by the run and written whole, so a publish that runs
    again (a worker died after writing, before the checkpoint) rewrites the same files and
    there is still exactly one publication.
    """
    services = services_of(runtime)
    run_id = state.get("run_id") or str((config.get("configurable") or {}).get("thread_id"))
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
        run_id=run_id,
        out_dir=services.options.output_dir,
        product_ids=[str(state["product_id"])] if state.get("product_id") else None,
        sentences=state.get("sentences") or [],
        extra={
            "sentences": state.get("sentences") or [],
            "prompt": state.get("prompt_ref"),
            "prompt_hash": state.get("prompt_hash"),
            "prompts": used_prompt_records(state),
        },
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
