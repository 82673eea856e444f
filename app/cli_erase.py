"""``copydesk erase``: remove a data subject from every store (DSGVO Art. 17), or expired run checkpoints.

``copydesk erase --subject "Jane Doe"`` (or an e-mail address) searches the checkpoint
database, the run registry, published files, the index, the document library, the embedding cache, the
public-terms and guideline files and the logs, removes what mentions the person and
prints each removal. ``--dry-run`` only reports. ``copydesk erase --expired`` deletes the
checkpoints of finished runs older than ``COPYDESK_CHECKPOINT_RETENTION_DAYS``.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from app.settings import get_settings

erase_app = typer.Typer(help="Erase a person's data everywhere, or expired run checkpoints.")
console = Console()


@erase_app.callback(invoke_without_command=True)
def erase(
    subject: Annotated[str | None, typer.Option(help="The person's name or e-mail address.")] = None,
    expired: Annotated[bool, typer.Option("--expired", help="Delete checkpoints past the retention period.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report what would be removed; remove nothing.")] = False,
) -> None:
    """Erase a data subject (``--subject``) or expired checkpoints (``--expired``)."""
    from app.checkpoints import open_checkpointer
    from app.privacy import erase_subject, purge_expired
    from app.runs import RunRegistry

    if not subject and not expired:
        console.print('[bold red]error:[/] say what to erase: --subject "NAME or E-MAIL" or --expired')
        raise typer.Exit(2)
    settings = get_settings()
    registry = RunRegistry(settings.checkpoint_url, settings.runs_db_path)
    try:
        with open_checkpointer(settings.checkpoint_url, settings.sqlite_checkpoint_path) as saver:
            if expired:
                if settings.checkpoint_retention_days is None:
                    console.print("retention is off (COPYDESK_CHECKPOINT_RETENTION_DAYS unset): nothing expires")
                else:
                    gone = purge_expired(settings, saver, registry)
                    console.print(f"deleted the checkpoints of {len(gone)} finished run(s): {', '.join(gone) or '-'}")
            if subject:
                try:
                    report = erase_subject(settings, saver, registry, subject, dry_run=dry_run)
                except ValueError as exc:
                    console.print(f"[bold red]error:[/] {escape(str(exc))}")
                    raise typer.Exit(2) from exc
                for line in report.removed:
                    console.print(escape(line), highlight=False)
                if not dry_run:
                    from app import audit
                    from app.cli_keys import cli_actor

                    audit.record(  # that an erasure happened and what it removed; never whom
                        "subject.erased",
                        actor=cli_actor(),
                        details={"runs": report.runs, "documents": report.documents, "items": len(report.removed)},
                        log=audit.AuditLog.from_settings(settings),
                    )
                verb = "would be removed" if dry_run else "removed"
                console.print(
                    f"{len(report.runs)} run(s) and {len(report.documents)} document(s) {verb}; "
                    f"{len(report.removed)} item(s) in all",
                    highlight=False,
                )
    finally:
        registry.close()
