"""The audit log: append-only, hash-chained, one entry per thing an auditor asks about.

Entries: run creation, every editor decision (an edit with its diff), publication,
document approval, retirement and deletion, key changes — each with who, when, what, and for runs the
prompt version, the model and the sources. Each row stores the SHA-256 of the previous
row's hash and its own canonical JSON, so changing, deleting or re-ordering any row
breaks the chain from there on (:meth:`AuditLog.verify`, ``copydesk audit verify``).
Triggers refuse UPDATE and DELETE; the chain catches whoever drops them. Removing rows
from the *end* leaves a valid shorter chain: keep the head hash that ``verify`` prints
somewhere else (a ticket, an e-mail) to anchor it.

Texts that may carry personal data (feedback, edits) go through the run's PII scrubber
before they are recorded. Call :func:`record` — the one entry point.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.sqlstore import SqlStore

GENESIS = "0" * 64
_LOCK = "copydesk_audit"

_SQLITE_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS copydesk_audit (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        run_id TEXT,
        details TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS copydesk_audit_run ON copydesk_audit (run_id)",
    """CREATE TRIGGER IF NOT EXISTS copydesk_audit_no_update BEFORE UPDATE ON copydesk_audit
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS copydesk_audit_no_delete BEFORE DELETE ON copydesk_audit
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
)
_POSTGRES_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS copydesk_audit (
        seq BIGINT PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        run_id TEXT,
        details TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS copydesk_audit_run ON copydesk_audit (run_id)",
    """CREATE OR REPLACE FUNCTION copydesk_audit_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS copydesk_audit_no_change ON copydesk_audit",
    """CREATE TRIGGER copydesk_audit_no_change BEFORE UPDATE OR DELETE ON copydesk_audit
       FOR EACH ROW EXECUTE FUNCTION copydesk_audit_append_only()""",
)
_COLUMNS = "seq, at, actor, action, run_id, details, prev_hash, hash"


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    actor: str
    action: str
    run_id: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    head: str
    problem: str | None = None
    bad_seq: int | None = None


def _canonical(seq: int, at: str, actor: str, action: str, run_id: str | None, details: str, prev: str) -> bytes:
    body = {"seq": seq, "at": at, "actor": actor, "action": action, "run_id": run_id, "details": details}
    return (prev + json.dumps(body, sort_keys=True, ensure_ascii=True, separators=(",", ":"))).encode("ascii")


def entry_hash(seq: int, at: str, actor: str, action: str, run_id: str | None, details: str, prev: str) -> str:
    return hashlib.sha256(_canonical(seq, at, actor, action, run_id, details, prev)).hexdigest()


class AuditLog:
    """The ``copydesk_audit`` table in SQLite (DATA_DIR/audit.sqlite) or PostgreSQL."""

    def __init__(self, checkpoint_url: str | None, sqlite_path: Path) -> None:
        self.db = SqlStore(checkpoint_url, sqlite_path)
        with self.db.transaction(_LOCK):
            self.db.script(_POSTGRES_SCHEMA if self.db.postgres else _SQLITE_SCHEMA)

    @classmethod
    def from_settings(cls, settings: Any) -> AuditLog:
        return cls(settings.checkpoint_url, Path(settings.data_dir) / "audit.sqlite")

    def append(
        self, action: str, *, actor: str, run_id: str | None = None, details: Mapping[str, Any] | None = None
    ) -> AuditEntry:
        """Append one entry under an exclusive lock (several processes may append at once)."""
        text = json.dumps(dict(details or {}), sort_keys=True, ensure_ascii=True, default=str)
        at = datetime.now(UTC).isoformat(timespec="milliseconds")
        with self.db.transaction(_LOCK) as db:
            last = db.execute("SELECT seq, hash FROM copydesk_audit ORDER BY seq DESC LIMIT 1")
            seq, prev = (int(last[0][0]) + 1, str(last[0][1])) if last else (1, GENESIS)
            digest = entry_hash(seq, at, actor, action, run_id, text, prev)
            db.execute(
                f"INSERT INTO copydesk_audit ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (seq, at, actor, action, run_id, text, prev, digest),
            )
        return AuditEntry(seq, at, actor, action, run_id, json.loads(text), prev, digest)

    def entries(
        self, *, run_id: str | None = None, action: str | None = None, after: int = 0, limit: int = 1000
    ) -> list[AuditEntry]:
        sql = f"SELECT {_COLUMNS} FROM copydesk_audit WHERE seq > ?"
        params: list[Any] = [after]
        if run_id:
            sql += " AND run_id = ?"
            params.append(run_id)
        if action:
            sql += " AND action = ?"
            params.append(action)
        sql += " ORDER BY seq LIMIT ?"
        params.append(limit)
        return [self._entry(row) for row in self.db.execute(sql, params)]

    @staticmethod
    def _entry(row: tuple[Any, ...]) -> AuditEntry:
        seq, at, actor, action, run_id, details, prev, digest = row
        try:
            parsed = json.loads(details)
        except (TypeError, ValueError):
            parsed = {"unreadable": str(details)[:200]}
        return AuditEntry(int(seq), str(at), str(actor), str(action), run_id, parsed, str(prev), str(digest))

    def _rows(self, batch: int = 1000) -> Iterator[tuple[Any, ...]]:
        after = 0
        while True:
            rows = self.db.execute(
                f"SELECT {_COLUMNS} FROM copydesk_audit WHERE seq > ? ORDER BY seq LIMIT ?", (after, batch)
            )
            if not rows:
                return
            yield from rows
            after = int(rows[-1][0])

    def verify(self) -> VerifyResult:
        """Recompute the chain from the first row; the first row that does not fit is reported."""
        prev, expected_seq, count = GENESIS, 1, 0
        for seq, at, actor, action, run_id, details, stored_prev, stored_hash in self._rows():
            seq = int(seq)
            if seq != expected_seq:
                return VerifyResult(
                    False, count, prev, f"entry {expected_seq} is missing (next is {seq})", expected_seq
                )
            if stored_prev != prev:
                return VerifyResult(False, count, prev, f"entry {seq} does not follow entry {seq - 1}", seq)
            if entry_hash(seq, at, actor, action, run_id, details, prev) != stored_hash:
                return VerifyResult(False, count, prev, f"entry {seq} was changed after it was written", seq)
            prev, expected_seq, count = stored_hash, seq + 1, count + 1
        return VerifyResult(True, count, prev)

    def close(self) -> None:
        self.db.close()


_default: AuditLog | None = None


def configure(log: AuditLog | None) -> None:
    """Set the process-wide log :func:`record` writes to when no ``log`` is passed."""
    global _default
    _default = log


def default_log() -> AuditLog:
    global _default
    if _default is None:
        from app.settings import get_settings

        _default = AuditLog.from_settings(get_settings())
    return _default


def record(
    action: str,
    *,
    actor: str,
    run_id: str | None = None,
    details: Mapping[str, Any] | None = None,
    log: AuditLog | None = None,
) -> AuditEntry:
    """Append one audit entry: the one function every hook calls.

    ``action`` is a dotted name (``run.created``, ``run.decision``, ``run.published``,
    ``document.approved``, ``document.retired``, ``document.deleted``, ``key.created``, ``key.revoked``);
    ``details`` is JSON-able and must hold no personal data in clear.
    """
    return (log or default_log()).append(action, actor=actor, run_id=run_id, details=details)


# --- what an entry says about a run ------------------------------------------------------------


def draft_lines(draft: Mapping[str, Any] | None) -> list[str]:
    """A draft as labelled lines, so a diff says which field changed."""
    if not draft:
        return []
    lines = [f"title: {draft.get('title', '')}", f"meta_description: {draft.get('meta_description', '')}"]
    for index, section in enumerate(draft.get("sections") or []):
        lines.append(f"sections[{index}].heading: {section.get('heading', '')}")
        lines.extend(f"sections[{index}].body: {line}" for line in str(section.get("body", "")).splitlines() or [""])
    for index, claim in enumerate(draft.get("claims") or []):
        lines.append(f"claims[{index}]: {claim.get('text', '')} [{', '.join(claim.get('sources') or [])}]")
    return lines


def draft_diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> str:
    """A unified diff of two drafts (what an editor's edit changed)."""
    return "\n".join(difflib.unified_diff(draft_lines(before), draft_lines(after), "before", "after", lineterm="", n=1))


def run_provenance(state: Mapping[str, Any], services: Any = None) -> dict[str, Any]:
    """Prompt version, model(s) and sources of a run, from its state (and the services' model routing)."""
    models = sorted({str(c.get("model")) for c in state.get("llm_calls") or [] if c.get("model")})
    if not models and services is not None:
        client = getattr(getattr(services, "llm", None), "client", None)
        model_for = getattr(client, "model_for", None)
        if callable(model_for):
            models = [str(model_for("draft"))]
    sources = [
        {
            "label": s.get("label"),
            "chunk_ids": s.get("chunk_ids") or [s.get("chunk_id")],
            "document_id": s.get("document_id"),
            "version": s.get("version") or (s.get("evidence") or {}).get("version"),
        }
        for s in state.get("sources") or []
    ]
    return {"prompt": state.get("prompt_ref"), "models": models, "sources": sources}
