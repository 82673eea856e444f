"""Erasure of a data subject (DSGVO Art. 17) and retention of finished runs, across every store.

copydesk keeps data in: the checkpoint database (SQLite file and its WAL, or PostgreSQL),
the run registry, published files, the hybrid index (the approved documents' chunks), the
document library (each document's text, metadata and history), the embedding cache, the
public-terms and guideline files, and logs. :func:`erase_subject` searches all of them for a
person (a name or an e-mail address) and removes what mentions them, reporting each removal;
nothing is silently kept.

How a person is found where copydesk only stored a pseudonym: each run's pseudonym map
holds salted hashes of the values it replaced, so hashing the subject with that run's
salt tells whether the run mentioned them (as ``<PERSON_1>``) without any clear text
being stored. Such runs are erased as well.

After deleting, SQLite files are checkpointed (WAL truncated) and vacuumed, so the
deleted bytes do not survive in the WAL or in free pages.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver

from app.runs import RunRegistry
from app.settings import Settings
from tools.pii import PseudonymMap

FINISHED = ("published", "rejected", "failed", "cancelled")
_PSEUDONYM_TYPES = ("PERSON", "EMAIL_ADDRESS")


@dataclass
class ErasureReport:
    """What was found and removed, one human-readable line per store entry."""

    subject: str
    dry_run: bool = False
    removed: list[str] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        self.removed.append(("would remove " if self.dry_run else "removed ") + line)


def mentions(value: Any, subject: str) -> bool:
    """Whether ``value`` (text, bytes, or JSON-able data) contains ``subject``, case-insensitively."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="ignore")
    elif not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, default=str)
    return subject.casefold() in value.casefold()


def _pseudonymised(values: dict[str, Any], subject: str) -> bool:
    """Whether the run's pseudonym map replaced ``subject`` (hash with the run's salt)."""
    data = values.get("pseudonyms")
    if not isinstance(data, dict) or not data.get("salt"):
        return False
    pseudonyms = PseudonymMap.from_dict(data)
    return any(pseudonyms.knows(kind, subject) for kind in _PSEUDONYM_TYPES)


def runs_mentioning(saver: BaseCheckpointSaver[str], subject: str) -> dict[str, str]:
    """Thread id -> how the run mentions ``subject`` ('in clear' or 'as a pseudonym')."""
    found: dict[str, str] = {}
    for item in saver.list(None):
        thread = str(item.config["configurable"]["thread_id"])
        values = item.checkpoint.get("channel_values") or {}
        writes = [w[2] for w in (item.pending_writes or [])]
        if mentions(values, subject) or mentions(writes, subject):
            found[thread] = "in clear"
        elif thread not in found and isinstance(values, dict) and _pseudonymised(values, subject):
            found[thread] = "as a pseudonym"
    return found


def compact_sqlite(path: Path) -> None:
    """Truncate the WAL and rewrite the file so deleted rows leave no bytes behind."""
    if not path.exists():
        return
    connection = sqlite3.connect(str(path), timeout=30)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("VACUUM")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def _erase_run(
    run_id: str,
    how: str,
    saver: BaseCheckpointSaver[str],
    registry: RunRegistry,
    settings: Settings,
    report: ErasureReport,
) -> None:
    report.runs.append(run_id)
    report.add(f"run {run_id}: checkpoints and run record (mentioned {how})")
    target = settings.published_dir / run_id
    if target.is_dir() and target.resolve().parent == settings.published_dir.resolve():
        report.add(f"run {run_id}: published files {target}")
        if not report.dry_run:
            shutil.rmtree(target)
    if not report.dry_run:
        saver.delete_thread(run_id)
        registry.delete(run_id)


