"""Run control endpoints added by the one-run-model work: cancel a run; the webhook delivery log.

Bound to callables returning the app's runner and queue, like the editor pages, so the
API module only includes the router.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from app.runner import DraftRunner, RunConflictError, RunNotFoundError


class CancelOut(BaseModel):
    run_id: str
    status: str


class DeliveryOut(BaseModel):
    event_id: str
    url: str
    event_type: str
    run_id: str
    status: str
    attempts: int
    last_status_code: int | None = None
    last_error: str | None = None
    created_at: str
    delivered_at: str | None = None


def build_router(runner: Callable[[], DraftRunner], queue: Callable[[], Any]) -> APIRouter:
    router = APIRouter()

    @router.post("/v1/runs/{run_id}/cancel", response_model=CancelOut)
    def cancel_run(run_id: str) -> CancelOut:
        """Cancel a run that has not finished (queued, running, waiting for review, failed).

        A worker driving it stops at the next stage boundary; nothing is published after this.
        """
        try:
            view = runner().cancel(run_id)
        except RunNotFoundError as exc:
            raise HTTPException(404, str(exc)) from exc
        except RunConflictError as exc:
            raise HTTPException(409, str(exc)) from exc
        return CancelOut(run_id=run_id, status=view.status)

    @router.get("/v1/webhooks/deliveries", response_model=list[DeliveryOut])
    def webhook_deliveries(run_id: str | None = None, limit: int = Query(100, ge=1, le=1000)) -> list[DeliveryOut]:
        """The delivery log: one row per event and target, with attempts and the last outcome."""
        outbox = getattr(runner(), "outbox", None)
        if outbox is None:
            return []
        return [DeliveryOut(**vars(d)) for d in outbox.deliveries(run_id=run_id, limit=limit)]

    return router
