"""The audit log: one entry per creation, decision (edit with diff), publication and key change, who and
what; a hash chain that shows a changed, removed or re-ordered row; the same on PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app import audit, cli
from app.audit import AuditLog
from app.settings import get_settings
from tests.fakes import ScriptedLLM
from tests.unit.api_support import app_for, bearer, keys_of, remote_client
from tests.unit.graph_support import QUERY_PLAN, GraphHarness, draft_with

BRIEF = "Product text for the Acme Kettle K1, written for Max Mustermann"
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


def test_a_run_leaves_a_complete_trail(tmp_path: Path) -> None:
    harness = GraphHarness(
        tmp_path, ScriptedLLM({"rewrite": [QUERY_PLAN], "draft": [draft_with("39.90")]}), max_revisions=0
    )
    app = app_for(harness.runner, tmp_path)
    _, ops = keys_of(app).create("olga-ops", ["ops"])
    _, editor = keys_of(app).create("eva", ["editor"])
    _, viewer = keys_of(app).create("compliance", ["viewer"])
    with remote_client(app) as http:
        run_id = http.post(
            "/v1/runs", json={"brief": BRIEF, "channel": "product_description"}, headers=bearer(ops)
        ).json()["run_id"]
        app.state.worker.wait(timeout_s=120)
        draft = http.get(f"/v1/runs/{run_id}", headers=bearer(viewer)).json()["review"]["draft"]
        edited = {**draft, "sections": [{"heading": "Price", "body": "The Acme Kettle K1 costs 49.90 EUR [S1]."}]}
        edited["claims"] = [{"text": "The Acme Kettle K1 costs 49.90 EUR.", "sources": ["S1"]}]
        answer = http.post(
            f"/v1/runs/{run_id}/review", json={"action": "edit", "draft": edited}, headers=bearer(editor)
        )
        assert answer.status_code == 202
        app.state.worker.wait(timeout_s=120)
        http.post(f"/v1/runs/{run_id}/review", json={"action": "approve"}, headers=bearer(editor))
        app.state.worker.wait(timeout_s=120)
        assert http.get(f"/v1/runs/{run_id}", headers=bearer(viewer)).json()["status"] == "published"
        assert http.get("/v1/audit", headers=bearer(ops)).status_code == 403
        trail = http.get("/v1/audit", params={"run_id": run_id}, headers=bearer(viewer)).json()
    harness.close()
    actions = [(e["action"], e["actor"]) for e in trail]
    assert actions == [
        ("run.created", "olga-ops"),
        ("run.decision", "eva"),
        ("run.decision", "eva"),
        ("run.published", "eva"),
    ]
    created, edit, _, published = trail
    assert "Max Mustermann" not in json.dumps(trail)  # the brief is recorded pseudonymised
    assert created["details"]["channel"] == "product_description"
    assert "-sections[0].body: The Acme Kettle K1 costs 39.90 EUR" in edit["details"]["diff"]
    assert "+sections[0].body: The Acme Kettle K1 costs 49.90 EUR [S1]." in edit["details"]["diff"]
    assert published["details"]["prompt"].startswith("draft/product_description")
    assert published["details"]["sources"][0]["document_id"] == "kettle-k1-en"
    assert published["details"]["published"]["html"].endswith("index.html")
    assert [e["prev_hash"] for e in trail[1:]] == [e["hash"] for e in trail[:-1]]


@pytest.fixture
def log(tmp_path: Path) -> Iterator[AuditLog]:
    opened = AuditLog(None, tmp_path / "audit.sqlite")
    for n in range(5):
        audit.record("run.decision", actor=f"eva{n}", run_id=f"r{n}", details={"decision": "approve"}, log=opened)
    yield opened
    opened.close()


def test_chain_verifies_and_rows_cannot_be_changed(log: AuditLog, tmp_path: Path) -> None:
    result = log.verify()
    assert result.ok and result.entries == 5
    raw = sqlite3.connect(str(tmp_path / "audit.sqlite"))
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("UPDATE copydesk_audit SET actor = 'mallory' WHERE seq = 2")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("DELETE FROM copydesk_audit WHERE seq = 2")
    raw.close()


@pytest.mark.parametrize(
    ("tamper", "bad_seq"),
    [
        ("UPDATE copydesk_audit SET actor = 'mallory' WHERE seq = 3", 3),
        ('UPDATE copydesk_audit SET details = \'{"decision": "reject"}\' WHERE seq = 2', 2),
        ("DELETE FROM copydesk_audit WHERE seq = 4", 4),
        ("UPDATE copydesk_audit SET at = '2020-01-01T00:00:00.000+00:00' WHERE seq = 1", 1),
    ],
)
def test_tampering_is_detected(log: AuditLog, tmp_path: Path, tamper: str, bad_seq: int) -> None:
    raw = sqlite3.connect(str(tmp_path / "audit.sqlite"))
    raw.execute("DROP TRIGGER copydesk_audit_no_update")  # what someone with the database file can do
    raw.execute("DROP TRIGGER copydesk_audit_no_delete")
    raw.execute(tamper)
    raw.commit()
    raw.close()
    result = log.verify()
    assert not result.ok and result.bad_seq == bad_seq, result


def test_rehashing_a_row_still_breaks_the_next_link(log: AuditLog, tmp_path: Path) -> None:
    entry = log.entries()[1]
    forged = audit.entry_hash(
        entry.seq, entry.at, "mallory", entry.action, entry.run_id, json.dumps(entry.details), entry.prev_hash
    )
    raw = sqlite3.connect(str(tmp_path / "audit.sqlite"))
    raw.execute("DROP TRIGGER copydesk_audit_no_update")
    raw.execute("UPDATE copydesk_audit SET actor = 'mallory', hash = ? WHERE seq = 2", (forged,))
    raw.commit()
    raw.close()
    result = log.verify()
    assert not result.ok and result.bad_seq == 3


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[CliRunner, Path]]:
    monkeypatch.setenv("COPYDESK_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield CliRunner(), tmp_path / "data"
    get_settings.cache_clear()


def test_keys_cli_and_audit_cli(cli_env: tuple[CliRunner, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    runner, data = cli_env
    made = runner.invoke(cli.app, ["keys", "create", "--role", "editor", "--role", "viewer", "--name", "eva"])
    assert made.exit_code == 0, made.output
    key = made.output.strip().splitlines()[-1]
    assert key.startswith("cdk_")
    from app.cli_keys import open_keys

    store = open_keys(get_settings())
    assert store.verify(key) is not None and store.verify(key).roles == {"editor", "viewer"}  # type: ignore[union-attr]
    store.close()
    assert runner.invoke(cli.app, ["keys", "create", "--role", "god", "--name", "x"]).exit_code == 2
    listed = runner.invoke(cli.app, ["keys", "list"])
    assert "eva" in listed.output and key not in listed.output
    assert runner.invoke(cli.app, ["keys", "revoke", "eva"]).exit_code == 0
    assert runner.invoke(cli.app, ["keys", "revoke", "eva"]).exit_code == 1
    shown = runner.invoke(cli.app, ["audit", "--json"])
    actions = [json.loads(line)["action"] for line in shown.output.splitlines()]
    assert actions == ["key.created", "key.revoked"]
    verified = runner.invoke(cli.app, ["audit", "verify"])
    assert verified.exit_code == 0 and "2 entries" in verified.output
    raw = sqlite3.connect(str(data / "audit.sqlite"))
    raw.execute("DROP TRIGGER copydesk_audit_no_update")
    raw.execute("UPDATE copydesk_audit SET actor = 'nobody' WHERE seq = 1")
    raw.commit()
    raw.close()
    tampered = runner.invoke(cli.app, ["audit", "verify"])
    assert tampered.exit_code == 1 and "entry 1 was changed" in tampered.output


def test_serve_refuses_an_open_address_without_keys(
    cli_env: tuple[CliRunner, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    runner, _ = cli_env
    started: list[str] = []
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, host, port: started.append(host))
    refused = runner.invoke(cli.app, ["serve", "--host", "0.0.0.0"])
    assert refused.exit_code == 2 and "without API keys" in refused.output and not started
    assert runner.invoke(cli.app, ["serve", "--host", "127.0.0.1"]).exit_code == 0
    runner.invoke(cli.app, ["keys", "create", "--role", "admin", "--name", "root"])
    assert runner.invoke(cli.app, ["serve", "--host", "0.0.0.0"]).exit_code == 0
    assert started == ["127.0.0.1", "0.0.0.0"]


@pytest.mark.postgres
def test_postgres_audit_log_chains_and_refuses_changes() -> None:
    psycopg = pytest.importorskip("psycopg")
    schema = f"issue_10_audit_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(PG_URL, autocommit=True)
    except psycopg.OperationalError:
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    admin.execute(f"CREATE SCHEMA {schema}")
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    try:
        log = AuditLog(url, Path("unused.sqlite"))
        for n in range(3):
            audit.record("run.created", actor="olga", run_id=f"r{n}", details={"n": n}, log=log)
        assert log.verify().ok and log.verify().entries == 3
        with pytest.raises(psycopg.errors.RaiseException):
            admin.execute(f"UPDATE {schema}.copydesk_audit SET actor = 'x' WHERE seq = 2")
        admin.execute(f"ALTER TABLE {schema}.copydesk_audit DISABLE TRIGGER copydesk_audit_no_change")
        admin.execute(f"UPDATE {schema}.copydesk_audit SET actor = 'x' WHERE seq = 2")
        result = log.verify()
        assert not result.ok and result.bad_seq == 2
        log.close()
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()
