"""``Idempotency-Key`` on every POST that creates or decides: the first answer is stored and replayed.

A client that lost the answer to ``POST /v1/campaigns`` (timeout, proxy reset) can send
the same request again with the same key and gets the same answer, without a second
campaign. The key is scoped to the path; reusing it with a different body is refused
(422), and a second request while the first is still being served gets 409. Answers of
5xx are not stored, so a retry after a server error does the work. Stored answers live
beside the run registry (SQLite or PostgreSQL), so every API process sees them. An answer
marked ``Cache-Control: no-store`` (a new API key, shown once) is never stored: a secret
must not sit in this table, so such a retry does the work again.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = b"idempotency-key"
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS copydesk_idempotency (
    key TEXT NOT NULL,
    scope TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    status_code INTEGER,
    headers TEXT,
    body TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (key, scope)
)
"""


class IdempotencyStore:
    """Stored answers keyed by (Idempotency-Key, method and path)."""

    def __init__(self, registry: Any) -> None:
        self.registry = registry
        registry.execute(_SCHEMA)

    def begin(self, key: str, scope: str, fingerprint: str) -> tuple[str, tuple[Any, ...] | None]:
        """``("new", None)``, or the existing row's verdict: ``mismatch``, ``pending`` or ``done`` with the answer."""
        inserted = self.registry.execute_count(
            "INSERT INTO copydesk_idempotency (key, scope, fingerprint, state, created_at) "
            "VALUES (?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING",
            (key, scope, fingerprint, datetime.now(UTC).isoformat(timespec="seconds")),
        )
        if inserted:
            return "new", None
        rows = self.registry.execute(
            "SELECT fingerprint, state, status_code, headers, body FROM copydesk_idempotency "
            "WHERE key = ? AND scope = ?",
            (key, scope),
        )
        if not rows:  # released between our insert and select: treat as new next time
            return "pending", None
        stored_fingerprint, state, code, headers, body = rows[0]
        if stored_fingerprint != fingerprint:
            return "mismatch", None
        if state != "done":
            return "pending", None
        return "done", (int(code), json.loads(headers), base64.b64decode(body))

    def finish(self, key: str, scope: str, code: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        kept = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in headers if k.lower() != b"content-length"]
        self.registry.execute(
            "UPDATE copydesk_idempotency SET state = 'done', status_code = ?, headers = ?, body = ? "
            "WHERE key = ? AND scope = ?",
            (code, json.dumps(kept), base64.b64encode(body).decode(), key, scope),
        )

    def release(self, key: str, scope: str) -> None:
        self.registry.execute("DELETE FROM copydesk_idempotency WHERE key = ? AND scope = ?", (key, scope))


def _store_of(scope: Scope) -> IdempotencyStore | None:
    state = scope["app"].state
    store = getattr(state, "idempotency", None)
    if store is None:
        runner = getattr(state, "runner", None)
        if runner is None:
            return None
        store = state.idempotency = IdempotencyStore(runner.registry)
    return store  # type: ignore[no-any-return]


async def _answer(send: Send, code: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": code,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class IdempotencyMiddleware:
    """Pure ASGI middleware (it must see the whole answer to store it)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int = 2_000_000) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        raw = dict(scope["headers"]).get(HEADER)
        if raw is None:
            await self.app(scope, receive, send)
            return
        key = raw.decode("latin-1")
        if not _KEY.match(key):
            await _answer(send, 422, "Idempotency-Key must be 1-200 visible ASCII characters")
            return
        store = _store_of(scope)
        if store is None:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:  # read under the same cap as every other body (the request is kept to replay it)
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await _answer(send, 413, f"request body over {self.max_body_bytes:,} bytes")
                return
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        # Keys are scoped by path and by the authenticated identity, so two clients' keys never collide.
        identity = (scope.get("state") or {}).get("identity")
        where = f"POST {scope['path']} {getattr(identity, 'name', '')}".rstrip()
        fingerprint = hashlib.sha256(where.encode() + b"\0" + body).hexdigest()
        verdict, stored = store.begin(key, where, fingerprint)
        if verdict == "mismatch":
            await _answer(send, 422, "this Idempotency-Key was used with a different request")
            return
        if verdict == "pending":
            await _answer(send, 409, "a request with this Idempotency-Key is still being served; retry shortly")
            return
        if verdict == "done" and stored is not None:
            code, headers, content = stored
            out = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
            out += [(b"content-length", str(len(content)).encode()), (b"idempotent-replayed", b"true")]
            await send({"type": "http.response.start", "status": code, "headers": out})
            await send({"type": "http.response.body", "body": content})
            return

        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        start: dict[str, Any] = {}
        parts: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay, capture)
        except BaseException:
            store.release(key, where)
            raise
        code = int(start.get("status", 500))
        no_store = any(k.lower() == b"cache-control" and b"no-store" in v.lower() for k, v in start.get("headers", []))
        if code >= 500 or no_store:
            store.release(key, where)
        else:
            store.finish(key, where, code, list(start.get("headers", [])), b"".join(parts))
