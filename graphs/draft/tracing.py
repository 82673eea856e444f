"""OpenTelemetry spans around graph nodes.

LangGraph emits no OpenTelemetry spans of its own; wrapping each node gives one
span per stage (Langfuse picks them up when configured, tests read them from an
in-memory exporter). Only the node name, run id and counts are recorded, never
text, so no personal data reaches a trace.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from opentelemetry import trace

_tracer = trace.get_tracer("copydesk.graph")


def traced(node: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Wrap a node in a span named ``node.<function name>``; keeps the signature LangGraph inspects."""
    name = node.__name__

    @functools.wraps(node)
    def wrapper(*args: Any, **kwargs: Any) -> dict[str, Any]:
        state = args[0] if args else kwargs.get("state", {})
        with _tracer.start_as_current_span(f"node.{name}") as span:
            span.set_attribute("copydesk.run_id", str(state.get("run_id", "")))
            span.set_attribute("copydesk.channel", str(state.get("channel", "")))
            result = node(*args, **kwargs)
            span.set_attribute("copydesk.updated_keys", sorted(result.keys()) if result else [])
            return result

    wrapper.__signature__ = inspect.signature(node)  # type: ignore[attr-defined]
    return wrapper
