"""The one evidence policy: which chunks may ground a draft and support a checked sentence.

Retrieval (what the model may draft from) and the fact-check corpus search (what may
support a published sentence) must agree, or a sentence the writer could never have
sourced is declared true by the checker. A chunk is admissible evidence when:

- its document is ``approved`` (never ``draft``, never ``archived``: an archived price is
  history, not a fact about today);
- it is in the run's language (a German page does not support an English sentence: the
  editor cannot show it to an English reader, and figures differ between markets);
- today (or the run's date) lies inside its ``valid_from`` … ``valid_until`` window;
- its ``doc_type`` is not one that steers copy instead of stating facts: brand
  guidelines (their lists of banned claims must never support a claim) and readmes.

Stores filter on approval, language and validity natively (:meth:`metadata_filter`);
the doc-type exclusion and a second look at every field are applied in Python
(:meth:`admits`), so a store that ignores a filter field still cannot leak evidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, TypeVar

from tools.models import ApprovalStatus, Chunk, MetadataFilter, SearchHit

EXCLUDED_DOC_TYPES: frozenset[str] = frozenset({"guidelines", "readme"})

H = TypeVar("H", Chunk, SearchHit)


@dataclass(frozen=True)
class EvidencePolicy:
    """What counts as evidence for a run in ``language`` on day ``on``."""

    language: Literal["de", "en"] | None
    on: date = field(default_factory=date.today)
    excluded_doc_types: frozenset[str] = EXCLUDED_DOC_TYPES

    def metadata_filter(self, product_id: str | None = None) -> MetadataFilter:
        """The store-side part of the policy (approval, language, validity; optionally a product)."""
        return MetadataFilter(
            approval_status=ApprovalStatus.APPROVED, language=self.language, valid_on=self.on, product_id=product_id
        )

    def admits(self, chunk: Chunk) -> bool:
        """Whether ``chunk`` may ground copy or support a sentence under this policy."""
        if chunk.doc_type in self.excluded_doc_types:
            return False
        return self.metadata_filter().admits(chunk)

    def why_not(self, chunk: Chunk) -> str | None:
        """Why ``chunk`` is not evidence (for reasons shown to editors), or None when it is."""
        if chunk.approval_status != ApprovalStatus.APPROVED:
            return f"{chunk.document_id} is {chunk.approval_status.value}, not approved"
        if chunk.doc_type in self.excluded_doc_types:
            return f"{chunk.document_id} is {chunk.doc_type}, not a source of facts"
        if self.language is not None and chunk.language != self.language:
            return f"{chunk.document_id} is in {chunk.language}, the run is in {self.language}"
        if chunk.valid_from is not None and chunk.valid_from > self.on:
            return f"{chunk.document_id} is valid only from {chunk.valid_from.isoformat()}"
        if chunk.valid_until is not None and chunk.valid_until < self.on:
            return f"{chunk.document_id} expired on {chunk.valid_until.isoformat()}"
        return None

    def keep(self, items: Iterable[H]) -> list[H]:
        """The admissible chunks or hits of ``items``, in order."""
        return [item for item in items if self.admits(item.chunk if isinstance(item, SearchHit) else item)]
