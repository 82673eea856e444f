"""PostgreSQL checkpoints and run registry against the real server on 127.0.0.1:5432 (database ``test``)."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
import pytest

from app.checkpoints import open_checkpointer
from app.runner import DraftRunner
from app.runs import RunRegistry
from tests.fakes import ScriptedLLM
from tests.unit.graph_support import QUERY_PLAN, build_services, draft_with

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module", autouse=True)
def postgres_available() -> None:
    try:
        psycopg.connect(POSTGRES_URL, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {exc}")


def test_waiting_run_resumes_from_postgres_in_a_fresh_runner(tmp_path: Path) -> None:
    run_id = f"pg-{uuid.uuid4().hex[:10]}"
    script = {"rewrite": [QUERY_PLAN], "draft": [draft_with("49.90")]}
    services = build_services(tmp_path, ScriptedLLM(script))
    registry = RunRegistry(POSTGRES_URL, tmp_path / "unused.sqlite")
    with open_checkpointer(POSTGRES_URL, tmp_path / "unused.sqlite") as saver:
        view = DraftRunner(services, saver, registry).start(
            "Product text for the Acme Kettle K1", channel="product_description", language="en", run_id=run_id
        )
    assert view.status == "awaiting_review"
    registry.close()

    # A new checkpointer connection and a new registry: nothing survives but the database.
    registry = RunRegistry(POSTGRES_URL, tmp_path / "unused.sqlite")
    with open_checkpointer(POSTGRES_URL, tmp_path / "unused.sqlite") as saver:
        runner = DraftRunner(services, saver, registry)
        assert runner.get(run_id).status == "awaiting_review"
        assert registry.get(run_id) is not None and registry.get(run_id).status == "awaiting_review"
        done = runner.resume(run_id, {"action": "approve"})
    assert done.status == "published"
    assert registry.get(run_id).status == "published"
    registry.close()
    services.store.close()
