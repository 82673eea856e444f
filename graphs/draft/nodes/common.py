"""Helpers shared by nodes: event records, model-call records, converting service results to plain data."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from serving.records import capture_calls

#: ``with llm_calls(prompt.ref) as calls: ...`` then return ``{"llm_calls": calls, ...}``: the records of
#: every model call the node made (tokens, latency, cost, who served it) land in the run state.
llm_calls = capture_calls


def event(node: str, **details: Any) -> dict[str, Any]:
    """One entry of the run's event log (kept in state, shown to editors, never holds raw PII)."""
    return {"node": node, "at": datetime.now(UTC).isoformat(timespec="milliseconds"), **details}


def as_plain(value: Any) -> Any:
    """Pydantic models and dataclasses to JSON-able dicts, recursively."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: as_plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, list | tuple):
        return [as_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: as_plain(v) for k, v in value.items()}
    return value
