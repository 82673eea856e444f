"""The services a draft run uses, handed to every node through LangGraph's runtime context.

Services are not state: they are rebuilt by whoever runs the graph (CLI, API, test)
and never checkpointed. Swapping the embedded model for vLLM, or the embedded index
for Weaviate, changes what is put in here and nothing in the nodes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from serving.structured import StructuredLLM
from tools.embeddings import Embedder
from tools.factcheck import FactChecker
from tools.guards import GuardSuite
from tools.models import Chunk, FusionType, MetadataFilter
from tools.pii import PiiScrubber
from tools.rerank import Reranker
from tools.stores.base import HybridStore


@dataclass(frozen=True)
class DraftOptions:
    """Knobs of a run that are not services."""

    company: str = "Lumora Home"
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

    def search_corpus(self, text: str, limit: int = 5) -> list[Chunk]:
        """Approved-corpus search used by the fact-checker when cited chunks do not settle a claim."""
        vector = self.embedder.embed_queries([text])[0]
        hits = self.store.hybrid(text, vector, alpha=self.options.alpha, limit=limit, filters=MetadataFilter())
        return [hit.chunk for hit in hits]
