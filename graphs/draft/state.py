"""The draft graph's state: everything a run knows, checkpointed after every step.

Values are plain JSON (dicts, lists, strings) on purpose: a run waiting for an
editor is restored in another process, possibly on another version of the code,
and plain data survives that where pickled objects do not.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal, TypedDict

RunStatus = Literal["running", "awaiting_review", "published", "rejected", "failed"]


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
    candidates: list[dict[str, Any]]
    sources: list[dict[str, Any]]
    dropped_sources: list[dict[str, Any]]
    draft: dict[str, Any]
    prompt_ref: str
    verdicts: list[dict[str, Any]]
    guard_findings: list[dict[str, Any]]
    pii_findings: list[dict[str, Any]]
    revision: int
    feedback: list[str]
    decision: dict[str, Any]
    review_message: str
    published: dict[str, str]
    events: Annotated[list[dict[str, Any]], operator.add]
    # One record per model call (contract 4, see serving/records.py): task, endpoint, model,
    # prompt_ref, tokens, latency_ms, cost_usd, cache_hit, attempts, error. Appended by every node.
    llm_calls: Annotated[list[dict[str, Any]], operator.add]
