"""``copydesk docs ...``: the document library (list, show, approve, retire, delete) and ``copydesk doctor``.

Every change is recorded with who (``--by``, default the signed-in user) and when, and
reaches the store at once: a retired document is never retrieved again, a deleted one
leaves no chunk behind.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Column, Table

from app.settings import Settings, get_settings
from tools.ingest.governed import ChangeResult, GovernedLibrary, UnknownDocumentError

docs_app = typer.Typer(help="The document library: list, show, approve, retire, delete.", no_args_is_help=True)
console = Console()


@contextlib.contextmanager
def open_library(settings: Settings) -> Iterator[GovernedLibrary]:
    """The governed library over the configured store; everything closed afterwards."""
    from app.services import build_embedder, build_governed_library, build_store

    embedder = build_embedder(settings)
    store = build_store(settings)
    governed = build_governed_library(settings, store, embedder)
    try:
        yield governed
    finally:
        governed.library.close()
        store.close()
        embedder.close()


def _actor(by: str | None) -> str:
    from app.cli import _actor as default_actor

    return by or default_actor()


def _audit(action: str, result: ChangeResult, by: str | None) -> None:
    """One audit entry per changed document (the library's log says who and when; the audit log is the
    tamper-evident copy an auditor is handed)."""
    from app import audit
    from app.cli_keys import cli_actor

    log = audit.AuditLog.from_settings(get_settings())
    for document_id in result.changed:
        details = {"document_id": document_id, **({"by": by} if by else {})}
        audit.record(action, actor=cli_actor(), details=details, log=log)


def _report(verb: str, result: ChangeResult) -> None:
    for document_id in result.changed:
        console.print(f"{verb} {document_id}")
    for document_id in result.unchanged:
        console.print(f"[dim]{document_id} was already {verb}[/]")
    extra = f" ({result.chunks_removed} chunks removed from the store)" if result.chunks_removed else ""
    if result.changed and extra:
        console.print(extra.strip(" ()"))
    if result.unknown:
        console.print(
            f"[bold red]error:[/] unknown document id(s): {', '.join(result.unknown)} (see copydesk docs list)"
        )
        raise typer.Exit(1)


@docs_app.command("list")
def list_documents(
    status: Annotated[str | None, typer.Option(help="approved | draft | archived")] = None,
    lang: Annotated[str | None, typer.Option(help="de | en")] = None,
    product: Annotated[str | None, typer.Option(help="Only documents of this product id.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Every stored document with its status, language, version and products."""
    if status not in (None, "approved", "draft", "archived"):
        console.print(f"[bold red]error:[/] unknown status {status!r}; choose approved, draft or archived")
        raise typer.Exit(2)
    with open_library(get_settings()) as governed:
        records = governed.list(status=status, language=lang, product_id=product)
    if as_json:
        for record in records:
            print(json.dumps(record.summary(), ensure_ascii=False))
        return
    if not records:
        console.print(
            "no documents" + (" with these filters" if status or lang or product else ": copydesk ingest PATH")
        )
        return
    # The id is what docs approve/retire/delete take: never cut, whatever the terminal's width.
    id_column = Column("id", no_wrap=True, min_width=max(len(r.document.id) for r in records))
    table = Table(id_column, "title", "lang", "status", "v", "doc_type", "products", "source")
    for record in records:
        row = record.summary()
        table.add_row(
            row["id"],
            row["title"][:40],
            row["language"],
            row["status"],
            str(row["version"]),
            row["doc_type"],
            ",".join(row["product_ids"]),
            row["source_path"],
        )
    console.print(table)


@docs_app.command("show")
def show_document(
    document_id: Annotated[str, typer.Argument(help="A document id.")],
    as_json: Annotated[bool, typer.Option("--json", help="As JSON, with its change log.")] = False,
) -> None:
    """One document: metadata, change log and the start of its text."""
    with open_library(get_settings()) as governed:
        try:
            record = governed.get(document_id)
        except UnknownDocumentError as exc:
            console.print(f"[bold red]error:[/] {exc.args[0]}")
            raise typer.Exit(1) from None
        events = governed.library.events(document_id)
    summary = record.summary()
    history = [{"action": e.action, "actor": e.actor, "at": e.at, **e.detail} for e in events]
    if as_json:
        print(json.dumps({**summary, "events": history, "body": record.document.body}, ensure_ascii=False, indent=2))
        return
    for key, value in summary.items():
        shown = ", ".join(value) if isinstance(value, list) else "" if value is None else value
        console.print(f"[bold]{key}[/]: {shown}")
    console.print("[bold]history[/]:")
    for event in history:
        status = f" ({event['status']})" if event["action"] == "ingested" and event.get("status") else ""
        console.print(f"  {event['at']}  {event['action']:<9} by {event['actor']}{status}")
    console.print("\n" + record.document.body[:800] + ("…" if len(record.document.body) > 800 else ""))


@docs_app.command("approve")
def approve(
    ids: Annotated[list[str], typer.Argument(help="Document ids.")],
    by: Annotated[str | None, typer.Option(help="Who approves (recorded).")] = None,
) -> None:
    """Approve documents: runs may use them from now on."""
    with open_library(get_settings()) as governed:
        result = governed.approve(ids, _actor(by))
    _audit("document.approved", result, by)
    _report("approved", result)


@docs_app.command("retire")
def retire(
    ids: Annotated[list[str], typer.Argument(help="Document ids.")],
    by: Annotated[str | None, typer.Option(help="Who retires (recorded).")] = None,
) -> None:
    """Retire (archive) documents: never retrieved again, kept for the record."""
    with open_library(get_settings()) as governed:
        result = governed.retire(ids, _actor(by))
    _audit("document.retired", result, by)
    _report("retired", result)


@docs_app.command("delete")
def delete(
    ids: Annotated[list[str], typer.Argument(help="Document ids.")],
    by: Annotated[str | None, typer.Option(help="Who deletes (recorded).")] = None,
) -> None:
    """Delete documents: gone from the library and from the store (the change log keeps the deletion)."""
    with open_library(get_settings()) as governed:
        result = governed.delete(ids, _actor(by))
    _audit("document.deleted", result, by)
    _report("deleted", result)


def doctor() -> None:
    """Say what is missing before runs can succeed: documents, guidelines, company name, model endpoint."""
    from app.doctor import run_checks

    checks = run_checks(get_settings())
    for check in checks:
        mark = "[green]ok[/]     " if check.ok else "[red]missing[/]"
        console.print(f"{mark} {check.name:<11} {check.detail}")
    if not all(check.ok for check in checks):
        raise typer.Exit(1)
