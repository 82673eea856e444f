"""HTTP API: queue runs and campaigns, poll them, review them; bad requests get clear 4xx answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.fakes import ScriptedLLM
from tests.unit.api_support import app_for, local_client
from tests.unit.graph_support import QUERY_PLAN, GraphHarness, draft_with

BRIEF = "Product text for the Acme Kettle K1"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, GraphHarness]]:
    harness = GraphHarness(tmp_path, ScriptedLLM({"rewrite": [QUERY_PLAN], "draft": [draft_with("49.90")]}))
    with local_client(app_for(harness.runner, tmp_path)) as client:  # single-user mode: no keys, loopback
        yield client, harness
    harness.close()


def settle(client: TestClient) -> None:
    client.app.state.worker.wait(timeout_s=120)  # type: ignore[attr-defined]


def test_run_is_queued_then_reviewed_and_published(api: tuple[TestClient, GraphHarness]) -> None:
    client, _ = api
    created = client.post("/v1/runs", json={"brief": BRIEF, "channel": "product_description", "language": "en"})
    assert created.status_code == 202 and created.json()["status"] == "queued"
    run_id = created.json()["run_id"]
    settle(client)
    waiting = client.get(f"/v1/runs/{run_id}").json()
    assert waiting["status"] == "awaiting_review"
    body = [s for s in waiting["review"]["sentences"] if s["field"] == "sections[0].body"]
    assert body and body[0]["verdict"] == "supported" and body[0]["evidence"]["text"]

    assert client.post(f"/v1/runs/{run_id}/review", json={"action": "approve", "editor": "eva"}).status_code == 202
    settle(client)
    done = client.get(f"/v1/runs/{run_id}").json()
    assert done["status"] == "published" and Path(done["published"]["html"]).exists()
    again = client.post(f"/v1/runs/{run_id}/review", json={"action": "approve"})
    assert again.status_code == 409


def test_campaign_runs_every_item(api: tuple[TestClient, GraphHarness]) -> None:
    client, _ = api
    items = [
        {"brief": BRIEF, "channel": "ad_copy"},
        {"brief": BRIEF + " for winter", "channel": "crm_email"},
        {"brief": BRIEF + " landing", "channel": "landing_page"},
    ]
    created = client.post("/v1/campaigns", json={"campaign_id": "winter-26", "items": items})
    assert created.status_code == 202 and created.json()["total"] == 3
    settle(client)
    status = client.get("/v1/campaigns/winter-26").json()
    assert status["by_status"] == {"awaiting_review": 3}
    assert {r["channel"] for r in status["runs"]} == {"ad_copy", "crm_email", "landing_page"}
    assert client.post("/v1/campaigns", json={"campaign_id": "winter-26", "items": items}).status_code == 409


def test_a_bad_campaign_item_creates_nothing(api: tuple[TestClient, GraphHarness]) -> None:
    client, harness = api
    items = [{"brief": BRIEF, "channel": "ad_copy"}, {"brief": "   ", "channel": "ad_copy"}]
    answer = client.post("/v1/campaigns", json={"campaign_id": "broken", "items": items})
    assert answer.status_code == 422 and "item 1: the brief is empty" in answer.json()["detail"][0]["msg"]
    assert harness.runner.list() == []


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        ("get", "/v1/runs/nope", None, 404),
        ("post", "/v1/runs/nope/review", {"action": "approve"}, 404),
        ("post", "/v1/runs", {"brief": "", "channel": "ad_copy"}, 422),
        ("post", "/v1/runs", {"brief": "x", "channel": "poem"}, 422),
        ("post", "/v1/runs", {"brief": "x" * 5000, "channel": "ad_copy"}, 422),
        ("get", "/v1/campaigns/nope", None, 404),
    ],
)
def test_bad_requests(
    api: tuple[TestClient, GraphHarness], method: str, path: str, body: dict | None, code: int
) -> None:
    client, _ = api
    response = client.request(method.upper(), path, json=body)
    assert response.status_code == code, response.text


def test_queued_runs_survive_a_restart(tmp_path: Path) -> None:
    first = GraphHarness(tmp_path, ScriptedLLM({}))
    run_id = first.runner.create(BRIEF, channel="ad_copy", language="en")
    first.close()
    harness = GraphHarness(tmp_path, ScriptedLLM({"rewrite": [QUERY_PLAN], "draft": [draft_with("49.90")]}))
    with local_client(app_for(harness.runner, tmp_path)) as client:
        settle(client)
        assert client.get(f"/v1/runs/{run_id}").json()["status"] == "awaiting_review"
    harness.close()
