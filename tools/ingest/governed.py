"""Approve, retire and delete documents: the library's decisions carried into the store.

Every change goes through here so that the library record, the store's chunks, the
public-terms list and the guideline lists never disagree: an approved document is
re-indexed with its new status (its vectors come from the embedding cache), a retired
one stays in the store as *archived* (the retrieval filter never admits it), a deleted
one loses every chunk and its record. Each change is logged with who and when.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.ingest.loaders import BadDocumentError, build_document
from tools.ingest.pipeline import IngestPipeline, IngestReport
from tools.library import DocumentLibrary, DocumentRecord, with_status
from tools.models import ApprovalStatus, Document

_ACTIONS = {"approve": (ApprovalStatus.APPROVED, "approved"), "retire": (ApprovalStatus.ARCHIVED, "retired")}


class UnknownDocumentError(LookupError):
    """No document with that id in the library."""


@dataclass
class ChangeResult:
    """What a batch of approve/retire/delete did, per id."""

    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    chunks_removed: int = 0


class GovernedLibrary:
    """The document library with its store: the one place documents change status."""

    def __init__(self, pipeline: IngestPipeline, library: DocumentLibrary) -> None:
        self.pipeline = pipeline
        self.library = library

    @property
    def store(self) -> Any:
        return self.pipeline.store

    def list(self, **filters: Any) -> list[DocumentRecord]:
        return self.library.list(**filters)

    def get(self, document_id: str) -> DocumentRecord:
        record = self.library.get(document_id)
        if record is None:
            raise UnknownDocumentError(f"no document {document_id!r} (copydesk docs list shows what is stored)")
        return record

    def _set_status(self, ids: Iterable[str], action: str, actor: str) -> ChangeResult:
        status, verb = _ACTIONS[action]
        result = ChangeResult()
        for document_id in ids:
            record = self.library.get(document_id)
            if record is None:
                result.unknown.append(document_id)
                continue
            if record.document.approval_status == status:
                result.unchanged.append(document_id)
                continue
            document = with_status(record.document, status)
            self.pipeline.index_documents([document], IngestReport())
            self.library.decide(document, verb, actor)
            result.changed.append(document_id)
        return result

    def approve(self, ids: Iterable[str], actor: str) -> ChangeResult:
        """Approve: from now on retrieval may use the document."""
        return self._set_status(ids, "approve", actor)

    def retire(self, ids: Iterable[str], actor: str) -> ChangeResult:
        """Retire (archive): never retrieved again; the text stays in the library for the record."""
        return self._set_status(ids, "retire", actor)

    def delete(self, ids: Iterable[str], actor: str) -> ChangeResult:
        """Delete: every chunk leaves the store and the record leaves the library (the event stays)."""
        result = ChangeResult()
        for document_id in ids:
            record = self.library.get(document_id)
            removed = self.store.delete_document(document_id)
            if record is None and not removed:
                result.unknown.append(document_id)
                continue
            if record is not None:
                # Archived for the side lists: drops its public terms and guideline lists.
                gone = with_status(record.document, ApprovalStatus.ARCHIVED)
                self.pipeline._record_public_terms([gone])
                self.pipeline._keep_guidelines(gone)
            self.library.remove(document_id, actor)
            result.changed.append(document_id)
            result.chunks_removed += removed
        return result

    def add(self, meta: dict[str, Any], body: str, actor: str) -> Document:
        """Add (or replace) one document sent as metadata plus text, e.g. over HTTP."""
        name = str(meta.get("id") or "document")
        document = build_document(dict(meta), body, Path(f"{name}.md"), Path("."))
        documents, _ = self.library.reconcile([document])
        report = IngestReport()
        changed = self.pipeline.index_documents(documents, report)
        if report.skipped:
            raise BadDocumentError(report.skipped[0].reason)
        self.library.record_ingested(documents, actor, changed=changed)
        return documents[0]


__all__ = ["ChangeResult", "GovernedLibrary", "UnknownDocumentError"]
