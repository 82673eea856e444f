"""HTTP API: marketing ops queue single drafts or whole campaigns; editors review through it.

Work is queued (202) and done by :class:`~app.worker.RunWorker`; clients poll
``GET /v1/runs/{id}`` or ``GET /v1/campaigns/{id}``. The endpoints live in
``app/routers/`` (one module per topic, typed dependencies); this module assembles
them behind the security gate (:mod:`app.security`: Host, Origin, identity, the
route→role table, CSRF) and the body-size limit. Start it with ``copydesk serve``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from app.audit import AuditLog
from app.auth import KeyStore
from app.editor import DeskError, desk_error_page, editor_router
from app.idempotency import IdempotencyMiddleware
from app.limits import sanitise_errors
from app.published import published_router
from app.routers import audit, campaigns, health, runs, session
from app.routers.check import build_router as check_router
from app.routers.keys import build_router as keys_router
from app.routers.run_control import build_router as run_control_router
from app.routers.schemas import CampaignOut, CampaignRequest, NewRun, RunOut, RunRequest
from app.routers.stats import build_router as stats_router
from app.runner import DraftRunner
from app.security import SecurityMiddleware
from app.settings import Settings, get_settings
from app.worker import RunQueue, RunWorker

RunnerFactory = Callable[[], contextlib.AbstractContextManager[DraftRunner]]
QueueFactory = Callable[[DraftRunner], RunQueue]
__all__ = ["CampaignOut", "CampaignRequest", "NewRun", "RunOut", "RunRequest", "create_app"]


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 with errors that always serialise (a lone surrogate echoed back would otherwise be a 500)."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    return JSONResponse({"detail": sanitise_errors(errors)}, status_code=422)


def _purge_expired(settings: Settings, runner: DraftRunner) -> None:
    """Checkpoint retention on one machine: finished runs past ``checkpoint_retention_days`` at start-up
    (``copydesk worker`` processes do it with every sweep)."""
    from app.privacy import purge_expired

    try:
        purge_expired(settings, runner.graph.checkpointer, runner.registry)  # type: ignore[arg-type]
    except Exception:  # retention never stops the API from starting
        logging.getLogger("copydesk.api").exception("checkpoint retention purge failed")


def create_app(
    runner_factory: RunnerFactory,
    *,
    settings: Settings | None = None,
    keys: KeyStore | None = None,
    audit_log: AuditLog | None = None,
    queue_factory: QueueFactory | None = None,
) -> FastAPI:
    """The API over whatever runner the factory opens (settings-built in production, scripted in tests).

    ``settings`` default to the process settings; the key store and the audit log are
    opened from them unless given. ``queue_factory`` picks who executes runs: the embedded
    worker thread by default, the PostgreSQL queue (``copydesk worker`` processes) in production.
    """
    settings = settings or get_settings()
    keys = keys or KeyStore.open(
        settings.checkpoint_url, settings.data_dir, settings.auth_secret, settings.session_hours
    )
    log = audit_log or AuditLog.from_settings(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with runner_factory() as runner:
            if runner.audit is None:
                runner.audit = log
            worker = queue_factory(runner) if queue_factory else RunWorker(runner)
            app.state.runner, app.state.worker = runner, worker
            worker.recover()
            _purge_expired(settings, runner)
            try:
                yield
            finally:
                worker.shutdown()

    app = FastAPI(title="copydesk", version="0.1.0", lifespan=lifespan, max_body_size=settings.max_body_bytes)
    app.state.keys, app.state.audit, app.state.secure_cookies = keys, log, settings.secure_cookies
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DeskError, desk_error_page)  # desk refusals as pages in the UI language
    # Inside the security gate (added after it, so it runs later): keys are scoped by the identity.
    app.add_middleware(IdempotencyMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(
        SecurityMiddleware,
        keys=keys,
        public_hosts=settings.public_hosts,
        single_user=settings.auth_single_user,
        max_form_bytes=settings.max_form_bytes,
        secure_cookies=settings.secure_cookies,
    )

    def runner() -> DraftRunner:
        result: DraftRunner = app.state.runner
        return result

    def worker() -> RunQueue:
        result: RunQueue = app.state.worker
        return result

    app.include_router(health.build_router())
    app.include_router(session.build_router(), max_body_size=settings.max_form_bytes)
    app.include_router(runs.build_router())
    app.include_router(campaigns.build_router())
    app.include_router(audit.build_router())
    app.include_router(keys_router())
    app.include_router(editor_router(runner, worker), max_body_size=settings.max_form_bytes)
    app.include_router(published_router(runner))
    app.include_router(run_control_router(runner, worker))
    app.include_router(stats_router(runner))
    app.include_router(check_router(lambda: runner().services))
    from app.routers.documents import build_router as documents_router  # issue 8: the document library

    app.include_router(documents_router(runner))
    return app


def route_table(app: Any) -> list[tuple[str, str]]:
    """Every (method, path template) the app serves, schema or not, for the role tests and the docs."""
    pairs: list[tuple[str, str]] = []

    def walk(routes: Any, prefix: str) -> None:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                walk(inner.routes, prefix + getattr(getattr(route, "include_context", None), "prefix", ""))
                continue
            for method in sorted(getattr(route, "methods", None) or ()):
                pairs.append((method, prefix + route.path))

    walk(app.routes, "")
    return pairs
