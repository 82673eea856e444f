"""``copydesk prompts list|show|diff|lock|check``: the prompt registry from the command line.

Why: an editor or reviewer asking "which text produced this draft?" gets the answer
from the ref and hash a run recorded; ``diff`` shows what changed between versions.
"""

from __future__ import annotations

import difflib
import importlib
import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from prompts import (
    PROMPTS_DIR,
    PromptNotFoundError,
    PromptTemplate,
    all_prompts,
    available_prompts,
    load_prompt,
    lock_problems,
    read_lock,
    write_lock,
)

app = typer.Typer(
    help="Versioned prompts: name, version, content hash, model role, output schema.", no_args_is_help=True
)
console = Console()


def _fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(2)


def _get(name: str, version: str | None) -> PromptTemplate:
    try:
        return load_prompt(name, version)
    except (PromptNotFoundError, ValueError) as exc:
        _fail(f"{exc}; known prompts: {', '.join(available_prompts())}")
        raise  # unreachable; for the type checker


def schema_of(prompt: PromptTemplate) -> dict[str, Any] | str:
    """The JSON schema of the prompt's output model (``module:Class``), or its description."""
    spec = prompt.output_schema
    module_name, sep, attr = spec.partition(":")
    if not sep or " " in module_name:
        return spec
    try:
        model = getattr(importlib.import_module(module_name), attr)
        return dict(model.model_json_schema())
    except (ImportError, AttributeError) as exc:
        return f"{spec} (not importable: {exc})"


def _source(prompt: PromptTemplate) -> str:
    """File text followed by every shared part, so a diff shows changes in the base too."""
    text = (PROMPTS_DIR / f"{prompt.name}.v{prompt.version}.md").read_text(encoding="utf-8")
    for part in prompt.includes:
        text += f"\n# --- {part}\n" + (PROMPTS_DIR / part).read_text(encoding="utf-8")
    return text


@app.command("list")
def list_prompts(as_json: Annotated[bool, typer.Option("--json", help="Machine-readable.")] = False) -> None:
    """Every prompt version with its hash, role and output schema; * marks the one runs use."""
    prompts = all_prompts()
    newest = {name: versions[-1] for name, versions in available_prompts().items()}
    locked = read_lock()
    if as_json:
        rows = [
            {
                **p.record(),
                "role": p.role,
                "output_schema": p.output_schema,
                "current": newest[p.name] == p.version,
                "locked": locked.get(p.ref) == p.hash,
                "description": p.metadata.get("description", ""),
            }
            for p in prompts
        ]
        print(json.dumps(rows, indent=2))
        return
    table = Table("prompt", "version", "hash", "role", "output schema", "locked")
    for p in prompts:
        mark = "*" if newest[p.name] == p.version else ""
        table.add_row(
            p.name,
            f"v{p.version}{mark}",
            p.hash[7:19],
            p.role,
            p.output_schema,
            "yes" if locked.get(p.ref) == p.hash else "[red]NO[/]",
        )
    Console(width=max(console.width, 130)).print(table)


@app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="e.g. draft/seo_article")],
    version: Annotated[str | None, typer.Argument(help="v1, v2 ... (default: newest)")] = None,
) -> None:
    """Metadata, output schema and source of one prompt version."""
    prompt = _get(name, version)
    print(f"{prompt.ref}  {prompt.hash}")
    print(f"role: {prompt.role}")
    print(f"includes: {', '.join(prompt.includes) or '-'}")
    meta = {k: v for k, v in prompt.metadata.items() if k not in ("version",)}
    print("front matter: " + json.dumps(meta, ensure_ascii=False))
    schema = schema_of(prompt)
    print("output schema: " + (schema if isinstance(schema, str) else json.dumps(schema, ensure_ascii=False)))
    print("\n" + _source(prompt))


@app.command("diff")
def diff(
    name: Annotated[str, typer.Argument(help="e.g. draft/seo_article")],
    v1: Annotated[str | None, typer.Argument(help="older version (default: the one before the newest)")] = None,
    v2: Annotated[str | None, typer.Argument(help="newer version (default: newest)")] = None,
) -> None:
    """Unified diff of two versions (shared base included)."""
    versions = available_prompts().get(name)
    if not versions:
        _fail(f"no prompt named {name!r}; known: {', '.join(available_prompts())}")
        return
    if v1 is None:
        if len(versions) < 2:
            _fail(f"{name} has only v{versions[0]}")
        v1 = str(versions[-2])
    old, new = _get(name, v1), _get(name, v2)
    lines = difflib.unified_diff(
        _source(old).splitlines(keepends=True), _source(new).splitlines(keepends=True), old.ref, new.ref
    )
    print("".join(lines) or f"{old.ref} and {new.ref} are identical")


@app.command("check")
def check() -> None:
    """Fail when a prompt changed without a version bump (what the test checks)."""
    problems = lock_problems()
    for problem in problems:
        console.print(f"[red]✗[/] {problem}")
    if problems:
        raise typer.Exit(1)
    console.print(f"all {len(read_lock())} prompt versions match {PROMPTS_DIR.name}/prompts.lock.json")


@app.command("lock")
def lock() -> None:
    """Pin new prompt versions in the lock file; refuses to re-pin a changed one."""
    try:
        added = write_lock()
    except ValueError as exc:
        _fail(str(exc))
        return
    console.print(f"pinned: {', '.join(added) or 'nothing new'}")
