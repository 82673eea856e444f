"""First stage: make the brief safe to hand to a model."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime

from graphs.draft.context import DraftServices, run_brand, services_of
from graphs.draft.nodes.common import as_plain, event
from graphs.draft.state import DraftState
from tools.guards import GuardFinding, sanitize_text
from tools.pii import PseudonymMap


class EmptyBriefError(ValueError):
    """A run needs a brief with some words in it."""


def prepare_brief(state: DraftState, runtime: Runtime[DraftServices], config: RunnableConfig) -> dict[str, Any]:
    """Strip markup, cut out injected instructions, and pseudonymise personal data.

    Injection spans are removed rather than merely flagged: whatever they say must
    never reach the drafting model, and the editor sees them listed in the review.
    A run started without a ``run_id`` (LangGraph Server, Studio) takes its thread id.
    """
    services = services_of(runtime)
    brief = sanitize_text(state.get("brief") or "").strip()
    if not brief:
        raise EmptyBriefError("the brief is empty")
    injections = services.guards.detect_injection(brief)
    for finding in sorted(injections, key=lambda f: f.start, reverse=True):
        brief = brief[: finding.start] + " " + brief[finding.end :]
    if services.injection_screen is not None:  # paraphrases the rules do not know
        for hit in sorted(services.injection_screen(brief), key=lambda h: h.start, reverse=True):
            injections.append(
                GuardFinding(
                    "prompt_injection",
                    "block",
                    f"reads as an instruction to the model (p={hit.score:.2f})",
                    hit.start,
                    hit.end,
                    "",
                )
            )
            brief = brief[: hit.start] + " " + brief[hit.end :]
    pseudonyms = PseudonymMap.from_dict(state.get("pseudonyms") or {})
    scrubbed = services.scrubber.scrub(
        brief.strip(), state.get("language", "en"), pseudonyms, allow=services.options.public_terms
    )
    findings = [{**as_plain(f), "where": "brief"} for f in injections]
    pii = [{**as_plain(f), "where": "brief"} for f in scrubbed.findings]
    thread_id = (config.get("configurable") or {}).get("thread_id")
    return {
        "run_id": state.get("run_id") or str(thread_id or "run"),
        "status": "running",
        "scrubbed_brief": scrubbed.text,
        "brief_findings": [*(state.get("brief_findings") or []), *findings, *pii],
        "pseudonyms": pseudonyms.to_dict(),
        "revision": state.get("revision", 0),
        "brand": state.get("brand") or run_brand(services.options),  # who the run writes for, fixed now
        "events": [event("prepare_brief", injections=len(injections), pii=len(pii))],
    }
