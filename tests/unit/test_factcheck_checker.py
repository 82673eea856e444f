"""Every verdict path of the fact-checker: cited support, contradiction, not found, corpus fallback, LLM judge."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from prompts import load_prompt
from tools.factcheck import (
    Claim,
    ContradictionRules,
    FactChecker,
    LexicalEntailer,
    LLMEntailer,
    make_judge,
)
from tools.factcheck.llm import parse_judgement
from tools.models import Chunk

SOURCE = Chunk(
    id="kettle#0",
    document_id="kettle",
    ordinal=0,
    language="de",
    title="Wasserkocher Brühmeister BK-17",
    text="Der Brühmeister BK-17 fasst 1,7 Liter. Er kostet 49,99 € und ist aus Edelstahl. "
    "Der Kocher ist spülmaschinenfest.",
)
OTHER = Chunk(
    id="toaster#0",
    document_id="toaster",
    ordinal=0,
    language="de",
    text="Der Röstmeister RT-2 hat 6 Bräunungsstufen und kostet 39,99 €.",
)
CHUNKS = {c.id: c for c in (SOURCE, OTHER)}


def check(text: str, ids: list[str], **kwargs: Any) -> Any:
    checker = kwargs.pop("checker", None) or FactChecker()
    return checker.check([Claim(text=text, chunk_ids=ids)], CHUNKS, language="de", **kwargs)[0]


def test_supported_by_cited_chunk_with_exact_span() -> None:
    verdict = check("Der BK-17 kostet 49,99 €.", ["kettle#0"])
    assert verdict.verdict == "supported"
    span = verdict.evidence[0]
    assert span.chunk_id == "kettle#0" and span.cited
    assert SOURCE.text[span.start : span.end] == span.text == "Er kostet 49,99 € und ist aus Edelstahl."
    assert verdict.score >= 0.55


def test_contradicted_price_names_both_values() -> None:
    verdict = check("Der BK-17 kostet 59,99 €.", ["kettle#0"])
    assert verdict.verdict == "contradicted"
    assert verdict.reason == "price 59,99 € not in cited source; source says 49,99 €"
    assert verdict.evidence[0].text.startswith("Er kostet 49,99 €")


def test_contradicted_material_attribute() -> None:
    verdict = check("Der BK-17 ist aus Kunststoff.", ["kettle#0"])
    assert verdict.verdict == "contradicted"
    assert "material 'kunststoff' not in cited source; source says 'edelstahl'" in verdict.reason


def test_contradicted_by_negation() -> None:
    verdict = check("Der Kocher ist nicht spülmaschinenfest.", ["kettle#0"])
    assert verdict.verdict == "contradicted"
    assert "negates" in verdict.reason


def test_not_found_when_number_has_no_counterpart() -> None:
    verdict = check("Der BK-17 hat 3 Temperaturstufen.", ["kettle#0"])
    assert verdict.verdict == "not_found"
    assert "number 3 not in cited source" in verdict.reason


def test_not_found_when_nothing_states_the_claim() -> None:
    verdict = check("Der Wasserkocher wurde in Italien entworfen.", ["kettle#0"])
    assert verdict.verdict == "not_found"
    assert "no sentence states the claim" in verdict.reason
    assert verdict.score < 0.55


def test_falls_back_to_corpus_search_and_asks_for_the_right_citation() -> None:
    queries: list[str] = []

    def search(query: str) -> list[Chunk]:
        queries.append(query)
        return [SOURCE, OTHER]

    verdict = check("Der RT-2 hat 6 Bräunungsstufen.", ["kettle#0"], search=search)
    assert queries == ["Der RT-2 hat 6 Bräunungsstufen."]
    assert verdict.verdict == "supported"
    assert "supported by uncited toaster#0" in verdict.reason
    assert [s.chunk_id for s in verdict.evidence] == ["toaster#0"]
    assert not verdict.evidence[0].cited


def test_corpus_search_that_does_not_help_stays_not_found() -> None:
    verdict = check("Der BK-17 hat 3 Temperaturstufen.", ["kettle#0"], search=lambda q: [OTHER])
    assert verdict.verdict == "not_found"
    assert "approved corpus" in verdict.reason


def test_unknown_citation_without_search() -> None:
    verdict = check("Der BK-17 kostet 49,99 €.", ["missing#3"])
    assert verdict.verdict == "not_found"
    assert "missing#3 unknown" in verdict.reason
    assert verdict.evidence == []


def test_unknown_citation_rescued_by_search() -> None:
    verdict = check("Der BK-17 kostet 49,99 €.", ["missing#3"], search=lambda q: [SOURCE])
    assert verdict.verdict == "supported"
    assert "missing#3 unknown" in verdict.reason


def test_rules_can_be_switched_off() -> None:
    lenient = FactChecker(contradiction_rules=ContradictionRules(prices=False, numbers=False))
    assert check("Der BK-17 kostet 59,99 €.", ["kettle#0"], checker=lenient).verdict == "supported"


class _AxisEmbedder:
    """Texts mentioning 'Edelstahl'/'stainless' map to one axis, everything else to another."""

    name = "axis"

    def _vec(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        rows = [[1.0, 0.0] if ("Edelstahl" in t or "stainless" in t) else [0.0, 1.0] for t in texts]
        return np.asarray(rows, dtype=np.float32)

    def embed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return self._vec(texts)

    def embed_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return self._vec(texts)


def test_embedder_cosine_lets_a_translation_pass() -> None:
    claim = "The kettle body is stainless."
    lexical = FactChecker()
    assert check(claim, ["kettle#0"], checker=lexical).verdict == "not_found"
    semantic = FactChecker(entailer=LexicalEntailer(embedder=_AxisEmbedder(), lexical_weight=0.3))
    verdict = semantic.check([Claim(text=claim, chunk_ids=["kettle#0"])], CHUNKS, language="en")[0]
    assert verdict.verdict == "supported"
    assert "Edelstahl" in verdict.evidence[0].text


def _judge(answer: dict[str, Any], seen: list[tuple[str, list[str]]]) -> Any:
    def judge(claim: str, evidence: list[str]) -> dict[str, Any]:
        seen.append((claim, evidence))
        return answer

    return judge


def test_llm_entailer_supported_uses_judge_evidence_and_reason() -> None:
    seen: list[tuple[str, list[str]]] = []
    answer = {"verdict": "supported", "evidence": [2], "reason": "Edelstahl = stainless steel", "confidence": 0.9}
    checker = FactChecker(entailer=LLMEntailer(_judge(answer, seen), top_k=3))
    verdict = check("Der Kocher ist aus rostfreiem Stahl.", ["kettle#0"], checker=checker)
    assert verdict.verdict == "supported"
    assert verdict.reason == "Edelstahl = stainless steel"
    assert verdict.score == 0.9
    assert seen and len(seen[0][1]) == 3
    assert verdict.evidence[0].text == seen[0][1][1]


def test_llm_judge_cannot_override_an_exact_price_mismatch() -> None:
    answer = {"verdict": "supported", "evidence": [1], "reason": "close enough", "confidence": 1.0}
    checker = FactChecker(entailer=LLMEntailer(_judge(answer, [])))
    verdict = check("Der BK-17 kostet 59,99 €.", ["kettle#0"], checker=checker)
    assert verdict.verdict == "contradicted"
    assert "source says 49,99 €" in verdict.reason


def test_llm_contradiction_and_failures_fall_back_safely() -> None:
    contra = {"verdict": "contradicted", "evidence": [1], "reason": "source says dishwasher-safe"}
    checker = FactChecker(entailer=LLMEntailer(_judge(contra, [])))
    assert check("Der Kocher ist nur von Hand zu spülen.", ["kettle#0"], checker=checker).verdict == "contradicted"

    def broken(claim: str, evidence: list[str]) -> dict[str, Any]:
        raise TimeoutError("endpoint down")

    verdict = check("Der Wasserkocher wurde in Italien entworfen.", ["kettle#0"], checker=FactChecker(
        entailer=LLMEntailer(broken)))  # fmt: skip
    assert verdict.verdict == "not_found"
    assert "LLM judge failed: endpoint down" in verdict.reason
    garbage = FactChecker(entailer=LLMEntailer(_judge({"verdict": "maybe"}, [])))
    assert check("Der Wasserkocher wurde in Italien entworfen.", ["kettle#0"], checker=garbage).verdict == "not_found"


def test_make_judge_renders_the_versioned_prompt_and_parses_json() -> None:
    sent: list[list[dict[str, str]]] = []

    def complete(messages: list[dict[str, str]]) -> str:
        sent.append(messages)
        return 'Sure: {"verdict": "not_found", "evidence": [], "reason": "no colour stated", "confidence": 0.2}'

    judge = make_judge(complete)
    assert judge("Der Kocher ist rot.", ["Er kostet 49,99 €."])["reason"] == "no colour stated"
    roles = [m["role"] for m in sent[0]]
    assert roles == ["system", "user"]
    assert "CLAIM: Der Kocher ist rot." in sent[0][1]["content"]
    assert "[1] Er kostet 49,99 €." in sent[0][1]["content"]
    assert load_prompt("factcheck/entailment").version == 1
    assert parse_judgement("no json here") == {}
