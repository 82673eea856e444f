"""The shape of a draft and of each channel's limits.

The drafting model fills :class:`DraftContent` through structured output; the
renderer, the guards and the editor all read the same object. Claims cite short
source labels (``S1``, ``S2``...) that the graph maps back to chunk ids: small models
copy a two-character label reliably, a 30-character chunk id much less so.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel, Field

# Which channels exist, and their names and limits, is :mod:`tools.channels` (read from the
# drafting prompts); this module only holds the shapes, so it imports nothing of copydesk.


class DraftSection(BaseModel):
    heading: str = Field(description="Section heading.")
    body: str = Field(description="Section text; cite sources inline as [S1].")


class DraftClaim(BaseModel):
    text: str = Field(description="One checkable factual statement made in the draft.")
    sources: list[str] = Field(description="Labels of the sources that support it, e.g. ['S1'].")


class DraftContent(BaseModel):
    """What the model writes for any channel (channels differ in limits, not in shape)."""

    title: str
    meta_description: str
    sections: list[DraftSection]
    claims: list[DraftClaim]

    def published_fields(self) -> list[tuple[str, str]]:
        """Every field a reader sees, as ``(field path, text)``: what the sentence fact-check covers.

        Field paths are the contract-1 names (``title``, ``meta_description``,
        ``sections[0].heading``, ``sections[0].body``).
        """
        fields = [("title", self.title), ("meta_description", self.meta_description)]
        for index, section in enumerate(self.sections):
            fields += [(f"sections[{index}].heading", section.heading), (f"sections[{index}].body", section.body)]
        return [(name, text) for name, text in fields if text and text.strip()]

    def full_text(self) -> str:
        """Everything a reader sees, as plain text (what the guards and PII scrubber check)."""
        parts = [self.title, self.meta_description]
        for section in self.sections:
            parts += [section.heading, section.body]
        return "\n\n".join(p for p in parts if p)


class ChannelLimits(BaseModel):
    """Output limits per channel; they come from the channel's prompt file front matter
    (:attr:`tools.channels.ChannelSpec.limits`)."""

    title_max_chars: int = 70
    meta_description_max_chars: int = 160
    min_sections: int = 1
    max_sections: int = 4
    section_max_chars: int = 900
    max_claims: int = 5
    max_words: int = 600
    max_tokens: int = 700
    max_exclamations: int = 1


def token_allowance(limits: ChannelLimits) -> int:
    """Tokens needed for the longest answer the schema allows (grammar-constrained JSON runs at about
    two characters a token, measured with SmolLM2 on llama.cpp), plus room for JSON syntax.

    A reply cut off at ``max_tokens`` is invalid JSON, so the allowance must cover
    the schema's worst case, whatever the prompt file says.
    """
    longest = (
        limits.title_max_chars
        + limits.meta_description_max_chars
        + limits.max_sections * (80 + limits.section_max_chars)
        + limits.max_claims * (160 + 20)
    )
    return max(limits.max_tokens, longest // 2 + 100)


def draft_json_schema(limits: ChannelLimits, source_labels: list[str]) -> dict[str, Any]:
    """The wire schema for the drafting call: lengths bounded, citations restricted to real labels.

    Bounding every string keeps a small model from running on forever; the ``enum``
    makes a citation to a non-existent source impossible under constrained decoding.
    """
    labels = source_labels or ["S1"]
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "title": {"type": "string", "minLength": 5, "maxLength": limits.title_max_chars},
            "meta_description": {
                "type": "string",
                "minLength": 20,
                "maxLength": limits.meta_description_max_chars,
            },
            "sections": {
                "type": "array",
                "minItems": limits.min_sections,
                "maxItems": limits.max_sections,
                "items": {
                    "type": "object",
                    "properties": {
                        "heading": {"type": "string", "minLength": 2, "maxLength": 80},
                        "body": {"type": "string", "minLength": 20, "maxLength": limits.section_max_chars},
                    },
                    "required": ["heading", "body"],
                    "additionalProperties": False,
                },
            },
            "claims": {
                "type": "array",
                "minItems": 1,
                "maxItems": limits.max_claims,
                "items": {
                    "type": "object",
                    "properties": {
                        "text": {"type": "string", "minLength": 10, "maxLength": 160},
                        "sources": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": 3,
                            "items": {"type": "string", "enum": labels},
                        },
                    },
                    "required": ["text", "sources"],
                    "additionalProperties": False,
                },
            },
        },
        "required": ["title", "meta_description", "sections", "claims"],
        "additionalProperties": False,
    }
    return copy.deepcopy(schema)
