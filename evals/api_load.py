"""API load and fuzz figures: 100 concurrent clients polling and deciding, then schemathesis (all checks).

Everything is real except the model: a scripted OpenAI-compatible endpoint in this
process. ``copydesk ingest``, ``copydesk keys create`` and ``copydesk serve`` run as
subprocesses on a temporary data dir; the load comes from asyncio + httpx clients, each
with its own connection and its own API key role (viewers poll, editors decide).

    python -m evals.api_load --clients 100 --seconds 20 --runs 10
    python -m evals.api_load --fuzz-only --examples 30

Prints p50/p95/p99 of reads, decision latency, the status counts and the error count
(5xx, transport errors, or any status a client did not expect).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import aiohttp
import httpx

# The scripted model (a query plan, or a correct one-claim draft citing the price source) is the
# one the integration tests use; the benchmark only adds latency and in-flight counting around it.
from tests.scripted_openai import answer_for

CLI = 'import sys; from app.cli import main; sys.argv[0] = "copydesk"; main()'
CORPUS = {
    "kettle.en.md": """---
id: kettle-k1-en
title: Acme Kettle K1
language: en
approval_status: approved
version: 2
doc_type: product_page
product_ids: [ACME-K1]
---
# Acme Kettle K1

## Price
The Acme Kettle K1 costs 49.90 EUR.

