"""Ingest defaults for files without metadata; the file's own front matter always wins; titles from headings;
library decisions survive re-ingesting an unchanged file but not a changed one."""

from __future__ import annotations

from pathlib import Path

from tests.fakes import HashingEmbedder
from tools.ingest.defaults import IngestDefaults, product_id_from_heading
from tools.ingest.governed import GovernedLibrary
from tools.ingest.pipeline import IngestPipeline
from tools.library import DocumentLibrary
from tools.models import ApprovalStatus, MetadataFilter
from tools.stores.embedded import EmbeddedHybridStore

PLAIN = "# Information about product item_number: 7\nTrailWalker shoes, price $110.\n\n## Features\n- Light.\n"
WITH_FRONT_MATTER = """---
approval_status: draft
language: de
doc_type: faq
product_ids: []
---
# Häufige Fragen

Wie pflege ich die Schuhe? Mit einem feuchten Tuch.
"""


def _corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "product_info_7.md").write_text(PLAIN, encoding="utf-8")
    (folder / "faq.md").write_text(WITH_FRONT_MATTER, encoding="utf-8")
    return folder


def _pipeline(tmp_path: Path) -> tuple[IngestPipeline, DocumentLibrary, EmbeddedHybridStore]:
    store = EmbeddedHybridStore(tmp_path / "index")
    library = DocumentLibrary(tmp_path / "library.sqlite")
    return IngestPipeline(store, HashingEmbedder(), library=library), library, store


def test_defaults_fill_silent_files_and_front_matter_wins(tmp_path: Path) -> None:
    pipeline, library, store = _pipeline(tmp_path)
    defaults = IngestDefaults(approve=True, language="en", doc_type="product_page", product_id_from="heading")
    report = pipeline.ingest(_corpus(tmp_path / "docs"), defaults=defaults, actor="alice")
    plain = library.get("product-info-7")
    faq = library.get("faq")
    assert plain is not None and faq is not None
    assert plain.document.approval_status == ApprovalStatus.APPROVED
    assert (plain.document.language, plain.document.doc_type) == ("en", "product_page")
    assert plain.document.product_ids == ["7"]
    assert plain.document.title == "Information about product item_number: 7"  # first heading, not the file name
    # Front matter wins over every default, an explicit empty product list included.
    assert faq.document.approval_status == ApprovalStatus.DRAFT
    assert (faq.document.language, faq.document.doc_type, faq.document.product_ids) == ("de", "faq", [])
    assert faq.document.title == "Häufige Fragen"
    assert report.by_status == {"approved": 1, "draft": 1} and report.unapproved_ids == ["faq"]
    assert [e.actor for e in library.events("product-info-7")] == ["alice"]
    store.close()


def test_filename_product_ids_and_no_defaults_means_draft(tmp_path: Path) -> None:
    pipeline, library, store = _pipeline(tmp_path)
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "lum-ap-3.de.md").write_text("# Luftreiniger\n\nDer Luftreiniger ist leise und die Filter halten.\n")
    pipeline.ingest(folder, defaults=IngestDefaults(product_id_from="filename"))
    record = library.get("lum-ap-3-de")
    assert record is not None
    assert record.document.product_ids == ["lum-ap-3"]
    assert record.document.approval_status == ApprovalStatus.DRAFT  # nobody approved it
    assert record.document.language == "de"
    assert product_id_from_heading("# TrailMaster X4 Tent") == "X4"
    assert product_id_from_heading("# About us") is None
    store.close()


def test_approval_survives_reingest_of_unchanged_text_but_not_a_changed_one(tmp_path: Path) -> None:
    pipeline, library, store = _pipeline(tmp_path)
    folder = _corpus(tmp_path / "docs")
    pipeline.ingest(folder)
    governed = GovernedLibrary(pipeline, library)
    assert governed.approve(["faq"], "bob").changed == ["faq"]
    vector = HashingEmbedder().embed_queries(["Schuhe pflegen"])[0]
    approved_de = MetadataFilter(language="de")
    assert {h.chunk.document_id for h in store.hybrid("Schuhe", vector, filters=approved_de)} == {"faq"}

    again = pipeline.ingest(folder)  # the file still says draft; the library decision holds
    assert again.status_kept == 1 and again.documents_ingested == 0
    assert library.get("faq").document.approval_status == ApprovalStatus.APPROVED  # type: ignore[union-attr]

    (folder / "faq.md").write_text(WITH_FRONT_MATTER + "\nNeu: Sohlen sind austauschbar.\n", encoding="utf-8")
    changed = pipeline.ingest(folder)
    assert changed.status_kept == 0 and changed.documents_ingested == 1
    assert library.get("faq").document.approval_status == ApprovalStatus.DRAFT  # type: ignore[union-attr]
    assert store.hybrid("Schuhe", vector, filters=approved_de) == []
    store.close()
