"""Editor web pages: the runs waiting for review, one run with its checks, and the three decisions.

Server-rendered HTML (Jinja2, autoescaped) over the same runner and worker as the
JSON API, so a decision made here and one made with ``curl`` are the same thing.
Forms post back and redirect to the run page, which refreshes while work is running.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from app.runner import DraftRunner, RunConflictError, RunError, RunNotFoundError
from app.worker import RunQueue

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
_CLAIM_LINE = re.compile(r"^(?P<text>.*?)\s*\[(?P<sources>[^\]]*)\]\s*$")


def parse_claims(text: str) -> list[dict[str, Any]]:
    """``claim text [S1, S2]`` per line into claim dicts; a line without brackets cites nothing."""
    claims = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        match = _CLAIM_LINE.match(line)
        if match:
            sources = [s.strip() for s in match["sources"].split(",") if s.strip()]
            claims.append({"text": match["text"], "sources": sources})
        else:
            claims.append({"text": line, "sources": []})
    return claims


def editor_router(runner: Any, worker: Any) -> APIRouter:
    """Routes bound to callables that return the app's runner and worker."""
    router = APIRouter(prefix="/editor", include_in_schema=False)

    def current() -> tuple[DraftRunner, RunQueue]:
        return runner(), worker()

    def decide(run_id: str, decision: dict[str, Any]) -> RedirectResponse:
        run, work = current()
        try:
            view = run.get(run_id)
        except RunNotFoundError as exc:
            raise HTTPException(404, str(exc)) from exc
        try:
            run.submit_decision(run_id, decision)  # durable before the redirect
        except RunConflictError as exc:
            raise HTTPException(409, f"{exc} (status: {view.status})") from exc
        work.submit(run_id)
        return RedirectResponse(f"/editor/runs/{run_id}", status_code=303)

    @router.get("", response_class=HTMLResponse)
    def runs_page(request: Request) -> HTMLResponse:
        run, _ = current()
        runs = run.list(limit=200)
        waiting = [r for r in runs if r.status == "awaiting_review"]
        ordered = waiting + [r for r in runs if r.status != "awaiting_review"]
        return TEMPLATES.TemplateResponse(request, "runs.html", {"runs": ordered, "waiting": waiting})

    @router.get("/runs/{run_id}", response_class=HTMLResponse)
    def run_page(request: Request, run_id: str) -> HTMLResponse:
        run, work = current()
        try:
            view = run.get(run_id)
        except RunNotFoundError as exc:
            raise HTTPException(404, str(exc)) from exc
        busy = work.busy(run_id) or view.status in ("queued", "running")
        review = None if busy else view.review
        pii_kinds = sorted({str(f.get("entity_type")) for f in (review or {}).get("pii_findings", [])})
        context = {
            "run": view,
            "status": "running" if busy and view.status == "awaiting_review" else view.status,
            "busy": busy,
            "refresh": 2 if busy else None,
            "review": review,
            "draft": (review or {}).get("draft") or {},
            "pii_kinds": pii_kinds,
        }
        return TEMPLATES.TemplateResponse(request, "run.html", context)

    @router.post("/runs/{run_id}/approve")
    def approve(run_id: str) -> RedirectResponse:
        return decide(run_id, {"action": "approve", "editor": "editor"})

    @router.post("/runs/{run_id}/reject")
    def reject(run_id: str, feedback: Annotated[str, Form()] = "") -> RedirectResponse:
        return decide(run_id, {"action": "reject", "feedback": feedback.strip(), "editor": "editor"})

    @router.post("/runs/{run_id}/edit")
    async def edit(run_id: str, request: Request) -> RedirectResponse:
        form = await request.form()
        try:
            count = int(str(form.get("sections", "0")))
        except ValueError as exc:
            raise HTTPException(422, "malformed edit form") from exc
        draft = {
            "title": str(form.get("title", "")).strip(),
            "meta_description": str(form.get("meta_description", "")).strip(),
            "sections": [
                {"heading": str(form.get(f"heading_{i}", "")).strip(), "body": str(form.get(f"body_{i}", "")).strip()}
                for i in range(count)
            ],
            "claims": parse_claims(str(form.get("claims", ""))),
        }
        editor = str(form.get("editor", "editor")).strip() or "editor"
        try:
            return decide(run_id, {"action": "edit", "draft": draft, "editor": editor})
        except RunError as exc:
            raise HTTPException(422, str(exc)) from exc

    return router
