"""A small classifier for paraphrased instructions to the model, on the embeddings copydesk computes.

The rules in :mod:`tools.guards.injection` catch the fixed phrasings ("ignore previous
instructions"); attackers paraphrase ("set aside everything you were told earlier",
"Lass die obigen Vorgaben außer Acht"). multilingual-e5 places paraphrases in both
languages near each other, so a logistic regression over sentence embeddings
generalises from a few hundred examples. Weights (384 + 1 numbers) and the threshold
live in ``data/injection_classifier.json``, written by ``python -m evals.injection_train``,
which also records the held-out recall and false-positive rate. The classifier is tied
to the embedding model it was trained on and refuses any other.

Text is folded (:func:`tools.textnorm.fold_text`: NFKC, zero-width removal, confusables)
and split into sentences first: one injected sentence inside a long product passage
would be diluted in a passage embedding.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tools.embeddings import Embedder
from tools.textnorm import fold_text

WEIGHTS_PATH = Path(__file__).with_name("data") / "injection_classifier.json"
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")


def sentences(text: str, min_chars: int = 12) -> list[tuple[int, int, str]]:
    """``(start, end, sentence)`` for each sentence of ``text`` long enough to judge."""
    out = []
    for m in _SENTENCE.finditer(text):
        chunk = m.group(0).strip()
        if len(chunk) >= min_chars:
            start = m.start() + m.group(0).find(chunk)
            out.append((start, start + len(chunk), chunk))
    return out


@dataclass(frozen=True)
class InjectionHit:
    """A sentence the classifier flags, with its span in the original text and its probability."""

    start: int
    end: int
    score: float


class InjectionScreen:
    """The classifier bound to the embedder it was trained for: ``screen(text)`` -> flagged sentences."""

    def __init__(self, classifier: InjectionClassifier, embedder: Embedder) -> None:
        if not classifier.fits(embedder):
            raise ValueError(f"injection classifier trained on {classifier.model}, not {embedder.name}")
        self.classifier = classifier
        self.embedder = embedder

    def __call__(self, text: str) -> list[InjectionHit]:
        return self.classifier.detect(text, self.embedder)

    def remove(self, text: str) -> tuple[str, list[InjectionHit]]:
        """``text`` with flagged sentences replaced by a visible marker, and the hits."""
        hits = self(text)
        for hit in sorted(hits, key=lambda h: h.start, reverse=True):
            text = text[: hit.start] + "[removed: instruction-like text]" + text[hit.end :]
        return text, hits


class InjectionClassifier:
    """Logistic regression over normalised sentence embeddings."""

    def __init__(self, weights: npt.NDArray[np.float32], bias: float, threshold: float, model: str) -> None:
        self.weights = weights.astype(np.float32)
        self.bias = float(bias)
        self.threshold = float(threshold)
        self.model = model

    @classmethod
    def load(cls, path: Path = WEIGHTS_PATH) -> InjectionClassifier | None:
        """The trained classifier, or None when no weights file has been written."""
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(np.asarray(data["weights"], dtype=np.float32), data["bias"], data["threshold"], data["model"])

    def fits(self, embedder: Embedder) -> bool:
        """Whether ``embedder`` is the model the weights were trained on."""
        return getattr(embedder, "name", None) == self.model

    def probabilities(self, vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        logits = vectors.astype(np.float64) @ self.weights.astype(np.float64) + self.bias
        return np.asarray(1.0 / (1.0 + np.exp(-logits)))

    def detect(self, text: str, embedder: Embedder) -> list[InjectionHit]:
        """Sentences of ``text`` scored at or above the threshold."""
        if not self.fits(embedder):
            raise ValueError(f"injection classifier trained on {self.model}, not {getattr(embedder, 'name', '?')}")
        parts = sentences(text)
        if not parts:
            return []
        vectors = embedder.embed_passages([fold_text(s, casefold=False) for _, _, s in parts])
        scores = self.probabilities(vectors)
        return [
            InjectionHit(start, end, float(score))
            for (start, end, _), score in zip(parts, scores, strict=True)
            if score >= self.threshold
        ]
