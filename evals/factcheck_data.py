"""Loading a SciFact-style claim-verification folder into copydesk chunks and claims.

Kept apart from the benchmark so that the cache warm-up and the scorer read the data
the same way: the vector cache is keyed by exact text, so both must produce
identical sentence strings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tools.factcheck.sentences import split_sentences
from tools.models import Chunk

Gold = Literal["supported", "contradicted", "not_found"]


@dataclass
class GoldClaim:
    """One claim with its cited documents and the gold three-way label."""

    id: str
    text: str
    cited_doc_ids: list[str]
    label: Gold
    chunk_ids: list[str] = field(default_factory=list)


def _label(evidence: dict[str, object]) -> Gold:
    labels: set[str] = set()
    for value in evidence.values():
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict) and "label" in item:
                labels.add(str(item["label"]).upper())
    if "CONTRADICT" in labels:
        return "contradicted"
    if "SUPPORT" in labels:
        return "supported"
    return "not_found"


def load_corpus(dataset: Path) -> dict[str, dict[str, str]]:
    """``_id`` -> record, from ``corpus.jsonl``."""
    corpus: dict[str, dict[str, str]] = {}
    with (dataset / "corpus.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                corpus[str(record["_id"])] = record
    return corpus


def load_claims(dataset: Path) -> list[GoldClaim]:
    """Every ``claims*.jsonl`` file in the folder, in file then line order."""
    claims: list[GoldClaim] = []
    for path in sorted(dataset.glob("claims*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                record = json.loads(line)
                claims.append(
                    GoldClaim(
                        id=str(record["id"]),
                        text=str(record["claim"]),
                        cited_doc_ids=[str(d) for d in record.get("cited_doc_ids", [])],
                        label=_label(record.get("evidence") or {}),
                    )
                )
    return claims


def sentence_chunks(doc_id: str, record: dict[str, str]) -> list[Chunk]:
    """A cited abstract as one chunk per sentence (ids ``<doc>#<n>``)."""
    return [
        Chunk(
            id=f"{doc_id}#{n}",
            document_id=doc_id,
            ordinal=n,
            text=sentence.text,
            title=str(record.get("title", "")),
            language="en",
        )
        for n, sentence in enumerate(split_sentences(str(record.get("text", ""))))
    ]


def build(dataset: Path) -> tuple[list[GoldClaim], dict[str, Chunk]]:
    """Claims with their chunk ids filled in, and every chunk of every cited document."""
    corpus = load_corpus(dataset)
    claims = load_claims(dataset)
    chunks: dict[str, Chunk] = {}
    per_doc: dict[str, list[str]] = {}
    for claim in claims:
        for doc_id in claim.cited_doc_ids:
            if doc_id not in per_doc:
                record = corpus.get(doc_id)
                doc_chunks = sentence_chunks(doc_id, record) if record else []
                per_doc[doc_id] = [c.id for c in doc_chunks]
                chunks.update((c.id, c) for c in doc_chunks)
            claim.chunk_ids.extend(per_doc[doc_id])
    return claims, chunks
