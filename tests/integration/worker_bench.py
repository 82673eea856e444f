"""Kill-a-worker benchmark: a campaign through the PostgreSQL queue, two ``copydesk worker`` processes,
one killed with SIGKILL halfway; every run must end at review (then published) or failed with a reason,
none lost, none duplicated.

``python -m tests.integration.worker_bench 50`` prints the figures; the test runs a smaller campaign.
Everything lives in a fresh PostgreSQL schema (``issue_10b_<hex>``), dropped afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import psycopg

from tests import scripted_openai
from tests.conftest import REPO_ROOT, write_corpus

POSTGRES_URL = os.environ.get("COPYDESK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
CLI = "from app.cli import main; main()"  # `python -m app.cli` has no __main__ guard
SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@contextlib.contextmanager
def fresh_schema() -> Iterator[str]:
    """A connection URL whose search_path is a new schema; the schema is dropped afterwards."""
    schema = f"issue_10b_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES_URL}?options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@dataclass
class Receiver:
    """Collects webhook posts (headers + body) for the test to verify."""

    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def serve(self) -> ThreadingHTTPServer:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with outer.lock:
                    outer.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    def events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [{"id": h["webhook-id"], **json.loads(b)} for h, b in self.received]


def worker_env(data_dir: Path, url: str, llm_port: int, hook_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPYDESK_")}
    env.update(
        PYTHONPATH=str(REPO_ROOT),
        OMP_NUM_THREADS="1",
        COPYDESK_DATA_DIR=str(data_dir),
        COPYDESK_LLM_BASE_URL=f"http://127.0.0.1:{llm_port}/v1",
        COPYDESK_EMBEDDINGS_BASE_URL=f"http://127.0.0.1:{llm_port}/v1",
        COPYDESK_LLM_CAPABLE="false",
        COPYDESK_MAX_REVISIONS="0",
        COPYDESK_CHECKPOINT_URL=url,
        COPYDESK_QUEUE="postgres",
        COPYDESK_LEASE_S="4",
        COPYDESK_WORKER_HEARTBEAT_S="1",
        COPYDESK_WORKER_STALLED_AFTER_S="4",
        COPYDESK_SWEEP_EVERY_S="1",
        COPYDESK_WORKER_CONCURRENCY="2",
        COPYDESK_LLM_MAX_CONCURRENCY="2",
        COPYDESK_WEBHOOK_URLS=json.dumps([f"http://127.0.0.1:{hook_port}/hook"]),
        COPYDESK_WEBHOOK_ALLOWED_HOSTS=json.dumps(["127.0.0.1"]),
        COPYDESK_WEBHOOK_SECRET=SECRET,
        COPYDESK_WEBHOOK_BACKOFF_S="0.2",
    )
    return env


def start_worker(env: dict[str, str], name: str, log_dir: Path) -> subprocess.Popen[bytes]:
    log = (log_dir / f"{name}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-c", CLI, "worker", "--name", name],
        env=env,
        cwd=str(REPO_ROOT),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def counts(url: str) -> Counter[str]:
    with psycopg.connect(url, autocommit=True) as conn:
        return Counter({s: n for s, n in conn.execute("SELECT status, count(*) FROM copydesk_runs GROUP BY status")})


def wait_until(check: Any, timeout_s: float, what: str) -> None:
    timeout_s = min(timeout_s, float(os.environ.get("COPYDESK_BENCH_TIMEOUT_S", timeout_s)))
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise TimeoutError(f"timed out waiting for {what}")


def run(briefs: int, root: Path) -> dict[str, Any]:
    """The whole benchmark; returns its figures."""
    llm, llm_stats = scripted_openai.start(latency_s=0.15)
    receiver = Receiver()
    hooks = receiver.serve()
    data_dir = root / "data"
    figures: dict[str, Any] = {"briefs": briefs}
    workers: list[subprocess.Popen[bytes]] = []
    with fresh_schema() as url:
        env = worker_env(data_dir, url, llm.server_address[1], hooks.server_address[1])
        ingest = subprocess.run(
            [sys.executable, "-c", CLI, "ingest", str(write_corpus(root / "corpus"))],
            env=env, cwd=str(REPO_ROOT), capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert ingest.returncode == 0, ingest.stdout + ingest.stderr
        api = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "tests.integration.worker_bench:api_app", "--port", "0",
             "--host", "127.0.0.1"],
            env=env, cwd=str(REPO_ROOT), stdout=(root / "api.log").open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            base = _api_base(root / "api.log", api)
            http = httpx.Client(base_url=base, timeout=30)
            items = [
                {
                    "brief": f"Product text {i} for the Acme Kettle K1",
                    "channel": "product_description",
                    "language": "en",
                }
                for i in range(briefs)
            ]
            started = time.monotonic()
            created = http.post("/v1/campaigns", json={"campaign_id": "bench", "items": items})
            assert created.status_code == 202, created.text
            run_ids = [r["run_id"] for r in created.json()["runs"]]
            workers = [start_worker(env, "worker-a", root), start_worker(env, "worker-b", root)]
            done = ("awaiting_review", "failed")
            wait_until(lambda: sum(counts(url)[s] for s in done) >= briefs // 2, 600, "half the campaign")
            with psycopg.connect(url, autocommit=True) as conn:
                held = conn.execute(
                    "SELECT count(*) FROM copydesk_runs WHERE status = 'running' AND lease_owner LIKE %s",
                    (f"%{workers[0].pid}%",),
                ).fetchone()
            os.kill(workers[0].pid, signal.SIGKILL)
            workers[0].wait()
            figures["killed_at_done"] = sum(counts(url)[s] for s in done)
            figures["runs_in_flight_on_killed_worker"] = int(held[0]) if held else 0
            wait_until(lambda: sum(counts(url)[s] for s in done) >= briefs, 600, "the whole campaign at review")
            figures["seconds_to_review"] = round(time.monotonic() - started, 1)
            # every editor approves: the surviving worker publishes
            for run_id in run_ids:
                answer = http.post(
                    f"/v1/runs/{run_id}/review", json={"action": "approve"}, headers={"Idempotency-Key": f"ok-{run_id}"}
                )
                assert answer.status_code in (202, 409), answer.text
            wait_until(lambda: counts(url)["queued"] + counts(url)["running"] == 0, 600, "publishing")
            final = counts(url)
            figures["status"] = dict(final)
            with psycopg.connect(url, autocommit=True) as conn:
                figures["registry_rows"] = conn.execute("SELECT count(*) FROM copydesk_runs").fetchone()[0]  # type: ignore[index]
                figures["distinct_run_ids"] = conn.execute(
                    "SELECT count(DISTINCT run_id) FROM copydesk_runs"
                ).fetchone()[0]  # type: ignore[index]
                figures["runs_claimed_more_than_once"] = conn.execute(
                    "SELECT count(*) FROM copydesk_runs WHERE attempts > 2"
                ).fetchone()[0]  # type: ignore[index]
                figures["failed_without_reason"] = conn.execute(
                    "SELECT count(*) FROM copydesk_runs WHERE status = 'failed' AND coalesce(error, '') = ''"
                ).fetchone()[0]  # type: ignore[index]
                figures["jobs_left_doing"] = conn.execute(
                    "SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'"
                ).fetchone()[0]  # type: ignore[index]
            published = [p for p in (data_dir / "published").iterdir() if (p / "index.html").exists()]
            figures["published_dirs"] = len(published)
            figures["published_of_campaign"] = len({p.name for p in published} & set(run_ids))
            figures["lost"] = briefs - figures["distinct_run_ids"]
            with llm_stats.lock:
                figures["model_calls"] = llm_stats.chat
                figures["max_model_calls_in_flight"] = llm_stats.max_in_flight
            wait_until(
                lambda: (
                    len({e["data"]["run_id"] for e in receiver.events() if e["type"] == "run.published"})
                    >= final["published"]
                ),
                60,
                "run.published webhooks",
            )
            events = receiver.events()
            published_ids = Counter(e["data"]["run_id"] for e in {e["id"]: e for e in events}.values()
                                    if e["type"] == "run.published")  # fmt: skip
            figures["webhooks"] = dict(Counter(e["type"] for e in {e["id"]: e for e in events}.values()))
            figures["runs_published_twice_by_webhook"] = sum(1 for n in published_ids.values() if n > 1)
            figures["_receiver"] = receiver
        finally:
            for process in [*workers, api]:
                if process.poll() is None:
                    process.terminate()
                    try:
                        process.wait(timeout=20)
                    except subprocess.TimeoutExpired:
                        process.kill()
            llm.shutdown()
            hooks.shutdown()
    return figures


def _api_base(log: Path, process: subprocess.Popen[bytes]) -> str:
    import re

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("API died: " + log.read_text(errors="replace")[-3000:])
        match = re.search(r"Uvicorn running on (http://\S+)", log.read_text(errors="replace"))
        if match:
            return match.group(1)
        time.sleep(0.3)
    raise TimeoutError("API did not start: " + log.read_text(errors="replace")[-3000:])


def api_app() -> Any:
    """``copydesk serve``'s app from the environment (uvicorn --factory)."""
    from app.api import create_app
    from app.execution import open_runner, queue_factory
    from app.settings import get_settings

    settings = get_settings()
    return create_app(
        lambda: open_runner(settings, deliver_webhooks=False),  # type: ignore[arg-type]
        settings=settings,
        queue_factory=queue_factory(settings),  # type: ignore[arg-type]
    )


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory(prefix="copydesk-bench-") as tmp:
        print(f"logs in {tmp}", file=sys.stderr, flush=True)
        result = run(int(sys.argv[1]) if len(sys.argv) > 1 else 50, Path(tmp))
        result.pop("_receiver")
        print(json.dumps(result, indent=2))
