"""Runs: queue one draft (ops), read runs (everyone), decide (editors), retry a failed run (ops).

Who may call what is decided by :data:`app.auth.RULES`, before any of this runs; the
deciding editor is the caller's identity.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.limits import ID_PATTERN
from app.routers.deps import IdentityDep, RunnerDep, WorkerDep, http_errors
from app.routers.schemas import ERRORS, NewRun, ReviewRequest, RunOut, from_record, from_view

RunId = Annotated[str, Path(min_length=1, max_length=128)]
STATUSES = "queued|running|awaiting_review|published|rejected|failed|cancelled"


def build_router() -> APIRouter:
    router = APIRouter(prefix="/v1/runs", tags=["runs"], responses=ERRORS)

    @router.post("", status_code=202, response_model=RunOut)
    def create_run(request: NewRun, runner: RunnerDep, worker: WorkerDep, identity: IdentityDep) -> RunOut:
        """Queue one draft; poll ``GET /v1/runs/{id}`` for the result."""
        with http_errors():
            run_id = runner.create(
                request.brief,
                channel=request.channel,
                language=request.language,
                product_id=request.product_id,
                campaign_id=request.campaign_id,
                actor=identity.name,
            )
        worker.submit(run_id)
        return RunOut(
            run_id=run_id,
            status="queued",
            channel=request.channel,
            language=request.language,
            campaign_id=request.campaign_id,
        )

    @router.get("", response_model=list[RunOut])
    def list_runs(
        runner: RunnerDep,
        status: Annotated[str | None, Query(pattern=f"^({STATUSES})$")] = None,
        campaign_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[RunOut]:
        return [from_record(r) for r in runner.list(status=status, campaign_id=campaign_id, limit=limit)]

    @router.get("/{run_id}", response_model=RunOut)
    def get_run(run_id: RunId, runner: RunnerDep, worker: WorkerDep) -> RunOut:
        with http_errors():
            view = runner.get(run_id)
        out = from_view(view)
        if worker.busy(run_id) and out.status != "queued":
            out.status = "running"
        return out

    @router.post("/{run_id}/review", status_code=202, response_model=RunOut)
    def review_run(
        run_id: RunId, decision: ReviewRequest, runner: RunnerDep, worker: WorkerDep, identity: IdentityDep
    ) -> RunOut:
        """The editor's decision; the editor recorded is the caller (their key's name)."""
        answer = decision.model_dump(mode="json", exclude_none=True)
        answer["editor"] = identity.name
        # The decision is written to the run's row before the 202 (the one review precondition
        # lives in the runner); a worker applies it from there.
        with http_errors():
            runner.submit_decision(run_id, answer)
        worker.submit(run_id)
        return RunOut(run_id=run_id, status="queued")

    @router.post("/{run_id}/retry", status_code=202, response_model=RunOut)
    def retry_run(run_id: RunId, runner: RunnerDep, worker: WorkerDep) -> RunOut:
        with http_errors():
            runner.request_retry(run_id)
        worker.submit(run_id)
        return RunOut(run_id=run_id, status="queued")

    return router
