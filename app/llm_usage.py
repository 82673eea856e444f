"""Model usage and cost per run, per campaign and overall, from the runs' ``llm_calls`` records.

The records live in each run's checkpointed state (contract 4), so these sums need
no table of their own and are exact for every run that finished a model step. The
stats page (issue 12) calls :func:`usage_stats`; the run view, ``copydesk show`` and
``GET /v1/runs/{id}`` show :func:`run_usage`; campaigns show :func:`campaign_usage`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from serving.cost import summarise_calls, summarise_runs


class _Runs(Protocol):
    """The part of DraftRunner these sums need (a protocol, so tests can pass anything alike)."""

    def list(self, **filters: Any) -> list[Any]: ...

    def get(self, run_id: str) -> Any: ...


def run_usage(state: Mapping[str, Any]) -> dict[str, Any]:
    """Calls, tokens, latency, cost, cache hits and errors of one run, by task and by serving model."""
    return summarise_calls(state.get("llm_calls") or [])


def usage_stats(runner: _Runs, *, campaign_id: str | None = None, status: str | None = None) -> dict[str, Any]:
    """Usage summed over runs (optionally one campaign or one status), with the cost per run."""
    filters: dict[str, Any] = {"limit": 100_000}
    if campaign_id is not None:
        filters["campaign_id"] = campaign_id
    if status is not None:
        filters["status"] = status
    per_run = []
    for record in runner.list(**filters):
        view = runner.get(record.run_id)
        per_run.append(view.state.get("llm_calls") or [])
    total = summarise_runs(per_run)
    total["cost_per_run_usd"] = round(total["cost_usd"] / total["runs"], 8) if total["runs"] else 0.0
    return total


def campaign_usage(runner: _Runs, campaign_id: str) -> dict[str, Any]:
    """Usage of every run filed under a campaign."""
    return usage_stats(runner, campaign_id=campaign_id)
