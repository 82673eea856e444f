"""What the editor changed: the current draft against the model's, word by word per field.

The model's draft is read from the run's checkpoint history (:func:`model_draft`): the
draft as it stood after the guard stage that followed the latest ``write_draft``, i.e.
after personal data was replaced, so the diff never shows anything in clear that the
page itself would not.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.desk_view import draft_fields, field_kind

_TOKEN = re.compile(r"\s+|\d+(?:[.,]\d+)*|\w+|[^\w\s]")


@dataclass
class FieldDiff:
    key: str
    kind: str
    section: int | None
    ops: list[tuple[str, str]]  # ("same" | "del" | "ins", text)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def field_ops(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level operations turning ``old`` into ``new``; neighbouring runs of one kind merged."""
    a, b = _tokens(old), _tokens(new)
    ops: list[tuple[str, str]] = []

    def add(kind: str, text: str) -> None:
        if not text:
            return
        if ops and ops[-1][0] == kind:
            ops[-1] = (kind, ops[-1][1] + text)
        else:
            ops.append((kind, text))

    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            add("same", "".join(a[i1:i2]))
        else:
            add("del", "".join(a[i1:i2]))
            add("ins", "".join(b[j1:j2]))
    return ops


def draft_diff(model: Mapping[str, Any] | None, current: Mapping[str, Any] | None) -> list[FieldDiff]:
    """Changed fields only, in reading order (empty when the editor changed nothing)."""
    if not model or not current:
        return []
    old = dict(draft_fields(model))
    out = []
    for key, text in draft_fields(current):
        before = old.get(key, "")
        if before == text:
            continue
        kind, section = field_kind(key)
        out.append(FieldDiff(key, kind, section, field_ops(before, text)))
    return out


def model_draft(graph: Any, run_id: str) -> dict[str, Any] | None:
    """The latest draft the model wrote (after its guard pass), from the run's checkpoint history.

    Walks the history oldest first: a ``guard`` step reached from ``write_draft`` starts a
    model draft, one reached from ``review`` starts an editor's; the state after that
    ``guard`` step (the PII scrub; the fact-check follows it) holds the draft as the editor saw it.
    """
    config = {"configurable": {"thread_id": run_id}}
    history = list(graph.get_state_history(config))
    history.reverse()
    found: dict[str, Any] | None = None
    producer: str | None = None
    previous_next: tuple[str, ...] = ()
    for snapshot in history:
        upcoming = tuple(snapshot.next or ())
        if "guard" in upcoming:
            producer = (
                "model" if "write_draft" in previous_next else "editor" if "review" in previous_next else producer
            )
        if "guard" in previous_next and producer == "model" and snapshot.values.get("draft"):
            found = dict(snapshot.values["draft"])
        previous_next = upcoming
    return found
