"""The guard stage (PII scrub of the draft plus guardrails validators) and the sentence-level fact-check."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from graphs.draft.context import DraftServices, services_of
from graphs.draft.nodes.common import as_plain, event, llm_calls
from graphs.draft.nodes.retrieval import screen_source
from graphs.draft.state import DraftState
from tools.content import DraftContent
from tools.evidence_policy import EvidencePolicy
from tools.factcheck.segment import segment_fields
from tools.factcheck.sentence_check import SentenceChecker, SourceText
from tools.models import Chunk
from tools.pii import PseudonymMap
from tools.pii.evidence import scrub_evidence


def _source_texts(state: DraftState, services: DraftServices) -> list[SourceText]:
    """The run's sources as checkable chunks: store metadata, the scrubbed passage text the model saw."""
    sources = state.get("sources") or []
    ids = sorted({cid for s in sources for cid in (s.get("chunk_ids") or [s["chunk_id"]])})
    stored = {chunk.id: chunk for chunk in services.store.get_chunks(ids)}
    out: list[SourceText] = []
    for source in sources:
        first = stored.get(source["chunk_id"])
        if first is None:
            continue
        heading = [h for h in str(source.get("heading") or "").split(" > ") if h]
        # the scrubbed title and heading too: evidence quotes the chunk's title into state and draft.json
        chunk = first.model_copy(
            update={"text": source["text"], "heading_path": heading, "title": source.get("title", "")}
        )
        out.append(SourceText(label=source["label"], chunks=[chunk], title=source.get("title", "")))
    return out


def fact_check(state: DraftState, runtime: Runtime[DraftServices]) -> dict[str, Any]:
    """Check every published sentence of the draft (not the claims list) against the run's sources,
    then the approved corpus; one verdict per sentence, citations corrected where they were wrong."""
    services = services_of(runtime)
    language = state.get("language", "en")
    draft = DraftContent.model_validate(state["draft"])
    pseudonyms = PseudonymMap.from_dict(state.get("pseudonyms") or {})
    sources = list(state.get("sources") or [])
    checker = SentenceChecker(
        rules=services.fact_checker.rules,
        policy=EvidencePolicy(language=language),  # type: ignore[arg-type]
        subjects=(services.options.company, *services.options.company.split()[:1]),
    )
    public = public_names(services)  # whole known names only, never any name found in a title

    # a document set aside for hidden instructions is never evidence either
    quarantined = {str(d.get("document_id")) for d in state.get("dropped_sources") or [] if d.get("document_id")}

    def scrub(text: str) -> str:
        return services.scrubber.scrub(text, language, pseudonyms, allow=public).text if text.strip() else text

    def search(text: str) -> list[Chunk]:
        found = services.search_corpus(text, language=language)
        # Corpus evidence becomes a source and is shown to the editor: it passes the same injection
        # check and PII scrub as every source the model sees (select_sources), title and headings too.
        return [
            c.model_copy(
                update={
                    "text": scrub(c.text),
                    "title": scrub(c.title),
                    "heading_path": [scrub(h) for h in c.heading_path],
                }
            )
            for c in found
            if c.document_id not in quarantined
            and screen_source(services, {"title": c.title, "heading": " > ".join(c.heading_path), "text": c.text})
            is None
        ]

    segments = segment_fields(draft.published_fields())
    hints = [(claim.text, claim.sources) for claim in draft.claims]
    with llm_calls("factcheck/entailment") as calls:  # a judge's calls, when the checker uses one
        sentences = checker.check(segments, _source_texts(state, services), language, search=search, hints=hints)
    sources = _add_corpus_sources(sources, sentences, checker)
    # Evidence and reasons quote approved chunks: scrubbed before they reach state, API or draft.json
    # (the sentence's own text stays as published, so its offsets still line up).
    for sentence in sentences:
        if sentence.get("evidence"):
            sentence["evidence"] = scrub_evidence(sentence["evidence"], services.scrubber, language, pseudonyms, public)
        sentence["reason"] = scrub_evidence(
            {"text": sentence.get("reason") or ""}, services.scrubber, language, pseudonyms, public
        )["text"]
    counts = {v: sum(1 for s in sentences if s["verdict"] == v) for v in ("supported", "contradicted", "not_found")}
    return {
        "sentences": sentences,
        "sources": sources,
        "llm_calls": calls,
        "pseudonyms": pseudonyms.to_dict(),
        "events": [
            event(
                "fact_check",
                sentences=len(sentences),
                **counts,
                corrected=sum(1 for s in sentences if s["citation_corrected"]),
            )
        ],
    }


def public_names(services: DraftServices) -> list[str]:
    """Whole names the scrubber leaves alone: the company and the known product names and ids."""
    return [services.options.company, *services.options.public_terms]


def _add_corpus_sources(
    sources: list[dict[str, Any]], sentences: list[dict[str, Any]], checker: SentenceChecker
) -> list[dict[str, Any]]:
    """Corpus chunks that support a sentence become sources of the run (new labels), so they are cited."""
    by_chunk = {s["chunk_id"]: s["label"] for s in sources}
    for sentence in sentences:
        chunk_id = sentence.pop("new_source_chunk", None)
        if not chunk_id:
            continue
        if chunk_id not in by_chunk:
            evidence = sentence["evidence"] or {}
            chunk = checker.chunk(chunk_id)
            label = f"S{len(sources) + 1}"
            sources.append(
                {
                    "label": label,
                    "chunk_id": chunk_id,
                    "chunk_ids": [chunk_id],
                    "document_id": evidence.get("document_id", ""),
                    "title": evidence.get("title", ""),
                    "heading": " > ".join(chunk.heading_path) if chunk else "",
                    "text": chunk.text if chunk else evidence.get("text", ""),
                    "score": 0.0,
                    "added_by": "fact_check",
                }
            )
            by_chunk[chunk_id] = label
        sentence["citations"] = [by_chunk[chunk_id]]
    return sources


def guard(state: DraftState, runtime: Runtime[DraftServices]) -> dict[str, Any]:
    """Pseudonymise personal data in the draft, then run the brand/tone/copying validators."""
    services = services_of(runtime)
    language = state.get("language", "en")
    pseudonyms = PseudonymMap.from_dict(state.get("pseudonyms") or {})
    draft = DraftContent.model_validate(state["draft"])
    findings: list[dict[str, Any]] = []
    public = public_names(services)

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


UNSUPPORTED = frozenset({"contradicted", "not_found"})


def blocking_problems(state: DraftState) -> list[str]:
    """What stops a draft from being published: unsupported sentences and blocking guard findings."""
    problems = [
        f'{s["field"]}: sentence {s["verdict"]} — "{s["text"]}" ({s["reason"]})'
        for s in state.get("sentences") or []
        if s.get("verdict") in UNSUPPORTED
    ]
    problems += [
        f"{f.get('validator')}: {f.get('reason')}"
        for f in state.get("guard_findings") or []
        if f.get("severity") == "block"
    ]
    return problems
