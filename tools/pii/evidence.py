"""Scrub personal data from fact-check records before they are stored, shown or published.

A verdict quotes its evidence: the sentence of an approved chunk that supports or
contradicts a claim ("... says Margaret Thompson from Leeds"). Chunks in the index are
the company's documents as written, so that quote is personal data in clear unless it
is scrubbed on the way out. Every verdict and sentence record passes through
:func:`scrub_evidence` before it reaches state (and so the checkpoint), the API, the
editor page and the published ``draft.json``.

Which strings are scrubbed: every string under a key in :data:`TEXT_KEYS` at any depth
(``text``, ``reason``, ``claim``, ``quote``, ``excerpt``, and the source's ``title`` and
``heading``: a document title can name a person too), which covers the current verdict shape
(``claim.text``, ``evidence[*].text``, ``reason``) and the sentence shape (``text``, ``reason``,
``evidence.text``, ``evidence.title``). Ids, labels, offsets and scores are left
alone; offsets into a scrubbed quote refer to the original chunk, which the editor
re-reads through the store, not to the quote.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from tools.pii.models import PseudonymMap
from tools.pii.scrubber import PiiScrubber

TEXT_KEYS = frozenset({"text", "reason", "claim", "quote", "excerpt", "sentence", "title", "heading"})


def scrub_evidence(
    record: Any,
    scrubber: PiiScrubber,
    language: str,
    pseudonyms: PseudonymMap,
    allow: Iterable[str] = (),
) -> Any:
    """A copy of ``record`` (dict/list, any depth) with every quoted text scrubbed.

    ``pseudonyms`` is the run's map, so a person scrubbed from a source as ``<PERSON_1>``
    is ``<PERSON_1>`` in the evidence too.
    """
    allowed = tuple(allow)
    cache: dict[str, str] = {}

    def scrub(text: str) -> str:
        if text not in cache:
            cache[text] = scrubber.scrub(text, language, pseudonyms, allow=allowed).text if text.strip() else text
        return cache[text]

    def walk(value: Any, key: str | None) -> Any:
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, key) for v in value]
        if isinstance(value, str) and key in TEXT_KEYS:
            return scrub(value)
        return value

    return walk(record, None)


_NUMBERED = re.compile(r"<([A-Z][A-Z_]*?)_\d+>")


def scrub_decision(
    decision: dict[str, Any], scrubber: PiiScrubber, language: str, allow: Iterable[str] = ()
) -> dict[str, Any]:
    """An editor's decision with personal data removed from its feedback and edited draft.

    The decision is the graph's resume value, which LangGraph writes to the checkpoint
    as is, so it must be clean before the graph sees it. Replacements are unnumbered
    (``<PERSON>``): the run's numbered pseudonyms are assigned by the graph's own nodes.
    """
    allowed = tuple(allow)

    def clean(text: str) -> str:
        if not text.strip():
            return text
        return _NUMBERED.sub(r"<\1>", scrubber.scrub(text, language, PseudonymMap(), allow=allowed).text)

    out = dict(decision)
    if isinstance(out.get("feedback"), str):
        out["feedback"] = clean(out["feedback"])
    draft = out.get("draft")
    if isinstance(draft, dict):
        draft = dict(draft)
        for key in ("title", "meta_description"):
            if isinstance(draft.get(key), str):
                draft[key] = clean(draft[key])
        draft["sections"] = [
            {**s, **{k: clean(s[k]) for k in ("heading", "body") if isinstance(s.get(k), str)}}
            for s in draft.get("sections") or []
            if isinstance(s, dict)
        ]
        draft["claims"] = [
            {**c, "text": clean(c["text"])} if isinstance(c, dict) and isinstance(c.get("text"), str) else c
            for c in draft.get("claims") or []
        ]
        out["draft"] = draft
    return out
