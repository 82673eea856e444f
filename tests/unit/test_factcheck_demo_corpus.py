"""Planted errors against the real demo corpus: every wrong price, number or attribute is caught.

The claims cite the chunks of the right product page (as a draft would); the corpus
is ingested with the real loaders and chunker into the real embedded store.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.fakes import HashingEmbedder
from tools.factcheck import Claim, ContradictionRules, FactChecker
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


Corpus = tuple[dict[str, list[Chunk]], tuple[str, ...]]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    folder = Path(tmp_path_factory.mktemp("demo"))
    store = EmbeddedHybridStore(folder / "index")
    IngestPipeline(store, HashingEmbedder(), public_terms_path=folder / "public.json").ingest(
        REPO_ROOT / "demo" / "corpus"
    )
    chunks = {doc: store.chunks_of_document(doc) for doc in {d for d, _ in PLANTED + CORRECT}}
    store.close()
    entries = json.loads((folder / "public.json").read_text(encoding="utf-8")).values()
    return chunks, tuple(sorted({name for entry in entries for name in entry["products"]}))


def check(demo: Corpus, document_id: str, text: str, with_names: bool) -> str:
    chunks = demo[0][document_id]
    claim = Claim(text=text, chunk_ids=[c.id for c in chunks])
    language = "de" if document_id.endswith("-de") else "en"
    rules = ContradictionRules(known_products=demo[1] if with_names else ())
    [verdict] = FactChecker(contradiction_rules=rules).check([claim], {c.id: c for c in chunks}, language=language)
    return verdict.verdict


@pytest.mark.parametrize("with_names", [False, True], ids=["no-product-list", "catalogue-product-names"])
def test_every_planted_error_is_caught(demo: Corpus, with_names: bool) -> None:
    missed = [text for doc, text in PLANTED if check(demo, doc, text, with_names) == "supported"]
    assert missed == [], f"planted errors passed as supported: {missed}"


@pytest.mark.parametrize("with_names", [False, True], ids=["no-product-list", "catalogue-product-names"])
def test_correct_facts_are_supported(demo: Corpus, with_names: bool) -> None:
    refused = [text for doc, text in CORRECT if check(demo, doc, text, with_names) != "supported"]
    assert refused == []