## Technical data
The Acme Kettle K1 holds 1.7 litres and has a power of 2200 W. The warranty lasts 24 months.
""",
}


class ScriptedOpenAI(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        content = json.dumps(answer_for(body))
        payload = json.dumps(
            {"model": body["model"], "choices": [{"message": {"content": content}, "finish_reason": "stop"}]}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        return


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Stack:
    """Scripted model + ingested corpus + keys + ``copydesk serve`` on a free port."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.model = ThreadingHTTPServer(("127.0.0.1", 0), ScriptedOpenAI)
        threading.Thread(target=self.model.serve_forever, daemon=True).start()
        repo = Path(__file__).resolve().parent.parent
        self.env = {
            **os.environ,
            "PYTHONPATH": str(repo),
            "COPYDESK_DATA_DIR": str(root / "data"),
            "COPYDESK_LLM_BASE_URL": f"http://127.0.0.1:{self.model.server_address[1]}/v1",
            "COPYDESK_LLM_CAPABLE": "false",
            "COPYDESK_MAX_REVISIONS": "0",
            "OMP_NUM_THREADS": "1",
        }
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", CLI, *args], env=self.env, capture_output=True, text=True, check=True
        )
        return done.stdout

    def start(self) -> dict[str, str]:
        corpus = self.root / "corpus"
        corpus.mkdir()
        for name, text in CORPUS.items():
            (corpus / name).write_text(text, encoding="utf-8")
        self.cli("ingest", str(corpus))
        keys = {
            role: self.cli("keys", "create", "--role", role, "--name", f"bench-{role}").strip().splitlines()[-1]
            for role in ("ops", "editor", "viewer", "admin")
        }
        self.server = subprocess.Popen(
            [sys.executable, "-c", CLI, "serve", "--port", str(self.port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return keys
            except httpx.HTTPError:
                time.sleep(0.3)
        raise RuntimeError("copydesk serve did not come up")

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=30)
        self.model.shutdown()


async def wait_for_review(client: aiohttp.ClientSession, run_ids: list[str], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        statuses = []
        for run_id in run_ids:
            async with client.get(f"/v1/runs/{run_id}") as answer:
                statuses.append((await answer.json())["status"])
        if all(s in ("awaiting_review", "failed") for s in statuses):
            return
        await asyncio.sleep(0.5)
    raise RuntimeError(f"runs not at review after {timeout_s}s")


def _session(url: str, headers: dict[str, str]) -> aiohttp.ClientSession:
    """One client: its own single keep-alive connection, as a browser tab or a script has."""
    return aiohttp.ClientSession(
        base_url=url,
        headers=headers,
        connector=aiohttp.TCPConnector(limit=1),
        timeout=aiohttp.ClientTimeout(total=30),
    )


async def load(
    url: str, keys: dict[str, str], clients: int, seconds: float, runs: int, interval: float
) -> dict[str, Any]:
    """Seed ``runs`` drafts to review, then ``clients`` clients poll (viewers) and decide (editors).

    The clients are aiohttp sessions: on two cores the load generator shares the machine with
    the server, and httpx's pure-Python client cost about a core by itself at 100 requests/s,
    which showed up as server latency.
    """
    auth = {role: {"Authorization": f"Bearer {key}"} for role, key in keys.items()}
    async with _session(url, auth["ops"]) as ops:
        items = [
            {"brief": f"Product text for the Acme Kettle K1, variant {n}", "channel": "ad_copy"} for n in range(runs)
        ]
        async with ops.post("/v1/campaigns", json={"campaign_id": "bench", "items": items}) as answer:
            created = await answer.json()
        run_ids = [r["run_id"] for r in created["runs"]]
        seeding = time.monotonic()
        await wait_for_review(ops, run_ids, timeout_s=60 + 20 * runs)
        seed_s = time.monotonic() - seeding

    reads: list[float] = []
    decisions: list[float] = []
    statuses: Counter[str] = Counter()
    errors: list[str] = []
    deciders = min(runs, clients // 10)  # one editor per run, the rest poll
    stop_at = time.monotonic() + seconds

    async def read(http: aiohttp.ClientSession, path: str) -> None:
        started = time.perf_counter()
        try:
            async with http.get(path) as answer:
                await answer.read()
                status = answer.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            errors.append(f"GET {path}: {type(exc).__name__}")
            return
        reads.append(time.perf_counter() - started)
        statuses[f"GET {status}"] += 1
        if status != 200:
            errors.append(f"GET {path}: {status}")

    async def poller(index: int) -> None:
        async with _session(url, auth["viewer"]) as http:
            await asyncio.sleep(interval * index / clients)  # clients spread over one interval, as real pollers are
            n = 0
            while time.monotonic() < stop_at:
                path = (f"/v1/runs/{run_ids[(index + n) % len(run_ids)]}", "/v1/campaigns/bench", "/v1/runs")[n % 3]
                n += 1
                await read(http, path)
                if interval:
                    await asyncio.sleep(interval)

    async def decider(index: int) -> None:
        async with _session(url, auth["editor"]) as http:
            await asyncio.sleep(0.2 * index)
            action = {"action": "approve"} if index % 2 == 0 else {"action": "reject", "feedback": "shorter"}
            started = time.perf_counter()
            try:
                async with http.post(f"/v1/runs/{run_ids[index]}/review", json=action) as answer:
                    text = await answer.text()
                    status = answer.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                errors.append(f"POST review: {type(exc).__name__}")
                return
            decisions.append(time.perf_counter() - started)
            statuses[f"POST {status}"] += 1
            if status != 202:
                errors.append(f"POST review {run_ids[index]}: {status} {text[:200]}")
            while time.monotonic() < stop_at:  # then poll like everyone else
                await read(http, f"/v1/runs/{run_ids[index]}")
                await asyncio.sleep(interval or 0.05)

    await asyncio.gather(*[decider(i) for i in range(deciders)], *[poller(i) for i in range(clients - deciders)])
    async with _session(url, auth["viewer"]) as http:
        final: Counter[str] = Counter()
        for run_id in run_ids:
            async with http.get(f"/v1/runs/{run_id}") as answer:
                final[(await answer.json())["status"]] += 1
        async with http.get("/v1/audit", params={"action": "run.decision", "limit": 1000}) as answer:
            trail = await answer.json()
    return {
        "clients": clients,
        "poll_interval_s": interval,
        "seconds": seconds,
        "runs": runs,
        "seed_to_review_s": round(seed_s, 1),
        "reads": len(reads),
        "reads_per_s": round(len(reads) / seconds, 1),
        "read_p50_ms": round(1000 * percentile(reads, 0.50), 1),
        "read_p95_ms": round(1000 * percentile(reads, 0.95), 1),
        "read_p99_ms": round(1000 * percentile(reads, 0.99), 1),
        "read_mean_ms": round(1000 * statistics.fmean(reads), 1) if reads else None,
        "decisions": len(decisions),
        "decision_p95_ms": round(1000 * percentile(decisions, 0.95), 1),
        "decisions_audited": len(trail),
        "errors": len(errors),
        "error_examples": errors[:5],
        "statuses": dict(statuses),
        "final_run_statuses": dict(final),
    }


def fuzz(url: str, admin_key: str, examples: int) -> dict[str, Any]:
    """schemathesis with every check against the live server, authenticated as admin."""
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{url}/openapi.json",
        "-H", f"Authorization: Bearer {admin_key}", "--checks", "all", "--max-examples", str(examples),
        "--no-color", "--workers", "2",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    output = done.stdout + done.stderr
    server_errors = len(re.findall(r"Server error|ST100|500 Internal", output))
    errors_at = output.find("==== ERRORS")
    errors = output[errors_at : errors_at + 2000] if errors_at >= 0 else ""
    return {
        "exit_code": done.returncode,
        "server_errors": server_errors,
        "errors_section": errors,
        "summary": output[output.find("==== SUMMARY") :],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--interval", type=float, default=1.0, help="pause between a client's polls (0 = none)")
    parser.add_argument("--examples", type=int, default=20, help="schemathesis examples per operation")
    parser.add_argument("--no-fuzz", action="store_true")
    parser.add_argument("--fuzz-only", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="copydesk-load-") as tmp:
        stack = Stack(Path(tmp))
        try:
            keys = stack.start()
            if not args.fuzz_only:
                figures = asyncio.run(load(stack.url, keys, args.clients, args.seconds, args.runs, args.interval))
                print(json.dumps({"load": figures}, indent=2))
            if not args.no_fuzz:
                print(json.dumps({"fuzz": fuzz(stack.url, keys["admin"], args.examples)}, indent=2))
        finally:
            stack.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
