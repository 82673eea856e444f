"""The golden set (``evals/golden/briefs.yaml``), its CI subset, and XQuAD grounded-QA items.

XQuAD is read at run time from ``../shared/data/xquad`` (never copied into the repo) and
skipped when absent. Items pair a question with its reference answer and gold paragraph
id, in German, in English, and cross-lingually (German question, English paragraph and
answer).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tools.channels import known_channels

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "briefs.yaml"
XQUAD_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "xquad"


@dataclass(frozen=True)
class Brief:
    id: str
    language: str
    channel: str
    brief: str
    product_id: str | None
    required_facts: list[list[str]]
    forbidden_claims: list[str]
    expected_documents: list[str]


@dataclass(frozen=True)
class QAItem:
    id: str
    mode: str  # de | en | de-en
    question: str
    answer: str
    paragraph_id: str
    paragraph: str
    pool: dict[str, str] = field(default_factory=dict, repr=False)  # paragraph id → text, same language


def load_briefs(path: Path = GOLDEN) -> list[Brief]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    briefs = [Brief(**item) for item in data["briefs"]]
    for brief in briefs:
        if brief.channel not in known_channels() or brief.language not in ("de", "en"):
            raise ValueError(f"golden brief {brief.id}: bad channel {brief.channel!r} or language {brief.language!r}")
    return briefs


def ci_draft_briefs(briefs: list[Brief]) -> list[Brief]:
    """Two short drafts, one per language: the embedded SmolLM2 needs minutes per draft on 2 busy
    cores, and the CI gate must finish in 5. Retrieval still covers all briefs and channels."""
    wanted = [
        ("lum-lb-9", "ad_copy", "en"),
        ("lum-th-200", "ad_copy", "de"),
    ]
    ids = {f"{p}-{c}-{lang}" for p, c, lang in wanted}
    return [b for b in briefs if b.id in ids]


def _paragraphs(path: Path) -> list[tuple[str, str, list[dict[str, Any]]]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for a, article in enumerate(data["data"]):
        for p, paragraph in enumerate(article["paragraphs"]):
            out.append((f"xquad-{a}-{p}", paragraph["context"], paragraph["qas"]))
    return out


def load_xquad(pool_size: int, per_mode: int, folder: Path = XQUAD_DIR) -> list[QAItem]:
    """QA items over the first ``pool_size`` paragraphs; ``per_mode`` questions per mode (spread out)."""
    if not (folder / "xquad.de.json").exists() or not (folder / "xquad.en.json").exists():
        return []
    de, en = _paragraphs(folder / "xquad.de.json")[:pool_size], _paragraphs(folder / "xquad.en.json")[:pool_size]
    pools = {"de": {pid: text for pid, text, _ in de}, "en": {pid: text for pid, text, _ in en}}
    step = max(1, pool_size // max(per_mode, 1))
    items: list[QAItem] = []
    for mode in ("de", "en", "de-en"):
        q_lang, c_lang = mode.split("-")[0], mode.split("-")[-1]
        questions, contexts = (de if q_lang == "de" else en), (de if c_lang == "de" else en)
        offset = {"de": 0, "en": 1, "de-en": 2}[mode]
        for k in range(per_mode):
            index = (k * step + offset) % len(questions)
            pid, _, qas = questions[index]
            _, context, context_qas = contexts[index]
            qa, ref = qas[0], context_qas[0]  # XQuAD is parallel: the same question in both languages
            items.append(
                QAItem(
                    id=f"{pid}-{mode}",
                    mode=mode,
                    question=qa["question"],
                    answer=ref["answers"][0]["text"],
                    paragraph_id=pid,
                    paragraph=context,
                    pool=pools[c_lang],
                )
            )
    return items
