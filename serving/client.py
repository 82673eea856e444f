"""An OpenAI-compatible chat client: per-task routing, fallbacks, retries, limits, cache, call records.

Plain HTTP rather than the OpenAI SDK because copydesk must speak two structured
output dialects (vLLM's ``json_schema`` and llama.cpp's ``json_object`` + ``schema``)
and decide per endpoint, and because fallbacks need to see connection errors, 429s
and 5xx answers directly.

One call walks the task's chain from the registry (:mod:`serving.registry`). Per
endpoint: its token bucket (:mod:`serving.ratelimit`) and circuit breaker
(:mod:`serving.breaker`) may skip it; timeouts, connection errors, 429 and 5xx are
retried with jittered backoff, then the next endpoint is tried; any other 4xx is
the request's fault and fails at once. Deadlines scale with the requested output
(:mod:`serving.timeouts`). Temperature-0 answers come from and go to the response
cache (:mod:`serving.cache`). Every call leaves one record (:mod:`serving.records`)
with tokens, latency, cost (:mod:`serving.cost`) and who served it.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from opentelemetry import trace

from serving import records
from serving.breaker import CircuitBreaker
from serving.cache import ResponseCache, cache_key
from serving.cost import call_cost_usd
from serving.observe import call_started
from serving.ratelimit import TokenBucket
from serving.registry import Endpoint, JsonDialect, ModelRegistry
from serving.timeouts import SpeedMeter, TimeoutPolicy

__all__ = [
    "ChatResult",
    "Endpoint",
    "LLMClient",
    "LLMRequestError",
    "LLMUnavailableError",
    "RetryPolicy",
    "response_format_for",
]

_tracer = trace.get_tracer("copydesk.serving")
CONNECT_TIMEOUT_S = 5.0


class LLMUnavailableError(RuntimeError):
    """No configured endpoint answered; the message lists each endpoint and its error."""


class LLMRequestError(RuntimeError):
    """An endpoint answered but refused the request (4xx): retrying elsewhere will not help."""

    def __init__(self, message: str, status_code: int, body: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = body


class _RetryableError(RuntimeError):
    """Timeout, connection error, 429 or 5xx: worth a retry, then the next endpoint."""

    def __init__(self, message: str, retry_after_s: float | None = None, timed_out: bool = False) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
        self.timed_out = timed_out


@dataclass
class ChatResult:
    """The text of one completion, where it came from, and its call record."""

    text: str
    model: str
    endpoint: str
    finish_reason: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    record: dict[str, Any] = field(default_factory=dict)
    cache_key: str | None = None
    cached: bool = False


@dataclass(frozen=True)
class RetryPolicy:
    """Retries per endpoint on retryable errors, with full-jitter exponential backoff."""

    retries: int = 1
    backoff_base_s: float = 0.5
    backoff_max_s: float = 8.0
    rate_limit_wait_s: float = 10.0

    def backoff(self, attempt: int, rng: Callable[[], float], retry_after_s: float | None = None) -> float:
        """Seconds to sleep before retry ``attempt`` (0-based); a server's Retry-After wins, capped."""
        if retry_after_s is not None:
            return min(self.backoff_max_s, max(0.0, retry_after_s))
        return rng() * min(self.backoff_max_s, self.backoff_base_s * 2**attempt)


def response_format_for(dialect: JsonDialect, name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """Build ``response_format`` in the dialect the server understands.

    The schema goes out whole, string bounds included, also to llama.cpp. llama.cpp turns a
    ``maxLength: N`` into N nested grammar rules (SmolLM2, one core: 21 tok/s with a
    600-character body bound, 36 tok/s without), but without the bound SmolLM2 runs on in a
    section body until ``max_tokens`` cuts the JSON: 2 of the first 21 full-suite drafts then
    failed, none with it. The bound is what keeps a small model's JSON closed.
    """
    if dialect == "json_object":
        return {"type": "json_object", "schema": schema}
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}


