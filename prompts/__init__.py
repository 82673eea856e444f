"""Versioned prompt files, the loader that renders them, and the registry that pins them.

Prompts live next to this module as ``<group>/<name>.v<N>.md`` (or ``<name>.v<N>.md``):
YAML front matter (``version``, ``description``, ``role`` — the model task the prompt is
routed to —, ``output_schema`` — the structured-output model, as ``module:Class`` — and
per-prompt settings such as output limits) followed by a Jinja2 body. A body may be split
into chat roles with lines ``=== system ===`` and ``=== user ===``; without them the whole
body is one user message. Bodies may ``{% extends %}`` or ``{% include %}`` shared parts
(``*.j2`` files, e.g. ``draft/_base.v2.j2``); the content hash covers them too.

Why a hash and a lock file: a run records ``name@vN`` and the hash of what it rendered.
``prompts.lock.json`` pins every version's hash, and a test fails when a prompt's text
changes without a new version file, so ``name@vN`` always means one exact text. Old
versions stay loadable: a run or an audit entry pointing at ``v1`` can be reproduced.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
import yaml

PROMPTS_DIR = Path(__file__).resolve().parent
LOCK_FILE = "prompts.lock.json"
_FILE_RE = re.compile(r"^(?P<name>.+)\.v(?P<version>\d+)\.md$")
_ROLE_RE = re.compile(r"^=== (system|user|assistant) ===\s*$", re.MULTILINE)
# Defaults for files written before ``role``/``output_schema`` were front-matter keys
# (their text is pinned, so the defaults live here instead of in the files).
_GROUP_DEFAULTS: dict[str, dict[str, str]] = {
    "draft": {"role": "draft", "output_schema": "tools.content:DraftContent"},
    "rewrite": {"role": "rewrite", "output_schema": "graphs.draft.nodes.retrieval:QueryPlan"},
    "factcheck": {"role": "judge", "output_schema": "json: verdict, evidence, reason, confidence"},
}


class PromptNotFoundError(LookupError):
    """No prompt file with that name (and version)."""


def _environment(root: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        autoescape=False,
    )


def _split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    if text.startswith("---\n"):
        _, front, body = text.split("---\n", 2)
        return yaml.safe_load(front) or {}, body
    return {}, text


@dataclass(frozen=True)
class PromptTemplate:
    """One prompt file: metadata plus a Jinja2 body (and the shared parts it pulls in)."""

    name: str
    version: int
    metadata: dict[str, Any] = field(default_factory=dict)
    body: str = ""
    hash: str = ""
    includes: tuple[str, ...] = ()
    root: Path = PROMPTS_DIR

    @property
    def ref(self) -> str:
        """``name@vN``: how runs record which prompt they used."""
        return f"{self.name}@v{self.version}"

    @property
    def role(self) -> str:
        """The model task this prompt is sent to (``draft``, ``rewrite``, ``judge`` ...)."""
        return str(self.metadata.get("role") or _GROUP_DEFAULTS.get(self.group, {}).get("role", self.group))

    @property
    def output_schema(self) -> str:
        """The structured output it asks for, as ``module:Class`` (or a short description)."""
        default = _GROUP_DEFAULTS.get(self.group, {}).get("output_schema", "text")
        return str(self.metadata.get("output_schema") or default)

    @property
    def group(self) -> str:
        return self.name.split("/", 1)[0] if "/" in self.name else ""

    def record(self) -> dict[str, Any]:
        """What a run, a trace, an audit entry or a published page stores about the prompt."""
        return {"ref": self.ref, "name": self.name, "version": self.version, "hash": self.hash}

    def render_text(self, **variables: Any) -> str:
        """The whole body rendered as one string; ``meta`` is the front matter (limits etc.),
        unless the caller passes its own (the drafting node passes the front matter with every
        limit filled in from the channel spec's defaults)."""
        return _environment(self.root).from_string(self.body).render(**{"meta": self.metadata, **variables}).strip()

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


def _referenced(root: Path, source: str) -> list[str]:
    """Every template a body extends or includes, recursively, in a stable order."""
    env = _environment(root)
    seen: list[str] = []
    pending = [source]
    while pending:
        ast = env.parse(pending.pop())
        for name in sorted(n for n in jinja2.meta.find_referenced_templates(ast) if n is not None):
            if name not in seen:
                seen.append(name)
                pending.append((root / name).read_text(encoding="utf-8"))
    return seen


def content_hash(text: str, parts: Mapping[str, str]) -> str:
    """sha256 over the file text and every shared part it pulls in (name and text)."""
    digest = hashlib.sha256(text.encode("utf-8"))
    for name in sorted(parts):
        digest.update(f"\n\x00{name}\x00\n".encode())
        digest.update(parts[name].encode("utf-8"))
    return "sha256:" + digest.hexdigest()


def available_prompts(root: Path = PROMPTS_DIR) -> dict[str, list[int]]:
    """Every prompt name with its versions, oldest first."""
    found: dict[str, list[int]] = {}
    for path in root.rglob("*.md"):
        match = _FILE_RE.match(path.name)
        if not match:
            continue
        relative = path.parent.relative_to(root)
        name = match["name"] if str(relative) == "." else f"{relative.as_posix()}/{match['name']}"
        found.setdefault(name, []).append(int(match["version"]))
    return {name: sorted(versions) for name, versions in sorted(found.items())}


def _load(root: Path, name: str, version: int | str | None) -> PromptTemplate:
    versions = available_prompts(root).get(name)
    if not versions:
        raise PromptNotFoundError(f"no prompt named {name!r} in {root}")
    chosen = int(str(version).lstrip("v")) if version is not None else versions[-1]
    if chosen not in versions:
        raise PromptNotFoundError(f"prompt {name!r} has versions {versions}, not {chosen}")
    text = (root / f"{name}.v{chosen}.md").read_text(encoding="utf-8")
    metadata, body = _split_front_matter(text)
    includes = _referenced(root, body)
    parts = {part: (root / part).read_text(encoding="utf-8") for part in includes}
    return PromptTemplate(
        name=name,
        version=chosen,
        metadata=metadata,
        body=body,
        hash=content_hash(text, parts),
        includes=tuple(includes),
        root=root,
    )


@lru_cache(maxsize=128)
def load_prompt(name: str, version: int | str | None = None) -> PromptTemplate:
    """Load ``name`` (e.g. ``"draft/seo_article"``) at ``version`` or the newest one."""
    return _load(PROMPTS_DIR, name, version)


def load_prompt_from(root: Path, name: str, version: int | str | None = None) -> PromptTemplate:
    """Same as :func:`load_prompt` for another prompt folder (tests, a copy under review)."""
    return _load(root, name, version)


def all_prompts(root: Path = PROMPTS_DIR) -> list[PromptTemplate]:
    """Every version of every prompt."""
    return [_load(root, name, v) for name, versions in available_prompts(root).items() for v in versions]


def parse_ref(ref: str) -> tuple[str, int]:
    """``draft/seo_article@v2`` → (``draft/seo_article``, 2)."""
    name, _, version = ref.partition("@v")
    if not version.isdigit():
        raise PromptNotFoundError(f"not a prompt reference: {ref!r} (expected name@vN)")
    return name, int(version)


def prompt_by_ref(ref: str) -> PromptTemplate:
    """The prompt a run recorded, e.g. ``draft/seo_article@v2``."""
    return load_prompt(*parse_ref(ref))


def used_prompt_records(state: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Ref, name, version and hash of every prompt a run used, for the audit log and the trace.

    Reads ``prompts_used`` ({ref: hash}) from a run's state; a run recorded before that key
    existed falls back to ``prompt_ref`` and the hash of the file as it is now.
    """
    used: dict[str, str] = dict(state.get("prompts_used") or {})
    if not used and state.get("prompt_ref"):
        ref = str(state["prompt_ref"])
        try:
            used[ref] = prompt_by_ref(ref).hash
        except (PromptNotFoundError, OSError):
            used[ref] = ""
    records = []
    for ref, digest in sorted(used.items()):
        name, version = parse_ref(ref)
        records.append({"ref": ref, "name": name, "version": version, "hash": digest})
    return records


# --- the lock file -------------------------------------------------------------------------


def read_lock(root: Path = PROMPTS_DIR) -> dict[str, str]:
    path = root / LOCK_FILE
    if not path.exists():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8")).get("prompts", {}))


def lock_problems(root: Path = PROMPTS_DIR) -> list[str]:
    """Why the prompt files and the lock disagree (empty when they agree)."""
    locked = read_lock(root)
    problems: list[str] = []
    current = {p.ref: p for p in all_prompts(root)}
    for ref, prompt in current.items():
        if ref not in locked:
            problems.append(f"{ref} is not in {LOCK_FILE}: run `copydesk prompts lock` to pin it")
        elif locked[ref] != prompt.hash:
            nxt = max(available_prompts(root)[prompt.name]) + 1
            problems.append(
                f"{ref} changed without a version bump (locked {locked[ref][:19]}…, now {prompt.hash[:19]}…): "
                f"restore it and put the new text in {prompt.name}.v{nxt}.md"
            )
    for ref in sorted(set(locked) - set(current)):
        problems.append(f"{ref} is locked but its file is gone: old versions must stay loadable")
    return problems


def write_lock(root: Path = PROMPTS_DIR, *, force: bool = False) -> list[str]:
    """Pin new prompt versions; refuses to re-pin a changed one unless ``force``. Returns refs added."""
    locked = read_lock(root)
    current = {p.ref: p.hash for p in all_prompts(root)}
    changed = [ref for ref, digest in current.items() if ref in locked and locked[ref] != digest]
    if changed and not force:
        raise ValueError(f"changed without a version bump: {', '.join(changed)}; add a new version file instead")
    added = sorted(set(current) - set(locked))
    payload = {"about": "content hashes of every prompt version; see prompts/__init__.py", "prompts": current}
    (root / LOCK_FILE).write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return added
