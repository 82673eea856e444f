"""Durable execution across machines: a PostgreSQL job queue (procrastinate) and ``copydesk worker``.

Why procrastinate: it keeps jobs in the PostgreSQL database copydesk already needs for
its checkpoints (no broker to run), takes jobs with ``SELECT … FOR UPDATE SKIP LOCKED``,
has worker heartbeats and a stalled-jobs API, and a ``queueing_lock`` that keeps one
waiting job per run. Celery acknowledges early by default and needs a broker; arq needs
Redis and may run a job twice without telling. Delivery is at least once with any of
them, so the work itself is made safe to repeat:

- a job only says "advance run X"; what X needs (its input, the editor's decision, a
  continuation after a crash) is in X's registry row and checkpoint;
- the worker *claims* the run with a lease (:meth:`RunRegistry.claim`), so a duplicate
  job for a run another worker holds does nothing;
- the worker renews its leases (heartbeat); a killed worker's leases run out, and the
  periodic sweep (:func:`sweep`) hands its runs back and re-queues its stalled jobs
  (procrastinate leaves a killed worker's job ``doing``: ``get_stalled_jobs`` +
  ``retry_job``), so another worker continues the run from its last checkpoint;
- publishing rewrites the same files under the run's id: twice is still one publication.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import procrastinate
from procrastinate import exceptions as pexc

from app.run_status import PENDING, RunStatus
from app.runner import DraftRunner, RunError
from app.runs import RunRegistry

log = logging.getLogger("copydesk.queue")

ADVANCE = "copydesk.advance"
SWEEP = "copydesk.sweep"
QUEUE = "copydesk"


def _conninfo(url: str) -> str:
    return url


def schema_installed(registry_or_url: RunRegistry | str) -> bool:
    import psycopg

    url = registry_or_url.url if isinstance(registry_or_url, RunRegistry) else registry_or_url
    with psycopg.connect(str(url), autocommit=True) as conn:
        row = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
        return bool(row and row[0])


def install_schema(url: str) -> bool:
    """Create procrastinate's tables in the connection's schema once; True if it did."""
    if schema_installed(url):
        return False
    app = build_app(url, sync=True)
    with app.open():
        app.schema_manager.apply_schema()
    return True


def build_app(url: str, *, sync: bool = False) -> procrastinate.App:
    """A procrastinate app with copydesk's tasks; ``sync`` for the API side (defer only)."""
    connector: Any = (
        procrastinate.SyncPsycopgConnector(conninfo=_conninfo(url))
        if sync
        else procrastinate.PsycopgConnector(conninfo=_conninfo(url))
    )
    app = procrastinate.App(connector=connector)
    app.task(name=ADVANCE, queue=QUEUE, pass_context=True)(_advance)
    return app


def _advance(context: procrastinate.JobContext, run_id: str) -> str:
    """Advance one run as far as it goes (the runner comes from the worker's context)."""
    runner: DraftRunner = context.additional_context["runner"]
    try:
        view = runner.drive(run_id)
    except RunError as exc:  # recorded as failed with its reason; the job itself is done
        log.warning("%s", exc)
        return "failed"
    return view.status


def defer(app: procrastinate.App, run_id: str) -> bool:
    """Queue a job for the run unless one is already waiting; True if a new job was queued."""
    try:
        app.configure_task(ADVANCE, queueing_lock=f"run:{run_id}").defer(run_id=run_id)
    except pexc.AlreadyEnqueued:
        return False
    return True


async def _defer_async(app: procrastinate.App, run_id: str) -> bool:
    try:
        await app.configure_task(ADVANCE, queueing_lock=f"run:{run_id}").defer_async(run_id=run_id)
    except pexc.AlreadyEnqueued:
        return False
    return True


async def sweep(app: procrastinate.App, registry: RunRegistry, *, stalled_after_s: float) -> dict[str, int]:
    """Recover what dead workers left behind; safe to run on every worker at once.

    1. jobs a dead worker left ``doing`` (its heartbeat stopped) go back to ``todo``;
    2. runs whose lease ran out go back to ``queued``;
    3. every ``queued`` run gets a job if it has none waiting (a crash between recording a
       run or a decision and queueing its job loses nothing).
    """
    retried = 0
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after_s):
        try:
            await app.job_manager.retry_job(job)
            retried += 1
        except pexc.ConnectorException:  # a job for that run is already waiting: this one is not needed
            await app.job_manager.finish_job(job, status=procrastinate.jobs.Status.FAILED, delete_job=False)
    with contextlib.suppress(Exception):
        await app.job_manager.prune_stalled_workers(stalled_after_s)
    handed = await asyncio.to_thread(registry.requeue_stale)
    queued = await asyncio.to_thread(registry.list, status=RunStatus.QUEUED, limit=10_000)
    deferred = 0
    for record in queued:
        deferred += int(await _defer_async(app, record.run_id))
    return {"stalled_jobs_retried": retried, "runs_handed_back": len(handed), "jobs_deferred": deferred}


class PostgresRunQueue:
    """The API's side of the queue: record work as a job; ``copydesk worker`` processes run it."""

    def __init__(self, runner: DraftRunner, url: str) -> None:
        self.runner = runner
        install_schema(url)
        self.app = build_app(url, sync=True)
        self.app.open()

    def submit(self, run_id: str) -> None:
        defer(self.app, run_id)

    def busy(self, run_id: str) -> bool:
        record = self.runner.registry.get(run_id)
        return record is not None and record.status in PENDING

    def recover(self) -> list[str]:
        """Workers recover runs themselves (the sweep); the API queues jobs for queued runs only."""
        queued = [r.run_id for r in self.runner.list(status=RunStatus.QUEUED, limit=10_000)]
        for run_id in queued:
            self.submit(run_id)
        return queued

    def shutdown(self) -> None:
        self.app.close()


async def run_worker(
    runner: DraftRunner,
    url: str,
    *,
    concurrency: int = 1,
    heartbeat_s: float = 10.0,
    stalled_after_s: float = 30.0,
    sweep_every_s: float = 15.0,
    name: str | None = None,
    housekeeping: Callable[[], object] | None = None,
) -> None:
    """Run jobs until stopped (SIGTERM/SIGINT: finish the jobs in hand, then exit).

    ``housekeeping`` (the checkpoint retention purge) runs on a thread with every sweep.
    """
    install_schema(url)
    app = build_app(url)

    async def sweeper() -> None:
        while True:
            try:
                result = await sweep(app, runner.registry, stalled_after_s=stalled_after_s)
                if any(result.values()):
                    log.info("sweep: %s", result)
                if housekeeping is not None:
                    await asyncio.to_thread(housekeeping)
            except Exception:
                log.exception("sweep failed")
            await asyncio.sleep(sweep_every_s)

    async with app.open_async():
        task = asyncio.create_task(sweeper())
        try:
            await app.run_worker_async(
                queues=[QUEUE],
                concurrency=concurrency,
                name=name or runner.owner,
                additional_context={"runner": runner},
                update_heartbeat_interval=heartbeat_s,
                stalled_worker_timeout=stalled_after_s,
                delete_jobs="successful",
            )
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
