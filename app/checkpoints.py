"""Checkpointers: SQLite by default, PostgreSQL when ``COPYDESK_CHECKPOINT_URL`` names one.

A run waiting for an editor is nothing but its last checkpoint, so any process
that opens the same database can resume it.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver


def is_postgres_url(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("postgres://", "postgresql://"))


@contextlib.contextmanager
def open_checkpointer(checkpoint_url: str | None, sqlite_path: Path) -> Iterator[BaseCheckpointSaver[str]]:
    """Yield a ready checkpointer (tables created) and close its connection afterwards."""
    if is_postgres_url(checkpoint_url):
        from langgraph.checkpoint.postgres import PostgresSaver

        with PostgresSaver.from_conn_string(str(checkpoint_url)) as saver:
            saver.setup()
            yield saver
        return
    from langgraph.checkpoint.sqlite import SqliteSaver

    sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(str(sqlite_path), check_same_thread=False, timeout=30)
    try:
        sqlite_saver = SqliteSaver(connection)
        sqlite_saver.setup()
        yield sqlite_saver
    finally:
        connection.close()
