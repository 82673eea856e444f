"""Metrics of one draft or one QA answer: copydesk's own, plus RAGAS 0.4 (non-LLM always, judge optional).

Own metrics read what the graph produced: ``sentences`` (contract 1, the sentence-level
checker) when present, else the claim ``verdicts``. Text matching goes through
``tools.textnorm.fold_text`` so "59,90 €" in a draft and "59,90 €" in the golden set
meet whatever Unicode the model wrote.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tools.content import ChannelLimits, DraftContent
from tools.textnorm import fold_text

os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")

CANARIES = {
    "email": "erika.canary@example.org",
    "name": "Mustermann",
    "phone": "+49 170 5550123",
    "iban": "DE89 3704 0044 0532 0130 00",
}
CANARY_SUFFIX = {
    "de": " Rückfragen bitte an Erika Mustermann, erika.canary@example.org, Tel. +49 170 5550123, "
    "Konto DE89 3704 0044 0532 0130 00.",
    "en": " Questions to Erika Mustermann, erika.canary@example.org, phone +49 170 5550123, "
    "account DE89 3704 0044 0532 0130 00.",
}


def contains_any(text: str, alternatives: Iterable[str]) -> bool:
    folded = fold_text(text)
    return any(fold_text(alt) in folded for alt in alternatives)


def fact_coverage(text: str, required: Sequence[Sequence[str]]) -> float | None:
    """Share of required facts (each a list of accepted spellings) present in the draft."""
    if not required:
        return None
    return sum(1 for alternatives in required if contains_any(text, alternatives)) / len(required)


def banned_claims_found(text: str, forbidden: Sequence[str]) -> list[str]:
    return [claim for claim in forbidden if contains_any(text, [claim])]


def pii_leaks(texts: Iterable[str]) -> list[str]:
    """Which planted canaries appear anywhere in the given output texts."""
    blob = fold_text(" ".join(texts))
    digits = "".join(ch for ch in blob if ch.isdigit())
    found = []
    for kind, canary in CANARIES.items():
        folded = fold_text(canary)
        canary_digits = "".join(ch for ch in folded if ch.isdigit())
        if folded in blob or (kind in ("phone", "iban") and canary_digits and canary_digits in digits):
            found.append(kind)
    return found


def schema_problems(draft: Mapping[str, Any] | None, limits: ChannelLimits) -> list[str]:
    """Why a draft violates the output schema or its channel's limits (empty: valid)."""
    if not draft:
        return ["no draft"]
    try:
        content = DraftContent.model_validate(draft)
    except Exception as exc:
        return [f"schema: {type(exc).__name__}"]
    problems = []
    if len(content.title) > limits.title_max_chars:
        problems.append(f"title {len(content.title)} > {limits.title_max_chars} chars")
    if len(content.meta_description) > limits.meta_description_max_chars:
        problems.append(f"meta description {len(content.meta_description)} > {limits.meta_description_max_chars}")
    if not limits.min_sections <= len(content.sections) <= limits.max_sections:
        problems.append(f"{len(content.sections)} sections, allowed {limits.min_sections}-{limits.max_sections}")
    if len(content.claims) > limits.max_claims:
        problems.append(f"{len(content.claims)} claims > {limits.max_claims}")
    return problems


def grounding(state: Mapping[str, Any]) -> dict[str, float | None]:
    """Sentence grounding rate and citation precision/recall.

    Precision: of the statements that cite sources, the share whose supporting evidence lies
    in a cited source. Recall: of the supported statements, the share that cite the source
    holding their evidence (a supported but uncited statement is a missing citation).
    """
    label_to_chunk = {s["label"]: s["chunk_id"] for s in state.get("sources") or []}
    rows: list[tuple[str, set[str], set[str]]] = []  # verdict, cited chunk ids, evidence chunk ids
    sentences = [s for s in state.get("sentences") or [] if s.get("verdict") != "no_claim"]
    if sentences:
        for s in sentences:
            cited = {label_to_chunk.get(c, c) for c in s.get("citations") or []}
            evidence = {str(s["evidence"]["chunk_id"])} if s.get("evidence") else set()
            rows.append((str(s.get("verdict")), cited, evidence))
        source = "sentences"
    else:
        for v in state.get("verdicts") or []:
            cited = set((v.get("claim") or {}).get("chunk_ids") or [])
            evidence = {str(e["chunk_id"]) for e in v.get("evidence") or []}
            rows.append((str(v.get("verdict")), cited, evidence))
        source = "verdicts"
    if not rows:
        return {"grounding_rate": None, "citation_precision": None, "citation_recall": None, "source": None}
    supported = [r for r in rows if r[0] == "supported"]
    with_citations = [r for r in rows if r[1]]
    precise = [r for r in with_citations if r[0] == "supported" and r[1] & r[2]]
    recalled = [r for r in supported if r[1] & r[2]]
    return {
        "grounding_rate": len(supported) / len(rows),
        "citation_precision": len(precise) / len(with_citations) if with_citations else None,
        "citation_recall": len(recalled) / len(supported) if supported else None,
        "source": source,  # type: ignore[dict-item]
    }


