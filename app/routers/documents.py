"""HTTP for the document library: list, show, add, approve, retire, delete (``/v1/documents``).

The same operations as ``copydesk docs ...`` (one implementation:
:class:`~tools.ingest.governed.GovernedLibrary`), over the running API's store and
embedder. Who made a change comes from ``request.state.identity`` (set by the
authentication middleware, issue 10); without one it is recorded as ``api``.
Authorisation is not decided here: the route table gives ``GET`` to viewers and the
rest to admins.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from app import audit
from app.routers.schemas import unprocessable
from app.settings import Settings, get_settings
from tools.ingest.governed import ChangeResult, GovernedLibrary, UnknownDocumentError
from tools.ingest.loaders import BadDocumentError


class DocumentIn(BaseModel):
    """One document sent as metadata plus Markdown text."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
    body: str = Field(min_length=1, max_length=2_000_000)
    title: str | None = Field(None, max_length=300)
    language: Literal["de", "en"]
    approval_status: Literal["approved", "draft", "archived"] = "draft"
    version: int = Field(1, ge=1)
    doc_type: str = Field("page", pattern=r"^[a-z_]{1,40}$")
    product_ids: list[str] = Field(default_factory=list, max_length=100)
    valid_from: date | None = None
    valid_until: date | None = None


def _actor(request: Request) -> str:
    identity = getattr(request.state, "identity", None)
    return str(getattr(identity, "name", None) or "api")


def build_router(runner: Callable[[], Any], settings: Callable[[], Settings] = get_settings) -> APIRouter:
    """The documents router over the runner's store and embedder (the library opens on first use)."""
    router = APIRouter(prefix="/v1/documents", tags=["documents"])
    lock = threading.Lock()
    opened: dict[str, GovernedLibrary] = {}

    def library() -> GovernedLibrary:
        from app.services import build_governed_library

        with lock:
            if "library" not in opened:
                services = runner().services
                opened["library"] = build_governed_library(settings(), services.store, services.embedder)
            return opened["library"]

    def summary_of(document_id: str) -> dict[str, Any]:
        try:
            return library().get(document_id).summary()
        except UnknownDocumentError as exc:
            raise HTTPException(404, exc.args[0]) from exc

    def changed(result: ChangeResult, document_id: str, action: str, request: Request) -> None:
        if result.unknown:
            raise HTTPException(404, f"no document {document_id!r}")
        if result.changed:
            audit.record(
                action, actor=_actor(request), details={"document_id": document_id}, log=request.app.state.audit
            )

    @router.get("")
    def list_documents(
        status: Literal["approved", "draft", "archived"] | None = None,
        language: Literal["de", "en"] | None = None,
        product_id: str | None = None,
    ) -> list[dict[str, Any]]:
        records = library().list(status=status, language=language, product_id=product_id)
        return [r.summary() for r in records]

    @router.get("/{document_id}")
    def get_document(document_id: str) -> dict[str, Any]:
        summary = summary_of(document_id)
        record = library().get(document_id)
        events = [
            {"action": e.action, "actor": e.actor, "at": e.at, **e.detail}
            for e in library().library.events(document_id)
        ]
        return {**summary, "events": events, "body": record.document.body}

    @router.post("", status_code=201)
    def add_document(document: DocumentIn, request: Request) -> dict[str, Any]:
        meta = document.model_dump(exclude={"body"}, exclude_none=True)
        try:
            added = library().add(meta, document.body, _actor(request))
        except BadDocumentError as exc:
            raise unprocessable(str(exc)) from exc
        return summary_of(added.id)

    @router.post("/{document_id}/approve")
    def approve_document(document_id: str, request: Request) -> dict[str, Any]:
        changed(library().approve([document_id], _actor(request)), document_id, "document.approved", request)
        return summary_of(document_id)

    @router.post("/{document_id}/retire")
    def retire_document(document_id: str, request: Request) -> dict[str, Any]:
        changed(library().retire([document_id], _actor(request)), document_id, "document.retired", request)
        return summary_of(document_id)

    @router.delete("/{document_id}")
    def delete_document(document_id: str, request: Request) -> dict[str, Any]:
        result = library().delete([document_id], _actor(request))
        changed(result, document_id, "document.deleted", request)
        return {"id": document_id, "deleted": True, "chunks_removed": result.chunks_removed}

    return router
