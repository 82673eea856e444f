"""Structure-aware chunking: split at Markdown headings, then at paragraph/sentence bounds.

Every chunk keeps the heading path it sits under ("Kettle K1 > Technical
data"), so a short chunk like "Battery: 2 years" stays meaningful to BM25, to the
embedding model and to the fact-checker. Chunks are kept short because the CPU
embedding model is several times faster on short passages.
"""

from __future__ import annotations

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from tools.models import Chunk, Document

_HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")]


class StructureChunker:
    """Split a Document into Chunks of at most ``max_chars`` characters (roughly)."""

    def __init__(self, max_chars: int = 700, overlap_chars: int = 80) -> None:
        self._headings = MarkdownHeaderTextSplitter(_HEADERS, strip_headers=True)
        self._splitter = RecursiveCharacterTextSplitter(
            chunk_size=max_chars,
            chunk_overlap=overlap_chars,
            separators=["\n\n", "\n", ". ", "! ", "? ", "; ", ", ", " ", ""],
            keep_separator="end",
        )

    def chunk(self, document: Document) -> list[Chunk]:
        """Chunks with ids ``<document id>::<ordinal>``, stable for unchanged documents."""
        chunks: list[Chunk] = []
        for section in self._headings.split_text(document.body):
            path = [section.metadata[key] for _, key in _HEADERS if key in section.metadata]
            for piece in self._splitter.split_text(section.page_content):
                text = piece.strip()
                if not text:
                    continue
                ordinal = len(chunks)
                chunks.append(
                    Chunk(
                        id=f"{document.id}::{ordinal:03d}",
                        document_id=document.id,
                        ordinal=ordinal,
                        text=text,
                        heading_path=path,
                        title=document.title,
                        language=document.language,
                        approval_status=document.approval_status,
                        version=document.version,
                        doc_type=document.doc_type,
                        product_ids=document.product_ids,
                        valid_from=document.valid_from,
                        valid_until=document.valid_until,
                        source_path=document.source_path,
                        content_hash=document.content_hash,
                    )
                )
        return chunks
