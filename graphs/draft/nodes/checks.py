"""Claim-level fact-check and the guard stage (PII scrub of the draft plus guardrails validators)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from graphs.draft.context import DraftServices, services_of
from graphs.draft.nodes.common import as_plain, event, llm_calls
from graphs.draft.state import DraftState
from tools.content import DraftContent
from tools.factcheck import Claim
from tools.pii import PseudonymMap


def fact_check(state: DraftState, runtime: Runtime[DraftServices]) -> dict[str, Any]:
    """Check every claim against the chunks its labels point to, then the approved corpus."""
    services = services_of(runtime)
    draft = DraftContent.model_validate(state["draft"])
    label_to_chunks = {s["label"]: s.get("chunk_ids") or [s["chunk_id"]] for s in state.get("sources") or []}
    claims = [
        Claim(text=c.text, chunk_ids=[cid for label in c.sources for cid in label_to_chunks.get(label, [])])
        for c in draft.claims
    ]
    cited = {cid for claim in claims for cid in claim.chunk_ids}
    chunks = {chunk.id: chunk for chunk in services.store.get_chunks(sorted(cited))}
    with llm_calls("factcheck/entailment") as calls:  # the judge's calls, when an LLM judge is configured
        verdicts = services.fact_checker.check(
            claims, chunks, search=services.search_corpus, language=state.get("language", "en")
        )
    plain = [as_plain(v) for v in verdicts]
    failed = sum(1 for v in plain if v["verdict"] != "supported")
    return {
        "verdicts": plain,
        "llm_calls": calls,
        "events": [event("fact_check", claims=len(plain), unsupported=failed)],
    }


def guard(state: DraftState, runtime: Runtime[DraftServices]) -> dict[str, Any]:
    """Pseudonymise personal data in the draft, then run the brand/tone/copying validators."""
    services = services_of(runtime)
    language = state.get("language", "en")
    pseudonyms = PseudonymMap.from_dict(state.get("pseudonyms") or {})
    draft = DraftContent.model_validate(state["draft"])
    findings: list[dict[str, Any]] = []
    sources = state.get("sources") or []
    public = [*(s["text"] for s in sources), *(s["title"] for s in sources), *services.options.public_terms]

    def scrub(text: str, where: str) -> str:
        result = services.scrubber.scrub(text, language, pseudonyms, allow=public)
        findings.extend({**as_plain(f), "where": where} for f in result.findings)
        return result.text

    draft.title = scrub(draft.title, "title")
    draft.meta_description = scrub(draft.meta_description, "meta_description")
    for index, section in enumerate(draft.sections):
        section.heading = scrub(section.heading, f"sections[{index}].heading")
        section.body = scrub(section.body, f"sections[{index}].body")
    for claim in draft.claims:
        claim.text = scrub(claim.text, "claims")
    guard_findings = services.guards.check_draft(
        draft.full_text(),
        channel=state["channel"],
        language=language,
        sources=[s["text"] for s in state.get("sources") or []],
    )
    plain = [as_plain(f) for f in guard_findings]
    return {
        "draft": draft.model_dump(),
        "pii_findings": findings,
        "guard_findings": plain,
        "pseudonyms": pseudonyms.to_dict(),
        "events": [
            event(
                "guard",
                pii=len(findings),
                blocking=sum(1 for f in plain if f.get("severity") == "block"),
                warnings=sum(1 for f in plain if f.get("severity") != "block"),
            )
        ],
    }


def blocking_problems(state: DraftState) -> list[str]:
    """What stops a draft from being published: unsupported claims and blocking guard findings."""
    problems = [
        f"claim not supported ({v['verdict']}): {v['claim']['text']}"
        for v in state.get("verdicts") or []
        if v.get("verdict") != "supported"
    ]
    problems += [
        f"{f.get('validator')}: {f.get('reason')}"
        for f in state.get("guard_findings") or []
        if f.get("severity") == "block"
    ]
    return problems
