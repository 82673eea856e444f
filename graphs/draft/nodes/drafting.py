"""Drafting and the revise step that feeds problems back into it."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from graphs.draft.context import DraftServices, run_brand, services_of
from graphs.draft.nodes.common import event, llm_calls
from graphs.draft.nodes.retrieval import LANGUAGE_NAMES
from graphs.draft.state import DraftState
from prompts import load_prompt
from tools.channels import channel_spec
from tools.content import DraftContent, draft_json_schema, token_allowance
from tools.guards.injection import neutralize_injections


class NoSourcesError(RuntimeError):
    """Nothing approved matched the brief: drafting without sources would be ungrounded."""


def write_draft(state: DraftState, runtime: Runtime[DraftServices]) -> dict[str, Any]:
    """Structured drafting call: title, meta description, sections, and claims citing source labels."""
    services = services_of(runtime)
    channel = state["channel"]
    sources = state.get("sources") or []
    if not sources:
        raise NoSourcesError(
            "no approved source matched the brief in this language; ingest documents or broaden the brief"
        )
    version = services.options.prompt_versions.get(f"draft/{channel}")
    prompt = load_prompt(f"draft/{channel}", version)
    spec = channel_spec(channel, version)  # the limits of the pinned prompt version, not the newest
    limits = spec.limits
    labels = [s["label"] for s in sources]
    previous = state.get("draft") or {}
    brand = state.get("brand") or run_brand(services.options)
    messages = prompt.render_messages(
        # every limit, also those a new channel's front matter leaves to the defaults
        meta={**prompt.metadata, "limits": limits.model_dump()},
        company=brand["company"],
        brand_voice=list(brand["brand_voice"]),
        audience=brand["audience"],
        channel_name=spec.prompt_name,
        language_name=LANGUAGE_NAMES[state.get("language", "en")],
        brief=state["scrubbed_brief"],
        sources=sources,
        feedback=state.get("feedback") or [],
        revision=state.get("revision", 0),
        previous_title=previous.get("title", ""),
    )

    def cites_known_sources(draft: DraftContent) -> None:
        unknown = {s for claim in draft.claims for s in claim.sources if s not in labels}
        if unknown:
            raise ValueError(f"claims cite unknown sources {sorted(unknown)}; use only {labels}")

    # A redraft after feedback is its own task: it may be routed to a stronger model.
    task = "revise" if state.get("revision", 0) > 0 else "draft"
    with llm_calls(prompt.ref) as calls:
        draft = services.llm.generate(
            task,
            messages,
            DraftContent,
            json_schema=draft_json_schema(limits, labels),
            check=cites_known_sources,
            max_tokens=token_allowance(limits),
        )
    return {
        "draft": draft.model_dump(),
        "llm_calls": calls,
        "prompt_ref": prompt.ref,
        "prompt_hash": prompt.hash,
        "prompts_used": {prompt.ref: prompt.hash},
        "decision": {},
        "events": [
            event("write_draft", revision=state.get("revision", 0), claims=len(draft.claims), prompt=prompt.ref)
        ],
    }


def revise(state: DraftState, runtime: Runtime[DraftServices]) -> dict[str, Any]:
    """Collect precise feedback (unsupported sentences, blocking guard findings, editor notes) for the next draft."""
    feedback: list[str] = []
    decision = state.get("decision") or {}
    if decision.get("action") == "reject" and decision.get("feedback"):
        feedback.append(f"Editor: {decision['feedback']}")
    for sentence in state.get("sentences") or []:
        if sentence.get("verdict") in ("contradicted", "not_found"):
            feedback.append(f'Sentence "{sentence["text"]}" is {sentence["verdict"]}: {sentence["reason"]}')
    for finding in state.get("guard_findings") or []:
        if finding.get("severity") == "block":
            feedback.append(f"{finding.get('validator')}: {finding.get('reason')}")
    revision = state.get("revision", 0) + 1
    # Feedback reaches the prompt: guard reasons come from brand guidelines' metadata and sentences
    # from an editor's edit, so instruction-like text in them is replaced like in a brief.
    return {
        "revision": revision,
        "feedback": [neutralize_injections(item) for item in feedback[:12]],
        "events": [event("revise", revision=revision, problems=len(feedback))],
    }
