"""Service wiring from settings: guideline lists reach the guards, public names reach the scrubber, the judge."""

from __future__ import annotations

from pathlib import Path

from app.services import build_guards, build_ingest_pipeline, build_services, close_services
from app.settings import Settings
from tests.conftest import REPO_ROOT
from tests.fakes import HashingEmbedder
from tools.factcheck import LLMEntailer
from tools.stores.embedded import EmbeddedHybridStore


def ingest_brand_folder(settings: Settings) -> None:
    store = EmbeddedHybridStore(settings.index_dir)
    build_ingest_pipeline(settings, store, HashingEmbedder()).ingest(REPO_ROOT / "demo" / "corpus" / "brand")
    store.close()


def test_banned_claims_from_ingested_guidelines_reach_the_guards(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    before = build_guards(settings).check_draft(
        "Unser Thermostat ist konkurrenzlos.", channel="ad_copy", language="de", sources=[]
    )
    ingest_brand_folder(settings)
    after = build_guards(settings).check_draft(
        "Unser Thermostat ist konkurrenzlos.", channel="ad_copy", language="de", sources=[]
    )
    assert not any("konkurrenzlos" in f.excerpt.lower() for f in before)
    assert any("konkurrenzlos" in f.excerpt.lower() and f.severity == "block" for f in after)


def test_public_terms_and_judge_follow_settings(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    ingest_brand_folder(settings)
    store = EmbeddedHybridStore(settings.index_dir)
    build_ingest_pipeline(settings, store, HashingEmbedder()).ingest(REPO_ROOT / "demo" / "corpus" / "products")
    store.close()
    services = build_services(settings)
    terms = services.options.public_terms
    assert "Lumora Thermo 200" in terms and "LUM-TH-200" in terms, "whole product names and ids are public"
    # titles of other documents are not: a title can name a person, and the scrubber must not spare them
    assert not any("Brand" in term or "Marken" in term for term in terms)
    assert services.fact_checker.entailer is None or not isinstance(services.fact_checker.entailer, LLMEntailer)
    close_services(services)
    capable = build_services(Settings(data_dir=tmp_path, llm_base_url="http://127.0.0.1:9/v1"))
    assert isinstance(capable.fact_checker.entailer, LLMEntailer)
    close_services(capable)


def test_product_names_from_ingested_pages_reach_the_fact_checker(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    store = EmbeddedHybridStore(settings.index_dir)
    build_ingest_pipeline(settings, store, HashingEmbedder()).ingest(REPO_ROOT / "demo" / "corpus" / "products")
    store.close()
    services = build_services(settings)
    assert "Lumora Thermo 200" in services.fact_checker.rules.known_products
    assert not any("Thermo 300" in name for name in services.fact_checker.rules.known_products), "draft page"
    close_services(services)
