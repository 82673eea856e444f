"""``POST /v1/check``: check existing copy against the approved corpus, as ``copydesk check`` does.

The body carries the text and its format; the answer is the same report per text
(:func:`app.text_check.check_text`). Bad input is a 422 with the reason, never a 500.
Authorisation (ops/editor) is issue 10's route table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.routers.schemas import unprocessable
from app.text_check import CheckInputError, check_text
from graphs.draft.context import DraftServices
from tools.channels import Channel

MAX_CHECK_CHARS = 200_000


class CheckRequest(BaseModel):
    """One text to check."""

    text: str = Field(min_length=1, max_length=MAX_CHECK_CHARS)
    language: Literal["de", "en"] = "en"
    format: Literal["markdown", "html", "text"] = "markdown"
    channel: Channel = "landing_page"
    name: str = Field("", max_length=300)


def build_router(services: Callable[[], DraftServices]) -> APIRouter:
    """The check endpoint over the services the app's runner uses."""
    router = APIRouter()

    @router.post("/v1/check")
    def check(request: CheckRequest) -> dict[str, Any]:
        try:
            return check_text(
                services(),
                request.text,
                language=request.language,
                fmt=request.format,
                channel=request.channel,
                name=request.name,
            )
        except CheckInputError as exc:
            raise unprocessable(str(exc)) from None

    return router
