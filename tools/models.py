"""Data shapes shared by every service: documents, chunks, filters and search hits.

They are plain pydantic models so that they cross process, store and checkpoint
boundaries as JSON (``model_dump(mode="json")``) without custom serialisers.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field


class ApprovalStatus(StrEnum):
    """Where a source document is in the company's approval workflow."""

    APPROVED = "approved"
    DRAFT = "draft"
    ARCHIVED = "archived"


class Document(BaseModel):
    """One normalised source document, ready to be chunked."""

    id: str
    title: str
    language: Literal["de", "en"]
    approval_status: ApprovalStatus = ApprovalStatus.APPROVED
    version: int = 1
    doc_type: str = "page"
    product_ids: list[str] = Field(default_factory=list)
    valid_from: date | None = None
    valid_until: date | None = None
    source_path: str = ""
    body: str
    content_hash: str = ""
    extra: dict[str, Any] = Field(default_factory=dict)


class Chunk(BaseModel):
    """A retrievable passage of a document, with the document's metadata copied in.

    Metadata is denormalised onto every chunk because both stores filter on it at
    query time and neither joins.
    """

    id: str
    document_id: str
    ordinal: int
    text: str
    heading_path: list[str] = Field(default_factory=list)
    title: str = ""
    language: Literal["de", "en"] = "en"
    approval_status: ApprovalStatus = ApprovalStatus.APPROVED
    version: int = 1
    doc_type: str = "page"
    product_ids: list[str] = Field(default_factory=list)
    valid_from: date | None = None
    valid_until: date | None = None
    source_path: str = ""
    content_hash: str = ""

    def embedding_text(self) -> str:
        """The text that is embedded: headings give a short chunk its context."""
        heading = " > ".join(self.heading_path)
        return f"{heading}\n{self.text}" if heading else self.text


FusionType = Literal["relative_score", "ranked"]


class MetadataFilter(BaseModel):
    """Conditions every returned chunk must meet. ``None`` means "no condition".

    The default admits approved material only: a caller must opt in explicitly to
    see drafts or archived documents.
    """

    approval_status: ApprovalStatus | None = ApprovalStatus.APPROVED
    language: Literal["de", "en"] | None = None
    doc_type: str | None = None
    product_id: str | None = None
    valid_on: date | None = None
    document_ids: list[str] | None = None

    def admits(self, chunk: Chunk) -> bool:
        """Evaluate the filter in Python (used by the embedded store and by tests)."""
        if self.approval_status is not None and chunk.approval_status != self.approval_status:
            return False
        if self.language is not None and chunk.language != self.language:
            return False
        if self.doc_type is not None and chunk.doc_type != self.doc_type:
            return False
        if self.product_id is not None and self.product_id not in chunk.product_ids:
            return False
        if self.document_ids is not None and chunk.document_id not in self.document_ids:
            return False
        if self.valid_on is not None:
            if chunk.valid_from is not None and chunk.valid_from > self.valid_on:
                return False
            if chunk.valid_until is not None and chunk.valid_until < self.valid_on:
                return False
        return True


class ScoreExplanation(BaseModel):
    """Why a hit scored what it did: raw and normalised scores from each retriever."""

    keyword_score: float | None = None
    vector_score: float | None = None
    keyword_rank: int | None = None
    vector_rank: int | None = None
    fused_score: float = 0.0
    rerank_score: float | None = None
    text: str = ""


class SearchHit(BaseModel):
    """One retrieved chunk and its score."""

    chunk: Chunk
    score: float
    explain: ScoreExplanation = Field(default_factory=ScoreExplanation)
