"""A small OpenAI-compatible chat client with per-task model routing and endpoint fallbacks.

Plain HTTP rather than the OpenAI SDK because copydesk must speak two structured
output dialects (vLLM's ``json_schema`` and llama.cpp's ``json_object`` + ``schema``)
and decide per endpoint, and because fallbacks need to see connection errors and
5xx answers directly.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
from opentelemetry import trace

from serving.observe import call_started

JsonDialect = Literal["json_schema", "json_object"]

_tracer = trace.get_tracer("copydesk.serving")


class LLMUnavailableError(RuntimeError):
    """No configured endpoint answered; the message lists each endpoint and its error."""


class LLMRequestError(RuntimeError):
    """An endpoint answered but refused the request (4xx): retrying elsewhere will not help."""

    def __init__(self, message: str, status_code: int, body: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = body


@dataclass
class Endpoint:
    """One OpenAI-compatible server. ``dialect`` may be corrected at run time (see ``chat``)."""

    base_url: str
    api_key: str = "none"
    dialect: JsonDialect = "json_schema"
    name: str = ""

    def label(self) -> str:
        return self.name or self.base_url


@dataclass
class ChatResult:
    """The text of one completion and where it came from."""

    text: str
    model: str
    endpoint: str
    finish_reason: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)


def response_format_for(dialect: JsonDialect, name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """Build ``response_format`` in the dialect the server understands."""
    if dialect == "json_object":
        return {"type": "json_object", "schema": schema}
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}


class LLMClient:
    """Chat completions against a list of endpoints, first healthy one wins."""

    def __init__(
        self,
        endpoints: Sequence[Endpoint],
        default_model: str,
        routes: Mapping[str, str] | None = None,
        timeout_s: float = 180.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not endpoints:
            raise ValueError("LLMClient needs at least one endpoint")
        self.endpoints = list(endpoints)
        self.default_model = default_model
        self.routes = dict(routes or {})
        self._http = httpx.Client(timeout=timeout_s, transport=transport)

    def model_for(self, task: str) -> str:
        """The model a task is routed to (``COPYDESK_LLM_ROUTES``), else the default."""
        return self.routes.get(task, self.default_model)

    def chat(
        self,
        messages: Sequence[Mapping[str, str]],
        *,
        task: str,
        json_schema: dict[str, Any] | None = None,
        schema_name: str = "output",
        temperature: float = 0.2,
        max_tokens: int = 512,
    ) -> ChatResult:
        """One completion. Connection errors and 5xx move on to the next endpoint.

        A 400 that complains about ``response_format`` flips that endpoint to the other
        JSON dialect once, so a vLLM-vs-llama.cpp mix-up heals itself.
        """
        model = self.model_for(task)
        errors: list[str] = []
        finish = call_started(task, model, messages)  # tracing hook (serving.observe)
        with _tracer.start_as_current_span("llm.chat") as span:
            span.set_attribute("copydesk.task", task)
            span.set_attribute("gen_ai.request.model", model)
            for endpoint in self.endpoints:
                for _attempt in range(2):
                    payload: dict[str, Any] = {
                        "model": model,
                        "messages": list(messages),
                        "temperature": temperature,
                        "max_tokens": max_tokens,
                    }
                    if json_schema is not None:
                        payload["response_format"] = response_format_for(
                            endpoint.dialect, schema_name, json_schema
                        )
                    try:
                        result = self._post(endpoint, payload)
                    except LLMRequestError as exc:
                        if json_schema is not None and "response_format" in exc.body and _attempt == 0:
                            endpoint.dialect = (
                                "json_object" if endpoint.dialect == "json_schema" else "json_schema"
                            )
                            continue
                        finish(None, exc)
                        raise
                    except (httpx.HTTPError, _ServerError) as exc:
                        errors.append(f"{endpoint.label()}: {exc}")
                        break
                    span.set_attribute("copydesk.endpoint", endpoint.label())
                    span.set_attribute("gen_ai.usage.output_tokens", result.usage.get("completion_tokens", 0))
                    finish(result, None)
                    return result
            span.set_attribute("error", True)
        unavailable = LLMUnavailableError("no LLM endpoint answered: " + "; ".join(errors))
        finish(None, unavailable)
        raise unavailable

    def _post(self, endpoint: Endpoint, payload: dict[str, Any]) -> ChatResult:
        started = time.monotonic()
        response = self._http.post(
            f"{endpoint.base_url.rstrip('/')}/chat/completions",
            json=payload,
            headers={"Authorization": f"Bearer {endpoint.api_key}"},
        )
        if response.status_code >= 500:
            raise _ServerError(f"HTTP {response.status_code}: {response.text[:200]}")
        if response.status_code >= 400:
            raise LLMRequestError(
                f"{endpoint.label()} refused the request: HTTP {response.status_code}: {response.text[:300]}",
                response.status_code,
                response.text,
            )
        body = response.json()
        choice = body["choices"][0]
        return ChatResult(
            text=choice["message"].get("content") or "",
            model=body.get("model", payload["model"]),
            endpoint=endpoint.label(),
            finish_reason=choice.get("finish_reason"),
            usage={**body.get("usage", {}), "seconds": round(time.monotonic() - started, 3)},
        )

    def close(self) -> None:
        self._http.close()


class _ServerError(RuntimeError):
    """A 5xx answer: the endpoint is up but broken, so try the next one."""
