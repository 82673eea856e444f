"""Product focus: a run about one product draws on that product's own pages first.

Appending a product id to the query is not enough: the tent's German description was
written from serving trays and a sofa because the tent had no German pages, and a chair's
own German pages ranked 7–9 behind other products. So a focused run

1. checks, before any model call, that the product has approved documents in the run's
   language (else a clear error, or with ``product_language_fallback`` the other language's
   documents, marked as a translation);
2. retrieves with the product as a hard filter, then adds *general* documents (company,
   FAQ, support: no product ids and not a product page) — never another product's pages;
3. fills the context budget with the product's passages first, general ones after.

The evidence policy itself (approved, language, validity) is the caller's filter; this
module only adds the product dimension to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tools.context import AssembledContext, assemble_context
from tools.models import ApprovalStatus, Chunk, MetadataFilter, SearchHit
from tools.stores.base import HybridStore

PRODUCT_DOC_TYPES = frozenset({"product_page", "catalog"})
LANGUAGE_NAMES = {"de": "German", "en": "English"}


class NoApprovedSourceError(RuntimeError):
    """Nothing approved a run could use; the message says how many drafts would have matched."""


class ProductFocusError(NoApprovedSourceError):
    """The product has no approved document in the run's language (and no fallback is allowed)."""


@dataclass(frozen=True)
class SourcePlan:
    """Where a run's sources come from: the product filter and the language of its pages."""

    product_id: str | None
    product_language: str | None
    translated_from: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "product_id": self.product_id,
            "product_language": self.product_language,
            "translated_from": self.translated_from,
        }


def is_general(chunk: Chunk) -> bool:
    """A document about the company as a whole (company, FAQ, support): no product ids, not a product page."""
    return not chunk.product_ids and chunk.doc_type not in PRODUCT_DOC_TYPES


def _documents(
    store: HybridStore, query: str, vector: npt.NDArray[np.float32], filters: MetadataFilter, limit: int
) -> set[str]:
    return {hit.chunk.document_id for hit in store.hybrid(query, vector, alpha=0.5, limit=limit, filters=filters)}


def unapproved_matches(
    store: HybridStore, query: str, vector: npt.NDArray[np.float32], base: MetadataFilter, limit: int = 200
) -> int:
    """Draft documents the same search would admit if they were approved."""
    drafts = base.model_copy(update={"approval_status": ApprovalStatus.DRAFT, "valid_on": None})
    return len(_documents(store, query, vector, drafts, limit))


def _drafts_hint(count: int) -> str:
    if not count:
        return ""
    return (
        f"; {count} unapproved (draft) document(s) would have matched: review them with "
        "copydesk docs list --status draft and approve with copydesk docs approve ID"
    )


def plan_sources(
    store: HybridStore,
    query: str,
    vector: npt.NDArray[np.float32],
    base: MetadataFilter,
    product_id: str | None,
    *,
    allow_translation: bool = False,
) -> SourcePlan:
    """Decide, before any model call, where sources come from; raise when a run would be ungrounded."""
    language = base.language
    if product_id:
        own = base.model_copy(update={"product_id": product_id})
        if _documents(store, query, vector, own, 1):
            return SourcePlan(product_id, language)
        other = next((lang for lang in LANGUAGE_NAMES if lang != language), None)
        elsewhere = _documents(store, query, vector, own.model_copy(update={"language": other}), 50) if other else set()
        if elsewhere and allow_translation:
            return SourcePlan(product_id, other, translated_from=other)
        name = LANGUAGE_NAMES.get(language or "", language or "any language")
        message = f"product {product_id!r} has no approved document in {name}"
        if elsewhere:
            message += (
                f" (it has {len(elsewhere)} in {LANGUAGE_NAMES[other or '']}: translate them, or set "
                "COPYDESK_PRODUCT_LANGUAGE_FALLBACK=true to draft from them as a marked translation)"
            )
        raise ProductFocusError(message + _drafts_hint(unapproved_matches(store, query, vector, own)))
    if not _documents(store, query, vector, base, 1):
        raise NoApprovedSourceError(
            "no approved source matched the brief in this language"
            + (_drafts_hint(unapproved_matches(store, query, vector, base)) or ": ingest documents and approve them")
        )
    return SourcePlan(None, language)


def focus_candidates(product_hits: Sequence[SearchHit], other_hits: Sequence[SearchHit]) -> list[SearchHit]:
    """The product's hits, then general hits (another product's pages are left out)."""
    seen = {hit.chunk.id for hit in product_hits}
    general = [hit for hit in other_hits if hit.chunk.id not in seen and is_general(hit.chunk)]
    return [*product_hits, *general]


def focused_context(
    hits: Sequence[SearchHit], product_id: str | None, *, token_budget: int, max_chunks: int | None
) -> AssembledContext:
    """The product's passages first within the budget, general passages in what is left."""
    if not product_id:
        return assemble_context(hits, token_budget=token_budget, max_chunks=max_chunks)
    own = [h for h in hits if product_id in h.chunk.product_ids]
    rest = [h for h in hits if product_id not in h.chunk.product_ids]
    first = assemble_context(own, token_budget=token_budget, max_chunks=max_chunks)
    used = sum(len(p.chunk_ids) for p in first.passages)
    left_chunks = None if max_chunks is None else max_chunks - used
    if (left_chunks is not None and left_chunks <= 0) or first.tokens >= token_budget:
        return AssembledContext(first.passages, first.tokens, first.dropped + [h.chunk.id for h in rest])
    second = assemble_context(rest, token_budget=token_budget - first.tokens, max_chunks=left_chunks)
    return AssembledContext(
        first.passages + second.passages, first.tokens + second.tokens, first.dropped + second.dropped
    )
