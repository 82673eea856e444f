"""Declared catalogue mappings: the shipped ones on the public files, nested layouts, and refusals."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.fakes import HashingEmbedder
from tools.ingest.defaults import IngestDefaults
from tools.ingest.loaders import BadDocumentError, normalise_text
from tools.ingest.mappings import MappingError, available_mappings, load_mapping, mapping_loader
from tools.ingest.pipeline import IngestPipeline
from tools.models import ApprovalStatus
from tools.stores.embedded import EmbeddedHybridStore


def _load(mapping: str, path: Path, defaults: IngestDefaults | None = None) -> list:  # type: ignore[type-arg]
    return mapping_loader(load_mapping(mapping))(path, path.parent, 50_000_000, defaults)


def test_shipped_mappings_are_usable_by_name() -> None:
    assert {"commercetools", "products-csv"} <= set(available_mappings())
    with pytest.raises(MappingError, match="no mapping named 'shopify'"):
        load_mapping("shopify")


def test_commercetools_catalogue_splits_locales_into_one_document_per_language(shared_data: Path) -> None:
    path = shared_data / "catalog" / "commercetools_products.json"
    source = json.loads(path.read_text(encoding="utf-8"))
    products = [p for records in source.values() for p in records]
    documents = _load("commercetools", path)
    by_language = {lang: [d for d in documents if d.language == lang] for lang in ("de", "en")}
    assert len(by_language["de"]) == sum("de-DE" in p["name"] for p in products) == 189
    assert len(by_language["en"]) == sum(any(k.startswith("en") for k in p["name"]) for p in products) == 202
    assert all(d.approval_status == ApprovalStatus.DRAFT for d in documents)  # approval is an explicit step

    chair = next(p for p in products if p["key"] == "abigail-lounge-chair")
    german = next(d for d in by_language["de"] if d.product_ids == ["abigail-lounge-chair"])
    english = next(d for d in by_language["en"] if d.product_ids == ["abigail-lounge-chair"])
    assert german.title == chair["name"]["de-DE"] and english.title == chair["name"]["en-GB"]
    description = german.body.split("\n\n", 1)[1].split("\n\n## ", 1)[0]
    assert description == normalise_text(chair["description"]["de-DE"])
    assert chair["description"]["en-GB"][:60] not in german.body  # no English mixed into the German document
    assert "## Produktdaten" in german.body and "| Merkmal | Wert |" in german.body
    assert not any("{'" in d.body or "'de-DE'" in d.body for d in documents)  # never a Python repr


def test_products_csv_mapping_on_the_manuals_table(shared_data: Path) -> None:
    path = shared_data / "manuals" / "products.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    documents = _load("products-csv", path, IngestDefaults(approve=True))
    assert len(documents) == len(rows) == 20 and {d.language for d in documents} == {"en"}
    tent = next(d for d in documents if d.product_ids == ["1"])
    assert tent.title == "TrailMaster X4 Tent" and tent.approval_status == ApprovalStatus.APPROVED
    assert "| Price | 250.00 USD |" in tent.body
    assert "| category | Tents |" in tent.body and "| brand | OutdoorLiving |" in tent.body
    assert normalise_text(rows[0]["description"]) in tent.body


NESTED = {
    "results": [
        {
            "id": "p-1",
            "masterData": {
                "current": {
                    "name": {"de-DE": "Wanderschuh Alp", "en-GB": "Alp hiking shoe"},
                    "description": {"de-DE": "Ein leichter Schuh.", "en-GB": "A light shoe."},
                }
            },
            "masterVariant": {
                "sku": "ALP-40",
                "prices": [
                    {"value": {"centAmount": 12990, "currencyCode": "EUR", "fractionDigits": 2}, "country": "DE"}
                ],
                "attributes": [
                    {"name": "color", "value": {"key": "red", "label": {"de-DE": "Rot", "en-GB": "Red"}}},
                    {"name": "weight-g", "value": 640},
                    {"name": "waterproof", "value": True},
                ],
            },
            "variants": [
                {
                    "sku": "ALP-42",
                    "attributes": [{"name": "size", "value": "42"}],
                    "prices": [{"value": {"centAmount": 13490, "currencyCode": "EUR", "fractionDigits": 2}}],
                }
            ],
        }
    ]
}


def test_nested_attributes_variants_and_prices_become_readable_tables(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(NESTED), encoding="utf-8")
    documents = {d.language: d for d in _load("commercetools", path)}
    de, en = documents["de"], documents["en"]
    assert de.id == "ct-p-1-de" and de.title == "Wanderschuh Alp" and de.product_ids == ["p-1"]
    for row in (
        "| SKU | ALP-40 |",
        "| Preis | 129.90 EUR (DE) |",
        "| color | Rot |",
        "| weight-g | 640 |",
        "| waterproof | ja |",
        "### Variante ALP-42",
        "| size | 42 |",
        "| Preis | 134.90 EUR |",
    ):
        assert row in de.body, row
    assert "| color | Red |" in en.body and "A light shoe." in en.body and "Rot" not in en.body


def test_a_layout_that_does_not_fit_is_refused_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "shop.json"
    path.write_text(json.dumps({"items": [{"sku": "A1", "title": {"de-DE": "Ding"}}]}), encoding="utf-8")
    with pytest.raises(BadDocumentError, match=r"no product records with an id field \(key or id\)"):
        _load("commercetools", path)
    path.write_text(json.dumps({"set": [{"key": "a1", "title": "Ding"}]}), encoding="utf-8")
    with pytest.raises(BadDocumentError, match=r"record #0 has no name field \(name or masterData.current.name\)"):
        _load("commercetools", path)
    table = tmp_path / "table.csv"
    table.write_text("sku,title\nA1,Ding\n", encoding="utf-8")
    with pytest.raises(BadDocumentError, match=r"no id column .* the file has columns: sku, title"):
        _load("products-csv", table)

    # Through the pipeline the whole file is skipped with that reason and nothing is stored.
    store = EmbeddedHybridStore(tmp_path / "index")
    report = IngestPipeline(store, HashingEmbedder()).ingest(path, loader=mapping_loader(load_mapping("commercetools")))
    assert store.count() == 0 and "no name field" in report.skipped[0].reason
    store.close()


def test_a_mapping_file_by_path(tmp_path: Path) -> None:
    mapping = tmp_path / "shop.yaml"
    mapping.write_text(
        "name: shop\nformat: csv\ncsv_delimiter: ';'\nfields:\n  id: sku\n  name: titel\n  prices: preis\n"
        "  attributes: [farbe]\nlanguage: de\ncurrency: EUR\nmetadata:\n  approval_status: approved\n",
        encoding="utf-8",
    )
    table = tmp_path / "artikel.csv"
    table.write_text("sku;titel;preis;farbe\nA-1;Becher;4,5;blau\n", encoding="utf-8")
    [document] = mapping_loader(load_mapping(mapping))(table, tmp_path, 10_000, None)
    assert document.language == "de" and document.approval_status == ApprovalStatus.APPROVED
    assert "| Preis | 4.50 EUR |" in document.body and "| farbe | blau |" in document.body
    with pytest.raises(MappingError, match="unknown fields"):
        bad = tmp_path / "bad.yaml"
        bad.write_text("fields:\n  id: a\n  name: b\n  colour: c\n", encoding="utf-8")
        load_mapping(bad)
