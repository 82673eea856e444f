"""Structured output: one helper that asks any endpoint for JSON matching a pydantic model.

It sends the JSON schema in the endpoint's dialect, validates the answer with
pydantic, and on invalid JSON or a validation error retries exactly once, telling
the model what was wrong. A second failure raises :class:`StructuredOutputError`
with both errors, so the caller can fail the step clearly instead of guessing.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from opentelemetry import trace
from pydantic import BaseModel, ValidationError

from serving.client import LLMClient

T = TypeVar("T", bound=BaseModel)

_tracer = trace.get_tracer("copydesk.serving")


class StructuredOutputError(RuntimeError):
    """The model did not produce valid output after one corrective retry."""

    def __init__(self, message: str, raw_outputs: list[str]) -> None:
        super().__init__(message)
        self.raw_outputs = raw_outputs


class StructuredLLM(Protocol):
    """What graph nodes depend on: "give me a T for this task". Fakes implement this in tests."""

    def generate(
        self,
        task: str,
        messages: Sequence[Mapping[str, str]],
        schema: type[T],
        *,
        json_schema: dict[str, Any] | None = None,
        check: Callable[[T], None] | None = None,
        max_tokens: int = 512,
    ) -> T:
        """Return a validated ``schema`` instance or raise StructuredOutputError."""
        ...


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """Resolve ``$ref``/``$defs`` in place: grammar converters handle inline schemas best."""
    defs = schema.get("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                name = node["$ref"].split("/")[-1]
                return resolve(copy.deepcopy(defs[name]))
            return {k: resolve(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


def schema_for(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema of a pydantic model, refs inlined, titles dropped (noise for the model)."""

    def strip_titles(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip_titles(v) for k, v in node.items() if k != "title" or isinstance(v, dict)}
        if isinstance(node, list):
            return [strip_titles(item) for item in node]
        return node

    stripped: dict[str, Any] = strip_titles(inline_refs(model.model_json_schema()))
    return stripped


def parse_json_text(text: str) -> Any:
    """Parse a model's JSON answer, tolerating a Markdown code fence around it."""
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.strip("`")
        stripped = stripped.split("\n", 1)[1] if "\n" in stripped else stripped
    return json.loads(stripped, strict=False)  # raw newlines inside strings are common and harmless


class StructuredClient:
    """:class:`StructuredLLM` over a real :class:`LLMClient`."""

    def __init__(
        self, client: LLMClient, temperature: float = 0.2, temperatures: Mapping[str, float] | None = None
    ) -> None:
        self.client = client
        self.temperature = temperature
        self.temperatures = dict(temperatures or {})

    def temperature_for(self, task: str) -> float:
        """Per-task temperature (0 for deterministic tasks makes their answers cacheable)."""
        return self.temperatures.get(task, self.temperature)

    def generate(
        self,
        task: str,
        messages: Sequence[Mapping[str, str]],
        schema: type[T],
        *,
        json_schema: dict[str, Any] | None = None,
        check: Callable[[T], None] | None = None,
        max_tokens: int = 512,
    ) -> T:
        wire_schema = json_schema or schema_for(schema)
        conversation = [dict(m) for m in messages]
        raw_outputs: list[str] = []
        errors: list[str] = []
        with _tracer.start_as_current_span("llm.structured") as span:
            span.set_attribute("copydesk.task", task)
            span.set_attribute("copydesk.schema", schema.__name__)
            for attempt in range(2):
                result = self.client.chat(
                    conversation,
                    task=task,
                    json_schema=wire_schema,
                    schema_name=schema.__name__,
                    temperature=self.temperature_for(task),
                    max_tokens=max_tokens,
                )
                raw_outputs.append(result.text)
                try:
                    value = schema.model_validate(parse_json_text(result.text))
                    if check is not None:
                        check(value)
                except (json.JSONDecodeError, ValidationError, ValueError) as exc:
                    error = _describe(exc, result.finish_reason)
                    errors.append(error)
                    # The record says this answer was unusable; a cached copy must not be served again.
                    if result.record:
                        result.record["error"] = f"invalid output: {error}"[:500]
                    self.client.invalidate(result)
                    span.add_event("invalid_output", {"attempt": attempt, "error": error[:500]})
                    conversation = [
                        *conversation,
                        {"role": "assistant", "content": result.text[:4000]},
                        {
                            "role": "user",
                            "content": "Your answer was not valid: "
                            + error
                            + "\nAnswer again with only JSON that matches the schema.",
                        },
                    ]
                    continue
                span.set_attribute("copydesk.attempts", attempt + 1)
                return value
            span.set_attribute("error", True)
        raise StructuredOutputError(
            f"{task}: the model returned invalid {schema.__name__} twice: " + " | ".join(errors),
            raw_outputs,
        )


def _describe(exc: Exception, finish_reason: str | None) -> str:
    if isinstance(exc, json.JSONDecodeError):
        cut = " (the answer was cut off at max_tokens)" if finish_reason == "length" else ""
        return f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}{cut}"
    if isinstance(exc, ValidationError):
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:8]]
        return "schema violations: " + "; ".join(problems)
    return str(exc)
