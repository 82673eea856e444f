"""Run control endpoints added by the one-run-model work: cancel a run.

Bound to callables returning the app's runner and queue, like the editor pages, so the
API module only includes the router.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from app.runner import DraftRunner, RunConflictError, RunNotFoundError


class CancelOut(BaseModel):
    run_id: str
    status: str


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

    return router
