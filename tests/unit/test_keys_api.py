"""``/v1/keys``: an administrator manages keys over HTTP; the new key is shown once and stored nowhere in clear."""

from __future__ import annotations

import base64
import sqlite3
from pathlib import Path

from tests.fakes import ScriptedLLM
from tests.unit.api_support import app_for, bearer, keys_of, remote_client
from tests.unit.graph_support import GraphHarness


def _dump(path: Path) -> str:
    """Every row of a SQLite file, with stored idempotent answers decoded (they are kept base64)."""
    with sqlite3.connect(path) as db:
        text = "\n".join(db.iterdump())
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "copydesk_idempotency" in tables:
            bodies = db.execute("SELECT body FROM copydesk_idempotency WHERE body IS NOT NULL").fetchall()
            text += "\n".join(base64.b64decode(b).decode("utf-8", "replace") for (b,) in bodies)
    return text


def test_admin_creates_lists_and_revokes_keys_over_http(tmp_path: Path) -> None:
    harness = GraphHarness(tmp_path, ScriptedLLM({}))
    app = app_for(harness.runner, tmp_path)
    _, admin = keys_of(app).create("root-admin", ["admin"])
    with remote_client(app) as http:
        made = http.post(
            "/v1/keys",
            json={"name": "agency-ops", "roles": ["ops", "viewer"]},
            headers={**bearer(admin), "Idempotency-Key": "new-agency-key"},
        )
        assert made.status_code == 201, made.text
        assert made.headers["cache-control"] == "no-store"
        created = made.json()
        key = created["key"]
        assert created["roles"] == ["ops", "viewer"] and key.startswith("cdk_")

        # the key works, with its roles only
        assert http.get("/v1/runs", headers=bearer(key)).status_code == 200
        assert http.get("/v1/keys", headers=bearer(key)).status_code == 403

        listed = http.get("/v1/keys", headers=bearer(admin)).json()
        assert {k["name"] for k in listed} == {"root-admin", "agency-ops"}
        assert all("key" not in k for k in listed), "a listing never shows a key"

        # nothing holds the plaintext: not the key table, not the stored idempotent answers, not the audit log
        dumps = {db.name: _dump(db) for db in tmp_path.rglob("*") if db.is_file() and db.suffix in (".sqlite", ".db")}
        assert any("copydesk_api_keys" in d for d in dumps.values()) and any(
            "copydesk_idempotency" in d for d in dumps.values()
        ), sorted(dumps)
        for name, dump in dumps.items():
            assert key not in dump, f"{name} holds the new key in clear"

        trail = http.get("/v1/audit", params={"action": "key.created"}, headers=bearer(admin)).json()
        assert [(e["actor"], e["details"]["name"]) for e in trail] == [("root-admin", "agency-ops")]

        revoked = http.delete(f"/v1/keys/{created['key_id']}", headers=bearer(admin))
        assert revoked.status_code == 200 and revoked.json()["revoked_at"]
        assert http.get("/v1/runs", headers=bearer(key)).status_code == 401, "a revoked key stops working at once"
        assert http.delete(f"/v1/keys/{created['key_id']}", headers=bearer(admin)).status_code == 404
        trail = http.get("/v1/audit", params={"action": "key.revoked"}, headers=bearer(admin)).json()
        assert [e["actor"] for e in trail] == ["root-admin"]
    harness.close()


def test_bad_key_requests_are_refused_and_the_last_admin_stays(tmp_path: Path) -> None:
    harness = GraphHarness(tmp_path, ScriptedLLM({}))
    app = app_for(harness.runner, tmp_path)
    admin_record, admin = keys_of(app).create("only-admin", ["admin"])
    with remote_client(app) as http:
        for body in (
            {"name": "x", "roles": ["root"]},
            {"name": "x", "roles": []},
            {"name": "", "roles": ["ops"]},
            {"name": "<script>", "roles": ["ops"]},
            {"name": "x" * 65, "roles": ["ops"]},
        ):
            answer = http.post("/v1/keys", json=body, headers=bearer(admin))
            assert answer.status_code == 422, (body, answer.text)
        assert http.delete("/v1/keys/../../etc", headers=bearer(admin)).status_code in (404, 422)
        assert http.delete("/v1/keys/zzzzzzzzzz", headers=bearer(admin)).status_code == 422
        last = http.delete(f"/v1/keys/{admin_record.key_id}", headers=bearer(admin))
        assert last.status_code == 409 and "last active admin key" in last.json()["detail"]
        assert http.get("/v1/keys", headers=bearer(admin)).status_code == 200, "the admin is not locked out"
    harness.close()
