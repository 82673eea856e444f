"""The services a draft run uses, handed to every node through LangGraph's runtime context.

Services are not state: they are rebuilt by whoever runs the graph (CLI, API, test)
and never checkpointed. Swapping the embedded model for vLLM, or the embedded index
for Weaviate, changes what is put in here and nothing in the nodes.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from serving.structured import StructuredLLM
from tools.embeddings import Embedder
from tools.evidence_policy import EvidencePolicy
from tools.factcheck import FactChecker
from tools.guards import GuardSuite
from tools.models import Chunk, FusionType
from tools.pii import PiiScrubber
from tools.rerank import Reranker
from tools.stores.base import HybridStore


@dataclass(frozen=True)
class DraftOptions:
    """Knobs of a run that are not services."""

    company: str = ""
    brand_voice: tuple[str, ...] = ()
    audience: str = ""
    product_language_fallback: bool = False
    max_revisions: int = 2
    alpha: float = 0.5
    fusion: FusionType = "relative_score"
    candidates_per_query: int = 30
    context_chunks: int = 6
    context_token_budget: int = 1200
    output_dir: Path = Path(".copydesk/published")
    prompt_versions: dict[str, int] = field(default_factory=dict)
    pii_policy: dict[str, str] = field(default_factory=dict)
    public_terms: tuple[str, ...] = ()


def run_brand(options: DraftOptions) -> dict[str, Any]:
    """The brand a run writes for, as plain state: fixed at the start so a revision or a retry in another
    process (with other settings) still writes for the same company."""
    return {"company": options.company, "brand_voice": list(options.brand_voice), "audience": options.audience}


@dataclass
class DraftServices:
    """Everything the nodes call. Built by ``app`` (or a test) per process."""

    llm: StructuredLLM
    embedder: Embedder
    store: HybridStore
    fact_checker: FactChecker
    scrubber: PiiScrubber
    guards: GuardSuite
    reranker: Reranker | None = None
    options: DraftOptions = field(default_factory=DraftOptions)
    # Paraphrased instructions (issue 9): flagged sentences of a text; None where no trained model fits.
    injection_screen: Callable[[str], list[Any]] | None = None

    def search_corpus(self, text: str, limit: int = 5, language: str | None = None) -> list[Chunk]:
        """Corpus search used by the fact-checker when the run's sources do not settle a sentence.

        Under the same evidence policy as retrieval (``tools.evidence_policy``): approved,
        the run's language, valid today, never guidelines. Over-fetches because the
        doc-type exclusion is applied after the store's own filter.
        """
        policy = EvidencePolicy(language=language if language in ("de", "en") else None)  # type: ignore[arg-type]
        vector = self.embedder.embed_queries([text])[0]
        hits = self.store.hybrid(
            text, vector, alpha=self.options.alpha, limit=limit * 2, filters=policy.metadata_filter()
        )
        return [hit.chunk for hit in policy.keep(hits)][:limit]


class DraftContext(BaseModel):
    """The graph's declared context schema: what a LangGraph Server client may pass per run.

    Services cannot travel over the wire (and pydantic cannot describe them), so LangGraph
    Server and Studio see this small model; copydesk's own callers pass a
    :class:`DraftServices` instance, which LangGraph hands to the nodes unchanged.
    """

    max_revisions: int | None = Field(None, ge=0, le=5, description="Override the revision budget for this run.")


_default_services: Callable[[], DraftServices] | None = None
_default_lock = threading.Lock()
_default_instance: DraftServices | None = None


def set_default_services(factory: Callable[[], DraftServices] | None) -> None:
    """Register how to build services when a caller passes no context (LangGraph tooling does not);
    ``None`` unregisters."""
    global _default_services, _default_instance
    with _default_lock:
        _default_services, _default_instance = factory, None


def services_of(runtime: Runtime[Any]) -> DraftServices:
    """The run's services: the context it was invoked with, else the registered default (built once),
    with a :class:`DraftContext`'s overrides applied."""
    global _default_instance
    context = runtime.context
    if isinstance(context, DraftServices):
        return context
    with _default_lock:
        if _default_instance is None:
            if _default_services is None:
                raise RuntimeError("no services: invoke the graph with context=DraftServices(...)")
            _default_instance = _default_services()
        services = _default_instance
    if isinstance(context, DraftContext) and context.max_revisions is not None:
        options = dataclasses.replace(services.options, max_revisions=context.max_revisions)
        return dataclasses.replace(services, options=options)
    return services
