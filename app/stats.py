"""Operations figures from what runs already record: run records, event logs, LLM call records.

Why computed on read: the run registry, each run's event log (one timestamped entry
per finished stage) and its ``llm_calls`` (contract 4: model, tokens, latency, cost,
cache hit, error per call) already hold everything; a second store would drift.
Stage latency is the gap between an event and the one before it (the first stage is
measured from the run's creation). Runs without ``llm_calls`` (recorded before issue 13)
count for stages and statuses but not for tokens or cost.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any


@dataclass
class Latency:
    count: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None


@dataclass
class Stats:
    since: str | None
    runs: int = 0
    runs_by_status: dict[str, int] = field(default_factory=dict)
    run_error_rate: float | None = None
    outputs: int = 0  # drafts that reached the editor or were published
    cost_usd: float = 0.0
    cost_per_output_usd: float | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    llm_calls: int = 0
    llm_error_rate: float | None = None
    cache_hit_rate: float | None = None
    latency_by_node: dict[str, Latency] = field(default_factory=dict)
    latency_by_model: dict[str, Latency] = field(default_factory=dict)
    runs_without_call_records: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _latency(values: Sequence[float]) -> Latency:
    return Latency(len(values), percentile(values, 0.5), percentile(values, 0.95))


def _parse(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    try:
        parsed = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_since(text: str | None, now: datetime | None = None) -> datetime | None:
    """``24h``, ``7d``, ``30m`` or an ISO date/time; ``None`` for everything."""
    if not text:
        return None
    now = now or datetime.now(UTC)
    units = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    if text[-1:] in units and text[:-1].isdigit():
        return now - timedelta(**{units[text[-1]]: int(text[:-1])})
    parsed = _parse(text)
    if parsed is None:
        raise ValueError(f"--since {text!r}: use 30m, 24h, 7d, 2w or an ISO date such as 2026-12-01")
    return parsed


def compute(runs: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]], since: datetime | None = None) -> Stats:
    """Figures over ``(record, state)`` pairs: a run record (``status``, ``created_at``) and its graph state."""
    stats = Stats(since=since.isoformat() if since else None)
    statuses: Counter[str] = Counter()
    nodes: dict[str, list[float]] = defaultdict(list)
    models: dict[str, list[float]] = defaultdict(list)
    calls = errors = hits = 0
    for record, state in runs:
        created = _parse(str(record.get("created_at") or ""))
        if since and created and created < since:
            continue
        stats.runs += 1
        status = str(record.get("status") or "unknown")
        statuses[status] += 1
        if status in ("awaiting_review", "published"):
            stats.outputs += 1
        previous = created
        for entry in state.get("events") or []:
            at = _parse(entry.get("at"))
            if at and previous and at >= previous:
                nodes[str(entry.get("node"))].append((at - previous).total_seconds() * 1000)
            previous = at or previous
        records = state.get("llm_calls")
        if not records:
            stats.runs_without_call_records += 1
            continue
        for call in records:
            calls += 1
            errors += 1 if call.get("error") else 0
            hits += 1 if call.get("cache_hit") else 0
            stats.prompt_tokens += int(call.get("prompt_tokens") or 0)
            stats.completion_tokens += int(call.get("completion_tokens") or 0)
            stats.cost_usd += float(call.get("cost_usd") or 0.0)
            if call.get("latency_ms") is not None:
                models[str(call.get("model") or "?")].append(float(call["latency_ms"]))
    stats.runs_by_status = dict(sorted(statuses.items()))
    if stats.runs:
        stats.run_error_rate = statuses.get("failed", 0) / stats.runs
    stats.llm_calls = calls
    if calls:
        stats.llm_error_rate, stats.cache_hit_rate = errors / calls, hits / calls
    if stats.outputs:
        stats.cost_per_output_usd = stats.cost_usd / stats.outputs
    stats.latency_by_node = {n: _latency(v) for n, v in sorted(nodes.items())}
    stats.latency_by_model = {n: _latency(v) for n, v in sorted(models.items())}
    return stats


def collect(runner: Any, since: datetime | None = None, limit: int = 1000) -> Stats:
    """Stats over a :class:`app.runner.DraftRunner`'s runs (newest ``limit``)."""
    pairs = []
    for record in runner.list(limit=limit):
        created = _parse(record.created_at)
        if since and created and created < since:
            continue
        try:
            state = runner.get(record.run_id).state
        except Exception:  # a run whose checkpoint is gone still counts by status
            state = {}
        pairs.append((asdict(record), state))
    return compute(pairs, since)
