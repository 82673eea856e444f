"""The fact-checker's input and output shapes.

Pydantic, like every other shared shape in copydesk, so that verdicts can sit in a
LangGraph checkpoint and be shown to the editor without custom serialisers.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Verdict = Literal["supported", "contradicted", "not_found"]


class Claim(BaseModel):
    """One checkable statement of a draft and the chunk ids the draft cites for it."""

    text: str
    chunk_ids: list[str] = Field(default_factory=list)


class EvidenceSpan(BaseModel):
    """A character span of a chunk's ``text`` that a verdict rests on."""

    chunk_id: str
    start: int
    end: int
    text: str
    cited: bool = True


class ClaimVerdict(BaseModel):
    """The verdict on one claim.

    ``reason`` is written for people and for the revise step ("price 1.299 € not in
    cited source; source says 1.199 €"); ``score`` is the support score in [0, 1] of
    the entailment step (1.0 or 0.0 when an exact-match rule decided).
    """

    claim: Claim
    verdict: Verdict
    evidence: list[EvidenceSpan] = Field(default_factory=list)
    reason: str
    score: float = 0.0
