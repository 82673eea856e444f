"""Typed FastAPI dependencies: the app's runner, worker, key store, audit log and the caller's identity.

Routers declare what they need (``runner: RunnerDep``) instead of reaching into globals,
so a router works in any app ``create_app`` builds, scripted or real.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from app.audit import AuditLog
from app.auth import Identity, KeyStore
from app.routers.schemas import unprocessable
from app.runner import DraftRunner, RunConflictError, RunError, RunNotFoundError
from app.worker import RunQueue


def get_runner(request: Request) -> DraftRunner:
    runner: DraftRunner = request.app.state.runner
    return runner


def get_worker(request: Request) -> RunQueue:
    worker: RunQueue = request.app.state.worker
    return worker


def get_keys(request: Request) -> KeyStore:
    keys: KeyStore = request.app.state.keys
    return keys


def get_audit(request: Request) -> AuditLog:
    log: AuditLog = request.app.state.audit
    return log


def get_identity(request: Request) -> Identity:
    """The caller set by :class:`app.security.SecurityMiddleware`; a route that needs one never runs without."""
    identity = getattr(request.state, "identity", None)
    if identity is None:
        raise HTTPException(401, "authentication required")
    return identity


RunnerDep = Annotated[DraftRunner, Depends(get_runner)]
WorkerDep = Annotated[RunQueue, Depends(get_worker)]
KeysDep = Annotated[KeyStore, Depends(get_keys)]
AuditDep = Annotated[AuditLog, Depends(get_audit)]
IdentityDep = Annotated[Identity, Depends(get_identity)]


@contextlib.contextmanager
def http_errors() -> Iterator[None]:
    """Runner errors as HTTP answers: unknown → 404, wrong state → 409, bad input → 422."""
    try:
        yield
    except RunNotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
    except RunConflictError as exc:
        raise HTTPException(409, str(exc)) from exc
    except RunError as exc:
        raise unprocessable(str(exc)) from exc
