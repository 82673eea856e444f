"""``copydesk check PATH... --lang de|en [--json]``, and the sentence table ``copydesk show`` prints.

Checks existing text (Markdown, HTML or plain text; files or folders) against the
ingested approved corpus with the same sentence checker and guards as the graph
(:mod:`app.text_check`). Exit code 1 when any file has a blocking problem, 2 on bad input.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

console = Console()
_COLOURS = {"supported": "green", "no_claim": "dim", "contradicted": "red", "not_found": "yellow"}


def sentence_table(sentences: list[dict[str, Any]], title: str = "fact-check, sentence by sentence") -> Table:
    """One row per sentence: where, the sentence, its verdict and citation, the evidence passage, why."""
    table = Table("field", "sentence", "verdict", "evidence", "reason", title=title, show_lines=True)
    for s in sentences:
        colour = _COLOURS.get(s["verdict"], "white")
        verdict = f"[{colour}]{s['verdict']}[/]"
        if s.get("citations"):
            verdict += " " + ", ".join(s["citations"]) + (" (corrected)" if s.get("citation_corrected") else "")
        evidence = s.get("evidence") or {}
        shown = f"{evidence.get('chunk_id', '')}: {evidence.get('text', '')}" if evidence else ""
        table.add_row(s["field"], s["text"], verdict, shown[:240], s["reason"][:240])
    return table


def _files(paths: list[Path]) -> list[Path]:
    from app.text_check import SUFFIXES

    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        elif path.is_file():
            out.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return out


def check(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of Markdown, HTML or plain text.")],
    lang: Annotated[str, typer.Option("--lang", help="Language of the texts: de or en.")] = "en",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per file per line.")] = False,
    channel: Annotated[
        str, typer.Option(help="Channel whose guard limits apply (one with a drafting prompt).")
    ] = "landing_page",
) -> None:
    """Check existing copy sentence by sentence against the approved corpus (exit 1 when blocking)."""
    from app.services import build_services, close_services
    from app.settings import get_settings
    from app.text_check import CheckInputError, check_text, format_of

    if lang not in ("de", "en"):
        console.print(f"[bold red]error:[/] --lang must be de or en, got {lang!r}")
        raise typer.Exit(2)
    from tools.channels import known_channels, unknown_channel_message

    if channel not in known_channels():  # refused before any file is read, not once per file
        console.print(f"[bold red]error:[/] --channel: {unknown_channel_message(channel)}")
        raise typer.Exit(2)
    try:
        files = _files(paths)
        formats = [(path, format_of(path)) for path in files]
    except (FileNotFoundError, CheckInputError) as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from None
    if not files:
        console.print("[bold red]error:[/] no .md, .html or .txt files to check")
        raise typer.Exit(2)
    services = build_services(get_settings())
    blocking = False
    try:
        for path, fmt in formats:
            try:
                text = path.read_text(encoding="utf-8")
                report = check_text(services, text, language=lang, fmt=fmt, channel=channel, name=str(path))  # type: ignore[arg-type]
            except (CheckInputError, UnicodeDecodeError, ValueError) as exc:
                report = {
                    "file": str(path),
                    "blocking": True,
                    "sentences": [],
                    "findings": [{"kind": "input", "text": "", "reason": str(exc), "blocking": True}],
                }
            blocking = blocking or report["blocking"]
            if as_json:
                typer.echo(json.dumps(report, ensure_ascii=False))
                continue
            console.rule(f"[bold]{path}[/] · " + ("[red]blocking[/]" if report["blocking"] else "[green]ok[/]"))
            console.print(sentence_table(report["sentences"], title=str(path)))
            for finding in report["findings"]:
                mark = "[red]block[/]" if finding["blocking"] else "[yellow]warn[/]"
                console.print(f"{mark} {finding['kind']}: {finding['reason']} — {finding['text']}")
    finally:
        close_services(services)
    raise typer.Exit(1 if blocking else 0)
