"""The draft graph's state: everything a run knows, checkpointed after every step.

Values are plain JSON (dicts, lists, strings) on purpose: a run waiting for an
editor is restored in another process, possibly on another version of the code,
and plain data survives that where pickled objects do not.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal

# typing_extensions' TypedDict: on Python 3.11 pydantic (and so LangGraph Server's schema endpoint)
# cannot describe typing.TypedDict.
from typing_extensions import TypedDict


def merge_dicts(left: dict[str, Any] | None, right: dict[str, Any] | None) -> dict[str, Any]:
    """Reducer for maps that grow over a run (e.g. every prompt used, by ref)."""
    return {**(left or {}), **(right or {})}


# Every status a run can have. The graph itself only ever writes "running", "published" and
# "rejected"; the rest belong to whoever drives it. The transitions between them live in
# app/run_status.py (graphs never import app), which checks at import time that its enum
# has exactly these values.
RunStatus = Literal["queued", "running", "awaiting_review", "published", "rejected", "failed", "cancelled"]


class DraftInput(TypedDict, total=False):
    """What a caller provides to start a run."""

    run_id: str
    brief: str
    channel: str
    language: Literal["de", "en"]
    product_id: str | None
    campaign_id: str | None
    pseudonyms: dict[str, Any]
    brief_findings: list[dict[str, Any]]


class DraftState(DraftInput, total=False):
    """Input plus every stage's output."""

    status: RunStatus
    scrubbed_brief: str
    queries: list[str]
    brand: dict[str, Any]  # issue 8: company, brand_voice, audience, fixed when the run starts
    source_plan: dict[str, Any]  # issue 8: product focus (product id, language of its pages, translation)
    candidates: list[dict[str, Any]]
    sources: list[dict[str, Any]]
    dropped_sources: list[dict[str, Any]]
    draft: dict[str, Any]
    prompt_ref: str
    prompt_hash: str
    prompts_used: Annotated[dict[str, str], merge_dicts]  # {"draft/seo_article@v2": "sha256:..."}
    verdicts: list[dict[str, Any]]  # legacy claim-level verdicts (no longer written; read `sentences`)
    sentences: list[dict[str, Any]]  # one verdict per published sentence (COORDINATION contract 1)
    guard_findings: list[dict[str, Any]]
    pii_findings: list[dict[str, Any]]
    revision: int
    feedback: list[str]
    decision: dict[str, Any]
    last_decision_id: str
    review_message: str
    published: dict[str, str]
    events: Annotated[list[dict[str, Any]], operator.add]
    # One record per model call (contract 4, see serving/records.py): task, endpoint, model,
    # prompt_ref, tokens, latency_ms, cost_usd, cache_hit, attempts, error. Appended by every node.
    llm_calls: Annotated[list[dict[str, Any]], operator.add]
