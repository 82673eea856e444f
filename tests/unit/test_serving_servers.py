"""Serving against real local HTTP servers: fallback through a whole run, cache hits counted at the server.

The model is a scripted OpenAI-compatible server on 127.0.0.1 (vLLM dialect) that
counts the requests it answers; the primary endpoint is a port nobody listens on.
Everything else is real: settings, registry, client, SQLite/Redis cache, graph,
stores, CLI and the API's response model.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from app import cli
from app.llm_usage import usage_stats
from app.routers.schemas import from_view as _from_view
from app.settings import Settings, get_settings
from serving.cache import RedisResponseCache, SQLiteResponseCache
from serving.client import LLMClient
from serving.records import capture_calls
from serving.registry import Endpoint, ModelRegistry
from serving.structured import StructuredClient
from tests.unit.test_cli_flow import answer_for


class QueryPlan(BaseModel):
    keyword_query: str


class CountingServer:
    """A scripted OpenAI-compatible server that counts requests by schema name (or 'text')."""

    def __init__(self, answer: Any = answer_for) -> None:
        self.counts: Counter[str] = Counter()
        self.bodies: list[dict[str, Any]] = []
        counts, bodies = self.counts, self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                name = body.get("response_format", {}).get("json_schema", {}).get("name", "text")
                counts[name] += 1
                bodies.append(body)
                content = json.dumps(answer(body)) if name != "text" else "The Acme Kettle K1 holds 1.7 litres."
                usage = {"prompt_tokens": 300, "completion_tokens": 40, "total_tokens": 340}
                if body.get("stream"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    for piece in (content[:10], content[10:]):
                        chunk = {"choices": [{"delta": {"content": piece}, "finish_reason": None}]}
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.write(f"data: {json.dumps({'choices': [], 'usage': usage})}\n\n".encode())
                    self.wfile.write(b"data: [DONE]\n\n")
                    return
                payload = json.dumps(
                    {
                        "model": body["model"],
                        "choices": [{"message": {"content": content}, "finish_reason": "stop"}],
                        "usage": usage,
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"  # closed again: connections are refused


@pytest.fixture
def server() -> Iterator[CountingServer]:
    scripted = CountingServer()
    yield scripted
    scripted.stop()


def plan_client(url: str, cache: Any) -> StructuredClient:
    registry = ModelRegistry([Endpoint(url, name="local", model="m")])
    return StructuredClient(LLMClient(registry, cache=cache, sleep=lambda _s: None), temperature=0.0)


MESSAGES = [{"role": "user", "content": "Plan queries for the Acme Kettle K1."}]


def test_sqlite_cache_hit_makes_no_model_call(server: CountingServer, tmp_path: Path) -> None:
    cache = SQLiteResponseCache(tmp_path / "llm.sqlite")
    llm = plan_client(server.url, cache)
    with capture_calls("rewrite/queries@v1") as calls:
        first = llm.generate("rewrite", MESSAGES, QueryPlan)
        second = llm.generate("rewrite", MESSAGES, QueryPlan)
    assert first == second and server.counts["QueryPlan"] == 1, "the second call was served from the cache"
    assert [c["cache_hit"] for c in calls] == [False, True]
    assert calls[1]["cost_usd"] == 0.0 and calls[1]["attempts"] == 0 and calls[1]["endpoint"] == "local"
    with capture_calls("rewrite/queries@v2"):
        llm.generate("rewrite", MESSAGES, QueryPlan)
    assert server.counts["QueryPlan"] == 2, "another prompt version is another key"
    reopened = plan_client(server.url, SQLiteResponseCache(tmp_path / "llm.sqlite"))
    with capture_calls("rewrite/queries@v1"):
        reopened.generate("rewrite", MESSAGES, QueryPlan)
    assert server.counts["QueryPlan"] == 2, "the cache is persisted"
    hot = StructuredClient(llm.client, temperature=0.7)
    with capture_calls("rewrite/queries@v1"):
        hot.generate("rewrite", MESSAGES, QueryPlan)
    assert server.counts["QueryPlan"] == 3, "sampled (temperature > 0) calls are never cached"


def test_an_invalid_cached_answer_is_dropped_not_served_again(tmp_path: Path) -> None:
    answers = iter([{"wrong": 1}, {"keyword_query": "kettle"}, {"keyword_query": "kettle"}])
    scripted = CountingServer(answer=lambda body: next(answers))
    try:
        cache = SQLiteResponseCache(tmp_path / "llm.sqlite")
        llm = plan_client(scripted.url, cache)
        with capture_calls() as calls:
            assert llm.generate("rewrite", MESSAGES, QueryPlan).keyword_query == "kettle"
        assert calls[0]["error"].startswith("invalid output") and calls[1]["error"] is None
        with capture_calls() as again:
            llm.generate("rewrite", MESSAGES, QueryPlan)
        assert scripted.counts["QueryPlan"] == 3 and not again[0]["cache_hit"], "the invalid first answer was not kept"
    finally:
        scripted.stop()


def test_redis_cache_shares_hits_between_clients(server: CountingServer) -> None:
    redis = pytest.importorskip("redis")
    prefix = f"copydesk-test-13:{uuid.uuid4().hex[:8]}:"
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0").ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    try:
        first = plan_client(server.url, RedisResponseCache("redis://127.0.0.1:6379/0", prefix=prefix, ttl_s=300))
        second = plan_client(server.url, RedisResponseCache("redis://127.0.0.1:6379/0", prefix=prefix, ttl_s=300))
        with capture_calls() as calls:
            first.generate("rewrite", MESSAGES, QueryPlan)
            second.generate("rewrite", MESSAGES, QueryPlan)
        assert server.counts["QueryPlan"] == 1 and calls[1]["cache_hit"]
        keys = redis.Redis.from_url("redis://127.0.0.1:6379/0").keys(prefix + "*")
        assert len(keys) == 1
    finally:
        client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
        for key in client.scan_iter(prefix + "*"):
            client.delete(key)


def test_streaming_yields_deltas_and_records_usage(server: CountingServer) -> None:
    llm = LLMClient(
        ModelRegistry([Endpoint(dead_url(), name="down"), Endpoint(server.url, name="local")]),
        "m",
        sleep=lambda _s: None,
    )
    with capture_calls() as calls:
        text = "".join(llm.stream([{"role": "user", "content": "hi"}], task="draft", max_tokens=40))
    assert text == "The Acme Kettle K1 holds 1.7 litres."
    assert calls[0]["endpoint"] == "local" and calls[0]["completion_tokens"] == 40 and calls[0]["attempts"] == 2


@pytest.fixture
def fallback_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: CountingServer) -> Iterator[CliRunner]:
    """Primary endpoint down (refused), the scripted server as the only fallback, prices in the registry."""
    monkeypatch.setenv("COPYDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COPYDESK_LLM_CAPABLE", "false")
    monkeypatch.setenv("COPYDESK_MAX_REVISIONS", "0")
    monkeypatch.setenv(
        "COPYDESK_LLM_ENDPOINTS",
        json.dumps(
            [
                {
                    "name": "gpu-primary",
                    "base_url": dead_url(),
                    "model": "qwen2.5-14b-awq",
                    "price_in_per_m": 0.4,
                    "price_out_per_m": 1.2,
                },
                {
                    "name": "gpu-spare",
                    "base_url": server.url,
                    "model": "qwen2.5-7b-awq",
                    "tasks": ["eval_judge"],
                    "price_in_per_m": 0.1,
                    "price_out_per_m": 0.3,
                },
            ]
        ),
    )
    monkeypatch.setenv("COPYDESK_LLM_FALLBACK_BASE_URLS", '["gpu-spare"]')
    monkeypatch.setenv("COPYDESK_LLM_BACKOFF_BASE_S", "0.01")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_primary_down_every_task_completes_through_the_fallback_and_the_run_says_so(
    fallback_env: CliRunner, corpus_dir: Path, server: CountingServer
) -> None:
    assert fallback_env.invoke(cli.app, ["ingest", str(corpus_dir)]).exit_code == 0
    args = ["draft", "--brief", "Acme Kettle K1 price", "--channel", "product_description", "--campaign", "winter"]
    drafted = fallback_env.invoke(cli.app, args)
    assert drafted.exit_code == 0, drafted.output
    run_id = re.search(r"run ([0-9a-f]{12})", drafted.output).group(1)
    assert "waiting for review" in drafted.output

    settings = get_settings()
    with cli._runner(settings) as runner:
        view = runner.get(run_id)
        calls = view.state["llm_calls"]
        assert [c["task"] for c in calls] == ["rewrite", "draft"]
        assert {(c["endpoint"], c["model"]) for c in calls} == {("gpu-spare", "qwen2.5-7b-awq")}
        assert all(c["error"] is None for c in calls)
        # rewrite: refused twice at the primary, served by the spare; draft: the third refusal opened the
        # primary's breaker, so its retry was skipped and the spare answered at once.
        assert [c["attempts"] for c in calls] == [3, 2]
        assert calls[0]["prompt_ref"].startswith("rewrite/queries@v") and calls[1]["prompt_ref"].startswith("draft/")
        expected = 2 * (300 * 0.1e-6 + 40 * 0.3e-6)
        assert view.usage["cost_usd"] == pytest.approx(expected)
        out = _from_view(view).model_dump()
        assert out["usage"]["by_model"]["gpu-spare/qwen2.5-7b-awq"]["calls"] == 2

    shown = fallback_env.invoke(cli.app, ["show", run_id])
    assert "model calls" in shown.output and "gpu-spare" in shown.output and "qwen2.5-7b-awq" in shown.output

    # The same brief again: query rewriting (temperature 0) is a cache hit, not a request; drafting is sampled.
    before = server.counts["QueryPlan"]
    again = fallback_env.invoke(cli.app, args)
    assert again.exit_code == 0, again.output
    assert server.counts["QueryPlan"] == before, "a cache hit makes no model call"
    with cli._runner(settings) as runner:
        stats = usage_stats(runner, campaign_id="winter")
    assert stats["runs"] == 2 and stats["calls"] == 4 and stats["cache_hits"] == 1
    assert stats["cost_usd"] == pytest.approx(3 * (300 * 0.1e-6 + 40 * 0.3e-6))


def test_registry_file_and_embedded_fallback_by_name(tmp_path: Path) -> None:
    registry_file = tmp_path / "models.yaml"
    registry_file.write_text(
        "endpoints:\n"
        "  - {name: big, base_url: 'http://gpu:8000/v1', model: qwen2.5-14b-awq, tasks: [draft, revise],"
        " quantization: awq_marlin, context_length: 16384, gpu_hour_usd: 2.5, assumed_output_tokens_per_s: 900}\n"
        "  - {name: small, base_url: 'http://gpu:8001/v1', model: llama3.1-8b-fp8, tasks: [rewrite]}\n"
        "fallbacks: [small]\n",
        encoding="utf-8",
    )
    from app.llm_services import build_registry

    settings = Settings(
        data_dir=tmp_path,
        llm_registry_file=registry_file,
        llm_fallback_base_urls=["embedded"],
        llm_endpoints=[{"name": "embedded", "price_in_per_m": 0.01}],
    )
    registry = build_registry(settings)
    assert [e.label() for e in registry.chain("draft")] == ["big", "small", "embedded"]
    assert [e.label() for e in registry.chain("factcheck_judge")] == ["small", "embedded"]
    embedded = registry.get("embedded")
    assert embedded.model == "smollm2-135m" and embedded.price_in_per_m == 0.01 and embedded.measure_speed
    only_embedded = build_registry(Settings(data_dir=tmp_path))
    assert [e.label() for e in only_embedded.chain("draft")] == ["embedded"]


def test_a_slow_embedded_call_is_retried_once_with_a_deadline_from_its_measured_speed() -> None:
    """The issue-13 failure: one slow call under load must not fail the run."""
    import time as _time

    from serving.timeouts import TimeoutPolicy

    delays = iter([1.5])  # the (streamed) speed probe is fast; the first real call stalls past its deadline

    def slow_answer(body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("stream"):
            _time.sleep(next(delays, 0.0))
        return {"keyword_query": "kettle"}

    scripted = CountingServer(answer=slow_answer)
    try:
        registry = ModelRegistry.build([], ["embedded"], {"model": "smollm2-135m", "dialect": "json_schema"})
        policy = TimeoutPolicy(base_s=0.2, floor_s=0.5, safety=1.0, ceiling_s=30.0)
        client = LLMClient(registry, embedded_starter=lambda: scripted.url, timeouts=policy, sleep=lambda _s: None)
        structured = StructuredClient(client, temperature=0.0)
        with capture_calls() as calls:
            assert structured.generate("revise", MESSAGES, QueryPlan, max_tokens=40).keyword_query == "kettle"
        speed = client.runtime("embedded").speed
        assert speed is not None and speed.samples >= 2, "measured by the probe, corrected by the timeout"
        assert calls[0]["attempts"] == 2 and calls[0]["error"] is None and calls[0]["endpoint"] == "embedded"
        assert registry.get("embedded").serial and registry.get("embedded").measure_speed
    finally:
        scripted.stop()
