"""Editor pages over HTTP: the run list, one run with its checks, approve / reject / edit by form post."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.editor import parse_claims
from tests.fakes import ScriptedLLM
from tests.unit.api_support import app_for, csrf_from, local_client
from tests.unit.graph_support import QUERY_PLAN, GraphHarness, draft_with


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, GraphHarness]]:
    harness = GraphHarness(
        tmp_path, ScriptedLLM({"rewrite": [QUERY_PLAN], "draft": [draft_with("39.90")]}), max_revisions=0
    )
    with local_client(app_for(harness.runner, tmp_path)) as http:
        yield http, harness
    harness.close()


def settle(http: TestClient) -> None:
    http.app.state.worker.wait(timeout_s=120)  # type: ignore[attr-defined]


def start_run(http: TestClient, brief: str = "Acme Kettle K1 <script>x()</script> price") -> str:
    run_id = http.post("/v1/runs", json={"brief": brief, "channel": "product_description"}).json()["run_id"]
    settle(http)
    return str(run_id)


def test_run_page_shows_draft_checks_and_escapes_markup(client: tuple[TestClient, GraphHarness]) -> None:
    http, _ = client
    run_id = start_run(http)
    listing = http.get("/editor").text
    assert f'href="/editor/runs/{run_id}"' in listing and "1 waiting for review" in listing
    page = http.get(f"/editor/runs/{run_id}").text
    assert "Acme Kettle K1" in page and ('class="contradicted"' in page or 'class="not_found"' in page)
    assert "Blocking" in page and "<script>x()" not in page


def test_edit_then_approve_by_form(client: tuple[TestClient, GraphHarness]) -> None:
    http, _ = client
    run_id = start_run(http)
    token = csrf_from(http, f"/editor/runs/{run_id}")
    refused = http.post(f"/editor/runs/{run_id}/approve", data={"csrf_token": token}, follow_redirects=True)
    settle(http)
    assert "cannot approve" in http.get(f"/editor/runs/{run_id}").text
    assert refused.status_code == 200
    form = {
        "title": "Acme Kettle K1",
        "meta_description": "Price and technical data of the Acme Kettle K1.",
        "sections": "1",
        "heading_0": "Price",
        "body_0": "The Acme Kettle K1 costs 49.90 EUR [S1].",
        "claims": "The Acme Kettle K1 costs 49.90 EUR. [S1]",
        "editor": "mallory",  # ignored: the deciding editor is the signed-in identity
        "csrf_token": token,
    }
    assert http.post(f"/editor/runs/{run_id}/edit", data=form, follow_redirects=False).status_code == 303
    settle(http)
    after = http.get(f"/editor/runs/{run_id}").text
    assert "Blocking" not in after and 'class="supported"' in after
    http.post(f"/editor/runs/{run_id}/approve", data={"csrf_token": token})
    settle(http)
    assert "published" in http.get(f"/editor/runs/{run_id}").text
    decisions = [e for e in http.app.state.audit.entries(run_id=run_id) if e.action == "run.decision"]  # type: ignore[attr-defined]
    assert {e.actor for e in decisions} == {"local"}


def test_reject_without_feedback_ends_the_run_and_decisions_then_conflict(
    client: tuple[TestClient, GraphHarness],
) -> None:
    http, _ = client
    run_id = start_run(http)
    token = csrf_from(http, f"/editor/runs/{run_id}")
    http.post(f"/editor/runs/{run_id}/reject", data={"feedback": "", "csrf_token": token})
    settle(http)
    assert "rejected" in http.get(f"/editor/runs/{run_id}").text
    approve = http.post(f"/editor/runs/{run_id}/approve", data={"csrf_token": token}, follow_redirects=False)
    assert approve.status_code == 409
    assert http.get("/editor/runs/nope").status_code == 404


def test_claim_lines_parse() -> None:
    assert parse_claims("A costs 5 EUR. [S1, S2]\n\nno sources here\n") == [
        {"text": "A costs 5 EUR.", "sources": ["S1", "S2"]},
        {"text": "no sources here", "sources": []},
    ]
