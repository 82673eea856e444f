"""One run model: transitions in one place, durable decisions, dead runs continued, cancel, Idempotency-Key."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.run_status import RunStatus, can_move
from app.runner import DraftRunner, RunConflictError
from graphs.draft.state import RunStatus as GraphRunStatus
from tests.fakes import ScriptedLLM
from tests.unit.graph_support import QUERY_PLAN, GraphHarness, draft_with

BRIEF = "Product text for the Acme Kettle K1"


def script() -> ScriptedLLM:
    return ScriptedLLM({"rewrite": [QUERY_PLAN], "draft": [draft_with("49.90")]})


def test_one_status_set_for_graph_and_app() -> None:
    assert {s.value for s in RunStatus} == set(get_args(GraphRunStatus))
    assert can_move("awaiting_review", "queued") and not can_move("published", "queued")
    assert not can_move("published", "cancelled") and can_move("failed", "cancelled")


def test_decision_is_durable_before_any_worker_runs_it(tmp_path: Path) -> None:
    """A reject accepted while the run waited behind the queue is applied by the next process."""
    first = GraphHarness(tmp_path, script())
    view = first.runner.start(BRIEF, channel="product_description", language="en", run_id="r1")
    assert view.status == "awaiting_review"
    first.runner.submit_decision("r1", {"action": "reject", "feedback": "", "editor": "eva"})
    assert first.registry.get("r1").status == "queued"  # type: ignore[union-attr]
    with pytest.raises(RunConflictError, match="not waiting for an editor"):
        first.runner.submit_decision("r1", {"action": "approve"})  # a second decision loses
    first.close()  # the process dies before its worker got to the run

    second = GraphHarness(tmp_path, script())

    @contextlib.contextmanager
    def factory() -> Iterator[DraftRunner]:
        yield second.runner

    with TestClient(create_app(factory)) as client:
        client.app.state.worker.wait(timeout_s=60)  # type: ignore[attr-defined]
        assert client.get("/v1/runs/r1").json()["status"] == "rejected"
    second.close()


def test_a_run_left_running_by_a_dead_process_is_continued_on_start(tmp_path: Path) -> None:
    first = GraphHarness(tmp_path, script())
    run_id = first.runner.create(BRIEF, channel="ad_copy", language="en")
    assert first.registry.claim(run_id, "dead-worker", lease_s=3600)  # claimed, then the process died
    first.close()
    second = GraphHarness(tmp_path, script())

    @contextlib.contextmanager
    def factory() -> Iterator[DraftRunner]:
        yield second.runner

    with TestClient(create_app(factory)) as client:
        client.app.state.worker.wait(timeout_s=60)  # type: ignore[attr-defined]
        assert client.get(f"/v1/runs/{run_id}").json()["status"] == "awaiting_review"
    assert second.registry.get(run_id).attempts == 2  # type: ignore[union-attr]
    second.close()


def test_a_live_lease_blocks_a_second_worker_until_it_expires(tmp_path: Path) -> None:
    harness = GraphHarness(tmp_path, script())
    try:
        run_id = harness.runner.create(BRIEF, channel="ad_copy", language="en")
        assert harness.registry.claim(run_id, "worker-a", lease_s=0.3)
        assert not harness.registry.claim(run_id, "worker-b", lease_s=10)
        with pytest.raises(RunConflictError, match="lease runs out"):
            harness.runner.request_retry(run_id)
        time.sleep(0.4)
        assert harness.registry.requeue_stale() == [run_id]
        assert harness.runner.drive(run_id).status == "awaiting_review"
    finally:
        harness.close()


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, GraphHarness]]:
    harness = GraphHarness(tmp_path, script())

    @contextlib.contextmanager
    def factory() -> Iterator[DraftRunner]:
        yield harness.runner

    with TestClient(create_app(factory)) as client:
        yield client, harness
    harness.close()


def settle(client: TestClient) -> None:
    client.app.state.worker.wait(timeout_s=120)  # type: ignore[attr-defined]


def test_cancel_stops_a_run_and_nothing_is_published(api: tuple[TestClient, GraphHarness]) -> None:
    client, harness = api
    run_id = client.post("/v1/runs", json={"brief": BRIEF, "channel": "ad_copy"}).json()["run_id"]
    settle(client)
    assert client.post(f"/v1/runs/{run_id}/cancel").json()["status"] == "cancelled"
    assert client.post(f"/v1/runs/{run_id}/review", json={"action": "approve"}).status_code == 409
    assert client.post(f"/v1/runs/{run_id}/retry").status_code == 409
    assert client.post(f"/v1/runs/{run_id}/cancel").status_code == 409
    assert client.post("/v1/runs/nope/cancel").status_code == 404
    assert not (harness.root / "published" / run_id).exists()


def test_idempotency_key_replays_the_first_answer(api: tuple[TestClient, GraphHarness]) -> None:
    client, harness = api
    body = {"campaign_id": "once", "items": [{"brief": BRIEF, "channel": "ad_copy"}]}
    first = client.post("/v1/campaigns", json=body, headers={"Idempotency-Key": "k-1"})
    again = client.post("/v1/campaigns", json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert len(harness.runner.list(campaign_id="once")) == 1
    other = client.post("/v1/campaigns", json={**body, "campaign_id": "twice"}, headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 422
    settle(client)
    run_id = first.json()["runs"][0]["run_id"]
    decide = {"action": "reject", "feedback": ""}
    one = client.post(f"/v1/runs/{run_id}/review", json=decide, headers={"Idempotency-Key": "d-1"})
    two = client.post(f"/v1/runs/{run_id}/review", json=decide, headers={"Idempotency-Key": "d-1"})
    assert one.status_code == two.status_code == 202  # the replay, not a 409 for a second decision
    settle(client)
    assert client.get(f"/v1/runs/{run_id}").json()["status"] == "rejected"
    bad = client.post("/v1/runs", json={"brief": BRIEF, "channel": "ad_copy"}, headers={"Idempotency-Key": "x" * 201})
    assert bad.status_code == 422


def test_cancel_while_running_stops_at_the_next_stage(tmp_path: Path) -> None:
    harness = GraphHarness(tmp_path, script())
    try:
        run_id = harness.runner.create(BRIEF, channel="ad_copy", language="en")
        original = harness.services.guards.check_draft

        def cancel_meanwhile(*args, **kwargs):  # type: ignore[no-untyped-def]
            harness.runner.cancel(run_id)  # an operator cancels while the worker is in the guard stage
            return original(*args, **kwargs)

        harness.services.guards.check_draft = cancel_meanwhile  # type: ignore[method-assign]
        view = harness.runner.drive(run_id)
        assert view.status == "cancelled"
        assert harness.runner.graph.get_state(harness.runner._config(run_id)).next == ("fact_check",)
        assert harness.runner.drive(run_id).status == "cancelled"  # a late duplicate job does nothing
    finally:
        harness.close()


def test_webhook_log_endpoint_without_targets_is_empty(api: tuple[TestClient, GraphHarness]) -> None:
    client, _ = api
    assert client.get("/v1/webhooks/deliveries").json() == []
