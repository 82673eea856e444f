"""Webhooks for run events, signed as the Standard Webhooks spec says, retried, logged.

Events: ``review.pending`` (a draft waits for an editor), ``run.published``,
``run.failed``, ``run.cancelled``. Each event is written to an outbox table beside the
run registry (one row per target) in the same process step that changed the run, and a
dispatcher delivers due rows: ``POST`` with ``webhook-id``, ``webhook-timestamp`` and
``webhook-signature: v1,<base64 HMAC-SHA256 over "id.timestamp.body">`` (secret
``whsec_<base64>``). A non-2xx answer or a network error is retried with exponential
backoff up to ``COPYDESK_WEBHOOK_MAX_ATTEMPTS``; every attempt's outcome stays in the row
(the delivery log, ``GET /v1/webhooks/deliveries``). The ``webhook-id`` is the same on every
retry, so receivers can drop duplicates.

Targets must be on an allow-list of host names: a webhook URL is a server-side request
to wherever it points, so copydesk refuses to start with a target outside the list and
checks again before each delivery.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from app.runs import RunRegistry

log = logging.getLogger("copydesk.webhooks")

EVENT_TYPES = ("review.pending", "run.published", "run.failed", "run.cancelled")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS copydesk_webhook_deliveries (
    event_id TEXT NOT NULL,
    url TEXT NOT NULL,
    event_type TEXT NOT NULL,
    run_id TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at DOUBLE PRECISION NOT NULL,
    locked_until DOUBLE PRECISION,
    last_status_code INTEGER,
    last_error TEXT,
    created_at TEXT NOT NULL,
    delivered_at TEXT,
    PRIMARY KEY (event_id, url)
)
"""
_COLUMNS = (
    "event_id",
    "url",
    "event_type",
    "run_id",
    "status",
    "attempts",
    "last_status_code",
    "last_error",
    "created_at",
    "delivered_at",
)


class WebhookConfigError(ValueError):
    """A webhook target or secret that copydesk refuses to use."""


def _key(secret: str) -> bytes:
    if not secret.startswith("whsec_"):
        raise WebhookConfigError("the webhook secret must start with whsec_ (Standard Webhooks)")
    try:
        return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except ValueError as exc:
        raise WebhookConfigError("the webhook secret after whsec_ must be base64") from exc


