"""Campaigns: many runs queued at once (ops) and their status by campaign (everyone).

A campaign is validated as a whole before anything is created: one bad item rejects
the request and creates nothing.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path

from app.limits import ID_PATTERN
from app.llm_usage import campaign_usage
from app.routers.deps import IdentityDep, RunnerDep, WorkerDep
from app.routers.schemas import ERRORS, CampaignOut, CampaignRequest, RunOut, from_record, unprocessable
from app.runner import RunError, validate_request

CampaignId = Annotated[str, Path(pattern=ID_PATTERN)]


def build_router() -> APIRouter:
    router = APIRouter(prefix="/v1/campaigns", tags=["campaigns"], responses=ERRORS)

    @router.post("", status_code=202, response_model=CampaignOut)
    def create_campaign(
        request: CampaignRequest, runner: RunnerDep, worker: WorkerDep, identity: IdentityDep
    ) -> CampaignOut:
        problems = []
        for index, item in enumerate(request.items):
            try:
                validate_request(item.brief, item.channel, item.language)
            except RunError as exc:
                problems.append(f"item {index}: {exc}")
        if problems:
            raise unprocessable("; ".join(problems) + " (nothing was created)")
        campaign_id = request.campaign_id or f"cmp-{uuid.uuid4().hex[:10]}"
        if runner.list(campaign_id=campaign_id, limit=1):
            raise HTTPException(409, f"campaign {campaign_id} already exists")
        created = []
        for item in request.items:
            run_id = runner.create(
                item.brief,
                channel=item.channel,
                language=item.language,
                product_id=item.product_id,
                campaign_id=campaign_id,
                actor=identity.name,
            )
            worker.submit(run_id)
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

    @router.get("/{campaign_id}", response_model=CampaignOut)
    def get_campaign(campaign_id: CampaignId, runner: RunnerDep) -> CampaignOut:
        records = runner.list(campaign_id=campaign_id, limit=10_000)
        if not records:
            raise HTTPException(404, f"unknown campaign {campaign_id!r}")
        runs = [from_record(r) for r in records]
        return CampaignOut(
            campaign_id=campaign_id,
            total=len(runs),
            by_status=dict(Counter(r.status for r in runs)),
            runs=runs,
            usage=campaign_usage(runner, campaign_id),
        )

    return router
