"""``GET /v1/stats`` (JSON) and ``GET /ops/stats`` (a page): the operations view.

Access control belongs to issue 10's route table (``/v1/stats`` and ``/ops*`` → viewer);
this router only reads.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from app.routers.schemas import ERRORS, unprocessable
from app.stats import Stats, collect, parse_since


def _page(figures: Stats) -> str:
    def cell(value: Any) -> str:
        if value is None:
            return "–"
        return f"{value:,.0f}" if isinstance(value, float) else html.escape(str(value))

    def table(title: str, rows: dict[str, Any]) -> str:
        body = "".join(
            f"<tr><td>{html.escape(name)}</td><td>{lat.count}</td><td>{cell(lat.p50_ms)}</td><td>{cell(lat.p95_ms)}</td></tr>"
            for name, lat in rows.items()
        )
        return (
            f"<h2>Latency per {title}</h2><table><tr><th>{title}</th><th>count</th><th>p50 ms</th>"
            f"<th>p95 ms</th></tr>{body}</table>"
        )

    statuses = "".join(f"<tr><td>{html.escape(k)}</td><td>{v}</td></tr>" for k, v in figures.runs_by_status.items())
    rate = lambda v: "–" if v is None else f"{v:.1%}"  # noqa: E731
    cost_per = "–" if figures.cost_per_output_usd is None else f"${figures.cost_per_output_usd:.4f}"
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>copydesk · operations</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}}table{{border-collapse:collapse;margin-bottom:1.5rem}}
td,th{{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}}</style></head><body>
<h1>Operations</h1>
<p>{figures.runs} runs{f" since {html.escape(figures.since)}" if figures.since else ""}; {figures.outputs} outputs;
failed runs {rate(figures.run_error_rate)}.</p>
<p>Cost ${figures.cost_usd:.4f} ({cost_per} per output);
tokens {figures.prompt_tokens:,} in / {figures.completion_tokens:,} out; {figures.llm_calls} LLM calls,
cache-hit rate {rate(figures.cache_hit_rate)}, call error rate {rate(figures.llm_error_rate)}.</p>
<h2>Runs per status</h2><table><tr><th>status</th><th>runs</th></tr>{statuses}</table>
{table("node", figures.latency_by_node)}{table("model", figures.latency_by_model)}
</body></html>"""


def build_router(runner: Callable[[], Any]) -> APIRouter:
    """Stats over the app's runner (``runner`` returns it, as ``app.api`` provides)."""
    router = APIRouter(tags=["operations"], responses=ERRORS)

    def figures(since: str | None) -> Stats:
        try:
            cutoff = parse_since(since)
        except ValueError as exc:
            # shaped like FastAPI's own validation errors, as the OpenAPI document says a 422 is
            raise unprocessable(str(exc), "since") from exc
        return collect(runner(), cutoff)

    @router.get("/v1/stats")
    def stats_json(since: str | None = Query(None, description="30m, 24h, 7d or an ISO date")) -> dict[str, Any]:
        return figures(since).to_dict()

    @router.get("/ops/stats", response_class=HTMLResponse)
    def stats_page(since: str | None = Query(None, description="30m, 24h, 7d or an ISO date")) -> str:
        return _page(figures(since))

    return router
