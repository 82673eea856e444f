"""``copydesk worker``: execute queued runs from the PostgreSQL queue, on any machine.

Start as many as the model endpoints can serve, on as many machines as you like; they
share the queue, the checkpoints and the run registry in PostgreSQL, so any worker can
continue any run. Stop one with SIGTERM (it finishes the runs in hand); if one is killed,
the others hand its runs back after ``COPYDESK_WORKER_STALLED_AFTER_S`` and continue them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer


def worker(
    concurrency: Annotated[int | None, typer.Option(help="Runs at once (default COPYDESK_WORKER_CONCURRENCY).")] = None,
    name: Annotated[str | None, typer.Option(help="Worker name in the queue (default host:pid).")] = None,
) -> None:
    """Run drafts from the PostgreSQL queue until stopped."""
    from app.execution import open_runner
    from app.privacy import purge_expired
    from app.queue import run_worker
    from app.settings import get_settings

    settings = get_settings()
    if not settings.checkpoint_url or not settings.queue_database:
        typer.echo(
            "error: copydesk worker needs COPYDESK_CHECKPOINT_URL=postgresql://... (and COPYDESK_QUEUE=postgres "
            "for the API); the embedded default runs drafts inside `copydesk serve`",
            err=True,
        )
        raise typer.Exit(2)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    with open_runner(settings) as runner:
        typer.echo(f"worker {name or runner.owner} ready (concurrency {concurrency or settings.worker_concurrency})")
        asyncio.run(
            run_worker(
                runner,
                settings.queue_database,
                concurrency=concurrency or settings.worker_concurrency,
                heartbeat_s=settings.worker_heartbeat_s,
                stalled_after_s=settings.worker_stalled_after_s,
                sweep_every_s=settings.sweep_every_s,
                name=name,
                housekeeping=lambda: purge_expired(settings, runner.graph.checkpointer, runner.registry),  # type: ignore[arg-type]
            )
        )


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
