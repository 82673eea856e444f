"""``copydesk keys``: create, list and revoke API keys (every change goes to the audit log).

Run on the server (or anywhere with the same data dir / database and secret): whoever can
read the database is an administrator already, so the CLI needs no key itself.
"""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app import audit
from app.auth import ROLES, AuthError, KeyStore
from app.settings import Settings, get_settings

keys_app = typer.Typer(help="API keys and their roles (ops, editor, admin, viewer).", no_args_is_help=True)
console = Console()


def cli_actor() -> str:
    """Who acts at the command line, for the audit log: the operating-system user."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in a bare container
        return "cli:unknown"


def open_keys(settings: Settings) -> KeyStore:
    return KeyStore.open(settings.checkpoint_url, settings.data_dir, settings.auth_secret, settings.session_hours)


@keys_app.command("create")
def create(
    role: Annotated[list[str], typer.Option("--role", help=f"One of {', '.join(ROLES)}; repeat for several.")],
    name: Annotated[str, typer.Option("--name", help="Who or what uses the key (shown in the audit log).")],
) -> None:
    """Create a key; it is printed once, on the last line, and never stored in clear."""
    settings = get_settings()
    store = open_keys(settings)
    try:
        roles = [r for part in role for r in part.split(",")]
        record, plaintext = store.create(name, roles)
    except AuthError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    finally:
        store.close()
    audit.record(
        "key.created",
        actor=cli_actor(),
        details={"key_id": record.key_id, "name": record.name, "roles": sorted(record.roles)},
        log=audit.AuditLog.from_settings(settings),
    )
    console.print(f"key {record.key_id} for {record.name} ({', '.join(sorted(record.roles))}); copy it now:")
    print(plaintext)


@keys_app.command("list")
def list_keys() -> None:
    """Every key: id, name, roles, created, revoked (never the key itself)."""
    store = open_keys(get_settings())
    records = store.list()
    store.close()
    table = Table("key id", "name", "roles", "created", "revoked")
    for record in records:
        table.add_row(
            record.key_id, record.name, ", ".join(sorted(record.roles)), record.created_at, record.revoked_at or ""
        )
    console.print(table if records else "no keys: single-user mode on 127.0.0.1 (copydesk keys create --role ...)")


@keys_app.command("revoke")
def revoke(
    key: Annotated[str, typer.Argument(help="A key id, or a name (revokes every active key of that name).")],
) -> None:
    """Revoke a key at once; its editor sessions end too."""
    settings = get_settings()
    store = open_keys(settings)
    try:
        revoked = store.revoke(key)
    except AuthError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    finally:
        store.close()
    log = audit.AuditLog.from_settings(settings)
    for record in revoked:
        audit.record("key.revoked", actor=cli_actor(), details={"key_id": record.key_id, "name": record.name}, log=log)
        console.print(f"revoked {record.key_id} ({record.name})")
