"""Structured output over both dialects, the corrective retry, and endpoint fallbacks (HTTP mocked)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, Field

from serving.client import Endpoint, LLMClient, LLMUnavailableError
from serving.structured import StructuredClient, StructuredOutputError, schema_for


class Plan(BaseModel):
    queries: list[str] = Field(min_length=1)


def completion(content: str, finish: str = "stop") -> dict[str, Any]:
    return {"model": "m", "choices": [{"message": {"content": content}, "finish_reason": finish}], "usage": {}}


class Recorder:
    def __init__(self, answers: list[Any]) -> None:
        self.answers = answers
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.requests.append({"url": str(request.url), **body})
        answer = self.answers.pop(0)
        if isinstance(answer, httpx.Response):
            return answer
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(200, json=completion(answer))


def client_for(recorder: Recorder, *endpoints: Endpoint, routes: dict[str, str] | None = None) -> StructuredClient:
    return StructuredClient(
        LLMClient(
            list(endpoints), "default-model", routes, transport=httpx.MockTransport(recorder), sleep=lambda _s: None
        )
    )


def test_vllm_dialect_sends_json_schema() -> None:
    rec = Recorder(['{"queries": ["a"]}'])
    out = client_for(rec, Endpoint("http://vllm/v1")).generate("rewrite", [{"role": "user", "content": "x"}], Plan)
    assert out.queries == ["a"]
    fmt = rec.requests[0]["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["schema"] == schema_for(Plan)


def test_llama_cpp_dialect_sends_json_object_with_schema() -> None:
    rec = Recorder(['{"queries": ["a"]}'])
    client_for(rec, Endpoint("http://llama/v1", dialect="json_object")).generate("rewrite", [], Plan)
    fmt = rec.requests[0]["response_format"]
    assert fmt == {"type": "json_object", "schema": schema_for(Plan)}


def test_invalid_json_is_retried_once_with_the_error() -> None:
    rec = Recorder(['{"queries": [', '{"queries": ["fixed"]}'])
    out = client_for(rec, Endpoint("http://x/v1")).generate("rewrite", [{"role": "user", "content": "q"}], Plan)
    assert out.queries == ["fixed"]
    retry_messages = rec.requests[1]["messages"]
    assert retry_messages[-1]["role"] == "user" and "invalid JSON" in retry_messages[-1]["content"]


def test_two_invalid_answers_fail_clearly() -> None:
    rec = Recorder(['{"queries": []}', "not json"])
    with pytest.raises(StructuredOutputError) as caught:
        client_for(rec, Endpoint("http://x/v1")).generate("rewrite", [], Plan)
    assert "invalid Plan twice" in str(caught.value) and len(caught.value.raw_outputs) == 2
    assert "queries" in str(caught.value)


def test_down_endpoint_is_retried_once_then_falls_back_to_the_next() -> None:
    rec = Recorder([httpx.ConnectError("refused"), httpx.ConnectError("refused"), '{"queries": ["b"]}'])
    out = client_for(rec, Endpoint("http://primary/v1"), Endpoint("http://fallback/v1")).generate("draft", [], Plan)
    assert out.queries == ["b"]
    assert [r["url"].split("/")[2] for r in rec.requests] == ["primary", "primary", "fallback"]


def test_all_endpoints_down_is_a_clear_error() -> None:
    rec = Recorder([httpx.ConnectError("refused")] * 2 + [httpx.Response(503, text="overloaded")] * 2)
    with pytest.raises(LLMUnavailableError, match=r"primary.*refused.*fallback.*503"):
        client_for(rec, Endpoint("http://primary/v1"), Endpoint("http://fallback/v1")).generate("draft", [], Plan)


def test_wrong_dialect_is_corrected_once() -> None:
    rec = Recorder([httpx.Response(400, text="response_format type json_schema not supported"), '{"queries": ["c"]}'])
    endpoint = Endpoint("http://llama/v1", dialect="json_schema")
    client_for(rec, endpoint).generate("rewrite", [], Plan)
    assert rec.requests[1]["response_format"]["type"] == "json_object" and endpoint.dialect == "json_object"


def test_models_are_routed_per_task() -> None:
    rec = Recorder(['{"queries": ["a"]}', '{"queries": ["a"]}'])
    client = client_for(rec, Endpoint("http://x/v1"), routes={"draft": "big-awq"})
    client.generate("draft", [], Plan)
    client.generate("rewrite", [], Plan)
    assert [r["model"] for r in rec.requests] == ["big-awq", "default-model"]
