"""Versioned prompt files and the loader that renders them.

Prompts live next to this module as ``<group>/<name>.v<N>.md`` (or ``<name>.v<N>.md``):
YAML front matter (``version``, ``description`` and per-prompt settings such as
output limits) followed by a Jinja2 body. A body may be split into chat roles with
lines ``=== system ===`` and ``=== user ===``; without them the whole body is one
user message. The newest version is used unless a version is pinned, and the
version used is recorded in every run so a draft can be traced to its prompt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import yaml

PROMPTS_DIR = Path(__file__).resolve().parent
_FILE_RE = re.compile(r"^(?P<name>.+)\.v(?P<version>\d+)\.md$")
_ROLE_RE = re.compile(r"^=== (system|user|assistant) ===\s*$", re.MULTILINE)
_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False, autoescape=False)


class PromptNotFoundError(LookupError):
    """No prompt file with that name (and version)."""


@dataclass(frozen=True)
class PromptTemplate:
    """One prompt file: metadata plus a Jinja2 body."""

    name: str
    version: int
    metadata: dict[str, Any] = field(default_factory=dict)
    body: str = ""

    @property
    def ref(self) -> str:
        """``name@vN``: how runs record which prompt they used."""
        return f"{self.name}@v{self.version}"

    def render_text(self, **variables: Any) -> str:
        """The whole body rendered as one string."""
        return _ENV.from_string(self.body).render(**variables).strip()

    def render_messages(self, **variables: Any) -> list[dict[str, str]]:
        """The body rendered into chat messages, split at ``=== role ===`` lines."""
        rendered = self.render_text(**variables)
        parts = _ROLE_RE.split(rendered)
        if len(parts) == 1:
            return [{"role": "user", "content": rendered}]
        messages = []
        for role, content in zip(parts[1::2], parts[2::2], strict=True):
            if content.strip():
                messages.append({"role": role, "content": content.strip()})
        return messages


def available_prompts() -> dict[str, list[int]]:
    """Every prompt name with its versions, oldest first."""
    found: dict[str, list[int]] = {}
    for path in PROMPTS_DIR.rglob("*.md"):
        match = _FILE_RE.match(path.name)
        if not match:
            continue
        relative = path.parent.relative_to(PROMPTS_DIR)
        name = match["name"] if str(relative) == "." else f"{relative.as_posix()}/{match['name']}"
        found.setdefault(name, []).append(int(match["version"]))
    return {name: sorted(versions) for name, versions in sorted(found.items())}


@lru_cache(maxsize=128)
def load_prompt(name: str, version: int | str | None = None) -> PromptTemplate:
    """Load ``name`` (e.g. ``"draft/seo_article"``) at ``version`` or the newest one."""
    versions = available_prompts().get(name)
    if not versions:
        raise PromptNotFoundError(f"no prompt named {name!r} in {PROMPTS_DIR}")
    chosen = int(str(version).lstrip("v")) if version is not None else versions[-1]
    if chosen not in versions:
        raise PromptNotFoundError(f"prompt {name!r} has versions {versions}, not {chosen}")
    path = PROMPTS_DIR / f"{name}.v{chosen}.md"
    text = path.read_text(encoding="utf-8")
    metadata: dict[str, Any] = {}
    body = text
    if text.startswith("---\n"):
        _, front, body = text.split("---\n", 2)
        metadata = yaml.safe_load(front) or {}
    return PromptTemplate(name=name, version=chosen, metadata=metadata, body=body)
