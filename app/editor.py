"""The editor's desk: the queue, one draft side by side with its sources, and the decisions.

Server-rendered HTML (Jinja2, autoescaped) over the same runner and worker as the
JSON API, so a decision made here and one made with ``curl`` are the same thing.
Forms work without JavaScript (post, redirect); ``static/desk.js`` adds the source
panel, in-place editing with a re-check that stays on the page, and keyboard
shortcuts. Every decision records :func:`app.desk_context.identity_of`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from app.desk_context import UI_COOKIE, identity_of, page_context, safe_next
from app.desk_diff import draft_diff, model_draft
from app.desk_edit import EditError, draft_from_form
from app.desk_i18n import UI_LANGUAGES, normalise_language
from app.desk_view import age_label, age_seconds, build_desk, neighbours, next_after_decision, queue_row, waiting_order
from app.limits import (
    MAX_CLAIMS_FIELD_CHARS,
    MAX_FEEDBACK_CHARS,
    EditedDraft,
    InputError,
    edit_form_fields,
    form_text,
    section_count,
)
from app.runner import DraftRunner, RunConflictError, RunError, RunNotFoundError, RunView
from app.worker import RunQueue
from tools.channels import known_channels

HERE = Path(__file__).resolve().parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
STATIC = {"desk.css": "text/css; charset=utf-8", "desk.js": "text/javascript; charset=utf-8"}
# Pages load nothing from elsewhere: no CDN, no inline script, frames only from this app.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'"
)
STATUSES = ("awaiting_review", "queued", "running", "failed", "published", "rejected", "cancelled")
NOTICES = {"approve", "reject", "reject_final", "edit", "retry", "refused", "need_feedback", "queue_empty"}
QUEUE_LIMIT = 100
_RUN_ID = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")
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


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    """A desk page with the shared context (identity, CSRF token, UI language) and a strict CSP."""
    response = TEMPLATES.TemplateResponse(request, template, page_context(request, **values), status_code=status_code)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


class DeskError(HTTPException):
    """A refusal on a desk page: scripts get ``{"detail": ...}`` like from any route, a browser an
    error page in the UI language (:func:`desk_error_page`) with the catalogue message ``key``."""

    def __init__(self, status_code: int, detail: str, key: str, **values: Any) -> None:
        super().__init__(status_code, detail)
        self.key = key
        self.values = values


async def desk_error_page(request: Request, exc: Exception) -> Response:
    """The app's handler for :class:`DeskError`."""
    assert isinstance(exc, DeskError)
    if wants_json(request) or "text/html" not in request.headers.get("accept", ""):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
    context = page_context(request)
    values = {k: context["label"]("status", v) if k == "status" else v for k, v in exc.values.items()}
    run_id = str(exc.values.get("run") or "")
    known = exc.status_code != 404 and bool(_RUN_ID.match(run_id))
    return render(
        request,
        "error.html",
        status_code=exc.status_code,
        message=context["t"](exc.key, **values),
        run_id=run_id if known else "",
        current_path=f"/editor/runs/{run_id}" if known else "/editor",  # the language switch lands on a page
    )


def chunk_lookup(runner: DraftRunner) -> Any:
    """Document metadata (title, version, validity) of chunks from the store; nothing on a store error."""

    def lookup(chunk_ids: Sequence[str]) -> Mapping[str, Mapping[str, Any]]:
        try:
            chunks = runner.services.store.get_chunks(list(dict.fromkeys(chunk_ids)))
        except Exception:  # a store that cannot answer must not take the page down
            return {}
        return {
            c.id: {
                "title": c.title,
                "document_id": c.document_id,
                "version": c.version,
                "valid_from": c.valid_from,
                "valid_until": c.valid_until,
            }
            for c in chunks
        }

    return lookup


