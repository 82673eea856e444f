"""Ingestion: loaders, structure-aware chunks, dedupe, approval filtering, and every bad-file case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fakes import HashingEmbedder
from tools.ingest.chunking import StructureChunker
from tools.ingest.loaders import BadDocumentError, load_file
from tools.ingest.pipeline import IngestPipeline
from tools.models import ApprovalStatus, MetadataFilter
from tools.stores.embedded import EmbeddedHybridStore


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.embedded = 0

    def embed_passages(self, texts):  # type: ignore[no-untyped-def]
        self.embedded += len(texts)
        return super().embed_passages(texts)


@pytest.fixture
def store(tmp_path: Path):
    store = EmbeddedHybridStore(tmp_path / "index")
    yield store
    store.close()


def test_reingesting_unchanged_files_embeds_nothing(corpus_dir: Path, store) -> None:
    embedder = CountingEmbedder()
    pipeline = IngestPipeline(store, embedder)
    first = pipeline.ingest(corpus_dir)
    assert first.documents_ingested == 3 and first.chunks_written > 0
    embedded = embedder.embedded
    second = pipeline.ingest(corpus_dir)
    assert second.documents_ingested == 0 and second.documents_unchanged == 3
    assert embedder.embedded == embedded

    page = corpus_dir / "kettle.en.md"
    page.write_text(page.read_text(encoding="utf-8").replace("49.90", "44.90"), encoding="utf-8")
    third = pipeline.ingest(corpus_dir)
    assert third.documents_ingested == 1
    texts = " ".join(c.text for c in store.get_chunks([f"kettle-k1-en::{i:03d}" for i in range(10)]))
    assert "44.90" in texts and "49.90" not in texts, "a changed document replaces its old chunks"


def test_non_approved_documents_are_never_retrieved(corpus_dir: Path, store) -> None:
    embedder = HashingEmbedder()
    IngestPipeline(store, embedder).ingest(corpus_dir)
    query = "Acme Kettle K2 codename Nebelhorn price"
    hits = store.hybrid(query, embedder.embed_queries([query])[0], limit=20)
    assert hits, "approved kettle pages should still match"
    assert all(hit.chunk.approval_status == ApprovalStatus.APPROVED for hit in hits)
    assert all("Nebelhorn" not in hit.chunk.text for hit in hits)
    explicit = store.hybrid(
        query, embedder.embed_queries([query])[0], limit=20, filters=MetadataFilter(approval_status=None)
    )
    assert any("Nebelhorn" in hit.chunk.text for hit in explicit), "the draft is stored, just never served"


def test_chunks_keep_their_headings() -> None:
    from tools.models import Document

    body = "# Kettle\n\n## Technical data\n\n" + "The kettle holds 1.7 litres. " * 60
    chunks = StructureChunker(max_chars=300).chunk(Document(id="d", title="Kettle", language="en", body=body))
    assert len(chunks) > 3
    assert all(c.heading_path == ["Kettle", "Technical data"] for c in chunks)
    assert all(len(c.text) <= 300 for c in chunks)
    assert [c.id for c in chunks] == [f"d::{i:03d}" for i in range(len(chunks))]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.md", b"", "empty file"),
        ("blank.md", b"   \n\n ", "only whitespace"),
        ("binary.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
        ("latin1.txt", "Preis: 49,90 \u20ac f\u00fcr K\u00e4ufer".encode("cp1252"), "not UTF-8"),
        ("broken.json", b'{"products": [ {"id": 1,', "broken JSON"),
        ("shape.json", b'{"items": []}', "unrecognised JSON layout"),
        ("unclosed.md", b"---\nid: x\nno closing", "never closed"),
        ("badyaml.md", b"---\nid: [x\n---\nbody", "not valid YAML"),
        ("badlang.md", b"---\nlanguage: fr\napproval_status: approved\n---\nBonjour", "invalid metadata"),
        ("picture.png", b"\x89PNG", "unsupported file type"),
    ],
)
def test_bad_files_are_reported_by_name_and_skipped(
    tmp_path: Path, store, name: str, content: bytes, reason: str
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / name).write_bytes(content)
    (folder / "good.md").write_text("---\nid: good\napproval_status: approved\n---\n# Good\n\nFine text.", "utf-8")
    report = IngestPipeline(store, HashingEmbedder()).ingest(folder)
    assert report.documents_ingested == 1
    assert [s.path for s in report.skipped] == [name]
    assert reason.lower() in report.skipped[0].reason.lower()


def test_oversized_file_is_skipped(tmp_path: Path, store) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "huge.md").write_text("x" * 5000, encoding="utf-8")
    report = IngestPipeline(store, HashingEmbedder(), max_document_bytes=1000).ingest(folder)
    assert report.skipped[0].path == "huge.md" and "too large" in report.skipped[0].reason


def test_missing_approval_status_means_draft(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Hallo\n\nDas ist ein Text über unsere Produkte und die Preise.", encoding="utf-8")
    [document] = load_file(page, tmp_path, 10_000)
    assert document.approval_status == ApprovalStatus.DRAFT
    assert document.language == "de"


def test_html_loader_reads_meta_tags_and_drops_scripts(tmp_path: Path) -> None:
    page = tmp_path / "guide.html"
    page.write_text(
        '<html lang="en"><head><title>Guide</title><meta name="copydesk:id" content="guide-1">'
        '<meta name="copydesk:approval_status" content="approved"><meta name="copydesk:product_ids" content="A,B">'
        "</head><body><h1>Install</h1><p>Mount it.</p><script>alert(1)</script></body></html>",
        encoding="utf-8",
    )
    [document] = load_file(page, tmp_path, 10_000)
    assert document.id == "guide-1" and document.product_ids == ["A", "B"]
    assert "# Install" in document.body and "alert" not in document.body


def test_catalogue_gives_one_document_per_product_and_language(tmp_path: Path) -> None:
    catalogue = tmp_path / "catalog.json"
    catalogue.write_text(
        json.dumps(
            {
                "metadata": {"id": "cat", "approval_status": "approved", "language": "en"},
                "products": [
                    {
                        "id": "P-1",
                        "name": "Kettle",
                        "price_eur": 49.9,
                        "description_de": "Wasserkocher",
                        "description_en": "Kettle",
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    documents = load_file(catalogue, tmp_path, 10_000)
    assert sorted(d.id for d in documents) == ["cat-p-1-de", "cat-p-1-en"]
    assert all(d.product_ids == ["P-1"] and "49.9" in d.body for d in documents)


def test_missing_path_is_a_clear_error(tmp_path: Path, store) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        IngestPipeline(store, HashingEmbedder()).ingest(tmp_path / "nope")


def test_bad_document_error_names_the_problem(tmp_path: Path) -> None:
    page = tmp_path / "x.md"
    page.write_text("---\nvalid_from: yesterday\n---\ntext", encoding="utf-8")
    with pytest.raises(BadDocumentError, match="invalid date"):
        load_file(page, tmp_path, 10_000)
