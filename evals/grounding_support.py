"""A ready sentence checker over an ingested corpus, for the grounding benchmark and its tests.

Ingests the demo corpus (and optionally more folders, all treated as approved where
their front matter says so) into an embedded store with a hashing embedder — the
fact-check's corpus search is hybrid, and the lexical half is what finds exact figures —
and wires the same :class:`~tools.factcheck.sentence_check.SentenceChecker` and guards
the graph uses. A "run" is simulated by giving the checker the chunks of the product's
own page as its sources.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tools.evidence_policy import EvidencePolicy
from tools.factcheck.rules import ContradictionRules
from tools.factcheck.segment import segment_field
from tools.factcheck.sentence_check import SentenceChecker, SourceText
from tools.guards import GuardSuite
from tools.ingest.pipeline import IngestPipeline
from tools.models import Chunk
from tools.stores.embedded import EmbeddedHybridStore

REPO = Path(__file__).resolve().parent.parent
DEMO_CORPUS = REPO / "demo" / "corpus"
CHECK_DAY = date(2026, 6, 1)  # inside the demo corpus's validity windows


class HashEmbedder:
    """Bag-of-words hashing vectors: deterministic and instant (the benchmark measures the checker)."""

    name = "hashing-256"

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim

    def _embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms

    def embed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return self._embed(texts)

    def embed_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return self._embed(texts)


@dataclass
class GroundingBench:
    """Store, checker and guards over an ingested corpus."""

    root: Path
    folders: list[Path] = field(default_factory=lambda: [DEMO_CORPUS])
    on: date = CHECK_DAY

    def __post_init__(self) -> None:
        self.embedder = HashEmbedder()
        self.store = EmbeddedHybridStore(self.root / "index")
        guidelines = self.root / "guidelines"
        terms = self.root / "public_terms.json"
        if self.store.count() == 0:
            pipeline = IngestPipeline(self.store, self.embedder, guidelines_dir=guidelines, public_terms_path=terms)
            for folder in self.folders:
                pipeline.ingest(folder)
        data: dict[str, Any] = json.loads(terms.read_text(encoding="utf-8")) if terms.exists() else {}
        products = sorted({p for e in data.values() if isinstance(e, dict) for p in e.get("products", []) if p})
        self.known_products = tuple(products)
        self.rules = ContradictionRules(known_products=self.known_products)
        self.guards = _guards(guidelines)

    def checker(self, language: str) -> SentenceChecker:
        return SentenceChecker(
            self.rules,
            EvidencePolicy(language=language, on=self.on),  # type: ignore[arg-type]
            subjects=("Lumora Home", "Lumora"),
        )

    def search(self, language: str) -> Any:
        policy = EvidencePolicy(language=language, on=self.on)  # type: ignore[arg-type]

        def run(text: str) -> list[Chunk]:
            vector = self.embedder.embed_queries([text])[0]
            hits = self.store.hybrid(text, vector, alpha=0.3, limit=12, filters=policy.metadata_filter())
            return [h.chunk for h in policy.keep(hits)][:6]

        return run

    def sources(self, *document_ids: str) -> list[SourceText]:
        """The chunks of these documents as a run's sources S1, S2, … (one label per chunk)."""
        out: list[SourceText] = []
        for doc in document_ids:
            for chunk in self.store.chunks_of_document(doc):
                out.append(SourceText(f"S{len(out) + 1}", [chunk], chunk.title))
        return out

    def check(
        self, text: str, language: str, document_ids: Sequence[str], field_name: str = "sections[0].body"
    ) -> list[dict[str, Any]]:
        """Sentence verdicts for ``text`` as if a run had the given documents as its sources."""
        checker = self.checker(language)
        return checker.check(
            segment_field(field_name, text), self.sources(*document_ids), language, search=self.search(language)
        )

    def blocking_guard(
        self, text: str, language: str, channel: str = "product_description", sources: Sequence[str] = ()
    ) -> list[Any]:
        findings = self.guards.check_draft(text, channel=channel, language=language, sources=list(sources))
        return [f for f in findings if f.severity == "block"]

    def close(self) -> None:
        self.store.close()


def _guards(folder: Path) -> GuardSuite:
    terms: list[str] = []
    claims: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.json")) if folder.exists() else []:
        data = json.loads(path.read_text(encoding="utf-8"))
        terms += [str(t) for t in data.get("banned_terms") or []]
        for claim in data.get("banned_claims") or []:
            if isinstance(claim, dict):
                claims.append({**claim, "term": claim.get("term") or claim.get("pattern")})
    return GuardSuite(banned_terms=terms, banned_claims=claims, check_pii=False)
