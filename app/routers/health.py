"""Liveness: the one route that needs no identity (load balancers and ``make demo`` poll it)."""

from __future__ import annotations

from fastapi import APIRouter


def build_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return router
