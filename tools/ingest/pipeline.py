"""Ingestion: files → documents → chunks → vectors → hybrid store, with dedupe and a report.

A document whose content hash is already in the store is skipped before it is even
chunked, so re-ingesting an unchanged corpus embeds nothing. A changed document
replaces all its old chunks. Bad files are reported by name and skipped; one bad
file never stops the rest.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tools.embeddings import Embedder
from tools.ingest import safety
from tools.ingest.chunking import StructureChunker
from tools.ingest.defaults import IngestDefaults
from tools.ingest.loaders import SUPPORTED_SUFFIXES, BadDocumentError, Loader, load_file
from tools.ingest.screening import screen_document
from tools.library import DocumentLibrary
from tools.models import ApprovalStatus, Document
from tools.stores.base import HybridStore

ProgressCallback = Callable[[str, int, int], None]
PRODUCT_DOC_TYPES = {"product_page", "catalog"}


@dataclass
class SkippedFile:
    path: str
    reason: str


@dataclass
class IngestReport:
    """What an ingest run did; printed by the CLI and returned by the API."""

    files_seen: int = 0
    documents_ingested: int = 0
    documents_unchanged: int = 0
    chunks_written: int = 0
    chunks_embedded: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    skipped: list[SkippedFile] = field(default_factory=list)
    warnings: list[SkippedFile] = field(default_factory=list)
    seconds: float = 0.0
    status_kept: int = 0  # documents whose library decision (approve/retire) survived re-ingesting
    unapproved_ids: list[str] = field(default_factory=list)

    @property
    def chunks_per_second(self) -> float:
        return self.chunks_written / self.seconds if self.seconds else 0.0


class IngestPipeline:
    """Load, chunk, embed and store documents."""

    def __init__(
        self,
        store: HybridStore,
        embedder: Embedder,
        chunker: StructureChunker | None = None,
        max_document_bytes: int = 2_000_000,
        embed_batch: int = 32,
        guidelines_dir: Path | None = None,
        public_terms_path: Path | None = None,
        library: DocumentLibrary | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.chunker = chunker or StructureChunker()
        self.max_document_bytes = max_document_bytes
        self.embed_batch = embed_batch
        self.guidelines_dir = guidelines_dir
        self.public_terms_path = public_terms_path
        self.library = library

    def _record_public_terms(self, documents: list[Document]) -> None:
        """Public names of approved documents: titles and product ids (the PII scrubber leaves them alone)
        and product names (the fact-checker compares them exactly)."""
        if self.public_terms_path is None:
            return
        terms: dict[str, dict[str, list[str]]] = {}
        if self.public_terms_path.exists():
            stored = json.loads(self.public_terms_path.read_text(encoding="utf-8"))
            terms = {doc: e if isinstance(e, dict) else {"terms": e, "products": []} for doc, e in stored.items()}
        for document in documents:
            if document.approval_status != ApprovalStatus.APPROVED:
                terms.pop(document.id, None)
                continue
            products = []
            if document.doc_type in PRODUCT_DOC_TYPES:
                products.append(re.split(r"\s[–—-]\s", document.title, maxsplit=1)[0].strip())
            # Whole product and company names only: a title can name a person ("Call notes Priya R."),
            # and the scrubber must never learn to leave that person alone.
            companies = [str(document.extra[k]) for k in ("company", "brand") if isinstance(document.extra.get(k), str)]
            terms[document.id] = {"terms": [*products, *document.product_ids, *companies], "products": products}
        self.public_terms_path.parent.mkdir(parents=True, exist_ok=True)
        self.public_terms_path.write_text(json.dumps(terms, ensure_ascii=False, indent=1), encoding="utf-8")

    def _keep_guidelines(self, document: Document) -> None:
        """Brand guidelines carry banned terms/claims in front matter; the guards read them from here."""
        if self.guidelines_dir is None or document.doc_type != "guidelines":
            return
        target = safety.contained_path(self.guidelines_dir, document.id, ".json")
        if document.approval_status != ApprovalStatus.APPROVED:
            target.unlink(missing_ok=True)
            return
        self.guidelines_dir.mkdir(parents=True, exist_ok=True)
        payload = {
            "id": document.id,
            "language": document.language,
            "version": document.version,
            **document.extra,
        }
        target.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str), encoding="utf-8")

    def load(
        self,
        files: Iterable[Path],
        root: Path,
        report: IngestReport,
        defaults: IngestDefaults | None = None,
        loader: Loader | None = None,
    ) -> list[Document]:
        documents: list[Document] = []
        seen_ids: dict[str, str] = {}
        for path in files:
            report.files_seen += 1
            name = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
            if loader is None and path.suffix.lower() not in SUPPORTED_SUFFIXES:
                reason = f"unsupported file type {path.suffix or '(none)'}"
                if path.suffix.lower() in (".csv", ".tsv"):
                    reason += " (a product table: copydesk ingest FILE --mapping products-csv or --mapping FILE.yaml)"
                report.skipped.append(SkippedFile(name, reason))
                continue
            try:
                with safety.collect_warnings() as warnings:
                    loaded = (loader or load_file)(path, root, self.max_document_bytes, defaults)
                    for document in loaded:
                        safety.validate_document_id(document.id)  # mapped catalogues too: ids name files
                        screen_document(document)
            except (BadDocumentError, safety.UnsafeInputError) as exc:
                report.skipped.append(SkippedFile(name, str(exc)))
                continue
            except OSError as exc:
                report.skipped.append(SkippedFile(name, f"unreadable: {exc.strerror or exc}"))
                continue
            except (RecursionError, MemoryError) as exc:
                report.skipped.append(SkippedFile(name, f"too complex to read safely ({type(exc).__name__})"))
                continue
            except Exception as exc:  # one hostile or broken file must never stop the others
                report.skipped.append(SkippedFile(name, f"could not be read: {type(exc).__name__}: {exc}"[:300]))
                continue
            report.warnings.extend(SkippedFile(name, w) for w in warnings)
            for document in loaded:
                if document.id in seen_ids:
                    report.skipped.append(
                        SkippedFile(name, f"duplicate document id {document.id!r} (also in {seen_ids[document.id]})")
                    )
                    continue
                seen_ids[document.id] = name
                documents.append(document)
        if self.library is not None:
            documents, report.status_kept = self.library.reconcile(documents)
        for document in documents:
            status = document.approval_status.value
            report.by_status[status] = report.by_status.get(status, 0) + 1
            if document.approval_status == ApprovalStatus.DRAFT:
                report.unapproved_ids.append(document.id)
        return documents

    def ingest(
        self,
        path: Path,
        progress: ProgressCallback | None = None,
        *,
        defaults: IngestDefaults | None = None,
        loader: Loader | None = None,
        actor: str = "ingest",
    ) -> IngestReport:
        """Ingest a file or a folder; see :class:`IngestReport` for what comes back.

        ``defaults`` fill metadata files leave unsaid; ``loader`` replaces the suffix-based
        loaders (a declared catalogue mapping); ``actor`` is recorded in the library.
        """
        started = time.perf_counter()
        report = IngestReport()
        root = path if path.is_dir() else path.parent
        found = safety.discover(path)
        report.skipped.extend(SkippedFile(name, reason) for name, reason in found.refused)
        documents = self.load(found.files, root, report, defaults, loader)
        changed = self.index_documents(documents, report, progress)
        if self.library is not None:
            self.library.record_ingested(documents, actor, changed=changed)
        report.seconds = time.perf_counter() - started
        return report

    def index_documents(
        self, documents: list[Document], report: IngestReport, progress: ProgressCallback | None = None
    ) -> set[str]:
        """Chunk, embed and store the documents whose content hash changed; returns their ids."""
        self._record_public_terms(documents)
        known = self.store.document_hashes()
        todo = []
        for document in documents:
            try:
                self._keep_guidelines(document)
            except (OSError, safety.UnsafeInputError) as exc:
                report.skipped.append(SkippedFile(document.source_path, f"guidelines not stored: {exc}"))
            if known.get(document.id) == document.content_hash:
                report.documents_unchanged += 1
            else:
                todo.append(document)
        chunks_by_doc = []
        for doc in todo:
            chunks = self.chunker.chunk(doc)
            if len(chunks) > safety.MAX_CHUNKS_PER_DOCUMENT:
                report.skipped.append(
                    SkippedFile(
                        doc.source_path,
                        f"{doc.id}: {len(chunks):,} chunks (limit {safety.MAX_CHUNKS_PER_DOCUMENT:,} per document)",
                    )
                )
                continue
            chunks_by_doc.append((doc, chunks))
        total = sum(len(chunks) for _, chunks in chunks_by_doc)
        done = 0
        changed: set[str] = set()
        for document, chunks in chunks_by_doc:
            if not chunks:
                report.skipped.append(SkippedFile(document.source_path, "no text to index"))
                continue
            vectors = self.embedder.embed_passages([c.embedding_text() for c in chunks])
            self.store.delete_document(document.id)
            self.store.upsert(chunks, vectors)
            changed.add(document.id)
            report.documents_ingested += 1
            report.chunks_written += len(chunks)
            report.chunks_embedded += len(chunks)
            done += len(chunks)
            if progress is not None:
                progress(document.id, done, total)
        return changed
