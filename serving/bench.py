"""Serving benchmark: a drafting workload against one OpenAI-compatible endpoint, at several concurrencies.

One request is one draft: a prompt of about 3k tokens (system text, retrieved
sources, brief) and about 800 tokens out, streamed so time to first token is seen.
Per concurrency level it reports TTFT p50/p95, output tokens/s per request and in
aggregate, drafts per hour, and the cost per 1,000 drafts from the registry's
prices (per-token prices on the measured token counts; a GPU-hour price on the
measured drafts per hour). The caller builds the messages (``copydesk bench
serving`` renders the real drafting prompt), so nothing here knows prompt text.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from serving.cost import call_cost_usd
from serving.registry import Endpoint


@dataclass
class RequestResult:
    """One streamed request: when its first token came, how long it took, what it produced."""

    ok: bool
    ttft_s: float = 0.0
    total_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    error: str | None = None

    @property
    def output_tokens_per_s(self) -> float:
        decode = self.total_s - self.ttft_s
        return (self.completion_tokens - 1) / decode if decode > 0 and self.completion_tokens > 1 else 0.0


@dataclass
class LevelResult:
    """Figures for one concurrency level."""

    concurrency: int
    requests: int
    failed: int
    wall_s: float
    ttft_p50_s: float
    ttft_p95_s: float
    output_tps_per_request_p50: float
    output_tps_aggregate: float
    mean_prompt_tokens: float
    mean_completion_tokens: float
    drafts_per_hour: float
    cost_per_1000_drafts_usd: float | None
    errors: list[str] = field(default_factory=list)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank-with-interpolation percentile (``statistics.quantiles`` needs two points)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


async def _one(
    http: httpx.AsyncClient, url: str, payload: Mapping[str, Any], api_key: str, timeout_s: float
) -> RequestResult:
    started = time.monotonic()
    first: float | None = None
    pieces = 0
    usage: dict[str, Any] = {}
    try:
        async with http.stream(
            "POST",
            f"{url.rstrip('/')}/chat/completions",
            json={**payload, "stream": True, "stream_options": {"include_usage": True}},
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=httpx.Timeout(timeout_s, connect=10.0),
        ) as response:
            if response.status_code >= 400:
                await response.aread()
                return RequestResult(ok=False, error=f"HTTP {response.status_code}: {response.text[:200]}")
            async for line in response.aiter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                chunk = json.loads(data)
                if chunk.get("usage"):
                    usage = chunk["usage"]
                choices = chunk.get("choices") or []
                if choices and (choices[0].get("delta") or {}).get("content"):
                    pieces += 1
                    if first is None:
                        first = time.monotonic() - started
    except httpx.HTTPError as exc:
        return RequestResult(ok=False, error=f"{type(exc).__name__}: {exc}")
    total = time.monotonic() - started
    estimated_prompt = sum(len(str(m.get("content", ""))) for m in payload["messages"]) // 4
    return RequestResult(
        ok=first is not None,
        ttft_s=first or total,
        total_s=total,
        # Servers that send no usage in streams (llama-cpp-python) get the 4-characters-a-token estimate.
        prompt_tokens=int(usage.get("prompt_tokens") or estimated_prompt),
        completion_tokens=int(usage.get("completion_tokens") or pieces),
        error=None if first is not None else "no tokens streamed",
    )


async def _level(
    url: str,
    payload: Mapping[str, Any],
    concurrency: int,
    requests: int,
    api_key: str,
    timeout_s: float,
) -> tuple[float, list[RequestResult]]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    semaphore = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(limits=limits) as http:

        async def guarded() -> RequestResult:
            async with semaphore:
                return await _one(http, url, payload, api_key, timeout_s)

        started = time.monotonic()
        results = await asyncio.gather(*(guarded() for _ in range(requests)))
        return time.monotonic() - started, list(results)


def summarise_level(
    concurrency: int, wall_s: float, results: Sequence[RequestResult], endpoint: Endpoint | None
) -> LevelResult:
    """Percentiles, throughput, drafts per hour and cost per 1,000 drafts for one level."""
    good = [r for r in results if r.ok]
    completion = sum(r.completion_tokens for r in good)
    mean_prompt = statistics.fmean(r.prompt_tokens for r in good) if good else 0.0
    mean_completion = statistics.fmean(r.completion_tokens for r in good) if good else 0.0
    drafts_per_hour = len(good) / wall_s * 3600 if wall_s > 0 else 0.0
    cost: float | None = None
    if endpoint is not None and good:
        per_draft = call_cost_usd(
            Endpoint(
                base_url=endpoint.base_url,
                price_in_per_m=endpoint.price_in_per_m,
                price_out_per_m=endpoint.price_out_per_m,
            ),
            round(mean_prompt),
            round(mean_completion),
        )
        cost = per_draft * 1000
        if endpoint.gpu_hour_usd:
            # Self-hosted: the GPU costs its hourly price whatever it does; at the measured rate
            # 1,000 drafts take 1000 / drafts_per_hour hours of it.
            cost += endpoint.gpu_hour_usd * 1000 / drafts_per_hour
    return LevelResult(
        concurrency=concurrency,
        requests=len(results),
        failed=len(results) - len(good),
        wall_s=round(wall_s, 2),
        ttft_p50_s=round(percentile([r.ttft_s for r in good], 0.5), 3),
        ttft_p95_s=round(percentile([r.ttft_s for r in good], 0.95), 3),
        output_tps_per_request_p50=round(percentile([r.output_tokens_per_s for r in good], 0.5), 1),
        output_tps_aggregate=round(completion / wall_s, 1) if wall_s > 0 else 0.0,
        mean_prompt_tokens=round(mean_prompt, 1),
        mean_completion_tokens=round(mean_completion, 1),
        drafts_per_hour=round(drafts_per_hour, 1),
        cost_per_1000_drafts_usd=round(cost, 4) if cost is not None else None,
        errors=sorted({r.error for r in results if r.error})[:5],
    )


def run_bench(
    url: str,
    messages: Sequence[Mapping[str, str]],
    *,
    model: str,
    concurrencies: Sequence[int] = (1, 8, 32),
    requests_per_level: int | None = None,
    max_tokens: int = 800,
    ignore_eos: bool = True,
    endpoint: Endpoint | None = None,
    api_key: str = "none",
    timeout_s: float = 900.0,
) -> dict[str, Any]:
    """Run every level in turn (one warm-up request first) and return the report as plain data."""
    payload: dict[str, Any] = {
        "model": model,
        "messages": [dict(m) for m in messages],
        "temperature": 0.0,
        "max_tokens": max_tokens,
    }
    if ignore_eos:
        payload["ignore_eos"] = True  # vLLM: always produce max_tokens, so every run measures the same work
    _, warm = asyncio.run(_level(url, payload | {"max_tokens": 8}, 1, 1, api_key, timeout_s))
    if not warm[0].ok:
        raise RuntimeError(f"the endpoint did not answer the warm-up request: {warm[0].error}")
    levels = []
    for concurrency in concurrencies:
        count = requests_per_level or max(4, 2 * concurrency)
        wall, results = asyncio.run(_level(url, payload, concurrency, count, api_key, timeout_s))
        levels.append(asdict(summarise_level(concurrency, wall, results, endpoint)))
    return {
        "endpoint": url,
        "model": model,
        "max_tokens": max_tokens,
        "ignore_eos": ignore_eos,
        "prices": None
        if endpoint is None
        else {
            "name": endpoint.label(),
            "price_in_per_m": endpoint.price_in_per_m,
            "price_out_per_m": endpoint.price_out_per_m,
            "gpu_hour_usd": endpoint.gpu_hour_usd,
        },
        "levels": levels,
    }


def markdown_table(report: Mapping[str, Any]) -> str:
    """The report as a Markdown table (one row per concurrency level)."""
    head = (
        "| concurrency | requests | failed | TTFT p50 s | TTFT p95 s | out tok/s per request (p50) "
        "| out tok/s aggregate | tokens in/out (mean) | drafts/hour | USD per 1,000 drafts |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    rows = []
    for level in report["levels"]:
        cost = level["cost_per_1000_drafts_usd"]
        rows.append(
            f"| {level['concurrency']} | {level['requests']} | {level['failed']} | {level['ttft_p50_s']} "
            f"| {level['ttft_p95_s']} | {level['output_tps_per_request_p50']} | {level['output_tps_aggregate']} "
            f"| {level['mean_prompt_tokens']:.0f}/{level['mean_completion_tokens']:.0f} | {level['drafts_per_hour']} "
            f"| {'-' if cost is None else f'{cost:.4f}'} |"
        )
    title = f"Serving benchmark: {report['model']} at {report['endpoint']} (max_tokens {report['max_tokens']})\n\n"
    return title + head + "\n".join(rows) + "\n"
