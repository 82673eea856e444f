"""Two ``copydesk worker`` processes on the real PostgreSQL queue, one killed with SIGKILL halfway.

Every run must reach review (then be published once) or fail with a reason: none lost,
none duplicated; the killed worker's runs are continued by the other one; the model
endpoint never sees more calls at once than its limit; every ``run.published`` webhook
verifies with the independent ``standardwebhooks`` implementation.
"""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest
from standardwebhooks.webhooks import Webhook

from tests.integration import worker_bench

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module", autouse=True)
def postgres_available() -> None:
    try:
        psycopg.connect(worker_bench.POSTGRES_URL, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {worker_bench.POSTGRES_URL}: {exc}")


def test_a_killed_worker_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    briefs = int(os.environ.get("COPYDESK_WORKER_TEST_BRIEFS", "8"))
    figures = worker_bench.run(briefs, tmp_path)
    receiver = figures.pop("_receiver")
    assert figures["lost"] == 0
    assert figures["registry_rows"] == figures["distinct_run_ids"] == briefs
    assert figures["status"].get("published", 0) + figures["status"].get("failed", 0) == briefs, figures
    assert figures["failed_without_reason"] == 0
    assert figures["published_dirs"] == figures["published_of_campaign"] == figures["status"].get("published", 0)
    assert figures["jobs_left_doing"] == 0
    assert 1 <= figures["max_model_calls_in_flight"] <= 2, "the per-endpoint limit held across both workers"
    assert figures["runs_published_twice_by_webhook"] == 0
    if figures["runs_in_flight_on_killed_worker"]:
        assert figures["runs_claimed_more_than_once"] >= 1, "the killed worker's runs were taken over"
    verifier = Webhook(worker_bench.SECRET)
    for headers, body in receiver.received:
        verifier.verify(body, headers)  # raises on a bad signature or a stale timestamp


def test_endpoint_limit_holds_across_connections() -> None:
    import threading
    import time

    from app.endpoint_limits import PostgresLimiter

    limiters = [PostgresLimiter(worker_bench.POSTGRES_URL, f"http://limit-test-{os.getpid()}", 2) for _ in range(2)]
    lock, state = threading.Lock(), {"now": 0, "max": 0}

    def call(limiter: PostgresLimiter) -> None:
        with limiter.slot():
            with lock:
                state["now"] += 1
                state["max"] = max(state["max"], state["now"])
            time.sleep(0.1)
            with lock:
                state["now"] -= 1

    threads = [threading.Thread(target=call, args=(limiters[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert state["max"] == 2
