"""``GET /v1/audit``: the audit trail for compliance (viewer or admin), filterable and paged by ``seq``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.routers.deps import AuditDep
from app.routers.schemas import ERRORS, AuditEntryOut


def build_router() -> APIRouter:
    router = APIRouter(prefix="/v1/audit", tags=["audit"], responses=ERRORS)

    @router.get("", response_model=list[AuditEntryOut])
    def list_audit(
        log: AuditDep,
        run_id: Annotated[str | None, Query(max_length=128)] = None,
        action: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z_.]+$")] = None,
        after: Annotated[int, Query(ge=0, le=2**62, description="Entries after this seq (paging).")] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> list[AuditEntryOut]:
        """Entries in order; each carries the hash of the one before (check with ``copydesk audit verify``)."""
        return [
            AuditEntryOut(**e.to_dict()) for e in log.entries(run_id=run_id, action=action, after=after, limit=limit)
        ]

    return router
