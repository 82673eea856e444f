"""What a model call costs, and sums of call records per run or campaign.

Prices come from the registry: per 1M input/output tokens (a hosted API, or an
internal transfer price), or per GPU hour with the throughput that GPU is assumed
to sustain; a self-hosted call then costs its share of the GPU's time. Sums work on
the plain ``llm_calls`` records kept in the run state (contract 4), so the stats
page, the API and the CLI add them up the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from serving.registry import Endpoint

#: Prefill is far faster than decoding on a GPU; used when only the output throughput is given.
PREFILL_SPEEDUP = 10.0


def call_cost_usd(endpoint: Endpoint, prompt_tokens: int, completion_tokens: int) -> float:
    """Cost of one call at ``endpoint``'s prices (0 when it has none, e.g. the embedded model)."""
    cost = prompt_tokens / 1e6 * endpoint.price_in_per_m + completion_tokens / 1e6 * endpoint.price_out_per_m
    if endpoint.gpu_hour_usd and endpoint.assumed_output_tokens_per_s:
        out_tps = endpoint.assumed_output_tokens_per_s
        in_tps = endpoint.assumed_input_tokens_per_s or out_tps * PREFILL_SPEEDUP
        gpu_seconds = completion_tokens / out_tps + prompt_tokens / in_tps
        cost += gpu_seconds * endpoint.gpu_hour_usd / 3600.0
    return round(cost, 8)


def per_token_prices(endpoint: Endpoint) -> tuple[float, float]:
    """USD per input token and per output token (GPU-hour prices converted)."""
    return call_cost_usd(endpoint, 1_000_000, 0) / 1e6, call_cost_usd(endpoint, 0, 1_000_000) / 1e6


def _empty() -> dict[str, Any]:
    return {
        "calls": 0,
        "prompt_tokens": 0,
        "completion_tokens": 0,
        "cost_usd": 0.0,
        "latency_ms": 0,
        "cache_hits": 0,
        "errors": 0,
    }


def _add(total: dict[str, Any], call: Mapping[str, Any]) -> None:
    total["calls"] += 1
    total["prompt_tokens"] += int(call.get("prompt_tokens") or 0)
    total["completion_tokens"] += int(call.get("completion_tokens") or 0)
    total["cost_usd"] = round(total["cost_usd"] + float(call.get("cost_usd") or 0.0), 8)
    total["latency_ms"] += int(call.get("latency_ms") or 0)
    total["cache_hits"] += 1 if call.get("cache_hit") else 0
    total["errors"] += 1 if call.get("error") else 0


def summarise_calls(calls: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Totals over call records, plus the same totals by task and by ``endpoint/model`` that served it."""
    total = _empty()
    by_task: dict[str, dict[str, Any]] = {}
    by_model: dict[str, dict[str, Any]] = {}
    for call in calls:
        _add(total, call)
        _add(by_task.setdefault(str(call.get("task")), _empty()), call)
        served = f"{call.get('endpoint') or '-'}/{call.get('model') or '-'}"
        _add(by_model.setdefault(served, _empty()), call)
    return {**total, "by_task": by_task, "by_model": by_model}


def summarise_runs(calls_per_run: Iterable[Iterable[Mapping[str, Any]]]) -> dict[str, Any]:
    """Totals over many runs (a campaign, or every run for the stats page), with the run count."""
    runs = 0
    flat: list[Mapping[str, Any]] = []
    for calls in calls_per_run:
        runs += 1
        flat.extend(calls)
    return {**summarise_calls(flat), "runs": runs}
