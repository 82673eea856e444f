"""What the real Langfuse SDK exports for a run, captured at a local OTLP HTTP receiver.

The receiver stands in for a Langfuse v4 server: ``/api/public/otel/v1/traces`` (OTLP
protobuf, gzip) and ``/api/public/scores`` (JSON). The model is a scripted
OpenAI-compatible server, so the real client, graph, stores, Presidio and guards run.
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from app import tracing
from app.runner import DraftRunner
from app.runs import RunRegistry
from app.settings import Settings
from graphs.draft import tracing as node_tracing
from prompts import load_prompt
from serving.client import Endpoint, LLMClient
from serving.structured import StructuredClient
from tests.unit.graph_support import build_services
from tests.unit.test_cli_flow import answer_for

CANARIES = ("Mustermann", "erika.canary@example.org", "DE89370400440532013000", "DE89 3704 0044 0532 0130 00")
BRIEF = (
    "Mail Erika Mustermann (erika.canary@example.org, IBAN DE89 3704 0044 0532 0130 00) "
    "about the price of the Acme Kettle K1."
)


@dataclass
class Captured:
    spans: list[dict[str, Any]] = field(default_factory=list)
    scores: list[dict[str, Any]] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    delay_s: float = 0.0


def _value(any_value: Any) -> Any:
    kind = any_value.WhichOneof("value")
    if kind == "array_value":
        return [_value(v) for v in any_value.array_value.values]
    return getattr(any_value, kind) if kind else None


def _receiver(captured: Captured) -> type[BaseHTTPRequestHandler]:
    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if captured.delay_s:
                time.sleep(captured.delay_s)
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            captured.raw.append(body)
            captured.paths.append(self.path)
            answer = b"{}"
            if self.path == "/api/public/otel/v1/traces":
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                for resource_spans in request.resource_spans:
                    for scope_spans in resource_spans.scope_spans:
                        for span in scope_spans.spans:
                            captured.spans.append(
                                {
                                    "name": span.name,
                                    "scope": scope_spans.scope.name,
                                    "trace_id": span.trace_id.hex(),
                                    "span_id": span.span_id.hex(),
                                    "parent_id": span.parent_span_id.hex(),
                                    "attributes": {a.key: _value(a.value) for a in span.attributes},
                                    "duration_s": (span.end_time_unix_nano - span.start_time_unix_nano) / 1e9,
                                }
                            )
            elif self.path == "/api/public/scores":
                items = json.loads(body)
                captured.scores.extend(items if isinstance(items, list) else [items])
                answer = json.dumps({"accepted": len(captured.scores), "rejected": 0, "errors": []}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            return

    return Receiver


class ScriptedModel(BaseHTTPRequestHandler):
    """OpenAI-compatible answers with token usage, like vLLM."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        payload = json.dumps(
            {
                "model": body["model"],
                "choices": [{"message": {"content": json.dumps(answer_for(body))}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 321, "completion_tokens": 45, "total_tokens": 366},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        return


def _serve(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def model_url() -> Iterator[str]:
    server, url = _serve(ScriptedModel)
    yield url + "/v1"
    server.shutdown()


@pytest.fixture
def captured() -> Iterator[tuple[Captured, str]]:
    box = Captured()
    server, url = _serve(_receiver(box))
    yield box, url
    server.shutdown()


@pytest.fixture(autouse=True)
def no_tracing_left() -> Iterator[None]:
    yield
    tracing.shutdown_tracing(timeout_s=3)
    assert node_tracing.installed() is None


def _runner(root: Path, model_url: str) -> tuple[DraftRunner, RunRegistry]:
    from langgraph.checkpoint.memory import InMemorySaver

    llm = StructuredClient(LLMClient([Endpoint(model_url, dialect="json_schema")], "scripted-7b"))
    services = build_services(root, llm, max_revisions=0)
    registry = RunRegistry(None, root / "runs.sqlite")
    return DraftRunner(services, InMemorySaver(), registry), registry


def _settings(url: str, **extra: Any) -> Settings:
    return Settings(
        langfuse_public_key=f"pk-lf-{uuid.uuid4().hex[:8]}",
        langfuse_secret_key="sk-lf-test",
        langfuse_host=url,
        langfuse_flush_interval_s=0.2,
        llm_prices={"scripted-7b": {"input": 1.0, "output": 2.0}},
        **extra,
    )


def test_a_run_is_one_trace_with_nodes_generations_scores_and_no_pii(
    tmp_path: Path, model_url: str, captured: tuple[Captured, str]
) -> None:
    box, url = captured
    assert tracing.setup_tracing(_settings(url, langfuse_capture_text=True))
    runner, registry = _runner(tmp_path, model_url)
    try:
        run_id = runner.create(BRIEF, channel="crm_email", language="en", campaign_id="winter-2026", actor="ops-olga")
        view = runner.run(run_id)
        assert view.status == "awaiting_review"
        view = runner.resume(run_id, {"action": "reject", "feedback": "Too long", "editor": "editor-anna"})
        assert view.status == "rejected"
    finally:
        registry.close()
    assert tracing.flush_tracing(10)

    spans = box.spans
    assert spans, f"nothing exported (paths seen: {box.paths})"
    # one trace for the first drive and the resume
    assert {s["trace_id"] for s in spans} == {tracing.trace_id_for(run_id)}
    assert all(s["scope"] == "langfuse-sdk" for s in spans)
    names = [s["name"] for s in spans]
    for node in (
        "prepare_brief",
        "rewrite_queries",
        "retrieve",
        "rerank",
        "select_sources",
        "write_draft",
        "fact_check",
        "guard",
        "review",
        "reject",
    ):
        assert node in names, f"{node} missing from {names}"
    assert names.count("review") == 2 and {"run.start", "run.resume"} <= set(names)
    by_name = {s["name"]: s for s in spans}
    assert by_name["retrieve"]["attributes"]["langfuse.observation.type"] == "retriever"
    assert by_name["guard"]["attributes"]["langfuse.observation.type"] == "guardrail"
    # nodes hang under the drive's root observation, generations under their node
    span_ids = {s["span_id"]: s for s in spans}
    assert span_ids[by_name["write_draft"]["parent_id"]]["name"] == "run.start"
    generations = [s for s in spans if s["attributes"].get("langfuse.observation.type") == "generation"]
    assert {span_ids[g["parent_id"]]["name"] for g in generations} == {"rewrite_queries", "write_draft"}
    draft_gen = next(g for g in generations if g["name"] == "llm.draft")["attributes"]
    current = load_prompt("draft/crm_email")
    assert draft_gen["langfuse.observation.prompt.name"] == "draft/crm_email"
    assert draft_gen["langfuse.observation.prompt.version"] == current.version
    assert draft_gen["langfuse.observation.model.name"] == "scripted-7b"
    usage = json.loads(draft_gen["langfuse.observation.usage_details"])
    assert usage == {"input": 321, "output": 45, "total": 366}
    cost = json.loads(draft_gen["langfuse.observation.cost_details"])
    assert cost["total"] == pytest.approx((321 * 1.0 + 45 * 2.0) / 1e6)
    assert json.loads(draft_gen["langfuse.observation.metadata.prompt_hash"]) == current.hash
    rewrite_gen = next(g for g in generations if g["name"] == "llm.rewrite")["attributes"]
    assert rewrite_gen["langfuse.observation.prompt.name"] == "rewrite/queries"
    # campaign as session, the identity as user, on every observation
    assert {s["attributes"].get("session.id") for s in spans} == {"winter-2026"}
    # the user: whoever queued the run until an editor decides, then the deciding editor
    assert {s["attributes"].get("user.id") for s in spans} == {"ops-olga", "editor-anna"}
    assert by_name["write_draft"]["attributes"]["user.id"] == "ops-olga"
    assert by_name["reject"]["attributes"]["user.id"] == "editor-anna"

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len({s["name"] for s in box.scores}) < 5:
        time.sleep(0.1)
    scores = {s["name"]: s for s in box.scores}
    # title and meta description are supported; the sentence with the wrong price is contradicted
    assert scores["factcheck_supported_ratio"]["value"] == pytest.approx(2 / 3)
    assert scores["factcheck_unsupported"]["value"] == 1.0
    assert scores["guard_passed"]["dataType"] == "BOOLEAN"
    assert scores["editor_decision"]["value"] == "reject"
    assert {s["traceId"] for s in box.scores} == {tracing.trace_id_for(run_id)}

    dumped = b"".join(box.raw).decode("utf-8", "replace")
    assert "<PERSON_1>" in dumped  # text capture is on: the pseudonymised brief went out ...
    for canary in CANARIES:  # ... but no planted personal data
        assert canary not in dumped, canary


def test_mask_hook_masks_nested_personal_data() -> None:
    masked = tracing.mask_for_export(
        data={"a": ["write to erika.canary@example.org", {"iban": "DE89 3704 0044 0532 0130 00"}], "n": 3}
    )
    assert masked == {"a": ["write to <EMAIL>", {"iban": "<IBAN>"}], "n": 3}
    assert tracing.mask_text("call +49 170 1234567 now") == "call <PHONE> now"


def test_off_without_keys(tmp_path: Path, model_url: str) -> None:
    assert tracing.setup_tracing(Settings()) is False
    assert tracing.tracing_client() is None and node_tracing.installed() is None
    runner, registry = _runner(tmp_path, model_url)
    try:
        assert runner.start(BRIEF, channel="crm_email", language="en").status == "awaiting_review"
    finally:
        registry.close()
    tracing.score_run("x", "anything", 1.0)  # a no-op, not an error


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _timed_run(root: Path, model_url: str) -> float:
    runner, registry = _runner(root, model_url)
    try:
        started = time.perf_counter()
        run_id = runner.start(BRIEF, channel="crm_email", language="en", campaign_id="c").run_id
        runner.resume(run_id, {"action": "reject", "feedback": "no"})
        return time.perf_counter() - started
    finally:
        registry.close()


@pytest.mark.parametrize("server", ["closed port", "slow receiver"])
def test_a_langfuse_server_that_is_down_never_blocks_a_run(
    tmp_path: Path, model_url: str, captured: tuple[Captured, str], server: str
) -> None:
    _timed_run(tmp_path / "warm", model_url)  # imports, Presidio and the index warm up once
    untraced = _timed_run(tmp_path / "plain", model_url)
    box, url = captured
    box.delay_s = 30.0  # answers long after every client timeout
    target = _closed_port_url() if server == "closed port" else url
    assert tracing.setup_tracing(_settings(target, langfuse_shutdown_timeout_s=2.0))
    traced = _timed_run(tmp_path / "traced", model_url)
    assert traced < untraced * 1.5 + 1.0, f"traced run {traced:.2f}s vs {untraced:.2f}s untraced ({server})"
    started = time.perf_counter()
    tracing.shutdown_tracing()  # bounded: the process may exit even though nothing was delivered
    assert time.perf_counter() - started < 3.0


def test_generations_read_llm_call_records_when_nodes_provide_them(
    captured: tuple[Captured, str], model_url: str
) -> None:
    """Contract 4: a node's ``llm_calls`` records win over the client's own usage (cost, cache hit, prompt)."""
    box, url = captured
    assert tracing.setup_tracing(_settings(url))
    client = LLMClient([Endpoint(model_url, dialect="json_schema")], "scripted-7b")
    record = {
        "task": "draft",
        "endpoint": "vllm-a",
        "model": "qwen-32b-awq",
        "prompt_ref": "draft/seo_article@v1",
        "prompt_tokens": 1000,
        "completion_tokens": 200,
        "latency_ms": 812.0,
        "cost_usd": 0.0042,
        "cache_hit": True,
        "attempts": 1,
        "error": None,
    }

    def write_draft(state: dict[str, Any]) -> dict[str, Any]:
        client.chat([{"role": "user", "content": "Rewrite: QueryPlan"}], task="draft")
        return {"llm_calls": [record]}

    def fact_check(state: dict[str, Any]) -> dict[str, Any]:  # records without a client call
        return {"llm_calls": [{**record, "task": "judge", "prompt_ref": "factcheck/entailment@v1", "cost_usd": 0.001}]}

    with tracing.run_trace("run-records", action="start", campaign_id="c1"):
        node_tracing.traced(write_draft)({"run_id": "run-records"})
        node_tracing.traced(fact_check)({"run_id": "run-records"})
    assert tracing.flush_tracing(10)
    generations = {
        s["name"]: s["attributes"]
        for s in box.spans
        if s["attributes"].get("langfuse.observation.type") == "generation"
    }
    draft = generations["llm.draft"]
    assert draft["langfuse.observation.model.name"] == "qwen-32b-awq"
    assert json.loads(draft["langfuse.observation.usage_details"]) == {"input": 1000, "output": 200, "total": 1200}
    assert json.loads(draft["langfuse.observation.cost_details"]) == {"total": 0.0042}
    assert draft["langfuse.observation.prompt.name"] == "draft/seo_article"
    assert draft["langfuse.observation.prompt.version"] == 1
    assert json.loads(draft["langfuse.observation.metadata.cache_hit"]) is True
    judge = generations["llm.judge"]
    assert judge["langfuse.observation.prompt.name"] == "factcheck/entailment"
