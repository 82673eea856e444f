"""The document library: every ingested document's record and who changed what, when.

The store holds chunks for retrieval; the library holds the documents themselves (metadata
and text) and an append-only event table (``ingested``, ``approved``, ``retired``,
``deleted``) with the actor and a UTC timestamp. It lives in one SQLite file beside the
index, keyed by tenant so one data dir can serve several brands.

A decision taken in the library outlives re-ingesting the same file: approving a manual
that has no front matter must not be undone by the next ``copydesk ingest`` of the folder.
It holds only while the text is the one that was decided on; a changed text goes back to
what its file says (draft by default) and needs a new approval.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tools.ingest.loaders import content_hash
from tools.models import ApprovalStatus, Document

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    tenant TEXT NOT NULL,
    id TEXT NOT NULL,
    data TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    decided_status TEXT,
    decided_body_hash TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE TABLE IF NOT EXISTS document_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant TEXT NOT NULL,
    document_id TEXT NOT NULL,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS document_events_doc ON document_events(tenant, document_id);
"""


def body_hash(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def rehash(document: Document) -> Document:
    """The document with its content hash recomputed from its current metadata and text."""
    fields = document.model_dump()
    hashed = {k: v for k, v in fields.items() if k not in {"body", "source_path", "content_hash"}}
    return document.model_copy(update={"content_hash": content_hash(document.body, hashed)})


def with_status(document: Document, status: ApprovalStatus) -> Document:
    """A copy with another approval status (and the matching content hash)."""
    return rehash(document.model_copy(update={"approval_status": status}))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class DocumentEvent:
    """One change to a document: what, who, when."""

    document_id: str
    action: str
    actor: str
    at: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class DocumentRecord:
    """A document as the library knows it."""

    document: Document
    updated_at: str

    def summary(self) -> dict[str, Any]:
        """The fields ``docs list --json`` prints (one object per document)."""
        d = self.document
        return {
            "id": d.id,
            "title": d.title,
            "language": d.language,
            "status": d.approval_status.value,
            "version": d.version,
            "doc_type": d.doc_type,
            "product_ids": list(d.product_ids),
            "source_path": d.source_path,
            "valid_from": d.valid_from.isoformat() if d.valid_from else None,
            "valid_until": d.valid_until.isoformat() if d.valid_until else None,
            "updated_at": self.updated_at,
        }


class DocumentLibrary:
    """Document records and their event log in SQLite (``library.sqlite`` in the data dir)."""

    def __init__(self, path: Path, tenant: str = "default") -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.tenant = tenant
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA secure_delete=ON")  # a deleted document's text leaves no bytes behind
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ reads
    def get(self, document_id: str) -> DocumentRecord | None:
        with self._lock:
            row = self._db.execute(
                "SELECT data, updated_at FROM documents WHERE tenant = ? AND id = ?", (self.tenant, document_id)
            ).fetchone()
        return DocumentRecord(Document.model_validate_json(row[0]), row[1]) if row else None

    def list(
        self, *, status: str | None = None, language: str | None = None, product_id: str | None = None
    ) -> builtins.list[DocumentRecord]:
        """Records in id order, optionally only one status / language / product."""
        with self._lock:
            rows = self._db.execute(
                "SELECT data, updated_at FROM documents WHERE tenant = ? ORDER BY id", (self.tenant,)
            ).fetchall()
        records = [DocumentRecord(Document.model_validate_json(data), at) for data, at in rows]
        return [
            r
            for r in records
            if (status is None or r.document.approval_status.value == status)
            and (language is None or r.document.language == language)
            and (product_id is None or product_id in r.document.product_ids)
        ]

    def events(self, document_id: str | None = None) -> builtins.list[DocumentEvent]:
        """The change log, oldest first (of one document, or of all)."""
        query = "SELECT document_id, action, actor, at, detail FROM document_events WHERE tenant = ?"
        args: list[Any] = [self.tenant]
        if document_id is not None:
            query += " AND document_id = ?"
            args.append(document_id)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY seq", args).fetchall()
        return [DocumentEvent(d, a, who, at, json.loads(detail)) for d, a, who, at, detail in rows]

    # ------------------------------------------------------------------ ingest side
    def reconcile(self, documents: Sequence[Document]) -> tuple[builtins.list[Document], int]:
        """Apply earlier library decisions to freshly loaded documents whose text is unchanged.

        Returns the documents and how many kept a decided status.
        """
        out: builtins.list[Document] = []
        kept = 0
        with self._lock:
            for document in documents:
                row = self._db.execute(
                    "SELECT decided_status, decided_body_hash FROM documents WHERE tenant = ? AND id = ?",
                    (self.tenant, document.id),
                ).fetchone()
                decided = ApprovalStatus(row[0]) if row and row[0] else None
                if decided and row[1] == body_hash(document.body) and decided != document.approval_status:
                    out.append(with_status(document, decided))
                    kept += 1
                else:
                    out.append(document)
        return out, kept

    def record_ingested(self, documents: Iterable[Document], actor: str, *, changed: set[str]) -> None:
        """Upsert the records; an ``ingested`` event for each new or changed document."""
        at = _now()
        with self._lock:
            for document in documents:
                new_hash = body_hash(document.body)
                row = self._db.execute(
                    "SELECT decided_body_hash FROM documents WHERE tenant = ? AND id = ?", (self.tenant, document.id)
                ).fetchone()
                if row is None:
                    self._db.execute(
                        "INSERT INTO documents (tenant, id, data, body_hash, updated_at) VALUES (?, ?, ?, ?, ?)",
                        (self.tenant, document.id, document.model_dump_json(), new_hash, at),
                    )
                elif row[0] is not None and row[0] != new_hash:
                    # The text changed since a decision: that decision no longer applies.
                    self._db.execute(
                        "UPDATE documents SET data = ?, body_hash = ?, decided_status = NULL, decided_body_hash = NULL,"
                        " updated_at = ? WHERE tenant = ? AND id = ?",
                        (document.model_dump_json(), new_hash, at, self.tenant, document.id),
                    )
                else:
                    self._db.execute(
                        "UPDATE documents SET data = ?, body_hash = ?, updated_at = ? WHERE tenant = ? AND id = ?",
                        (document.model_dump_json(), new_hash, at, self.tenant, document.id),
                    )
                if document.id in changed:
                    self._event(
                        document.id,
                        "ingested",
                        actor,
                        at,
                        status=document.approval_status.value,
                        version=document.version,
                        source_path=document.source_path,
                    )
            self._db.commit()

    # ------------------------------------------------------------------ decisions
    def decide(self, document: Document, action: str, actor: str) -> None:
        """Store a status decision (approve / retire) taken on ``document`` and log it."""
        at = _now()
        with self._lock:
            self._db.execute(
                "UPDATE documents SET data = ?, decided_status = ?, decided_body_hash = ?, updated_at = ?"
                " WHERE tenant = ? AND id = ?",
                (
                    document.model_dump_json(),
                    document.approval_status.value,
                    body_hash(document.body),
                    at,
                    self.tenant,
                    document.id,
                ),
            )
            self._event(document.id, action, actor, at, status=document.approval_status.value, version=document.version)
            self._db.commit()

    def remove(self, document_id: str, actor: str) -> None:
        """Forget the record (the event log keeps the deletion)."""
        at = _now()
        with self._lock:
            self._db.execute("DELETE FROM documents WHERE tenant = ? AND id = ?", (self.tenant, document_id))
            self._event(document_id, "deleted", actor, at)
            self._db.commit()
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _event(self, document_id: str, action: str, actor: str, at: str, **detail: Any) -> None:
        self._db.execute(
            "INSERT INTO document_events (tenant, document_id, action, actor, at, detail) VALUES (?, ?, ?, ?, ?, ?)",
            (self.tenant, document_id, action, actor, at, json.dumps(detail, ensure_ascii=False)),
        )

    def close(self) -> None:
        with self._lock:
            self._db.close()
