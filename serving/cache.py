"""Exact-match response cache for deterministic (temperature 0) calls.

The same query-rewrite or judge request, with the same model, prompt version and
inputs, gets the same answer: serving it from the cache costs no GPU time. The key
is a SHA-256 over everything that shapes the answer (model, prompt reference,
messages, schema, sampling settings); a prompt edit bumps its version, so stale
answers are never served. SQLite by default (one file in the data dir), Redis in
production (shared by workers; entries expire).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol


def cache_key(
    *,
    model: str,
    prompt_ref: str | None,
    messages: Sequence[Mapping[str, str]],
    json_schema: Mapping[str, Any] | None,
    max_tokens: int,
    temperature: float,
) -> str:
    """A stable hex digest of every input that determines a deterministic answer."""
    material = json.dumps(
        {
            "model": model,
            "prompt_ref": prompt_ref,
            "messages": [dict(m) for m in messages],
            "schema": json_schema,
            "max_tokens": max_tokens,
            "temperature": temperature,
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


class ResponseCache(Protocol):
    """Get, put and forget cached answers (plain JSON dicts)."""

    def get(self, key: str) -> dict[str, Any] | None: ...

    def put(self, key: str, value: dict[str, Any]) -> None: ...

    def delete(self, key: str) -> None: ...

    def close(self) -> None: ...


class SQLiteResponseCache:
    """One SQLite file; safe across threads (one connection, a lock) and processes (WAL)."""

    def __init__(self, path: Path, ttl_s: float | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.ttl_s = ttl_s
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS llm_cache (key TEXT PRIMARY KEY, value TEXT NOT NULL, created REAL NOT NULL)"
        )
        self._db.commit()
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT value, created FROM llm_cache WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        if self.ttl_s is not None and time.time() - row[1] > self.ttl_s:
            self.delete(key)
            return None
        value: dict[str, Any] = json.loads(row[0])
        return value

    def put(self, key: str, value: dict[str, Any]) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO llm_cache (key, value, created) VALUES (?, ?, ?)",
                (key, json.dumps(value, ensure_ascii=False), time.time()),
            )
            self._db.commit()

    def delete(self, key: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM llm_cache WHERE key = ?", (key,))
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()


class RedisResponseCache:
    """Redis with a key prefix (several deployments, or tests, share one server) and a TTL."""

    def __init__(self, url: str, prefix: str = "copydesk:llm:", ttl_s: int | None = 7 * 24 * 3600) -> None:
        import redis  # imported here: only production deployments need the client

        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.prefix = prefix
        self.ttl_s = ttl_s

    def get(self, key: str) -> dict[str, Any] | None:
        raw = self._redis.get(self.prefix + key)
        if raw is None:
            return None
        value: dict[str, Any] = json.loads(raw)  # type: ignore[arg-type]
        return value

    def put(self, key: str, value: dict[str, Any]) -> None:
        self._redis.set(self.prefix + key, json.dumps(value, ensure_ascii=False), ex=self.ttl_s)

    def delete(self, key: str) -> None:
        self._redis.delete(self.prefix + key)

    def close(self) -> None:
        self._redis.close()
