"""HTTP API: marketing ops queue single drafts or whole campaigns; editors review through it.

Work is queued (202) and done by :class:`~app.worker.RunWorker`; clients poll
``GET /v1/runs/{id}`` or ``GET /v1/campaigns/{id}``. A campaign is validated as a
whole before anything is created: one bad item rejects the request and creates
nothing. Start it with ``copydesk serve``.
"""

from __future__ import annotations

import contextlib
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Literal

from fastapi import FastAPI, HTTPException, Query
from pydantic import BaseModel, Field

from app.editor import editor_router
from app.llm_usage import campaign_usage
from app.runner import DraftRunner, RunConflictError, RunError, RunNotFoundError, RunView, validate_request
from app.runs import RunRecord
from app.worker import RunWorker
from graphs.draft.nodes.review import EditorDecision
from tools.content import Channel

RunnerFactory = Callable[[], contextlib.AbstractContextManager[DraftRunner]]


class RunRequest(BaseModel):
    """One piece to draft."""

    brief: str = Field(min_length=1, description="What the piece should say.")
    channel: Channel
    language: Literal["de", "en"] = "en"
    product_id: str | None = None


class NewRun(RunRequest):
    campaign_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]{1,64}$")


class CampaignRequest(BaseModel):
    """Many pieces at once, filed under one campaign id."""

    campaign_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    items: list[RunRequest] = Field(min_length=1, max_length=500)


class RunOut(BaseModel):
    run_id: str
    status: str
    channel: str | None = None
    language: str | None = None
    campaign_id: str | None = None
    revision: int = 0
    error: str | None = None
    review: dict[str, Any] | None = None
    published: dict[str, str] = Field(default_factory=dict)
    usage: dict[str, Any] | None = None  # model calls, tokens, cost, cache hits (issue 13)


class CampaignOut(BaseModel):
    campaign_id: str
    total: int
    by_status: dict[str, int]
    runs: list[RunOut]
    usage: dict[str, Any] | None = None  # summed over the campaign's runs (issue 13)


def _from_view(view: RunView) -> RunOut:
    state = view.state
    return RunOut(
        run_id=view.run_id,
        status=view.status,
        channel=state.get("channel"),
        language=state.get("language"),
        campaign_id=state.get("campaign_id"),
        revision=int(state.get("revision", 0)),
        error=view.error,
        review=view.review,
        published=view.published,
        usage=view.usage,
    )


def _from_record(record: RunRecord) -> RunOut:
    return RunOut(
        run_id=record.run_id,
        status=record.status,
        channel=record.channel,
        language=record.language,
        campaign_id=record.campaign_id,
        revision=record.revision,
        error=record.error,
    )


@contextlib.contextmanager
def _http_errors() -> Iterator[None]:
    try:
        yield
    except RunNotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
    except RunConflictError as exc:
        raise HTTPException(409, str(exc)) from exc
    except RunError as exc:
        raise HTTPException(422, str(exc)) from exc


def create_app(runner_factory: RunnerFactory) -> FastAPI:
    """The API over whatever runner the factory opens (settings-built in production, scripted in tests)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with runner_factory() as runner:
            worker = RunWorker(runner)
            app.state.runner, app.state.worker = runner, worker
            worker.recover()
            try:
                yield
            finally:
                worker.shutdown()

    app = FastAPI(title="copydesk", version="0.1.0", lifespan=lifespan)

    def runner() -> DraftRunner:
        result: DraftRunner = app.state.runner
        return result

    def worker() -> RunWorker:
        result: RunWorker = app.state.worker
        return result

    app.include_router(editor_router(runner, worker))

    @app.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/runs", status_code=202, response_model=RunOut)
    def create_run(request: NewRun) -> RunOut:
        with _http_errors():
            run_id = runner().create(
                request.brief,
                channel=request.channel,
                language=request.language,
                product_id=request.product_id,
                campaign_id=request.campaign_id,
            )
        worker().enqueue(run_id)
        return RunOut(
            run_id=run_id,
            status="queued",
            channel=request.channel,
            language=request.language,
            campaign_id=request.campaign_id,
        )

    @app.get("/v1/runs", response_model=list[RunOut])
    def list_runs(
        status: str | None = None, campaign_id: str | None = None, limit: int = Query(100, ge=1, le=1000)
    ) -> list[RunOut]:
        return [_from_record(r) for r in runner().list(status=status, campaign_id=campaign_id, limit=limit)]

    @app.get("/v1/runs/{run_id}", response_model=RunOut)
    def get_run(run_id: str) -> RunOut:
        with _http_errors():
            view = runner().get(run_id)
        out = _from_view(view)
        if worker().busy(run_id) and out.status != "queued":
            out.status = "running"
        return out

    @app.post("/v1/runs/{run_id}/review", status_code=202, response_model=RunOut)
    def review_run(run_id: str, decision: EditorDecision) -> RunOut:
        with _http_errors():
            view = runner().get(run_id)
            if worker().busy(run_id):
                raise RunConflictError(f"run {run_id} is being worked on; try again when it waits for review")
            if view.status != "awaiting_review":
                raise RunConflictError(f"run {run_id} is not waiting for an editor (status: {view.status})")
        worker().resume(run_id, decision.model_dump(mode="json", exclude_none=True))
        return RunOut(run_id=run_id, status="running")

    @app.post("/v1/runs/{run_id}/retry", status_code=202, response_model=RunOut)
    def retry_run(run_id: str) -> RunOut:
        with _http_errors():
            view = runner().get(run_id)
            if view.status != "failed":
                raise RunConflictError(f"run {run_id} has not failed (status: {view.status})")
        worker().retry(run_id)
        return RunOut(run_id=run_id, status="running")

    @app.post("/v1/campaigns", status_code=202, response_model=CampaignOut)
    def create_campaign(request: CampaignRequest) -> CampaignOut:
        problems = []
        for index, item in enumerate(request.items):
            try:
                validate_request(item.brief, item.channel, item.language)
            except RunError as exc:
                problems.append(f"item {index}: {exc}")
        if problems:
            raise HTTPException(422, "; ".join(problems) + " (nothing was created)")
        campaign_id = request.campaign_id or f"cmp-{uuid.uuid4().hex[:10]}"
        if runner().list(campaign_id=campaign_id, limit=1):
            raise HTTPException(409, f"campaign {campaign_id} already exists")
        created = []
        for item in request.items:
            run_id = runner().create(
                item.brief,
                channel=item.channel,
                language=item.language,
                product_id=item.product_id,
                campaign_id=campaign_id,
            )
            worker().enqueue(run_id)
            created.append(
                RunOut(
                    run_id=run_id,
                    status="queued",
                    channel=item.channel,
                    language=item.language,
                    campaign_id=campaign_id,
                )
            )
        return CampaignOut(
            campaign_id=campaign_id, total=len(created), by_status={"queued": len(created)}, runs=created
        )

    @app.get("/v1/campaigns/{campaign_id}", response_model=CampaignOut)
    def get_campaign(campaign_id: str) -> CampaignOut:
        records = runner().list(campaign_id=campaign_id, limit=10_000)
        if not records:
            raise HTTPException(404, f"unknown campaign {campaign_id!r}")
        runs = [_from_record(r) for r in records]
        return CampaignOut(
            campaign_id=campaign_id,
            total=len(runs),
            by_status=dict(Counter(r.status for r in runs)),
            runs=runs,
            usage=campaign_usage(runner(), campaign_id),
        )

    return app
