"""Planted errors against the real demo corpus: every wrong price, number or attribute is caught.

The claims cite the chunks of the right product page (as a draft would); the corpus
is ingested with the real loaders and chunker into the real embedded store.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.fakes import HashingEmbedder
from tools.factcheck import Claim, FactChecker
from tools.ingest.pipeline import IngestPipeline
from tools.models import Chunk
from tools.stores.embedded import EmbeddedHybridStore

PLANTED = [
    ("lum-th-200-en", "The Lumora Thermo 200 costs EUR 49.90."),
    ("lum-th-200-en", "The Thermo 200 battery lasts up to 36 months."),
    ("lum-th-200-en", "The Thermo 200 comes with a manufacturer's warranty of 24 months."),
    ("lum-th-200-en", "The Thermo 200 weighs 185 g without batteries."),
    ("lum-th-200-en", "The Thermo 200 saves up to 25 % heating energy."),
    ("lum-hb-1-en", "The Lumora Hub 1 costs EUR 99.00."),
    ("lum-hb-1-en", "The Hub 1 typically draws 2.8 W in operation."),
    ("lum-lb-9-en", "The Lumora Bulb 9 uses 12 W."),
    ("lum-lb-9-en", "The Bulb 9 has a luminous flux of 1,000 lm."),
    ("lum-ap-3-en", "The Lumora Air 3 weighs 6.8 kg."),
    ("lum-ap-3-en", "The Lumora Air 3 costs EUR 229.00."),
    ("lum-th-200-de", "Das Lumora Thermo 200 kostet 69,90 €."),
    ("lum-th-200-de", "Die Herstellergarantie für das Thermo 200 beträgt 24 Monate."),
]
CORRECT = [
    ("lum-th-200-en", "The Lumora Thermo 200 costs EUR 59.90."),
    ("lum-th-200-en", "The Thermo 200 battery lasts up to 24 months."),
    ("lum-hb-1-en", "The Lumora Hub 1 costs EUR 89.00."),
    ("lum-lb-9-en", "The Bulb 9 has a luminous flux of 806 lm."),
    ("lum-ap-3-en", "The Lumora Air 3 weighs 5.8 kg."),
    ("lum-th-200-de", "Das Lumora Thermo 200 kostet 59,90 €."),
]


@pytest.fixture(scope="module")
def demo_chunks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Chunk]]:
    store = EmbeddedHybridStore(Path(tmp_path_factory.mktemp("demo")) / "index")
    IngestPipeline(store, HashingEmbedder()).ingest(REPO_ROOT / "demo" / "corpus")
    chunks = {doc: store.chunks_of_document(doc) for doc in {d for d, _ in PLANTED + CORRECT}}
    store.close()
    return chunks


def check(demo_chunks: dict[str, list[Chunk]], document_id: str, text: str) -> str:
    chunks = demo_chunks[document_id]
    claim = Claim(text=text, chunk_ids=[c.id for c in chunks])
    language = "de" if document_id.endswith("-de") else "en"
    [verdict] = FactChecker().check([claim], {c.id: c for c in chunks}, language=language)
    return verdict.verdict


def test_every_planted_error_is_caught(demo_chunks: dict[str, list[Chunk]]) -> None:
    missed = [text for doc, text in PLANTED if check(demo_chunks, doc, text) == "supported"]
    assert missed == [], f"planted errors passed as supported: {missed}"


def test_correct_facts_are_supported(demo_chunks: dict[str, list[Chunk]]) -> None:
    refused = [text for doc, text in CORRECT if check(demo_chunks, doc, text) != "supported"]
    assert refused == []
