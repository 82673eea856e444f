"""The held-out attacker cases, as tests: CSRF and foreign Host/Origin, the 17-byte form that asked for
10 million sections, oversized bodies, a 64 KB product id, lone surrogates — and sessions done right."""

from __future__ import annotations

import asyncio
import json
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.fakes import ScriptedLLM
from tests.unit.api_support import app_for, bearer, csrf_from, keys_of, local_client, remote_client
from tests.unit.graph_support import QUERY_PLAN, GraphHarness, draft_with

BRIEF = "Product text for the Acme Kettle K1"


@pytest.fixture
def waiting(tmp_path: Path) -> Iterator[tuple[FastAPI, TestClient, str]]:
    """The app in single-user mode with one run waiting for review."""
    harness = GraphHarness(
        tmp_path, ScriptedLLM({"rewrite": [QUERY_PLAN], "draft": [draft_with("49.90")]}), max_revisions=0
    )
    app = app_for(harness.runner, tmp_path, max_body_bytes=100_000, max_form_bytes=20_000)
    with local_client(app) as http:
        run_id = http.post("/v1/runs", json={"brief": BRIEF, "channel": "product_description"}).json()["run_id"]
        app.state.worker.wait(timeout_s=120)
        assert http.get(f"/v1/runs/{run_id}").json()["status"] == "awaiting_review"
        yield app, http, run_id
    harness.close()


def still_waiting(http: TestClient, app: FastAPI, run_id: str) -> bool:
    app.state.worker.wait(timeout_s=120)
    return bool(http.get(f"/v1/runs/{run_id}").json()["status"] == "awaiting_review")


# --- CSRF, Origin, Host ----------------------------------------------------------------------


def test_foreign_form_post_without_token_is_refused(waiting: tuple[FastAPI, TestClient, str]) -> None:
    app, http, run_id = waiting
    answer = http.post(f"/editor/runs/{run_id}/reject", data={"feedback": ""}, follow_redirects=False)
    assert answer.status_code == 403 and "CSRF" in answer.json()["detail"]
    assert still_waiting(http, app, run_id)


def test_token_from_another_browser_is_refused(waiting: tuple[FastAPI, TestClient, str]) -> None:
    app, http, run_id = waiting
    other = local_client(app)
    stolen = csrf_from(other, f"/editor/runs/{run_id}")  # bound to the other browser's cookie
    answer = http.post(f"/editor/runs/{run_id}/reject", data={"csrf_token": stolen}, follow_redirects=False)
    assert answer.status_code == 403
    assert still_waiting(http, app, run_id)


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {"sec-fetch-site": "cross-site"},
        {"origin": "http://127.0.0.1.evil.example"},
    ],
)
def test_cross_origin_post_is_refused_even_with_a_token(
    waiting: tuple[FastAPI, TestClient, str], headers: dict[str, str]
) -> None:
    app, http, run_id = waiting
    token = csrf_from(http, f"/editor/runs/{run_id}")
    answer = http.post(
        f"/editor/runs/{run_id}/reject", data={"csrf_token": token}, headers=headers, follow_redirects=False
    )
    assert answer.status_code == 403 and "cross-origin" in answer.json()["detail"]
    json_answer = http.post(f"/v1/runs/{run_id}/review", json={"action": "reject"}, headers=headers)
    assert json_answer.status_code == 403
    assert still_waiting(http, app, run_id)


def test_foreign_host_is_refused_and_public_host_accepted(tmp_path: Path) -> None:
    app = app_for(None, tmp_path, public_hosts=["copydesk.example.com"])
    http = local_client(app)
    assert http.get("/healthz", headers={"host": "evil.example"}).status_code == 400
    assert http.get("/healthz", headers={"host": "copydesk.example.com"}).status_code == 200
    assert http.get("/healthz", headers={"host": "copydesk.example.com:8443"}).status_code == 200
    same_origin = {"host": "copydesk.example.com", "origin": "https://copydesk.example.com"}
    assert http.post("/logout", json={}, headers=same_origin, follow_redirects=False).status_code == 303
    foreign = {"host": "copydesk.example.com", "origin": "https://evil.example"}
    assert http.post("/logout", json={}, headers=foreign, follow_redirects=False).status_code == 403


