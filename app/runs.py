"""The run registry: one row per draft run, for listing and for campaign status.

The checkpoint holds a run's full state; this table holds what a list needs
(status, channel, when) so ``copydesk runs`` never has to load every checkpoint.
It lives beside the checkpoints: SQLite by default, PostgreSQL when configured.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.checkpoints import is_postgres_url

_SCHEMA = """
CREATE TABLE IF NOT EXISTS copydesk_runs (
    run_id TEXT PRIMARY KEY,
    campaign_id TEXT,
    channel TEXT NOT NULL,
    language TEXT NOT NULL,
    brief_preview TEXT NOT NULL,
    status TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)
"""


@dataclass
class RunRecord:
    run_id: str
    channel: str
    language: str
    brief_preview: str
    status: str
    revision: int = 0
    campaign_id: str | None = None
    error: str | None = None
    created_at: str = ""
    updated_at: str = ""


_COLUMNS = [
    "run_id",
    "campaign_id",
    "channel",
    "language",
    "brief_preview",
    "status",
    "revision",
    "error",
    "created_at",
    "updated_at",
]


class RunRegistry:
    """Run rows in SQLite or PostgreSQL (same SQL; only the placeholder differs)."""

    def __init__(self, checkpoint_url: str | None, sqlite_path: Path) -> None:
        self._lock = threading.Lock()
        self._postgres = is_postgres_url(checkpoint_url)
        if self._postgres:
            import psycopg

            self._conn: Any = psycopg.connect(str(checkpoint_url), autocommit=True)
            self._mark = "%s"
        else:
            sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(str(sqlite_path), check_same_thread=False, timeout=30)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._mark = "?"
        self._execute(_SCHEMA)

    def _execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            cursor = self._conn.execute(sql.replace("?", self._mark), params)
            rows = cursor.fetchall() if cursor.description else []
            if not self._postgres:
                self._conn.commit()
            return list(rows)

    def create(self, record: RunRecord) -> RunRecord:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        record.created_at = record.updated_at = now
        values = tuple(getattr(record, c) for c in _COLUMNS)
        self._execute(
            f"INSERT INTO copydesk_runs ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
            values,
        )
        return record

    def update(self, run_id: str, *, status: str, revision: int | None = None, error: str | None = None) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self._execute(
            "UPDATE copydesk_runs SET status = ?, revision = COALESCE(?, revision), error = ?, updated_at = ? "
            "WHERE run_id = ?",
            (status, revision, error, now, run_id),
        )

    def get(self, run_id: str) -> RunRecord | None:
        rows = self._execute(f"SELECT {', '.join(_COLUMNS)} FROM copydesk_runs WHERE run_id = ?", (run_id,))
        return RunRecord(**dict(zip(_COLUMNS, rows[0], strict=True))) if rows else None

    def list(self, *, status: str | None = None, campaign_id: str | None = None, limit: int = 100) -> list[RunRecord]:
        sql = f"SELECT {', '.join(_COLUMNS)} FROM copydesk_runs WHERE 1 = 1"
        params: list[Any] = []
        if status:
            sql += " AND status = ?"
            params.append(status)
        if campaign_id:
            sql += " AND campaign_id = ?"
            params.append(campaign_id)
        sql += " ORDER BY created_at DESC, run_id LIMIT ?"
        params.append(limit)
        return [RunRecord(**dict(zip(_COLUMNS, row, strict=True))) for row in self._execute(sql, tuple(params))]

    def delete(self, run_id: str) -> None:
        """Remove a run's row (erasure of a data subject, DSGVO Art. 17)."""
        self._execute("DELETE FROM copydesk_runs WHERE run_id = ?", (run_id,))

    def close(self) -> None:
        with self._lock:
            self._conn.close()
