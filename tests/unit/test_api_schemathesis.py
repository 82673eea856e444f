"""Property-based requests from the OpenAPI document (schemathesis), authenticated as admin: never a 5xx,
and every response matches its documented schema. Kept small here; ``python -m evals.api_load`` runs more."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.fakes import ScriptedLLM
from tests.unit.api_support import app_for, bearer, keys_of, local_client
from tests.unit.graph_support import QUERY_PLAN, GraphHarness, draft_with

ADMIN: dict[str, str] = {}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    root = tmp_path_factory.mktemp("fuzz")
    harness = GraphHarness(root, ScriptedLLM({"rewrite": [QUERY_PLAN] * 50, "draft": [draft_with("49.90")] * 50}))
    app: FastAPI = app_for(harness.runner, root, public_hosts=["*"])
    ADMIN.update(bearer(keys_of(app).create("fuzzer", ["admin"])[1]))
    with local_client(app):  # runs the lifespan: runner and worker in app.state
        yield schemathesis.openapi.from_asgi("/openapi.json", app, headers=ADMIN)
        app.state.worker.wait(timeout_s=120)
    harness.close()


def fuzz(schema: object, examples: int) -> tuple[Counter[int], list[str]]:
    """Every operation, ``examples`` generated cases each; returns (status counts, problems)."""
    sent: Counter[int] = Counter()
    problems: list[str] = []

    def checker(operation: Any) -> Any:
        @given(case=operation.as_strategy())
        @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case: schemathesis.Case) -> None:
            response = case.call(headers=ADMIN)
            sent[response.status_code] += 1
            try:
                case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
            except Exception as exc:  # collected, reported together below
                problems.append(f"{operation.label}: {response.status_code} {type(exc).__name__}: {str(exc)[:300]}")

        return check

    for result in schema.get_all_operations():  # type: ignore[attr-defined]
        checker(result.ok())()
    return sent, problems


def test_no_server_errors(api_schema: object) -> None:
    statuses, problems = fuzz(api_schema, examples=6)
    assert sum(statuses.values()) >= 30
    assert not {401, 403} & set(statuses), statuses  # really authenticated
    assert any(200 <= code < 300 for code in statuses) and 422 in statuses, statuses
    assert not problems, "\n".join(problems[:10])


def test_the_fuzzed_document_is_the_real_one(tmp_path: Path) -> None:
    paths = set(app_for(None, tmp_path).openapi()["paths"])
    assert {"/v1/runs", "/v1/runs/{run_id}/review", "/v1/campaigns", "/v1/audit", "/healthz"} <= paths
