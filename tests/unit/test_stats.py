"""Operations figures from run records, event logs and LLM call records; the CLI and the page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.routers.stats import build_router
from app.stats import compute, parse_since


def _run(status: str, created: str, events: list[tuple[str, str]], calls: list[dict] | None = None) -> tuple:
    state = {"events": [{"node": n, "at": at} for n, at in events]}
    if calls is not None:
        state["llm_calls"] = calls
    return {"status": status, "created_at": created}, state


def _call(model: str, ms: float, *, cost: float = 0.01, hit: bool = False, error: str | None = None) -> dict:
    return {
        "task": "draft",
        "model": model,
        "prompt_tokens": 100,
        "completion_tokens": 20,
        "latency_ms": ms,
        "cost_usd": cost,
        "cache_hit": hit,
        "error": error,
        "endpoint": "e",
        "prompt_ref": "draft/x@v2",
        "attempts": 1,
    }


RUNS = [
    _run(
        "awaiting_review",
        "2026-12-01T10:00:00+00:00",
        [("prepare_brief", "2026-12-01T10:00:00.500+00:00"), ("write_draft", "2026-12-01T10:00:03.500+00:00")],
        [_call("qwen", 2000), _call("small", 300, hit=True)],
    ),
    _run(
        "published",
        "2026-12-01T11:00:00+00:00",
        [("prepare_brief", "2026-12-01T11:00:00.300+00:00"), ("write_draft", "2026-12-01T11:00:05.300+00:00")],
        [_call("qwen", 4000, error="timeout")],
    ),
    _run("failed", "2026-11-01T09:00:00+00:00", [("prepare_brief", "2026-11-01T09:00:01+00:00")]),
]


def test_figures_per_status_node_and_model() -> None:
    stats = compute(RUNS)
    assert stats.runs == 3 and stats.runs_by_status == {"awaiting_review": 1, "failed": 1, "published": 1}
    assert stats.run_error_rate == pytest.approx(1 / 3) and stats.outputs == 2
    assert stats.llm_calls == 3 and stats.prompt_tokens == 300 and stats.completion_tokens == 60
    assert stats.cost_usd == pytest.approx(0.03) and stats.cost_per_output_usd == pytest.approx(0.015)
    assert stats.cache_hit_rate == pytest.approx(1 / 3) and stats.llm_error_rate == pytest.approx(1 / 3)
    assert stats.latency_by_node["write_draft"].count == 2
    assert stats.latency_by_node["write_draft"].p50_ms == pytest.approx(3000)
    assert stats.latency_by_node["write_draft"].p95_ms == pytest.approx(5000)
    assert stats.latency_by_model["qwen"].p95_ms == pytest.approx(4000)
    assert stats.runs_without_call_records == 1


def test_since_filters_and_parses() -> None:
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert compute(RUNS, parse_since("2h", now)).runs == 2
    assert compute(RUNS, parse_since("2026-12-01T10:30:00+00:00")).runs == 1
    with pytest.raises(ValueError, match="use 30m, 24h"):
        parse_since("yesterday")


class _Runner:
    def list(self, limit: int = 1000) -> list:
        from app.runs import RunRecord

        return [
            RunRecord(
                run_id=f"r{i}",
                channel="ad_copy",
                language="en",
                brief_preview="",
                status=r[0]["status"],
                created_at=r[0]["created_at"],
            )
            for i, r in enumerate(RUNS)
        ]

    def get(self, run_id: str) -> object:
        class View:
            state = RUNS[int(run_id[1:])][1]

        return View()


def test_router_json_and_page() -> None:
    app = FastAPI()
    app.include_router(build_router(lambda: _Runner()))
    client = TestClient(app)
    data = client.get("/v1/stats").json()
    assert data["runs"] == 3 and data["latency_by_model"]["qwen"]["count"] == 2
    page = client.get("/ops/stats")
    assert page.status_code == 200 and "Runs per status" in page.text and "write_draft" in page.text
    assert client.get("/v1/stats?since=soon").status_code == 422


def test_stats_over_real_runs(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app.stats import collect
    from tests.fakes import ScriptedLLM
    from tests.unit.graph_support import QUERY_PLAN, GraphHarness, draft_with

    harness = GraphHarness(
        tmp_path,
        ScriptedLLM({"rewrite": [QUERY_PLAN, QUERY_PLAN], "draft": [draft_with("49.90")] * 2}),
        max_revisions=0,
    )
    try:
        first = harness.runner.start("Ad for the Acme Kettle K1.", channel="ad_copy", language="en")
        harness.runner.start("Mail about the Acme Kettle K1.", channel="crm_email", language="en")
        harness.runner.resume(first.run_id, {"action": "reject", "feedback": "no"})
        stats = collect(harness.runner)
    finally:
        harness.close()
    assert stats.runs == 2 and stats.runs_by_status == {"awaiting_review": 1, "rejected": 1}
    assert stats.latency_by_node["write_draft"].count == 2 and stats.latency_by_node["guard"].p95_ms is not None
    assert stats.runs_without_call_records == 2  # the scripted model records no llm_calls