def editor_router(runner: Any, worker: Any) -> APIRouter:
    """Routes bound to callables that return the app's runner and worker."""
    router = APIRouter(prefix="/editor", include_in_schema=False)

    def current() -> tuple[DraftRunner, RunQueue]:
        return runner(), worker()

    def load(run_id: str) -> RunView:
        if not _RUN_ID.match(run_id):
            raise DeskError(404, f"unknown run {run_id!r}", "error.not_found", run=run_id[:80])
        try:
            view: RunView = current()[0].get(run_id)
        except RunNotFoundError as exc:
            raise DeskError(404, str(exc), "error.not_found", run=run_id) from exc
        return view

    def waiting() -> list[str]:
        return waiting_order(current()[0].list(limit=10_000))

    def after_decision(run_id: str, notice: str, order: list[str]) -> RedirectResponse:
        """The next waiting draft (the queue when none is left), with a note on what just happened."""
        target = next_after_decision(order, run_id)
        where = f"/editor/runs/{target}" if target else "/editor"
        return RedirectResponse(f"{where}?notice={notice}&run={run_id}", status_code=303)

    def decide(request: Request, run_id: str, decision: dict[str, Any]) -> list[str]:
        """Record the decision (durable) and queue it; returns the waiting order *before* it, which
        "next draft" is counted in (the decided run leaves the queue at once)."""
        order = waiting()
        load(run_id)  # 404 for an unknown run
        run_, work = current()
        try:  # durable before the redirect; the runner checks the review precondition once
            run_.submit_decision(run_id, {**decision, "editor": identity_of(request).name})
        except RunConflictError as exc:
            status = load(run_id).status
            raise DeskError(409, f"{exc} (status: {status})", "error.conflict", run=run_id, status=status) from exc
        work.submit(run_id)
        return order

    @router.get("", response_class=HTMLResponse)
    def queue_page(
        request: Request,
        status: str = "awaiting_review",
        channel: str = "",
        language: str = "",
        campaign: str = "",
        sort: str = "oldest",
        notice: str = "",
        run: str = "",
    ) -> HTMLResponse:
        run_, _ = current()
        records = run_.list(limit=10_000)
        counts = Counter(r.status for r in records)
        campaigns = sorted({r.campaign_id for r in records if r.campaign_id})
        status = status if status in (*STATUSES, "all") else "awaiting_review"
        channel = channel if channel in known_channels() else ""
        language = language if language in UI_LANGUAGES else ""
        campaign = campaign if campaign in campaigns else ""
        sort = sort if sort in ("oldest", "newest") else "oldest"
        chosen = [
            r
            for r in records
            if (status == "all" or r.status == status)
            and (not channel or r.channel == channel)
            and (not language or r.language == language)
            and (not campaign or r.campaign_id == campaign)
        ]
        chosen.sort(key=lambda r: (r.created_at, r.run_id), reverse=sort == "newest")
        rows = []
        for record in chosen[:QUEUE_LIMIT]:
            try:
                view = run_.get(record.run_id)
                rows.append(queue_row(record, view.state, view.review))
            except RunError:
                rows.append(queue_row(record, None, None))
        return render(
            request,
            "runs.html",
            rows=rows,
            total=len(chosen),
            counts=counts,
            statuses=STATUSES,
            channels=known_channels(),
            languages=UI_LANGUAGES,
            campaigns=campaigns,
            filters={"status": status, "channel": channel, "language": language, "campaign": campaign, "sort": sort},
            age_label=age_label,
            notice=notice if notice in NOTICES else "",
            notice_run=run if _RUN_ID.match(run or "") else "",
        )

    def run_context(request: Request, run_id: str, notice: str = "", notice_run: str = "") -> dict[str, Any]:
        view = load(run_id)
        run_, work = current()
        busy = work.busy(run_id) or view.status in ("queued", "running")
        review = None if busy else view.review
        state = view.state
        order = waiting()
        previous, following = neighbours(order, run_id)
        desk = build_desk(review, chunk_lookup(run_)) if review else None
        diff = []
        if review and any(e.get("node") == "review" and e.get("action") == "edit" for e in state.get("events") or []):
            diff = draft_diff(model_draft(run_.graph, run_id), review.get("draft"))
        record = run_.registry.get(run_id)
        draft = (review or {}).get("draft") or state.get("draft") or {}
        return {
            "run": view,
            "record": record,
            "status": "running" if busy and view.status == "awaiting_review" else view.status,
            "busy": busy,
            "refresh": 2 if busy else None,
            "review": review,
            "draft": draft,
            "desk": desk,
            "diff": diff,
            "draft_lang": (review or {}).get("language") or state.get("language") or "en",
            "brief": str(state.get("brief") or (record.brief_preview if record else "") or ""),
            "channel": state.get("channel") or (record.channel if record else ""),
            "campaign": state.get("campaign_id") or (record.campaign_id if record else None),
            "revision": int(state.get("revision", 0) or 0),
            "age_s": age_seconds(record.created_at) if record is not None else 0.0,
            "previous": previous,
            "next": following,
            "position": order.index(run_id) + 1 if run_id in order else None,
            "waiting_total": len(order),
            "notice": notice if notice in NOTICES else "",
            "notice_run": notice_run if _RUN_ID.match(notice_run or "") else "",
        }

    @router.get("/runs/{run_id}", response_class=HTMLResponse)
    def run_page(request: Request, run_id: str, notice: str = "", run: str = "") -> HTMLResponse:
        context = run_context(request, run_id, notice, run)
        return render(request, "run.html", age_label=age_label, **context)

    @router.get("/runs/{run_id}/status.json")
    def run_status(run_id: str) -> JSONResponse:
        view = load(run_id)
        _, work = current()
        busy = work.busy(run_id) or view.status in ("queued", "running")
        status = "running" if busy and view.status == "awaiting_review" else view.status
        blocking = len((view.review or {}).get("blocking") or []) if not busy else None
        return JSONResponse(
            {"run_id": run_id, "status": status, "busy": busy, "blocking": blocking, "error": view.error}
        )

    @router.post("/runs/{run_id}/approve", response_model=None)
    def approve(request: Request, run_id: str) -> Response:
        view = load(run_id)
        problems = list((view.review or {}).get("blocking") or [])
        if view.status == "awaiting_review" and problems:
            if wants_json(request):
                return JSONResponse({"status": "refused", "problems": problems}, status_code=409)
            return RedirectResponse(f"/editor/runs/{run_id}?notice=refused", status_code=303)
        order = decide(request, run_id, {"action": "approve"})
        if wants_json(request):
            return JSONResponse({"status": "running", "next": next_after_decision(order, run_id)}, status_code=202)
        return after_decision(run_id, "approve", order)

    @router.post("/runs/{run_id}/reject")
    def reject(request: Request, run_id: str, feedback: Annotated[str, Form()] = "") -> RedirectResponse:
        try:
            text = form_text({"feedback": feedback}, "feedback", MAX_FEEDBACK_CHARS).strip()
        except InputError as exc:
            raise DeskError(422, str(exc), "edit.too_long", limit=MAX_FEEDBACK_CHARS) from exc
        if not text:
            load(run_id)
            return RedirectResponse(f"/editor/runs/{run_id}?notice=need_feedback", status_code=303)
        order = decide(request, run_id, {"action": "reject", "feedback": text})
        return after_decision(run_id, "reject", order)

    @router.get("/runs/{run_id}/reject-final", response_class=HTMLResponse)
    def confirm_reject(request: Request, run_id: str) -> HTMLResponse:
        view = load(run_id)
        if view.status != "awaiting_review":
            detail = f"run {run_id} is not waiting for an editor (status: {view.status})"
            raise DeskError(409, detail, "error.conflict", run=run_id, status=view.status)
        return render(request, "confirm.html", run=view, draft_lang=view.state.get("language") or "en")

    @router.post("/runs/{run_id}/reject-final", response_model=None)
    def reject_final(request: Request, run_id: str, confirm: Annotated[str, Form()] = "") -> Response:
        if confirm != "yes":
            load(run_id)
            return RedirectResponse(f"/editor/runs/{run_id}/reject-final", status_code=303)
        order = decide(request, run_id, {"action": "reject", "feedback": ""})
        return after_decision(run_id, "reject_final", order)

    @router.post("/runs/{run_id}/edit", response_model=None)
    async def edit(request: Request, run_id: str) -> Response:
        view = load(run_id)
        form = await request.form()
        old = (view.review or {}).get("draft") or view.state.get("draft") or {}
        try:  # every field bounded before anything is built (issue 10's input limits)
            if "sections" in form:  # the desk's form keeps the draft's sections; a count is checked, never trusted
                section_count(form)
            explicit = parse_claims(form_text(form, "claims", MAX_CLAIMS_FIELD_CHARS)) if "claims" in form else None
            draft = draft_from_form(old, edit_form_fields(form), explicit)
            draft = EditedDraft.model_validate(draft).model_dump()
        except (InputError, ValidationError) as exc:
            raise DeskError(422, f"malformed edit form: {exc}", "edit.malformed") from exc
        except EditError as exc:
            t = page_context(request)["t"]
            message = t(exc.key, **exc.values)
            if wants_json(request):
                return JSONResponse({"status": "invalid", "message": message}, status_code=422)
            raise DeskError(422, message, exc.key, **exc.values) from exc
        decide(request, run_id, {"action": "edit", "draft": draft})
        if wants_json(request):
            return JSONResponse({"status": "running", "poll": f"/editor/runs/{run_id}/status.json"}, status_code=202)
        return RedirectResponse(f"/editor/runs/{run_id}?notice=edit&run={run_id}", status_code=303)

    @router.post("/runs/{run_id}/retry")
    def retry(run_id: str) -> RedirectResponse:
        load(run_id)
        run_, work = current()
        try:  # the retry precondition lives in the runner
            run_.request_retry(run_id)
        except RunConflictError as exc:
            raise DeskError(409, str(exc), "error.retry", run=run_id, status=load(run_id).status) from exc
        work.submit(run_id)
        return RedirectResponse(f"/editor/runs/{run_id}?notice=retry&run={run_id}", status_code=303)

    @router.post("/ui-language")
    def ui_language(lang: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "") -> RedirectResponse:
        chosen = normalise_language(lang)
        response = RedirectResponse(safe_next(next), status_code=303)
        if chosen:
            response.set_cookie(UI_COOKIE, chosen, max_age=365 * 86400, httponly=True, samesite="strict")
        return response

    @router.get("/static/{name}")
    def static(name: str) -> Response:
        if name not in STATIC:
            raise HTTPException(404, "no such file")
        body = (HERE / "static" / name).read_bytes()
        return Response(body, media_type=STATIC[name], headers={"Cache-Control": "no-cache"})

    return router
