"""Screen a loaded document for instructions to the model in every field that can reach a prompt.

The drafting prompt shows a source's title, its heading path and its text; catalogue
fields at any depth are flattened into the text, and metadata values end up in
guideline files and titles. An instruction in any of them is reported at ingest (the
report names the file and the field), and the run-time check in ``select_sources``
sets such a source aside with the reason, for the editor to see. Nothing is dropped
silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tools.ingest import safety
from tools.models import Document

_HEADING = re.compile(r"(?m)^#{1,6}[ \t]+(.+)$")


def _strings(value: Any, path: str, depth: int = 0) -> Iterator[tuple[str, str]]:
    if depth > safety.MAX_METADATA_DEPTH:
        return
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]", depth + 1)


def screen_document(document: Document) -> bool:
    """Warn (via :func:`safety.warn`) for each field carrying instructions; True when any does.

    Title, headings and text are what a run shows the model, so a run sets such a source
    aside; other metadata never reaches the drafting prompt (guideline reasons that reach
    the revise prompt are neutralised there), so the warning says only where it is.
    """
    flagged = safety.warn_injection("title", document.title)
    for match in _HEADING.finditer(document.body):
        flagged |= safety.warn_injection(f"heading {match.group(1)[:40]!r}", match.group(1))
    flagged |= safety.warn_injection("text", document.body)
    in_metadata = False
    for path, text in _strings(document.extra, ""):
        in_metadata |= safety.warn_injection(f"metadata field {path!r}", text)
    if flagged:
        safety.warn(f"{document.id}: a run will set this source aside (quarantine) and tell the editor why")
    return flagged or in_metadata
