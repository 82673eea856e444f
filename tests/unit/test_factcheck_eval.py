"""The SciFact fact-check benchmark: data loading, label folding and metrics on a tiny folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.factcheck import BINARY, LABELS, binary, main, predict, score
from evals.factcheck_data import build


def _write(folder: Path) -> None:
    corpus = [
        {"_id": "1", "title": "Heat", "text": "Panels save 30% energy.Radiators are slower."},
        {"_id": "2", "title": "Cold", "text": "Ice melts at 0 degrees."},
    ]
    claims = [
        {"id": "a", "claim": "Panels save 30% energy.", "cited_doc_ids": ["1"],
         "evidence": {"1": {"label": "SUPPORT", "sentences": [0]}}},
        {"id": "b", "claim": "Panels save 50% energy.", "cited_doc_ids": ["1"],
         "evidence": {"1": [{"label": "CONTRADICT", "sentences": [0]}]}},
        {"id": "c", "claim": "Ice is blue.", "cited_doc_ids": ["2"], "evidence": {}},
    ]  # fmt: skip
    (folder / "corpus.jsonl").write_text("\n".join(json.dumps(r) for r in corpus), encoding="utf-8")
    (folder / "claims.train.jsonl").write_text("\n".join(json.dumps(r) for r in claims), encoding="utf-8")


def test_build_splits_cited_abstracts_into_sentence_chunks(tmp_path: Path) -> None:
    _write(tmp_path)
    claims, chunks = build(tmp_path)
    assert [c.label for c in claims] == ["supported", "contradicted", "not_found"]
    assert claims[0].chunk_ids == ["1#0", "1#1"]
    assert chunks["1#0"].text == "Panels save 30% energy."
    assert chunks["1#1"].text == "Radiators are slower."


def test_metrics() -> None:
    gold = ["supported", "supported", "not_found", "contradicted"]
    pred = ["supported", "not_found", "not_found", "supported"]
    three = score(gold, pred, LABELS)
    assert three.accuracy == 0.5
    assert three.per_class["supported"][:2] == (0.5, 0.5)
    two = score(binary(gold), binary(pred), BINARY)
    assert two.per_class["not_supported"][:2] == (0.5, 0.5)
    assert predict([("supported", 0.4), ("contradicted", 0.9)], 0.5) == ["not_found", "contradicted"]


def test_benchmark_runs_end_to_end_without_embedder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path)
    assert main(["--dataset", str(tmp_path), "--no-embed"]) == 0
    out = capsys.readouterr().out
    assert "all claims, supported-vs-not: n=3 accuracy=1.000" in out
    assert "all claims, three-way: n=3 accuracy=1.000" in out


def test_missing_dataset_is_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--dataset", str(tmp_path / "absent")]) == 0
    assert "skipping" in capsys.readouterr().out
