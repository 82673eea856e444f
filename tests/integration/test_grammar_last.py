"""Grammar-last sampling (serving.llama_server) on the real embedded SmolLM2.

Greedy decoding must give exactly the text the library's grammar-first chain gives, and
the answer must still satisfy the schema; at a temperature above 0 the answer must still
parse and fit the schema (the grammar is what makes it valid, not luck).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

llama_cpp = pytest.importorskip("llama_cpp")

from serving.client import response_format_for  # noqa: E402
from serving.embedded import smollm2_gguf_path  # noqa: E402
from serving.llama_server import GrammarLastSampler, install  # noqa: E402

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "minLength": 5, "maxLength": 40},
        "sources": {"type": "array", "minItems": 1, "maxItems": 2, "items": {"type": "string", "enum": ["S1", "S2"]}},
    },
    "required": ["title", "sources"],
    "additionalProperties": False,
}
MESSAGES = [
    {"role": "system", "content": "Answer with JSON only."},
    {"role": "user", "content": "[S1] The Lumora Thermo 200 costs EUR 59.90.\nWrite a title citing S1."},
]


@pytest.fixture(scope="module")
def llm() -> Iterator[Any]:
    model = llama_cpp.Llama(model_path=str(smollm2_gguf_path()), n_ctx=1024, n_threads=1, verbose=False, seed=3)
    yield model
    model.close()


def _answer(llm: Any, temperature: float) -> str:
    out = llm.create_chat_completion(
        messages=MESSAGES,
        response_format=response_format_for("json_object", "t", SCHEMA),
        temperature=temperature,
        max_tokens=80,
        seed=3,
    )
    return str(out["choices"][0]["message"]["content"])


def _fits(text: str) -> None:
    data = json.loads(text)
    assert set(data) == {"title", "sources"}
    assert 5 <= len(data["title"]) <= 40
    assert 1 <= len(data["sources"]) <= 2 and set(data["sources"]) <= {"S1", "S2"}


def test_greedy_grammar_last_equals_grammar_first_and_fits_the_schema(llm: Any) -> None:
    stock = llama_cpp.Llama._init_sampler
    first = _answer(llm, 0.0)
    install()
    try:
        sampler = llm._init_sampler(temp=0.0, grammar=llama_cpp.LlamaGrammar.from_json_schema(json.dumps(SCHEMA)))
        assert isinstance(sampler, GrammarLastSampler)
        last = _answer(llm, 0.0)
    finally:
        llama_cpp.Llama._init_sampler = stock
        llama_cpp.Llama._copydesk_grammar_last = False
    assert last == first
    _fits(last)


def test_sampled_grammar_last_answers_still_fit_the_schema(llm: Any) -> None:
    stock = llama_cpp.Llama._init_sampler
    install()
    try:
        for _ in range(3):
            _fits(_answer(llm, 0.9))
    finally:
        llama_cpp.Llama._init_sampler = stock
        llama_cpp.Llama._copydesk_grammar_last = False