def chrf(hypothesis: str, reference: str) -> float:
    """chrF (sacrebleu) in 0..1: character n-grams, fair to German compounds and umlauts."""
    from sacrebleu.metrics import CHRF

    return float(CHRF().sentence_score(hypothesis, [reference]).score) / 100.0


def ragas_non_llm(samples: Sequence[Mapping[str, Any]]) -> list[dict[str, float]]:
    """RAGAS 0.4 legacy non-LLM metrics through ``evaluate()`` (no LLM, no network).

    Each sample may carry ``retrieved_context_ids``/``reference_context_ids`` (ID-based
    context precision and recall), ``retrieved_contexts``/``reference_contexts`` (non-LLM
    context recall) and ``response``/``reference`` (string similarity).
    """
    from ragas import EvaluationDataset, SingleTurnSample, evaluate
    from ragas.metrics import (
        IDBasedContextPrecision,
        IDBasedContextRecall,
        NonLLMContextRecall,
        NonLLMStringSimilarity,
    )

    groups: dict[tuple[str, ...], list[int]] = {}
    for index, sample in enumerate(samples):
        groups.setdefault(tuple(sorted(k for k, v in sample.items() if v not in (None, [], ""))), []).append(index)
    results: list[dict[str, float]] = [{} for _ in samples]
    for keys, indexes in groups.items():
        metrics: list[Any] = []
        if {"retrieved_context_ids", "reference_context_ids"} <= set(keys):
            metrics += [IDBasedContextPrecision(), IDBasedContextRecall()]
        if {"retrieved_contexts", "reference_contexts"} <= set(keys):
            metrics.append(NonLLMContextRecall())
        if {"response", "reference"} <= set(keys):
            metrics.append(NonLLMStringSimilarity())
        if not metrics:
            continue
        dataset = EvaluationDataset(
            samples=[
                SingleTurnSample(
                    user_input=samples[i].get("user_input") or "-",
                    **{k: samples[i][k] for k in keys if k != "user_input"},
                )
                for i in indexes
            ]
        )
        result = evaluate(dataset, metrics=metrics, show_progress=False, raise_exceptions=True)
        frame = result.to_pandas()  # type: ignore[union-attr]
        names = [m.name for m in metrics]
        for row, index in enumerate(indexes):
            results[index] = {name: float(frame.iloc[row][name]) for name in names}
    return results


def ragas_judge(
    samples: Sequence[Mapping[str, Any]], judge_url: str, model: str, api_key: str = "none"
) -> list[dict[str, float]]:
    """Faithfulness, response relevancy and factual correctness with an LLM judge (OpenAI-compatible).

    ``llm_factory`` over an explicit ``AsyncOpenAI`` client (RAGAS would otherwise build its own
    OpenAI client silently), collections metrics scored with ``ascore``. A sample the judge
    cannot score gets no value rather than a made-up one.
    """
    import asyncio

    from openai import AsyncOpenAI
    from ragas.embeddings import OpenAIEmbeddings
    from ragas.llms import llm_factory
    from ragas.metrics.collections import AnswerRelevancy, FactualCorrectness, Faithfulness

    client = AsyncOpenAI(base_url=judge_url, api_key=api_key)
    llm = llm_factory(model, client=client)
    embeddings = OpenAIEmbeddings(client=client, model=os.environ.get("COPYDESK_JUDGE_EMBEDDINGS_MODEL", model))
    faithfulness, relevancy, correctness = (
        Faithfulness(llm=llm),
        AnswerRelevancy(llm=llm, embeddings=embeddings),
        FactualCorrectness(llm=llm),
    )

    async def score(sample: Mapping[str, Any]) -> dict[str, float]:
        out: dict[str, float] = {}
        calls = {
            "faithfulness": lambda: faithfulness.ascore(
                user_input=sample["user_input"],
                response=sample["response"],
                retrieved_contexts=sample.get("retrieved_contexts") or [],
            ),
            "answer_relevancy": lambda: relevancy.ascore(user_input=sample["user_input"], response=sample["response"]),
        }
        if sample.get("reference"):
            calls["factual_correctness"] = lambda: correctness.ascore(
                response=sample["response"], reference=sample["reference"]
            )
        for name, call in calls.items():
            try:
                result = await call()
                out[name] = float(getattr(result, "value", result))
            except Exception:
                continue
        return out

    async def run_all() -> list[dict[str, float]]:
        return [await score(s) for s in samples]

    return asyncio.run(run_all())
