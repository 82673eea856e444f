"""Every route × every role, from the app's own route list: a new route is covered the day it is added.

The expectations below restate the contract (COORDINATION.md, contract 2) independently of
``app.auth.RULES``; a route neither names needs ``admin``. Routes other branches add
(documents, check, published, stats, ops, webhooks) are mounted as stand-ins so the table
is proven for them before they exist here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI

from app.api import route_table
from app.auth import ROLES
from tests.fakes import ScriptedLLM
from tests.unit.api_support import app_for, bearer, keys_of, local_client, remote_client
from tests.unit.graph_support import GraphHarness

READ = {"viewer", "ops", "editor"}
PUBLIC: set[str] = set()
EXPECTED: list[tuple[str, str, set[str]]] = [  # (methods, path regex, roles besides admin)
    ("GET", r"^/healthz$", PUBLIC),
    ("GET POST", r"^/login$", PUBLIC),
    ("POST", r"^/logout$", PUBLIC),
    ("GET", r"^/editor/static/desk\.(css|js)$", PUBLIC),
    ("GET", r"^/(openapi\.json|docs|docs/oauth2-redirect|redoc)$", READ),
    ("GET", r"^/v1/(runs|campaigns|documents|stats)(/.*)?$", READ),
    ("POST", r"^/v1/(runs|campaigns)$", {"ops"}),
    ("POST", r"^/v1/runs/[^/]+/(retry|cancel)$", {"ops"}),
    ("POST", r"^/v1/runs/[^/]+/review$", {"editor"}),
    ("POST", r"^/v1/check$", {"ops", "editor"}),
    ("GET", r"^/(editor|published|ops)(/.*)?$", READ),
    ("POST", r"^/(editor|published)(/.*)?$", {"editor"}),
    ("POST", r"^/ops(/.*)?$", {"ops"}),
    ("GET", r"^/v1/audit$", {"viewer"}),
]


def expected_roles(method: str, path: str) -> set[str] | None:
    """None = public; otherwise the roles allowed (admin always)."""
    for methods, pattern, roles in EXPECTED:
        if method in methods.split() and re.match(pattern, path):
            return None if not roles else roles | {"admin"}
    return {"admin"}


def other_branches() -> APIRouter:
    """Stand-ins for routes issues 8, 10b, 11, 12 and 13 add (same paths, trivial bodies)."""
    router = APIRouter()

    def ok() -> dict[str, str]:
        return {"ok": "yes"}

    for method, path in [
        ("GET", "/v1/documents"),
        ("GET", "/v1/documents/{doc_id}"),
        ("POST", "/v1/documents/{doc_id}/approve"),
        ("DELETE", "/v1/documents/{doc_id}"),
        ("POST", "/v1/check"),
        ("GET", "/published/{run_id}"),
        ("GET", "/v1/stats"),
        ("GET", "/ops"),
        ("POST", "/v1/runs/{run_id}/cancel"),
        ("GET", "/v1/webhooks"),
        ("POST", "/v1/webhooks"),
        ("GET", "/v1/settings"),
    ]:
        router.add_api_route(path, ok, methods=[method])
    return router


@pytest.fixture(scope="module")
def role_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, dict[str, str]]]:
    root = tmp_path_factory.mktemp("roles")
    harness = GraphHarness(root, ScriptedLLM({}))
    app = app_for(harness.runner, root)
    app.include_router(other_branches())
    keys = {role: keys_of(app).create(f"{role}-key", [role])[1] for role in ROLES}
    with remote_client(app):  # lifespan once for the module
        yield app, keys
    harness.close()


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "nope", path)


def all_routes(app: FastAPI) -> list[tuple[str, str]]:
    return [(m, p) for m, p in route_table(app) if m != "HEAD"]


def test_every_route_every_role(role_app: tuple[FastAPI, dict[str, str]]) -> None:
    app, keys = role_app
    routes = all_routes(app)
    assert len(routes) >= 30  # the app's own routes plus the stand-ins
    client = remote_client(app)
    failures = []
    for method, template in routes:
        path = concrete(template)
        allowed = expected_roles(method, path)
        body = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
        answer = client.request(method, path, **body)
        anonymous = answer.status_code
        if allowed is None:  # the gate lets it through (the login form itself may still say 401 to a bad key)
            if anonymous == 403 or "www-authenticate" in answer.headers:
                failures.append(f"{method} {path}: public route refused by the gate ({anonymous})")
            continue
        if anonymous != 401:
            failures.append(f"{method} {path}: no key → {anonymous}, expected 401")
        for role in ROLES:
            status = client.request(method, path, headers=bearer(keys[role]), **body).status_code
            if role in allowed and status in (401, 403):
                failures.append(f"{method} {path}: {role} refused ({status})")
            if role not in allowed and status != 403:
                failures.append(f"{method} {path}: {role} → {status}, expected 403")
    assert not failures, "\n".join(failures)


def test_unknown_routes_need_admin(role_app: tuple[FastAPI, dict[str, str]]) -> None:
    app, keys = role_app
    client = remote_client(app)
    for path in ("/v1/keys", "/admin", "/v1/runs/x/y/z/delete", "/V1/RUNS"):
        assert client.post(path, json={}, headers=bearer(keys["editor"])).status_code == 403
        assert client.post(path, json={}, headers=bearer(keys["admin"])).status_code not in (401, 403)


def test_bad_and_revoked_keys_are_401(role_app: tuple[FastAPI, dict[str, str]]) -> None:
    app, _ = role_app
    client = remote_client(app)
    assert client.get("/v1/runs", headers=bearer("cdk_0000000000_" + "A" * 43)).status_code == 401
    assert client.get("/v1/runs", headers={"Authorization": "Basic Zm9vOmJhcg=="}).status_code == 401
    answer = client.get("/v1/runs")
    assert answer.status_code == 401 and answer.headers["www-authenticate"].startswith("Bearer")
    record, key = keys_of(app).create("temp", ["viewer"])
    assert client.get("/v1/runs", headers=bearer(key)).status_code == 200
    keys_of(app).revoke(record.key_id)
    assert client.get("/v1/runs", headers=bearer(key)).status_code == 401


def test_single_user_mode_only_on_loopback_and_only_without_keys(tmp_path: Path) -> None:
    app = app_for(None, tmp_path)  # no lifespan needed: /v1/audit reads only the audit log
    local, remote = local_client(app), remote_client(app)
    assert local.get("/v1/audit").status_code == 200  # local identity holds every role
    assert remote.get("/v1/audit").status_code == 401
    assert local.get("/v1/audit", headers={"host": "evil.example"}).status_code == 400
    keys_of(app).create("first-admin", ["admin"])  # the first key ends single-user mode
    assert local.get("/v1/audit").status_code == 401
    switched_off = app_for(None, tmp_path / "off", auth_single_user=False)
    assert local_client(switched_off).get("/v1/audit").status_code == 401


def test_client_cannot_choose_the_deciding_editor_in_openapi(role_app: tuple[FastAPI, dict[str, str]]) -> None:
    app, _ = role_app
    review = app.openapi()["components"]["schemas"]["ReviewRequest"]["properties"]
    assert "editor" not in review


def test_route_list_includes_editor_pages(role_app: tuple[FastAPI, dict[str, str]]) -> None:
    app, _ = role_app
    paths = {p for _, p in all_routes(app)}
    assert {"/editor", "/editor/runs/{run_id}/approve", "/login", "/v1/audit"} <= paths


def test_a_plain_test_client_is_a_local_single_user(tmp_path: Path) -> None:
    """Tests elsewhere write ``TestClient(create_app(...))``: conftest makes that a loopback browser."""
    from fastapi.testclient import TestClient

    app = app_for(None, tmp_path)
    assert TestClient(app).get("/v1/audit").status_code == 200
    assert TestClient(app, client=("203.0.113.9", 1)).get("/v1/audit").status_code == 401
