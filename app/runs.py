"""The run registry: one row per draft run, the source of truth for its status.

The checkpoint holds a run's full state; this table holds what a list needs (status,
channel, when), the editor's decision waiting to be applied, and the lease of the worker
driving the run. It lives beside the checkpoints: SQLite by default, PostgreSQL when
configured, so every worker on every machine sees the same rows.

Every status change is a compare-and-set on the row, guarded by the transition table of
:mod:`app.run_status`: two workers, or a worker and an editor, racing for one run cannot
both win.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.checkpoints import is_postgres_url
from app.run_status import RunStatus, allowed_from

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

#: columns added after the first release (ALTER TABLE on open, so old data dirs keep working)
_ADDED_COLUMNS = {
    "decision": "TEXT",  # the editor's accepted decision (JSON) until a worker has applied it
    "decision_id": "TEXT",
    "lease_owner": "TEXT",  # the worker driving the run
    "lease_until": "DOUBLE PRECISION",  # epoch seconds; past = the worker is presumed dead
    "attempts": "INTEGER NOT NULL DEFAULT 0",  # how many times a worker claimed the run
    "created_by": "TEXT",  # the identity that queued the run (a key's name; the trace's user until review)
}


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
    decision: str | None = None
    decision_id: str | None = None
    lease_owner: str | None = None
    lease_until: float | None = None
    attempts: int = 0
    created_by: str | None = None

    @property
    def pending_decision(self) -> dict[str, Any] | None:
        return json.loads(self.decision) if self.decision else None

    def lease_expired(self, now: float | None = None) -> bool:
        return self.lease_until is None or self.lease_until < (now if now is not None else time.time())


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
    *_ADDED_COLUMNS,
]


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _in(statuses: frozenset[RunStatus]) -> tuple[str, tuple[str, ...]]:
    values = tuple(sorted(s.value for s in statuses))
    return "status IN (" + ", ".join("?" * len(values)) + ")", values


class RunRegistry:
    """Run rows in SQLite or PostgreSQL (same SQL; only the placeholder differs)."""

    def __init__(self, checkpoint_url: str | None, sqlite_path: Path) -> None:
        self._lock = threading.Lock()
        self._postgres = is_postgres_url(checkpoint_url)
        self.url = checkpoint_url if self._postgres else None
        if self._postgres:
            import psycopg

            self._conn: Any = psycopg.connect(str(checkpoint_url), autocommit=True)
            self._mark = "%s"
        else:
            sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(str(sqlite_path), check_same_thread=False, timeout=30)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._mark = "?"
        self.sqlite_path = None if self._postgres else sqlite_path
        self._execute(_SCHEMA)
        self._migrate()

    @property
    def postgres(self) -> bool:
        return self._postgres

    def _migrate(self) -> None:
        if self._postgres:
            rows = self._execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'copydesk_runs' AND table_schema = current_schema()"
            )
            have = {r[0] for r in rows}
        else:
            have = {r[1] for r in self._execute("PRAGMA table_info(copydesk_runs)")}
        for name, kind in _ADDED_COLUMNS.items():
            if name not in have:
                self._execute(f"ALTER TABLE copydesk_runs ADD COLUMN {name} {kind}")

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run SQL on the registry's connection (``?`` placeholders); for tables kept beside the runs."""
        return self._execute(sql, params)

    def execute_count(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """Run a data-changing statement; returns the number of rows it changed."""
        with self._lock:
            cursor = self._conn.execute(sql.replace("?", self._mark), params)
            count = int(cursor.rowcount)
            if not self._postgres:
                self._conn.commit()
            return count

    def _execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            cursor = self._conn.execute(sql.replace("?", self._mark), params)
            rows = cursor.fetchall() if cursor.description else []
            if not self._postgres:
                self._conn.commit()
            return list(rows)

    def create(self, record: RunRecord) -> RunRecord:
        record.created_at = record.updated_at = _now_iso()
        values = tuple(getattr(record, c) for c in _COLUMNS)
        self._execute(
            f"INSERT INTO copydesk_runs ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
            values,
        )
        return record

    def transition(
        self,
        run_id: str,
        new: RunStatus | str,
        *,
        only_from: frozenset[RunStatus] | None = None,
        owner: str | None = None,
        fields: dict[str, Any] | None = None,
    ) -> bool:
        """Move a run to ``new`` if its current status allows it (and, with ``owner``, if that worker
        holds its lease); sets ``fields`` in the same statement. True if the row changed."""
        sources = allowed_from(new) & only_from if only_from is not None else allowed_from(new)
        if not sources:
            return False
        condition, values = _in(sources)
        assignments = {"status": RunStatus(new).value, "updated_at": _now_iso(), **(fields or {})}
        sql = f"UPDATE copydesk_runs SET {', '.join(f'{k} = ?' for k in assignments)} WHERE run_id = ? AND {condition}"
        params: tuple[Any, ...] = (*assignments.values(), run_id, *values)
        if owner is not None:
            sql += " AND lease_owner = ?"
            params += (owner,)
        return self.execute_count(sql, params) == 1

    def claim(self, run_id: str, owner: str, lease_s: float) -> bool:
        """Take the run for a worker: a queued run, or a running one whose worker's lease ran out."""
        now = time.time()
        return (
            self.execute_count(
                "UPDATE copydesk_runs SET status = 'running', lease_owner = ?, lease_until = ?, "
                "attempts = attempts + 1, updated_at = ? WHERE run_id = ? AND (status = 'queued' "
                "OR (status = 'running' AND (lease_until IS NULL OR lease_until < ?)))",
                (owner, now + lease_s, _now_iso(), run_id, now),
            )
            == 1
        )

    def renew(self, owner: str, lease_s: float) -> int:
        """Heartbeat: extend the lease of every run this worker drives; returns how many."""
        return self.execute_count(
            "UPDATE copydesk_runs SET lease_until = ? WHERE lease_owner = ? AND status = 'running'",
            (time.time() + lease_s, owner),
        )

    def requeue_stale(self, *, older_than: float | None = None) -> list[str]:
        """Hand back runs whose worker died (``running`` with an expired lease) as ``queued``."""
        now = time.time() if older_than is None else older_than
        rows = self._execute(
            "SELECT run_id FROM copydesk_runs WHERE status = 'running' AND (lease_until IS NULL OR lease_until < ?)",
            (now,),
        )
        handed = []
        for (run_id,) in rows:
            changed = self.execute_count(
                "UPDATE copydesk_runs SET status = 'queued', lease_owner = NULL, lease_until = NULL, updated_at = ? "
                "WHERE run_id = ? AND status = 'running' AND (lease_until IS NULL OR lease_until < ?)",
                (_now_iso(), run_id, now),
            )
            if changed:
                handed.append(str(run_id))
        return handed

    def update(self, run_id: str, *, status: str, revision: int | None = None, error: str | None = None) -> None:
        """Set a status without a transition check (kept for tools that repair rows by hand)."""
        self._execute(
            "UPDATE copydesk_runs SET status = ?, revision = COALESCE(?, revision), error = ?, updated_at = ? "
            "WHERE run_id = ?",
            (status, revision, error, _now_iso(), run_id),
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
