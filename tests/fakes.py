"""Test doubles for the edges: a scripted chat model and a hashing embedder.

Everything else in graph tests is real (store, fact-checker, Presidio, guards).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from serving.structured import StructuredOutputError

T = TypeVar("T", bound=BaseModel)


class HashingEmbedder:
    """Bag-of-words vectors via the hashing trick: deterministic, instant, similar texts are close."""

    name = "hashing-64"

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim

    def _embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                bucket = int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim
                out[row, bucket] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms

    def embed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return self._embed(texts)

    def embed_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return self._embed(texts)


class ScriptedLLM:
    """A StructuredLLM that returns scripted answers per task and records every call.

    A scripted item may be a dict (validated into the schema), an exception to raise,
    or a callable taking the messages and returning a dict.
    """

    def __init__(self, script: Mapping[str, Sequence[Any]]) -> None:
        self.script = {task: list(items) for task, items in script.items()}
        self.calls: list[dict[str, Any]] = []

    def generate(
        self,
        task: str,
        messages: Sequence[Mapping[str, str]],
        schema: type[T],
        *,
        json_schema: dict[str, Any] | None = None,
        check: Callable[[T], None] | None = None,
        max_tokens: int = 512,
    ) -> T:
        self.calls.append({"task": task, "messages": [dict(m) for m in messages], "json_schema": json_schema})
        # A redraft is task "revise"; scripts that only say "draft" answer both, in order.
        queue = self.script.get(task) or (self.script.get("draft") if task == "revise" else None) or []
        if not queue:
            raise StructuredOutputError(f"{task}: script exhausted", [])
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        data = item(messages) if callable(item) else item
        value = schema.model_validate(data)
        if check is not None:
            check(value)
        return value

    def prompts_for(self, task: str) -> list[str]:
        return [
            "\n".join(m["content"] for m in call["messages"])
            for call in self.calls
            if call["task"] == task or (task == "draft" and call["task"] == "revise")
        ]  # every drafting call
