"""Product focus benchmark: for every product with approved pages, do a run's sources include them?

For the demo corpus and both public sets (the Contoso outdoor manuals with their
``products.csv``, and the commercetools sample catalogue) every product with approved
product pages is drafted about in German and English, and the benchmark checks whether
the selected sources (what the drafting model would read) include that product's own
pages. It runs the same functions the graph's ``rewrite_queries`` / ``retrieve`` /
``select_sources`` nodes call, with the brief as the only query (no model needed).

Figures per set and language: products with own pages in that language and the share
of runs that cite them, with focus (``--product``) and without it (the old behaviour:
the product id appended to the query, top hits of any product); products without pages
in that language, which focus refuses before any model call, and the share that the
translation fallback grounds in the other language's pages. Target: 1.0 with focus.

Run: ``copydesk eval focus`` (ingests into a temporary store; embeddings are cached).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from app.demo import DEMO_CORPUS
from app.services import build_embedder, build_ingest_pipeline
from app.settings import Settings
from tools.evidence_policy import EXCLUDED_DOC_TYPES
from tools.focus import PRODUCT_DOC_TYPES, NoApprovedSourceError, focus_candidates, focused_context, plan_sources
from tools.ingest.defaults import IngestDefaults
from tools.ingest.mappings import load_mapping, mapping_loader
from tools.ingest.pipeline import IngestPipeline
from tools.models import MetadataFilter
from tools.multi_query import MultiQueryRetriever
from tools.stores.embedded import EmbeddedHybridStore

GENERIC = {  # a brief that does not name the product: only --product says which one
    "en": "Product description: what it is, its features, price and care.",
    "de": "Produktbeschreibung: was es ist, Eigenschaften, Preis und Pflege.",
}
BRIEFS = {
    "en": "Product description of the {name}: what it is, its features, price and care.",
    "de": "Produktbeschreibung für {name}: was es ist, Eigenschaften, Preis und Pflege.",
}


@dataclass
class LanguageFigures:
    runs: int = 0
    focus_hits: int = 0
    baseline_hits: int = 0
    generic_focus_hits: int = 0
    generic_baseline_hits: int = 0
    refused: int = 0
    fallback_hits: int = 0

    def share(self, hits: int, runs: int | None = None) -> str:
        total = self.runs if runs is None else runs
        return f"{hits / total:.3f}" if total else "n/a"


Loader = Callable[[IngestPipeline, Path], None]


def _demo(pipeline: IngestPipeline, data: Path) -> None:
    pipeline.ingest(DEMO_CORPUS)


def _manuals(pipeline: IngestPipeline, data: Path) -> None:
    folder = data / "manuals"
    defaults = IngestDefaults(approve=True, language="en", doc_type="product_page", product_id_from="heading")
    pipeline.ingest(folder, defaults=defaults)
    pipeline.ingest(
        folder / "products.csv",
        defaults=IngestDefaults(approve=True),
        loader=mapping_loader(load_mapping("products-csv")),
    )


def _catalogue(pipeline: IngestPipeline, data: Path) -> None:
    pipeline.ingest(
        data / "catalog" / "commercetools_products.json",
        defaults=IngestDefaults(approve=True),
        loader=mapping_loader(load_mapping("commercetools")),
    )


SETS: dict[str, tuple[Loader, str | None]] = {
    "demo": (_demo, None),
    "manuals": (_manuals, "manuals"),
    "commercetools": (_catalogue, "catalog"),
}


def _products(store: EmbeddedHybridStore) -> dict[str, dict[str, str]]:
    """Product id -> {language: product name} from approved product pages and catalogue entries."""
    products: dict[str, dict[str, str]] = {}
    for chunk in store._chunks:  # a benchmark may look inside the embedded store
        if chunk is None or chunk.approval_status != "approved" or chunk.doc_type not in PRODUCT_DOC_TYPES:
            continue
        for product in chunk.product_ids:
            products.setdefault(product, {}).setdefault(chunk.language, chunk.title)
    return products


def evaluate_set(name: str, loader: Loader, data: Path, settings: Settings) -> dict[str, LanguageFigures]:
    with tempfile.TemporaryDirectory(prefix=f"copydesk-focus-{name}-") as tmp:
        embedder = build_embedder(settings)
        store = EmbeddedHybridStore(Path(tmp) / "index")
        loader(build_ingest_pipeline(settings.model_copy(update={"data_dir": Path(tmp)}), store, embedder), data)
        retriever = MultiQueryRetriever(
            store,
            embedder,
            alpha=settings.retrieval_alpha,
            fusion=settings.retrieval_fusion,
            candidates=settings.retrieval_candidates,
        )
        figures = {lang: LanguageFigures() for lang in ("de", "en")}
        try:
            for product, names in sorted(_products(store).items()):
                for language in ("de", "en"):
                    fig = figures[language]
                    brief = BRIEFS[language].format(name=names.get(language) or next(iter(names.values())))
                    base = MetadataFilter(language=language, valid_on=date.today())  # type: ignore[arg-type]
                    vector = embedder.embed_queries([brief])[0]
                    own_pages = {
                        h.chunk.document_id
                        for h in store.hybrid(
                            "",
                            vector,
                            limit=1000,
                            filters=base.model_copy(update={"product_id": product, "language": None}),
                        )
                        if h.chunk.doc_type in PRODUCT_DOC_TYPES
                    }

                    def selected(
                        plan_product: str | None,
                        plan_language: str | None,
                        queries: list[str],
                        base: MetadataFilter = base,
                    ) -> set[str]:
                        hits = retriever.search(queries, limit=settings.retrieval_candidates, filters=base)
                        if plan_product:
                            own = base.model_copy(update={"product_id": plan_product, "language": plan_language})
                            hits = focus_candidates(
                                retriever.search(queries, limit=settings.retrieval_candidates, filters=own), hits
                            )
                        hits = [h for h in hits if h.chunk.doc_type not in EXCLUDED_DOC_TYPES]
                        context = focused_context(
                            hits,
                            plan_product,
                            token_budget=settings.context_token_budget,
                            max_chunks=settings.context_chunks,
                        )
                        return {p.document_id for p in context.passages}

                    try:
                        plan = plan_sources(store, brief, vector, base, product)
                    except NoApprovedSourceError:
                        fig.refused += 1
                        plan = plan_sources(store, brief, vector, base, product, allow_translation=True)
                        fig.fallback_hits += bool(selected(product, plan.product_language, [brief]) & own_pages)
                        continue
                    fig.runs += 1
                    fig.focus_hits += bool(selected(product, plan.product_language, [brief]) & own_pages)
                    fig.baseline_hits += bool(selected(None, None, [brief, f"{product} {brief}"]) & own_pages)
                    generic = GENERIC[language]
                    fig.generic_focus_hits += bool(selected(product, plan.product_language, [generic]) & own_pages)
                    fig.generic_baseline_hits += bool(
                        selected(None, None, [generic, f"{product} {generic}"]) & own_pages
                    )
        finally:
            retriever.close()
            store.close()
            embedder.close()
        return figures


def main(data: Path, sets: list[str], cache: Path | None) -> int:
    settings = Settings(vector_cache=cache) if cache else Settings()
    print("product focus: share of runs whose sources include the product's own pages (target 1.0 with focus)")
    print("named: the brief names the product; generic: it does not (only the product id says which one)")
    print(
        f"{'set':<14}{'lang':<6}{'products':>9}{'named focus':>12}{'no focus':>10}{'generic focus':>14}"
        f"{'no focus':>10}{'refused':>9}{'fallback':>10}"
    )
    for name in sets:
        loader, folder = SETS[name]
        if folder and not (data / folder).exists():
            print(f"{name:<14}skipped: {data / folder} not found")
            continue
        for language, fig in evaluate_set(name, loader, data, settings).items():
            print(
                f"{name:<14}{language:<6}{fig.runs:>9}{fig.share(fig.focus_hits):>12}"
                f"{fig.share(fig.baseline_hits):>10}{fig.share(fig.generic_focus_hits):>14}"
                f"{fig.share(fig.generic_baseline_hits):>10}{fig.refused:>9}"
                f"{fig.share(fig.fallback_hits, fig.refused):>10}"
            )
    return 0
