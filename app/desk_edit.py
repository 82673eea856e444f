"""An editor's in-place edit becomes a complete draft again, with its claims and citations kept.

The editor changes title, meta description, headings and bodies; the claim list is
what the fact-checker checks, so each claim follows the sentence that states it: the
sentence's new wording becomes the claim's text, its sources stay (plus any ``[S1]``
the editor wrote into it). A claim whose sentence the editor deleted is dropped: it
no longer appears in the piece. Claims not tied to any sentence are kept as they were.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.desk_view import CITATION, assign_claims, draft_fields, sentence_spans, strip_citations

MAX_FIELD_CHARS = 20_000
SAME_SENTENCE = 0.5


class EditError(ValueError):
    """An edit that cannot become a draft; ``key`` names the catalogue message for the editor."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True)
class _Located:
    field: str
    index: int
    text: str


def _sentences_by_field(draft: Mapping[str, Any]) -> list[_Located]:
    out: list[_Located] = []
    for key, text in draft_fields(draft):
        out.extend(_Located(key, i, text[a:b]) for i, (a, b) in enumerate(sentence_spans(text)))
    return out


def _follow(old: _Located, new_by_field: Mapping[str, list[str]], old_count: Mapping[str, int]) -> str | None:
    """The new wording of an old sentence: same position when the count held, else the most similar one."""
    candidates = new_by_field.get(old.field) or []
    if not candidates:
        return None
    if len(candidates) == old_count.get(old.field) and old.index < len(candidates):
        return candidates[old.index]
    scored = [
        (difflib.SequenceMatcher(None, strip_citations(old.text), strip_citations(c)).ratio(), i)
        for i, c in enumerate(candidates)
    ]
    score, best = max(scored)
    return candidates[best] if score >= SAME_SENTENCE else None


def carry_claims(old_draft: Mapping[str, Any], new_draft: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The old draft's claims rewritten to the new draft's sentences (see the module docstring)."""
    claims = [dict(c) for c in old_draft.get("claims") or []]
    old_sentences = _sentences_by_field(old_draft)
    assignment = assign_claims(
        [str(c.get("text") or "") for c in claims],
        [s.text for s in old_sentences],
        [s.field.endswith(".body") for s in old_sentences],
    )
    new_by_field: dict[str, list[str]] = {}
    for located in _sentences_by_field(new_draft):
        new_by_field.setdefault(located.field, []).append(located.text)
    old_count: dict[str, int] = {}
    for located in old_sentences:
        old_count[located.field] = old_count.get(located.field, 0) + 1

    out: list[dict[str, Any]] = []
    for index, claim in enumerate(claims):
        sources = [str(s) for s in claim.get("sources") or []]
        if index not in assignment:
            out.append({"text": str(claim.get("text") or ""), "sources": sources})
            continue
        old = old_sentences[assignment[index]]
        new = _follow(old, new_by_field, old_count)
        if new is None:
            continue
        if strip_citations(new) == strip_citations(old.text):
            text = str(claim.get("text") or "")  # unchanged sentence: the claim stays word for word
        else:
            text = strip_citations(new)
        inline = [m.group(1) for m in CITATION.finditer(new)]
        out.append({"text": text, "sources": list(dict.fromkeys([*sources, *inline]))})
    return out


def _clean(value: Any) -> str:
    text = str(value or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_FIELD_CHARS:
        raise EditError("edit.too_long", limit=MAX_FIELD_CHARS)
    return text


def draft_from_form(
    old_draft: Mapping[str, Any], form: Mapping[str, Any], explicit_claims: Sequence[Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """The edited draft from the in-place form (``title``, ``meta_description``, ``heading_N``, ``body_N``).

    The number of sections is the old draft's: a section can be emptied, not added by this form.
    """
    sections = list(old_draft.get("sections") or [])
    if "title" not in form:
        raise EditError("edit.malformed")
    new: dict[str, Any] = {
        "title": _clean(form.get("title")),
        "meta_description": _clean(form.get("meta_description", old_draft.get("meta_description"))),
        "sections": [
            {
                "heading": _clean(form.get(f"heading_{i}", section.get("heading"))),
                "body": _clean(form.get(f"body_{i}", section.get("body"))),
            }
            for i, section in enumerate(sections)
        ],
    }
    if explicit_claims is not None:
        new["claims"] = [dict(c) for c in explicit_claims]
    else:
        new["claims"] = carry_claims(old_draft, new)
    return new