def _erase_index(settings: Settings, subject: str, report: ErasureReport) -> None:
    """Remove documents whose chunks mention the subject from the embedded index and the vector cache."""
    db_path = settings.index_dir / "store.sqlite"
    if settings.store != "embedded":
        report.removed.append(f"not searched: the {settings.store} index (erase the documents there by id)")
        return
    if not db_path.exists():
        return
    connection = sqlite3.connect(str(db_path), timeout=30)
    try:
        rows = connection.execute("SELECT document_id, data FROM chunks").fetchall()
    finally:
        connection.close()
    documents: dict[str, list[dict[str, Any]]] = {}
    for document_id, data in rows:
        if mentions(data, subject):
            documents.setdefault(document_id, [])
    for document_id, data in rows:
        if document_id in documents:
            documents[document_id].append(json.loads(data))
    if not documents:
        return
    for document_id, chunks in sorted(documents.items()):
        source = chunks[0].get("source_path", "?")
        report.documents.append(document_id)
        report.add(f"document {document_id}: {len(chunks)} chunk(s) from the index (edit or delete {source} too)")
    if report.dry_run:
        return
    from tools.stores.embedded import EmbeddedHybridStore

    store = EmbeddedHybridStore(settings.index_dir)
    try:
        for document_id in documents:
            store.delete_document(document_id)
    finally:
        store.close()
    compact_sqlite(db_path)
    _erase_vectors(settings.vector_cache_path, [c for chunks in documents.values() for c in chunks], report)


def _erase_library(settings: Settings, subject: str, report: ErasureReport) -> None:
    """Document records that mention the subject or were erased from the index (they hold the whole text),
    and the subject's name in the library's history (an editor who approved documents, a file name)."""
    path = settings.library_db_path
    if not path.exists():
        return
    connection = sqlite3.connect(str(path), timeout=30)
    try:
        rows = connection.execute("SELECT tenant, id, data FROM documents").fetchall()
        events = connection.execute("SELECT seq, actor, detail FROM document_events").fetchall()
        found = sorted(
            {(tenant, doc) for tenant, doc, data in rows if doc in report.documents or mentions(data, subject)}
        )
        for _, doc in found:
            if doc not in report.documents:
                report.documents.append(doc)
            report.add(f"document {doc}: library record (its text and metadata)")
        named = [seq for seq, actor, detail in events if mentions(actor, subject) or mentions(detail, subject)]
        if named:
            report.add(f"the subject's name in {len(named)} library history entr{'y' if len(named) == 1 else 'ies'}")
        if report.dry_run or not (found or named):
            return
        for tenant, doc in found:
            connection.execute("DELETE FROM documents WHERE tenant = ? AND id = ?", (tenant, doc))
            # its history keeps who did what when, not the file name (often the person's name)
            connection.execute(
                "UPDATE document_events SET detail = '{}' WHERE tenant = ? AND document_id = ?", (tenant, doc)
            )
            connection.execute(
                "INSERT INTO document_events (tenant, document_id, action, actor, at, detail)"
                " VALUES (?, ?, ?, ?, ?, '{}')",
                (tenant, doc, "erased", "erase", datetime.now(UTC).isoformat(timespec="seconds")),
            )
        for seq in named:  # the history keeps that something happened, not who or which file
            connection.execute("UPDATE document_events SET actor = '(erased)', detail = '{}' WHERE seq = ?", (seq,))
        connection.commit()
    finally:
        connection.close()
    compact_sqlite(path)


def _embedding_text(chunk: dict[str, Any]) -> str:
    heading = " > ".join(chunk.get("heading_path") or [])
    return f"{heading}\n{chunk['text']}" if heading else str(chunk["text"])


def _erase_vectors(cache: Path, chunks: Iterable[dict[str, Any]], report: ErasureReport) -> None:
    """Drop cached vectors of erased chunks (keys end in the SHA-256 of the embedded text)."""
    if not cache.exists():
        return
    digests = [hashlib.sha256(_embedding_text(c).encode("utf-8")).hexdigest() for c in chunks]
    connection = sqlite3.connect(str(cache), timeout=30)
    try:
        removed = 0
        for digest in digests:
            removed += connection.execute("DELETE FROM vectors WHERE key LIKE ?", (f"%:{digest}",)).rowcount
        connection.commit()
    finally:
        connection.close()
    if removed:
        report.add(f"{removed} cached vector(s) of those chunks")
        compact_sqlite(cache)


