"""LLM entailment: a capable model judges the claim against the best evidence sentences.

The entailer takes a ``judge(claim, evidence) -> dict`` callable rather than a client,
so ``tools`` does not depend on ``serving``; ``app`` builds the judge from whatever
endpoint is configured. :func:`make_judge` turns any text-completion callable into
such a judge using the versioned prompt ``prompts/factcheck/entailment``. Evidence is
pre-selected with the deterministic scorer so the prompt stays short, and a judge that
fails or answers nonsense falls back to the deterministic verdict: a broken endpoint
must never make a claim pass.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from prompts import PromptTemplate, load_prompt
from tools.factcheck.entailment import Entailment, LexicalEntailer
from tools.factcheck.evidence import EvidenceCandidate
from tools.factcheck.models import Verdict

Judge = Callable[[str, list[str]], dict[str, Any]]

PROMPT_NAME = "factcheck/entailment"
_VERDICTS: dict[str, Verdict] = {
    "supported": "supported",
    "support": "supported",
    "entailed": "supported",
    "contradicted": "contradicted",
    "contradict": "contradicted",
    "refuted": "contradicted",
    "not_found": "not_found",
    "not found": "not_found",
    "not_enough_info": "not_found",
    "nei": "not_found",
}
_JSON = re.compile(r"\{.*\}", re.S)


def entailment_prompt(version: int | None = None) -> PromptTemplate:
    """The entailment prompt (newest version unless pinned)."""
    return load_prompt(PROMPT_NAME, version)


def parse_judgement(text: str) -> dict[str, Any]:
    """The first JSON object in a model's answer, or ``{}`` when there is none."""
    match = _JSON.search(text)
    if not match:
        return {}
    try:
        value = json.loads(match.group(0))
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def make_judge(complete: Callable[[list[dict[str, str]]], str], version: int | None = None) -> Judge:
    """A judge from a chat-completion callable (messages in, text out)."""
    prompt = entailment_prompt(version)

    def judge(claim: str, evidence: list[str]) -> dict[str, Any]:
        return parse_judgement(complete(prompt.render_messages(claim=claim, evidence=evidence)))

    return judge


class LLMEntailer:
    """Entailment by an LLM judge over the ``top_k`` sentences the lexical scorer ranks highest."""

    def __init__(self, judge: Judge, selector: LexicalEntailer | None = None, top_k: int = 6) -> None:
        self.judge = judge
        self.selector = selector or LexicalEntailer()
        self.top_k = top_k

    def entail(self, claim: str, candidates: Sequence[EvidenceCandidate], language: str) -> Entailment:
        if not candidates:
            return Entailment("not_found", 0.0, [], "no evidence to check against")
        scores = self.selector.scores(claim, candidates, language)
        ranked = sorted(range(len(candidates)), key=lambda i: -scores[i])[: self.top_k]
        shown = sorted(ranked)  # document order reads better than score order
        try:
            answer = self.judge(claim, [candidates[i].text for i in shown])
        except Exception as exc:  # any judge failure: fall back, never pass the claim silently
            fallback = self.selector.entail(claim, candidates, language)
            fallback.reason = f"{fallback.reason} (LLM judge failed: {exc})"
            return fallback
        verdict = _VERDICTS.get(str(answer.get("verdict", answer.get("label", ""))).strip().lower())
        if verdict is None:
            fallback = self.selector.entail(claim, candidates, language)
            fallback.reason = f"{fallback.reason} (LLM judge gave no usable verdict)"
            return fallback
        picked = [
            shown[n - 1] for n in answer.get("evidence", []) or [] if isinstance(n, int) and 1 <= n <= len(shown)
        ] or ranked[:1]
        try:
            confidence = float(answer.get("confidence", 1.0 if verdict == "supported" else 0.0))
        except (TypeError, ValueError):
            confidence = 0.0
        reason = str(answer.get("reason") or f"LLM judge: {verdict}")
        return Entailment(verdict, max(0.0, min(1.0, confidence)), picked, reason)