def test_same_origin_form_with_token_is_accepted(waiting: tuple[FastAPI, TestClient, str]) -> None:
    app, http, run_id = waiting
    token = csrf_from(http, f"/editor/runs/{run_id}")
    page = http.get(f"/editor/runs/{run_id}").text
    assert page.count('name="csrf_token"') >= 3  # approve, reject, edit
    answer = http.post(
        f"/editor/runs/{run_id}/reject-final",
        data={"csrf_token": token, "confirm": "yes"},
        headers={"origin": "http://127.0.0.1"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    app.state.worker.wait(timeout_s=120)
    assert http.get(f"/v1/runs/{run_id}").json()["status"] == "rejected"


# --- memory and size ---------------------------------------------------------------------------


def test_ten_million_sections_form_allocates_nothing(waiting: tuple[FastAPI, TestClient, str]) -> None:
    app, http, run_id = waiting
    token = csrf_from(http, f"/editor/runs/{run_id}")
    tracemalloc.start()
    try:
        answer = http.post(f"/editor/runs/{run_id}/edit", data={"sections": "10000000", "csrf_token": token})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert answer.status_code == 422 and "at most 20 sections" in answer.text
    assert peak < 20_000_000, f"peak {peak:,} bytes"
    assert still_waiting(http, app, run_id)


@pytest.mark.parametrize("field", ["title", "heading_0", "body_0", "claims", "meta_description"])
def test_every_edit_field_is_bounded(waiting: tuple[FastAPI, TestClient, str], field: str) -> None:
    app, http, run_id = waiting
    token = csrf_from(http, f"/editor/runs/{run_id}")
    form = {"csrf_token": token, "sections": "1", "title": "T", "heading_0": "H", "body_0": "B", field: "x" * 15_000}
    answer = http.post(f"/editor/runs/{run_id}/edit", data=form)
    assert answer.status_code == 422 and field in answer.text
    long_feedback = http.post(f"/editor/runs/{run_id}/reject", data={"csrf_token": token, "feedback": "x" * 5000})
    assert long_feedback.status_code == 422
    assert still_waiting(http, app, run_id)


def test_oversized_bodies_are_refused_before_parsing(waiting: tuple[FastAPI, TestClient, str]) -> None:
    _, http, run_id = waiting
    big = json.dumps({"brief": "x" * 200_000, "channel": "ad_copy"})
    assert http.post("/v1/runs", content=big, headers={"content-type": "application/json"}).status_code == 413
    token = csrf_from(http, f"/editor/runs/{run_id}")
    form = {"csrf_token": token, "sections": "1", "body_0": "y" * 30_000}
    assert http.post(f"/editor/runs/{run_id}/edit", data=form).status_code == 413
    assert http.get("/v1/runs").json()[0]["run_id"] == run_id  # nothing new was created


def test_a_streamed_100_mb_body_is_cut_off_early(waiting: tuple[FastAPI, TestClient, str]) -> None:
    """No Content-Length, 64 KB chunks: the app stops reading right after the limit (100 KB here)."""
    app, _, _ = waiting
    chunk = b"x" * 65536
    reads = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": chunk, "more_body": reads < 1600}  # 1600 × 64 KB = 100 MB

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/runs",
        "raw_path": b"/v1/runs",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 413
    assert reads <= 3, f"read {reads} chunks of a 100 MB body"


def test_long_product_id_is_refused_at_once(waiting: tuple[FastAPI, TestClient, str]) -> None:
    _, http, run_id = waiting
    started = time.perf_counter()
    answer = http.post("/v1/runs", json={"brief": BRIEF, "channel": "ad_copy", "product_id": "P" * 65_536})
    assert answer.status_code in (413, 422)
    small = http.post("/v1/runs", json={"brief": BRIEF, "channel": "ad_copy", "product_id": "P" * 129})
    assert small.status_code == 422 and "product_id" in small.text
    assert time.perf_counter() - started < 2.0
    assert [r["run_id"] for r in http.get("/v1/runs").json()] == [run_id]


# --- invalid Unicode ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/runs", '{"brief": "\\ud800", "channel": "ad_copy"}'),
        ("/v1/runs", '{"brief": "ok", "channel": "ad_copy", "product_id": "\\udfff"}'),
        ("/v1/runs", '{"brief": "nul \\u0000 here", "channel": "ad_copy"}'),
        ("/v1/runs", '{"brief": "ok", "channel": "ad_copy", "campaign_id": "\\ud800"}'),
        ("/v1/campaigns", '{"items": [{"brief": "a\\ud83d", "channel": "ad_copy"}]}'),
        ("/v1/campaigns", '{"campaign_id": "c1", "items": [{"brief": "ok", "channel": "ad_copy", "\\ud800": 1}]}'),
        ("/v1/runs/RUN/review", '{"action": "reject", "feedback": "\\ud800"}'),
        (
            "/v1/runs/RUN/review",
            '{"action": "edit", "draft": {"title": "\\udc00", "meta_description": "m", "sections": [], "claims": []}}',
        ),
    ],
)
def test_lone_surrogates_and_nul_are_422_never_500(
    waiting: tuple[FastAPI, TestClient, str], path: str, body: str
) -> None:
    app, http, run_id = waiting
    answer = http.post(path.replace("RUN", run_id), content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 422, answer.text
    json.dumps(answer.json()).encode("utf-8")
    assert still_waiting(http, app, run_id)


def test_surrogate_in_form_and_query_are_harmless(waiting: tuple[FastAPI, TestClient, str]) -> None:
    _, http, run_id = waiting
    assert http.get("/v1/runs", params={"campaign_id": "%ED%A0%80"}).status_code == 422
    assert http.get("/v1/runs/%ED%A0%80").status_code == 404
    token = csrf_from(http, f"/editor/runs/{run_id}")
    answer = http.post(
        f"/editor/runs/{run_id}/reject",
        content=f"csrf_token={token}&feedback=%ED%A0%80",
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert answer.status_code in (303, 422)


# --- identity: keys, sessions, the deciding editor ----------------------------------------------


def test_deciding_editor_is_the_key_not_the_body(waiting: tuple[FastAPI, TestClient, str]) -> None:
    app, _, run_id = waiting
    _, key = keys_of(app).create("eva", ["editor"])
    remote = remote_client(app)
    answer = remote.post(
        f"/v1/runs/{run_id}/review", json={"action": "reject", "feedback": "", "editor": "mallory"}, headers=bearer(key)
    )
    assert answer.status_code == 202
    app.state.worker.wait(timeout_s=120)
    decision = [e for e in app.state.audit.entries(run_id=run_id) if e.action == "run.decision"][-1]
    assert decision.actor == "eva" and "mallory" not in json.dumps(decision.to_dict())


def test_login_session_logout_and_revocation(waiting: tuple[FastAPI, TestClient, str]) -> None:
    app, _, run_id = waiting
    record, key = keys_of(app).create("eva", ["editor"])
    browser = remote_client(app)
    page = browser.get(f"/editor/runs/{run_id}", headers={"accept": "text/html"})
    assert page.status_code == 401 and 'action="/login"' in page.text  # the sign-in form, not a redirect loop
    token = csrf_from(browser, "/login")
    refused = browser.post("/login", data={"key": "cdk_wrong", "csrf_token": token, "next": "/editor"})
    assert refused.status_code == 401 and "not valid" in refused.text
    no_csrf = browser.post("/login", data={"key": key, "next": "/editor"})
    assert no_csrf.status_code == 403
    signed_in = browser.post(
        "/login", data={"key": key, "csrf_token": token, "next": "//evil.example/x"}, follow_redirects=False
    )
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/editor"
    cookie = next(v for v in signed_in.headers.get_list("set-cookie") if v.startswith("copydesk_session="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert browser.get(f"/editor/runs/{run_id}").status_code == 200
    assert "Signed in as eva" in browser.get("/editor").text
    # the session needs its own CSRF token (bound to the session), the pre-login one no longer works
    stale = browser.post(f"/editor/runs/{run_id}/reject", data={"csrf_token": token}, follow_redirects=False)
    assert stale.status_code == 403
    fresh = csrf_from(browser, f"/editor/runs/{run_id}")
    # JSON with the session cookie is fine (a browser cannot send it cross-site without a preflight)
    assert browser.get("/v1/runs").status_code == 200
    keys_of(app).revoke(record.key_id)
    assert browser.get(f"/editor/runs/{run_id}").status_code == 401
    assert browser.post(f"/editor/runs/{run_id}/reject", data={"csrf_token": fresh}).status_code == 401
    _, key2 = keys_of(app).create("eva2", ["viewer"])
    token = csrf_from(browser, "/login")
    browser.post("/login", data={"key": key2, "csrf_token": token})
    assert browser.get("/editor").status_code == 200
    viewer_post = browser.post(f"/editor/runs/{run_id}/reject", data={"csrf_token": csrf_from(browser, "/editor")})
    assert viewer_post.status_code == 403  # a viewer reads, never decides
    browser.post("/logout", data={"csrf_token": csrf_from(browser, "/editor")})
    assert browser.get("/editor").status_code == 401


def test_bearer_key_opens_editor_pages(waiting: tuple[FastAPI, TestClient, str]) -> None:
    app, _, run_id = waiting
    _, key = keys_of(app).create("bot", ["viewer"])
    remote = remote_client(app)
    assert remote.get(f"/editor/runs/{run_id}", headers=bearer(key)).status_code == 200
    assert remote.get(f"/editor/runs/{run_id}").status_code == 401


def test_keys_are_stored_hashed(tmp_path: Path) -> None:
    app = app_for(None, tmp_path)
    _, key = keys_of(app).create("eva", ["editor", "viewer"])
    raw = b"".join(p.read_bytes() for p in (tmp_path / "data").glob("auth.sqlite*"))
    secret = key[len("cdk_0123456789_") :]
    assert len(secret) == 43 and secret.encode() not in raw and key.encode() not in raw
    assert keys_of(app).list()[0].key_id.encode() in raw  # the table was really written
    assert keys_of(app).verify(key) is not None and keys_of(app).verify(key + "x") is None
