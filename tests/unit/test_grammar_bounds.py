"""llama.cpp gets the draft schema without its long string bounds; vLLM gets it whole."""

from __future__ import annotations

from serving.client import LLAMA_CPP_MAX_STRING_BOUND, response_format_for
from tools.channels import channel_spec, known_channels
from tools.content import draft_json_schema


def _bounds(schema: object, path: str = "") -> dict[str, int]:
    found: dict[str, int] = {}
    if isinstance(schema, dict):
        if "maxLength" in schema:
            found[path] = schema["maxLength"]
        for key, value in schema.items():
            found |= _bounds(value, f"{path}/{key}")
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            found |= _bounds(value, f"{path}/{index}")
    return found


def test_long_bounds_are_dropped_for_llama_cpp_only() -> None:
    long_somewhere = False
    for channel in known_channels():
        limits = channel_spec(channel).limits
        schema = draft_json_schema(limits, ["S1", "S2"])
        original = _bounds(schema)
        long_somewhere |= any(v > LLAMA_CPP_MAX_STRING_BOUND for v in original.values())
        llama = _bounds(response_format_for("json_object", "DraftContent", schema)["schema"])
        assert llama == {p: v for p, v in original.items() if v <= LLAMA_CPP_MAX_STRING_BOUND}
        assert any("title" in p for p in llama), "short bounds (the title) stay"
        vllm = response_format_for("json_schema", "DraftContent", schema)["json_schema"]["schema"]
        assert _bounds(vllm) == original and vllm is schema
        assert _bounds(schema) == original, "the caller's schema is not changed"
    assert long_somewhere, "some channel's section body is bounded above the limit"