def _erase_files(settings: Settings, subject: str, report: ErasureReport) -> None:
    """Public terms, guideline files and log lines that mention the subject or an erased document."""
    terms_path = settings.data_dir / "public_terms.json"
    if terms_path.exists():
        terms = json.loads(terms_path.read_text(encoding="utf-8"))
        drop = [doc for doc, entry in terms.items() if doc in report.documents or mentions(entry, subject)]
        if drop:
            report.add(f"public-terms entries of {', '.join(sorted(drop))}")
            if not report.dry_run:
                kept = {doc: entry for doc, entry in terms.items() if doc not in drop}
                terms_path.write_text(json.dumps(kept, ensure_ascii=False, indent=1), encoding="utf-8")
    guidelines = settings.data_dir / "guidelines"
    for path in sorted(guidelines.glob("*.json")) if guidelines.is_dir() else []:
        if path.stem in report.documents or mentions(path.read_text(encoding="utf-8", errors="ignore"), subject):
            report.add(f"guidelines file {path.name}")
            if not report.dry_run:
                path.unlink()
    logs = settings.data_dir / "logs"
    for path in sorted(p for p in logs.rglob("*") if p.is_file()) if logs.is_dir() else []:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
        kept_lines = [line for line in lines if not mentions(line, subject)]
        if len(kept_lines) != len(lines):
            report.add(f"{len(lines) - len(kept_lines)} line(s) of {path.relative_to(settings.data_dir)}")
            if not report.dry_run:
                path.write_text("".join(kept_lines), encoding="utf-8")


def _report_audit(settings: Settings, subject: str, report: ErasureReport) -> None:
    """Say how many audit entries name the subject: the audit log is append-only and hash-chained, so
    it is kept (briefs and feedback in it were scrubbed before they were written; an actor is an editor)."""
    from app.audit import AuditLog

    if settings.checkpoint_url is None and not (settings.data_dir / "audit.sqlite").exists():
        return
    log = AuditLog.from_settings(settings)
    try:
        named = sum(
            1
            for row in log._rows()
            if mentions(str(row[2]), subject) or mentions(AuditLog._entry(row).details, subject)
        )
    finally:
        log.close()
    if named:
        report.removed.append(
            f"kept: {named} audit log entr{'y' if named == 1 else 'ies'} naming the subject "
            "(the audit log is append-only and hash-chained; it records who decided what)"
        )


def erase_subject(
    settings: Settings, saver: BaseCheckpointSaver[str], registry: RunRegistry, subject: str, *, dry_run: bool = False
) -> ErasureReport:
    """Find ``subject`` (a name or an e-mail address) in every store and remove it; see the module doc."""
    subject = " ".join(subject.split())
    if len(subject) < 3:
        raise ValueError("the subject must be a name or an e-mail address (at least 3 characters)")
    report = ErasureReport(subject=subject, dry_run=dry_run)
    found = runs_mentioning(saver, subject)
    for record in registry.list(limit=1_000_000):
        if record.run_id not in found and (mentions(record.brief_preview, subject) or mentions(record.error, subject)):
            found[record.run_id] = "in clear in the run list"
    published = settings.published_dir
    for folder in sorted(p for p in published.iterdir() if p.is_dir()) if published.is_dir() else []:
        if folder.name not in found and any(
            mentions(f.read_bytes(), subject) for f in folder.rglob("*") if f.is_file()
        ):
            found[folder.name] = "in clear in published files"
    for run_id, how in sorted(found.items()):
        _erase_run(run_id, how, saver, registry, settings, report)
    _erase_index(settings, subject, report)
    _erase_library(settings, subject, report)
    _erase_files(settings, subject, report)
    _report_audit(settings, subject, report)
    if not dry_run and settings.checkpoint_url is None:
        compact_sqlite(settings.sqlite_checkpoint_path)
        compact_sqlite(settings.runs_db_path)
    return report


def purge_expired(
    settings: Settings, saver: BaseCheckpointSaver[str], registry: RunRegistry, now: datetime | None = None
) -> list[str]:
    """Delete checkpoints of finished runs older than ``checkpoint_retention_days``; returns their ids.

    The run record (status, channel, dates) and the published files stay: they hold no
    personal data in clear and are the company's record of what was published.
    """
    days = settings.checkpoint_retention_days
    if days is None:
        return []
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    expired = [
        record.run_id
        for record in registry.list(limit=1_000_000)
        if record.status in FINISHED and datetime.fromisoformat(record.updated_at) <= cutoff
    ]
    for run_id in expired:
        saver.delete_thread(run_id)
    if expired and settings.checkpoint_url is None:
        compact_sqlite(settings.sqlite_checkpoint_path)
    return expired
