"""One small SQL connection for copydesk's own tables (keys, sessions, audit): SQLite or PostgreSQL.

Same idea as the run registry: the tables live beside the checkpoints, SQLite in the
data dir by default, PostgreSQL when ``COPYDESK_CHECKPOINT_URL`` names one, so every
API process and every CLI on the same database sees the same keys and audit trail.
SQL is written with ``?`` placeholders; PostgreSQL gets ``%s``.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from app.checkpoints import is_postgres_url


class SqlStore:
    """A thread-safe connection with ``execute`` and an exclusive ``transaction``."""

    def __init__(self, url: str | None, sqlite_path: Path) -> None:
        self._lock = threading.RLock()
        self.postgres = is_postgres_url(url)
        if self.postgres:
            import psycopg

            self._conn: Any = psycopg.connect(str(url), autocommit=True)
        else:
            sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: autocommit, transactions only where we open them explicitly.
            self._conn = sqlite3.connect(str(sqlite_path), check_same_thread=False, timeout=30, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
        self._in_transaction = False

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.postgres else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            cursor = self._conn.execute(self._sql(sql), tuple(params))
            return list(cursor.fetchall()) if cursor.description else []

    def script(self, statements: Sequence[str]) -> None:
        """Run DDL statements one by one (idempotent ``CREATE ... IF NOT EXISTS``)."""
        for statement in statements:
            self.execute(statement)

    @contextlib.contextmanager
    def transaction(self, lock_key: str) -> Iterator[SqlStore]:
        """An exclusive write transaction across processes (SQLite ``BEGIN IMMEDIATE``, a PostgreSQL
        advisory lock): appenders that read the last row and then insert must not interleave."""
        with self._lock:
            if self.postgres:
                with self._conn.transaction():
                    self._conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (lock_key,))
                    yield self
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
