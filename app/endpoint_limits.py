"""Concurrency limit per model endpoint, across every worker on every machine.

A vLLM server serves a fixed number of sequences well; past that, latency grows for
everyone. Workers therefore take one of ``N`` slots per endpoint before each model call:
PostgreSQL advisory locks (session locks: a killed worker's connection closes and its
slot frees itself) when the queue is in PostgreSQL, a semaphore in one process otherwise.
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

T = TypeVar("T", bound=BaseModel)


class Limiter(Protocol):
    def slot(self) -> contextlib.AbstractContextManager[None]: ...


class LocalLimiter:
    """``N`` slots in this process."""

    def __init__(self, limit: int) -> None:
        self._semaphore = threading.BoundedSemaphore(limit)

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        with self._semaphore:
            yield


class PostgresLimiter:
    """``N`` slots shared by every process that uses the same database and endpoint."""

    def __init__(self, url: str, endpoint: str, limit: int, *, poll_s: float = 0.05) -> None:
        self._url, self._limit, self._poll_s = url, limit, poll_s
        digest = hashlib.sha256(endpoint.encode()).digest()
        self._key = int.from_bytes(digest[:4], "big", signed=True)
        self._local = threading.local()

    def _connection(self) -> Any:
        import psycopg

        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = psycopg.connect(self._url, autocommit=True)
            self._local.conn = conn
        return conn

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        conn = self._connection()
        slots = list(range(self._limit))
        while True:
            random.shuffle(slots)
            for slot in slots:
                row = conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (self._key, slot)).fetchone()
                if row and row[0]:
                    try:
                        yield
                    finally:
                        conn.execute("SELECT pg_advisory_unlock(%s, %s)", (self._key, slot))
                    return
            time.sleep(self._poll_s)


class LimitedLLM:
    """A StructuredLLM whose calls each hold one of the endpoint's slots."""

    def __init__(self, inner: Any, limiter: Limiter) -> None:
        self._inner, self._limiter = inner, limiter

    def generate(
        self,
        task: str,
        messages: Sequence[Mapping[str, str]],
        schema: type[T],
        *,
        json_schema: dict[str, Any] | None = None,
        check: Callable[[T], None] | None = None,
        max_tokens: int = 512,
    ) -> T:
        with self._limiter.slot():
            result: T = self._inner.generate(
                task, messages, schema, json_schema=json_schema, check=check, max_tokens=max_tokens
            )
            return result

    def complete(self, messages: list[dict[str, str]]) -> str:
        with self._limiter.slot():
            return str(self._inner.complete(messages))

    def __getattr__(self, name: str) -> Any:  # warm_up, close, ...
        return getattr(self._inner, name)
