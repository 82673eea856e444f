"""The one result shape every guard returns, so the graph and the editor UI need one renderer."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["block", "warn"]


@dataclass(frozen=True)
class GuardFinding:
    """A problem in a text: which check, how bad, why, where (offsets into the checked text).

    ``excerpt`` is the offending text, except for PII findings, whose excerpt is the
    entity placeholder: findings are logged and shown, and must not leak personal data.
    """

    validator: str
    severity: Severity
    reason: str
    start: int
    end: int
    excerpt: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GuardFinding:
        return cls(**{k: data[k] for k in ("validator", "severity", "reason", "start", "end", "excerpt")})


def excerpt_of(text: str, start: int, end: int, limit: int = 160) -> str:
    """The flagged text, shortened in the middle when long (a copied paragraph, say)."""
    snippet = text[start:end]
    if len(snippet) <= limit:
        return snippet
    half = limit // 2 - 2
    return f"{snippet[:half]} … {snippet[-half:]}"
