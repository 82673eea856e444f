"""Per-call records (contract 4) and the context that collects them for the node making the calls.

Graph nodes call the model through a narrow interface (``StructuredLLM.generate``)
that returns only the value. Rather than widen it, the client appends a record of
every call to the collector of the current context; a node opens one with
:func:`capture_calls` and returns the records under ``llm_calls`` (an ``operator.add``
list in the draft state). The prompt reference the node passes is part of the
cache key and of the record.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

RECORD_KEYS = (
    "task",
    "endpoint",
    "model",
    "prompt_ref",
    "prompt_tokens",
    "completion_tokens",
    "latency_ms",
    "cost_usd",
    "cache_hit",
    "attempts",
    "error",
)


@dataclass
class CallContext:
    """What the node making calls knows: its prompt, the brand (LoRA adapter choice), the records."""

    prompt_ref: str | None = None
    brand: str | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)


_current: ContextVar[CallContext | None] = ContextVar("copydesk_llm_calls", default=None)


@contextlib.contextmanager
def capture_calls(prompt_ref: str | None = None, brand: str | None = None) -> Iterator[list[dict[str, Any]]]:
    """Collect the records of every model call made inside the block (nested blocks collect separately)."""
    context = CallContext(prompt_ref=prompt_ref, brand=brand)
    token = _current.set(context)
    try:
        yield context.calls
    finally:
        _current.reset(token)


def current() -> CallContext | None:
    return _current.get()


def make_record(
    *,
    task: str,
    endpoint: str,
    model: str,
    prompt_ref: str | None,
    prompt_tokens: int,
    completion_tokens: int,
    latency_ms: int,
    cost_usd: float,
    cache_hit: bool,
    attempts: int,
    error: str | None,
) -> dict[str, Any]:
    """One record with exactly the contract's keys (plain JSON: it is checkpointed)."""
    return {
        "task": task,
        "endpoint": endpoint,
        "model": model,
        "prompt_ref": prompt_ref,
        "prompt_tokens": int(prompt_tokens),
        "completion_tokens": int(completion_tokens),
        "latency_ms": int(latency_ms),
        "cost_usd": float(cost_usd),
        "cache_hit": bool(cache_hit),
        "attempts": int(attempts),
        "error": error,
    }


def emit(record: dict[str, Any]) -> None:
    """Hand a record to the current collector, if a node opened one."""
    context = _current.get()
    if context is not None:
        context.calls.append(record)