def estimate_tokens(messages: Sequence[Mapping[str, str]]) -> int:
    """Rough prompt size (≈ 4 characters a token) for deadlines and for servers that report no usage."""
    return max(1, sum(len(str(m.get("content", ""))) for m in messages) // 4)


class _EndpointRuntime:
    """The mutable side of one endpoint: breaker, bucket, speed, requests in flight."""

    def __init__(self, endpoint: Endpoint, breaker: CircuitBreaker, sleep: Callable[[float], None]) -> None:
        self.endpoint = endpoint
        self.breaker = breaker
        self.bucket = TokenBucket(endpoint.rate_per_s, endpoint.burst, sleep=sleep) if endpoint.rate_per_s else None
        self.speed = SpeedMeter() if endpoint.measure_speed else None
        self.base_url: str | None = None if endpoint.is_embedded else endpoint.base_url
        self.in_flight = 0
        self.lock = threading.Lock()


class LLMClient:
    """Chat completions routed by task through the registry's chain of endpoints."""

    def __init__(
        self,
        endpoints: Sequence[Endpoint] | ModelRegistry,
        default_model: str = "default",
        routes: Mapping[str, str] | None = None,
        timeout_s: float | None = None,
        transport: httpx.BaseTransport | None = None,
        *,
        cache: ResponseCache | None = None,
        retry: RetryPolicy | None = None,
        timeouts: TimeoutPolicy | None = None,
        breaker_failures: int = 3,
        breaker_cooldown_s: float = 30.0,
        embedded_starter: Callable[[], str] | None = None,
        brand: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        if isinstance(endpoints, ModelRegistry):
            self.registry = endpoints
        else:
            if not endpoints:
                raise ValueError("LLMClient needs at least one endpoint")
            self.registry = ModelRegistry(list(endpoints))
        self.default_model = default_model
        self.routes = dict(routes or {})
        policy = timeouts or TimeoutPolicy()
        if timeout_s is not None and timeouts is None:
            policy = TimeoutPolicy(floor_s=timeout_s)
        self.timeouts = policy
        self.retry = retry or RetryPolicy()
        self.cache = cache
        self.brand = brand
        self._embedded_starter = embedded_starter
        self._sleep = sleep
        self._rng = rng
        self._runtimes = {
            e.label(): _EndpointRuntime(e, CircuitBreaker(breaker_failures, breaker_cooldown_s), sleep)
            for e in self.registry.endpoints
        }
        self._resolve_lock = threading.Lock()
        self._http = httpx.Client(transport=transport, timeout=httpx.Timeout(policy.floor_s, connect=CONNECT_TIMEOUT_S))

    @property
    def endpoints(self) -> list[Endpoint]:
        return self.registry.endpoints

    def runtime(self, name: str) -> _EndpointRuntime:
        return self._runtimes[name]

    def model_for(self, task: str) -> str:
        """The model the first endpoint of a task's chain is asked for."""
        endpoint = self.registry.chain(task)[0]
        return endpoint.model_for(task, self.default_model, self.routes, self._brand())

    def _brand(self) -> str | None:
        context = records.current()
        return (context.brand if context and context.brand else None) or self.brand

    # --- calls ---------------------------------------------------------------------------

    def chat(
        self,
        messages: Sequence[Mapping[str, str]],
        *,
        task: str,
        json_schema: dict[str, Any] | None = None,
        schema_name: str = "output",
        temperature: float = 0.2,
        max_tokens: int = 512,
        use_cache: bool = True,
    ) -> ChatResult:
        """One completion through the task's chain; raises LLMUnavailableError when no endpoint answers.

        The current observer (:mod:`serving.observe`, Langfuse generations) sees every call,
        whichever endpoint of the chain ends up serving it.
        """
        finish = call_started(task, self.model_for(task), messages)
        try:
            result = self._chat(
                messages,
                task=task,
                json_schema=json_schema,
                schema_name=schema_name,
                temperature=temperature,
                max_tokens=max_tokens,
                use_cache=use_cache,
            )
        except BaseException as exc:
            finish(None, exc)
            raise
        finish(result, None)
        return result

    def _chat(
        self,
        messages: Sequence[Mapping[str, str]],
        *,
        task: str,
        json_schema: dict[str, Any] | None,
        schema_name: str,
        temperature: float,
        max_tokens: int,
        use_cache: bool,
    ) -> ChatResult:
        context = records.current()
        prompt_ref = context.prompt_ref if context else None
        brand = self._brand()
        chain = [self._runtimes[e.label()] for e in self.registry.chain(task)]
        started = time.monotonic()
        cacheable = use_cache and self.cache is not None and temperature == 0

        def key_for(model: str) -> str:
            return cache_key(
                model=model,
                prompt_ref=prompt_ref,
                messages=messages,
                json_schema=json_schema,
                max_tokens=max_tokens,
                temperature=temperature,
            )

        with _tracer.start_as_current_span("llm.chat") as span:
            span.set_attribute("copydesk.task", task)
            errors: list[str] = []
            attempts = 0
            prompt_estimate = estimate_tokens(messages)
            for rt in chain:
                endpoint = rt.endpoint
                label = endpoint.label()
                model = endpoint.model_for(task, self.default_model, self.routes, brand)
                if cacheable:
                    # Looked up per endpoint as the chain is walked: the cached answer of the model
                    # that would serve the call now (a fallback's only while the primary is out).
                    hit = self._cache_lookup(key_for(model), task, prompt_ref, started, attempts)
                    if hit is not None:
                        span.set_attribute("copydesk.cache_hit", True)
                        return hit
                if rt.bucket is not None and not rt.bucket.acquire(self.retry.rate_limit_wait_s):
                    errors.append(f"{label}: rate limit (no slot within {self.retry.rate_limit_wait_s:.0f} s)")
                    continue
                if not rt.breaker.allow():
                    errors.append(f"{label}: circuit open (next trial in {rt.breaker.retry_in_s():.0f} s)")
                    continue
                try:
                    base_url = self._resolve(rt)
                except Exception as exc:  # the embedded server could not start: the next endpoint may
                    rt.breaker.record_failure()
                    errors.append(f"{label}: {exc}")
                    continue
                dialect_flipped = False
                attempt = 0
                while attempt <= self.retry.retries:
                    payload: dict[str, Any] = {
                        "model": model,
                        "messages": [dict(m) for m in messages],
                        "temperature": temperature,
                        "max_tokens": max_tokens,
                    }
                    if json_schema is not None:
                        payload["response_format"] = response_format_for(endpoint.dialect, schema_name, json_schema)
                    timeout = self._deadline(rt, prompt_estimate, max_tokens, attempt)
                    attempts += 1
                    try:
                        result = self._post(rt, base_url, payload, timeout)
                    except LLMRequestError as exc:
                        if json_schema is not None and "response_format" in exc.body and not dialect_flipped:
                            endpoint.dialect = "json_object" if endpoint.dialect == "json_schema" else "json_schema"
                            dialect_flipped = True
                            continue
                        rt.breaker.record_success()  # it answered: the server is up
                        self._emit(task, label, model, prompt_ref, 0, 0, started, 0.0, False, attempts, str(exc))
                        raise
                    except _RetryableError as exc:
                        rt.breaker.record_failure()
                        errors.append(f"{label}: {exc}")
                        if exc.timed_out and rt.speed is not None:
                            rt.speed.observe_timeout(max_tokens, timeout)
                        if attempt < self.retry.retries and rt.breaker.allow():
                            self._sleep(self.retry.backoff(attempt, self._rng, exc.retry_after_s))
                            attempt += 1
                            continue
                        break
                    rt.breaker.record_success()
                    prompt_tokens = int(result.usage.get("prompt_tokens") or prompt_estimate)
                    completion_tokens = int(result.usage.get("completion_tokens") or max(1, len(result.text) // 4))
                    if rt.speed is not None:
                        rt.speed.observe_call(prompt_tokens, completion_tokens, float(result.usage["seconds"]))
                    cost = call_cost_usd(endpoint, prompt_tokens, completion_tokens)
                    result.record = self._emit(
                        task,
                        label,
                        result.model,
                        prompt_ref,
                        prompt_tokens,
                        completion_tokens,
                        started,
                        cost,
                        False,
                        attempts,
                        None,
                    )
                    if cacheable and result.finish_reason != "length":
                        result.cache_key = key_for(model)
                        self._cache_put(result.cache_key, result)
                    span.set_attribute("copydesk.endpoint", label)
                    span.set_attribute("gen_ai.request.model", model)
                    span.set_attribute("gen_ai.usage.output_tokens", completion_tokens)
                    span.set_attribute("copydesk.attempts", attempts)
                    return result
            span.set_attribute("error", True)
        message = "no LLM endpoint answered: " + "; ".join(errors)
        self._emit(task, "", "", prompt_ref, 0, 0, started, 0.0, False, attempts, message[:500])
        raise LLMUnavailableError(message)

    def stream(
        self,
        messages: Sequence[Mapping[str, str]],
        *,
        task: str,
        temperature: float = 0.2,
        max_tokens: int = 512,
    ) -> Iterator[str]:
        """Stream text deltas from the first endpoint of the chain that starts answering.

        Falls back only before the first token (a half-streamed answer cannot be
        spliced with another model's); the call record is emitted at the end.
        """
        context = records.current()
        prompt_ref = context.prompt_ref if context else None
        brand = self._brand()
        started = time.monotonic()
        errors: list[str] = []
        attempts = 0
        prompt_estimate = estimate_tokens(messages)
        for rt in (self._runtimes[e.label()] for e in self.registry.chain(task)):
            label = rt.endpoint.label()
            if not rt.breaker.allow():
                errors.append(f"{label}: circuit open")
                continue
            try:
                base_url = self._resolve(rt)
            except Exception as exc:
                errors.append(f"{label}: {exc}")
                continue
            model = rt.endpoint.model_for(task, self.default_model, self.routes, brand)
            payload = {
                "model": model,
                "messages": [dict(m) for m in messages],
                "temperature": temperature,
                "max_tokens": max_tokens,
            }
            attempts += 1
            produced = False
            text: list[str] = []
            try:
                usage: dict[str, Any] = {}
                for delta, chunk_usage in self._stream_once(
                    base_url, rt.endpoint, payload, self._deadline(rt, prompt_estimate, max_tokens, 0)
                ):
                    if chunk_usage:
                        usage = chunk_usage
                    if delta:
                        produced = True
                        text.append(delta)
                        yield delta
            except _RetryableError as exc:
                rt.breaker.record_failure()
                if produced:
                    raise LLMUnavailableError(f"{label}: stream broke off: {exc}") from exc
                errors.append(f"{label}: {exc}")
                continue
            rt.breaker.record_success()
            prompt_tokens = int(usage.get("prompt_tokens") or prompt_estimate)
            completion_tokens = int(usage.get("completion_tokens") or max(1, len("".join(text)) // 4))
            cost = call_cost_usd(rt.endpoint, prompt_tokens, completion_tokens)
            self._emit(
                task, label, model, prompt_ref, prompt_tokens, completion_tokens, started, cost, False, attempts, None
            )
            return
        raise LLMUnavailableError("no LLM endpoint answered: " + "; ".join(errors))

    def invalidate(self, result: ChatResult) -> None:
        """Forget a cached answer the caller found invalid (it must not be served again)."""
        if self.cache is not None and result.cache_key:
            try:
                self.cache.delete(result.cache_key)
            except Exception:  # a cache outage must never fail a call
                return

    def calibrate(self, name: str, prompt_tokens: int = 256, output_tokens: int = 24) -> dict[str, float]:
        """Measure an endpoint's prefill and decode speed with one streamed probe (embedded: at start)."""
        rt = self._runtimes[name]
        if rt.speed is None:
            rt.speed = SpeedMeter()
        base_url = self._resolve(rt)
        filler = " ".join(str(i) for i in range(prompt_tokens // 2))  # neutral input of a known size
        payload = {
            "model": rt.endpoint.model_for("rewrite", self.default_model, self.routes),
            "messages": [{"role": "user", "content": filler}],
            "temperature": 0.0,
            "max_tokens": output_tokens,
        }
        started = time.monotonic()
        first: float | None = None
        usage: dict[str, Any] = {}
        pieces = 0
        for delta, chunk_usage in self._stream_once(base_url, rt.endpoint, payload, self.timeouts.ceiling_s):
            if delta:
                pieces += 1
                if first is None:
                    first = time.monotonic() - started
            if chunk_usage:
                usage = chunk_usage
        total = time.monotonic() - started
        measured_prompt = int(usage.get("prompt_tokens") or estimate_tokens(payload["messages"]))  # type: ignore[arg-type]
        completion = int(usage.get("completion_tokens") or pieces)
        rt.speed.observe_probe(measured_prompt, first or total, completion, total)
        return {
            "prefill_tokens_per_s": round(rt.speed.prefill_tps or 0.0, 1),
            "decode_tokens_per_s": round(rt.speed.decode_tps or 0.0, 1),
            "ttft_s": round(first or total, 3),
        }

    # --- internals -----------------------------------------------------------------------

    def _deadline(self, rt: _EndpointRuntime, prompt_tokens: int, max_tokens: int, attempt: int) -> float:
        queued = 0
        if rt.endpoint.serial:
            with rt.lock:
                queued = rt.in_flight
        if rt.endpoint.timeout_s is not None or rt.endpoint.timeout_per_token_s is not None:
            policy = TimeoutPolicy(
                base_s=rt.endpoint.timeout_s if rt.endpoint.timeout_s is not None else self.timeouts.base_s,
                per_output_token_s=rt.endpoint.timeout_per_token_s or self.timeouts.per_output_token_s,
                floor_s=min(self.timeouts.floor_s, rt.endpoint.timeout_s or self.timeouts.floor_s),
                ceiling_s=self.timeouts.ceiling_s,
            )
        else:
            policy = self.timeouts
        if rt.speed is not None:
            seconds = rt.speed.timeout(policy, prompt_tokens, max_tokens, queued)
        else:
            seconds = policy.static(prompt_tokens, max_tokens) * (1 + queued)
        return min(policy.ceiling_s, seconds * policy.retry_growth**attempt)

    def _resolve(self, rt: _EndpointRuntime) -> str:
        if rt.base_url is not None:
            return rt.base_url
        with self._resolve_lock:
            if rt.base_url is None:
                if self._embedded_starter is None:
                    raise LLMUnavailableError("the embedded model is not available in this process")
                rt.base_url = self._embedded_starter()
                if rt.endpoint.measure_speed:
                    with contextlib.suppress(Exception):  # a failed probe keeps the static deadlines
                        self.calibrate(rt.endpoint.label())
            return rt.base_url

    def _post(self, rt: _EndpointRuntime, base_url: str, payload: dict[str, Any], timeout: float) -> ChatResult:
        endpoint = rt.endpoint
        started = time.monotonic()
        with rt.lock:
            rt.in_flight += 1
        try:
            response = self._http.post(
                f"{base_url.rstrip('/')}/chat/completions",
                json=payload,
                headers={"Authorization": f"Bearer {endpoint.api_key}"},
                timeout=httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT_S, timeout)),
            )
        except httpx.TimeoutException as exc:
            raise _RetryableError(f"timed out after {timeout:.0f} s ({type(exc).__name__})", timed_out=True) from exc
        except httpx.TransportError as exc:
            raise _RetryableError(f"{type(exc).__name__}: {exc}") from exc
        finally:
            with rt.lock:
                rt.in_flight -= 1
        _raise_for_status(endpoint, response)
        try:
            body = response.json()
            choice = body["choices"][0]
            text = choice["message"].get("content") or ""
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise _RetryableError(f"malformed completion: {response.text[:200]}") from exc
        return ChatResult(
            text=text,
            model=body.get("model", payload["model"]),
            endpoint=endpoint.label(),
            finish_reason=choice.get("finish_reason"),
            usage={**(body.get("usage") or {}), "seconds": round(time.monotonic() - started, 3)},
        )

    def _stream_once(
        self, base_url: str, endpoint: Endpoint, payload: dict[str, Any], timeout: float
    ) -> Iterator[tuple[str, dict[str, Any] | None]]:
        """Server-sent events of one streamed completion: (text delta, usage if this chunk has it)."""
        body = {**payload, "stream": True, "stream_options": {"include_usage": True}}
        try:
            with self._http.stream(
                "POST",
                f"{base_url.rstrip('/')}/chat/completions",
                json=body,
                headers={"Authorization": f"Bearer {endpoint.api_key}"},
                timeout=httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT_S, timeout)),
            ) as response:
                if response.status_code >= 400:
                    response.read()
                    _raise_for_status(endpoint, response)
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    chunk = json.loads(data)
                    choices = chunk.get("choices") or []
                    delta = (choices[0].get("delta") or {}).get("content") or "" if choices else ""
                    yield delta, chunk.get("usage")
        except httpx.TimeoutException as exc:
            raise _RetryableError(f"timed out after {timeout:.0f} s", timed_out=True) from exc
        except httpx.TransportError as exc:
            raise _RetryableError(f"{type(exc).__name__}: {exc}") from exc

    def _cache_lookup(
        self, key: str, task: str, prompt_ref: str | None, started: float, attempts: int
    ) -> ChatResult | None:
        assert self.cache is not None
        try:
            hit = self.cache.get(key)
        except Exception:  # a cache outage must never fail a call
            return None
        if hit is None:
            return None
        result = ChatResult(
            text=hit["text"],
            model=hit["model"],
            endpoint=hit["endpoint"],
            finish_reason=hit.get("finish_reason"),
            usage=dict(hit.get("usage") or {}),
            cache_key=key,
            cached=True,
        )
        result.record = self._emit(
            task, hit["endpoint"], hit["model"], prompt_ref, 0, 0, started, 0.0, True, attempts, None
        )
        return result

    def _cache_put(self, key: str, result: ChatResult) -> None:
        assert self.cache is not None
        try:
            self.cache.put(
                key,
                {
                    "text": result.text,
                    "model": result.model,
                    "endpoint": result.endpoint,
                    "finish_reason": result.finish_reason,
                    "usage": result.usage,
                },
            )
        except Exception:  # a cache outage must never fail a call
            return

    @staticmethod
    def _emit(
        task: str,
        endpoint: str,
        model: str,
        prompt_ref: str | None,
        prompt_tokens: int,
        completion_tokens: int,
        started: float,
        cost: float,
        cache_hit: bool,
        attempts: int,
        error: str | None,
    ) -> dict[str, Any]:
        record = records.make_record(
            task=task,
            endpoint=endpoint,
            model=model,
            prompt_ref=prompt_ref,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            latency_ms=int((time.monotonic() - started) * 1000),
            cost_usd=cost,
            cache_hit=cache_hit,
            attempts=attempts,
            error=error,
        )
        records.emit(record)
        return record

    def close(self) -> None:
        self._http.close()
        if self.cache is not None:
            try:
                self.cache.close()
            except Exception:
                return


def _raise_for_status(endpoint: Endpoint, response: httpx.Response) -> None:
    if response.status_code == 429 or response.status_code >= 500:
        retry_after = response.headers.get("retry-after")
        try:
            after = float(retry_after) if retry_after is not None else None
        except ValueError:
            after = None
        raise _RetryableError(f"HTTP {response.status_code}: {response.text[:200]}", retry_after_s=after)
    if response.status_code >= 400:
        raise LLMRequestError(
            f"{endpoint.label()} refused the request: HTTP {response.status_code}: {response.text[:300]}",
            response.status_code,
            response.text,
        )
