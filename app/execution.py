"""Wiring of run execution from settings: runner, leases, webhooks, endpoint limits, queue.

One function per process kind, so the CLI, ``copydesk serve`` and ``copydesk worker``
agree on how a run is driven:

- :func:`open_runner` — a :class:`DraftRunner` whose events go to the webhook outbox and
  whose model calls hold a slot of the endpoint's concurrency limit;
- :func:`queue_factory` — who executes runs for the API: the embedded thread, or the
  PostgreSQL queue that ``copydesk worker`` processes consume.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from app.endpoint_limits import LimitedLLM, LocalLimiter, PostgresLimiter
from app.runner import DraftRunner
from app.settings import Settings
from app.webhooks import WebhookDispatcher, WebhookOutbox
from app.worker import RunQueue, RunWorker
from tools.factcheck import LLMEntailer, make_judge


def build_outbox(settings: Settings, registry: object) -> WebhookOutbox:
    from app.runs import RunRegistry

    assert isinstance(registry, RunRegistry)
    return WebhookOutbox(
        registry,
        settings.webhook_urls,
        allowed_hosts=settings.webhook_allowed_hosts,
        secret=settings.webhook_secret,
        max_attempts=settings.webhook_max_attempts,
        backoff_s=settings.webhook_backoff_s,
    )


@contextlib.contextmanager
def open_runner(settings: Settings, *, deliver_webhooks: bool = True) -> Iterator[DraftRunner]:
    """A runner over the configured checkpointer and registry; everything closed afterwards."""
    from app.checkpoints import open_checkpointer
    from app.runs import RunRegistry
    from app.services import build_services, close_services
    from app.tracing import setup_tracing

    setup_tracing(settings)
    services = build_services(settings)
    if settings.llm_max_concurrency:
        endpoint = settings.llm_base_url or "embedded"
        database = settings.queue_database if settings.queue == "postgres" else None
        limiter = (
            PostgresLimiter(database, endpoint, settings.llm_max_concurrency)
            if database
            else LocalLimiter(settings.llm_max_concurrency)
        )
        limited = LimitedLLM(services.llm, limiter)
        services.llm = limited  # type: ignore[assignment]
        entailer = services.fact_checker.entailer
        if isinstance(entailer, LLMEntailer):  # the fact-check judge calls the same endpoint
            entailer.judge = make_judge(limited.complete)
    registry = RunRegistry(settings.checkpoint_url, settings.runs_db_path)
    outbox = build_outbox(settings, registry)
    dispatcher = WebhookDispatcher(outbox).start() if deliver_webhooks else None
    try:
        with open_checkpointer(settings.checkpoint_url, settings.sqlite_checkpoint_path) as saver:
            from app.audit import AuditLog

            runner = DraftRunner(
                services,
                saver,
                registry,
                lease_s=settings.lease_s,
                on_event=outbox.emit,
                audit=AuditLog.from_settings(settings),
            )
            runner.outbox = outbox  # type: ignore[attr-defined]
            yield runner
    finally:
        if dispatcher is not None:
            dispatcher.stop()
        registry.close()
        close_services(services)


def queue_factory(settings: Settings) -> object:
    """The API's executor: the embedded worker thread, or the PostgreSQL queue."""

    def make(runner: DraftRunner) -> RunQueue:
        if settings.queue == "postgres":
            from app.queue import PostgresRunQueue

            if not settings.queue_database or not settings.checkpoint_url:
                raise ValueError(
                    "COPYDESK_QUEUE=postgres needs COPYDESK_CHECKPOINT_URL (and optionally COPYDESK_QUEUE_URL): "
                    "every worker must read the same checkpoints"
                )
            return PostgresRunQueue(runner, settings.queue_database)
        return RunWorker(runner)

    return make
