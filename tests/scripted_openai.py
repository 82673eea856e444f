"""A scripted OpenAI-compatible server (chat completions in vLLM's json_schema dialect, and embeddings).

Runs as a thread in a test or as its own process (``python -m tests.scripted_openai PORT``)
so copydesk processes started by a test (workers, ``langgraph dev``) can reach it. Answers
like the kettle fixtures: a query plan, then a draft citing the 49.90 EUR source. Counts
requests and the most that were in flight at once (``GET /stats``) for concurrency limits.

A call whose client died while it was being answered (a worker killed with SIGKILL) is
left out of that maximum: the client's concurrency slot was freed when its process died,
so the slot's next holder may legitimately overlap the server's last moments on the
dead call.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DIM = 64


def embed(text: str) -> list[float]:
    vector = [0.0] * DIM
    for word in re.findall(r"\w+", text.lower()):
        vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % DIM] += 1.0
    norm = sum(v * v for v in vector) ** 0.5 or 1.0
    return [v / norm for v in vector]


def answer_for(body: dict[str, Any]) -> dict[str, Any]:
    name = body.get("response_format", {}).get("json_schema", {}).get("name")
    if name == "QueryPlan":
        return {
            "keyword_query": "Acme Kettle K1 price",
            "question_query": "What does the Acme Kettle K1 cost?",
            "hypothetical_passage": "The Acme Kettle K1 costs 49.90 EUR.",
        }
    prompt = "\n".join(m["content"] for m in body["messages"])
    label = re.search(r"^\[(S\d+)\][^\n]*\n[^\n]*49\.90", prompt, re.MULTILINE)
    cite = label.group(1) if label else "S1"
    return {
        "title": "Acme Kettle K1",
        "meta_description": "Price and technical data of the Acme Kettle K1.",
        "sections": [{"heading": "Price", "body": f"The Acme Kettle K1 costs 49.90 EUR [{cite}]."}],
        "claims": [{"text": "The Acme Kettle K1 costs 49.90 EUR.", "sources": [cite]}],
    }


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.chat = 0
        self.calls: list[tuple[float, float]] = []  # (start, end) of calls whose client stayed alive

    @property
    def max_in_flight(self) -> int:
        """The most chat calls at once, over calls whose client was still there at the end."""
        edges = sorted([(start, 1) for start, _ in self.calls] + [(end, -1) for _, end in self.calls])
        now = most = 0
        for _, step in edges:  # an end sorts before a start at the same instant
            now += step
            most = max(most, now)
        return most


def client_gone(connection: socket.socket) -> bool:
    """True when the peer closed its end: a keep-alive client sends nothing while it waits."""
    try:
        return connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def make_handler(stats: Stats, latency_s: float) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _send(self, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            with stats.lock:
                self._send({"chat": stats.chat, "max_in_flight": stats.max_in_flight})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if self.path.endswith("/embeddings"):
                inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
                self._send({"data": [{"index": i, "embedding": embed(t)} for i, t in enumerate(inputs)]})
                return
            with stats.lock:
                stats.chat += 1
            started = time.monotonic()
            time.sleep(latency_s)
            abandoned = client_gone(self.connection)
            with stats.lock:
                if not abandoned:
                    stats.calls.append((started, time.monotonic()))
            if abandoned:
                self.close_connection = True
                return
            content = json.dumps(answer_for(body))
            self._send(
                {"model": body["model"], "choices": [{"message": {"content": content}, "finish_reason": "stop"}]}
            )

        def log_message(self, *args: Any) -> None:
            return

    return Handler


def start(port: int = 0, latency_s: float = 0.0) -> tuple[ThreadingHTTPServer, Stats]:
    """Serve on 127.0.0.1 in a daemon thread; returns the server (``server_address[1]`` is the port)."""
    stats = Stats()
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(stats, latency_s))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, stats


if __name__ == "__main__":
    srv, _ = start(int(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 0.0)
    threading.Event().wait()