def new_secret() -> str:
    """A fresh ``whsec_`` secret (24 random bytes)."""
    import secrets

    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """``v1,<base64 HMAC-SHA256 over "id.timestamp.body">``."""
    digest = hmac.new(_key(secret), f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def _host_of(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookConfigError(f"webhook target {url!r} is not an http(s) URL")
    host = parts.hostname.lower()
    return host, f"{host}:{parts.port}" if parts.port else host


def check_target(url: str, allowed_hosts: Sequence[str]) -> None:
    """Refuse a target whose host (or host:port) is not on the allow-list."""
    host, host_port = _host_of(url)
    allowed = {h.lower() for h in allowed_hosts}
    if host not in allowed and host_port not in allowed:
        raise WebhookConfigError(
            f"webhook target {url!r} is not allowed: add {host!r} to COPYDESK_WEBHOOK_ALLOWED_HOSTS"
        )


@dataclass
class Delivery:
    event_id: str
    url: str
    event_type: str
    run_id: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: str
    delivered_at: str | None


class WebhookOutbox:
    """Event rows waiting to be delivered, and their log; lives beside the run registry."""

    def __init__(
        self,
        registry: RunRegistry,
        urls: Sequence[str],
        *,
        allowed_hosts: Sequence[str],
        secret: str | None,
        max_attempts: int = 8,
        backoff_s: float = 2.0,
    ) -> None:
        self.registry = registry
        self.urls = list(urls)
        self.allowed_hosts = list(allowed_hosts)
        if self.urls and not secret:
            raise WebhookConfigError("webhook targets are configured but COPYDESK_WEBHOOK_SECRET is not")
        if secret:
            _key(secret)
        for url in self.urls:
            check_target(url, self.allowed_hosts)
        self.secret = secret
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        registry.execute(_SCHEMA)

    def emit(self, event_type: str, run_id: str, data: dict[str, Any]) -> str | None:
        """Record an event for every target; returns its id (None without targets)."""
        if not self.urls:
            return None
        event_id = "msg_" + uuid.uuid4().hex
        body = json.dumps(
            {"type": event_type, "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"), "data": data},
            ensure_ascii=False,
            separators=(",", ":"),
            default=str,
        )
        now = time.time()
        for url in self.urls:
            self.registry.execute(
                "INSERT INTO copydesk_webhook_deliveries (event_id, url, event_type, run_id, body, status, attempts, "
                "next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT DO NOTHING",
                (event_id, url, event_type, run_id, body, now, datetime.now(UTC).isoformat(timespec="milliseconds")),
            )
        return event_id

    def deliveries(self, *, run_id: str | None = None, limit: int = 100) -> list[Delivery]:
        sql = f"SELECT {', '.join(_COLUMNS)} FROM copydesk_webhook_deliveries"
        params: tuple[Any, ...] = ()
        if run_id:
            sql += " WHERE run_id = ?"
            params = (run_id,)
        sql += " ORDER BY created_at DESC, event_id LIMIT ?"
        rows = self.registry.execute(sql, (*params, limit))
        return [Delivery(**dict(zip(_COLUMNS, row, strict=True))) for row in rows]

    def deliver_due(self, client: httpx.Client, *, now: float | None = None, lock_s: float = 30.0) -> int:
        """Send every due delivery once (claimed, so several processes never send the same one at once)."""
        now = time.time() if now is None else now
        rows = self.registry.execute(
            "SELECT event_id, url, body, attempts FROM copydesk_webhook_deliveries WHERE status = 'pending' "
            "AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?) ORDER BY next_attempt_at LIMIT 50",
            (now, now),
        )
        sent = 0
        for event_id, url, body, attempts in rows:
            claimed = self.registry.execute_count(
                "UPDATE copydesk_webhook_deliveries SET locked_until = ? WHERE event_id = ? AND url = ? "
                "AND status = 'pending' AND (locked_until IS NULL OR locked_until < ?)",
                (now + lock_s, event_id, url, now),
            )
            if claimed:
                self._attempt(client, str(event_id), str(url), str(body), int(attempts))
                sent += 1
        return sent

    def _attempt(self, client: httpx.Client, event_id: str, url: str, body: str, attempts: int) -> None:
        code: int | None = None
        error: str | None = None
        try:
            check_target(url, self.allowed_hosts)  # the allow-list may have shrunk since the event was recorded
            assert self.secret is not None
            timestamp = int(time.time())
            headers = {
                "content-type": "application/json",
                "webhook-id": event_id,
                "webhook-timestamp": str(timestamp),
                "webhook-signature": sign(self.secret, event_id, timestamp, body),
            }
            response = client.post(url, content=body.encode(), headers=headers, follow_redirects=False)
            code = response.status_code
            if not 200 <= code < 300:
                error = f"HTTP {code}"
        except WebhookConfigError as exc:
            error, attempts = str(exc), self.max_attempts  # never retried
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        attempts += 1
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
        if error is None:
            self.registry.execute(
                "UPDATE copydesk_webhook_deliveries SET status = 'delivered', attempts = ?, last_status_code = ?, "
                "last_error = NULL, delivered_at = ?, locked_until = NULL WHERE event_id = ? AND url = ?",
                (attempts, code, stamp, event_id, url),
            )
            return
        final = attempts >= self.max_attempts
        delay = min(self.backoff_s * 2 ** (attempts - 1), 3600.0)
        self.registry.execute(
            "UPDATE copydesk_webhook_deliveries SET status = ?, attempts = ?, last_status_code = ?, last_error = ?, "
            "next_attempt_at = ?, locked_until = NULL WHERE event_id = ? AND url = ?",
            ("failed" if final else "pending", attempts, code, error, time.time() + delay, event_id, url),
        )
        log.warning(
            "webhook %s to %s: %s (attempt %d%s)", event_id, url, error, attempts, ", given up" if final else ""
        )


class WebhookDispatcher:
    """A background thread delivering the outbox (in the API process and in every worker)."""

    def __init__(self, outbox: WebhookOutbox, *, interval_s: float = 0.5, timeout_s: float = 10.0) -> None:
        self.outbox = outbox
        self._interval_s = interval_s
        self._client = httpx.Client(timeout=timeout_s)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="copydesk-webhooks", daemon=True)

    def start(self) -> WebhookDispatcher:
        if self.outbox.urls:
            self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self.outbox.deliver_due(self._client)
            except Exception:
                log.exception("webhook delivery pass failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._client.close()
