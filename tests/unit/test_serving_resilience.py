"""Registry routing, fallbacks, retries, rate limit, circuit breaker, deadlines, cost and call records.

HTTP is a MockTransport here (each request is answered per host, so the tests see
exactly which endpoint was asked, in which order, with which timeout); the same
behaviour is exercised against real local servers in test_serving_servers.py.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from serving.breaker import CircuitBreaker
from serving.client import LLMClient, LLMRequestError, LLMUnavailableError, RetryPolicy
from serving.cost import call_cost_usd, summarise_calls, summarise_runs
from serving.ratelimit import TokenBucket
from serving.records import RECORD_KEYS, capture_calls
from serving.registry import Endpoint, ModelRegistry, RegistryError, endpoint_from_dict
from serving.timeouts import SpeedMeter, TimeoutPolicy


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def ok(text: str = "hi", prompt: int = 100, completion: int = 20, model: str | None = None) -> dict[str, Any]:
    usage = {"prompt_tokens": prompt, "completion_tokens": completion}
    return {"choices": [{"message": {"content": text}, "finish_reason": "stop"}], "usage": usage, "model": model}


class Hosts:
    """Per-host queues of answers (a dict, an httpx.Response or an exception); records every request."""

    def __init__(self, **answers: list[Any]) -> None:
        self.answers = answers
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        body = json.loads(request.content)
        self.requests.append({"host": host, "timeout": request.extensions["timeout"]["read"], **body})
        queue = self.answers[host]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(200, json={**answer, "model": answer.get("model") or body["model"]})

    def hosts(self) -> list[str]:
        return [r["host"] for r in self.requests]


def registry() -> ModelRegistry:
    return ModelRegistry.build(
        [
            Endpoint(
                "http://big/v1",
                name="big",
                model="qwen-14b-awq",
                tasks=("draft", "revise"),
                price_in_per_m=0.5,
                price_out_per_m=1.5,
            ),
            Endpoint(
                "http://small/v1",
                name="small",
                model="llama-8b-fp8",
                tasks=("rewrite", "factcheck_judge"),
                gpu_hour_usd=3.6,
                assumed_output_tokens_per_s=1000.0,
            ),
            Endpoint("http://spare/v1", name="spare", model="qwen-7b-awq", tasks=()),
        ],
        fallbacks=["spare"],
    )


def client(hosts: Hosts, reg: ModelRegistry | None = None, **kwargs: Any) -> LLMClient:
    kwargs.setdefault("sleep", lambda _s: None)
    return LLMClient(reg or registry(), "unused", transport=httpx.MockTransport(hosts), **kwargs)


def test_each_task_is_routed_to_its_endpoint_and_model() -> None:
    hosts = Hosts(big=[ok()], small=[ok()], spare=[ok()])
    llm = client(hosts)
    for task in ("draft", "revise", "rewrite", "factcheck_judge", "eval_judge"):
        llm.chat([{"role": "user", "content": "x"}], task=task)
    assert hosts.hosts() == ["big", "big", "small", "small", "spare"]
    assert [r["model"] for r in hosts.requests] == [
        "qwen-14b-awq",
        "qwen-14b-awq",
        "llama-8b-fp8",
        "llama-8b-fp8",
        "qwen-7b-awq",
    ]
    with pytest.raises(RegistryError, match="unknown task"):
        llm.chat([], task="summarise")


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.Response(503, text="overloaded"),
        httpx.Response(429, text="slow down", headers={"retry-after": "2"}),
    ],
    ids=["connection", "timeout", "5xx", "429"],
)
def test_failures_are_retried_then_fall_back_and_the_record_says_who_served(failure: Any) -> None:
    hosts = Hosts(big=[failure], spare=[ok("from spare", model="qwen-7b-awq")])
    slept: list[float] = []
    llm = client(hosts, sleep=slept.append)
    with capture_calls("draft/product_description@v1") as calls:
        result = llm.chat([{"role": "user", "content": "x"}], task="draft")
    assert result.text == "from spare" and result.endpoint == "spare"
    assert hosts.hosts() == ["big", "big", "spare"], "one retry at the primary, then the fallback"
    assert len(slept) == 1 and slept[0] <= (2.0 if "429" in str(getattr(failure, "status_code", "")) else 0.5)
    (record,) = calls
    assert set(record) == set(RECORD_KEYS)
    assert record["endpoint"] == "spare" and record["model"] == "qwen-7b-awq" and record["attempts"] == 3
    assert record["error"] is None and record["cache_hit"] is False
    assert record["prompt_ref"] == "draft/product_description@v1"


def test_retry_after_is_honoured_and_backoff_is_jittered() -> None:
    policy = RetryPolicy(backoff_base_s=1.0, backoff_max_s=8.0)
    assert policy.backoff(0, lambda: 1.0, retry_after_s=3.0) == 3.0
    assert policy.backoff(0, lambda: 1.0, retry_after_s=60.0) == 8.0, "capped"
    assert policy.backoff(3, lambda: 0.5) == 4.0 and policy.backoff(3, lambda: 0.0) == 0.0
    assert policy.backoff(10, lambda: 1.0) == 8.0


def test_a_4xx_is_not_retried_and_not_failed_over() -> None:
    hosts = Hosts(big=[httpx.Response(400, text="max_tokens too large")], spare=[ok()])
    with capture_calls() as calls, pytest.raises(LLMRequestError, match="max_tokens"):
        client(hosts).chat([], task="draft")
    assert hosts.hosts() == ["big"] and calls[0]["error"] and "400" in calls[0]["error"]


def test_everything_down_fails_with_every_reason_and_records_the_failure() -> None:
    hosts = Hosts(big=[httpx.ConnectError("refused")], spare=[httpx.Response(502, text="bad gateway")])
    with capture_calls() as calls, pytest.raises(LLMUnavailableError, match=r"big: ConnectError.*spare: HTTP 502"):
        client(hosts).chat([], task="revise")
    assert calls[0]["error"].startswith("no LLM endpoint answered") and calls[0]["attempts"] == 4


def test_breaker_opens_after_consecutive_failures_and_lets_one_trial_through() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=2, cooldown_s=10, clock=clock)
    breaker.record_failure()
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state == "open" and not breaker.allow()
    clock.now = 10.5
    assert breaker.state == "half_open" and breaker.allow() and not breaker.allow(), "one trial at a time"
    breaker.record_failure()
    assert breaker.state == "open"
    clock.now = 21
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == "closed" and breaker.allow()


def test_an_open_breaker_skips_the_dead_primary_without_calling_it() -> None:
    hosts = Hosts(big=[httpx.ConnectError("refused")], spare=[ok()])
    llm = client(hosts, breaker_failures=2, breaker_cooldown_s=60)
    llm.chat([], task="draft")
    assert hosts.hosts() == ["big", "big", "spare"]
    with capture_calls() as calls:
        llm.chat([], task="draft")
    assert hosts.hosts()[3:] == ["spare"], "the open breaker skipped big"
    assert calls[0]["attempts"] == 1 and calls[0]["endpoint"] == "spare"


def test_token_bucket_limits_the_rate_and_refuses_long_waits() -> None:
    clock = Clock()
    bucket = TokenBucket(rate_per_s=2.0, capacity=2, clock=clock, sleep=clock.sleep)
    assert bucket.acquire(0) and bucket.acquire(0)
    assert not bucket.acquire(0.1), "empty: a token is 0.5 s away"
    assert bucket.acquire(1.0) and clock.now == pytest.approx(0.5)
    clock.now += 10
    assert [bucket.try_acquire() for _ in range(3)][:2] == [0.0, 0.0], "refills only up to capacity"


def test_a_saturated_endpoint_hands_the_call_to_the_next() -> None:
    reg = ModelRegistry.build(
        [
            Endpoint("http://big/v1", name="big", model="m", rate_per_s=0.001, burst=1),
            Endpoint("http://spare/v1", name="spare"),
        ],
        ["spare"],
    )
    hosts = Hosts(big=[ok()], spare=[ok()])
    llm = client(hosts, reg, retry=RetryPolicy(rate_limit_wait_s=0.0))
    llm.chat([], task="draft")
    llm.chat([], task="draft")
    assert hosts.hosts() == ["big", "spare"]


def test_timeouts_grow_with_requested_output_and_on_retry() -> None:
    hosts = Hosts(big=[httpx.ReadTimeout("slow"), ok()])
    reg = ModelRegistry([Endpoint("http://big/v1", name="big", model="m")])
    llm = client(hosts, reg, timeouts=TimeoutPolicy(base_s=10, per_output_token_s=0.1, floor_s=1, safety=1))
    llm.chat([], task="draft", max_tokens=100)
    llm.chat([], task="draft", max_tokens=1000)
    short_first, short_retry, long_ = (r["timeout"] for r in hosts.requests)
    assert short_first == pytest.approx(20.0, abs=0.01) and short_retry == pytest.approx(30.0, abs=0.01)
    assert long_ == pytest.approx(110.0, abs=0.01)


def test_measured_speed_sets_the_deadline_and_a_timeout_slows_the_estimate() -> None:
    policy = TimeoutPolicy(base_s=5, floor_s=1, safety=2)
    meter = SpeedMeter()
    assert not meter.measured
    meter.observe_probe(prompt_tokens=200, ttft_s=0.2, completion_tokens=25, total_s=0.44)  # 1000 / 100 tok/s
    assert meter.prefill_tps == pytest.approx(1000) and meter.decode_tps == pytest.approx(100)
    assert meter.timeout(policy, 1000, 800) == pytest.approx(5 + 2 * (1 + 8))
    assert meter.timeout(policy, 1000, 800, queued_ahead=2) == pytest.approx(3 * 23), "waits for the queue"
    meter.observe_timeout(max_tokens=800, waited_s=40)  # at most 20 tok/s
    assert meter.decode_tps == pytest.approx(16)
    assert meter.timeout(policy, 1000, 800) > 100


def test_embedded_joins_a_chain_by_name_and_starts_only_when_reached() -> None:
    started: list[int] = []

    def start() -> str:
        started.append(1)
        return "http://embedded-host/v1"

    reg = ModelRegistry.build([Endpoint("http://big/v1", name="big", model="m")], ["embedded"], {"model": "smol"})
    hosts = Hosts(big=[ok(), httpx.ConnectError("down")], **{"embedded-host": [ok(completion=30)]})
    llm = client(hosts, reg, embedded_starter=start)
    llm.runtime("embedded").endpoint.measure_speed = False  # no probe request in this test
    llm.chat([], task="draft")
    assert not started, "a healthy primary never starts the embedded server"
    with capture_calls() as calls:
        llm.chat([], task="draft")
    assert started == [1] and calls[0]["endpoint"] == "embedded" and calls[0]["model"] == "smol"
    assert reg.get("embedded").dialect == "json_object" and reg.get("embedded").serial


def test_lora_adapter_is_chosen_by_brand_for_drafting_only() -> None:
    reg = ModelRegistry([Endpoint("http://big/v1", name="big", model="base", adapters={"lumora": "lumora-voice"})])
    hosts = Hosts(big=[ok()])
    llm = client(hosts, reg, brand="lumora")
    llm.chat([], task="draft")
    llm.chat([], task="rewrite")
    with capture_calls(brand="other"):
        llm.chat([], task="draft")
    assert [r["model"] for r in hosts.requests] == ["lumora-voice", "base", "base"]


def test_cost_per_token_and_per_gpu_hour() -> None:
    tokens = Endpoint("http://x", price_in_per_m=0.5, price_out_per_m=1.5)
    assert call_cost_usd(tokens, 2_000_000, 1_000_000) == pytest.approx(2.5)
    gpu = Endpoint("http://x", gpu_hour_usd=3.6, assumed_output_tokens_per_s=1000.0)  # 0.001 USD per GPU second
    assert call_cost_usd(gpu, 10_000, 1000) == pytest.approx(0.001 * (1 + 1))  # prefill assumed 10x faster
    assert call_cost_usd(Endpoint("http://x"), 10**6, 10**6) == 0.0


def test_records_sum_per_run_and_over_runs() -> None:
    hosts = Hosts(big=[ok(prompt=1000, completion=500)], small=[ok(prompt=200, completion=50)])
    llm = client(hosts)
    with capture_calls() as calls:
        llm.chat([], task="draft")
        llm.chat([], task="rewrite")
    summary = summarise_calls(calls)
    assert summary["calls"] == 2 and summary["prompt_tokens"] == 1200 and summary["completion_tokens"] == 550
    assert summary["cost_usd"] == pytest.approx(1000 * 0.5e-6 + 500 * 1.5e-6 + (50 / 1000 + 200 / 10000) * 0.001)
    assert set(summary["by_task"]) == {"draft", "rewrite"} and "big/qwen-14b-awq" in summary["by_model"]
    both = summarise_runs([calls, calls])
    assert both["runs"] == 2 and both["calls"] == 4 and both["cost_usd"] == pytest.approx(2 * summary["cost_usd"])


def test_registry_configuration_errors_are_plain() -> None:
    with pytest.raises(RegistryError, match="unknown endpoint field"):
        endpoint_from_dict({"name": "a", "base_url": "http://a", "price": 1})
    with pytest.raises(RegistryError, match="unknown task"):
        endpoint_from_dict({"name": "a", "base_url": "http://a", "tasks": ["drafting"]})
    with pytest.raises(RegistryError, match="neither an endpoint name"):
        ModelRegistry.build([Endpoint("http://a", name="a")], ["b"])
    with pytest.raises(RegistryError, match="duplicate"):
        ModelRegistry([Endpoint("http://a", name="a"), Endpoint("http://b", name="a")])
