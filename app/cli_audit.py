"""``copydesk audit``: print the audit log; ``copydesk audit verify``: check its hash chain."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.audit import AuditLog
from app.settings import get_settings

audit_app = typer.Typer(help="The append-only audit log.", invoke_without_command=True)
console = Console()


@audit_app.callback()
def show(
    ctx: typer.Context,
    run: Annotated[str | None, typer.Option("--run", help="Only entries of this run.")] = None,
    action: Annotated[str | None, typer.Option(help="Only this action, e.g. run.published.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many entries.")] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line (for an auditor's tools).")] = False,
) -> None:
    """Entries in order: who, when, what (with details)."""
    if ctx.invoked_subcommand is not None:
        return
    log = AuditLog.from_settings(get_settings())
    entries = log.entries(run_id=run, action=action, limit=limit)
    log.close()
    if as_json:
        for entry in entries:
            print(json.dumps(entry.to_dict(), ensure_ascii=False, sort_keys=True))
        return
    table = Table("seq", "at", "actor", "action", "run", "details")
    for entry in entries:
        details = json.dumps(entry.details, ensure_ascii=False, sort_keys=True)
        table.add_row(str(entry.seq), entry.at, entry.actor, entry.action, entry.run_id or "", details[:160])
    console.print(table if entries else "the audit log is empty")


@audit_app.command("verify")
def verify() -> None:
    """Recompute the hash chain; exit 1 and name the first bad entry if anything was changed or removed."""
    log = AuditLog.from_settings(get_settings())
    result = log.verify()
    log.close()
    if not result.ok:
        console.print(f"[bold red]TAMPERED:[/] {result.problem} ({result.entries} entries verified before it)")
        raise typer.Exit(1)
    console.print(f"ok: {result.entries} entries, chain intact; head {result.head}")
