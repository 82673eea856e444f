"""The published result as a page of the app: ``/published/{run}`` shows the public HTML, its JSON-LD
and the sources as readers will see them; ``/published/{run}/page`` serves the HTML itself.

Files are read only from the run's own entries in ``published`` and only inside the
configured output folder, so a run id can never be turned into a path elsewhere. The
public page is served sandboxed (no scripts, no requests out) because its text came
from a model and from sources, however well escaped.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from app.editor import DeskError, render
from app.runner import DraftRunner, RunNotFoundError, RunView
from tools.render import citation_numbers, source_caption

_RUN_ID = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")
PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; sandbox"


def published_file(runner: DraftRunner, view: RunView, kind: str) -> Path | None:
    """The run's published file of ``kind`` (html, jsonld, draft) when it exists inside the output folder."""
    raw = (view.published or {}).get(kind)
    if not raw:
        return None
    path = Path(raw).resolve()
    root = Path(runner.services.options.output_dir).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


def public_sources(draft_record: dict[str, Any]) -> list[dict[str, Any]]:
    """The sources the public page lists, numbered as it numbers them."""
    sources = list(draft_record.get("sources") or [])
    numbers = citation_numbers(
        draft_record.get("draft") or {}, [str(s.get("label")) for s in sources], draft_record.get("sentences") or None
    )
    cited = [
        {
            **s,
            "number": numbers[str(s.get("label"))],
            "caption": source_caption(s.get("title") or "", s.get("heading") or ""),
        }
        for s in sources
        if str(s.get("label")) in numbers
    ]
    return sorted(cited, key=lambda s: s["number"])


def published_router(runner: Any) -> APIRouter:
    """Routes bound to a callable returning the app's runner."""
    router = APIRouter(prefix="/published", include_in_schema=False)

    def load(run_id: str) -> tuple[DraftRunner, RunView]:
        if not _RUN_ID.match(run_id):
            raise DeskError(404, f"unknown run {run_id!r}", "error.not_found", run=run_id[:80])
        current: DraftRunner = runner()
        try:
            return current, current.get(run_id)
        except RunNotFoundError as exc:
            raise DeskError(404, str(exc), "error.not_found", run=run_id) from exc

    @router.get("/{run_id}", response_class=HTMLResponse)
    def preview(request: Request, run_id: str) -> HTMLResponse:
        current, view = load(run_id)
        html = published_file(current, view, "html")
        if view.status != "published" or html is None:
            waiting = view.status in ("queued", "running", "awaiting_review")
            return render(
                request,
                "published.html",
                status_code=404 if not waiting else 200,
                run=view,
                ready=False,
                refresh=2 if waiting else None,
                draft_lang=view.state.get("language") or "en",
            )
        jsonld_path = published_file(current, view, "jsonld")
        draft_path = published_file(current, view, "draft")
        jsonld = jsonld_path.read_text(encoding="utf-8") if jsonld_path else ""
        record = json.loads(draft_path.read_text(encoding="utf-8")) if draft_path else {}
        return render(
            request,
            "published.html",
            run=view,
            ready=True,
            title=((record.get("draft") or {}).get("title")) or run_id,
            jsonld=json.dumps(json.loads(jsonld), ensure_ascii=False, indent=2) if jsonld else "",
            sources=public_sources(record),
            files=[p.name for p in (html, jsonld_path, draft_path) if p is not None],
            draft_lang=view.state.get("language") or "en",
        )

    @router.get("/{run_id}/page")
    def page(run_id: str) -> Response:
        current, view = load(run_id)
        html = published_file(current, view, "html")
        if html is None:
            raise HTTPException(404, f"run {run_id} is not published")
        return Response(
            html.read_bytes(),
            media_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": PAGE_CSP, "X-Content-Type-Options": "nosniff"},
        )

    return router
