"""Request and response bodies of the JSON API, every input bounded (see :mod:`app.limits`)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import HTTPException
from pydantic import BaseModel, Field, model_validator

from app.limits import (
    ID_PATTERN,
    MAX_CAMPAIGN_ITEMS,
    MAX_FEEDBACK_CHARS,
    MAX_PRODUCT_ID_CHARS,
    PRODUCT_ID_PATTERN,
    EditedDraft,
    InputModel,
    Text,
)
from app.runner import MAX_BRIEF_CHARS, RunView
from app.runs import RunRecord
from tools.channels import Channel


class RunRequest(InputModel):
    """One piece to draft."""

    brief: Text = Field(min_length=1, max_length=MAX_BRIEF_CHARS, description="What the piece should say.")
    channel: Channel
    language: Literal["de", "en"] = "en"
    product_id: Text | None = Field(
        None, max_length=MAX_PRODUCT_ID_CHARS, pattern=PRODUCT_ID_PATTERN, description="A catalogue product id."
    )


class NewRun(RunRequest):
    campaign_id: Text | None = Field(None, pattern=ID_PATTERN)


class CampaignRequest(InputModel):
    """Many pieces at once, filed under one campaign id."""

    campaign_id: Text | None = Field(None, pattern=ID_PATTERN)
    items: list[RunRequest] = Field(min_length=1, max_length=MAX_CAMPAIGN_ITEMS)


class ReviewRequest(InputModel):
    """An editor's decision. Who decided is the authenticated caller, never a field of the body."""

    action: Literal["approve", "edit", "reject"]
    feedback: Text = Field("", max_length=MAX_FEEDBACK_CHARS)
    draft: EditedDraft | None = None

    @model_validator(mode="after")
    def _edit_needs_draft(self) -> ReviewRequest:
        if self.action == "edit" and self.draft is None:
            raise ValueError("an edit must carry the edited draft")
        return self


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


class AuditEntryOut(BaseModel):
    seq: int
    at: str
    actor: str
    action: str
    run_id: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str


def from_view(view: RunView) -> RunOut:
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


def from_record(record: RunRecord) -> RunOut:
    return RunOut(
        run_id=record.run_id,
        status=record.status,
        channel=record.channel,
        language=record.language,
        campaign_id=record.campaign_id,
        revision=record.revision,
        error=record.error,
    )


def unprocessable(message: str, where: str = "body") -> HTTPException:
    """A 422 shaped like FastAPI's own validation errors, which is what the OpenAPI document
    promises for 422 (clients and schemathesis read ``detail`` as a list of errors)."""
    return HTTPException(422, [{"loc": [where], "msg": message, "type": "value_error"}])


class ErrorOut(BaseModel):
    detail: str


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


# What every route of the JSON API may answer besides its own result (documented in the OpenAPI schema).
ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("Unknown host name (COPYDESK_PUBLIC_HOSTS)."),
    401: _error("No API key, or an invalid or revoked one."),
    403: _error("The key lacks the role, or a cross-origin / CSRF-less browser request."),
    404: _error("No such run or campaign."),
    409: _error("The run is not in a state that allows this."),
    413: _error("Request body over COPYDESK_MAX_BODY_BYTES."),
}
